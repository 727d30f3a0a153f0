//! Symmetric item-item co-occurrence counts with each item's top neighbours by a
//! popularity-damped similarity, kept up to date incrementally: counts only grow, so after a
//! batch only the lists of items whose counts changed — and the lists that name one of them
//! — can change.

use rustc_hash::FxHashMap;

/// Counts of "these two items appeared in the same basket" (an order, or a customer's
/// history), and the precomputed top neighbours that queries read.
#[derive(Debug, Clone, Default)]
pub(crate) struct CoCounts {
    /// Baskets containing each item.
    pub(crate) support: Vec<u32>,
    /// Per item, the baskets it shares with each other item (both directions stored).
    pub(crate) pairs: Vec<FxHashMap<u32, u32>>,
    /// Per item, the best neighbours by similarity, best first (ties by item).
    neighbours: Vec<Vec<(u32, f32)>>,
    /// Items whose support or pairs changed since the last refresh.
    dirty: Vec<bool>,
    dirty_list: Vec<u32>,
}

impl CoCounts {
    fn grow(&mut self, item: u32) {
        let len = item as usize + 1;
        if self.support.len() < len {
            self.support.resize(len, 0);
            self.pairs.resize_with(len, FxHashMap::default);
            self.neighbours.resize_with(len, Vec::new);
            self.dirty.resize(len, false);
        }
    }

    fn touch(&mut self, item: u32) {
        if !self.dirty[item as usize] {
            self.dirty[item as usize] = true;
            self.dirty_list.push(item);
        }
    }

    /// One more basket contains `item`.
    pub(crate) fn add_item(&mut self, item: u32) {
        self.grow(item);
        self.support[item as usize] += 1;
        self.touch(item);
    }

    /// One more basket contains both `a` and `b` (`a != b`; both already added).
    pub(crate) fn add_pair(&mut self, a: u32, b: u32) {
        debug_assert_ne!(a, b);
        *self.pairs[a as usize].entry(b).or_insert(0) += 1;
        *self.pairs[b as usize].entry(a).or_insert(0) += 1;
        self.touch(a);
        self.touch(b);
    }

    /// Baskets containing both `a` and `b`.
    pub(crate) fn count(&self, a: u32, b: u32) -> u32 {
        self.pairs
            .get(a as usize)
            .and_then(|row| row.get(&b))
            .copied()
            .unwrap_or(0)
    }

    /// The top neighbours of `item`, best first (empty for an unknown item).
    pub(crate) fn neighbours(&self, item: u32) -> &[(u32, f32)] {
        self.neighbours
            .get(item as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Number of items known (one past the largest item id seen).
    pub(crate) fn items(&self) -> usize {
        self.support.len()
    }

    /// Recomputes the neighbour lists a batch may have changed: the dirty items', and every
    /// list naming a dirty item (its support grew, so with `damping > 0` its similarity
    /// there fell and the next candidate may move in). Any other list is exactly what a full rebuild would give: its
    /// own row is unchanged and no score outside it rose. Returns the lists recomputed.
    pub(crate) fn refresh(&mut self, keep: usize, min_support: u32, damping: f64) -> usize {
        let mut stale = self.dirty.clone();
        for (item, list) in self.neighbours.iter().enumerate() {
            if !stale[item] && list.iter().any(|&(n, _)| self.dirty[n as usize]) {
                stale[item] = true;
            }
        }
        let mut scratch = Vec::new();
        let mut recomputed = 0;
        for (item, is_stale) in stale.iter().enumerate() {
            if *is_stale {
                let list = self.top(item, keep, min_support, damping, &mut scratch);
                self.neighbours[item] = list;
                recomputed += 1;
            }
        }
        for item in self.dirty_list.drain(..) {
            self.dirty[item as usize] = false;
        }
        recomputed
    }

    /// `item`'s best `keep` neighbours with at least `min_support` shared baskets, by
    /// `count / (support_item^(1 − damping) · support_other^damping)`: 0 is the conditional
    /// probability P(other | item), 0.5 the cosine, which keeps a bestseller from topping
    /// every list.
    fn top(
        &self,
        item: usize,
        keep: usize,
        min_support: u32,
        damping: f64,
        scratch: &mut Vec<(u32, f32)>,
    ) -> Vec<(u32, f32)> {
        scratch.clear();
        let own = f64::from(self.support[item]).powf(1.0 - damping);
        scratch.extend(
            self.pairs[item]
                .iter()
                .filter(|&(_, &c)| c >= min_support)
                .map(|(&other, &c)| {
                    let norm = own * f64::from(self.support[other as usize]).powf(damping);
                    (other, (f64::from(c) / norm) as f32)
                }),
        );
        let better = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if scratch.len() > keep && keep > 0 {
            scratch.select_nth_unstable_by(keep - 1, better);
        }
        scratch.truncate(keep);
        scratch.sort_unstable_by(better);
        let mut list = Vec::with_capacity(scratch.len());
        list.extend_from_slice(scratch);
        list
    }

    /// Whether any item awaits [`refresh`](Self::refresh) (tests).
    #[cfg(test)]
    pub(crate) fn is_fresh(&self) -> bool {
        self.dirty_list.is_empty()
    }
}
