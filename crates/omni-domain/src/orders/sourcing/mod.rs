//! Sourcing: which locations fulfil an order, and when and at what cost it reaches the
//! customer. Pure and allocation-light: the adapter gathers candidate locations and their
//! available-to-promise units, [`source`] scores single sources and (greedy) splits under
//! the merchant's [`SourcingRules`], and [`simulate`] replays past orders under a draft rule
//! set so a merchant sees the effect before it goes live.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone};
use chrono_tz::Tz;
use omni_kernel::{GeoPoint, LocationId, Timestamp};
use serde::{Deserialize, Serialize};

use super::delivery::local_instant;
use crate::Violations;
use crate::network::{LocationKind, OpeningHours};

#[cfg(test)]
#[path = "sourcing_tests.rs"]
mod tests;

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

    fn priority(&self, id: LocationId) -> f64 {
        if self.location_priority.is_empty() {
            return 0.0;
        }
        f64::from(self.location_priority.get(&id).copied().unwrap_or(0))
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

impl Candidate {
    fn is_full(&self) -> bool {
        self.capacity.is_some_and(|cap| self.load_today >= cap)
    }

    fn load(&self) -> f64 {
        match self.capacity {
            Some(cap) if cap > 0 => (f64::from(self.load_today) / f64::from(cap)).min(1.0),
            Some(_) => 1.0,
            None => 0.0,
        }
    }
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
// The engine
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
    let n = req.lines.len();
    if req.lines.iter().all(|d| d.quantity == 0) {
        return Err(SourcingError::NoLines);
    }
    let expected = candidates.len() * n;
    if available.len() != expected {
        return Err(SourcingError::StockShape {
            expected,
            actual: available.len(),
        });
    }
    let target = Target::resolve(req, candidates)?;
    let max_parcels = match req.route {
        Route::Express => 1,
        _ => rules.max_parcels.max(1) as usize,
    };
    let engine = Engine {
        req,
        candidates,
        available,
        rules,
        n,
    };
    let pool = engine.eligible(&target);
    let single = engine.best_single(&pool);
    let mut scratch = Scratch::new(n, pool.len(), max_parcels);
    let split = if max_parcels > 1 {
        engine
            .greedy(&pool, &mut scratch, max_parcels, Mode::Ratio)
            .then(|| engine.split_plan(&pool, &scratch))
    } else {
        None
    };
    let best = match (single, split) {
        (Some(s), Some(p)) if p.score < s.score => Some(p),
        (Some(s), _) => Some(s),
        (None, p) => p,
    };
    if let Some(plan) = best {
        return Ok(plan);
    }
    let covered = engine.greedy(&pool, &mut scratch, max_parcels, Mode::Coverage);
    if covered {
        return Ok(engine.split_plan(&pool, &scratch));
    }
    Err(SourcingError::Unfulfillable {
        lines: engine.missing_lines(&pool, &scratch),
    })
}

/// Where goods go for the route, resolved once per call.
struct Target {
    destination: GeoPoint,
    /// The pickup store's candidate index for [`Route::PickupAt`].
    pickup: Option<usize>,
}

impl Target {
    fn resolve(req: &SourcingRequest, candidates: &[Candidate]) -> Result<Self, SourcingError> {
        let Route::PickupAt(store) = req.route else {
            return Ok(Self {
                destination: req.destination,
                pickup: None,
            });
        };
        let at = candidates
            .iter()
            .position(|c| c.location_id == store)
            .ok_or(SourcingError::PickupStoreUnknown)?;
        if !candidates[at].pickup {
            return Err(SourcingError::PickupNotOffered);
        }
        Ok(Self {
            destination: candidates[at].geo,
            pickup: Some(at),
        })
    }
}

/// A candidate that may take part, with everything about it that does not depend on
/// which lines it sends.
#[derive(Debug, Clone, Copy)]
struct Eligible {
    c: usize,
    id: LocationId,
    km: f64,
    cost: i64,
    /// Unix seconds (plain integers keep the hot loop free of calendar arithmetic).
    ready_at: i64,
    arrives_at: i64,
    /// Distance, cost, load and priority terms.
    fixed: f64,
    /// Hours from now until the customer has this parcel.
    hours: f64,
    /// The lines it has units of (see [`LineSet`]).
    lines: LineSet,
}

/// A set of line indices as bits, for orders of up to 64 lines; a longer order's sets are
/// "all or nothing" and the loops check every line (correct, only slower).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LineSet(u64);

impl LineSet {
    const BITS: usize = 64;

    fn of(n: usize, mut has: impl FnMut(usize) -> bool) -> Self {
        if n > Self::BITS {
            return Self(if (0..n).any(has) { u64::MAX } else { 0 });
        }
        Self((0..n).filter(|&l| has(l)).fold(0, |m, l| m | 1 << l))
    }

    fn and(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn contains_all(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Calls `f` with every line that may be in the set.
    #[inline]
    fn each(self, n: usize, mut f: impl FnMut(usize)) {
        if n > Self::BITS {
            if self.0 != 0 {
                (0..n).for_each(f);
            }
            return;
        }
        let mut m = self.0;
        while m != 0 {
            f(m.trailing_zeros() as usize);
            m &= m - 1;
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Weighted set cover: best score per unit covered.
    Ratio,
    /// Most units covered first (a fallback when the ratio greedy runs out of parcels).
    Coverage,
}

/// Working memory of the greedy split, allocated once per call.
struct Scratch {
    remaining: Vec<u32>,
    used: Vec<bool>,
    /// Per pool entry: the line-independent part of its greedy cost.
    base: Vec<f64>,
    /// Pool indices of the picked sources, in pick order.
    picks: Vec<usize>,
    /// `take[k * n + l]`: units of line `l` from pick `k`.
    take: Vec<u32>,
}

impl Scratch {
    fn new(n: usize, pool: usize, max_parcels: usize) -> Self {
        Self {
            remaining: vec![0; n],
            used: vec![false; pool],
            base: Vec::with_capacity(pool),
            picks: Vec::with_capacity(max_parcels),
            take: Vec::with_capacity(max_parcels * n),
        }
    }
}

struct Engine<'a> {
    req: &'a SourcingRequest<'a>,
    candidates: &'a [Candidate],
    available: &'a [u32],
    rules: &'a SourcingRules,
    n: usize,
}

fn hours_between(from: Timestamp, to: Timestamp) -> f64 {
    (to - from).num_seconds().max(0) as f64 / 3600.0
}

/// Seconds on the road at `kmh`.
fn transit(km: f64, kmh: u32) -> i64 {
    (km / f64::from(kmh.max(1)) * 3600.0).ceil() as i64
}

/// Unix seconds, rounded up so a computed time is never before the instant it came from.
fn secs(t: Timestamp) -> i64 {
    t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
}

fn instant(secs: i64) -> Timestamp {
    Timestamp::from_timestamp(secs, 0).unwrap_or_default()
}

/// `parcel_cost + cost_per_km × km`, with km counted in whole metres and rounded up.
fn parcel_cost(km: f64, rules: &SourcingRules) -> i64 {
    let metres = (km * 1000.0).ceil() as i64;
    let transport = metres.saturating_mul(rules.cost_per_km).saturating_add(999) / 1000;
    rules.parcel_cost.saturating_add(transport)
}

fn local_date(tz: Tz, at: Timestamp) -> NaiveDate {
    tz.from_utc_datetime(&at.naive_utc()).date_naive()
}

/// Per-call memo of time-zone work: candidates share a handful of zones and weekly
/// schedules, so each distinct one is converted once. Times are Unix seconds.
struct Clocks<'a> {
    now: Timestamp,
    /// Start of tomorrow per zone.
    midnights: Vec<(Tz, i64)>,
    /// Next opening from `now` per zone and schedule; the last hit is tried first.
    openings: Vec<(Tz, &'a OpeningHours, Option<i64>)>,
    last: usize,
    /// The pickup store's next opening per quarter-hour slot after `now`.
    pickup_slots: Vec<Option<Option<i64>>>,
}

/// Schedules memoised per call; beyond this many distinct ones, openings are computed
/// directly (bounds the linear lookup).
const MEMO_LIMIT: usize = 32;
/// Transfers are received at the pickup store in quarter-hour slots.
const SLOT_SECONDS: i64 = 15 * 60;
/// Slots memoised (about a month); later arrivals are computed directly.
const MAX_SLOTS: usize = 3_000;

impl<'a> Clocks<'a> {
    fn new(now: Timestamp) -> Self {
        Self {
            now,
            midnights: Vec::new(),
            openings: Vec::new(),
            last: 0,
            pickup_slots: Vec::new(),
        }
    }

    /// Start of the day after `now` in `tz`.
    fn tomorrow(&mut self, tz: Tz) -> i64 {
        if let Some((_, t)) = self.midnights.iter().find(|(z, _)| *z == tz) {
            return *t;
        }
        let t = local_date(tz, self.now)
            .succ_opt()
            .and_then(|d| local_instant(tz, d, 0))
            .unwrap_or(self.now + Duration::days(1));
        self.midnights.push((tz, secs(t)));
        secs(t)
    }

    /// The location's next opening at or after `now`.
    fn opens(&mut self, tz: Tz, hours: &'a OpeningHours) -> Option<i64> {
        let same = |(z, h, _): &(Tz, &OpeningHours, Option<i64>)| {
            *z == tz && (std::ptr::eq(*h, hours) || *h == hours)
        };
        if let Some(hit) = self.openings.get(self.last).filter(|e| same(e)) {
            return hit.2;
        }
        if let Some(i) = self.openings.iter().position(same) {
            self.last = i;
            return self.openings[i].2;
        }
        let t = hours.next_open_at(tz, self.now).map(secs);
        if self.openings.len() < MEMO_LIMIT {
            self.last = self.openings.len();
            self.openings.push((tz, hours, t));
        }
        t
    }

    /// When goods arriving at the pickup store at `at` can be handed out: the store's next
    /// opening after the quarter-hour slot in which they are received.
    fn pickup_ready(&mut self, store: &Candidate, at: i64) -> Option<i64> {
        let now = secs(self.now);
        let slot = ((at - now).max(0) + SLOT_SECONDS - 1) / SLOT_SECONDS;
        let received = instant(now + slot * SLOT_SECONDS);
        let next = || store.hours.next_open_at(store.tz, received).map(secs);
        let slot = slot as usize;
        if slot >= MAX_SLOTS {
            return next();
        }
        if self.pickup_slots.len() <= slot {
            self.pickup_slots.resize(slot + 1, None);
        }
        *self.pickup_slots[slot].get_or_insert_with(next)
    }
}

impl Engine<'_> {
    fn row(&self, c: usize) -> &[u32] {
        &self.available[c * self.n..(c + 1) * self.n]
    }

    /// The lines the order needs.
    fn needed(&self) -> LineSet {
        LineSet::of(self.n, |l| self.req.lines[l].quantity > 0)
    }

    /// The candidates allowed for the route, with their distance, cost and times.
    fn eligible(&self, target: &Target) -> Vec<Eligible> {
        let rules = self.rules;
        let now = self.req.now;
        let now_s = secs(now);
        let pick = i64::from(rules.pick_minutes) * 60;
        let handling = i64::from(rules.handling_hours) * 3600;
        let lead = i64::from(rules.transfer_days) * 86_400;
        let needed = self.needed();
        let mut clocks = Clocks::new(now);
        let mut pool = Vec::with_capacity(self.candidates.len());
        for (c, cand) in self.candidates.iter().enumerate() {
            let allowed = match self.req.route {
                Route::Ship => cand.ships,
                Route::Express => cand.express,
                Route::PickupAt(_) => target.pickup == Some(c) || cand.ships,
            };
            if !allowed || cand.is_full() {
                continue;
            }
            let row = self.row(c);
            let lines = LineSet::of(self.n, |l| row[l] > 0).and(needed);
            if lines.is_empty() {
                continue;
            }
            let km = cand.geo.distance_km(&target.destination);
            if self.req.route == Route::Express && km > rules.express_radius_km {
                continue;
            }
            let Some(opens) = clocks.opens(cand.tz, &cand.hours) else {
                continue;
            };
            let ready_at = opens + pick;
            let arrives_at = match (self.req.route, target.pickup) {
                (Route::Ship, _) => {
                    let by_road = ready_at + handling + transit(km, rules.courier_kmh);
                    by_road.max(clocks.tomorrow(cand.tz))
                }
                (Route::Express, _) => {
                    let today = local_date(cand.tz, now);
                    if opens > now_s && local_date(cand.tz, instant(opens)) != today {
                        continue; // does not open again today
                    }
                    ready_at + transit(km, rules.courier_kmh)
                }
                (Route::PickupAt(_), Some(p)) => {
                    let store = &self.candidates[p];
                    let ready = if p == c {
                        let ready = instant(ready_at);
                        store.hours.next_open_at(store.tz, ready).map(secs)
                    } else {
                        let at_store = ready_at + lead + transit(km, rules.courier_kmh);
                        clocks.pickup_ready(store, at_store)
                    };
                    match ready {
                        Some(t) => t,
                        None => continue,
                    }
                }
                (Route::PickupAt(_), None) => continue,
            };
            let cost = parcel_cost(km, rules);
            let fixed = rules.distance_weight * km
                + rules.cost_weight * cost as f64
                + rules.load_weight * cand.load()
                - rules.priority_weight * rules.priority(cand.location_id);
            pool.push(Eligible {
                c,
                id: cand.location_id,
                km,
                cost,
                ready_at,
                arrives_at,
                fixed,
                hours: (arrives_at - now_s).max(0) as f64 / 3600.0,
                lines,
            });
        }
        pool
    }

    /// Σ over lines of the share of the source's units taken.
    fn depth(&self, c: usize, take: impl Iterator<Item = (usize, u32)>) -> f64 {
        let row = self.row(c);
        take.filter(|(_, t)| *t > 0)
            .map(|(l, t)| f64::from(t) / f64::from(row[l]))
            .sum()
    }

    /// The best source that alone covers every line.
    fn best_single(&self, pool: &[Eligible]) -> Option<Plan> {
        let rules = self.rules;
        let needed = self.needed();
        let mut best: Option<(f64, &Eligible)> = None;
        for e in pool {
            if !e.lines.contains_all(needed) {
                continue;
            }
            let row = self.row(e.c);
            if row.iter().zip(self.req.lines).any(|(a, d)| *a < d.quantity) {
                continue;
            }
            let depth = self.depth(e.c, self.req.lines.iter().map(|d| d.quantity).enumerate());
            let score = e.fixed + rules.time_weight * e.hours + rules.depth_weight * depth;
            if best.is_none_or(|(s, b)| better(score, e.id, s, b.id)) {
                best = Some((score, e));
            }
        }
        best.map(|(score, e)| {
            let lines = self.req.lines.iter().enumerate();
            let lines = lines
                .filter(|(_, d)| d.quantity > 0)
                .map(|(line, d)| ShipmentLine {
                    line,
                    quantity: d.quantity,
                })
                .collect();
            let shipment = shipment(e, lines);
            Plan {
                cost: shipment.cost,
                ready_at: shipment.ready_at,
                arrives_at: shipment.arrives_at,
                shipments: vec![shipment],
                score,
            }
        })
    }

    /// Greedy set cover into `scratch`; true when every line is covered within `max_parcels`.
    fn greedy(&self, pool: &[Eligible], s: &mut Scratch, max_parcels: usize, mode: Mode) -> bool {
        let rules = self.rules;
        let n = self.n;
        for (r, d) in s.remaining.iter_mut().zip(self.req.lines) {
            *r = d.quantity;
        }
        let mut open = self.needed();
        s.used.iter_mut().for_each(|u| *u = false);
        s.picks.clear();
        s.take.clear();
        // Shift scores so every source costs > 0 (priority bonuses can make them negative).
        let floor = pool.iter().map(|e| e.fixed).fold(f64::INFINITY, f64::min) - 1.0;
        s.base.clear();
        s.base.extend(
            pool.iter()
                .map(|e| e.fixed - floor + rules.time_weight * e.hours + rules.parcel_penalty),
        );
        while s.picks.len() < max_parcels && !open.is_empty() {
            let mut best: Option<(f64, f64, usize)> = None;
            for (i, e) in pool.iter().enumerate() {
                let lines = e.lines.and(open);
                if s.used[i] || lines.is_empty() {
                    continue;
                }
                let row = self.row(e.c);
                let (mut units, mut depth) = (0u64, 0.0);
                lines.each(n, |l| {
                    let (a, r) = (row[l], s.remaining[l]);
                    if a > 0 && r > 0 {
                        let t = a.min(r);
                        units += u64::from(t);
                        depth += f64::from(t) / f64::from(a);
                    }
                });
                if units == 0 {
                    continue;
                }
                let cost = s.base[i] + rules.depth_weight * depth;
                let key = match mode {
                    Mode::Ratio => cost / units as f64,
                    Mode::Coverage => -(units as f64),
                };
                let wins = best.is_none_or(|(k, c, b)| {
                    key.total_cmp(&k)
                        .then(cost.total_cmp(&c))
                        .then(e.id.cmp(&pool[b].id))
                        .is_lt()
                });
                if wins {
                    best = Some((key, cost, i));
                }
            }
            let Some((_, _, i)) = best else { break };
            s.used[i] = true;
            s.picks.push(i);
            let row = self.row(pool[i].c);
            for (a, r) in row.iter().zip(s.remaining.iter_mut()) {
                let t = (*a).min(*r);
                *r -= t;
                s.take.push(t);
            }
            open = LineSet::of(n, |l| s.remaining[l] > 0);
        }
        let done = s.remaining.iter().all(|r| *r == 0);
        if done {
            self.consolidate(pool, s);
            self.drop_redundant(pool, s);
            self.consolidate(pool, s);
        }
        done
    }

    /// Moves a line spread over several picks to one pick that can send all of it (the
    /// one already holding most), so a line is split only when no pick has enough.
    fn consolidate(&self, pool: &[Eligible], s: &mut Scratch) {
        let n = self.n;
        for (l, d) in self.req.lines.iter().enumerate() {
            let holders = (0..s.picks.len()).filter(|&k| s.take[k * n + l] > 0);
            if holders.count() < 2 {
                continue;
            }
            let whole = (0..s.picks.len())
                .filter(|&k| self.row(pool[s.picks[k]].c)[l] >= d.quantity)
                .max_by_key(|&k| (s.take[k * n + l], std::cmp::Reverse(k)));
            if let Some(j) = whole {
                for k in 0..s.picks.len() {
                    s.take[k * n + l] = if k == j { d.quantity } else { 0 };
                }
            }
        }
    }

    /// Removes picks whose units the other picks' spare stock can absorb (latest first).
    fn drop_redundant(&self, pool: &[Eligible], s: &mut Scratch) {
        let n = self.n;
        let mut k = s.picks.len();
        while k > 0 && s.picks.len() > 1 {
            k -= 1;
            let absorbable = (0..n).all(|l| {
                let spare: u32 = (0..s.picks.len())
                    .filter(|&j| j != k)
                    .map(|j| self.row(pool[s.picks[j]].c)[l] - s.take[j * n + l])
                    .sum();
                spare >= s.take[k * n + l]
            });
            if !absorbable {
                continue;
            }
            for l in 0..n {
                let mut need = s.take[k * n + l];
                for j in (0..s.picks.len()).filter(|&j| j != k) {
                    let spare = self.row(pool[s.picks[j]].c)[l] - s.take[j * n + l];
                    let t = spare.min(need);
                    s.take[j * n + l] += t;
                    need -= t;
                }
            }
            s.picks.remove(k);
            s.take.drain(k * n..(k + 1) * n);
            k = k.min(s.picks.len());
        }
    }

    /// The plan of a finished greedy split, scored exactly.
    fn split_plan(&self, pool: &[Eligible], s: &Scratch) -> Plan {
        let rules = self.rules;
        let n = self.n;
        let mut shipments = Vec::with_capacity(s.picks.len());
        let (mut fixed, mut depth, mut hours) = (0.0, 0.0, 0.0f64);
        for (k, &i) in s.picks.iter().enumerate() {
            let e = &pool[i];
            let take = &s.take[k * n..(k + 1) * n];
            fixed += e.fixed;
            hours = hours.max(e.hours);
            depth += self.depth(e.c, take.iter().copied().enumerate());
            let lines = take
                .iter()
                .enumerate()
                .filter(|(_, t)| **t > 0)
                .map(|(line, t)| ShipmentLine { line, quantity: *t })
                .collect();
            shipments.push(shipment(e, lines));
        }
        shipments.sort_by_key(|s| s.location_id);
        let extra = shipments.len().saturating_sub(1) as f64;
        let score = fixed
            + rules.time_weight * hours
            + rules.depth_weight * depth
            + rules.parcel_penalty * extra;
        plan_of(shipments, score)
    }

    /// Lines with too little stock across all eligible sources, or else those the
    /// coverage greedy in `s` left uncovered.
    fn missing_lines(&self, pool: &[Eligible], s: &Scratch) -> Vec<usize> {
        let short: Vec<usize> = (0..self.n)
            .filter(|&l| {
                let total: u64 = pool.iter().map(|e| u64::from(self.row(e.c)[l])).sum();
                total < u64::from(self.req.lines[l].quantity)
            })
            .collect();
        if !short.is_empty() {
            return short;
        }
        (0..self.n).filter(|&l| s.remaining[l] > 0).collect()
    }
}

/// Whether `(score, id)` beats `(best, best_id)`: lower score, then lower id.
fn better(score: f64, id: LocationId, best: f64, best_id: LocationId) -> bool {
    score.total_cmp(&best).then(id.cmp(&best_id)).is_lt()
}

fn shipment(e: &Eligible, lines: Vec<ShipmentLine>) -> Shipment {
    Shipment {
        location_id: e.id,
        lines,
        distance_km: e.km,
        cost: e.cost,
        ready_at: instant(e.ready_at),
        arrives_at: instant(e.arrives_at),
    }
}

fn plan_of(shipments: Vec<Shipment>, score: f64) -> Plan {
    let cost = shipments.iter().map(|s| s.cost).sum();
    let ready_at = shipments.iter().map(|s| s.ready_at).max();
    let arrives_at = shipments.iter().map(|s| s.arrives_at).max();
    let epoch = Timestamp::from(std::time::UNIX_EPOCH);
    Plan {
        cost,
        ready_at: ready_at.unwrap_or(epoch),
        arrives_at: arrives_at.unwrap_or(epoch),
        shipments,
        score,
    }
}

// ---------------------------------------------------------------------------------------
// Simulation
// ---------------------------------------------------------------------------------------

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
