//! Test helpers: a fresh database with tenants, events and subscriptions, and a real HTTP
//! receiver on 127.0.0.1 port 0 that records what it got and can be told to fail.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::Utc;
use omni_domain::events::DomainEvent;

use omni_kernel::{TenantId, WebhookId};
use omni_store::testing::{TestDb, backend_banner};
use omni_store::webhooks::WebhookRecord;
use tokio::sync::Notify;

/// A stopped clock at now, whole milliseconds (the store keeps milliseconds).
pub fn clock() -> Arc<omni_kernel::FixedClock> {
    let now =
        chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap_or_default();
    Arc::new(omni_kernel::FixedClock::at(now))
}

/// A fresh database on the backend this run targets.
pub async fn database() -> TestDb {
    eprintln!("{}", backend_banner());
    TestDb::new().await.expect("test database")
}

/// Creates a tenant.
pub async fn tenant(db: &TestDb) -> TenantId {
    let t = omni_store::testing::russian_chain();
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_tenant(&t, Utc::now()).await.expect("tenant");
    tx.commit().await.expect("commit");
    t.id
}

/// Records one committed event per kind, in order, each in its own transaction.
pub async fn record(db: &TestDb, tenant: TenantId, kinds: &[&str]) -> Vec<DomainEvent> {
    let mut out = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let event = DomainEvent::new(
            tenant,
            kind,
            format!("loc_{i}"),
            Utc::now(),
            serde_json::json!({ "n": i }),
        );
        let mut tx = db.store.write().await.expect("tx");
        tx.record(&event).await.expect("record");
        tx.commit().await.expect("commit");
        out.push(event);
    }
    out
}

/// Subscribes `tenant` to `url` with the given event types (empty: all).
pub async fn subscribe(
    db: &TestDb,
    tenant: TenantId,
    url: &str,
    types: &[&str],
    secret: &str,
) -> WebhookId {
    let hook = WebhookRecord {
        id: WebhookId::new(),
        tenant_id: tenant,
        url: url.to_owned(),
        event_types: types.iter().map(|s| s.to_string()).collect(),
        active: true,
        position: 0,
        attempts: 0,
        next_attempt_at: Utc::now(),
        last_error: None,
        created_at: Utc::now(),
    };
    let mut tx = db.store.write().await.expect("tx");
    tx.insert_webhook(&hook, secret).await.expect("webhook");
    tx.commit().await.expect("commit");
    hook.id
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
    pub body: Vec<u8>,
    pub status: u16,
}

#[derive(Default)]
struct Inner {
    log: Mutex<Vec<Received>>,
    /// Event id → how many more attempts to answer 500.
    failures: Mutex<HashMap<String, u32>>,
    arrived: Notify,
}

/// A real HTTP server recording every webhook request.
#[derive(Clone)]
pub struct Receiver {
    pub base: String,
    inner: Arc<Inner>,
}

impl Receiver {
    /// Starts a receiver on 127.0.0.1, port 0.
    pub async fn start() -> Receiver {
        let inner = Arc::new(Inner::default());
        let app = axum::Router::new()
            .route("/{*path}", post(handle))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            base: format!("http://{addr}"),
            inner,
        }
    }

    /// Answers 500 to the next `times` attempts of event `id`.
    pub fn fail(&self, id: &str, times: u32) {
        self.inner
            .failures
            .lock()
            .expect("lock")
            .insert(id.to_owned(), times);
    }

    /// Every request so far, failed ones included.
    pub fn attempts(&self) -> Vec<Received> {
        self.inner.log.lock().expect("lock").clone()
    }

    /// The requests on `path` answered 2xx.
    pub fn accepted(&self, path: &str) -> Vec<Received> {
        self.attempts()
            .into_iter()
            .filter(|r| r.path == path && r.status < 300)
            .collect()
    }

    /// Waits (bounded) until `n` requests on `path` were accepted.
    pub async fn wait_for(&self, path: &str, n: usize) {
        let wait = async {
            loop {
                let arrived = self.inner.arrived.notified();
                if self.accepted(path).len() >= n {
                    return;
                }
                arrived.await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), wait)
            .await
            .expect("deliveries in time");
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let id = header("webhook-id");
    let status = {
        let mut failures = inner.failures.lock().expect("lock");
        match failures.get_mut(&id) {
            Some(left) if *left > 0 => {
                *left -= 1;
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::NO_CONTENT,
        }
    };
    inner.log.lock().expect("lock").push(Received {
        path: uri.path().to_owned(),
        timestamp: header("webhook-timestamp").parse().unwrap_or_default(),
        signature: header("webhook-signature"),
        id,
        body: body.to_vec(),
        status: status.as_u16(),
    });
    inner.arrived.notify_waiters();
    status
}
