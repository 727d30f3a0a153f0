//! Weekly opening hours in a location's local time, and the "is it open now" question asked
//! in UTC (a store in Novosibirsk and one in Kaliningrad answer differently at 09:00 UTC).

use chrono::{Datelike, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;
use omni_kernel::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Violations;

/// Days of the week, Monday first as in ISO 8601.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    /// All days, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    fn from_chrono(d: chrono::Weekday) -> Self {
        Weekday::ALL[d.num_days_from_monday() as usize]
    }

    fn previous(self) -> Self {
        Weekday::ALL[(self as usize + 6) % 7]
    }
}

/// An `HH:MM`–`HH:MM` interval; a close at or before the open means it runs past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeRange {
    /// Opening time, `HH:MM`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "10:00"))]
    pub open: String24,
    /// Closing time, `HH:MM`; `24:00` is midnight at the end of the day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "22:00"))]
    pub close: String24,
}

/// Minutes since local midnight, parsed from and printed as `HH:MM` (00:00–24:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct String24(u16);

impl String24 {
    /// Parses `HH:MM` between 00:00 and 24:00.
    pub fn parse(s: &str) -> Option<Self> {
        let (h, m) = s.split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        let total = h * 60 + m;
        (m < 60 && total <= 24 * 60).then_some(Self(total))
    }

    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl TryFrom<String> for String24 {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s).ok_or_else(|| format!("`{s}` is not a time of day as HH:MM"))
    }
}

impl From<String24> for String {
    fn from(t: String24) -> Self {
        format!("{:02}:{:02}", t.0 / 60, t.0 % 60)
    }
}

/// The intervals a location is open on one weekday (empty: closed).
pub type DayHours = Vec<TimeRange>;

/// A week of opening hours. A day missing from the map is a closed day.
/// Serialised as `{"mon": [{"open": "10:00", "close": "22:00"}], …}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Week", into = "Week")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = Week))]
pub struct OpeningHours(pub std::collections::BTreeMap<Weekday, DayHours>);

/// The wire form of a week: one optional field per day, so a bad entry is reported at its
/// path (`opening_hours.mon[0].open`) and an unknown day is refused.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Week {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mon: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tue: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wed: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    thu: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fri: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sat: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sun: Option<DayHours>,
}

impl From<Week> for OpeningHours {
    fn from(w: Week) -> Self {
        let days = [w.mon, w.tue, w.wed, w.thu, w.fri, w.sat, w.sun];
        Self(
            Weekday::ALL
                .into_iter()
                .zip(days)
                .filter_map(|(d, h)| h.map(|h| (d, h)))
                .collect(),
        )
    }
}

impl From<OpeningHours> for Week {
    fn from(mut h: OpeningHours) -> Self {
        let mut take = |d| h.0.remove(&d);
        Week {
            mon: take(Weekday::Mon),
            tue: take(Weekday::Tue),
            wed: take(Weekday::Wed),
            thu: take(Weekday::Thu),
            fri: take(Weekday::Fri),
            sat: take(Weekday::Sat),
            sun: take(Weekday::Sun),
        }
    }
}

impl PartialOrd for Weekday {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Weekday {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

impl OpeningHours {
    /// The same hours every day of the week (typical for a mall store).
    pub fn every_day(open: &str, close: &str) -> Self {
        let range = TimeRange {
            open: String24::parse(open).unwrap_or(String24(0)),
            close: String24::parse(close).unwrap_or(String24(24 * 60)),
        };
        Self(Weekday::ALL.iter().map(|d| (*d, vec![range])).collect())
    }

    /// Open around the clock (warehouses, parcel lockers).
    pub fn always() -> Self {
        Self::every_day("00:00", "24:00")
    }

    /// Reports intervals that are empty (open equals close is read as "24 h" only for 00:00–00:00).
    pub fn validate(&self, field: &str, v: &mut Violations) {
        for (day, ranges) in &self.0 {
            for (i, r) in ranges.iter().enumerate() {
                if r.open == r.close && r.open.0 != 0 {
                    let path = format!("{field}.{}[{i}]", serde_name(*day));
                    v.push(path, "invalid", "opening and closing times are equal");
                }
            }
        }
    }

    /// The day's opening hours at instant `at` in the location's zone as text
    /// (`10:00–22:00`, ranges joined by `, `); `None` when closed that day. For answers to
    /// "when are you open" in any channel.
    pub fn today_text(&self, tz: Tz, at: Timestamp) -> Option<String> {
        let local = tz.from_utc_datetime(&at.naive_utc());
        let ranges = self.0.get(&Weekday::from_chrono(local.weekday()))?;
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        let text: Vec<String> = ranges
            .iter()
            .map(|r| format!("{}–{}", hm(r.open.minutes()), hm(r.close.minutes())))
            .collect();
        (!text.is_empty()).then(|| text.join(", "))
    }

    /// Whether the location is open at instant `at`, read in its time zone `tz`.
    pub fn is_open_at(&self, tz: Tz, at: Timestamp) -> bool {
        let local = tz.from_utc_datetime(&at.naive_utc());
        let day = Weekday::from_chrono(local.weekday());
        let minute = (local.time().num_seconds_from_midnight() / 60) as u16;
        let today = self
            .0
            .get(&day)
            .into_iter()
            .flatten()
            .any(|r| r.covers_same_day(minute));
        let from_yesterday = self
            .0
            .get(&day.previous())
            .into_iter()
            .flatten()
            .any(|r| r.covers_after_midnight(minute));
        today || from_yesterday
    }

    /// The first instant at or after `at` when the location is open, looking up to 8 days
    /// ahead; `None` for a location that is never open. Sourcing uses it for "ready at".
    pub fn next_open_at(&self, tz: Tz, at: Timestamp) -> Option<Timestamp> {
        if self.is_open_at(tz, at) {
            return Some(at);
        }
        let today = tz.from_utc_datetime(&at.naive_utc()).date_naive();
        for date in today.iter_days().take(9) {
            let day = Weekday::from_chrono(date.weekday());
            let opens = self.0.get(&day).into_iter().flatten().filter_map(|r| {
                let local =
                    date.and_time(NaiveTime::MIN) + chrono::Duration::minutes(i64::from(r.open.0));
                // An opening inside a DST gap happens when the clocks have jumped forward.
                let t = tz.from_local_datetime(&local).earliest().or_else(|| {
                    tz.from_local_datetime(&(local + chrono::Duration::hours(1)))
                        .earliest()
                })?;
                let t = t.with_timezone(&chrono::Utc);
                (t >= at && self.is_open_at(tz, t)).then_some(t)
            });
            if let Some(first) = opens.min() {
                return Some(first);
            }
        }
        None
    }
}

impl TimeRange {
    fn overnight(&self) -> bool {
        self.close <= self.open && !(self.open.0 == 0 && self.close.0 == 0)
    }

    fn covers_same_day(&self, minute: u16) -> bool {
        if self.open.0 == 0 && self.close.0 == 0 {
            return true;
        }
        if self.overnight() {
            minute >= self.open.0
        } else {
            minute >= self.open.0 && minute < self.close.0
        }
    }

    fn covers_after_midnight(&self, minute: u16) -> bool {
        self.overnight() && minute < self.close.0
    }
}

fn serde_name(d: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][d as usize]
}

/// Local wall-clock time at a location, for display ("opens at 10:00 local time").
pub fn local_time(tz: Tz, at: Timestamp) -> NaiveTime {
    tz.from_utc_datetime(&at.naive_utc()).time()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(h: u32, m: u32) -> Timestamp {
        // 2026-11-23 is a Monday.
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn open_hours_are_read_in_the_location_time_zone() {
        let hours = OpeningHours::every_day("10:00", "22:00");
        // 06:30 UTC is 09:30 in Moscow (closed) but 13:30 in Novosibirsk (open).
        assert!(!hours.is_open_at(chrono_tz::Europe::Moscow, at(6, 30)));
        assert!(hours.is_open_at(chrono_tz::Asia::Novosibirsk, at(6, 30)));
        // 19:00 UTC is 22:00 in Moscow: the store has just closed.
        assert!(!hours.is_open_at(chrono_tz::Europe::Moscow, at(19, 0)));
    }

    #[test]
    fn overnight_ranges_span_midnight() {
        let mut hours = OpeningHours::default();
        let r = TimeRange {
            open: String24::parse("20:00").expect("t"),
            close: String24::parse("04:00").expect("t"),
        };
        hours.0.insert(Weekday::Sun, vec![r]);
        // Monday 02:00 UTC = Monday 02:00 in UTC zone, covered by Sunday's overnight shift.
        assert!(hours.is_open_at(chrono_tz::UTC, at(2, 0)));
        assert!(!hours.is_open_at(chrono_tz::UTC, at(5, 0)));
    }

    #[test]
    fn always_open_covers_every_minute() {
        let hours = OpeningHours::always();
        for h in 0..24 {
            assert!(hours.is_open_at(chrono_tz::Asia::Almaty, at(h, 59)));
        }
    }

    #[test]
    fn next_open_at_finds_the_coming_opening_in_local_time() {
        let hours = OpeningHours::every_day("10:00", "22:00");
        let msk = chrono_tz::Europe::Moscow;
        // Open: the instant itself.
        assert_eq!(hours.next_open_at(msk, at(12, 0)), Some(at(12, 0)));
        // 05:00 UTC = 08:00 Moscow: opens at 10:00 Moscow = 07:00 UTC the same day.
        assert_eq!(hours.next_open_at(msk, at(5, 0)), Some(at(7, 0)));
        // 20:00 UTC = 23:00 Moscow: the next morning.
        let tomorrow = at(7, 0) + chrono::Duration::days(1);
        assert_eq!(hours.next_open_at(msk, at(20, 0)), Some(tomorrow));
        // Closed on Mondays (2026-11-23 is one) and Tuesdays: Wednesday 10:00.
        let mut weekdays = hours.clone();
        weekdays.0.remove(&Weekday::Mon);
        weekdays.0.remove(&Weekday::Tue);
        let wednesday = at(7, 0) + chrono::Duration::days(2);
        assert_eq!(weekdays.next_open_at(msk, at(12, 0)), Some(wednesday));
        assert_eq!(OpeningHours::default().next_open_at(msk, at(12, 0)), None);
        assert_eq!(
            OpeningHours::always().next_open_at(msk, at(3, 17)),
            Some(at(3, 17))
        );
    }

    #[test]
    fn times_parse_strictly() {
        assert!(String24::parse("24:00").is_some());
        assert!(String24::parse("24:01").is_none());
        assert!(String24::parse("9:00").is_none());
        assert!(String24::parse("09:60").is_none());
        let json = r#"{"mon":[{"open":"10:00","close":"22:00"}]}"#;
        let h: OpeningHours = serde_json::from_str(json).expect("parse");
        assert_eq!(serde_json::to_string(&h).expect("ser"), json);
        assert!(
            serde_json::from_str::<OpeningHours>(r#"{"mon":[{"open":"25:00","close":"22:00"}]}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<OpeningHours>(r#"{"funday":[]}"#).is_err());
    }
}
