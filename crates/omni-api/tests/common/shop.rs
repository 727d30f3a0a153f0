//! Helpers of the order-flow tests: a small catalog, locations with capabilities, stock,
//! customers, carts and checkouts, over HTTP as a client would.

use reqwest::Method;
use serde_json::{Value, json};

use super::TestApp;

/// A category with a jacket (10 000 ₽) and a cap (1 000 ₽); returns the category id.
pub async fn catalog(app: &TestApp) -> String {
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

pub async fn body(r: reqwest::Response) -> Value {
    r.json().await.expect("json")
}

/// A location of `kind` with capabilities, open around the clock, at (lat, lon).
pub async fn place(
    app: &TestApp,
    code: &str,
    kind: &str,
    caps: &[&str],
    lat: f64,
    lon: f64,
) -> String {
    let mut b = super::location_body(code);
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

pub async fn receive(app: &TestApp, sku: &str, location: &str, q: i64) {
    let b = json!({"sku": sku, "location_id": location, "kind": "receipt", "quantity": q});
    let r = app.post("/v1/stock/movements", &app.a.admin, &b).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
}

pub async fn stock(app: &TestApp, sku: &str, location: &str) -> (i64, i64) {
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

pub async fn customer(app: &TestApp, phone: &str) -> String {
    let b = json!({"identifiers": [{"kind": "phone", "value": phone, "verified": true}]});
    let r = app.post("/v1/customers", &app.a.agent, &b).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    body(r).await["id"].as_str().expect("id").to_owned()
}

pub async fn points(app: &TestApp, who: &str) -> (i64, i64) {
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
pub async fn cart(app: &TestApp, key: &str, owner: Value, lines: &[(&str, u32)]) -> String {
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

pub async fn checkout(app: &TestApp, key: &str, idem: &str, b: &Value) -> reqwest::Response {
    app.req(Method::POST, "/v1/checkouts", key)
        .header("idempotency-key", idem)
        .json(b)
        .send()
        .await
        .expect("send")
}

pub fn pickup_at(cart: &str, store: &str) -> Value {
    json!({"cart_id": cart, "fulfilment": {"method": "store_pickup", "location_id": store},
        "payment": {"method": "card", "token": "tok_ok"}})
}

pub async fn step(app: &TestApp, key: &str, order: &str, action: &str) -> reqwest::Response {
    app.post(
        &format!("/v1/orders/{order}/transitions"),
        key,
        &json!({"action": action}),
    )
    .await
}

/// A customer's timeline entries of one kind, as an agent reads them (the page's body).
pub async fn timeline_of(app: &TestApp, who: &str, kind: &str) -> Value {
    body(
        app.get(
            &format!("/v1/customers/{who}/timeline?kind={kind}"),
            &app.a.agent,
        )
        .await,
    )
    .await
}
