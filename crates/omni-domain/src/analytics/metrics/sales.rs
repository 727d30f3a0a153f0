//! Sales by channel, store and category for a period: what sold where.

use omni_kernel::Channel;
use serde::Serialize;

use super::by_order::ByOrder;
use super::{DayRange, channel_index};
use crate::analytics::{Dataset, Sale};

/// Net value, units and orders of a slice of the sales.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SalesTotals {
    /// Net of discounts and returns, in minor units.
    pub net_minor: i64,
    /// Units sold minus units returned.
    pub units: i64,
    /// Distinct orders with a purchase line in the slice (returns never add an order).
    pub orders: u64,
    /// Lines, returns included.
    pub lines: u64,
}

impl SalesTotals {
    fn add(&mut self, s: &Sale) {
        self.net_minor += s.net_minor;
        self.units += i64::from(s.quantity);
        self.lines += 1;
    }
}

/// One channel's sales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChannelSales {
    pub channel: Channel,
    pub totals: SalesTotals,
}

/// One store's sales; `store: None` gathers lines no store sold or fulfilled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StoreSales {
    pub store: Option<u32>,
    pub totals: SalesTotals,
}

/// One category's sales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CategorySales {
    pub category: u32,
    pub totals: SalesTotals,
}

/// Sales of a period, in total and by channel, store and category. Rows with no line in the
/// period are left out; rows are in key order (`store: None` first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SalesBreakdown {
    pub range: DayRange,
    pub total: SalesTotals,
    pub by_channel: Vec<ChannelSales>,
    pub by_store: Vec<StoreSales>,
    pub by_category: Vec<CategorySales>,
}

/// Sales of the lines whose day is in `range`. Orders are counted per row once, by walking
/// the lines grouped by order and stamping each row with the last order counted.
pub fn sales_breakdown(ds: &Dataset, range: DayRange) -> SalesBreakdown {
    let mut total = SalesTotals::default();
    let mut channel = Rows::new(8);
    let mut store = Rows::new(ds.stores.len() + 1);
    let mut category = Rows::new(ds.categories.len());
    let grouped = ByOrder::build(ds, |s| range.contains(s.day));
    for (order, lines) in grouped.orders().enumerate() {
        // `order` numbers the non-empty groups: a stamp unique to this order.
        let stamp = order as u64 + 1;
        let mut purchased = false;
        for &i in lines {
            let s = &ds.sales[i as usize];
            total.add(s);
            let store_key = s.store.map_or(0, |k| k as usize + 1);
            channel.add(channel_index(s.channel), s, stamp);
            store.add(store_key, s, stamp);
            category.add(s.category as usize, s, stamp);
            purchased |= s.quantity > 0;
        }
        total.orders += u64::from(purchased);
    }
    SalesBreakdown {
        range,
        total,
        by_channel: channel
            .non_empty()
            .map(|(k, totals)| ChannelSales {
                channel: Channel::ALL[k],
                totals,
            })
            .collect(),
        by_store: store
            .non_empty()
            .map(|(k, totals)| StoreSales {
                store: k.checked_sub(1).map(|k| k as u32),
                totals,
            })
            .collect(),
        by_category: category
            .non_empty()
            .map(|(k, totals)| CategorySales {
                category: k as u32,
                totals,
            })
            .collect(),
    }
}

/// Totals per dense key with the stamp of the last order counted for each key.
struct Rows {
    totals: Vec<SalesTotals>,
    stamps: Vec<u64>,
}

impl Rows {
    fn new(keys: usize) -> Self {
        Self {
            totals: vec![SalesTotals::default(); keys],
            stamps: vec![0; keys],
        }
    }

    fn add(&mut self, key: usize, s: &Sale, stamp: u64) {
        if key >= self.totals.len() {
            self.totals.resize(key + 1, SalesTotals::default());
            self.stamps.resize(key + 1, 0);
        }
        self.totals[key].add(s);
        if s.quantity > 0 && self.stamps[key] != stamp {
            self.stamps[key] = stamp;
            self.totals[key].orders += 1;
        }
    }

    fn non_empty(self) -> impl Iterator<Item = (usize, SalesTotals)> {
        self.totals
            .into_iter()
            .enumerate()
            .filter(|(_, t)| t.lines > 0)
    }
}
