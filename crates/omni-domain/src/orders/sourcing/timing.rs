//! Sourcing time: when a candidate opens, picks and hands over, as Unix seconds. Per-call
//! memos ([`Clocks`]) keep time-zone and opening-hours work out of the engine's hot loop.

use chrono::{Duration, NaiveDate, TimeZone};
use chrono_tz::Tz;
use omni_kernel::Timestamp;

use super::Candidate;
use crate::network::OpeningHours;
use crate::orders::delivery::local_instant;

/// Seconds on the road at `kmh`.
pub(super) fn transit(km: f64, kmh: u32) -> i64 {
    (km / f64::from(kmh.max(1)) * 3600.0).ceil() as i64
}

/// Unix seconds, rounded up so a computed time is never before the instant it came from.
pub(super) fn secs(t: Timestamp) -> i64 {
    t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
}

pub(super) fn instant(secs: i64) -> Timestamp {
    Timestamp::from_timestamp(secs, 0).unwrap_or_default()
}

pub(super) fn local_date(tz: Tz, at: Timestamp) -> NaiveDate {
    tz.from_utc_datetime(&at.naive_utc()).date_naive()
}

/// Per-call memo of time-zone work: candidates share a handful of zones and weekly
/// schedules, so each distinct one is converted once. Times are Unix seconds.
pub(super) struct Clocks<'a> {
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
    pub(super) fn new(now: Timestamp) -> Self {
        Self {
            now,
            midnights: Vec::new(),
            openings: Vec::new(),
            last: 0,
            pickup_slots: Vec::new(),
        }
    }

    /// Start of the day after `now` in `tz`.
    pub(super) fn tomorrow(&mut self, tz: Tz) -> i64 {
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
    pub(super) fn opens(&mut self, tz: Tz, hours: &'a OpeningHours) -> Option<i64> {
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
    pub(super) fn pickup_ready(&mut self, store: &Candidate, at: i64) -> Option<i64> {
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
