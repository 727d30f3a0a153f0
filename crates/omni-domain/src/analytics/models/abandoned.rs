//! Probability that an abandoned cart is bought within a week — the trigger engine uses it
//! to spend reminders and offers where they change the outcome. Features come from the cart
//! and from the customer's purchases strictly before the cart's day (never after: that would
//! leak the outcome). The model itself is in `cart_model`.

use omni_kernel::Channel;

use crate::analytics::{AbandonedCart, Sale};

/// Number of model inputs derived from [`CartFeatures`].
pub const CART_FEATURES: usize = 12;

/// What is known about a cart when it is abandoned: the cart itself and the customer's
/// history up to the day before. Money in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CartFeatures {
    /// A signed-in customer rather than an anonymous device.
    pub known_customer: bool,
    pub prior_orders: u32,
    /// `None` for a customer who never ordered.
    pub days_since_last_order: Option<u32>,
    /// Net spend before the cart (returns subtracted), minor units.
    pub prior_spend_minor: i64,
    pub value_minor: i64,
    pub units: u32,
    pub had_offer: bool,
    /// Local hour (0–23) of the cart's last change.
    pub hour: u8,
    pub channel: Channel,
}

impl CartFeatures {
    /// The model's inputs: counts and money on a log scale (a 10× bigger cart is not 10×
    /// likelier to be bought), the hour on a circle (23:00 is next to 00:00), the channel as
    /// in-store / app flags.
    pub fn vector(&self) -> [f64; CART_FEATURES] {
        let log = |x: f64| x.max(0.0).ln_1p();
        let angle = f64::from(self.hour) / 24.0 * std::f64::consts::TAU;
        let flag = |b: bool| f64::from(u8::from(b));
        [
            flag(self.known_customer),
            log(f64::from(self.prior_orders)),
            self.days_since_last_order
                .map_or(0.0, |d| log(f64::from(d))),
            flag(self.days_since_last_order.is_none()),
            log(self.prior_spend_minor as f64 / 100.0),
            log(self.value_minor as f64 / 100.0),
            log(f64::from(self.units)),
            flag(self.had_offer),
            angle.sin(),
            angle.cos(),
            flag(in_store(self.channel)),
            flag(self.channel == Channel::MobileApp),
        ]
    }
}

/// Channels used inside a store (the shopper is there; a cart left there behaves apart).
fn in_store(channel: Channel) -> bool {
    matches!(
        channel,
        Channel::Pos | Channel::AssociateApp | Channel::Kiosk
    )
}

/// Every customer's purchase days with running order counts and spend, so the history
/// before any day is a binary search away.
#[derive(Debug, Clone, Default)]
pub struct PurchaseHistory {
    /// Per customer, the range of its entries in the arrays below.
    offsets: Vec<u32>,
    /// (day, orders up to and including the day, net spend up to and including the day).
    days: Vec<(u32, u32, i64)>,
}

impl PurchaseHistory {
    /// Indexes the sales by customer and day. An order counts once, on a day it has a
    /// purchase line; return lines only lower the spend.
    pub fn new(sales: &[Sale]) -> Self {
        let mut lines: Vec<(u32, u32, u32, bool, i64)> = sales
            .iter()
            .map(|s| (s.customer, s.day, s.order, s.quantity > 0, s.net_minor))
            .collect();
        lines.sort_unstable_by_key(|l| (l.0, l.1, l.2));
        let customers = lines.last().map_or(0, |l| l.0 as usize + 1);
        let mut offsets = vec![0u32; customers + 1];
        let mut days: Vec<(u32, u32, i64)> = Vec::new();
        let mut last: Option<(u32, u32)> = None;
        let mut order_counted: Option<(u32, u32)> = None;
        let (mut orders, mut spend) = (0u32, 0i64);
        for &(customer, day, order, purchase, net) in &lines {
            if last.map(|l| l.0) != Some(customer) {
                (orders, spend) = (0, 0);
            }
            if last != Some((customer, day)) {
                days.push((day, orders, spend));
                offsets[customer as usize + 1] = days.len() as u32;
            }
            last = Some((customer, day));
            if purchase && order_counted != Some((customer, order)) {
                orders += 1;
                order_counted = Some((customer, order));
            }
            spend += net;
            if let Some(entry) = days.last_mut() {
                *entry = (day, orders, spend);
            }
        }
        for i in 1..offsets.len() {
            offsets[i] = offsets[i].max(offsets[i - 1]);
        }
        Self { offsets, days }
    }

    fn of(&self, customer: u32) -> &[(u32, u32, i64)] {
        let c = customer as usize;
        match (self.offsets.get(c), self.offsets.get(c + 1)) {
            (Some(&a), Some(&b)) => &self.days[a as usize..b as usize],
            _ => &[],
        }
    }

    /// The features of `cart`, from its own fields and the purchases before its day.
    pub fn features(&self, cart: &AbandonedCart) -> CartFeatures {
        let mut f = CartFeatures {
            known_customer: cart.customer.is_some(),
            prior_orders: 0,
            days_since_last_order: None,
            prior_spend_minor: 0,
            value_minor: cart.value_minor,
            units: cart.units,
            had_offer: cart.had_offer,
            hour: cart.hour,
            channel: cart.channel,
        };
        if let Some(customer) = cart.customer {
            let days = self.of(customer);
            let before = &days[..days.partition_point(|d| d.0 < cart.day)];
            if let Some(&(_, orders, spend)) = before.last() {
                f.prior_orders = orders;
                f.prior_spend_minor = spend;
                // The last day whose running count rose is the last order day.
                let last_order = before
                    .iter()
                    .rev()
                    .zip(before.iter().rev().skip(1).map(|d| d.1).chain([0]))
                    .find(|(d, prev)| d.1 > *prev)
                    .map(|(d, _)| d.0);
                f.days_since_last_order = last_order.map(|d| cart.day - d);
            }
        }
        f
    }
}
