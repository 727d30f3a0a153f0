//! Sourcing: which locations fulfil an order, and when and at what cost it reaches the
//! customer. Pure and allocation-light: the adapter gathers candidate locations and their
//! available-to-promise units, [`source`] scores single sources and (greedy) splits under
//! the merchant's [`SourcingRules`], and [`simulate()`] replays past orders under a draft
//! rule set so a merchant sees the effect before it goes live.
//!
//! This module holds the rules and the request and result types; the engine lives in
//! `engine` (eligibility and single sources), `split` (the greedy split) and `timing`
//! (opening times and transit), the replay in `simulate`.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use omni_kernel::{GeoPoint, LocationId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::Violations;
use crate::network::{LocationKind, OpeningHours};

mod engine;
mod simulate;
mod split;
mod timing;

#[cfg(test)]
mod tests;

pub use simulate::{
    LocationLoad, SimulatedOrder, SimulationReport, SimulationTotals, StockBySku, TOP_LOCATIONS,
    simulate,
};

// ---------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------

/// Merchant-editable sourcing rules, stored as JSON per tenant. The engine minimises a
/// score (lower is better) made of the weighted terms below; the tariffs feed the
/// delivery promise. Missing fields take their defaults, unknown ones are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourcingRules {
    /// Score per km between source and destination.
    pub distance_weight: f64,
    /// Score per minor unit of shipping cost.
    pub cost_weight: f64,
    /// Score per hour until the customer has the whole order.
    pub time_weight: f64,
    /// Score per unit of load (today's orders / daily capacity, 0..1) at a source.
    pub load_weight: f64,
    /// Score per line for the share of a source's units the order takes (1.0 = its last
    /// ones), so deep stock is preferred and a store keeps units for walk-in customers.
    pub depth_weight: f64,
    /// Score subtracted per point of [`location_priority`](Self::location_priority).
    pub priority_weight: f64,
    /// Score per parcel beyond the first.
    pub parcel_penalty: f64,
    /// Most parcels (source locations) one order may be split into; 1 = never split.
    pub max_parcels: u32,
    /// Farthest a same-day express courier goes from its store.
    pub express_radius_km: f64,
    /// Time to pick and pack a parcel once the location is open.
    pub pick_minutes: u32,
    /// Courier base handling (hub sorting) before transit.
    pub handling_hours: u32,
    /// Fixed handling cost per parcel, minor units.
    pub parcel_cost: i64,
    /// Transport cost per km, minor units.
    pub cost_per_km: i64,
    /// Average road speed for transit times.
    pub courier_kmh: u32,
    /// Base lead time of a store-to-store (or warehouse-to-store) transfer, in days.
    pub transfer_days: u32,
    /// The merchant's priority per location (higher = preferred; may be negative).
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, i32>))]
    pub location_priority: BTreeMap<LocationId, i32>,
}

/// Defaults for a Russian chain, amounts in RUB kopecks; one score unit ≈ one rouble.
impl Default for SourcingRules {
    fn default() -> Self {
        Self {
            distance_weight: 0.5,
            cost_weight: 0.01,
            time_weight: 20.0,
            load_weight: 200.0,
            depth_weight: 150.0,
            priority_weight: 10.0,
            parcel_penalty: 300.0,
            max_parcels: 3,
            express_radius_km: 30.0,
            pick_minutes: 30,
            handling_hours: 12,
            parcel_cost: 15_000,
            cost_per_km: 100,
            courier_kmh: 50,
            transfer_days: 1,
            location_priority: BTreeMap::new(),
        }
    }
}

/// Largest per-km tariff accepted (₽100 000/km), which keeps cost arithmetic far from overflow.
const MAX_TARIFF: i64 = 10_000_000;

impl SourcingRules {
    /// Field-level checks: weights finite and ≥ 0, parcels 1–10, tariffs and times in range.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        let weights = [
            ("distance_weight", self.distance_weight),
            ("cost_weight", self.cost_weight),
            ("time_weight", self.time_weight),
            ("load_weight", self.load_weight),
            ("depth_weight", self.depth_weight),
            ("priority_weight", self.priority_weight),
            ("parcel_penalty", self.parcel_penalty),
        ];
        for (field, w) in weights {
            if !w.is_finite() || w < 0.0 {
                v.push(field, "out_of_range", "must be a finite number ≥ 0");
            }
        }
        if !(1..=10).contains(&self.max_parcels) {
            v.push("max_parcels", "out_of_range", "must be 1–10");
        }
        if !self.express_radius_km.is_finite() || !(0.0..=500.0).contains(&self.express_radius_km) {
            v.push("express_radius_km", "out_of_range", "must be 0–500 km");
        }
        let ranges = [
            ("pick_minutes", self.pick_minutes, 0, 24 * 60),
            ("handling_hours", self.handling_hours, 0, 240),
            ("courier_kmh", self.courier_kmh, 1, 200),
            ("transfer_days", self.transfer_days, 0, 30),
        ];
        for (field, value, lo, hi) in ranges {
            if !(lo..=hi).contains(&value) {
                v.push(field, "out_of_range", format!("must be {lo}–{hi}"));
            }
        }
        for (field, value) in [
            ("parcel_cost", self.parcel_cost),
            ("cost_per_km", self.cost_per_km),
        ] {
            if !(0..=MAX_TARIFF).contains(&value) {
                v.push(
                    field,
                    "out_of_range",
                    format!("must be 0–{MAX_TARIFF} minor units"),
                );
            }
        }
        for (id, p) in &self.location_priority {
            if !(-1000..=1000).contains(p) {
                let field = format!("location_priority.{id}");
                v.push(field, "out_of_range", "must be -1000–1000");
            }
        }
        v.finish(())
    }
}

// ---------------------------------------------------------------------------------------
// Request and result
// ---------------------------------------------------------------------------------------

/// One order line to source. Lines should name distinct SKUs (merge duplicates first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Demand {
    pub sku: String,
    pub quantity: u32,
}

/// A location that could send goods, as the adapter found it (active locations only).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub location_id: LocationId,
    pub kind: LocationKind,
    pub geo: GeoPoint,
    pub tz: Tz,
    pub hours: OpeningHours,
    /// Can ship online orders (a warehouse with `Fulfilment`, a store with `ShipFromStore`).
    pub ships: bool,
    /// Same-day courier from here (`ExpressDelivery`).
    pub express: bool,
    /// Hands out orders (`Pickup`).
    pub pickup: bool,
    /// Online orders it can pick per day; `None` = unlimited.
    pub capacity: Option<u32>,
    /// Orders already allocated to it today.
    pub load_today: u32,
}

/// How the goods reach the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Route {
    /// A courier or parcel service to the destination (an address or a pickup point).
    Ship,
    /// Same-day courier from one nearby store.
    Express,
    /// Collect at this store: from its own shelves, else transferred to it.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    PickupAt(LocationId),
}

/// What to source, where to and when.
#[derive(Debug, Clone, Copy)]
pub struct SourcingRequest<'a> {
    pub lines: &'a [Demand],
    /// The delivery address or the pickup point; for [`Route::PickupAt`] the store's own
    /// position is used.
    pub destination: GeoPoint,
    pub route: Route,
    pub now: Timestamp,
}

/// The chosen sourcing of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    /// One parcel per source location, ordered by location id.
    pub shipments: Vec<Shipment>,
    /// Total shipping cost, minor units.
    pub cost: i64,
    /// When the last parcel is picked.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub ready_at: Timestamp,
    /// When the customer has (or can collect) the whole order.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub arrives_at: Timestamp,
    /// The rules' score of this plan (lower is better); for comparison and simulation.
    pub score: f64,
}

impl Plan {
    /// Number of parcels (source locations).
    pub fn parcels(&self) -> usize {
        self.shipments.len()
    }

    /// Units of order line `line` this plan takes from all sources.
    pub fn quantity_of(&self, line: usize) -> u64 {
        self.shipments
            .iter()
            .flat_map(|s| &s.lines)
            .filter(|l| l.line == line)
            .map(|l| u64::from(l.quantity))
            .sum()
    }
}

/// A parcel from one location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipment {
    pub location_id: LocationId,
    /// Ordered by line index.
    pub lines: Vec<ShipmentLine>,
    /// Great-circle distance to the destination (or the pickup store).
    pub distance_km: f64,
    /// `parcel_cost + cost_per_km × km` (km per metre, rounded up), minor units.
    pub cost: i64,
    /// When it is picked and leaves the location.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub ready_at: Timestamp,
    /// When the customer has it (courier) or can collect it (pickup, after any transfer).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub arrives_at: Timestamp,
}

/// Units of one order line in a parcel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentLine {
    /// Index into the request's lines.
    pub line: usize,
    pub quantity: u32,
}

/// Why no plan was made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourcingError {
    #[error("the order has no lines to source")]
    NoLines,
    /// Lines missing: those no combination of eligible sources has enough of, or (when the
    /// total exists but not within the parcel limit or a single express store) those the
    /// best-covering allowed combination lacks.
    #[error("no allowed combination of locations can supply lines {lines:?}")]
    Unfulfillable { lines: Vec<usize> },
    #[error("the pickup store is not among the candidates")]
    PickupStoreUnknown,
    #[error("the pickup location does not hand out orders")]
    PickupNotOffered,
    #[error("stock has {actual} entries, expected candidates × lines = {expected}")]
    StockShape { expected: usize, actual: usize },
}

// ---------------------------------------------------------------------------------------
// Entry
// ---------------------------------------------------------------------------------------

/// Chooses the sources of an order.
///
/// `available[c * lines.len() + l]` is what candidate `c` can promise of line `l`
/// (available-to-promise, already net of reservations and safety stock). A single source
/// covering every line is preferred; a split (at most `max_parcels`, never for express) is
/// chosen when none exists or when its score, parcel penalties included, is lower. Ties go
/// to the lower location id, so the result does not depend on candidate order.
pub fn source(
    req: &SourcingRequest,
    candidates: &[Candidate],
    available: &[u32],
    rules: &SourcingRules,
) -> Result<Plan, SourcingError> {
    engine::run(req, candidates, available, rules)
}
