//! Trigger chains end to end: defined over HTTP, run by the worker over the real event feed
//! with a clock the test moves, sends gated by consent, quiet hours and the daily cap.

mod common;

use std::sync::Arc;

use chrono::{Duration, Timelike, Utc};
use common::shop::{
    body, cart, catalog, checkout, customer, pickup_at, place, receive, timeline_of,
};
use common::triggers::firings;
use common::{TestApp, spawn_app};
use omni_api::engagement_worker::{RoundReport, TriggerWorker};
use omni_kernel::FixedClock;
use serde_json::{Value, json};

fn worker(app: &TestApp) -> (TriggerWorker, Arc<FixedClock>) {
    // A minute ahead of the server, so events written just now are in the past for the worker.
    let clock = Arc::new(FixedClock::at(Utc::now() + Duration::minutes(1)));
    let w = TriggerWorker::new(app.db.store.clone(), clock.clone(), "test-node");
    (w, clock)
}

async fn round(w: &mut TriggerWorker) -> RoundReport {
    w.run_round().await.expect("round")
}

async fn put_chain(app: &TestApp, chain: &Value, version: &str) -> reqwest::Response {
    let id = chain["id"].as_str().expect("id");
    common::triggers::put_chain(app, id, chain, version).await
}

/// A customer who agreed to marketing by SMS (their preferred channel), with quiet hours if given.
async fn reachable(app: &TestApp, phone: &str, quiet: Option<(u32, u32)>) -> String {
    let id = customer(app, phone).await;
    let mut b = json!({"changes": [{"purpose": "marketing", "channel": "sms", "granted": true,
        "method": "checkbox", "location_id": null}], "preferred_channel": "sms"});
    if let Some((s, e)) = quiet {
        b["quiet_hours"] =
            json!({"start": format!("{s:02}:00:00"), "end": format!("{e:02}:00:00")});
    }
    let r = app
        .req(
            reqwest::Method::PUT,
            &format!("/v1/customers/{id}/consents"),
            &app.a.agent,
        )
        .json(&b)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    id
}

fn abandoned_cart() -> Value {
    json!({"id": "abandoned_cart", "name": "Cart left for 2 hours", "on": "cart.updated",
        "conditions": [{"data_at_least": {"path": "units", "value": 1}}], "wait_minutes": 120,
        "action": {"kind": "message", "template": "abandoned_cart"},
        "unless": ["order.placed", "cart.cleared"], "purpose": "marketing", "max_per_customer_per_day": 1})
}

#[tokio::test]
async fn an_abandoned_cart_chain_waits_fires_once_and_is_cancelled_by_a_purchase() {
    let app = spawn_app().await;
    catalog(&app).await;
    let store = place(&app, "ST-T", "store", &["pickup"], 55.75, 37.61).await;
    receive(&app, "JKT-M", &store, 5).await;
    let (mut w, clock) = worker(&app);

    let r = put_chain(&app, &abandoned_cart(), "\"0\"").await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let stale = put_chain(&app, &abandoned_cart(), "\"0\"").await;
    assert_eq!(stale.status(), 409, "a second create is refused");
    let mut bad = abandoned_cart();
    bad["wait_minutes"] = json!(-5);
    assert_eq!(put_chain(&app, &bad, "\"1\"").await.status(), 422);
    let agent_put = app
        .req(
            reqwest::Method::PUT,
            "/v1/engagement/triggers/abandoned_cart",
            &app.a.agent,
        )
        .header("if-match", "\"1\"")
        .json(&abandoned_cart())
        .send()
        .await
        .expect("send");
    assert_eq!(agent_put.status(), 403, "agents do not define campaigns");
    round(&mut w).await;

    let ann = reachable(&app, "+79161110001", None).await;
    let bob = reachable(&app, "+79161110002", None).await;
    cart(
        &app,
        &app.a.app,
        json!({"customer_id": ann}),
        &[("JKT-M", 1), ("CAP-1", 2)],
    )
    .await;
    let bobs = cart(
        &app,
        &app.a.app,
        json!({"customer_id": bob}),
        &[("JKT-M", 1)],
    )
    .await;
    let r = round(&mut w).await;
    assert_eq!(
        r.started, 2,
        "one run per customer however often the cart changed: {r:?}"
    );
    let runs = body(
        app.get("/v1/engagement/triggers/runs", &app.a.marketer)
            .await,
    )
    .await;
    assert_eq!(runs.as_array().map(Vec::len), Some(2), "{runs}");

    clock.advance(Duration::minutes(60));
    assert_eq!(
        round(&mut w).await.sent,
        0,
        "nothing before the wait is over"
    );

    let r = checkout(&app, &app.a.app, "buy-bob", &pickup_at(&bobs, &store)).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let r = round(&mut w).await;
    assert_eq!(r.cancelled, 1, "the purchase stops Bob's run: {r:?}");

    clock.advance(Duration::minutes(61));
    let r = round(&mut w).await;
    assert_eq!((r.sent, r.dropped), (1, 0), "{r:?}");
    assert_eq!(round(&mut w).await.sent, 0, "a run fires once");

    let log = firings(&app, &ann).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(
        log[0]["gate"],
        json!({"decision": "send", "channel": "sms"})
    );
    let text = log[0]["text"].as_str().expect("text");
    assert!(
        text.contains('3'),
        "the message names the cart's 3 units: {text}"
    );
    assert!(
        firings(&app, &bob).await.is_empty(),
        "Bob bought: nothing sent"
    );
    let timeline = timeline_of(&app, &ann, "message").await;
    let items = timeline["data"].as_array().cloned().unwrap_or_default();
    assert!(
        items
            .iter()
            .any(|e| e["data"]["chain_id"] == "abandoned_cart"),
        "the send is on Ann's timeline: {timeline}"
    );
    let events = body(app.get("/v1/events?limit=1000", &app.a.admin).await).await;
    let sent: Vec<_> = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "trigger.message_sent")
        .collect();
    assert_eq!(sent.len(), 1, "one event for the channel provider");
    assert_eq!(sent[0]["data"]["customer_id"], json!(ann));
}

#[tokio::test]
async fn no_trigger_message_goes_out_without_consent_in_quiet_hours_or_over_the_cap() {
    let app = spawn_app().await;
    catalog(&app).await;
    let (mut w, clock) = worker(&app);
    let mut chain = abandoned_cart();
    chain["id"] = json!("cart_nudge");
    chain["wait_minutes"] = json!(0);
    let r = put_chain(&app, &chain, "\"0\"").await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    round(&mut w).await;

    let silent = customer(&app, "+79161110003").await;
    let hour = clock_hour_in_moscow(&clock);
    let sleepy = reachable(
        &app,
        "+79161110004",
        Some(((hour + 23) % 24, (hour + 2) % 24)),
    )
    .await;
    cart(
        &app,
        &app.a.app,
        json!({"customer_id": silent}),
        &[("CAP-1", 1)],
    )
    .await;
    let c = cart(
        &app,
        &app.a.app,
        json!({"customer_id": sleepy}),
        &[("CAP-1", 1)],
    )
    .await;
    let r = round(&mut w).await;
    assert_eq!((r.sent, r.dropped, r.deferred), (0, 1, 1), "{r:?}");
    let log = firings(&app, &silent).await;
    assert_eq!(
        log[0]["gate"],
        json!({"decision": "drop", "reason": "no_consent"})
    );
    assert_eq!(firings(&app, &sleepy).await[0]["gate"]["decision"], "defer");

    clock.advance(Duration::hours(1));
    assert_eq!(round(&mut w).await.sent, 0, "still quiet hours");
    clock.advance(Duration::hours(2));
    let r = round(&mut w).await;
    assert_eq!(r.sent, 1, "sent when quiet hours end: {r:?}");

    let r = app
        .req(
            reqwest::Method::PUT,
            &format!("/v1/carts/{c}/lines/JKT-M"),
            &app.a.app,
        )
        .json(&json!({"quantity": 1}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let r = round(&mut w).await;
    assert_eq!((r.sent, r.dropped), (0, 1), "one a day: {r:?}");
    assert_eq!(
        firings(&app, &sleepy).await[0]["gate"],
        json!({"decision": "drop", "reason": "frequency_cap"})
    );
}

fn clock_hour_in_moscow(clock: &FixedClock) -> u32 {
    use omni_kernel::Clock as _;
    clock.now().with_timezone(&chrono_tz::Europe::Moscow).hour()
}

/// A chain on `cart.updated` that asks for the model's purchase probability within `range`.
fn scored_chain(id: &str, at_least: i64, at_most: i64) -> Value {
    json!({"id": id, "name": id, "on": "cart.updated",
        "conditions": [{"data_at_least": {"path": "buy_probability_pct", "value": at_least}},
                       {"data_at_most": {"path": "buy_probability_pct", "value": at_most}}],
        "wait_minutes": 120, "action": {"kind": "message", "template": "abandoned_cart"},
        "unless": ["order.placed"], "purpose": "marketing", "max_per_customer_per_day": 1})
}

/// The latest `cart.updated` event's data and time, read from the feed.
async fn last_cart_event(app: &TestApp) -> (Value, chrono::DateTime<Utc>) {
    app.db
        .store
        .sequence_outbox(10_000)
        .await
        .expect("sequenced");
    let feed = app.db.store.global_feed(0, 10_000).await.expect("feed");
    let e = feed
        .iter()
        .rev()
        .map(|s| &s.event)
        .find(|e| e.kind == "cart.updated")
        .expect("a cart event");
    (e.data.clone(), e.occurred_at)
}

#[tokio::test]
async fn cart_events_carry_the_abandoned_cart_models_probability_to_the_chains_that_ask() {
    use omni_api::analytics::{AnalyticsCache, Built, LiveCart};
    let app = spawn_app().await;
    catalog(&app).await;
    let ann = reachable(&app, "+79161110031", None).await;
    let lines = [("JKT-M", 1), ("CAP-1", 2)];
    let id = cart(&app, &app.a.app, json!({"customer_id": ann}), &lines).await;
    let (data, at) = last_cart_event(&app).await;
    assert_eq!(data["units"], 3, "{data}");

    // A model trained on a synthetic chain's history, to be this node's build.
    let built = Built::new(
        omni_domain::analytics::synthetic::generate(2_000, 7),
        Utc::now(),
    );
    let score = |built: &Built, at| {
        let live = LiveCart {
            customer: Some(ann.parse().expect("customer id")),
            at,
            channel: serde_json::from_value(data["channel"].clone()).expect("channel"),
            units: 3,
            had_offer: false,
        };
        (built.cart_probability(&live).expect("a model") * 100.0).round() as i64
    };
    let pct = score(&built, at);
    let ranges = [
        ("exact", pct, pct),
        ("above", pct + 1, 100),
        ("below", 0, pct - 1),
    ];
    for (id, low, high) in ranges {
        let r = put_chain(&app, &scored_chain(id, low, high), "\"0\"").await;
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
    }
    let analytics = Arc::new(AnalyticsCache::default());
    let (w, _) = worker(&app);
    let mut w = w.with_cart_scores(analytics.clone());
    let r = round(&mut w).await;
    assert_eq!(
        r.started, 0,
        "without a model no condition on the score holds: {r:?}"
    );

    analytics.install(app.a.tenant.id, built).await;
    let built = analytics.peek(app.a.tenant.id).expect("installed");
    let r = app
        .req(
            reqwest::Method::PUT,
            &format!("/v1/carts/{id}/lines/CAP-1"),
            &app.a.app,
        )
        .json(&json!({"quantity": 2}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let (_, again) = last_cart_event(&app).await;
    assert!(again > at, "a second cart event");
    let pct = score(&built, again);
    let r = round(&mut w).await;
    assert_eq!(
        r.started, 1,
        "exactly one range holds the score {pct}%: {r:?}"
    );
    let runs = body(
        app.get("/v1/engagement/triggers/runs", &app.a.marketer)
            .await,
    )
    .await;
    let expected: Vec<&str> = ranges
        .iter()
        .filter(|(_, low, high)| (*low..=*high).contains(&pct))
        .map(|(id, ..)| *id)
        .collect();
    let started: Vec<&str> = runs
        .as_array()
        .expect("runs")
        .iter()
        .filter_map(|r| r["chain_id"].as_str())
        .collect();
    assert_eq!(started, expected, "the score is {pct}%: {runs}");
}
