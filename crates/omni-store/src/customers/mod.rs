//! Customers repository: profiles, the identity graph, timeline, consents, merges, the PII
//! access log, erasure and segments. The profile is a JSON document beside the columns that
//! queries and segment snapshots read (status, tier, city, spend, points, consent bits).
//! Identifiers are rows keyed by (tenant, kind, normalised value, customer); a partial unique
//! index allows one verified owner per identifier, which is what makes concurrent
//! identify-or-create calls converge on one customer on both backends.

mod birthdays;
mod bulk;
mod consents;
mod identity;
mod index;
mod merges;
mod privacy;
mod profiles;
mod segments;
mod timeline;
mod wishlist;

pub use birthdays::BirthdayCandidate;
pub use bulk::BulkCustomer;
pub use identity::StoredIdentifier;
pub use index::{IdentityCursor, IdentityLink, IdentityRow};
pub use privacy::AccessEntry;
pub use segments::FactsRow;
pub use timeline::TimelineFilter;
pub use wishlist::WishlistItem;

use omni_domain::customers::Customer;
use sqlx::Row;

use crate::StoreError;

pub(crate) fn doc(c: &Customer) -> Result<String, StoreError> {
    serde_json::to_string(c).map_err(StoreError::corrupt)
}

/// The indexed month-day of the customer's birth date (NULL when unknown or erased).
pub(crate) fn birth_md(c: &Customer) -> Option<i64> {
    c.birth_date.map(omni_domain::customers::month_day)
}

pub(crate) fn decode_customer(row: &sqlx::any::AnyRow) -> Result<Customer, StoreError> {
    let doc: String = row.try_get("doc")?;
    serde_json::from_str(&doc).map_err(StoreError::corrupt)
}

pub(crate) fn parse<T: std::str::FromStr>(s: &str) -> Result<T, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad id `{s}`")))
}

pub(crate) fn opt_parse<T: std::str::FromStr>(s: Option<String>) -> Result<Option<T>, StoreError> {
    s.as_deref().map(parse).transpose()
}

/// The `FOR UPDATE` suffix on PostgreSQL (SQLite's `BEGIN IMMEDIATE` already serialises).
pub(crate) fn for_update(backend: crate::Backend) -> &'static str {
    match backend {
        crate::Backend::Sqlite => "",
        crate::Backend::Postgres => " FOR UPDATE",
    }
}
