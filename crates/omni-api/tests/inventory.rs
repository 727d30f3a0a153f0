//! Inventory over HTTP on both backends: many concurrent reservers never oversell, a hold's
//! life moves stock and the ledger, overdue holds free their stock, feeds report rejected
//! rows, availability follows channel rules, and tenants and roles stay apart.

mod common;

use common::{TestApp, problem, spawn_app};
use futures::future::join_all;
use serde_json::{Value, json};

async fn receive(app: &TestApp, sku: &str, location: &str, q: i64) -> Value {
    let body = json!({"sku": sku, "location_id": location, "kind": "receipt", "quantity": q, "reference": "PO-1"});
    let r = app.post("/v1/stock/movements", &app.a.admin, &body).await;
    assert_eq!(r.status(), 201);
    r.json().await.expect("json")
}

fn hold(sku: &str, location: &str, q: i64, ttl: u32) -> Value {
    json!({"sku": sku, "location_id": location, "quantity": q,
           "reserved_for": {"type": "cart", "id": "crt_1"}, "ttl_seconds": ttl})
}

async fn level(app: &TestApp, sku: &str, location: &str) -> Value {
    let path = format!("/v1/stock/{sku}/locations/{location}");
    let body: Value = app
        .get(&path, &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    body["stock"].clone()
}

#[tokio::test]
async fn many_concurrent_reservers_in_every_channel_get_exactly_the_stock_that_exists() {
    let app = spawn_app().await;
    let store = app.a.store.to_string();
    receive(&app, "LAST-7", &store, 7).await;
    let keys = [&app.a.app, &app.a.associate, &app.a.agent, &app.a.admin];
    let body = hold("LAST-7", &store, 1, 600);
    let attempts = (0..48).map(|i| app.post("/v1/reservations", keys[i % keys.len()], &body));
    let statuses: Vec<u16> = join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        7,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    let stock = level(&app, "LAST-7", &store).await;
    assert_eq!(
        (stock["on_hand"].as_i64(), stock["reserved"].as_i64()),
        (Some(7), Some(7))
    );
}

#[tokio::test]
async fn a_hold_is_extended_then_committed_and_the_ledger_adds_up_to_on_hand() {
    let app = spawn_app().await;
    let store = app.a.store.to_string();
    receive(&app, "SKU-L", &store, 5).await;
    let r = app
        .post(
            "/v1/reservations",
            &app.a.app,
            &hold("SKU-L", &store, 2, 60),
        )
        .await;
    assert_eq!(r.status(), 201);
    let placed: Value = r.json().await.expect("json");
    assert_eq!(
        (placed["status"].as_str(), placed["channel"].as_str()),
        (Some("active"), Some("web"))
    );
    let base = format!("/v1/reservations/{}", placed["id"].as_str().expect("id"));
    let ext = app
        .post(
            &format!("{base}/extension"),
            &app.a.app,
            &json!({"ttl_seconds": 3600}),
        )
        .await;
    assert_eq!(ext.status(), 200);
    let done = app
        .post(
            &format!("{base}/commitment"),
            &app.a.associate,
            &json!({"as": "pickup"}),
        )
        .await;
    assert_eq!(done.status(), 200);
    problem(
        app.post(&format!("{base}/release"), &app.a.app, &json!({}))
            .await,
        409,
    )
    .await;
    let stock = level(&app, "SKU-L", &store).await;
    assert_eq!(
        (stock["on_hand"].as_i64(), stock["reserved"].as_i64()),
        (Some(3), Some(0))
    );
    let path = format!("/v1/stock/SKU-L/locations/{store}/movements");
    let ledger: Value = app
        .get(&path, &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    let kinds: Vec<_> = ledger["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| m["kind"].as_str())
        .collect();
    assert_eq!(kinds, [Some("receipt"), Some("sale")]);
    let sum: i64 = ledger["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["quantity"].as_i64())
        .sum();
    assert_eq!(sum, 3);
}

#[tokio::test]
async fn overdue_holds_are_expired_by_the_sweep_and_free_their_stock() {
    let app = spawn_app().await;
    let store = app.a.store.to_string();
    receive(&app, "SKU-TTL", &store, 2).await;
    let placed: Value = app
        .post(
            "/v1/reservations",
            &app.a.app,
            &hold("SKU-TTL", &store, 2, 30),
        )
        .await
        .json()
        .await
        .expect("json");
    problem(
        app.post(
            "/v1/reservations",
            &app.a.app,
            &hold("SKU-TTL", &store, 1, 30),
        )
        .await,
        409,
    )
    .await;
    let later = chrono::Utc::now() + chrono::Duration::seconds(31);
    assert_eq!(
        app.db
            .store
            .expire_due_reservations(later, 100)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(
        app.db
            .store
            .expire_due_reservations(later, 100)
            .await
            .expect("sweep"),
        0
    );
    let path = format!("/v1/reservations/{}", placed["id"].as_str().expect("id"));
    let after: Value = app.get(&path, &app.a.app).await.json().await.expect("json");
    assert_eq!(after["status"], "expired");
    assert_eq!(level(&app, "SKU-TTL", &store).await["reserved"], 0);
    problem(
        app.post(
            &format!("{path}/commitment"),
            &app.a.app,
            &json!({"as": "shipment"}),
        )
        .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn a_feed_applies_good_rows_and_reports_each_rejected_one() {
    let app = spawn_app().await;
    let store = app.a.store.to_string();
    receive(&app, "HELD", &store, 5).await;
    app.post(
        "/v1/reservations",
        &app.a.app,
        &hold("HELD", &store, 4, 600),
    )
    .await;
    let feed = json!({"mode": "snapshot", "rows": [
        {"sku": "F-1", "location": "HOME-1", "quantity": 10, "safety_stock": 2},
        {"sku": "bad sku", "location": "HOME-1", "quantity": 1},
        {"sku": "F-2", "location": "NOWHERE", "quantity": 1},
        {"sku": "F-3", "location": store, "quantity": -1},
        {"sku": "HELD", "location": "HOME-1", "quantity": 3},
        {"sku": "F-4", "location": store, "quantity": 0}
    ]});
    let send = || {
        app.req(reqwest::Method::POST, "/v1/stock/feeds", &app.a.admin)
            .header("idempotency-key", "feed-1")
            .json(&feed)
            .send()
    };
    let r = send().await.expect("feed");
    assert_eq!(r.status(), 201);
    let report: Value = r.json().await.expect("json");
    assert_eq!(
        (
            report["rows"].as_i64(),
            report["applied"].as_i64(),
            report["rejected"].as_i64()
        ),
        (Some(6), Some(2), Some(4))
    );
    let reasons: Vec<_> = report["rejects"]
        .as_array()
        .expect("rejects")
        .iter()
        .map(|r| {
            (
                r["row"].as_i64().unwrap_or(0),
                r["reason"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (2, "invalid_sku"),
            (3, "unknown_location"),
            (4, "negative_quantity"),
            (5, "below_reserved")
        ]
    );
    let replay = send().await.expect("replay");
    assert_eq!(
        replay
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    let stock = level(&app, "F-1", &store).await;
    assert_eq!(
        (stock["on_hand"].as_i64(), stock["safety_stock"].as_i64()),
        (Some(10), Some(2))
    );
    assert_eq!(
        level(&app, "HELD", &store).await["on_hand"],
        5,
        "the undercutting row changed nothing"
    );
    // a restated row keeps its safety stock unless the feed gives one (even at the same on-hand)
    for (rows, expected) in [
        (
            json!([{"sku": "F-1", "location": "HOME-1", "quantity": 10}]),
            (10, 2),
        ),
        (
            json!([{"sku": "F-1", "location": "HOME-1", "quantity": 10, "safety_stock": 0}]),
            (10, 0),
        ),
        (
            json!([{"sku": "F-1", "location": "HOME-1", "quantity": 7}]),
            (7, 0),
        ),
    ] {
        let r = app
            .post(
                "/v1/stock/feeds",
                &app.a.admin,
                &json!({"mode": "snapshot", "rows": rows}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let stock = level(&app, "F-1", &store).await;
        assert_eq!(
            (stock["on_hand"].as_i64(), stock["safety_stock"].as_i64()),
            (Some(expected.0), Some(expected.1))
        );
    }
    problem(
        app.post("/v1/stock/feeds", &app.a.associate, &feed).await,
        403,
    )
    .await;
}

#[tokio::test]
async fn availability_near_a_point_follows_channel_rules_and_opening_hours() {
    let app = spawn_app().await;
    let store = app.a.store.to_string();
    receive(&app, "NEAR-1", &store, 1).await;
    receive(&app, "NEAR-9", &store, 90).await;
    let app = &app;
    let near = |sku: &str, key: &str| {
        let path = format!("/v1/stock/{sku}/nearby?lat=55.751&lon=37.612&radius_km=3");
        let key = key.to_owned();
        async move {
            app.get(&path, &key)
                .await
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let pos_view = near("NEAR-1", &app.a.agent).await;
    assert_eq!(pos_view["available"], 1);
    assert_eq!(pos_view["locations"][0]["code"], "HOME-1");
    assert!(pos_view["locations"][0]["opening_hours"].is_object());
    assert!(
        pos_view["locations"][0]["distance_km"]
            .as_f64()
            .is_some_and(|d| d < 1.0)
    );
    assert_eq!(
        near("NEAR-1", &app.a.app).await["available"],
        0,
        "web hides the last unit"
    );
    assert_eq!(
        near("NEAR-9", &app.a.app).await["available"],
        50,
        "web caps its promise"
    );
    let far: Value = app
        .get(
            "/v1/stock/NEAR-9/nearby?lat=59.93&lon=30.33&radius_km=50",
            &app.a.agent,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(far["locations"].as_array().map(Vec::len), Some(0));
    let net: Value = app
        .get("/v1/stock/NEAR-9", &app.a.app)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (
            net["available"].as_i64(),
            net["locations"][0]["stock"].is_null()
        ),
        (Some(50), true)
    );
    problem(
        app.get("/v1/stock/NEAR-9/nearby?lat=95&lon=0", &app.a.app)
            .await,
        422,
    )
    .await;
}

#[tokio::test]
async fn transfers_show_stock_in_transit_until_received_and_counts_record_the_variance() {
    let app = spawn_app().await;
    let store = app.a.store.to_string();
    let dc = app.create_location(&app.a.admin, "DC-1").await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    receive(&app, "TR", &dc, 10).await;
    let t = app
        .post(
            "/v1/transfers",
            &app.a.admin,
            &json!({"sku": "TR", "from_location_id": dc, "to_location_id": store, "quantity": 4}),
        )
        .await;
    assert_eq!(t.status(), 201);
    let t: Value = t.json().await.expect("json");
    assert_eq!(
        (
            level(&app, "TR", &store).await["in_transit"].as_i64(),
            level(&app, "TR", &dc).await["on_hand"].as_i64()
        ),
        (Some(4), Some(6))
    );
    let path = format!("/v1/transfers/{}/receipt", t["id"].as_str().expect("id"));
    assert_eq!(
        app.post(&path, &app.a.associate, &json!({})).await.status(),
        200
    );
    problem(app.post(&path, &app.a.associate, &json!({})).await, 409).await;
    let at_store = level(&app, "TR", &store).await;
    assert_eq!(
        (
            at_store["on_hand"].as_i64(),
            at_store["in_transit"].as_i64()
        ),
        (Some(4), Some(0))
    );
    let count = json!({"location_id": store, "lines": [{"sku": "TR", "counted": 3}, {"sku": "NEW", "counted": 2}], "reference": "RFID-7"});
    let counted: Value = app
        .post("/v1/stock/counts", &app.a.associate, &count)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(counted["lines"][0]["variance"], -1);
    assert_eq!(counted["lines"][1]["status"], "applied");
    let elsewhere = json!({"location_id": dc, "lines": [{"sku": "TR", "counted": 1}]});
    problem(
        app.post("/v1/stock/counts", &app.a.associate, &elsewhere)
            .await,
        403,
    )
    .await;
    assert_eq!(
        app.db
            .store
            .unreconciled_stock(app.a.tenant.id)
            .await
            .expect("audit"),
        vec![]
    );
}

#[tokio::test]
async fn stock_and_holds_of_another_tenant_are_out_of_reach() {
    let app = spawn_app().await;
    let store = app.a.store.to_string();
    receive(&app, "ISO", &store, 3).await;
    let placed: Value = app
        .post("/v1/reservations", &app.a.app, &hold("ISO", &store, 1, 600))
        .await
        .json()
        .await
        .expect("json");
    let path = format!("/v1/reservations/{}", placed["id"].as_str().expect("id"));
    problem(app.get(&path, &app.b.admin).await, 404).await;
    problem(
        app.post(&format!("{path}/release"), &app.b.admin, &json!({}))
            .await,
        404,
    )
    .await;
    problem(
        app.post(
            "/v1/reservations",
            &app.b.admin,
            &hold("ISO", &store, 1, 600),
        )
        .await,
        422,
    )
    .await;
    let b_view: Value = app
        .get("/v1/stock/ISO", &app.b.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(b_view["locations"].as_array().map(Vec::len), Some(0));
    problem(
        app.post(
            "/v1/reservations",
            &app.a.marketer,
            &hold("ISO", &store, 1, 600),
        )
        .await,
        403,
    )
    .await;
}

#[tokio::test]
async fn channel_rules_are_data_the_admin_edits_and_availability_follows_them() {
    let app = spawn_app().await;
    let rules: serde_json::Value = app
        .get("/v1/stock/channel-rules", &app.a.app)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rules, serde_json::json!({"rules": {}}));
    let strict = serde_json::json!({"rules": {"web": {"min_shown": 5, "max_promise": 3}}});
    let r = app
        .req(reqwest::Method::PUT, "/v1/stock/channel-rules", &app.a.app)
        .json(&strict)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 403);
    let bad = serde_json::json!({"rules": {"web": {"min_shown": 0}}});
    let r = app
        .req(
            reqwest::Method::PUT,
            "/v1/stock/channel-rules",
            &app.a.admin,
        )
        .json(&bad)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 422);
    let r = app
        .req(
            reqwest::Method::PUT,
            "/v1/stock/channel-rules",
            &app.a.admin,
        )
        .json(&strict)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let store = app.a.store;
    let moved = app
        .post("/v1/stock/movements", &app.a.admin, &serde_json::json!({"sku": "RULE-1", "location_id": store, "kind": "receipt", "quantity": 4}))
        .await;
    assert_eq!(moved.status(), 201, "{:?}", moved.text().await);
    let web: serde_json::Value = app
        .get(&format!("/v1/stock/RULE-1/locations/{store}"), &app.a.app)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        web["available"], 0,
        "below the web's minimum: shown as out of stock"
    );
    let pos: serde_json::Value = app
        .get(
            &format!("/v1/stock/RULE-1/locations/{store}"),
            &app.a.associate,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(pos["available"], 4);
    // tenant B keeps the defaults
    let b: serde_json::Value = app
        .get("/v1/stock/channel-rules", &app.b.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(b, serde_json::json!({"rules": {}}));
}
