//! Birthdays: when a customer's birthday falls (in their own time zone, Feb 29 on Feb 28 in
//! common years), the month-day key the store indexes so a producer finds today's birthdays
//! without scanning every profile, and the validation of a birth date a client sends.

use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;
use omni_kernel::Timestamp;

use crate::Violations;

/// The earliest birth year accepted (older dates are typing mistakes, not customers).
pub const MIN_BIRTH_YEAR: i32 = 1900;

/// The indexed month-day key of a date: `month * 100 + day` (Feb 29 → 229).
pub fn month_day(date: NaiveDate) -> i64 {
    i64::from(date.month() * 100 + date.day())
}

/// The day a birthday is celebrated in `year`: the same month and day, except that Feb 29
/// falls on Feb 28 in common years (so leap-day customers get their gift every year).
pub fn celebrated_on(birth: NaiveDate, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28).filter(|_| is_leap_day(birth)))
}

fn is_leap_day(d: NaiveDate) -> bool {
    d.month() == 2 && d.day() == 29
}

/// The customer's local date at `now` in their time zone.
pub fn local_date(tz: Tz, now: Timestamp) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// The year whose birthday it is for this customer at `now`, if their local date today is
/// their birthday (the year keys "once per customer per year").
pub fn birthday_year(birth: NaiveDate, tz: Tz, now: Timestamp) -> Option<i32> {
    let today = local_date(tz, now);
    (celebrated_on(birth, today.year()) == Some(today)).then_some(today.year())
}

/// One local date some customer may be living at `now` (time zones span UTC−12 to UTC+14,
/// so the UTC date ± 1 day covers them all) and the month-day keys whose birthdays fall on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateDay {
    pub date: NaiveDate,
    /// Keys to look up: the date's own, plus 229 on Feb 28 of a common year.
    pub keys: Vec<i64>,
}

/// The candidate days at `now`: yesterday, today and tomorrow in UTC with their keys. The
/// producer reads the customers of each day's keys and keeps those whose local date is it.
pub fn candidate_days(now: Timestamp) -> Vec<CandidateDay> {
    let utc = now.date_naive();
    [utc - Duration::days(1), utc, utc + Duration::days(1)]
        .into_iter()
        .map(|date| {
            let mut keys = vec![month_day(date)];
            let common_feb_28 = date.month() == 2
                && date.day() == 28
                && NaiveDate::from_ymd_opt(date.year(), 2, 29).is_none();
            if common_feb_28 {
                keys.push(229);
            }
            CandidateDay { date, keys }
        })
        .collect()
}

/// Checks a birth date a client sends: not after the customer's local today, not before
/// 1900. Violations name `field`.
pub fn check_birth_date(field: &str, birth: NaiveDate, tz: Tz, now: Timestamp, v: &mut Violations) {
    if birth > local_date(tz, now) {
        v.push(field, "invalid", "a birth date cannot be in the future");
    } else if birth.year() < MIN_BIRTH_YEAR {
        v.push(field, "invalid", "a birth date is in 1900 or later");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn at(y: i32, m: u32, day: u32, h: u32) -> Timestamp {
        Utc.with_ymd_and_hms(y, m, day, h, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn a_leap_day_birthday_is_celebrated_on_feb_28_in_common_years() {
        let leap = d(1992, 2, 29);
        assert_eq!(celebrated_on(leap, 2027), Some(d(2027, 2, 28)));
        assert_eq!(celebrated_on(leap, 2028), Some(d(2028, 2, 29)));
        assert_eq!(celebrated_on(d(1990, 2, 28), 2028), Some(d(2028, 2, 28)));
        let moscow = chrono_tz::Europe::Moscow;
        assert_eq!(birthday_year(leap, moscow, at(2027, 2, 28, 12)), Some(2027));
        assert_eq!(birthday_year(leap, moscow, at(2028, 2, 28, 12)), None);
        assert_eq!(birthday_year(leap, moscow, at(2028, 2, 29, 12)), Some(2028));
        assert_eq!(birthday_year(leap, moscow, at(2027, 3, 1, 12)), None);
    }

    #[test]
    fn the_birthday_is_the_customers_local_date() {
        let birth = d(1985, 6, 15);
        // 22:00 UTC on June 14 is already June 15 in Moscow, still June 14 in New York.
        let now = at(2026, 6, 14, 22);
        assert_eq!(
            birthday_year(birth, chrono_tz::Europe::Moscow, now),
            Some(2026)
        );
        assert_eq!(
            birthday_year(birth, chrono_tz::America::New_York, now),
            None
        );
        assert_eq!(
            birthday_year(birth, chrono_tz::America::New_York, at(2026, 6, 15, 22)),
            Some(2026)
        );
    }

    #[test]
    fn candidates_cover_every_time_zone_and_the_leap_day() {
        let days = candidate_days(at(2027, 2, 28, 12));
        let keys: Vec<_> = days.iter().map(|c| c.keys.clone()).collect();
        assert_eq!(keys, vec![vec![227], vec![228, 229], vec![301]]);
        let leap_year = candidate_days(at(2028, 2, 28, 12));
        assert_eq!(leap_year[1].keys, vec![228], "229 has its own day in 2028");
        assert_eq!(leap_year[2].keys, vec![229]);
        let new_year = candidate_days(at(2026, 1, 1, 0));
        assert_eq!(new_year[0].date, d(2025, 12, 31));
        for tz in [
            chrono_tz::Pacific::Kiritimati,
            chrono_tz::Pacific::Pago_Pago,
        ] {
            let local = local_date(tz, at(2026, 1, 1, 0));
            assert!(new_year.iter().any(|c| c.date == local), "{tz}");
        }
    }

    #[test]
    fn birth_dates_in_the_future_or_before_1900_are_refused() {
        let now = at(2026, 6, 14, 22);
        let moscow = chrono_tz::Europe::Moscow;
        let mut v = Violations::new();
        check_birth_date("birth_date", d(2026, 6, 15), moscow, now, &mut v);
        assert!(v.is_empty(), "today in Moscow is fine");
        check_birth_date("birth_date", d(2026, 6, 16), moscow, now, &mut v);
        check_birth_date("birth_date", d(1899, 12, 31), moscow, now, &mut v);
        assert_eq!(v.items().len(), 2);
        assert_eq!(month_day(d(1992, 2, 29)), 229);
    }
}
