//! Sourcing split: the greedy weighted set cover that spreads an order over several
//! sources (at most `max_parcels`), then tidies the split so a line is divided only when
//! no single pick can send all of it, and drops picks the others can absorb.

use omni_kernel::Timestamp;

use super::engine::{Eligible, Engine, LineSet, shipment};
use super::{Plan, Shipment, ShipmentLine};

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Mode {
    /// Weighted set cover: best score per unit covered.
    Ratio,
    /// Most units covered first (a fallback when the ratio greedy runs out of parcels).
    Coverage,
}

/// Working memory of the greedy split, allocated once per call.
pub(super) struct Scratch {
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
    pub(super) fn new(n: usize, pool: usize, max_parcels: usize) -> Self {
        Self {
            remaining: vec![0; n],
            used: vec![false; pool],
            base: Vec::with_capacity(pool),
            picks: Vec::with_capacity(max_parcels),
            take: Vec::with_capacity(max_parcels * n),
        }
    }
}

impl Engine<'_> {
    /// Greedy set cover into `scratch`; true when every line is covered within `max_parcels`.
    pub(super) fn greedy(
        &self,
        pool: &[Eligible],
        s: &mut Scratch,
        max_parcels: usize,
        mode: Mode,
    ) -> bool {
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
    pub(super) fn split_plan(&self, pool: &[Eligible], s: &Scratch) -> Plan {
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
    pub(super) fn missing_lines(&self, pool: &[Eligible], s: &Scratch) -> Vec<usize> {
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
