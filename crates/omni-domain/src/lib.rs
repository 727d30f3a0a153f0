//! Pure domain logic of omniretail, one module per bounded context.
//!
//! Nothing here performs I/O: modules take values (and an injected clock) and return
//! decisions, new states or field-level violations. Storage, HTTP and messaging adapters
//! live in other crates and call into this one — never the other way round.
//!
//! Contexts present so far: `tenancy` (chains, countries), `network` (locations),
//! `access` (roles and API keys), `events` (the domain event envelope), `idempotency`,
//! `webhooks`. The customers, catalog, inventory, offers, orders, engagement and analytics
//! contexts are added here by their own issues, following the same shape.

pub mod access;
pub mod analytics;
pub mod catalog;
pub mod customers;
pub mod engagement;
pub mod events;
pub mod idempotency;
pub mod inventory;
pub mod network;
pub mod offers;
pub mod orders;
pub mod tenancy;
pub mod validation;
pub mod webhooks;

pub use validation::{FieldViolation, Violations};
