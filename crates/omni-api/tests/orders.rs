//! The order flow over HTTP on both backends: one cart across devices, delivery options and
//! split shipments, checkout that is all-or-nothing and exactly-once, the lifecycle and the
//! pickup counter, cancellation and returns that give back exactly what was paid, and the
//! race for the last unit.

mod common;

use common::{TestApp, problem, spawn_app};
use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

/// A category with a jacket (10 000 ₽) and a cap (1 000 ₽); returns the category id.
async fn catalog(app: &TestApp) -> String {
    let r = app
        .post(
            "/v1/catalog/categories",
            &app.a.admin,
            &json!({"code": "outdoor", "name": {"ru": "Туризм"}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let cat = body(r).await["id"].as_str().expect("id").to_owned();
    for (article, sku, price) in [("JKT", "JKT-M", 1_000_000), ("CAP", "CAP-1", 100_000)] {
        let p = json!({"article": article, "category_id": cat, "name": {"ru": article},
            "variants": [{"sku": sku, "list_prices": [{"amount": price, "currency": "RUB"}]}]});
        let r = app.post("/v1/catalog/products", &app.a.admin, &p).await;
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
    }
    cat
}

async fn body(r: reqwest::Response) -> Value {
    r.json().await.expect("json")
}

/// A location of `kind` with capabilities, open around the clock, at (lat, lon).
async fn place(app: &TestApp, code: &str, kind: &str, caps: &[&str], lat: f64, lon: f64) -> String {
    let mut b = common::location_body(code);
    b["kind"] = json!(kind);
    b["capabilities"] = json!(caps);
    b["geo"] = json!({"lat": lat, "lon": lon});
    b["daily_order_capacity"] = json!(1000);
    b["opening_hours"] = json!({"mon": [{"open": "00:00", "close": "00:00"}], "tue": [{"open": "00:00", "close": "00:00"}],
        "wed": [{"open": "00:00", "close": "00:00"}], "thu": [{"open": "00:00", "close": "00:00"}], "fri": [{"open": "00:00", "close": "00:00"}],
        "sat": [{"open": "00:00", "close": "00:00"}], "sun": [{"open": "00:00", "close": "00:00"}]});
    let r = app.post("/v1/locations", &app.a.admin, &b).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    body(r).await["id"].as_str().expect("id").to_owned()
}

async fn receive(app: &TestApp, sku: &str, location: &str, q: i64) {
    let b = json!({"sku": sku, "location_id": location, "kind": "receipt", "quantity": q});
    let r = app.post("/v1/stock/movements", &app.a.admin, &b).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
}

async fn stock(app: &TestApp, sku: &str, location: &str) -> (i64, i64) {
    let s = body(
        app.get(
            &format!("/v1/stock/{sku}/locations/{location}"),
            &app.a.admin,
        )
        .await,
    )
    .await;
    (
        s["stock"]["on_hand"].as_i64().unwrap_or(0),
        s["stock"]["reserved"].as_i64().unwrap_or(0),
    )
}

async fn customer(app: &TestApp, phone: &str) -> String {
    let b = json!({"identifiers": [{"kind": "phone", "value": phone, "verified": true}]});
    let r = app.post("/v1/customers", &app.a.agent, &b).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    body(r).await["id"].as_str().expect("id").to_owned()
}

async fn points(app: &TestApp, who: &str) -> (i64, i64) {
    let s = body(
        app.get(&format!("/v1/customers/{who}/points"), &app.a.agent)
            .await,
    )
    .await;
    (
        s["balance"]["available"].as_i64().expect("available"),
        s["balance"]["pending"].as_i64().expect("pending"),
    )
}

/// Opens (or finds) a cart and puts lines in it; returns the cart id.
async fn cart(app: &TestApp, key: &str, owner: Value, lines: &[(&str, u32)]) -> String {
    let r = app.post("/v1/carts", key, &owner).await;
    assert!(
        r.status() == 201 || r.status() == 200,
        "{:?}",
        r.text().await
    );
    let id = body(r).await["id"].as_str().expect("id").to_owned();
    for (sku, q) in lines {
        let r = app
            .req(Method::PUT, &format!("/v1/carts/{id}/lines/{sku}"), key)
            .json(&json!({"quantity": q}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
    }
    id
}

async fn checkout(app: &TestApp, key: &str, idem: &str, b: &Value) -> reqwest::Response {
    app.req(Method::POST, "/v1/checkouts", key)
        .header("idempotency-key", idem)
        .json(b)
        .send()
        .await
        .expect("send")
}

fn pickup_at(cart: &str, store: &str) -> Value {
    json!({"cart_id": cart, "fulfilment": {"method": "store_pickup", "location_id": store},
        "payment": {"method": "card", "token": "tok_ok"}})
}

async fn step(app: &TestApp, key: &str, order: &str, action: &str) -> reqwest::Response {
    app.post(
        &format!("/v1/orders/{order}/transitions"),
        key,
        &json!({"action": action}),
    )
    .await
}

#[tokio::test]
async fn a_cart_started_on_the_phone_continues_on_the_web_and_merges_when_the_device_logs_in() {
    let app = spawn_app().await;
    catalog(&app).await;
    let who = customer(&app, "+79160000001").await;
    let phone = cart(
        &app,
        &app.a.app,
        json!({"device_id": "app-install-1"}),
        &[("JKT-M", 1)],
    )
    .await;
    let web = cart(
        &app,
        &app.a.app,
        json!({"customer_id": who}),
        &[("CAP-1", 2), ("JKT-M", 1)],
    )
    .await;
    // the call center reads the same cart the web built
    let found = body(
        app.get(&format!("/v1/carts?customer_id={who}"), &app.a.agent)
            .await,
    )
    .await;
    assert_eq!(found["id"].as_str(), Some(web.as_str()));
    assert_eq!(found["quote"]["total"].as_i64(), Some(1_200_000));
    // the phone logs in: its cart merges into the customer's, nothing is lost
    let r = app
        .post(
            &format!("/v1/carts/{phone}/owner"),
            &app.a.app,
            &json!({"customer_id": who}),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let merged = body(r).await;
    assert_eq!(merged["id"].as_str(), Some(web.as_str()));
    let qty = |sku: &str| {
        merged["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .find(|l| l["sku"] == sku)
            .and_then(|l| l["quantity"].as_u64())
    };
    assert_eq!((qty("JKT-M"), qty("CAP-1")), (Some(2), Some(2)));
    assert_eq!(merged["quote"]["total"].as_i64(), Some(2_200_000));
    let old = body(app.get(&format!("/v1/carts/{phone}"), &app.a.app).await).await;
    assert_eq!(
        (old["status"].as_str(), old["merged_into"].as_str()),
        (Some("merged"), Some(web.as_str()))
    );
    let r = app
        .req(
            Method::PUT,
            &format!("/v1/carts/{phone}/lines/CAP-1"),
            &app.a.app,
        )
        .json(&json!({"quantity": 1}))
        .send()
        .await
        .expect("send");
    problem(r, 409).await;
    // one open cart per customer, whichever channel asks
    let again = app
        .post("/v1/carts", &app.a.agent, &json!({"customer_id": who}))
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(body(again).await["id"].as_str(), Some(web.as_str()));
    let timeline = body(
        app.get(
            &format!("/v1/customers/{who}/timeline?kind=cart_changed"),
            &app.a.agent,
        )
        .await,
    )
    .await;
    assert!(
        timeline["data"].as_array().is_some_and(|t| t.len() >= 3),
        "{timeline}"
    );
}

#[tokio::test]
async fn delivery_options_cover_every_method_and_a_courier_order_splits_only_when_it_must() {
    let app = spawn_app().await;
    catalog(&app).await;
    let north = place(&app, "WH-N", "warehouse", &["fulfilment"], 55.9, 37.6).await;
    let south = place(&app, "WH-S", "warehouse", &["fulfilment"], 55.5, 37.6).await;
    let store = place(
        &app,
        "ST-1",
        "store",
        &["pickup", "sell_in_store", "ship_from_store"],
        55.75,
        37.61,
    )
    .await;
    let point = place(&app, "PP-1", "pickup_point", &["pickup"], 55.76, 37.62).await;
    receive(&app, "JKT-M", &north, 5).await;
    receive(&app, "CAP-1", &south, 5).await;
    let who = customer(&app, "+79160000002").await;
    let c = cart(
        &app,
        &app.a.app,
        json!({"customer_id": who}),
        &[("JKT-M", 1), ("CAP-1", 1)],
    )
    .await;
    let r = app
        .post(
            &format!("/v1/carts/{c}/delivery-options"),
            &app.a.app,
            &json!({"destination": {"lat": 55.75, "lon": 37.6}}),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let options = body(r).await;
    let methods: Vec<&str> = options
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|o| o["method"].as_str())
        .collect();
    assert!(
        methods.contains(&"courier")
            && methods.contains(&"pickup_point")
            && methods.contains(&"store_pickup"),
        "{methods:?}"
    );
    let courier = options
        .as_array()
        .expect("list")
        .iter()
        .find(|o| o["method"] == "courier")
        .expect("courier");
    assert_eq!(
        courier["parcels"].as_u64(),
        Some(2),
        "no single place has both: {courier}"
    );
    let pp = options
        .as_array()
        .expect("list")
        .iter()
        .find(|o| o["method"] == "pickup_point")
        .expect("pp");
    assert_eq!(pp["location_id"].as_str(), Some(point.as_str()));
    // the courier order reserves at both warehouses
    let b = json!({"cart_id": c, "fulfilment": {"method": "courier", "address": {"text": "Тверская 1", "geo": {"lat": 55.75, "lon": 37.6}}},
        "payment": {"method": "card", "token": "tok_ok"}});
    let r = checkout(&app, &app.a.app, "co-split", &b).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let order = body(r).await["order"].clone();
    assert_eq!(order["status"].as_str(), Some("allocated"));
    assert_eq!(order["delivery"]["parcels"].as_u64(), Some(2));
    assert_eq!(stock(&app, "JKT-M", &north).await, (5, 1));
    assert_eq!(stock(&app, "CAP-1", &south).await, (5, 1));
    // the store is not involved; each warehouse's pick list has the order
    let list = body(
        app.get(&format!("/v1/locations/{north}/pick-list"), &app.a.admin)
            .await,
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let list = body(
        app.get(&format!("/v1/locations/{store}/pick-list"), &app.a.admin)
            .await,
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    // now the store has both: a single parcel from it is preferred over a split
    receive(&app, "JKT-M", &store, 3).await;
    receive(&app, "CAP-1", &store, 3).await;
    let c2 = cart(
        &app,
        &app.a.app,
        json!({"device_id": "web-2"}),
        &[("JKT-M", 1), ("CAP-1", 1)],
    )
    .await;
    let b2 = json!({"cart_id": c2, "fulfilment": {"method": "courier", "address": {"text": "Арбат 2", "geo": {"lat": 55.75, "lon": 37.6}}},
        "payment": {"method": "on_delivery"}});
    let r = checkout(&app, &app.a.app, "co-single", &b2).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let o2 = body(r).await["order"].clone();
    assert_eq!(o2["delivery"]["parcels"].as_u64(), Some(1), "{o2}");
    assert_eq!(stock(&app, "JKT-M", &store).await, (3, 1));
}

#[tokio::test]
async fn a_pickup_order_is_picked_packed_and_handed_out_against_its_code() {
    let app = spawn_app().await;
    catalog(&app).await;
    let store = app.a.store.to_string();
    // the home store hands out orders too
    receive(&app, "JKT-M", &store, 2).await;
    let pickup_store = place(
        &app,
        "ST-P",
        "store",
        &["pickup", "sell_in_store"],
        55.75,
        37.61,
    )
    .await;
    receive(&app, "JKT-M", &pickup_store, 2).await;
    let who = customer(&app, "+79160000003").await;
    let c = cart(
        &app,
        &app.a.app,
        json!({"customer_id": who}),
        &[("JKT-M", 1)],
    )
    .await;
    let r = checkout(&app, &app.a.app, "co-pick", &pickup_at(&c, &pickup_store)).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let placed = body(r).await;
    let code = placed["pickup_code"]
        .as_str()
        .expect("code shown once")
        .to_owned();
    let id = placed["order"]["id"].as_str().expect("id").to_owned();
    let number = placed["order"]["number"]
        .as_str()
        .expect("number")
        .to_owned();
    assert!(!placed["order"].to_string().contains(&code));
    // the agent's single window shows the open order
    let who_summary = body(
        app.post(
            "/v1/customers/identify",
            &app.a.agent,
            &json!({"kind": "phone", "value": "+79160000003"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        who_summary["open_orders"][0]["number"].as_str(),
        Some(number.as_str())
    );
    assert_eq!(who_summary["open_carts"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        stock(&app, "JKT-M", &pickup_store).await,
        (2, 1),
        "taken from the pickup store's own shelf"
    );
    // an illegal step is refused with the reason
    let p = problem(step(&app, &app.a.admin, &id, "ship").await, 409).await;
    assert_eq!(p["code"], "invalid_transition");
    for action in ["start_picking", "pack", "mark_ready"] {
        let r = step(&app, &app.a.admin, &id, action).await;
        assert_eq!(r.status(), 200, "{action}: {:?}", r.text().await);
    }
    let wrong = app
        .post(
            "/v1/pickups",
            &app.a.admin,
            &json!({"number": number, "code": "000000x"}),
        )
        .await;
    problem(wrong, 422).await;
    let r = app
        .post(
            "/v1/pickups",
            &app.a.admin,
            &json!({"number": number, "code": code}),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let done = body(r).await;
    assert_eq!(done["status"].as_str(), Some("picked_up"));
    assert_eq!(
        stock(&app, "JKT-M", &pickup_store).await,
        (1, 0),
        "stock left the shelf"
    );
    let auth = done["payment"]["authorization"]
        .as_str()
        .expect("authorised");
    let held = app.payments.authorization(auth).expect("known");
    assert_eq!(held.captured, 1_000_000);
    // an associate of another store cannot see it
    let r = app.get(&format!("/v1/orders/{id}"), &app.a.associate).await;
    assert_eq!(r.status(), 404);
    // the customer's timeline shows the order and the pickup
    let t = body(
        app.get(
            &format!("/v1/customers/{who}/timeline?kind=picked_up"),
            &app.a.agent,
        )
        .await,
    )
    .await;
    assert_eq!(t["data"].as_array().map(Vec::len), Some(1));
    // the call center finds it by number and by customer
    let by_number = body(
        app.get(&format!("/v1/orders?number={number}"), &app.a.agent)
            .await,
    )
    .await;
    let by_customer = body(
        app.get(&format!("/v1/orders?customer_id={who}"), &app.a.agent)
            .await,
    )
    .await;
    assert_eq!(by_number[0]["id"], by_customer[0]["id"]);
}

#[tokio::test]
async fn a_failed_checkout_at_any_step_leaves_nothing_behind() {
    let app = spawn_app().await;
    catalog(&app).await;
    let store = place(
        &app,
        "ST-F",
        "store",
        &["pickup", "sell_in_store"],
        55.75,
        37.61,
    )
    .await;
    receive(&app, "JKT-M", &store, 1).await;
    let who = customer(&app, "+79160000004").await;
    app.gift_points(&who, 100).await;
    let c = cart(
        &app,
        &app.a.app,
        json!({"customer_id": who}),
        &[("JKT-M", 1)],
    )
    .await;
    let nothing_left = |label: &'static str| {
        let app = &app;
        let store = store.clone();
        let who = who.clone();
        let c = c.clone();
        async move {
            assert_eq!(
                stock(app, "JKT-M", &store).await,
                (1, 0),
                "{label}: no reservation"
            );
            assert_eq!(
                points(app, &who).await,
                (100, 0),
                "{label}: no points moved"
            );
            assert_eq!(app.payments.held(), 0, "{label}: nothing held on the card");
            let cart = body(app.get(&format!("/v1/carts/{c}"), &app.a.app).await).await;
            assert_eq!(
                cart["status"].as_str(),
                Some("open"),
                "{label}: the cart is still open"
            );
            let orders = body(
                app.get(&format!("/v1/orders?customer_id={who}"), &app.a.agent)
                    .await,
            )
            .await;
            assert_eq!(
                orders.as_array().map(Vec::len),
                Some(0),
                "{label}: no order"
            );
        }
    };
    // payment declined
    let mut b = pickup_at(&c, &store);
    b["payment"]["token"] = json!("tok_decline");
    let p = problem(checkout(&app, &app.a.app, "f-1", &b).await, 402).await;
    assert_eq!(p["code"], "payment_declined");
    nothing_left("declined").await;
    // more points than the member has: the payment was authorised, then voided
    let mut b = pickup_at(&c, &store);
    b["burn_points"] = json!(500);
    let r = checkout(&app, &app.a.app, "f-2", &b).await;
    assert!(r.status() == 409 || r.status() == 422, "{}", r.status());
    nothing_left("points").await;
    // the price moved since it was shown
    let mut b = pickup_at(&c, &store);
    b["expected_total"] = json!(1);
    problem(checkout(&app, &app.a.app, "f-3", &b).await, 409).await;
    nothing_left("price").await;
    // the stock went meanwhile: reservation fails after the payment was authorised
    let other = cart(
        &app,
        &app.a.app,
        json!({"device_id": "other"}),
        &[("JKT-M", 1)],
    )
    .await;
    let r = checkout(&app, &app.a.app, "f-4", &pickup_at(&other, &store)).await;
    assert_eq!(r.status(), 201);
    let r = checkout(&app, &app.a.app, "f-5", &pickup_at(&c, &store)).await;
    problem(r, 409).await;
    let held: i64 = app.payments.held();
    assert_eq!(held, 1_000_000, "only the winner's authorisation is held");
    // a card number is refused before anything happens
    let mut b = pickup_at(&c, &store);
    b["payment"]["token"] = json!("4111 1111 1111 1111");
    let p = problem(checkout(&app, &app.a.app, "f-6", &b).await, 422).await;
    assert_eq!(p["errors"][0]["code"], "card_number_refused");
    // and a checkout without an Idempotency-Key is refused
    let r = app
        .post("/v1/checkouts", &app.a.app, &pickup_at(&c, &store))
        .await;
    assert_eq!(problem(r, 400).await["code"], "idempotency_key_required");
}

#[tokio::test]
async fn a_retried_checkout_gives_one_order_even_when_the_retries_race() {
    let app = spawn_app().await;
    catalog(&app).await;
    let store = place(&app, "ST-R", "store", &["pickup"], 55.75, 37.61).await;
    receive(&app, "CAP-1", &store, 10).await;
    let c = cart(
        &app,
        &app.a.app,
        json!({"device_id": "retry"}),
        &[("CAP-1", 2)],
    )
    .await;
    let b = pickup_at(&c, &store);
    let responses = join_all((0..6).map(|_| checkout(&app, &app.a.app, "same-key", &b))).await;
    let mut ids = Vec::new();
    for r in responses {
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
        ids.push(
            body(r).await["order"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one order: {ids:?}");
    assert_eq!(stock(&app, "CAP-1", &store).await, (10, 2));
    assert_eq!(app.payments.held(), 200_000, "charged once");
}

#[tokio::test]
async fn concurrent_checkouts_for_the_last_unit_sell_it_once() {
    let app = spawn_app().await;
    catalog(&app).await;
    let store = place(&app, "ST-L", "store", &["pickup"], 55.75, 37.61).await;
    receive(&app, "JKT-M", &store, 1).await;
    let mut carts = Vec::new();
    for i in 0..8 {
        carts.push(
            cart(
                &app,
                &app.a.app,
                json!({"device_id": format!("race-{i}")}),
                &[("JKT-M", 1)],
            )
            .await,
        );
    }
    let statuses: Vec<u16> = join_all(carts.iter().enumerate().map(|(i, c)| {
        let b = pickup_at(c, &store);
        let app = &app;
        async move {
            checkout(app, &app.a.app, &format!("race-{i}"), &b)
                .await
                .status()
                .as_u16()
        }
    }))
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(stock(&app, "JKT-M", &store).await, (1, 1));
    assert_eq!(app.payments.held(), 1_000_000);
}

#[tokio::test]
async fn a_partial_return_with_a_promotion_and_points_refunds_exactly_what_was_paid() {
    let app = spawn_app().await;
    let cat = catalog(&app).await;
    let promo = json!({"name": "Туризм −10%", "reason": "Скидка 10%", "currency": "RUB",
        "conditions": {"target": {"categories": [cat]}}, "effect": {"type": "percent_off", "percent_bp": 1000}});
    let r = app.post("/v1/promotions", &app.a.marketer, &promo).await;
    assert_eq!(r.status(), 201);
    let etag = r.headers()["etag"].to_str().expect("etag").to_owned();
    let pid = body(r).await["id"].as_str().expect("id").to_owned();
    let r = app
        .req(
            Method::POST,
            &format!("/v1/promotions/{pid}/status"),
            &app.a.marketer,
        )
        .header("if-match", etag)
        .json(&json!({"status": "active"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let store = place(&app, "ST-X", "store", &["pickup", "returns"], 55.75, 37.61).await;
    let elsewhere = app.a.store.to_string();
    receive(&app, "CAP-1", &store, 3).await;
    let who = customer(&app, "+79160000005").await;
    app.gift_points(&who, 300).await;
    let c = cart(
        &app,
        &app.a.app,
        json!({"customer_id": who}),
        &[("CAP-1", 3)],
    )
    .await;
    let mut b = pickup_at(&c, &store);
    b["burn_points"] = json!(300);
    let r = checkout(&app, &app.a.app, "ret-1", &b).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let placed = body(r).await;
    let order = &placed["order"];
    // 3 × 1 000 ₽ − 10 % = 2 700 ₽, 300 ₽ of it in points: 2 400 ₽ paid by card
    assert_eq!(order["quote"]["total"].as_i64(), Some(270_000));
    assert_eq!(order["payment"]["amount"].as_i64(), Some(240_000));
    let earned = order["lines"][0]["points_earned"].as_i64().expect("earned");
    let id = order["id"].as_str().expect("id").to_owned();
    for action in ["start_picking", "pack", "mark_ready"] {
        assert_eq!(step(&app, &app.a.admin, &id, action).await.status(), 200);
    }
    let code = placed["pickup_code"].as_str().expect("code");
    let r = app
        .post(
            "/v1/pickups",
            &app.a.admin,
            &json!({"number": order["number"], "code": code}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(points(&app, &who).await, (0, earned));
    // one cap comes back at another store
    let ret =
        json!({"location_id": elsewhere, "lines": [{"line": 0, "quantity": 1}], "reason": "size"});
    let r = app
        .post(&format!("/v1/orders/{id}/returns"), &app.a.associate, &ret)
        .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let first = body(r).await;
    assert_eq!(first["money"].as_i64(), Some(80_000), "a third of 2 400 ₽");
    assert_eq!(first["points_refunded"].as_i64(), Some(100));
    assert_eq!(first["points_clawed_back"].as_i64(), Some(earned / 3));
    assert_eq!(
        stock(&app, "CAP-1", &elsewhere).await,
        (1, 0),
        "restocked where it was handed in"
    );
    // the other two come back later: in all exactly what was paid
    let ret = json!({"location_id": store, "lines": [{"line": 0, "quantity": 2}]});
    let r = app
        .post(&format!("/v1/orders/{id}/returns"), &app.a.admin, &ret)
        .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let second = body(r).await;
    assert_eq!(
        first["money"].as_i64().unwrap_or(0) + second["money"].as_i64().unwrap_or(0),
        240_000
    );
    assert_eq!(points(&app, &who).await, (300, 0));
    let o = body(app.get(&format!("/v1/orders/{id}"), &app.a.agent).await).await;
    assert_eq!(o["status"].as_str(), Some("returned"));
    let auth = o["payment"]["authorization"].as_str().expect("auth");
    assert_eq!(
        app.payments.authorization(auth).map(|a| a.refunded),
        Some(240_000)
    );
    // nothing more to return
    let r = app
        .post(&format!("/v1/orders/{id}/returns"), &app.a.admin, &ret)
        .await;
    problem(r, 422).await;
}

#[tokio::test]
async fn cancelling_gives_back_stock_points_and_the_hold_and_a_till_sale_is_completed_at_once() {
    let app = spawn_app().await;
    catalog(&app).await;
    let store = place(&app, "ST-C", "store", &["pickup"], 55.75, 37.61).await;
    receive(&app, "JKT-M", &store, 2).await;
    receive(&app, "CAP-1", &store, 2).await;
    let who = customer(&app, "+79160000006").await;
    let c = cart(
        &app,
        &app.a.app,
        json!({"customer_id": who}),
        &[("JKT-M", 1), ("CAP-1", 1)],
    )
    .await;
    let r = checkout(&app, &app.a.app, "cx-1", &pickup_at(&c, &store)).await;
    assert_eq!(r.status(), 201);
    let id = body(r).await["order"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // one line first
    let r = app
        .post(
            &format!("/v1/orders/{id}/cancellation"),
            &app.a.agent,
            &json!({"lines": [1]}),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(stock(&app, "CAP-1", &store).await, (2, 0));
    assert_eq!(stock(&app, "JKT-M", &store).await, (2, 1));
    // then the rest: the order is cancelled and the card hold voided
    let r = app
        .post(
            &format!("/v1/orders/{id}/cancellation"),
            &app.a.app,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(body(r).await["status"].as_str(), Some("cancelled"));
    assert_eq!(stock(&app, "JKT-M", &store).await, (2, 0));
    assert_eq!(app.payments.held(), 0);
    assert_eq!(points(&app, &who).await, (0, 0));
    problem(
        app.post(
            &format!("/v1/orders/{id}/cancellation"),
            &app.a.app,
            &json!({}),
        )
        .await,
        422,
    )
    .await;
    // a till sale at the associate's store: sold and completed at once, points earned
    let home = app.a.store.to_string();
    receive(&app, "CAP-1", &home, 1).await;
    let till = cart(
        &app,
        &app.a.associate,
        json!({"customer_id": who}),
        &[("CAP-1", 1)],
    )
    .await;
    let b = json!({"cart_id": till, "fulfilment": {"method": "carry_out"}, "payment": {"method": "cash"}});
    let r = checkout(&app, &app.a.associate, "till-1", &b).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let sale = body(r).await["order"].clone();
    assert_eq!(sale["status"].as_str(), Some("completed"));
    assert_eq!(sale["channel"].as_str(), Some("associate_app"));
    assert_eq!(stock(&app, "CAP-1", &home).await, (0, 0));
    assert!(points(&app, &who).await.1 > 0);
    // only an associate sells over the counter
    let b2 = json!({"cart_id": till, "fulfilment": {"method": "carry_out"}, "payment": {"method": "cash"}});
    problem(checkout(&app, &app.a.app, "till-2", &b2).await, 403).await;
}

#[tokio::test]
async fn sourcing_rules_are_data_and_the_simulator_compares_a_draft_on_past_orders() {
    let app = spawn_app().await;
    catalog(&app).await;
    let north = place(&app, "WH-1", "warehouse", &["fulfilment"], 55.9, 37.6).await;
    let south = place(&app, "WH-2", "warehouse", &["fulfilment"], 55.5, 37.6).await;
    receive(&app, "JKT-M", &north, 10).await;
    receive(&app, "CAP-1", &south, 10).await;
    let start = chrono::Utc::now() - chrono::Duration::minutes(1);
    for i in 0..3 {
        let c = cart(
            &app,
            &app.a.app,
            json!({"device_id": format!("sim-{i}")}),
            &[("JKT-M", 1), ("CAP-1", 1)],
        )
        .await;
        let b = json!({"cart_id": c, "fulfilment": {"method": "courier", "address": {"text": "x", "geo": {"lat": 55.7, "lon": 37.6}}},
            "payment": {"method": "on_delivery"}});
        assert_eq!(
            checkout(&app, &app.a.app, &format!("sim-{i}"), &b)
                .await
                .status(),
            201
        );
    }
    let r = app.get("/v1/sourcing/rules", &app.a.admin).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().expect("etag").to_owned();
    let mut rules = body(r).await;
    rules["sourcing"]["max_parcels"] = json!(1);
    let sim = json!({"draft": rules, "from": start, "to": chrono::Utc::now() + chrono::Duration::minutes(1)});
    let r = app
        .post("/v1/sourcing/simulations", &app.a.admin, &sim)
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let report = body(r).await;
    assert_eq!(report["current"]["orders"].as_u64(), Some(3));
    assert_eq!(report["current"]["splits"].as_u64(), Some(3), "{report}");
    assert_eq!(report["draft"]["splits"].as_u64(), Some(0));
    assert_eq!(report["draft"]["unfulfilled"].as_u64(), Some(3));
    // bad rules are refused field by field; a stale ETag is refused
    let mut bad = rules.clone();
    bad["sourcing"]["max_parcels"] = json!(0);
    let r = app
        .req(Method::PUT, "/v1/sourcing/rules", &app.a.admin)
        .header("if-match", etag.clone())
        .json(&bad)
        .send()
        .await
        .expect("send");
    assert_eq!(
        problem(r, 422).await["errors"][0]["field"],
        "sourcing.max_parcels"
    );
    let r = app
        .req(Method::PUT, "/v1/sourcing/rules", &app.a.admin)
        .header("if-match", etag.clone())
        .json(&rules)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let r = app
        .req(Method::PUT, "/v1/sourcing/rules", &app.a.admin)
        .header("if-match", etag)
        .json(&rules)
        .send()
        .await
        .expect("send");
    problem(r, 412).await;
    problem(app.get("/v1/sourcing/rules", &app.a.marketer).await, 403).await;
}

#[tokio::test]
async fn another_tenant_sees_none_of_the_carts_and_orders() {
    let app = spawn_app().await;
    catalog(&app).await;
    let store = place(&app, "ST-I", "store", &["pickup"], 55.75, 37.61).await;
    receive(&app, "CAP-1", &store, 1).await;
    let c = cart(
        &app,
        &app.a.app,
        json!({"device_id": "iso"}),
        &[("CAP-1", 1)],
    )
    .await;
    let r = checkout(&app, &app.a.app, "iso", &pickup_at(&c, &store)).await;
    assert_eq!(r.status(), 201);
    let o = body(r).await["order"].clone();
    let id = o["id"].as_str().expect("id");
    assert_eq!(
        app.get(&format!("/v1/orders/{id}"), &app.b.admin)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/v1/carts/{c}"), &app.b.app)
            .await
            .status(),
        404
    );
    let found = body(
        app.get(
            &format!("/v1/orders?number={}", o["number"].as_str().expect("n")),
            &app.b.agent,
        )
        .await,
    )
    .await;
    assert_eq!(found.as_array().map(Vec::len), Some(0));
    let r = checkout(&app, &app.b.app, "iso-b", &pickup_at(&c, &store)).await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_line_a_store_cannot_fulfil_is_sourced_again_elsewhere() {
    let app = spawn_app().await;
    catalog(&app).await;
    let pickup = place(&app, "ST-RS", "store", &["pickup"], 55.75, 37.61).await;
    let near = place(&app, "WH-NEAR", "warehouse", &["fulfilment"], 55.76, 37.62).await;
    let far = place(&app, "WH-FAR", "warehouse", &["fulfilment"], 56.3, 38.1).await;
    receive(&app, "JKT-M", &near, 1).await;
    receive(&app, "JKT-M", &far, 1).await;
    let c = cart(
        &app,
        &app.a.app,
        json!({"device_id": "resource"}),
        &[("JKT-M", 1)],
    )
    .await;
    let r = checkout(&app, &app.a.app, "rs-1", &pickup_at(&c, &pickup)).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let order = body(r).await["order"].clone();
    let id = order["id"].as_str().expect("id");
    assert_eq!(
        order["lines"][0]["allocations"][0]["location_id"].as_str(),
        Some(near.as_str())
    );
    // the near warehouse finds the jacket damaged
    let path = format!("/v1/orders/{id}/lines/0/resourcing");
    let r = app.post(&path, &app.a.admin, &json!({"from": near})).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let moved = body(r).await;
    assert_eq!(
        moved["lines"][0]["allocations"][0]["location_id"].as_str(),
        Some(far.as_str())
    );
    assert_eq!(stock(&app, "JKT-M", &near).await, (1, 0));
    assert_eq!(stock(&app, "JKT-M", &far).await, (1, 1));
    let list = body(
        app.get(&format!("/v1/locations/{far}/pick-list"), &app.a.admin)
            .await,
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    // the damaged unit is written off; then nothing else has it
    let b = json!({"sku": "JKT-M", "location_id": near, "kind": "adjustment", "quantity": -1});
    assert_eq!(
        app.post("/v1/stock/movements", &app.a.admin, &b)
            .await
            .status(),
        201
    );
    let r = app.post(&path, &app.a.admin, &json!({"from": far})).await;
    problem(r, 409).await;
}

#[tokio::test]
async fn units_held_while_a_shopper_checks_out_go_to_that_shopper_only() {
    let app = spawn_app().await;
    catalog(&app).await;
    let store = place(&app, "ST-H", "store", &["pickup"], 55.75, 37.61).await;
    receive(&app, "JKT-M", &store, 1).await;
    let mine = cart(
        &app,
        &app.a.app,
        json!({"device_id": "holder"}),
        &[("JKT-M", 1)],
    )
    .await;
    let theirs = cart(
        &app,
        &app.a.app,
        json!({"device_id": "other"}),
        &[("JKT-M", 1)],
    )
    .await;
    let hold = json!({"fulfilment": {"method": "store_pickup", "location_id": store}});
    let r = app
        .post(&format!("/v1/carts/{mine}/holds"), &app.a.app, &hold)
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(body(r).await["holds"].as_array().map(Vec::len), Some(1));
    assert_eq!(stock(&app, "JKT-M", &store).await, (1, 1));
    // holding again replaces the hold instead of adding one
    let r = app
        .post(&format!("/v1/carts/{mine}/holds"), &app.a.app, &hold)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(stock(&app, "JKT-M", &store).await, (1, 1));
    // the other shopper cannot take the held unit
    problem(
        checkout(&app, &app.a.app, "h-other", &pickup_at(&theirs, &store)).await,
        409,
    )
    .await;
    // the holder's checkout takes it over: still one unit reserved, now for the order
    let r = checkout(&app, &app.a.app, "h-mine", &pickup_at(&mine, &store)).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    assert_eq!(stock(&app, "JKT-M", &store).await, (1, 1));
    let closed = body(app.get(&format!("/v1/carts/{mine}"), &app.a.app).await).await;
    assert_eq!(closed["holds"].as_array().map(Vec::len), Some(0));
}
