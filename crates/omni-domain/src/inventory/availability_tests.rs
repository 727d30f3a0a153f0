//! Near-me ordering, radius, channel rules and the network figure.

use chrono::Utc;
use omni_kernel::{CountryCode, GeoPoint, LocationId, TenantId};

use super::*;
use crate::network::{LocationStatus, OpeningHours};

fn place(code: &str, lat: f64, lon: f64, on_hand: i64) -> StockAt {
    let location = Location {
        id: LocationId::new(),
        tenant_id: TenantId::new(),
        code: code.into(),
        name: code.into(),
        kind: LocationKind::Store,
        status: LocationStatus::Active,
        country: CountryCode::parse("RU").expect("code"),
        city: "Москва".into(),
        address: "-".into(),
        geo: GeoPoint::new(lat, lon).expect("geo"),
        time_zone: "Europe/Moscow".into(),
        opening_hours: OpeningHours::every_day("00:00", "23:59"),
        capabilities: [Capability::SellInStore].into(),
        daily_order_capacity: None,
        version: 1,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    StockAt {
        location,
        level: StockLevel {
            on_hand,
            ..Default::default()
        },
    }
}

#[test]
fn nearby_lists_in_stock_places_within_the_radius_nearest_first() {
    let sku = Sku::parse("SKU-1").expect("sku");
    let q = NearbyQuery::parse(55.75, 37.61, Some(20.0), None).expect("query");
    let stock = [
        place("FAR", 55.95, 37.61, 5),   // ~22 km
        place("MID", 55.80, 37.61, 5),   // ~5.6 km
        place("NEAR", 55.76, 37.61, 5),  // ~1.1 km
        place("EMPTY", 55.75, 37.62, 0), // in range, nothing to promise
    ];
    let rule = ChannelRule::default_for(None);
    let a = nearby(&sku, &q, &stock, &rule, Utc::now());
    let codes: Vec<_> = a.locations.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes, ["NEAR", "MID"]);
    assert_eq!(a.available, 10);
    assert!(a.locations[0].open_now);
}

#[test]
fn channel_rules_hide_the_last_unit_and_cap_promises() {
    let web = ChannelRule::default_for(Some(omni_kernel::Channel::Web));
    let pos = ChannelRule::default_for(Some(omni_kernel::Channel::Pos));
    assert_eq!((web.shown(1), pos.shown(1)), (0, 1));
    assert_eq!((web.shown(500), pos.shown(500)), (50, 500));
    assert_eq!(pos.shown(-3), 0, "never negative");
    let stock = [place("A", 55.0, 37.0, 30), place("B", 55.0, 37.0, 40)];
    assert_eq!(network_total(&stock, &pos), 70);
    assert_eq!(network_total(&stock, &web), 50);
}

#[test]
fn a_query_is_validated_and_boxes_its_circle() {
    assert!(NearbyQuery::parse(95.0, 0.0, None, None).is_err());
    assert!(NearbyQuery::parse(55.0, 37.0, Some(0.0), None).is_err());
    assert!(NearbyQuery::parse(55.0, 37.0, None, Some(51)).is_err());
    let q = NearbyQuery::parse(55.0, 37.0, Some(11.1), None).expect("valid");
    let (lat0, lat1, lon0, lon1) = q.bounding_box();
    assert!((lat1 - lat0 - 0.2).abs() < 1e-9);
    assert!(
        lon1 - lon0 > 0.3,
        "longitude degrees are shorter in the north"
    );
}

#[test]
fn a_tenant_rule_overrides_the_default_for_its_channel_only() {
    use omni_kernel::Channel;
    let mut rules = ChannelRules::default();
    rules.rules.insert(
        Channel::Web,
        ChannelRule {
            min_shown: 3,
            max_promise: Some(5),
        },
    );
    assert_eq!(rules.for_channel(Some(Channel::Web)).shown(4), 4);
    assert_eq!(rules.for_channel(Some(Channel::Web)).shown(2), 0);
    assert_eq!(rules.for_channel(Some(Channel::Web)).shown(80), 5);
    assert_eq!(
        rules.for_channel(Some(Channel::MobileApp)),
        ChannelRule::default_for(Some(Channel::MobileApp))
    );
    rules.rules.insert(
        Channel::Kiosk,
        ChannelRule {
            min_shown: 0,
            max_promise: Some(0),
        },
    );
    let v = rules.validate().expect_err("invalid");
    let fields: Vec<_> = v.items().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["rules.kiosk.min_shown", "rules.kiosk.max_promise"]);
}
