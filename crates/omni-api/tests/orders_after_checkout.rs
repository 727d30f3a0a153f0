//! The order flow over HTTP on both backends, after checkout: the lifecycle and the pickup
//! counter, cancellation and returns that give back exactly what was paid, till sales, and
//! re-sourcing a line a store cannot fulfil.

mod common;

use common::shop::*;
use common::{problem, spawn_app};
use reqwest::Method;
use serde_json::json;

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
    let t = timeline_of(&app, &who, "picked_up").await;
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
