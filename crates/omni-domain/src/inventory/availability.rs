//! Availability as channels may promise it: "near me" (stores and pickup points within a
//! radius, with what they can promise and whether they are open), "in my store", and a
//! network-wide figure. Channel rules are data: a web shop hides the last unit (it may be the
//! display model) and caps what it promises; the till and associates see the real figure.

use omni_kernel::{Channel, GeoPoint, LocationId, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Sku, StockLevel};
use crate::Violations;
use crate::network::{Capability, Location, LocationKind, OpeningHours};

/// A tenant's channel rules: what each channel may show and promise. Channels not listed
/// keep the default ([`ChannelRule::default_for`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelRules {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub rules: std::collections::BTreeMap<Channel, ChannelRule>,
}

impl ChannelRules {
    /// The rule for a channel (employees' view when no channel is named).
    pub fn for_channel(&self, channel: Option<Channel>) -> ChannelRule {
        channel
            .and_then(|c| self.rules.get(&c).copied())
            .unwrap_or_else(|| ChannelRule::default_for(channel))
    }

    /// Every problem with the rules, field by field.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        for (channel, rule) in &self.rules {
            rule.validate(&mut v, &format!("rules.{}", channel.as_str()));
        }
        v.finish(())
    }
}

/// What a channel may show and promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelRule {
    /// Available-to-promise below this is shown as 0 (out of stock).
    pub min_shown: i64,
    /// Never promise more than this many units of one SKU at one place.
    pub max_promise: Option<i64>,
}

impl ChannelRule {
    /// The default rule for a channel: customer-facing digital channels hide the last unit
    /// and cap at 50; employees (POS, associate app, call center) see everything.
    pub fn default_for(channel: Option<Channel>) -> ChannelRule {
        match channel {
            Some(Channel::Pos | Channel::AssociateApp | Channel::CallCenter) | None => {
                ChannelRule {
                    min_shown: 1,
                    max_promise: None,
                }
            }
            Some(_) => ChannelRule {
                min_shown: 2,
                max_promise: Some(50),
            },
        }
    }

    /// Every problem with a rule.
    fn validate(&self, v: &mut Violations, prefix: &str) {
        if !(1..=1_000_000).contains(&self.min_shown) {
            v.push(
                format!("{prefix}.min_shown"),
                "out_of_range",
                "between 1 and 1000000",
            );
        }
        if self.max_promise.is_some_and(|m| m < 1) {
            v.push(
                format!("{prefix}.max_promise"),
                "out_of_range",
                "at least 1 (or absent for no cap)",
            );
        }
    }

    /// What this channel shows for a raw available-to-promise figure.
    pub fn shown(&self, atp: i64) -> i64 {
        let atp = atp.max(0);
        if atp < self.min_shown.max(1) {
            return 0;
        }
        self.max_promise.map_or(atp, |cap| atp.min(cap))
    }
}

/// Where to look: a point, a radius and how many places to return.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearbyQuery {
    pub point: GeoPoint,
    pub radius_km: f64,
    pub limit: usize,
}

impl NearbyQuery {
    /// Checks the raw parameters (radius 0–200 km, default 25; limit 1–50, default 20).
    pub fn parse(
        lat: f64,
        lon: f64,
        radius_km: Option<f64>,
        limit: Option<usize>,
    ) -> Result<NearbyQuery, Violations> {
        let mut v = Violations::new();
        let point = GeoPoint::new(lat, lon)
            .map_err(|e| v.push("lat", "invalid", e.to_string()))
            .ok();
        let radius_km = radius_km.unwrap_or(25.0);
        if !(radius_km > 0.0 && radius_km <= 200.0) {
            v.push(
                "radius_km",
                "out_of_range",
                "must be more than 0 and at most 200",
            );
        }
        let limit = limit.unwrap_or(20);
        if !(1..=50).contains(&limit) {
            v.push("limit", "out_of_range", "must be between 1 and 50");
        }
        match point {
            Some(point) => v.finish(NearbyQuery {
                point,
                radius_km,
                limit,
            }),
            None => Err(v),
        }
    }

    /// A latitude/longitude box holding the circle, for an index-friendly prefilter.
    pub fn bounding_box(&self) -> (f64, f64, f64, f64) {
        let dlat = self.radius_km / 111.0;
        let cos = self.point.lat().to_radians().cos().abs().max(0.01);
        let dlon = (self.radius_km / (111.0 * cos)).min(180.0);
        (
            self.point.lat() - dlat,
            self.point.lat() + dlat,
            self.point.lon() - dlon,
            self.point.lon() + dlon,
        )
    }
}

/// Stock of the SKU at one location, as read from the store.
#[derive(Debug, Clone)]
pub struct StockAt {
    pub location: Location,
    pub level: StockLevel,
}

/// One place where a shopper could get the SKU.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationAvailability {
    pub location_id: LocationId,
    pub code: String,
    pub name: String,
    pub kind: LocationKind,
    pub distance_km: Option<f64>,
    /// Units this channel may promise here.
    pub available: i64,
    pub in_stock: bool,
    pub open_now: bool,
    pub opening_hours: OpeningHours,
    pub time_zone: String,
}

/// A SKU's availability in the whole network, or at the places listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Availability {
    pub sku: Sku,
    /// Units this channel may promise in total.
    pub available: i64,
    pub locations: Vec<LocationAvailability>,
}

/// One location's figure under a channel rule.
pub fn at_location(
    s: &StockAt,
    rule: &ChannelRule,
    from: Option<&GeoPoint>,
    now: Timestamp,
) -> LocationAvailability {
    let l = &s.location;
    let available = if l.status == crate::network::LocationStatus::Active {
        rule.shown(s.level.atp())
    } else {
        0
    };
    LocationAvailability {
        location_id: l.id,
        code: l.code.clone(),
        name: l.name.clone(),
        kind: l.kind,
        distance_km: from.map(|p| (p.distance_km(&l.geo) * 100.0).round() / 100.0),
        available,
        in_stock: available > 0,
        open_now: l.is_open_at(now),
        opening_hours: l.opening_hours.clone(),
        time_zone: l.time_zone.clone(),
    }
}

/// Stores and pickup points within the radius that have the SKU, nearest first.
pub fn nearby(
    sku: &Sku,
    query: &NearbyQuery,
    stock: &[StockAt],
    rule: &ChannelRule,
    now: Timestamp,
) -> Availability {
    let mut places: Vec<LocationAvailability> = stock
        .iter()
        .filter(|s| s.location.can(Capability::SellInStore) || s.location.can(Capability::Pickup))
        .filter(|s| s.location.geo.distance_km(&query.point) <= query.radius_km)
        .map(|s| at_location(s, rule, Some(&query.point), now))
        .filter(|a| a.in_stock)
        .collect();
    places.sort_by(|a, b| {
        a.distance_km
            .partial_cmp(&b.distance_km)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    places.truncate(query.limit);
    let available = places.iter().map(|p| p.available).sum();
    Availability {
        sku: sku.clone(),
        available,
        locations: places,
    }
}

/// What the whole network can promise: every active location's ATP, then the channel rule.
pub fn network_total(stock: &[StockAt], rule: &ChannelRule) -> i64 {
    let atp: i64 = stock
        .iter()
        .filter(|s| s.location.status == crate::network::LocationStatus::Active)
        .map(|s| s.level.atp())
        .sum();
    rule.shown(atp)
}

#[cfg(test)]
#[path = "availability_tests.rs"]
mod tests;
