//! Orders repository: carts (one open cart per customer and per device, enforced by partial
//! unique indexes, so two channels opening a cart at once end with one), orders with their
//! per-tenant numbers and per-store pick lists, returns, and the merchant's sourcing rules.
//!
//! Documents are JSON; the columns beside them are what lookups filter on. Every change is
//! conditional on the version the caller read, so two devices editing one cart, or two
//! associates acting on one order, never overwrite each other silently.

mod carts;
pub use carts::CartOwner;
mod records;
pub use records::OrderNumberAsked;
mod rules;

use crate::{from_doc as decode, json_doc as doc};
