//! Test harness: a real server on a random port over a fresh database (SQLite, or
//! PostgreSQL when OMNI_TEST_POSTGRES_URL is set), with two tenants and a key per role.

#![allow(dead_code)]

pub mod customers;
pub mod shop;
pub mod triggers;

use std::sync::Arc;

use chrono::Utc;
use omni_api::{ApiConfig, AppState};
use omni_domain::access::{Role, mint_key};
use omni_domain::network::{Capability, LocationDraft, LocationKind, OpeningHours};
use omni_domain::tenancy::Tenant;
use omni_kernel::{ApiKeyId, Channel, GeoPoint, LocationId, SystemClock, TenantId};
use omni_store::api_keys::ApiKeyRecord;
use omni_store::testing::{TestDb, backend_banner};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

/// A chain in the test database with a key per role.
pub struct Chain {
    pub tenant: Tenant,
    pub store: LocationId,
    pub admin: String,
    pub marketer: String,
    pub associate: String,
    pub agent: String,
    pub app: String,
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub db: TestDb,
    pub a: Chain,
    pub b: Chain,
    /// The payment provider the server uses, to check what is held, captured, refunded.
    pub payments: Arc<omni_api::payments::TestProvider>,
    /// The server's identity index, to see whether it has caught up with the feed.
    pub identities: Arc<omni_api::customers_index::Identities>,
}

fn tenant(slug: &str) -> Tenant {
    Tenant {
        slug: slug.into(),
        ..omni_store::testing::russian_chain()
    }
}

/// A valid location body with a given code.
pub fn location_body(code: &str) -> Value {
    json!({
        "code": code,
        "name": format!("Магазин {code}"),
        "kind": "store",
        "country": "RU",
        "city": "Москва",
        "address": "Тверская ул., 1",
        "geo": {"lat": 55.757, "lon": 37.615},
        "time_zone": null,
        "opening_hours": {"mon": [{"open": "10:00", "close": "22:00"}]},
        "capabilities": ["sell_in_store", "pickup"],
        "daily_order_capacity": 100
    })
}

async fn key(db: &TestDb, tenant: TenantId, role: Role) -> String {
    let minted = mint_key(ApiKeyId::new(), rand::random());
    let record = ApiKeyRecord {
        id: minted.id,
        tenant_id: tenant,
        name: role.name().into(),
        role,
        created_at: Utc::now(),
        revoked_at: None,
    };
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_api_key(&record, &minted.secret_hash)
        .await
        .expect("key");
    tx.commit().await.expect("commit");
    minted.token
}

async fn chain(db: &TestDb, slug: &str) -> Chain {
    let t = tenant(slug);
    let draft: LocationDraft = serde_json::from_value(location_body("HOME-1")).expect("draft");
    let mut draft = draft;
    draft.kind = LocationKind::Store;
    draft.capabilities = [Capability::SellInStore].into();
    draft.opening_hours = OpeningHours::every_day("10:00", "22:00");
    draft.geo = GeoPoint::new(55.75, 37.61).expect("geo");
    let loc = draft
        .into_location(&t, LocationId::new(), Utc::now())
        .expect("valid");
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_tenant(&t, Utc::now()).await.expect("tenant");
    tx.insert_location(&loc).await.expect("location");
    tx.commit().await.expect("commit");
    Chain {
        admin: key(db, t.id, Role::Admin).await,
        marketer: key(db, t.id, Role::Marketer).await,
        associate: key(db, t.id, Role::Associate { store: loc.id }).await,
        agent: key(db, t.id, Role::Agent).await,
        app: key(
            db,
            t.id,
            Role::App {
                channel: Channel::Web,
            },
        )
        .await,
        store: loc.id,
        tenant: t,
    }
}

/// An in-memory search index kept current by a feeder polling the feed every 50 ms.
async fn search_feeder(db: &TestDb) -> omni_search::SearchIndex {
    let index = omni_search::SearchIndex::in_ram().expect("index");
    let feeder = omni_search::Feeder::start(db.store.clone(), index.clone())
        .await
        .expect("feeder");
    tokio::spawn(feeder.run(
        std::time::Duration::from_millis(50),
        std::future::pending::<()>(),
    ));
    index
}

/// This node's identity index, built before the server answers (so tests exercise the index
/// path) and fed from the event feed every 20 ms.
async fn identity_feeder(db: &TestDb) -> Arc<omni_api::customers_index::Identities> {
    let identities = Arc::new(omni_api::customers_index::Identities::default());
    let feeder =
        omni_api::customers_index::IdentityFeeder::start(db.store.clone(), identities.clone())
            .await
            .expect("identity feeder");
    tokio::spawn(feeder.run(
        std::time::Duration::from_millis(20),
        std::future::pending::<()>(),
    ));
    identities
}

/// Starts the server on 127.0.0.1:0 with a small body limit (for 413 tests).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(ApiConfig {
        max_body_bytes: 64 * 1024,
        ..ApiConfig::default()
    })
    .await
}

/// Creates a customer in tenant A with its app key and returns the id.
pub async fn new_customer(app: &TestApp, body: Value) -> String {
    let r = app.post("/v1/customers", &app.a.app, &body).await;
    assert!(r.status().is_success(), "{}", r.status());
    r.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Starts the server with the given HTTP settings.
pub async fn spawn_app_with(config: ApiConfig) -> TestApp {
    eprintln!("{}", backend_banner());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let db = TestDb::new().await.expect("database");
    let suffix = ulid::Ulid::generate().to_string().to_lowercase();
    let a = chain(&db, &format!("a{suffix}")).await;
    let b = chain(&db, &format!("b{suffix}")).await;
    let payments = Arc::new(omni_api::payments::TestProvider::default());
    let identities = identity_feeder(&db).await;
    let state = AppState {
        store: db.store.clone(),
        clock: Arc::new(SystemClock),
        config,
        events_written: Arc::new(tokio::sync::Notify::new()),
        search: search_feeder(&db).await,
        payments: payments.clone(),
        identities: identities.clone(),
        segment_snapshots: Arc::default(),
        analytics: Arc::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        axum::serve(listener, omni_api::router(state))
            .await
            .expect("serve");
    });
    TestApp {
        base,
        http: reqwest::Client::new(),
        db,
        a,
        b,
        payments,
        identities,
    }
}

impl TestApp {
    pub fn req(&self, method: Method, path: &str, key: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(key)
    }

    pub async fn get(&self, path: &str, key: &str) -> Response {
        self.req(Method::GET, path, key)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, key: &str, body: &Value) -> Response {
        self.req(Method::POST, path, key)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Gives tenant A's customer goodwill points as an agent.
    pub async fn gift_points(&self, who: &str, points: i64) {
        let r = self
            .post(
                &format!("/v1/customers/{who}/points/gifts"),
                &self.a.agent,
                &json!({"points": points, "reason": "welcome"}),
            )
            .await;
        assert_eq!(r.status(), 201, "gift points");
    }

    /// Creates a location as tenant A's admin and returns its JSON.
    pub async fn create_location(&self, key: &str, code: &str) -> Value {
        let r = self.post("/v1/locations", key, &location_body(code)).await;
        assert_eq!(r.status(), 201, "create location {code}");
        r.json().await.expect("json")
    }
}

/// The `key` of every item in the array `list` of `v` (the fields a problem names, the
/// SKUs of a list).
/// The first merge still in effect, as an agent lists them (the tests make one).
pub async fn merged_one(app: &TestApp) -> String {
    let merges: Value = app
        .get("/v1/customer-merges?status=merged", &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    merges["data"][0]["id"].as_str().expect("merge").to_owned()
}

/// Asks, as an agent, for a merge to be reversed.
pub async fn reverse_merge(app: &TestApp, merge: &str) -> Response {
    app.post(
        &format!("/v1/customer-merges/{merge}/reversal"),
        &app.a.agent,
        &serde_json::json!({}),
    )
    .await
}

pub fn strings<'a>(v: &'a Value, list: &str, key: &str) -> Vec<&'a str> {
    v[list]
        .as_array()
        .unwrap_or_else(|| panic!("no array `{list}` in {v}"))
        .iter()
        .filter_map(|item| item[key].as_str())
        .collect()
}

/// Asserts a problem+json response and returns its body.
pub async fn problem(r: Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status, "status");
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    let body: Value = r.json().await.expect("problem json");
    assert_eq!(body["status"], status);
    assert!(body["code"].is_string(), "{body}");
    assert!(body["request_id"].is_string(), "{body}");
    body
}
