//! The OpenAPI 3.1 document, generated from the handlers' annotations, served at
//! `/openapi.json` with interactive docs at `/docs`.

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "omniretail API", description = "One customer, one catalog, one cart, one order flow in every channel. Conventions: docs/API-DESIGN.md."),
    paths(
        crate::system::healthz, crate::system::readyz, crate::system::prometheus,
        crate::tenancy::show_tenant,
        crate::tenancy::show_me,
        crate::network::list_locations, crate::network::show_location, crate::network::create_location, crate::network::update_location,
        crate::inventory::show_channel_rules, crate::inventory::replace_channel_rules, crate::inventory::show_stock, crate::inventory::stock_nearby, crate::inventory::stock_at_location, crate::inventory::list_movements, crate::inventory::record_movement,
        crate::inventory_feeds::import_feed, crate::inventory_feeds::record_count,
        crate::inventory_reservations::place_reservation, crate::inventory_reservations::show_reservation, crate::inventory_reservations::extend_reservation,
        crate::inventory_reservations::release_reservation, crate::inventory_reservations::commit_reservation,
        crate::inventory_reservations::dispatch_transfer, crate::inventory_reservations::show_transfer, crate::inventory_reservations::receive_transfer,
        crate::customers::create_customer, crate::customers::show_customer, crate::customers::update_customer,
        crate::customers_identify::identify, crate::customers_identify::add_identifier, crate::customers_identify::issue_qr_token,
        crate::customers_identify::identify_device, crate::customers_identify::append_device_timeline,
        crate::customers_timeline::append_timeline, crate::customers_timeline::list_timeline,
        crate::customers_timeline::show_consents, crate::customers_timeline::change_consents, crate::customers_timeline::contact_permission,
        crate::customers_privacy::erase_customer, crate::customers_privacy::export_customer,
        crate::customers_merges::list_merges, crate::customers_merges::approve_merge, crate::customers_merges::reject_merge, crate::customers_merges::reverse_merge,
        crate::customers_segments::create_segment, crate::customers_segments::list_segments, crate::customers_segments::show_segment,
        crate::customers_segments::materialize_segment, crate::customers_segments::list_members, crate::customers_segments::customer_segments,
        crate::customers_wishlist::show_wishlist, crate::customers_wishlist::replace_wishlist, crate::customers_wishlist::remove_wishlist_item,
        crate::customers_wishlist::near_store,
        crate::catalog::list_categories, crate::catalog::create_category, crate::catalog::list_brands, crate::catalog::create_brand, crate::catalog::show_synonyms, crate::catalog::replace_synonyms,
        crate::catalog_products::list_products, crate::catalog_products::show_product, crate::catalog_products::create_product, crate::catalog_products::update_product, crate::catalog_products::show_completeness, crate::catalog_products::change_publication,
        crate::catalog_search::search, crate::catalog_search::import,
        crate::offers_price_lists::create_price_list, crate::offers_price_lists::price_history, crate::offers_price_lists::replace_price_list, crate::offers_price_lists::show_price_list, crate::offers_price_lists::list_price_lists,
        crate::offers::create_promotion, crate::offers::show_promotion, crate::offers::list_promotions, crate::offers::update_promotion, crate::offers::change_status,
        crate::offers::generate_coupons, crate::loyalty::show_program, crate::loyalty::replace_program, crate::loyalty::show_points, crate::loyalty::gift_points,
        crate::pricing::quote, crate::pricing::dry_run, crate::pricing::commit_sale, crate::pricing::cancel_sale, crate::pricing_snapshot::snapshot, crate::pricing_snapshot::snapshot_key, crate::pricing::customer_offers,
        crate::orders_carts::open_cart, crate::orders_carts::find_cart, crate::orders_carts::show_cart, crate::orders_carts::set_line, crate::orders_carts::remove_line,
        crate::orders_carts::set_coupons, crate::orders_carts::identify_cart,
        crate::orders_delivery::options, crate::orders_delivery::hold_cart, crate::orders_checkout::checkout,
        crate::orders::show_order, crate::orders::find_orders, crate::orders::transition, crate::orders::hand_out, crate::orders_returns::cancel,
        crate::orders_returns::take_return, crate::orders_returns::list_returns, crate::orders::pick_list, crate::orders_resourcing::resource_line,
        crate::orders_sourcing::show_rules, crate::orders_sourcing::put_rules, crate::orders_sourcing::run_simulation,
        crate::engagement::inbound, crate::engagement::list, crate::engagement::show, crate::engagement::staff_reply, crate::engagement::close, crate::engagement::automation,
        crate::engagement_consult::set_skills, crate::engagement_consult::request, crate::engagement_consult::open_for_me, crate::engagement_consult::show,
        crate::engagement_consult::accept, crate::engagement_consult::attribute_sale, crate::engagement_consult::my_skills, crate::engagement_consult::close,
        crate::engagement_triggers::list, crate::engagement_triggers::show, crate::engagement_triggers::put, crate::engagement_triggers::runs, crate::engagement_triggers::firings,
        crate::access::list_keys, crate::access::create_key, crate::access::revoke_key,
        crate::events::list_events, crate::events::list_webhooks, crate::events::show_webhook, crate::events::create_webhook, crate::events::delete_webhook,
        crate::analytics_surveys::answer_survey, crate::analytics::refresh, crate::analytics::recommendations, crate::analytics::recommendations_by_query, crate::analytics::bought_together,
        crate::analytics_reports::summary, crate::analytics_reports::sales, crate::analytics_reports::promotions, crate::analytics_reports::forecast, crate::analytics_reports::recommender_quality,
    ),
    components(schemas(crate::error::Problem)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("omk_…")
                    .build(),
            ),
        );
    }
}

pub fn routes() -> Router<AppState> {
    Router::from(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
}
