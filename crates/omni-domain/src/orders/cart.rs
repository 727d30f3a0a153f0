//! The shopping cart that follows the customer: owned by a customer (readable and editable
//! from every channel) or by an anonymous device until it identifies, when it merges into the
//! customer's cart. Quantities and coupons only; prices always come live from the offer engine.

use omni_kernel::{Channel, Currency, CustomerId, LocationId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use super::CartId;
use crate::Violations;
use crate::inventory::ReservationId;
use crate::offers::{self, CartLine, MAX_LINES, MAX_QUANTITY};
use omni_kernel::OrderId;

/// Where a cart is in its life; only an open cart changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CartStatus {
    Open,
    /// Merged into the customer's cart when its device identified.
    Merged,
    /// Became an order.
    CheckedOut,
}

impl CartStatus {
    /// Storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            CartStatus::Open => "open",
            CartStatus::Merged => "merged",
            CartStatus::CheckedOut => "checked_out",
        }
    }
}

/// Units held for a cart while its shopper checks out (a reservation with a short TTL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartHold {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub reservation_id: ReservationId,
    pub sku: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub location_id: LocationId,
    pub quantity: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
}

impl CartHold {
    /// What a cart keeps of a short hold placed for one of its lines' sources.
    pub fn of(hold: &crate::inventory::Reservation) -> Self {
        Self {
            reservation_id: hold.id,
            sku: hold.sku.as_str().to_owned(),
            location_id: hold.location_id,
            quantity: super::order::units(hold.quantity),
            expires_at: hold.expires_at,
        }
    }
}

/// A cart shared by every channel the customer uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShoppingCart {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: CartId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub customer_id: Option<CustomerId>,
    /// The anonymous device (app install, browser cookie) that owns it until it identifies.
    pub device_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "RUB"))]
    pub currency: Currency,
    /// The channel that changed it last.
    pub channel: Channel,
    /// The store it is being built in (an associate's till), if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub store: Option<LocationId>,
    pub lines: Vec<CartLine>,
    pub coupons: Vec<String>,
    /// Stock held for the checkout in progress (released when the order takes it over or
    /// when the holds expire).
    #[serde(default)]
    pub holds: Vec<CartHold>,
    pub status: CartStatus,
    /// The cart this one was merged into, or the order it became.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub merged_into: Option<CartId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub order_id: Option<OrderId>,
    /// Optimistic-concurrency version, the ETag.
    pub version: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// What a client sends to open a cart: exactly one owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartDraft {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub customer_id: Option<CustomerId>,
    #[serde(default)]
    pub device_id: Option<String>,
    /// The tenant's main currency when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub currency: Option<Currency>,
    #[serde(default)]
    pub lines: Vec<CartLine>,
}

/// Why a cart change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    #[error("the cart is {}; open a new one", .0.as_str())]
    NotOpen(CartStatus),
    #[error("{0}")]
    Invalid(Violations),
}

fn valid_device(device: &str) -> bool {
    !device.is_empty() && device.len() <= 100 && device.bytes().all(|b| b.is_ascii_graphic())
}

fn check_line(field: &str, line: &CartLine, v: &mut Violations) {
    let sku_ok = !line.sku.is_empty() && line.sku.len() <= 64;
    if !sku_ok {
        v.push(format!("{field}.sku"), "invalid", "1–64 characters");
    }
    if line.quantity > MAX_QUANTITY {
        v.push(
            format!("{field}.quantity"),
            "out_of_range",
            format!("at most {MAX_QUANTITY}"),
        );
    }
}

impl CartDraft {
    /// Validates the owner and lines and opens the cart.
    pub fn into_cart(
        self,
        tenant: TenantId,
        id: CartId,
        default_currency: Currency,
        channel: Channel,
        now: Timestamp,
    ) -> Result<ShoppingCart, Violations> {
        let mut v = Violations::new();
        match (&self.customer_id, &self.device_id) {
            (None, None) | (Some(_), Some(_)) => v.push(
                "customer_id",
                "required",
                "a cart belongs to a customer or to an anonymous device_id (exactly one)",
            ),
            (None, Some(d)) if !valid_device(d) => {
                v.push("device_id", "invalid", "1–100 visible ASCII characters")
            }
            _ => {}
        }
        if self.lines.len() > MAX_LINES {
            v.push("lines", "too_long", format!("at most {MAX_LINES} lines"));
        }
        for (i, l) in self.lines.iter().enumerate() {
            check_line(&format!("lines[{i}]"), l, &mut v);
        }
        let mut cart = ShoppingCart {
            id,
            tenant_id: tenant,
            customer_id: self.customer_id,
            device_id: self.device_id,
            currency: self.currency.unwrap_or(default_currency),
            channel,
            store: None,
            lines: Vec::new(),
            coupons: Vec::new(),
            holds: Vec::new(),
            status: CartStatus::Open,
            merged_into: None,
            order_id: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        for l in self.lines {
            cart.add_units(&l.sku, l.quantity);
        }
        v.finish(cart)
    }
}

impl ShoppingCart {
    fn open(&self) -> Result<(), CartError> {
        match self.status {
            CartStatus::Open => Ok(()),
            s => Err(CartError::NotOpen(s)),
        }
    }

    fn touch(&mut self, channel: Channel, now: Timestamp) {
        self.channel = channel;
        self.version += 1;
        self.updated_at = now;
    }

    /// Adds units of a SKU (capped at the per-line maximum), keeping one line per SKU.
    fn add_units(&mut self, sku: &str, quantity: u32) {
        if quantity == 0 {
            return;
        }
        match self.lines.iter_mut().find(|l| l.sku == sku) {
            Some(l) => l.quantity = (l.quantity + quantity).min(MAX_QUANTITY),
            None => self.lines.push(CartLine {
                sku: sku.to_owned(),
                quantity: quantity.min(MAX_QUANTITY),
            }),
        }
    }

    /// Sets a line's quantity from any channel; 0 removes the line.
    pub fn set_quantity(
        &mut self,
        sku: &str,
        quantity: u32,
        channel: Channel,
        now: Timestamp,
    ) -> Result<(), CartError> {
        self.open()?;
        let mut v = Violations::new();
        let line = CartLine {
            sku: sku.to_owned(),
            quantity,
        };
        check_line("line", &line, &mut v);
        let new_line = !self.lines.iter().any(|l| l.sku == sku);
        if new_line && quantity > 0 && self.lines.len() >= MAX_LINES {
            v.push("lines", "too_long", format!("at most {MAX_LINES} lines"));
        }
        v.finish(()).map_err(CartError::Invalid)?;
        self.lines.retain(|l| l.sku != sku);
        self.add_units(sku, quantity);
        self.touch(channel, now);
        Ok(())
    }

    /// Replaces the coupon codes the shopper entered (validity is the offer engine's call).
    pub fn set_coupons(
        &mut self,
        coupons: Vec<String>,
        channel: Channel,
        now: Timestamp,
    ) -> Result<(), CartError> {
        self.open()?;
        let mut v = Violations::new();
        if coupons.len() > 5 {
            v.push("coupons", "too_long", "at most 5 coupons");
        }
        for (i, c) in coupons.iter().enumerate() {
            v.text(&format!("coupons[{i}]"), c, 40);
        }
        v.finish(()).map_err(CartError::Invalid)?;
        self.coupons = coupons;
        self.touch(channel, now);
        Ok(())
    }

    /// Gives an anonymous cart to the customer its device turned out to be.
    pub fn assign(
        &mut self,
        customer: CustomerId,
        channel: Channel,
        now: Timestamp,
    ) -> Result<(), CartError> {
        self.open()?;
        self.customer_id = Some(customer);
        self.touch(channel, now);
        Ok(())
    }

    /// Folds a device's cart into this (the customer's) cart: quantities of the same SKU add
    /// up (capped), coupons join; `other` is closed as merged. Nothing the shopper chose on
    /// either device is lost.
    pub fn merge_from(
        &mut self,
        other: &mut ShoppingCart,
        channel: Channel,
        now: Timestamp,
    ) -> Result<(), CartError> {
        self.open()?;
        other.open()?;
        for l in &other.lines {
            if self.lines.len() >= MAX_LINES && !self.lines.iter().any(|m| m.sku == l.sku) {
                break;
            }
            self.add_units(&l.sku, l.quantity);
        }
        for c in &other.coupons {
            if !self.coupons.contains(c) && self.coupons.len() < 5 {
                self.coupons.push(c.clone());
            }
        }
        self.touch(channel, now);
        other.status = CartStatus::Merged;
        other.merged_into = Some(self.id);
        other.touch(channel, now);
        Ok(())
    }

    /// Closes the cart as the order it became.
    pub fn check_out(&mut self, order: OrderId, now: Timestamp) -> Result<(), CartError> {
        self.open()?;
        if self.lines.is_empty() {
            let mut v = Violations::new();
            v.push("lines", "required", "the cart is empty");
            return Err(CartError::Invalid(v));
        }
        self.status = CartStatus::CheckedOut;
        self.order_id = Some(order);
        self.version += 1;
        self.updated_at = now;
        Ok(())
    }

    /// The cart as the offer engine prices it.
    pub fn pricing_cart(&self, channel: Channel, burn_points: i64) -> offers::Cart {
        offers::Cart {
            currency: Some(self.currency),
            channel,
            store: self.store,
            customer_id: self.customer_id,
            lines: self.lines.clone(),
            coupons: self.coupons.clone(),
            burn_points,
            delivery_fee: None,
            at: None,
        }
    }
}
