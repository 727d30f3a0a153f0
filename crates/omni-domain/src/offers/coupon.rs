//! Coupon codes: short, unambiguous to read aloud or type at a till (no 0/O, 1/I/L), with a
//! check character so a mistyped code is caught before any lookup.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::PromotionId;
use crate::Violations;

const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTUVWXY";
/// Random characters per code: 30^9 ≈ 2·10^13 codes, so 100 000 codes collide rarely and
/// a guessed code is almost never valid.
pub const CODE_LEN: usize = 9;

fn check_char(body: &str) -> u8 {
    let sum = body
        .bytes()
        .enumerate()
        .map(|(i, b)| (i + 1) * b as usize)
        .sum::<usize>();
    ALPHABET[sum % ALPHABET.len()]
}

/// A code from a random number: the batch prefix, the random characters and the check
/// character, e.g. `SPRING-7KQ3MX9TA4`.
pub fn coupon_code(prefix: &str, mut random: u128) -> String {
    let mut body = String::with_capacity(prefix.len() + CODE_LEN + 2);
    body.push_str(prefix);
    body.push('-');
    for _ in 0..CODE_LEN {
        body.push(ALPHABET[(random % 30) as usize] as char);
        random /= 30;
    }
    let check = check_char(&body);
    body.push(check as char);
    body
}

/// The canonical form of a typed code (upper case, no spaces), or `None` when the check
/// character does not match.
pub fn normalize_code(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    let (body, check) = code.split_at_checked(code.len().checked_sub(1)?)?;
    (body.contains('-') && check.as_bytes() == [check_char(body)]).then_some(code)
}

/// A request for a batch of coupon codes for a promotion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CouponBatchDraft {
    /// Upper-case letters and digits, 2–12 characters, e.g. `SPRING`.
    pub prefix: String,
    pub count: u32,
    /// Uses per code: 1 for single-use, more for a shared code.
    #[serde(default = "one")]
    pub uses_per_code: u32,
}

fn one() -> u32 {
    1
}

/// Most codes one batch may make.
pub const MAX_BATCH: u32 = 200_000;

impl CouponBatchDraft {
    /// Every problem with the request.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        let ok = (2..=12).contains(&self.prefix.len())
            && self
                .prefix
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !ok {
            v.push("prefix", "invalid", "2 to 12 upper-case letters or digits");
        }
        if !(1..=MAX_BATCH).contains(&self.count) {
            v.push(
                "count",
                "out_of_range",
                format!("must be between 1 and {MAX_BATCH}"),
            );
        }
        if self.uses_per_code == 0 {
            v.push("uses_per_code", "out_of_range", "must be at least 1");
        }
        v.finish(())
    }
}

/// The cart's coupon codes that are valid, by the promotion each unlocks. `lookup` says
/// which promotion a canonical code belongs to (a table on the server, the snapshot offline).
pub fn resolve_coupons(
    codes: &[String],
    lookup: impl Fn(&str) -> Option<PromotionId>,
) -> BTreeMap<PromotionId, String> {
    codes
        .iter()
        .filter_map(|raw| normalize_code(raw))
        .filter_map(|code| lookup(&code).map(|p| (p, code)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_a_typo_is_caught() {
        let code = coupon_code("SPRING", 123_456_789_012_345);
        assert_eq!(normalize_code(&code.to_lowercase()), Some(code.clone()));
        assert_eq!(normalize_code(&format!(" {code} ")), Some(code.clone()));
        let mut typo = code.clone().into_bytes();
        typo[8] = if typo[8] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            normalize_code(&String::from_utf8(typo).unwrap_or_default()),
            None
        );
        assert_eq!(normalize_code(""), None);
        assert_eq!(normalize_code("ABC"), None);
    }

    #[test]
    fn a_batch_request_is_checked() {
        let bad = CouponBatchDraft {
            prefix: "x".into(),
            count: 0,
            uses_per_code: 0,
        };
        let v = bad.validate().expect_err("invalid");
        let fields: Vec<_> = v.items().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["prefix", "count", "uses_per_code"]);
    }
}
