//! Inventory repository: stock rows per SKU × location, the movements ledger, reservations,
//! transfers and bulk feeds.
//!
//! No oversell is enforced here, not only in the domain: every change of `reserved` or
//! `on_hand` is one conditional `UPDATE … WHERE <enough stock>` whose affected-row count
//! decides, inside the caller's write transaction. SQLite serialises writers (`BEGIN
//! IMMEDIATE`); on PostgreSQL the row lock plus the re-checked `WHERE` under READ COMMITTED
//! gives the same answer with any number of nodes. CHECK constraints back both.

mod feeds;
mod reads;
mod reservations;
mod rules;
mod stock;
mod transfers;

pub use feeds::{BULK_FEED_BATCH_ROWS, FEED_BATCH_ROWS};
pub use reads::{MovementRecord, Promisable};

use omni_domain::inventory::StockLevel;
use sqlx::Row;

use crate::StoreError;

/// The primary key of a stock row as a filter on `$1`–`$3`.
pub(crate) const KEY: &str = "tenant_id = $1 AND sku = $2 AND location_id = $3";

pub(crate) const LEVEL_COLUMNS: &str = "on_hand, reserved, safety_stock, in_transit";

pub(crate) fn level(row: &sqlx::any::AnyRow) -> Result<StockLevel, StoreError> {
    Ok(StockLevel {
        on_hand: row.try_get("on_hand")?,
        reserved: row.try_get("reserved")?,
        safety_stock: row.try_get("safety_stock")?,
        in_transit: row.try_get("in_transit")?,
    })
}
