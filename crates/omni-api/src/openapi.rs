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
        crate::network::list_locations, crate::network::show_location, crate::network::create_location, crate::network::update_location,
        crate::access::list_keys, crate::access::create_key, crate::access::revoke_key,
        crate::events::list_events, crate::events::list_webhooks, crate::events::show_webhook, crate::events::create_webhook, crate::events::delete_webhook,
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
