//! A location of the chain and the rules for creating and changing one.

use std::collections::BTreeSet;

use chrono_tz::Tz;
use omni_kernel::{CountryCode, GeoPoint, LocationId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use super::OpeningHours;
use crate::Violations;
use crate::tenancy::Tenant;

/// What kind of place this is; decides which flows it takes part in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LocationKind {
    Warehouse,
    Store,
    PickupPoint,
    PartnerPoint,
}

impl LocationKind {
    /// Wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            LocationKind::Warehouse => "warehouse",
            LocationKind::Store => "store",
            LocationKind::PickupPoint => "pickup_point",
            LocationKind::PartnerPoint => "partner_point",
        }
    }
}

/// What a location can do for an order; sourcing and availability read these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Capability {
    /// Sells over the counter (POS).
    SellInStore,
    /// Hands out orders to customers.
    Pickup,
    /// Picks and ships online orders (a store as a fulfilment centre).
    ShipFromStore,
    /// Ships from a warehouse.
    Fulfilment,
    /// Same-day courier from this place.
    ExpressDelivery,
    /// Accepts returns of purchases made in any channel.
    Returns,
}

/// Lifecycle of a location; only active ones sell or fulfil.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LocationStatus {
    Active,
    TemporarilyClosed,
    Closed,
}

/// A warehouse, store or pickup point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    pub id: LocationId,
    pub tenant_id: TenantId,
    /// The chain's own code, unique within the tenant (`MSK-001`).
    pub code: String,
    pub name: String,
    pub kind: LocationKind,
    pub status: LocationStatus,
    pub country: CountryCode,
    pub city: String,
    pub address: String,
    pub geo: GeoPoint,
    /// IANA time zone, e.g. `Asia/Novosibirsk`.
    pub time_zone: String,
    pub opening_hours: OpeningHours,
    pub capabilities: BTreeSet<Capability>,
    /// Online orders this location can pick per day (sourcing honours it); `None` = no limit.
    pub daily_order_capacity: Option<u32>,
    /// Optimistic-concurrency version, the ETag.
    pub version: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// The fields a client supplies to create a location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationDraft {
    pub code: String,
    pub name: String,
    pub kind: LocationKind,
    pub country: CountryCode,
    pub city: String,
    pub address: String,
    pub geo: GeoPoint,
    /// Defaults to the country's time zone.
    pub time_zone: Option<String>,
    pub opening_hours: OpeningHours,
    pub capabilities: BTreeSet<Capability>,
    pub daily_order_capacity: Option<u32>,
}

/// A partial update: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationPatch {
    pub name: Option<String>,
    pub status: Option<LocationStatus>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub geo: Option<GeoPoint>,
    pub time_zone: Option<String>,
    pub opening_hours: Option<OpeningHours>,
    pub capabilities: Option<BTreeSet<Capability>>,
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>))]
    pub daily_order_capacity: Option<Option<u32>>,
}

/// Tells "absent" (keep) from `null` (clear) for optional fields in a patch.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.as_ref().and_then(|x| x.as_ref()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

fn check_code(code: &str, v: &mut Violations) {
    let ok = !code.is_empty()
        && code.len() <= 32
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        v.push(
            "code",
            "invalid",
            "use 1–32 letters, digits, dashes or underscores",
        );
    }
}

fn check_time_zone(tz: &str, v: &mut Violations) {
    if tz.parse::<Tz>().is_err() {
        v.push(
            "time_zone",
            "invalid",
            format!("`{tz}` is not an IANA time zone"),
        );
    }
}

impl LocationDraft {
    /// Validates the draft against the tenant (it must trade in the country) and builds the
    /// location, defaulting the time zone to the country's.
    pub fn into_location(
        self,
        tenant: &Tenant,
        id: LocationId,
        now: Timestamp,
    ) -> Result<Location, Violations> {
        let mut v = Violations::new();
        check_code(&self.code, &mut v);
        v.text("name", &self.name, 200);
        v.text("city", &self.city, 100);
        v.text("address", &self.address, 500);
        let country = tenant.country(self.country);
        if country.is_none() {
            v.push(
                "country",
                "not_traded",
                format!("the chain does not trade in {}", self.country),
            );
        }
        let time_zone = self
            .time_zone
            .or_else(|| country.map(|c| c.time_zone.clone()))
            .unwrap_or_default();
        check_time_zone(&time_zone, &mut v);
        self.opening_hours.validate("opening_hours", &mut v);
        v.finish(Location {
            id,
            tenant_id: tenant.id,
            code: self.code,
            name: self.name,
            kind: self.kind,
            status: LocationStatus::Active,
            country: self.country,
            city: self.city,
            address: self.address,
            geo: self.geo,
            time_zone,
            opening_hours: self.opening_hours,
            capabilities: self.capabilities,
            daily_order_capacity: self.daily_order_capacity,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}

impl Location {
    /// Applies a patch, validating the changed fields, and bumps the version.
    pub fn apply(mut self, patch: LocationPatch, now: Timestamp) -> Result<Location, Violations> {
        let mut v = Violations::new();
        if let Some(name) = patch.name {
            v.text("name", &name, 200);
            self.name = name;
        }
        if let Some(city) = patch.city {
            v.text("city", &city, 100);
            self.city = city;
        }
        if let Some(address) = patch.address {
            v.text("address", &address, 500);
            self.address = address;
        }
        if let Some(tz) = patch.time_zone {
            check_time_zone(&tz, &mut v);
            self.time_zone = tz;
        }
        if let Some(hours) = patch.opening_hours {
            hours.validate("opening_hours", &mut v);
            self.opening_hours = hours;
        }
        self.status = patch.status.unwrap_or(self.status);
        self.geo = patch.geo.unwrap_or(self.geo);
        self.capabilities = patch.capabilities.unwrap_or(self.capabilities);
        self.daily_order_capacity = patch
            .daily_order_capacity
            .unwrap_or(self.daily_order_capacity);
        self.version += 1;
        self.updated_at = now;
        v.finish(self)
    }

    /// The parsed time zone (validated on every write, so UTC is only a defensive fallback).
    pub fn tz(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    /// Whether the location is active and open at `at`.
    pub fn is_open_at(&self, at: Timestamp) -> bool {
        self.status == LocationStatus::Active && self.opening_hours.is_open_at(self.tz(), at)
    }

    /// Whether the location has a capability and is active.
    pub fn can(&self, capability: Capability) -> bool {
        self.status == LocationStatus::Active && self.capabilities.contains(&capability)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenancy::Country;
    use omni_kernel::{Currency, Locale};

    fn tenant() -> Tenant {
        let ru = CountryCode::parse("RU").expect("code");
        Tenant {
            id: TenantId::new(),
            slug: "demo".into(),
            name: "Demo".into(),
            countries: vec![Country {
                code: ru,
                currency: Currency::Rub,
                phone_region: ru,
                default_locale: Locale::Ru,
                time_zone: "Europe/Moscow".into(),
            }],
        }
    }

    fn draft() -> LocationDraft {
        LocationDraft {
            code: "MSK-001".into(),
            name: "Москва, Авиапарк".into(),
            kind: LocationKind::Store,
            country: CountryCode::parse("RU").expect("code"),
            city: "Москва".into(),
            address: "Ходынский б-р, 4".into(),
            geo: GeoPoint::new(55.79, 37.53).expect("geo"),
            time_zone: None,
            opening_hours: OpeningHours::every_day("10:00", "22:00"),
            capabilities: [Capability::SellInStore, Capability::Pickup].into(),
            daily_order_capacity: Some(200),
        }
    }

    #[test]
    fn a_draft_takes_the_country_time_zone_by_default() {
        let loc = draft()
            .into_location(&tenant(), LocationId::new(), chrono::Utc::now())
            .expect("valid");
        assert_eq!(loc.time_zone, "Europe/Moscow");
        assert_eq!(loc.version, 1);
        assert!(loc.can(Capability::Pickup));
        assert!(!loc.can(Capability::ShipFromStore));
    }

    #[test]
    fn a_draft_in_a_country_the_chain_does_not_trade_in_is_refused() {
        let mut d = draft();
        d.country = CountryCode::parse("KZ").expect("code");
        d.code = "bad code!".into();
        let err = d
            .into_location(&tenant(), LocationId::new(), chrono::Utc::now())
            .expect_err("invalid");
        let fields: Vec<_> = err
            .items()
            .iter()
            .map(|v| (v.field.as_str(), v.code))
            .collect();
        assert!(fields.contains(&("code", "invalid")));
        assert!(fields.contains(&("country", "not_traded")));
    }

    #[test]
    fn a_patch_changes_only_given_fields_and_bumps_the_version() {
        let loc = draft()
            .into_location(&tenant(), LocationId::new(), chrono::Utc::now())
            .expect("valid");
        let patch = LocationPatch {
            status: Some(LocationStatus::TemporarilyClosed),
            ..Default::default()
        };
        let next = loc.clone().apply(patch, chrono::Utc::now()).expect("valid");
        assert_eq!(next.version, 2);
        assert_eq!(next.name, loc.name);
        assert!(
            !next.can(Capability::Pickup),
            "a closed store takes no pickups"
        );
        let bad = LocationPatch {
            time_zone: Some("Nowhere/Land".into()),
            ..Default::default()
        };
        assert!(loc.apply(bad, chrono::Utc::now()).is_err());
    }
}
