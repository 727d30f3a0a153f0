//! Storage adapter: one portable SQL implementation over SQLite (the embedded default, WAL)
//! and PostgreSQL (the scale-out path), chosen by the URL scheme.
//!
//! Why one implementation through sqlx's `Any` driver rather than two adapters: the schema
//! and queries of both backends are the same apart from a few dialect words, so a single set
//! of repositories keeps the two from drifting, and the same conformance suite proves both.
//! Each backend keeps its own migration folder (types differ) embedded in the binary.
//!
//! Every repository method takes the tenant id and every query filters on it.
//! Writes go through [`WriteTx`], which also appends domain events to the outbox in the same
//! transaction — a state change and its event commit together or not at all.

pub mod api_keys;
mod db;
mod error;
pub mod idempotency;
pub mod locations;
pub mod outbox;
pub mod tenants;
pub mod testing;
mod tx;
pub mod webhooks;

pub use db::{Backend, Store};
pub use error::StoreError;
pub use tx::WriteTx;

/// A page of rows and whether more follow (cursor pagination).
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<T> Page<T> {
    /// Trims the extra probe row fetched to learn whether more follow.
    pub fn from_probe(mut items: Vec<T>, limit: usize) -> Self {
        let has_more = items.len() > limit;
        items.truncate(limit);
        Self { items, has_more }
    }
}

pub(crate) fn millis(t: omni_kernel::Timestamp) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> omni_kernel::Timestamp {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
