//! The demo loads on both backends, is idempotent and deterministic, and places stores in
//! their real time zones.

use omni_domain::access::{Role, parse_token, verify_secret};
use omni_domain::network::{Location, LocationKind};
use omni_store::testing::{TestDb, backend_banner};

use super::*;

async fn fresh_db() -> TestDb {
    println!("{}", backend_banner());
    TestDb::new().await.expect("test database")
}

async fn demo_locations(store: &Store) -> Vec<Location> {
    let tenant = store.tenant_by_slug("demo").await.expect("demo tenant");
    store.all_locations(tenant.id).await.expect("locations")
}

fn count(locations: &[Location], kind: LocationKind) -> usize {
    locations.iter().filter(|l| l.kind == kind).count()
}

#[tokio::test]
async fn the_small_demo_loads_a_two_country_chain_with_a_key_per_role() {
    let db = fresh_db().await;
    let started = std::time::Instant::now();
    let report = load(&db.store, Scale::Small, false).await.expect("load");
    println!("small demo loaded in {:?}", started.elapsed());

    let tenant = db.store.tenant_by_slug("demo").await.expect("tenant");
    let countries: Vec<_> = tenant
        .countries
        .iter()
        .map(|c| c.code.as_str().to_owned())
        .collect();
    assert_eq!(countries, ["RU", "KZ"]);
    let locations = demo_locations(&db.store).await;
    assert_eq!(count(&locations, LocationKind::Warehouse), 3);
    assert_eq!(count(&locations, LocationKind::Store), 25);
    let points = count(&locations, LocationKind::PickupPoint)
        + count(&locations, LocationKind::PartnerPoint);
    assert_eq!(points, 20);
    assert!(
        locations
            .iter()
            .any(|l| l.country.as_str() == "KZ" && l.kind == LocationKind::Store)
    );

    let labels: Vec<_> = report
        .keys
        .iter()
        .map(|(label, _)| label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "admin",
            "marketer",
            "associate (MSK-001)",
            "agent",
            "app:web",
            "app:mobile_app",
            "app:pos",
            "app:kiosk"
        ]
    );
    assert!(report.created.contains(&("stores".to_owned(), 25)));
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM outbox \
         WHERE kind IN ('tenant.created', 'location.created', 'api_key.created')",
    )
    .fetch_one(db.store.pool())
    .await
    .expect("outbox");
    let events: i64 = sqlx::Row::try_get(&row, "n").expect("count");
    assert_eq!(
        events,
        1 + locations.len() as i64 + 8,
        "one event per tenant, location and key"
    );
}

#[tokio::test]
async fn demo_tokens_authenticate_and_the_associate_works_in_msk_001() {
    let db = fresh_db().await;
    let report = load(&db.store, Scale::Small, false).await.expect("load");
    let msk = demo_locations(&db.store)
        .await
        .into_iter()
        .find(|l| l.code == "MSK-001")
        .expect("MSK-001");
    for (label, token) in &report.keys {
        let (id, secret) = parse_token(token).expect("our token format");
        let credential = db.store.key_credential(id).await.expect("stored");
        assert!(verify_secret(secret, &credential.secret_hash), "{label}");
        if let Role::Associate { store } = credential.record.role {
            assert_eq!(store, msk.id);
        }
    }
}

#[tokio::test]
async fn loading_twice_creates_no_duplicates_but_fresh_keys() {
    let db = fresh_db().await;
    let first = load(&db.store, Scale::Small, false)
        .await
        .expect("first load");
    let before = demo_locations(&db.store).await;
    let second = load(&db.store, Scale::Small, false)
        .await
        .expect("second load");
    assert_eq!(demo_locations(&db.store).await, before);
    assert_eq!(db.store.tenants().await.expect("tenants").len(), 1);
    assert!(second.created.is_empty());
    assert_eq!(first.keys.len(), second.keys.len());
    for ((label, a), (_, b)) in first.keys.iter().zip(&second.keys) {
        assert_ne!(a, b, "{label} got a new token");
    }
}

#[tokio::test]
async fn two_loads_into_fresh_databases_produce_identical_data() {
    let (a, b) = (fresh_db().await, fresh_db().await);
    let ra = load(&a.store, Scale::Small, false).await.expect("load a");
    let rb = load(&b.store, Scale::Small, false).await.expect("load b");
    assert_eq!(
        a.store.tenant_by_slug("demo").await.expect("a"),
        b.store.tenant_by_slug("demo").await.expect("b")
    );
    assert_eq!(
        demo_locations(&a.store).await,
        demo_locations(&b.store).await
    );
    assert_ne!(ra.keys, rb.keys, "secrets are never derived from the seed");
}

#[tokio::test]
async fn stores_keep_the_real_time_zone_of_their_city() {
    let db = fresh_db().await;
    load(&db.store, Scale::Small, false).await.expect("load");
    let locations = demo_locations(&db.store).await;
    for l in &locations {
        assert!(
            l.time_zone.parse::<chrono_tz::Tz>().is_ok(),
            "{}: {}",
            l.code,
            l.time_zone
        );
    }
    let zone = |code: &str| {
        locations
            .iter()
            .find(|l| l.code == code)
            .map(|l| l.time_zone.clone())
    };
    let expected = [
        ("MSK-001", "Europe/Moscow"),
        ("NSK-001", "Asia/Novosibirsk"),
        ("EKB-001", "Asia/Yekaterinburg"),
        ("SMR-001", "Europe/Samara"),
        ("KGD-001", "Europe/Kaliningrad"),
        ("VVO-001", "Asia/Vladivostok"),
        ("ALA-001", "Asia/Almaty"),
        ("AKX-001", "Asia/Aqtobe"),
    ];
    for (code, tz) in expected {
        assert_eq!(zone(code).as_deref(), Some(tz), "{code}");
    }
}

#[tokio::test]
async fn the_chain_scale_has_a_thousand_stores_over_every_city() {
    let db = fresh_db().await;
    let started = std::time::Instant::now();
    let network = ["tenant", "network"];
    let report = super::load_steps(&db.store, Scale::Chain, false, Some(&network))
        .await
        .expect("load");
    println!("chain network loaded in {:?}", started.elapsed());
    let locations = demo_locations(&db.store).await;
    assert_eq!(count(&locations, LocationKind::Store), 1_000);
    assert_eq!(count(&locations, LocationKind::Warehouse), 6);
    let points = count(&locations, LocationKind::PickupPoint)
        + count(&locations, LocationKind::PartnerPoint);
    assert_eq!(points, 2_000);
    for city in geography::CITIES {
        assert!(
            locations
                .iter()
                .any(|l| l.code == format!("{}-001", city.code)),
            "{} has a store",
            city.code
        );
    }
    assert_eq!(report.keys.len(), 8);
}
