//! The order flow over HTTP on both backends, up to the order: one cart across devices,
//! delivery options and split shipments, checkout that is all-or-nothing and exactly-once,
//! holds while the shopper checks out, the race for the last unit, sourcing rules as data,
//! and tenant isolation.

mod common;

use common::shop::*;
use common::{problem, spawn_app};
use futures::future::join_all;
use reqwest::Method;
use serde_json::json;

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
    let timeline = timeline_of(&app, &who, "cart_changed").await;
    assert!(
        timeline["data"].as_array().is_some_and(|t| t.len() >= 3),
        "{timeline}"
    );
}

#[tokio::test]
async fn a_cart_line_must_name_a_sku_of_the_catalog() {
    let app = spawn_app().await;
    catalog(&app).await;
    let owner = json!({"device_id": "app-install-9", "lines": [
        {"sku": "JKT-M", "quantity": 1}, {"sku": "JKT-XXL", "quantity": 1}]});
    let p = problem(app.post("/v1/carts", &app.a.app, &owner).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "lines[1].sku", "{p}");
    let id = cart(
        &app,
        &app.a.app,
        json!({"device_id": "app-install-9"}),
        &[("JKT-M", 1)],
    )
    .await;
    let typo = app
        .req(
            Method::PUT,
            &format!("/v1/carts/{id}/lines/JKT-N"),
            &app.a.app,
        )
        .json(&json!({"quantity": 1}))
        .send()
        .await
        .expect("send");
    let p = problem(typo, 422).await;
    assert_eq!(p["errors"][0]["field"], "sku", "{p}");
    let kept = body(app.get(&format!("/v1/carts/{id}"), &app.a.app).await).await;
    let skus: Vec<&str> = kept["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["sku"].as_str())
        .collect();
    assert_eq!(skus, ["JKT-M"], "the refused line was not added: {kept}");
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
