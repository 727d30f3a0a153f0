//! An order: what was bought at which price (the quote it was placed at, line by line), where
//! each unit comes from, how it reaches the customer, how it was paid, and its history. Built
//! from a priced cart and a sourcing plan; changed only through the lifecycle's transitions.

use omni_kernel::{Channel, Currency, CustomerId, GeoPoint, LocationId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{CartId, DeliveryMethod, OrderAction, OrderStatus, TransitionError};
use crate::inventory::ReservationId;
use crate::offers::Quote;
use omni_kernel::OrderId;

/// Wrong pickup codes accepted before the order is locked for a supervisor.
pub const MAX_PICKUP_ATTEMPTS: u32 = 5;

/// Units of a line held at one location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allocation {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub location_id: LocationId,
    pub quantity: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub reservation_id: ReservationId,
}

impl Allocation {
    /// What an order line keeps of the hold placed for one of its sources.
    pub fn of(hold: &crate::inventory::Reservation) -> Self {
        Self {
            location_id: hold.location_id,
            quantity: units(hold.quantity),
            reservation_id: hold.id,
        }
    }
}

/// A hold's units as a line counts them (a hold is placed for a line's `u32` quantity).
pub(crate) fn units(quantity: i64) -> u32 {
    u32::try_from(quantity).unwrap_or(u32::MAX)
}

/// A line as bought: the quote's figures for it, frozen at checkout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    pub line: u32,
    pub sku: String,
    pub quantity: u32,
    pub unit_price: i64,
    /// After every discount.
    pub total: i64,
    /// The money value of the points that paid for this line.
    pub paid_with_points: i64,
    /// The points (not their value) that paid for this line.
    pub points_burnt: i64,
    pub points_earned: i64,
    pub allocations: Vec<Allocation>,
    pub cancelled: u32,
    pub returned: u32,
}

impl OrderLine {
    /// Money the customer paid for the line (the points part is refunded as points).
    pub fn paid_in_money(&self) -> i64 {
        self.total - self.paid_with_points
    }

    /// Units the customer has or will have (not cancelled, not returned).
    pub fn kept(&self) -> u32 {
        self.quantity - self.cancelled - self.returned
    }
}

/// A delivery address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    /// As the customer wrote it (shown to the courier; erased with the customer).
    pub text: String,
    pub geo: GeoPoint,
}

/// How the order reaches the customer, as promised at checkout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// `None`: carried out at the till (a POS sale).
    pub method: Option<DeliveryMethod>,
    /// The store or pickup point that hands it out.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub location_id: Option<LocationId>,
    pub address: Option<Address>,
    pub fee: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub promised_from: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub promised_to: Option<Timestamp>,
    pub parcels: u32,
}

/// How the order is paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentRecord {
    pub provider: String,
    /// The provider's authorisation id (never a card number).
    pub authorization: Option<String>,
    pub amount: i64,
    pub captured: i64,
    pub refunded: i64,
    /// Amount no longer due (cancelled lines) and released from the authorisation.
    pub released: i64,
}

/// One status change in the order's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    pub action: OrderAction,
    pub to: OrderStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who did it: the API key's role name (and store), or `system`.
    pub by: String,
}

/// An order in any channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: OrderId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// The number a customer names at the counter or on the phone.
    pub number: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub customer_id: Option<CustomerId>,
    pub channel: Channel,
    /// The store that sold it (a till, an associate's endless-aisle order).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub store: Option<LocationId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub cart_id: Option<CartId>,
    pub status: OrderStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "RUB"))]
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
    pub delivery: Delivery,
    pub quote: Quote,
    pub payment: PaymentRecord,
    /// SHA-256 of the order id and the pickup code; the code itself is never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub pickup_code_hash: Option<String>,
    #[serde(default)]
    pub pickup_attempts: u32,
    pub history: Vec<StatusChange>,
    pub version: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// Why a pickup code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PickupError {
    #[error("the code does not match")]
    WrongCode,
    #[error("too many wrong codes; a supervisor must hand this order out")]
    Locked,
    #[error("this order is not waiting for pickup")]
    NotReady,
}

fn code_hash(order: OrderId, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(order.to_string().as_bytes());
    h.update(b":");
    h.update(code.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Spreads `total` over `weights` by the largest-remainder method: the parts add up to
/// `total` exactly and each is proportional to its weight (used for points per line).
pub fn spread(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i64 = weights.iter().map(|w| (*w).max(0)).sum();
    if sum == 0 || total == 0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<(i64, i64)> = weights
        .iter()
        .map(|w| {
            let p = i128::from(total) * i128::from((*w).max(0));
            ((p / i128::from(sum)) as i64, (p % i128::from(sum)) as i64)
        })
        .collect();
    let mut parts: Vec<i64> = exact.iter().map(|(q, _)| *q).collect();
    let mut left = total - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|a, b| exact[*b].1.cmp(&exact[*a].1).then(a.cmp(b)));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

impl Order {
    /// The lines of a priced quote with their sources, frozen as bought.
    pub fn lines_from(quote: &Quote, allocations: Vec<Vec<Allocation>>) -> Vec<OrderLine> {
        let weights: Vec<i64> = quote.lines.iter().map(|l| l.paid_with_points).collect();
        let points = spread(quote.points.burn, &weights);
        quote
            .lines
            .iter()
            .zip(allocations)
            .zip(points)
            .enumerate()
            .map(|(i, ((l, allocations), points_burnt))| OrderLine {
                line: i as u32,
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                total: l.total,
                paid_with_points: l.paid_with_points,
                points_burnt,
                points_earned: l.points_earned,
                allocations,
                cancelled: 0,
                returned: 0,
            })
            .collect()
    }

    /// Moves the order through its lifecycle, recording who did it.
    pub fn apply(
        &mut self,
        action: OrderAction,
        by: &str,
        now: Timestamp,
    ) -> Result<(), TransitionError> {
        let to = self.status.apply(action)?;
        self.status = to;
        self.history.push(StatusChange {
            action,
            to,
            at: now,
            by: by.to_owned(),
        });
        self.version += 1;
        self.updated_at = now;
        Ok(())
    }

    /// Sets the pickup code (the adapter draws it; only its hash is kept).
    pub fn set_pickup_code(&mut self, code: &str) {
        self.pickup_code_hash = Some(code_hash(self.id, code));
    }

    /// Checks the code the customer names at the counter; counts wrong attempts and locks the
    /// order after [`MAX_PICKUP_ATTEMPTS`] so a code cannot be guessed.
    pub fn verify_pickup_code(&mut self, code: &str) -> Result<(), PickupError> {
        if self.status != OrderStatus::ReadyForPickup {
            return Err(PickupError::NotReady);
        }
        if self.pickup_attempts >= MAX_PICKUP_ATTEMPTS {
            return Err(PickupError::Locked);
        }
        let expected = self.pickup_code_hash.as_deref().unwrap_or_default();
        let given = code_hash(self.id, code.trim());
        if expected.as_bytes().ct_eq(given.as_bytes()).into() {
            Ok(())
        } else {
            self.pickup_attempts += 1;
            Err(PickupError::WrongCode)
        }
    }

    /// Money still due from the customer for what they keep: paid minus released and refunded.
    pub fn money_due(&self) -> i64 {
        self.payment.amount - self.payment.released - self.payment.refunded
    }

    /// Every location with work on this order: the sources and the pickup counter.
    pub fn work_locations(&self) -> Vec<LocationId> {
        let mut out = self.source_locations();
        if let Some(l) = self.delivery.location_id
            && !out.contains(&l)
        {
            out.push(l);
        }
        out
    }

    /// Every location that sends goods for this order.
    pub fn source_locations(&self) -> Vec<LocationId> {
        let mut out: Vec<LocationId> = self
            .lines
            .iter()
            .flat_map(|l| l.allocations.iter().map(|a| a.location_id))
            .collect();
        out.sort_by_key(|l| l.to_string());
        out.dedup();
        out
    }
}
