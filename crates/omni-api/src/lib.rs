//! HTTP adapter: the `/v1` JSON API, built on axum.
//!
//! Handlers extract and authorise a request, call the domain and the store, and map the
//! result to a response; problem+json rendering, idempotency and pagination are shared
//! here so every context's routes behave alike (see docs/API-DESIGN.md).

mod access;
pub mod analytics;
mod analytics_reports;
mod analytics_surveys;
mod auth;
mod catalog;
mod catalog_products;
mod catalog_search;
mod console;
mod customers;
pub mod customers_birthdays;
mod customers_identify;
pub mod customers_index;
mod customers_link;
mod customers_merges;
mod customers_privacy;
mod customers_segments;
pub mod customers_snapshots;
mod customers_timeline;
mod customers_wishlist;
mod engagement;
mod engagement_bot;
mod engagement_consult;
mod engagement_triggers;
pub mod engagement_worker;
mod error;
mod events;
mod extract;
mod inventory;
mod inventory_feeds;
mod inventory_reservations;
mod limits;
mod loyalty;
mod network;
mod offers;
mod offers_books;
mod offers_price_lists;
mod openapi;
mod orders;
mod orders_carts;
mod orders_checkout;
mod orders_delivery;
mod orders_network;
mod orders_placing;
mod orders_resourcing;
mod orders_returns;
mod orders_sourcing;
mod pagination;
pub mod payments;
mod pricing;
mod pricing_facts;
mod pricing_snapshot;
mod refresh;
mod request;
mod storefront;
mod system;
mod tenancy;
mod write;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use omni_kernel::Clock;
use omni_store::Store;
use tokio::sync::Notify;

pub use auth::Principal;
pub use catalog_search::parse_lines as parse_import_lines;
pub use error::ApiError;

/// The default per-key rate: far above any one till's or app server's need, so it only
/// stops a runaway client (the load benchmarks stay under it).
pub const DEFAULT_RATE_LIMIT_PER_KEY: u32 = 5_000;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest request body accepted (larger → 413).
    pub max_body_bytes: usize,
    /// Let webhooks target loopback/private addresses (tests, on-premise).
    pub allow_private_webhooks: bool,
    /// Requests per second one API key may make to this node (bursts of twice that);
    /// 0 turns the limit off. Keeps one tenant's runaway client from starving the others.
    pub rate_limit_per_key: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 1 << 20,
            allow_private_webhooks: false,
            rate_limit_per_key: DEFAULT_RATE_LIMIT_PER_KEY,
        }
    }
}

/// What every handler shares: the store, the clock, settings and the relay's wake-up.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: ApiConfig,
    /// Notified after a commit that recorded events, so the relay publishes at once.
    pub events_written: Arc<Notify>,
    /// This node's product search index (fed from the event feed by `omni_search::Feeder`).
    pub search: omni_search::SearchIndex,
    /// The payment provider checkouts authorise with (the built-in test provider by default).
    pub payments: Arc<dyn payments::PaymentProvider>,
    /// This node's identity index (fed from the event feed by `customers_index::spawn`).
    pub identities: Arc<customers_index::Identities>,
    /// This node's segment snapshots (kept current by `customers_snapshots::spawn`).
    pub segment_snapshots: Arc<customers_snapshots::SegmentSnapshots>,
    /// This node's analytics builds (warmed at start-up by `analytics::warm`).
    pub analytics: Arc<analytics::AnalyticsCache>,
}

/// The whole HTTP application, testable without a socket.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let limiter = Arc::new(limits::KeyLimiter::new(state.config.rate_limit_per_key));
    Router::new()
        .merge(system::routes())
        .nest(
            "/v1",
            Router::new()
                .merge(tenancy::routes())
                .merge(network::routes())
                .merge(catalog::routes())
                .merge(inventory::routes())
                .merge(customers::routes())
                .merge(offers::routes())
                .merge(pricing::routes())
                .merge(pricing_snapshot::routes())
                .merge(orders_carts::routes())
                .merge(orders_checkout::routes())
                .merge(orders_delivery::routes())
                .merge(orders::routes())
                .merge(orders_resourcing::routes())
                .merge(orders_sourcing::routes())
                .merge(engagement::routes())
                .merge(engagement_consult::routes())
                .merge(engagement_triggers::routes())
                .merge(access::routes())
                .merge(events::routes())
                .merge(analytics::routes()),
        )
        .merge(openapi::routes())
        .merge(console::routes())
        .merge(storefront::routes())
        .fallback(error::not_found_fallback)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::Extension(limiter))
        .layer(axum::Extension(Arc::new(
            offers_books::OfferBooks::default(),
        )))
        .layer(axum::Extension(Arc::new(
            orders_network::Networks::default(),
        )))
        .layer(axum::middleware::from_fn(request::context))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .with_state(state)
}
