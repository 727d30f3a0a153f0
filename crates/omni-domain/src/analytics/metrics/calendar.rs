//! Calendar months from day numbers, computed with integer arithmetic so the hot passes
//! need neither chrono nor a lookup table.

use std::fmt;

use serde::Serialize;

/// Months since 1970-01 of a day since 1970-01-01 (proleptic Gregorian calendar, UTC).
/// Cohorts are monthly, and this is called once per sales line, so it is Howard Hinnant's
/// `civil_from_days` reduced to the month: a handful of integer operations.
pub fn month_index(day: u32) -> u32 {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    ((year - 1970) * 12 + month - 1) as u32
}

/// A calendar month (months since 1970-01), the key of a cohort; displays as `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Month(pub u32);

impl Month {
    /// The month a day falls in.
    pub fn of_day(day: u32) -> Self {
        Self(month_index(day))
    }

    /// The calendar year.
    pub fn year(self) -> u32 {
        1970 + self.0 / 12
    }

    /// The month of the year, 1–12.
    pub fn month(self) -> u32 {
        self.0 % 12 + 1
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}
