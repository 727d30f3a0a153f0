//! The event relay: moves committed domain events out of the transactional outbox.
//!
//! Writers only ever append to the outbox inside their own transaction; this crate does the
//! rest, on every `omni serve` node at once (they may share one PostgreSQL):
//!
//! 1. [`Relay::sequence_once`] gives committed events their feed positions;
//! 2. [`Relay::publish_nats_once`] publishes the feed to NATS JetStream, de-duplicated by
//!    event id, advancing a shared position only past acknowledged events;
//! 3. [`Relay::deliver_webhooks_once`] posts each subscription its tenant's events, in
//!    order, signed per Standard Webhooks, with retries and an SSRF guard.
//!
//! [`Relay::run`] loops the three steps in the background; tests drive them one by one.

mod config;
mod error;
pub mod nats;
mod relay;
pub mod resolver;
pub mod webhooks;

pub use config::RelayConfig;
pub use error::EventsError;
pub use relay::{Relay, RelayWaker};
pub use webhooks::{DeliveryError, WebhookPayload, WebhookRound};
