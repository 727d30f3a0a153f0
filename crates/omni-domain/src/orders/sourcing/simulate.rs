//! Sourcing simulation: replays past orders under the current and a draft rule set,
//! depleting stock and filling capacity as it goes, and compares the outcomes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use omni_kernel::{GeoPoint, LocationId, Timestamp};
use serde::{Deserialize, Serialize};

use super::timing::local_date;
use super::{Candidate, Demand, Route, SourcingRequest, SourcingRules, source};

/// Units on hand per SKU, one entry per candidate in the candidates' order (missing = 0).
pub type StockBySku = BTreeMap<String, Vec<u32>>;

/// A past order to replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimulatedOrder {
    pub lines: Vec<Demand>,
    pub destination: GeoPoint,
    pub route: Route,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
}

/// Orders allocated to one location during a replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationLoad {
    pub location_id: LocationId,
    /// Parcels picked there.
    pub orders: u32,
    pub units: u64,
}

/// What a rule set did with the replayed orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimulationTotals {
    pub orders: u32,
    pub unfulfilled: u32,
    pub parcels: u32,
    /// Orders sent in more than one parcel.
    pub splits: u32,
    /// Shipping cost, minor units.
    pub cost: i64,
    /// Mean hours from order to the customer having it, over fulfilled orders.
    pub mean_hours_to_customer: f64,
    /// The busiest locations (most parcels first, at most [`TOP_LOCATIONS`]).
    pub load: Vec<LocationLoad>,
}

/// How many locations a simulation's load list shows.
pub const TOP_LOCATIONS: usize = 10;

/// The current and the draft rules side by side on the same orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimulationReport {
    pub current: SimulationTotals,
    pub draft: SimulationTotals,
    /// Orders whose sources or quantities differ between the two.
    pub changed_orders: u32,
}

/// Replays `orders` (in the order given, oldest first) under the current and the draft
/// rules. Each replay starts from `stock` and the candidates' `load_today`, takes the
/// units and capacity every plan uses (no replenishment), and resets a location's load at
/// its local midnight, so capacity and depletion effects show.
pub fn simulate(
    orders: &[SimulatedOrder],
    candidates: &[Candidate],
    stock: &StockBySku,
    current: &SourcingRules,
    draft: &SourcingRules,
) -> SimulationReport {
    let (current, a) = replay(orders, candidates, stock, current);
    let (draft, b) = replay(orders, candidates, stock, draft);
    let changed = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    SimulationReport {
        current,
        draft,
        changed_orders: changed as u32,
    }
}

/// A plan's allocation: (location, line, quantity), for comparing replays.
type Sourced = Option<Vec<(LocationId, usize, u32)>>;

fn replay(
    orders: &[SimulatedOrder],
    candidates: &[Candidate],
    stock: &StockBySku,
    rules: &SourcingRules,
) -> (SimulationTotals, Vec<Sourced>) {
    let mut cands = candidates.to_vec();
    let mut days = LoadDays::new(candidates, orders.first().map(|o| o.at));
    let mut per_location: BTreeMap<LocationId, (u32, u64)> = BTreeMap::new();
    let mut totals = SimulationTotals {
        orders: 0,
        unfulfilled: 0,
        parcels: 0,
        splits: 0,
        cost: 0,
        mean_hours_to_customer: 0.0,
        load: Vec::new(),
    };
    let mut hours = 0.0;
    let mut allocations = Vec::with_capacity(orders.len());
    let mut available = Vec::new();
    // Stock as rows indexed once, so an order's matrix costs no map look-up per candidate.
    let sku_row: BTreeMap<&str, usize> = stock
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut units: Vec<Vec<u32>> = stock.values().cloned().collect();
    let mut rows: Vec<Option<usize>> = Vec::new();
    for order in orders {
        totals.orders += 1;
        days.roll(&mut cands, order.at);
        rows.clear();
        rows.extend(
            order
                .lines
                .iter()
                .map(|d| sku_row.get(d.sku.as_str()).copied()),
        );
        available.clear();
        for c in 0..cands.len() {
            let at = |r: &Option<usize>| r.and_then(|r| units[r].get(c).copied());
            available.extend(rows.iter().map(|r| at(r).unwrap_or(0)));
        }
        let req = SourcingRequest {
            lines: &order.lines,
            destination: order.destination,
            route: order.route,
            now: order.at,
        };
        let Ok(plan) = source(&req, &cands, &available, rules) else {
            totals.unfulfilled += 1;
            allocations.push(None);
            continue;
        };
        totals.parcels += plan.parcels() as u32;
        totals.splits += u32::from(plan.parcels() > 1);
        totals.cost += plan.cost;
        hours += hours_between(order.at, plan.arrives_at);
        let mut allocation = Vec::new();
        for s in &plan.shipments {
            let Some(c) = cands.iter().position(|c| c.location_id == s.location_id) else {
                continue;
            };
            cands[c].load_today += 1;
            let entry = per_location.entry(s.location_id).or_default();
            entry.0 += 1;
            for l in &s.lines {
                let row = rows[l.line].and_then(|r| units[r].get_mut(c));
                if let Some(left) = row {
                    *left = left.saturating_sub(l.quantity);
                }
                entry.1 += u64::from(l.quantity);
                allocation.push((s.location_id, l.line, l.quantity));
            }
        }
        allocations.push(Some(allocation));
    }
    let fulfilled = totals.orders - totals.unfulfilled;
    if fulfilled > 0 {
        totals.mean_hours_to_customer = hours / f64::from(fulfilled);
    }
    let mut load: Vec<LocationLoad> = per_location
        .into_iter()
        .map(|(location_id, (orders, units))| LocationLoad {
            location_id,
            orders,
            units,
        })
        .collect();
    load.sort_by(|a, b| {
        b.orders
            .cmp(&a.orders)
            .then(a.location_id.cmp(&b.location_id))
    });
    load.truncate(TOP_LOCATIONS);
    totals.load = load;
    (totals, allocations)
}

/// Each candidate's current local day in a replay, to reset its load at midnight.
struct LoadDays {
    zones: Vec<Tz>,
    zone_of: Vec<usize>,
    day: Vec<Option<NaiveDate>>,
    today: Vec<NaiveDate>,
}

impl LoadDays {
    fn new(candidates: &[Candidate], first: Option<Timestamp>) -> Self {
        let mut zones: Vec<Tz> = Vec::new();
        let zone_of = candidates
            .iter()
            .map(|c| match zones.iter().position(|z| *z == c.tz) {
                Some(i) => i,
                None => {
                    zones.push(c.tz);
                    zones.len() - 1
                }
            })
            .collect();
        let day = candidates
            .iter()
            .map(|c| first.map(|at| local_date(c.tz, at)))
            .collect();
        Self {
            today: Vec::with_capacity(zones.len()),
            zones,
            zone_of,
            day,
        }
    }

    fn roll(&mut self, cands: &mut [Candidate], at: Timestamp) {
        self.today.clear();
        self.today
            .extend(self.zones.iter().map(|tz| local_date(*tz, at)));
        for (c, cand) in cands.iter_mut().enumerate() {
            let today = self.today[self.zone_of[c]];
            if self.day[c] != Some(today) {
                self.day[c] = Some(today);
                cand.load_today = 0;
            }
        }
    }
}

fn hours_between(from: Timestamp, to: Timestamp) -> f64 {
    (to - from).num_seconds().max(0) as f64 / 3600.0
}
