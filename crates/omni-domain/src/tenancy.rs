//! Tenants: one retail chain each, the unit of isolation. A chain trades in several
//! countries, each with its currency, default phone region, locale and capital time zone.

use omni_kernel::{CountryCode, Currency, Locale, TenantId};
use serde::{Deserialize, Serialize};

use crate::Violations;

/// One country a chain trades in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Country {
    pub code: CountryCode,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "RUB"))]
    pub currency: Currency,
    /// Region used to normalise local phone numbers (`8 916 …` in RU).
    pub phone_region: CountryCode,
    pub default_locale: Locale,
    /// IANA zone used when a location gives none.
    pub time_zone: String,
}

/// A retail chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tenant {
    pub id: TenantId,
    /// Short unique handle, used on the CLI (`omni keys create --tenant demo`).
    pub slug: String,
    pub name: String,
    pub countries: Vec<Country>,
}

impl Tenant {
    /// Checks a new tenant: a slug of lowercase letters, digits and dashes, a name, at least
    /// one country, no country twice, and valid time zones.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        let slug_ok = !self.slug.is_empty()
            && self.slug.len() <= 40
            && self
                .slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !slug_ok {
            v.push(
                "slug",
                "invalid",
                "use 1–40 lowercase letters, digits or dashes",
            );
        }
        v.text("name", &self.name, 200);
        if self.countries.is_empty() {
            v.push(
                "countries",
                "required",
                "a chain trades in at least one country",
            );
        }
        for (i, c) in self.countries.iter().enumerate() {
            if self.countries[..i].iter().any(|o| o.code == c.code) {
                v.push(
                    format!("countries[{i}].code"),
                    "duplicate",
                    "country listed twice",
                );
            }
            if c.time_zone.parse::<chrono_tz::Tz>().is_err() {
                v.push(
                    format!("countries[{i}].time_zone"),
                    "invalid",
                    "not an IANA time zone",
                );
            }
        }
        v.finish(())
    }

    /// The country entry for a code, if the chain trades there.
    pub fn country(&self, code: CountryCode) -> Option<&Country> {
        self.countries.iter().find(|c| c.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ru() -> Country {
        Country {
            code: CountryCode::parse("RU").expect("code"),
            currency: Currency::Rub,
            phone_region: CountryCode::parse("RU").expect("code"),
            default_locale: Locale::Ru,
            time_zone: "Europe/Moscow".into(),
        }
    }

    #[test]
    fn a_well_formed_tenant_passes() {
        let t = Tenant {
            id: TenantId::new(),
            slug: "demo".into(),
            name: "Demo".into(),
            countries: vec![ru()],
        };
        assert_eq!(t.validate(), Ok(()));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut bad = ru();
        bad.time_zone = "Mars/Olympus".into();
        let t = Tenant {
            id: TenantId::new(),
            slug: "Bad Slug".into(),
            name: " ".into(),
            countries: vec![bad, ru()],
        };
        let err = t.validate().expect_err("invalid");
        let fields: Vec<_> = err.items().iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "slug",
                "name",
                "countries[0].time_zone",
                "countries[1].code"
            ]
        );
    }
}
