//! Helpers shared by the store's conformance suites: a fresh tenant on the backend under
//! test (SQLite, or PostgreSQL when OMNI_TEST_POSTGRES_URL is set) and its locations.
#![allow(dead_code)] // each test binary uses its own subset

use chrono::Utc;
use omni_domain::events::DomainEvent;
use omni_domain::network::{Location, LocationDraft, LocationKind, OpeningHours};
use omni_domain::tenancy::Tenant;
use omni_kernel::{CountryCode, GeoPoint, LocationId};
use omni_store::Store;
use omni_store::testing::{TestDb, backend_banner};

pub fn tenant(slug: &str) -> Tenant {
    Tenant {
        slug: slug.into(),
        ..omni_store::testing::russian_chain()
    }
}

pub fn draft(code: &str) -> LocationDraft {
    LocationDraft {
        code: code.into(),
        name: format!("Store {code}"),
        kind: LocationKind::Store,
        country: CountryCode::parse("RU").expect("code"),
        city: "Москва".into(),
        address: "ул. Тверская, 1".into(),
        geo: GeoPoint::new(55.76, 37.61).expect("geo"),
        time_zone: None,
        opening_hours: OpeningHours::every_day("10:00", "22:00"),
        capabilities: Default::default(),
        daily_order_capacity: None,
    }
}

pub async fn setup() -> (TestDb, Tenant) {
    eprintln!("{}", backend_banner());
    let db = TestDb::new().await.expect("test database");
    let t = tenant(&format!(
        "t{}",
        ulid::Ulid::generate().to_string().to_lowercase()
    ));
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_tenant(&t, Utc::now()).await.expect("tenant");
    tx.commit().await.expect("commit");
    (db, t)
}

pub async fn add_location(store: &Store, t: &Tenant, code: &str) -> omni_domain::network::Location {
    let loc = draft(code)
        .into_location(t, LocationId::new(), Utc::now())
        .expect("valid");
    let mut tx = store.write().await.expect("tx");
    insert_with_event(&mut tx, t, &loc).await;
    tx.commit().await.expect("commit");
    loc
}

pub async fn insert_with_event(tx: &mut omni_store::WriteTx, t: &Tenant, loc: &Location) {
    tx.insert_location(loc).await.expect("insert");
    tx.record(&DomainEvent::new(
        t.id,
        "location.created",
        loc.id,
        Utc::now(),
        serde_json::json!({}),
    ))
    .await
    .expect("event");
}
