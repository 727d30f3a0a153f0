//! Stock keeping units as inventory sees them: until the catalog context exists a SKU is a
//! checked code, unique per tenant, so feeds and channels cannot smuggle in free text.

use serde::{Deserialize, Serialize};

/// A SKU code: 1–64 characters of `[A-Za-z0-9._-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "SKU-000123"))]
pub struct Sku(String);

/// Why a SKU code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a SKU is 1–64 letters, digits, dots, dashes or underscores")]
pub struct InvalidSku;

impl Sku {
    /// Parses a SKU code.
    pub fn parse(raw: &str) -> Result<Sku, InvalidSku> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Sku(raw.to_owned()))
        } else {
            Err(InvalidSku)
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sku {
    type Error = InvalidSku;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Sku::parse(&s)
    }
}

impl From<Sku> for String {
    fn from(s: Sku) -> String {
        s.0
    }
}

impl std::fmt::Display for Sku {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Sku {
    type Err = InvalidSku;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sku::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked() {
        assert!(Sku::parse("SKU-000001").is_ok());
        assert!(Sku::parse("a.b_c-9").is_ok());
        for bad in ["", "has space", "юникод", &"x".repeat(65), "a/b"] {
            assert!(Sku::parse(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Sku>("\"bad sku\"").is_err());
    }
}
