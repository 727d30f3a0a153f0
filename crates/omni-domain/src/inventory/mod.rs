//! Inventory: stock per SKU × location (on hand, reserved, safety stock, in transit), the
//! movements ledger that explains every on-hand change, reservations that hold stock for a
//! cart or an order line until they are committed, released or expire, transfers between
//! locations, stock feeds from ERP/WMS, and availability as each channel may promise it.
//!
//! The rule everything here protects: a location never promises more than it holds.
//! [`StockLevel::apply`] refuses any movement that would leave on-hand below what is reserved,
//! and [`StockLevel::reserve`] refuses a hold larger than what is available to promise; the
//! store repeats both checks as conditional updates and CHECK constraints so that concurrent
//! writers on any number of nodes cannot oversell either.

mod availability;
mod feed;
mod reservation;
mod sku;
mod stock;
mod transfer;

pub use availability::{
    Availability, ChannelRule, ChannelRules, LocationAvailability, NearbyQuery, StockAt,
    at_location, nearby, network_total,
};
pub use feed::{CheckedRow, FeedBatcher, FeedMode, FeedReject, FeedReport, FeedRow, RejectReason};
pub use reservation::{
    Commitment, DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS, Reservation, ReservationDraft,
    ReservationError, ReservationStatus, ReservedFor,
};
pub use sku::Sku;
pub use stock::{Movement, MovementKind, StockError, StockLevel, replay};
pub use transfer::{Transfer, TransferDraft, TransferError, TransferStatus};

omni_kernel::define_id!(
    /// A stock reservation (a hold for a cart or an order line).
    ReservationId, "res"
);
omni_kernel::define_id!(
    /// A transfer of stock between two locations.
    TransferId, "trf"
);
omni_kernel::define_id!(
    /// One entry of the stock movements ledger.
    MovementId, "mov"
);
omni_kernel::define_id!(
    /// One stock feed run (a snapshot or delta file from ERP/WMS).
    FeedId, "fed"
);
