//! Webhook delivery against a real HTTP receiver and a real database (SQLite, or PostgreSQL
//! when OMNI_TEST_POSTGRES_URL is set): order, signatures, retries with backoff, tenant
//! isolation, type filters and the SSRF guard.

mod common;

use std::sync::Arc;

use common::{Receiver, clock, database, record, subscribe, tenant};
use omni_domain::webhooks::verify;
use omni_events::webhooks::signing_key;
use omni_events::{Relay, RelayConfig, WebhookPayload, WebhookRound};
use omni_kernel::{Clock, FixedClock};
use omni_store::Store;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn relay(store: &Store, allow_private: bool, clock: Arc<FixedClock>) -> Relay {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut config = RelayConfig::new(format!("node-{}", ulid::Ulid::generate()));
    config.allow_private_webhooks = allow_private;
    Relay::new(store.clone(), config)
        .await
        .expect("relay")
        .with_clock(clock)
}

fn payloads(received: &[common::Received]) -> Vec<WebhookPayload> {
    received
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("payload JSON"))
        .collect()
}

#[tokio::test]
async fn a_subscription_receives_its_tenants_events_in_order_and_signed() {
    let db = database().await;
    let receiver = Receiver::start().await;
    let (a, b) = (tenant(&db).await, tenant(&db).await);
    subscribe(&db, a, &format!("{}/a", receiver.base), &[], SECRET).await;
    subscribe(&db, b, &format!("{}/b", receiver.base), &[], SECRET).await;
    let clock = clock();
    let relay = relay(&db.store, true, clock.clone()).await;

    let kinds = [
        "location.created",
        "location.updated",
        "location.updated",
        "location.closed",
        "location.created",
    ];
    let events = record(&db, a, &kinds).await;
    // SQLite's single writer numbers events as it writes them; PostgreSQL's are sequenced here.
    let sequenced = match db.store.backend() {
        omni_store::Backend::Sqlite => 0,
        omni_store::Backend::Postgres => 5,
    };
    assert_eq!(relay.sequence_once().await.expect("sequence"), sequenced);
    let round = relay.deliver_webhooks_once().await.expect("deliver");
    assert_eq!(
        round,
        WebhookRound {
            delivered: 5,
            skipped: 0,
            failed: 0
        }
    );

    let got = receiver.accepted("/a");
    let ids: Vec<_> = payloads(&got).iter().map(|p| p.id).collect();
    assert_eq!(
        ids,
        events.iter().map(|e| e.id).collect::<Vec<_>>(),
        "exactly the 5 events, in order"
    );
    for (r, p) in got.iter().zip(payloads(&got)) {
        assert_eq!(r.id, p.id.to_string(), "webhook-id is the event id");
        assert_eq!(p.tenant_id, a);
        assert!(verify(
            &signing_key(SECRET),
            &r.id,
            r.timestamp,
            &r.body,
            &r.signature,
            clock.now().timestamp()
        ));
        assert!(!verify(
            b"another secret",
            &r.id,
            r.timestamp,
            &r.body,
            &r.signature,
            clock.now().timestamp()
        ));
    }
    let seqs: Vec<_> = payloads(&got).iter().map(|p| p.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "feed positions increase: {seqs:?}"
    );
    assert!(
        receiver.accepted("/b").is_empty(),
        "tenant B never receives tenant A's events"
    );

    // Nothing new: a second round sends nothing again.
    assert_eq!(
        relay
            .deliver_webhooks_once()
            .await
            .expect("deliver")
            .delivered,
        0
    );

    let b_events = record(&db, b, &["order.created", "order.paid"]).await;
    relay.sequence_once().await.expect("sequence");
    assert_eq!(
        relay
            .deliver_webhooks_once()
            .await
            .expect("deliver")
            .delivered,
        2
    );
    let b_ids: Vec<_> = payloads(&receiver.accepted("/b"))
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(b_ids, b_events.iter().map(|e| e.id).collect::<Vec<_>>());
    assert_eq!(
        receiver.accepted("/a").len(),
        5,
        "tenant A got nothing of tenant B's"
    );
}

#[tokio::test]
async fn a_failing_event_is_retried_with_backoff_and_order_is_kept() {
    let db = database().await;
    let receiver = Receiver::start().await;
    let t = tenant(&db).await;
    let hook = subscribe(&db, t, &format!("{}/hook", receiver.base), &[], SECRET).await;
    let clock = clock();
    let relay = relay(&db.store, true, clock.clone()).await;
    let events = record(&db, t, &["order.created"; 5]).await;
    relay.sequence_once().await.expect("sequence");
    receiver.fail(&events[2].id.to_string(), 2);

    let round = relay.deliver_webhooks_once().await.expect("deliver");
    assert_eq!(
        round,
        WebhookRound {
            delivered: 2,
            skipped: 0,
            failed: 1
        }
    );
    let state = db.store.webhook(t, hook).await.expect("hook");
    assert_eq!(state.attempts, 1);
    assert_eq!(
        state.next_attempt_at,
        clock.now() + chrono::Duration::seconds(5),
        "first retry after 5 s"
    );
    assert!(
        state
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("500"),
        "{:?}",
        state.last_error
    );

    // Not due yet: nothing is sent, not even the later events.
    assert_eq!(
        relay.deliver_webhooks_once().await.expect("deliver"),
        WebhookRound::default()
    );

    clock.advance(chrono::Duration::seconds(5));
    assert_eq!(
        relay.deliver_webhooks_once().await.expect("deliver").failed,
        1
    );
    let state = db.store.webhook(t, hook).await.expect("hook");
    assert_eq!(state.attempts, 2);
    assert_eq!(
        state.next_attempt_at,
        clock.now() + chrono::Duration::seconds(10),
        "backoff doubles"
    );

    clock.advance(chrono::Duration::seconds(10));
    assert_eq!(
        relay
            .deliver_webhooks_once()
            .await
            .expect("deliver")
            .delivered,
        3
    );
    let state = db.store.webhook(t, hook).await.expect("hook");
    assert_eq!(
        (state.attempts, state.last_error),
        (0, None),
        "success resets the retry state"
    );

    let attempted: Vec<_> = receiver
        .attempts()
        .iter()
        .map(|r| (r.id.clone(), r.status))
        .collect();
    let id = |i: usize| events[i].id.to_string();
    assert_eq!(
        attempted,
        vec![
            (id(0), 204),
            (id(1), 204),
            (id(2), 500),
            (id(2), 500),
            (id(2), 204),
            (id(3), 204),
            (id(4), 204)
        ],
        "event 4 is never sent before event 3 succeeded"
    );
}

#[tokio::test]
async fn events_of_unwanted_types_are_skipped_over() {
    let db = database().await;
    let receiver = Receiver::start().await;
    let t = tenant(&db).await;
    let hook = subscribe(
        &db,
        t,
        &format!("{}/orders", receiver.base),
        &["order.created"],
        SECRET,
    )
    .await;
    let relay = relay(&db.store, true, clock()).await;
    let events = record(
        &db,
        t,
        &["location.created", "order.created", "location.updated"],
    )
    .await;
    relay.sequence_once().await.expect("sequence");

    let round = relay.deliver_webhooks_once().await.expect("deliver");
    assert_eq!((round.delivered, round.skipped), (1, 2));
    let got = payloads(&receiver.accepted("/orders"));
    assert_eq!(
        got.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![events[1].id]
    );
    assert_eq!(
        db.store.webhook(t, hook).await.expect("hook").position,
        db.store.feed_head().await.expect("head")
    );
}

#[tokio::test]
async fn loopback_targets_are_refused_unless_private_webhooks_are_allowed() {
    let db = database().await;
    let receiver = Receiver::start().await;
    let t = tenant(&db).await;
    let hook = subscribe(&db, t, &format!("{}/ssrf", receiver.base), &[], SECRET).await;
    let relay = relay(&db.store, false, clock()).await;
    record(&db, t, &["order.created"]).await;
    relay.sequence_once().await.expect("sequence");

    let round = relay.deliver_webhooks_once().await.expect("deliver");
    assert_eq!(
        round,
        WebhookRound {
            delivered: 0,
            skipped: 0,
            failed: 1
        }
    );
    assert!(
        receiver.attempts().is_empty(),
        "no request reached the loopback receiver"
    );
    let state = db.store.webhook(t, hook).await.expect("hook");
    let error = state.last_error.unwrap_or_default();
    assert!(
        error.contains("refused") && error.contains("private"),
        "a clear error: {error}"
    );
    assert_eq!((state.position, state.attempts), (0, 1));
}
