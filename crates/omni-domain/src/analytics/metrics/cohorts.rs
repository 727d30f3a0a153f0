//! Cohort retention by first channel: do customers won in the store come back as often as
//! those won online? Cohorts are (month of first purchase, channel of first order).

use omni_kernel::Channel;
use serde::Serialize;

use super::calendar::{Month, month_index};
use super::facts::Facts;
use crate::analytics::Dataset;

/// The furthest month after the first a cohort can report (bit 63 of the month mask folds
/// "63 or more months later").
pub const MAX_MONTHS_AFTER: u32 = 62;

/// One cohort and how many of its customers bought in each later month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cohort {
    pub month: Month,
    pub channel: Channel,
    pub customers: u64,
    /// `returning[k − 1]`: customers with a purchase in calendar month `month + k`,
    /// k = 1..=N; `None` when that month starts after `as_of` (not observed yet). The
    /// month containing `as_of` is counted to date.
    pub returning: Vec<Option<u64>>,
}

impl Cohort {
    /// Share of the cohort buying in month `+k` (k ≥ 1), if observed.
    pub fn retention(&self, k: u32) -> Option<f64> {
        let returning = (*self.returning.get(k.checked_sub(1)? as usize)?)?;
        Some(returning as f64 / self.customers as f64)
    }
}

/// Every non-empty cohort up to `as_of`, by month then channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortReport {
    pub as_of_day: u32,
    pub months_after: u32,
    pub cohorts: Vec<Cohort>,
}

/// Cohort retention at `as_of_day` for months `+1..=+months_after` (at most
/// [`MAX_MONTHS_AFTER`]).
pub fn cohorts(ds: &Dataset, as_of_day: u32, months_after: u32) -> CohortReport {
    cohorts_from(&Facts::compute(ds, as_of_day, 0), months_after)
}

pub(crate) fn cohorts_from(facts: &Facts, months_after: u32) -> CohortReport {
    let n = months_after.min(MAX_MONTHS_AFTER) as usize;
    let as_of_month = month_index(facts.as_of_day);
    let first = facts
        .buyers()
        .map(|(_, f)| month_index(f.first_day))
        .min()
        .unwrap_or(as_of_month);
    let span = (as_of_month - first + 1) as usize;
    // counts[(month − first) · 8 + channel] = [cohort size, returning at +1, …, +N].
    let mut counts = vec![0u64; span * 8 * (n + 1)];
    for (_, f) in facts.buyers() {
        let cell = (month_index(f.first_day) - first) as usize * 8 + usize::from(f.first_channel);
        let row = &mut counts[cell * (n + 1)..(cell + 1) * (n + 1)];
        row[0] += 1;
        for (k, slot) in row.iter_mut().enumerate().skip(1) {
            *slot += (f.month_mask >> k) & 1;
        }
    }
    let cohorts = counts
        .chunks_exact(n + 1)
        .enumerate()
        .filter(|(_, row)| row[0] > 0)
        .map(|(cell, row)| {
            let month = first + (cell / 8) as u32;
            Cohort {
                month: Month(month),
                channel: Channel::ALL[cell % 8],
                customers: row[0],
                returning: (1..=n)
                    .map(|k| (month + k as u32 <= as_of_month).then_some(row[k]))
                    .collect(),
            }
        })
        .collect();
    CohortReport {
        as_of_day: facts.as_of_day,
        months_after: n as u32,
        cohorts,
    }
}
