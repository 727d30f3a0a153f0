//! Countries and UI/content locales of a tenant.

use serde::{Deserialize, Serialize};

/// An ISO 3166-1 alpha-2 country code, upper case (`RU`, `KZ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "RU"))]
pub struct CountryCode([u8; 2]);

/// Why a country code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a two-letter ISO 3166-1 country code")]
pub struct CountryCodeError(pub String);

impl CountryCode {
    /// Parses two ASCII letters, any case.
    pub fn parse(s: &str) -> Result<Self, CountryCodeError> {
        match s.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(CountryCodeError(s.to_owned())),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl TryFrom<String> for CountryCode {
    type Error = CountryCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> Self {
        c.as_str().to_owned()
    }
}

impl std::fmt::Display for CountryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Content locales the platform ships texts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Locale {
    Ru,
    En,
    Kk,
}

impl Locale {
    /// The BCP 47 tag.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Ru => "ru",
            Locale::En => "en",
            Locale::Kk => "kk",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_normalise_to_upper_case() {
        assert_eq!(
            CountryCode::parse("ru").map(|c| c.to_string()),
            Ok("RU".to_owned())
        );
        assert!(CountryCode::parse("RUS").is_err());
        assert!(CountryCode::parse("1a").is_err());
    }
}
