//! Reservations: a hold on units of one SKU at one location for a cart or an order line,
//! with a time to live. A hold ends exactly once — committed (picked up, shipped or sold at
//! the till), released, or expired — and only an active hold changes state.

use chrono::Duration;
use omni_kernel::{Channel, LocationId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use super::{ReservationId, Sku};
use crate::Violations;

/// Longest hold a client may ask for: a week (orders waiting for pickup).
pub const MAX_TTL_SECONDS: u32 = 7 * 24 * 3600;
/// The hold a cart gets when the client names none.
pub const DEFAULT_TTL_SECONDS: u32 = 15 * 60;

/// Where a hold is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReservationStatus {
    Active,
    Committed,
    Released,
    Expired,
}

impl ReservationStatus {
    /// Wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationStatus::Active => "active",
            ReservationStatus::Committed => "committed",
            ReservationStatus::Released => "released",
            ReservationStatus::Expired => "expired",
        }
    }
}

/// What the hold is for: a shopper's cart or a line of a placed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReservedFor {
    Cart { id: String },
    OrderLine { id: String, line: u32 },
}

/// How a hold turned into a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Commitment {
    Pickup,
    Shipment,
    PosSale,
}

/// A hold on stock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reservation {
    pub id: ReservationId,
    pub tenant_id: TenantId,
    pub sku: Sku,
    pub location_id: LocationId,
    pub quantity: i64,
    pub status: ReservationStatus,
    pub reserved_for: ReservedFor,
    /// The channel that placed the hold (from the app key or the request).
    pub channel: Option<Channel>,
    pub committed_as: Option<Commitment>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// What a client sends to place a hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReservationDraft {
    pub sku: Sku,
    pub location_id: LocationId,
    pub quantity: i64,
    pub reserved_for: ReservedFor,
    /// Seconds to hold (1 … 604800); 900 when absent.
    pub ttl_seconds: Option<u32>,
}

/// Why a transition was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReservationError {
    #[error("the reservation is already {}", .0.as_str())]
    NotActive(ReservationStatus),
    #[error("the reservation has expired")]
    Expired,
}

fn check_ttl(field: &str, ttl: u32, v: &mut Violations) {
    if ttl == 0 || ttl > MAX_TTL_SECONDS {
        v.push(
            field,
            "out_of_range",
            format!("must be 1–{MAX_TTL_SECONDS} seconds"),
        );
    }
}

impl ReservationDraft {
    /// Validates the request and builds the active hold.
    pub fn into_reservation(
        self,
        tenant: TenantId,
        id: ReservationId,
        channel: Option<Channel>,
        now: Timestamp,
    ) -> Result<Reservation, Violations> {
        let mut v = Violations::new();
        if self.quantity <= 0 || self.quantity > 1_000_000 {
            v.push("quantity", "out_of_range", "must be 1–1000000 units");
        }
        let ttl = self.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS);
        check_ttl("ttl_seconds", ttl, &mut v);
        let reference = match &self.reserved_for {
            ReservedFor::Cart { id } | ReservedFor::OrderLine { id, .. } => id,
        };
        v.text("reserved_for.id", reference, 100);
        v.finish(Reservation {
            id,
            tenant_id: tenant,
            sku: self.sku,
            location_id: self.location_id,
            quantity: self.quantity,
            status: ReservationStatus::Active,
            reserved_for: self.reserved_for,
            channel,
            committed_as: None,
            expires_at: now + Duration::seconds(i64::from(ttl)),
            created_at: now,
            updated_at: now,
        })
    }
}

impl Reservation {
    fn live(&self, now: Timestamp) -> Result<(), ReservationError> {
        if self.status != ReservationStatus::Active {
            return Err(ReservationError::NotActive(self.status));
        }
        if now >= self.expires_at {
            return Err(ReservationError::Expired);
        }
        Ok(())
    }

    /// Whether the hold is active but past its time (the expiry worker's target).
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.status == ReservationStatus::Active && now >= self.expires_at
    }

    /// Holds for `ttl_seconds` more from now (checkout takes longer than planned).
    pub fn extend(mut self, ttl_seconds: u32, now: Timestamp) -> Result<Reservation, Violations> {
        let mut v = Violations::new();
        check_ttl("ttl_seconds", ttl_seconds, &mut v);
        if let Err(e) = self.live(now) {
            v.push("status", "not_active", e.to_string());
        }
        self.expires_at = now + Duration::seconds(i64::from(ttl_seconds));
        self.updated_at = now;
        v.finish(self)
    }

    /// Frees the units (cart abandoned, line cancelled). Also allowed once overdue.
    pub fn release(mut self, now: Timestamp) -> Result<Reservation, ReservationError> {
        if self.status != ReservationStatus::Active {
            return Err(ReservationError::NotActive(self.status));
        }
        self.status = ReservationStatus::Released;
        self.updated_at = now;
        Ok(self)
    }

    /// Turns the hold into a sale; an overdue hold can no longer be committed.
    pub fn commit(
        mut self,
        how: Commitment,
        now: Timestamp,
    ) -> Result<Reservation, ReservationError> {
        self.live(now)?;
        self.status = ReservationStatus::Committed;
        self.committed_as = Some(how);
        self.updated_at = now;
        Ok(self)
    }

    /// Ends an overdue hold.
    pub fn expire(mut self, now: Timestamp) -> Result<Reservation, ReservationError> {
        if !self.is_overdue(now) {
            return Err(ReservationError::NotActive(self.status));
        }
        self.status = ReservationStatus::Expired;
        self.updated_at = now;
        Ok(self)
    }
}

#[cfg(test)]
#[path = "reservation_tests.rs"]
mod tests;
