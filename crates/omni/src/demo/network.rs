//! The demo chain's network: warehouses, stores in real cities (real coordinates and time
//! zones, jittered around the centre so stores of one city differ) and pickup points, sized by
//! the scale and spread over the cities by population.

use std::collections::BTreeSet;
use std::f64::consts::TAU;

use futures::future::BoxFuture;
use omni_domain::network::{Capability, Location, LocationDraft, LocationKind, OpeningHours};
use omni_domain::tenancy::Tenant;
use omni_kernel::{CountryCode, GeoPoint, LocationId};
use rand::Rng;
use rand::rngs::StdRng;

use super::Scale;
use super::context::{DemoContext, DemoIds, StepReport, epoch};
use super::geography::{CITIES, City, MALLS, PARTNERS, WAREHOUSES, WarehouseSite, streets};
use super::steps::DemoStep;

/// How big a network each scale gets.
struct Plan {
    cities: Vec<&'static City>,
    warehouses: Vec<&'static WarehouseSite>,
    stores: u32,
    pickup_points: u32,
}

impl Plan {
    fn for_scale(scale: Scale) -> Plan {
        match scale {
            Scale::Small => Plan {
                cities: CITIES.iter().filter(|c| c.showcase).collect(),
                warehouses: WAREHOUSES.iter().filter(|w| w.showcase).collect(),
                stores: 25,
                pickup_points: 20,
            },
            Scale::Chain => Plan {
                cities: CITIES.iter().collect(),
                warehouses: WAREHOUSES.iter().collect(),
                stores: 1_000,
                pickup_points: 2_000,
            },
        }
    }
}

/// Creates the locations and records `location.created` for each.
pub struct NetworkStep;

impl DemoStep for NetworkStep {
    fn name(&self) -> &'static str {
        "network"
    }

    fn run<'a>(&'a self, ctx: &'a mut DemoContext) -> BoxFuture<'a, anyhow::Result<StepReport>> {
        Box::pin(async move {
            let locations = build(&ctx.tenant, ctx.scale)?;
            ctx.insert_all("locations", &locations).await?;
            let count = |kind| locations.iter().filter(|l| l.kind == kind).count();
            let report = StepReport::default()
                .count("warehouses", count(LocationKind::Warehouse))
                .count("stores", count(LocationKind::Store))
                .count("pickup points", count(LocationKind::PickupPoint))
                .count("partner points", count(LocationKind::PartnerPoint));
            ctx.locations = locations;
            Ok(report)
        })
    }
}

/// The whole network for a scale, in creation (and id) order: warehouses, stores, pickup points.
pub fn build(tenant: &Tenant, scale: Scale) -> anyhow::Result<Vec<Location>> {
    let plan = Plan::for_scale(scale);
    let mut rng = DemoContext::rng("network");
    let mut ids = DemoIds::new("network");
    let mut drafts = Vec::new();
    drafts.extend(plan.warehouses.iter().map(|site| warehouse(site)));
    let stores = allocate(plan.stores, &plan.cities, 1);
    for (city, n) in plan.cities.iter().zip(stores) {
        for i in 1..=n {
            drafts.push(store(city, i, &mut rng));
        }
    }
    let points = allocate(
        plan.pickup_points,
        &plan.cities,
        u32::from(scale == Scale::Chain),
    );
    for (city, n) in plan.cities.iter().zip(points) {
        let (mut own, mut partner) = (0, 0);
        for _ in 0..n {
            if rng.random_bool(0.6) {
                own += 1;
                drafts.push(pickup_point(city, own, &mut rng));
            } else {
                partner += 1;
                drafts.push(partner_point(city, partner, &mut rng));
            }
        }
    }
    drafts
        .into_iter()
        .map(|draft| {
            let draft = draft?;
            let code = draft.code.clone();
            let id = LocationId::from_ulid(ids.next_ulid());
            draft
                .into_location(tenant, id, epoch())
                .map_err(|v| anyhow::anyhow!("demo location {code}: {v}"))
        })
        .collect()
}

/// Splits `total` over the cities by population (largest remainder), at least `min` each.
fn allocate(total: u32, cities: &[&City], min: u32) -> Vec<u32> {
    let rest = u64::from(total.saturating_sub(min * cities.len() as u32));
    let sum: u64 = cities
        .iter()
        .map(|c| u64::from(c.population_k))
        .sum::<u64>()
        .max(1);
    let mut shares: Vec<u32> = cities
        .iter()
        .map(|c| (rest * u64::from(c.population_k) / sum) as u32)
        .collect();
    // The floors fall short by less than one per city; the largest remainders take the rest.
    let left = rest as usize - shares.iter().map(|&s| s as usize).sum::<usize>();
    let mut by_remainder: Vec<usize> = (0..cities.len()).collect();
    by_remainder
        .sort_by_key(|&i| std::cmp::Reverse(rest * u64::from(cities[i].population_k) % sum));
    for &i in by_remainder.iter().take(left) {
        shares[i] += 1;
    }
    shares.iter().map(|s| s + min).collect()
}

/// A point up to a few kilometres from the city centre (further in bigger cities).
fn jitter(city: &City, rng: &mut StdRng) -> anyhow::Result<GeoPoint> {
    let radius_km = 2.0 + f64::from(city.population_k).sqrt() * 0.12;
    let r = radius_km * rng.random::<f64>().sqrt();
    let theta = rng.random::<f64>() * TAU;
    let lat = city.lat + r * theta.sin() / 111.32;
    let lon = city.lon + r * theta.cos() / (111.32 * city.lat.to_radians().cos());
    let round = |x: f64| (x * 1e6).round() / 1e6;
    Ok(GeoPoint::new(round(lat), round(lon))?)
}

fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

/// A street address in the city.
fn street_address(city: &City, rng: &mut StdRng) -> (&'static str, String) {
    let street = pick(rng, streets(city.country));
    let house = rng.random_range(1..=150);
    (street, format!("г. {}, {street}, {house}", city.name))
}

struct Fields {
    code: String,
    name: String,
    kind: LocationKind,
    address: String,
    geo: GeoPoint,
    hours: OpeningHours,
    capabilities: BTreeSet<Capability>,
    capacity: Option<u32>,
}

fn draft(city: &City, f: Fields) -> anyhow::Result<LocationDraft> {
    Ok(LocationDraft {
        code: f.code,
        name: f.name,
        kind: f.kind,
        country: CountryCode::parse(city.country)?,
        city: city.name.to_owned(),
        address: f.address,
        geo: f.geo,
        time_zone: Some(city.time_zone.to_owned()),
        opening_hours: f.hours,
        capabilities: f.capabilities,
        daily_order_capacity: f.capacity,
    })
}

fn warehouse(site: &WarehouseSite) -> anyhow::Result<LocationDraft> {
    Ok(LocationDraft {
        code: site.code.to_owned(),
        name: site.name.to_owned(),
        kind: LocationKind::Warehouse,
        country: CountryCode::parse(site.country)?,
        city: site.city.to_owned(),
        address: site.address.to_owned(),
        geo: GeoPoint::new(site.lat, site.lon)?,
        time_zone: Some(site.time_zone.to_owned()),
        opening_hours: OpeningHours::always(),
        capabilities: [Capability::Fulfilment, Capability::Returns].into(),
        daily_order_capacity: Some(20_000),
    })
}

/// A store: most in malls (10:00–22:00), some on high streets (09:00–21:00); stores in big
/// cities more often ship online orders and offer same-day courier delivery.
fn store(city: &City, n: u32, rng: &mut StdRng) -> anyhow::Result<LocationDraft> {
    let geo = jitter(city, rng)?;
    let (street, mut address) = street_address(city, rng);
    let (name, hours) = if rng.random_bool(0.7) {
        let mall = pick(rng, MALLS);
        address = format!("{address}, {mall}");
        (
            format!("{}, {mall}", city.name),
            OpeningHours::every_day("10:00", "22:00"),
        )
    } else {
        (
            format!("{}, {street}", city.name),
            OpeningHours::every_day("09:00", "21:00"),
        )
    };
    let big = city.population_k >= 1_000;
    let mut capabilities = BTreeSet::from([
        Capability::SellInStore,
        Capability::Pickup,
        Capability::Returns,
    ]);
    let ships = rng.random_bool(if big { 0.5 } else { 0.25 });
    if ships {
        capabilities.insert(Capability::ShipFromStore);
    }
    if big && rng.random_bool(0.4) {
        capabilities.insert(Capability::ExpressDelivery);
    }
    let capacity = if ships {
        rng.random_range(15..=40) * 10
    } else {
        rng.random_range(6..=15) * 10
    };
    let code = format!("{}-{n:03}", city.code);
    let kind = LocationKind::Store;
    draft(
        city,
        Fields {
            code,
            name,
            kind,
            address,
            geo,
            hours,
            capabilities,
            capacity: Some(capacity),
        },
    )
}

/// The chain's own pickup point: hands out orders and takes returns.
fn pickup_point(city: &City, n: u32, rng: &mut StdRng) -> anyhow::Result<LocationDraft> {
    let geo = jitter(city, rng)?;
    let (street, address) = street_address(city, rng);
    draft(
        city,
        Fields {
            code: format!("PVZ-{}-{n:04}", city.code),
            name: format!("Пункт выдачи, {}, {street}", city.name),
            kind: LocationKind::PickupPoint,
            address,
            geo,
            hours: OpeningHours::every_day("09:00", "21:00"),
            capabilities: [Capability::Pickup, Capability::Returns].into(),
            capacity: Some(rng.random_range(10..=30) * 10),
        },
    )
}

/// A partner's pickup counter or parcel locker (lockers are open around the clock).
fn partner_point(city: &City, n: u32, rng: &mut StdRng) -> anyhow::Result<LocationDraft> {
    let geo = jitter(city, rng)?;
    let (street, address) = street_address(city, rng);
    let partner = pick(rng, PARTNERS);
    let (name, hours) = if rng.random_bool(0.3) {
        (
            format!("Постамат «{partner}», {}, {street}", city.name),
            OpeningHours::always(),
        )
    } else {
        (
            format!("Пункт «{partner}», {}, {street}", city.name),
            OpeningHours::every_day("08:00", "22:00"),
        )
    };
    draft(
        city,
        Fields {
            code: format!("PRT-{}-{n:04}", city.code),
            name,
            kind: LocationKind::PartnerPoint,
            address,
            geo,
            hours,
            capabilities: [Capability::Pickup].into(),
            capacity: Some(rng.random_range(5..=15) * 10),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_exact_weighted_and_respects_the_minimum() {
        let cities: Vec<&City> = CITIES.iter().collect();
        let shares = allocate(1_000, &cities, 1);
        assert_eq!(shares.iter().sum::<u32>(), 1_000);
        assert!(shares.iter().all(|&s| s >= 1));
        assert!(
            shares[0] > shares[1] && shares[1] > shares[2],
            "Moscow > Saint Petersburg > Novosibirsk"
        );
        let small: Vec<&City> = CITIES.iter().filter(|c| c.showcase).collect();
        assert_eq!(allocate(20, &small, 0).iter().sum::<u32>(), 20);
        assert_eq!(allocate(3, &[], 0), Vec::<u32>::new());
    }

    #[test]
    fn every_city_has_a_distinct_code_and_a_real_time_zone() {
        let mut codes = BTreeSet::new();
        for c in CITIES {
            assert!(codes.insert(c.code), "{} twice", c.code);
            assert!(
                c.time_zone.parse::<chrono_tz::Tz>().is_ok(),
                "{}: {}",
                c.code,
                c.time_zone
            );
            assert!(c.country == "RU" || c.country == "KZ");
        }
        assert!(CITIES.len() >= 40);
        for w in WAREHOUSES {
            assert!(w.time_zone.parse::<chrono_tz::Tz>().is_ok(), "{}", w.code);
        }
    }

    #[test]
    fn jittered_stores_stay_near_their_city() {
        let mut rng = DemoContext::rng("test");
        for city in CITIES {
            let centre = GeoPoint::new(city.lat, city.lon).expect("centre");
            let p = jitter(city, &mut rng).expect("point");
            assert!(centre.distance_km(&p) < 20.0, "{}", city.code);
        }
    }
}
