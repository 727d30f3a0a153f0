//! Stock of one SKU at one location and the ledger that explains it.
//!
//! On-hand only ever changes through a [`Movement`], so the sum of a location's movements is
//! its on-hand — the reconciliation auditors ask for. Reservations change `reserved`, never
//! on-hand; committing one turns the hold into a sale movement.

use serde::{Deserialize, Serialize};

/// Why a stock change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    #[error("quantities must be positive")]
    NonPositive,
    #[error("a {0} movement has the wrong sign")]
    WrongSign(MovementKind),
    #[error("on hand would fall below what is reserved")]
    BelowReserved,
    #[error("only {available} available to promise")]
    Insufficient { available: i64 },
    #[error("fewer units are reserved than released")]
    NotReserved,
    #[error("fewer units are in transit than received")]
    NotInTransit,
    #[error("the quantity is too large")]
    Overflow,
}

/// Why on-hand changed: the ledger's vocabulary (ERP and WMS speak the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MovementKind {
    /// Goods received from a supplier.
    Receipt,
    /// Sold: a committed reservation or a POS sale.
    Sale,
    /// Left for another location.
    TransferOut,
    /// Arrived from another location.
    TransferIn,
    /// A manual correction (damage, loss, found).
    Adjustment,
    /// A customer return put back on the shelf.
    Return,
    /// A physical or RFID count that set on-hand; the quantity is the variance.
    Count,
}

impl MovementKind {
    /// Every kind, in a stable order.
    pub const ALL: [MovementKind; 7] = [
        MovementKind::Receipt,
        MovementKind::Sale,
        MovementKind::TransferOut,
        MovementKind::TransferIn,
        MovementKind::Adjustment,
        MovementKind::Return,
        MovementKind::Count,
    ];

    /// Wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::Sale => "sale",
            MovementKind::TransferOut => "transfer_out",
            MovementKind::TransferIn => "transfer_in",
            MovementKind::Adjustment => "adjustment",
            MovementKind::Return => "return",
            MovementKind::Count => "count",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<MovementKind> {
        MovementKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a signed on-hand change fits this kind (receipts add, sales remove, …).
    pub fn accepts(self, delta: i64) -> bool {
        match self {
            MovementKind::Receipt | MovementKind::TransferIn | MovementKind::Return => delta > 0,
            MovementKind::Sale | MovementKind::TransferOut => delta < 0,
            MovementKind::Adjustment | MovementKind::Count => delta != 0,
        }
    }
}

impl std::fmt::Display for MovementKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One ledger entry: why and by how much on-hand changed (signed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movement {
    pub kind: MovementKind,
    pub quantity: i64,
}

/// The figures of one SKU at one location. Invariant: `0 ≤ reserved ≤ on_hand`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockLevel {
    /// Physically at the location (sum of the ledger).
    pub on_hand: i64,
    /// Held by active reservations.
    pub reserved: i64,
    /// Kept back from promising (display models, shrink buffer).
    pub safety_stock: i64,
    /// Shipped to this location and not yet received.
    pub in_transit: i64,
}

impl StockLevel {
    /// Available to promise: on hand − reserved − safety stock, never negative.
    pub fn atp(&self) -> i64 {
        (self.on_hand - self.reserved - self.safety_stock).max(0)
    }

    /// Applies a ledger movement, refusing wrong signs and anything leaving on-hand below
    /// the reserved units (that would be an oversell already made).
    pub fn apply(self, m: Movement) -> Result<StockLevel, StockError> {
        if !m.kind.accepts(m.quantity) {
            return Err(StockError::WrongSign(m.kind));
        }
        let on_hand = self
            .on_hand
            .checked_add(m.quantity)
            .ok_or(StockError::Overflow)?;
        if on_hand < self.reserved || on_hand < 0 {
            return Err(StockError::BelowReserved);
        }
        Ok(StockLevel { on_hand, ..self })
    }

    /// The movement a count of `counted` units records (`None` when nothing differs).
    pub fn count(&self, counted: i64) -> Result<Option<Movement>, StockError> {
        if counted < 0 {
            return Err(StockError::NonPositive);
        }
        if counted < self.reserved {
            return Err(StockError::BelowReserved);
        }
        let variance = counted - self.on_hand;
        Ok((variance != 0).then_some(Movement {
            kind: MovementKind::Count,
            quantity: variance,
        }))
    }

    /// Holds `quantity` units if that many are available to promise.
    pub fn reserve(self, quantity: i64) -> Result<StockLevel, StockError> {
        if quantity <= 0 {
            return Err(StockError::NonPositive);
        }
        let available = self.atp();
        if quantity > available {
            return Err(StockError::Insufficient { available });
        }
        Ok(StockLevel {
            reserved: self.reserved + quantity,
            ..self
        })
    }

    /// Frees a hold.
    pub fn release(self, quantity: i64) -> Result<StockLevel, StockError> {
        if quantity <= 0 {
            return Err(StockError::NonPositive);
        }
        if quantity > self.reserved {
            return Err(StockError::NotReserved);
        }
        Ok(StockLevel {
            reserved: self.reserved - quantity,
            ..self
        })
    }

    /// Turns a hold into a sale: the units leave the shelf and the hold ends.
    pub fn commit(self, quantity: i64) -> Result<(StockLevel, Movement), StockError> {
        let released = self.release(quantity)?;
        let sale = Movement {
            kind: MovementKind::Sale,
            quantity: -quantity,
        };
        Ok((released.apply(sale)?, sale))
    }

    /// Announces units on their way here.
    pub fn expect(self, quantity: i64) -> Result<StockLevel, StockError> {
        if quantity <= 0 {
            return Err(StockError::NonPositive);
        }
        Ok(StockLevel {
            in_transit: self.in_transit + quantity,
            ..self
        })
    }

    /// Receives units that were in transit.
    pub fn receive(self, quantity: i64) -> Result<(StockLevel, Movement), StockError> {
        if quantity <= 0 {
            return Err(StockError::NonPositive);
        }
        if quantity > self.in_transit {
            return Err(StockError::NotInTransit);
        }
        let arrival = Movement {
            kind: MovementKind::TransferIn,
            quantity,
        };
        let next = StockLevel {
            in_transit: self.in_transit - quantity,
            ..self
        };
        Ok((next.apply(arrival)?, arrival))
    }
}

/// The on-hand a ledger adds up to.
pub fn replay(movements: &[Movement]) -> i64 {
    movements.iter().map(|m| m.quantity).sum()
}

#[cfg(test)]
#[path = "stock_tests.rs"]
mod tests;
