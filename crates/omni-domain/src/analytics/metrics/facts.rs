//! The per-customer summary every customer-level report reads, built in two scans of the
//! sales into a vector indexed by the dense customer key.

use omni_kernel::Channel;

use super::calendar::month_index;
use super::{channel_bit, channel_index};
use crate::analytics::Dataset;

/// Marks "no purchase yet" in [`CustomerFacts::first_day`].
const NONE: u32 = u32::MAX;

/// What one customer did up to the `as_of` day. Compact (48 bytes) because there is one per
/// customer — a million at chain scale — and every customer-level report reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerFacts {
    /// Day of the first purchase; `u32::MAX` for a customer with none (see [`Self::is_buyer`]).
    pub first_day: u32,
    /// The first order (earliest day, then lowest order key).
    pub first_order: u32,
    /// Day of the latest purchase.
    pub last_day: u32,
    /// Distinct orders with at least one purchase line.
    pub orders: u32,
    /// Net value of every line, returns included.
    pub net_minor: i64,
    /// [`Channel`] index of the first order.
    pub first_channel: u8,
    /// Set of channels of every purchase line (bit = channel index).
    pub channels: u8,
    /// Set of channels of purchase lines in orders other than the first.
    pub later_channels: u8,
    /// Bit k: a purchase in calendar month `first month + k` (k ≥ 63 folded into bit 63).
    pub month_mask: u64,
    /// Orders on or before the LTV calibration day.
    pub calib_orders: u32,
    /// Latest purchase day on or before the calibration day.
    pub calib_last_day: u32,
    /// Orders after the calibration day, up to `as_of`: what the LTV model learns from.
    pub horizon_orders: u32,
}

impl CustomerFacts {
    const EMPTY: CustomerFacts = CustomerFacts {
        first_day: NONE,
        first_order: NONE,
        last_day: 0,
        orders: 0,
        net_minor: 0,
        first_channel: 0,
        channels: 0,
        later_channels: 0,
        month_mask: 0,
        calib_orders: 0,
        calib_last_day: 0,
        horizon_orders: 0,
    };

    /// Whether the customer bought anything up to `as_of` — only buyers enter the reports.
    pub fn is_buyer(&self) -> bool {
        self.first_day != NONE
    }

    /// The channel of the first order.
    pub fn first_channel(&self) -> Channel {
        Channel::ALL[usize::from(self.first_channel)]
    }
}

/// [`CustomerFacts`] for every customer key, with the days they were computed at.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Lines after this day are ignored.
    pub as_of_day: u32,
    /// The LTV calibration day, `as_of − horizon` (negative: before any data).
    pub calib_day: i64,
    /// Indexed by customer key; customers without purchases have `is_buyer() == false`.
    pub customers: Vec<CustomerFacts>,
}

impl Facts {
    /// Scans the sales twice: the first pass finds each customer's first order, last day,
    /// orders, net value and channels; the second, which needs the first order, adds the
    /// channels of later orders and the months of purchase relative to the first month.
    /// `horizon_days` fixes the LTV calibration day (`as_of − horizon_days`).
    pub fn compute(ds: &Dataset, as_of_day: u32, horizon_days: u32) -> Self {
        let calib_day = i64::from(as_of_day) - i64::from(horizon_days);
        let mut customers = vec![CustomerFacts::EMPTY; ds.customers.len()];
        let mut seen_orders = BitSet::with_capacity(ds.sales.len() / 2);
        for s in &ds.sales {
            if s.day > as_of_day {
                continue;
            }
            let i = s.customer as usize;
            if i >= customers.len() {
                customers.resize(i + 1, CustomerFacts::EMPTY);
            }
            let f = &mut customers[i];
            f.net_minor += s.net_minor;
            if s.quantity <= 0 {
                continue;
            }
            f.channels |= channel_bit(s.channel);
            f.last_day = f.last_day.max(s.day);
            if (s.day, s.order) < (f.first_day, f.first_order) {
                f.first_day = s.day;
                f.first_order = s.order;
                f.first_channel = channel_index(s.channel) as u8;
            }
            if seen_orders.insert(s.order) {
                f.orders += 1;
                if i64::from(s.day) <= calib_day {
                    f.calib_orders += 1;
                    f.calib_last_day = f.calib_last_day.max(s.day);
                } else {
                    f.horizon_orders += 1;
                }
            }
        }
        let first_months: Vec<u32> = customers
            .iter()
            .map(|f| {
                if f.is_buyer() {
                    month_index(f.first_day)
                } else {
                    0
                }
            })
            .collect();
        for s in &ds.sales {
            if s.day > as_of_day || s.quantity <= 0 {
                continue;
            }
            let i = s.customer as usize;
            let f = &mut customers[i];
            if s.order != f.first_order {
                f.later_channels |= channel_bit(s.channel);
            }
            let k = month_index(s.day).saturating_sub(first_months[i]).min(63);
            f.month_mask |= 1u64 << k;
        }
        Self {
            as_of_day,
            calib_day,
            customers,
        }
    }

    /// The buyers with their customer key.
    pub fn buyers(&self) -> impl Iterator<Item = (u32, &CustomerFacts)> {
        self.customers
            .iter()
            .enumerate()
            .filter(|(_, f)| f.is_buyer())
            .map(|(i, f)| (i as u32, f))
    }
}

/// A growable set of order keys: one bit per key, so "first line of this order?" costs a
/// load and a store rather than a hash lookup.
struct BitSet(Vec<u64>);

impl BitSet {
    fn with_capacity(bits: usize) -> Self {
        Self(Vec::with_capacity(bits / 64 + 1))
    }

    /// Adds `key`; true if it was not there yet.
    fn insert(&mut self, key: u32) -> bool {
        let word = (key >> 6) as usize;
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        let mask = 1u64 << (key & 63);
        let fresh = self.0[word] & mask == 0;
        self.0[word] |= mask;
        fresh
    }
}
