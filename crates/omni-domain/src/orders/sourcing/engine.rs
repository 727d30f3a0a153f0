//! Sourcing engine: resolves where goods go, which candidates are eligible for the route
//! (with their distance, cost, times and fixed score terms) and the best single source,
//! then weighs it against the greedy split (see `split`).

use omni_kernel::{GeoPoint, LocationId};

use super::split::{Mode, Scratch};
use super::timing::{Clocks, instant, local_date, secs, transit};
use super::{
    Candidate, Plan, Route, Shipment, ShipmentLine, SourcingError, SourcingRequest, SourcingRules,
};

/// The body of [`source`](super::source): checks the request, then returns the better of
/// the best single source and the ratio-greedy split, else a coverage-greedy split.
pub(super) fn run(
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
pub(super) struct Eligible {
    pub(super) c: usize,
    pub(super) id: LocationId,
    km: f64,
    cost: i64,
    /// Unix seconds (plain integers keep the hot loop free of calendar arithmetic).
    ready_at: i64,
    arrives_at: i64,
    /// Distance, cost, load and priority terms.
    pub(super) fixed: f64,
    /// Hours from now until the customer has this parcel.
    pub(super) hours: f64,
    /// The lines it has units of (see [`LineSet`]).
    pub(super) lines: LineSet,
}

/// A set of line indices as bits, for orders of up to 64 lines; a longer order's sets are
/// "all or nothing" and the loops check every line (correct, only slower).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LineSet(u64);

impl LineSet {
    const BITS: usize = 64;

    pub(super) fn of(n: usize, mut has: impl FnMut(usize) -> bool) -> Self {
        if n > Self::BITS {
            return Self(if (0..n).any(has) { u64::MAX } else { 0 });
        }
        Self((0..n).filter(|&l| has(l)).fold(0, |m, l| m | 1 << l))
    }

    pub(super) fn and(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    pub(super) fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn contains_all(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Calls `f` with every line that may be in the set.
    #[inline]
    pub(super) fn each(self, n: usize, mut f: impl FnMut(usize)) {
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

/// One sourcing call: the request, the candidates with their stock rows, and the rules.
pub(super) struct Engine<'a> {
    pub(super) req: &'a SourcingRequest<'a>,
    candidates: &'a [Candidate],
    available: &'a [u32],
    pub(super) rules: &'a SourcingRules,
    pub(super) n: usize,
}

/// `parcel_cost + cost_per_km × km`, with km counted in whole metres and rounded up.
fn parcel_cost(km: f64, rules: &SourcingRules) -> i64 {
    let metres = (km * 1000.0).ceil() as i64;
    let transport = metres.saturating_mul(rules.cost_per_km).saturating_add(999) / 1000;
    rules.parcel_cost.saturating_add(transport)
}

// Score inputs of the public types; only the engine reads them.

impl SourcingRules {
    /// The merchant's priority of location `id` (0 when not listed).
    fn priority(&self, id: LocationId) -> f64 {
        if self.location_priority.is_empty() {
            return 0.0;
        }
        f64::from(self.location_priority.get(&id).copied().unwrap_or(0))
    }
}

impl Candidate {
    /// At or over its daily capacity.
    fn is_full(&self) -> bool {
        self.capacity.is_some_and(|cap| self.load_today >= cap)
    }

    /// Today's load as a share of capacity, 0..1 (0 when unlimited).
    fn load(&self) -> f64 {
        match self.capacity {
            Some(cap) if cap > 0 => (f64::from(self.load_today) / f64::from(cap)).min(1.0),
            Some(_) => 1.0,
            None => 0.0,
        }
    }
}

impl Engine<'_> {
    pub(super) fn row(&self, c: usize) -> &[u32] {
        &self.available[c * self.n..(c + 1) * self.n]
    }

    /// The lines the order needs.
    pub(super) fn needed(&self) -> LineSet {
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
    pub(super) fn depth(&self, c: usize, take: impl Iterator<Item = (usize, u32)>) -> f64 {
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
}

/// Whether `(score, id)` beats `(best, best_id)`: lower score, then lower id.
fn better(score: f64, id: LocationId, best: f64, best_id: LocationId) -> bool {
    score.total_cmp(&best).then(id.cmp(&best_id)).is_lt()
}

pub(super) fn shipment(e: &Eligible, lines: Vec<ShipmentLine>) -> Shipment {
    Shipment {
        location_id: e.id,
        lines,
        distance_km: e.km,
        cost: e.cost,
        ready_at: instant(e.ready_at),
        arrives_at: instant(e.arrives_at),
    }
}
