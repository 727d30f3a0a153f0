//! RFM: recency, frequency and monetary value per customer, scored 1–5 against the other
//! customers and mapped to named segments marketing can act on.

use serde::Serialize;

use super::facts::Facts;
use crate::analytics::Dataset;

/// One customer's RFM values and scores (5 = best: most recent, most orders, most value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CustomerRfm {
    pub customer: u32,
    /// Days from the last purchase to `as_of` (0: bought on the `as_of` day).
    pub recency_days: u32,
    /// Distinct orders.
    pub frequency: u32,
    /// Net value, returns deducted, in minor units.
    pub monetary_minor: i64,
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub segment: RfmSegment,
}

/// A named RFM segment. The rule reads recency and frequency scores only (value is what a
/// segment is *worth*, reported per segment, not what it is *for*); the first matching row
/// wins and every (R, F) pair has exactly one segment:
///
/// | segment        | R    | F    | meaning                                  |
/// |----------------|------|------|------------------------------------------|
/// | Champions      | 4–5  | 4–5  | buy often and lately                     |
/// | Loyal          | 3–5  | 3–5  | regular, reasonably recent               |
/// | Promising      | 4–5  | 2    | recent, second order                     |
/// | New            | 4–5  | 1    | recent, fewest orders                    |
/// | NeedAttention  | 3    | 1–2  | middling recency, few orders             |
/// | AtRisk         | 1–2  | 3–5  | used to buy often, not lately            |
/// | AboutToSleep   | 2    | 1–2  | fading                                   |
/// | Hibernating    | 1    | 2    | long gone after a couple of orders       |
/// | Lost           | 1    | 1    | one order long ago                       |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RfmSegment {
    Champions,
    Loyal,
    Promising,
    New,
    NeedAttention,
    AtRisk,
    AboutToSleep,
    Hibernating,
    Lost,
}

impl RfmSegment {
    /// Every segment, best first (the order of [`RfmReport::segments`]).
    pub const ALL: [RfmSegment; 9] = [
        RfmSegment::Champions,
        RfmSegment::Loyal,
        RfmSegment::Promising,
        RfmSegment::New,
        RfmSegment::NeedAttention,
        RfmSegment::AtRisk,
        RfmSegment::AboutToSleep,
        RfmSegment::Hibernating,
        RfmSegment::Lost,
    ];

    /// The segment of a recency score `r` and a frequency score `f` (both 1–5), by the
    /// table in the type's documentation.
    pub fn of(r: u8, f: u8) -> Self {
        match (r, f) {
            (4.., 4..) => RfmSegment::Champions,
            (3.., 3..) => RfmSegment::Loyal,
            (4.., 2) => RfmSegment::Promising,
            (4.., _) => RfmSegment::New,
            (3, _) => RfmSegment::NeedAttention,
            (_, 3..) => RfmSegment::AtRisk,
            (2, _) => RfmSegment::AboutToSleep,
            (_, 2..) => RfmSegment::Hibernating,
            _ => RfmSegment::Lost,
        }
    }

    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            RfmSegment::Champions => "champions",
            RfmSegment::Loyal => "loyal",
            RfmSegment::Promising => "promising",
            RfmSegment::New => "new",
            RfmSegment::NeedAttention => "need_attention",
            RfmSegment::AtRisk => "at_risk",
            RfmSegment::AboutToSleep => "about_to_sleep",
            RfmSegment::Hibernating => "hibernating",
            RfmSegment::Lost => "lost",
        }
    }
}

/// How many customers a segment holds and what they are worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SegmentStats {
    pub segment: RfmSegment,
    pub customers: u64,
    /// Sum of the members' net value.
    pub value_minor: i64,
}

impl SegmentStats {
    /// Average net value per member, rounded to the minor unit.
    pub fn average_minor(&self) -> i64 {
        super::average_minor(self.value_minor, self.customers)
    }
}

/// RFM of every customer who bought up to `as_of_day`, and the segment totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RfmReport {
    pub as_of_day: u32,
    /// By ascending customer key.
    pub customers: Vec<CustomerRfm>,
    /// One row per segment, in [`RfmSegment::ALL`] order (empty segments included).
    pub segments: Vec<SegmentStats>,
}

/// RFM at `as_of_day` (later lines are ignored).
pub fn rfm(ds: &Dataset, as_of_day: u32) -> RfmReport {
    rfm_from(&Facts::compute(ds, as_of_day, 0))
}

/// Scores are quintiles by rank with ties kept together:
/// `score = 1 + ⌊5 · (customers strictly worse) / (customers)⌋`. With distinct values each
/// score holds a fifth of the customers; tied values (the many one-order customers) share
/// one score instead of being split arbitrarily, so a score never depends on input order.
pub(crate) fn rfm_from(facts: &Facts) -> RfmReport {
    let as_of = facts.as_of_day;
    let mut recency: Vec<u32> = Vec::new();
    let mut frequency: Vec<u32> = Vec::new();
    let mut monetary: Vec<i64> = Vec::new();
    for (_, f) in facts.buyers() {
        recency.push(as_of - f.last_day);
        frequency.push(f.orders);
        monetary.push(f.net_minor);
    }
    recency.sort_unstable();
    frequency.sort_unstable();
    monetary.sort_unstable();
    let n = recency.len() as u64;
    let score = |worse: usize| (1 + 5 * worse as u64 / n) as u8;

    let mut customers = Vec::with_capacity(recency.len());
    let mut segments: Vec<SegmentStats> = RfmSegment::ALL
        .iter()
        .map(|&segment| SegmentStats {
            segment,
            customers: 0,
            value_minor: 0,
        })
        .collect();
    for (customer, f) in facts.buyers() {
        let recency_days = as_of - f.last_day;
        // Worse recency is a larger number of days; worse F and M are smaller numbers.
        let r = score(recency.len() - recency.partition_point(|&x| x <= recency_days));
        let fs = score(frequency.partition_point(|&x| x < f.orders));
        let m = score(monetary.partition_point(|&x| x < f.net_minor));
        let segment = RfmSegment::of(r, fs);
        let stats = &mut segments[segment as usize];
        stats.customers += 1;
        stats.value_minor += f.net_minor;
        customers.push(CustomerRfm {
            customer,
            recency_days,
            frequency: f.orders,
            monetary_minor: f.net_minor,
            r,
            f: fs,
            m,
            segment,
        });
    }
    RfmReport {
        as_of_day: as_of,
        customers,
        segments,
    }
}
