//! Reports over the sales: RFM, LTV, cohorts, channel migration, sales, uplift, NPS.
//!
//! Every report is a pure function of a [`Dataset`](super::Dataset). The customer-level
//! reports (RFM, LTV, cohorts, migration) share one per-customer summary, [`CustomerFacts`],
//! built in two scans of the sales into vectors indexed by the dense customer key — no
//! sort, no hashing, no allocation per line — so [`full_run`] over ten million lines costs
//! about two passes plus an `O(customers · log customers)` scoring step.
//!
//! Conventions shared by every report:
//! - money is `i64` minor units of the dataset's currency; ratios are basis points
//!   (1 % = 100 bp) or `f64` where a fraction is the natural reading (NPS, shares);
//! - a *purchase line* has `quantity > 0`; lines with `quantity <= 0` are returns — they
//!   count in net value and units but never as an order, a visit or a channel used;
//! - all lines of one order carry the same purchase day (the day an order counts on is the
//!   day of its first purchase line met);
//! - days are days since 1970-01-01 (UTC) and every range is inclusive.

mod by_order;
mod calendar;
mod cohorts;
mod facts;
mod ltv;
mod migration;
mod nps;
mod promo;
mod report;
mod rfm;
mod sales;

#[cfg(test)]
mod tests;

pub use calendar::{Month, month_index};
pub use cohorts::{Cohort, CohortReport, cohorts};
pub use facts::{CustomerFacts, Facts};
pub use ltv::{ChannelLtv, CustomerLtv, LtvCell, LtvConfig, LtvReport, ltv};
pub use migration::{
    ChannelGroup, FirstChannelStats, GroupStats, MigrationReport, Transition, migration,
};
pub use nps::{ChannelNps, NpsReport, NpsScore, nps};
pub use promo::{CategoryUplift, PromoReport, UpliftStats, promotion_uplift};
pub use report::{Report, ReportConfig, full_run, full_run_with};
pub use rfm::{CustomerRfm, RfmReport, RfmSegment, SegmentStats, rfm};
pub use sales::{
    CategorySales, ChannelSales, SalesBreakdown, SalesTotals, StoreSales, sales_breakdown,
};

use omni_kernel::Channel;
use serde::Serialize;

/// An inclusive range of days since 1970-01-01, the period a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayRange {
    pub from: u32,
    pub to: u32,
}

impl DayRange {
    /// The days `from..=to`.
    pub fn new(from: u32, to: u32) -> Self {
        Self { from, to }
    }

    /// Every day: for reports over the whole history.
    pub fn all() -> Self {
        Self {
            from: 0,
            to: u32::MAX,
        }
    }

    /// Whether `day` falls in the range.
    pub fn contains(self, day: u32) -> bool {
        self.from <= day && day <= self.to
    }
}

/// The dense index of a channel (its position in [`Channel::ALL`]), so per-channel
/// counters are arrays rather than maps.
pub(crate) fn channel_index(c: Channel) -> usize {
    c as usize
}

/// The bit of a channel in an 8-bit set of channels.
pub(crate) fn channel_bit(c: Channel) -> u8 {
    1u8 << (c as u8)
}

/// `num / den` rounded to the nearest integer, halves away from zero; `den` must be > 0.
/// Integer rounding keeps money and basis points exact and reproducible.
pub(crate) fn div_round(num: i128, den: i128) -> i128 {
    debug_assert!(den > 0);
    if num >= 0 {
        (num + den / 2) / den
    } else {
        -((-num + den / 2) / den)
    }
}

/// `sum / count` in minor units rounded to the nearest unit (0 for an empty group).
pub(crate) fn average_minor(sum: i64, count: u64) -> i64 {
    if count == 0 {
        return 0;
    }
    div_round(i128::from(sum), i128::from(count)) as i64
}
