//! Sales lines grouped by order with a counting sort on the dense order key: reports that
//! count distinct orders per channel, store or category, or look at whole baskets, walk
//! one order at a time in `O(lines + orders)` without hashing or a comparison sort.

use crate::analytics::{Dataset, Sale};

/// The indices of the selected lines, grouped by order (orders in ascending key order,
/// lines of one order in input order).
pub(crate) struct ByOrder {
    starts: Vec<u32>,
    lines: Vec<u32>,
}

impl ByOrder {
    /// Groups the lines `keep` selects. Lines are `u32`-indexed: a dataset holds fewer
    /// than four billion lines.
    pub(crate) fn build(ds: &Dataset, keep: impl Fn(&Sale) -> bool) -> Self {
        let mut starts: Vec<u32> = Vec::new();
        let mut selected = 0u32;
        for s in ds.sales.iter().filter(|s| keep(s)) {
            let o = s.order as usize + 1;
            if o >= starts.len() {
                starts.resize(o + 1, 0);
            }
            starts[o] += 1;
            selected += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut lines = vec![0u32; selected as usize];
        for (i, s) in ds.sales.iter().enumerate() {
            if keep(s) {
                let slot = &mut next[s.order as usize];
                lines[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        Self { starts, lines }
    }

    /// Each non-empty order's line indices.
    pub(crate) fn orders(&self) -> impl Iterator<Item = &[u32]> {
        self.starts
            .windows(2)
            .map(|w| &self.lines[w[0] as usize..w[1] as usize])
            .filter(|l| !l.is_empty())
    }
}
