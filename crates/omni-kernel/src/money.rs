//! Money as integer minor units with an ISO 4217 currency — never a float.
//!
//! Amounts are `i64` minor units (kopecks, tiyn); arithmetic is checked so an overflow is an
//! error rather than a wrapped price, and mixing currencies is refused. Percentages are given
//! in basis points and rounded half away from zero, the way a receipt rounds.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a money operation or currency code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not a supported ISO 4217 currency code")]
    UnknownCurrency(String),
    #[error("cannot combine {0} and {1} amounts")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount is out of range")]
    Overflow,
}

/// ISO 4217 currencies the platform trades in, with their minor-unit exponent.
/// A closed list, so an unknown code is rejected at the edge instead of mis-scaled later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Currency {
    Rub,
    Kzt,
    Byn,
    Uzs,
    Amd,
    Usd,
    Eur,
    Cny,
    Jpy,
    Kwd,
}

const CURRENCIES: [(Currency, &str, u8); 10] = [
    (Currency::Rub, "RUB", 2),
    (Currency::Kzt, "KZT", 2),
    (Currency::Byn, "BYN", 2),
    (Currency::Uzs, "UZS", 2),
    (Currency::Amd, "AMD", 2),
    (Currency::Usd, "USD", 2),
    (Currency::Eur, "EUR", 2),
    (Currency::Cny, "CNY", 2),
    (Currency::Jpy, "JPY", 0),
    (Currency::Kwd, "KWD", 3),
];

impl Currency {
    /// The three-letter ISO 4217 code.
    pub fn code(self) -> &'static str {
        CURRENCIES[self as usize].1
    }

    /// Number of decimal digits in the minor unit (2 for RUB, 0 for JPY, 3 for KWD).
    pub fn exponent(self) -> u8 {
        CURRENCIES[self as usize].2
    }

    /// Parses an ISO 4217 code, case-insensitively.
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        CURRENCIES
            .iter()
            .find(|(_, c, _)| c.eq_ignore_ascii_case(code))
            .map(|(cur, _, _)| *cur)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for &'static str {
    fn from(c: Currency) -> Self {
        c.code()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount of money: integer minor units plus currency. Serialised as
/// `{"amount": 129900, "currency": "RUB"}` — 1 299.00 ₽.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// Minor units (kopecks for RUB); negative for refunds and discounts.
    amount: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "RUB"))]
    currency: Currency,
}

impl Money {
    /// Money from minor units.
    pub const fn from_minor(amount: i64, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// Zero in a currency: the identity for sums.
    pub const fn zero(currency: Currency) -> Self {
        Self::from_minor(0, currency)
    }

    /// The amount in minor units.
    pub const fn minor(&self) -> i64 {
        self.amount
    }

    /// The currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(&self) -> bool {
        self.amount < 0
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    /// Sum of two amounts of the same currency.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(amount, self.currency))
    }

    /// Difference of two amounts of the same currency.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(amount, self.currency))
    }

    /// Unit price times a quantity (a line total).
    pub fn checked_mul(self, quantity: i64) -> Result<Money, MoneyError> {
        let amount = self
            .amount
            .checked_mul(quantity)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(amount, self.currency))
    }

    /// A share of this amount in basis points (1 % = 100 bp), rounded half away from zero.
    pub fn percent_bp(self, basis_points: i64) -> Result<Money, MoneyError> {
        let product = i128::from(self.amount) * i128::from(basis_points);
        let rounded = div_round_half_away(product, 10_000);
        let amount = i64::try_from(rounded).map_err(|_| MoneyError::Overflow)?;
        Ok(Money::from_minor(amount, self.currency))
    }

    /// Splits the amount over `weights` so the parts add up exactly to the whole
    /// (largest-remainder method) — how a cart discount is spread over its lines.
    pub fn allocate(self, weights: &[u64]) -> Result<Vec<Money>, MoneyError> {
        Ok(allocate_minor(self.amount, weights)?
            .into_iter()
            .map(|a| Money::from_minor(a, self.currency))
            .collect())
    }
}

/// Splits `amount` minor units over `weights` so the parts add up exactly to the whole
/// (largest-remainder method); all-zero weights give all-zero parts.
pub fn allocate_minor(amount: i64, weights: &[u64]) -> Result<Vec<i64>, MoneyError> {
    let total: u128 = weights.iter().map(|w| u128::from(*w)).sum();
    if total == 0 {
        return Ok(vec![0; weights.len()]);
    }
    let whole = i128::from(amount);
    let mut parts: Vec<i128> = weights
        .iter()
        .map(|w| whole * i128::from(*w) / total as i128)
        .collect();
    let mut left = whole - parts.iter().sum::<i128>();
    let step = left.signum();
    let mut i = 0;
    while left != 0 {
        if weights[i % weights.len()] > 0 {
            parts[i % weights.len()] += step;
            left -= step;
        }
        i += 1;
    }
    parts
        .into_iter()
        .map(|p| i64::try_from(p).map_err(|_| MoneyError::Overflow))
        .collect()
}

fn div_round_half_away(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d { q + n.signum() } else { q }
}

impl fmt::Display for Money {
    /// `1299.00 RUB`: the major units with the currency's exponent, for logs and receipts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exp = u32::from(self.currency.exponent());
        if exp == 0 {
            return write!(f, "{} {}", self.amount, self.currency);
        }
        let scale = 10i64.pow(exp);
        let sign = if self.amount < 0 { "-" } else { "" };
        let abs = self.amount.unsigned_abs();
        let (major, minor) = (abs / scale as u64, abs % scale as u64);
        write!(
            f,
            "{sign}{major}.{minor:0width$} {}",
            self.currency,
            width = exp as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn currency_codes_parse_case_insensitively_and_unknown_is_refused() {
        assert_eq!(Currency::parse("rub"), Ok(Currency::Rub));
        assert_eq!(Currency::parse("KZT").map(Currency::exponent), Ok(2));
        assert_eq!(Currency::Jpy.exponent(), 0);
        assert_eq!(Currency::Kwd.exponent(), 3);
        assert!(matches!(
            Currency::parse("ZZZ"),
            Err(MoneyError::UnknownCurrency(_))
        ));
    }

    #[test]
    fn money_serialises_as_minor_units_and_code() {
        let m = Money::from_minor(129_900, Currency::Rub);
        let json = serde_json::to_value(m).expect("serialize");
        assert_eq!(
            json,
            serde_json::json!({"amount": 129900, "currency": "RUB"})
        );
        let back: Money = serde_json::from_value(json).expect("parse");
        assert_eq!(back, m);
        assert!(serde_json::from_str::<Money>(r#"{"amount": 1.5, "currency": "RUB"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount": 1, "currency": "ZZZ"}"#).is_err());
    }

    #[test]
    fn mixing_currencies_is_refused() {
        let rub = Money::from_minor(100, Currency::Rub);
        let kzt = Money::from_minor(100, Currency::Kzt);
        assert_eq!(
            rub.checked_add(kzt),
            Err(MoneyError::CurrencyMismatch(Currency::Rub, Currency::Kzt))
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        let big = Money::from_minor(i64::MAX, Currency::Rub);
        assert_eq!(
            big.checked_add(Money::from_minor(1, Currency::Rub)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(big.checked_mul(2), Err(MoneyError::Overflow));
    }

    #[test]
    fn percent_rounds_half_away_from_zero() {
        let m = Money::from_minor(1_005, Currency::Rub);
        assert_eq!(m.percent_bp(5_000).map(|x| x.minor()), Ok(503)); // 502.5 -> 503
        assert_eq!(
            Money::from_minor(-1_005, Currency::Rub)
                .percent_bp(5_000)
                .map(|x| x.minor()),
            Ok(-503)
        );
        assert_eq!(m.percent_bp(1_000).map(|x| x.minor()), Ok(101)); // 100.5 -> 101
    }

    #[test]
    fn display_uses_the_currency_exponent() {
        assert_eq!(
            Money::from_minor(129_905, Currency::Rub).to_string(),
            "1299.05 RUB"
        );
        assert_eq!(
            Money::from_minor(-5, Currency::Rub).to_string(),
            "-0.05 RUB"
        );
        assert_eq!(
            Money::from_minor(1500, Currency::Jpy).to_string(),
            "1500 JPY"
        );
        assert_eq!(
            Money::from_minor(1_500, Currency::Kwd).to_string(),
            "1.500 KWD"
        );
    }

    proptest! {
        #[test]
        fn allocation_always_adds_up_to_the_whole(
            amount in -10_000_000i64..10_000_000,
            weights in proptest::collection::vec(0u64..10_000, 1..20),
        ) {
            let m = Money::from_minor(amount, Currency::Rub);
            let parts = m.allocate(&weights).expect("allocate");
            prop_assert_eq!(parts.len(), weights.len());
            let sum: i64 = parts.iter().map(Money::minor).sum();
            if weights.iter().any(|w| *w > 0) {
                prop_assert_eq!(sum, amount);
            }
            for (p, w) in parts.iter().zip(&weights) {
                if *w == 0 { prop_assert_eq!(p.minor(), 0); }
            }
        }

        #[test]
        fn add_then_sub_is_identity(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000) {
            let x = Money::from_minor(a, Currency::Kzt);
            let y = Money::from_minor(b, Currency::Kzt);
            prop_assert_eq!(x.checked_add(y).and_then(|s| s.checked_sub(y)), Ok(x));
        }
    }
}
