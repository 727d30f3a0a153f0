//! The catalog over HTTP: categories, products, publication, search freshness and imports.

mod common;

use std::time::{Duration, Instant};

use common::{TestApp, problem, spawn_app};
use omni_domain::catalog::Barcode;
use reqwest::Method;
use serde_json::{Value, json};

async fn setup_category(app: &TestApp, key: &str) -> String {
    let r = app
        .post("/v1/catalog/categories", key, &json!({"code": "robot-vacuums", "name": {"ru": "Робот-пылесосы", "en": "Robot vacuums"},
            "attributes": [{"code": "suction_pa", "name": {"ru": "Мощность всасывания"}, "kind": "number", "unit": "Pa", "required": true, "facet": true}]}))
        .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.expect("json");
    body["id"].as_str().expect("id").to_owned()
}

fn ean(n: u64) -> String {
    Barcode::ean13_from_body(460_000_000_000 + n)
        .as_str()
        .to_owned()
}

async fn search(app: &TestApp, key: &str, q: &str) -> Value {
    let r = app.get(&format!("/v1/catalog/search?q={q}"), key).await;
    assert_eq!(r.status(), 200);
    r.json().await.expect("json")
}

/// Polls the search until `pred` holds; panics after `within`.
async fn eventually(
    app: &TestApp,
    key: &str,
    q: &str,
    within: Duration,
    pred: impl Fn(&Value) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let found = search(app, key, q).await;
        if pred(&found) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "not searchable within {within:?}: {found}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_product_is_searchable_within_a_second_and_shoppers_see_it_only_once_published() {
    let app = spawn_app().await;
    let cat = setup_category(&app, &app.a.admin).await;
    let body = json!({"article": "XM-S10", "category_id": cat, "name": {"ru": "Робот-пылесос Xiaomi S10"},
        "description": {"ru": "Влажная и сухая уборка"}, "media": [{"url": "https://img.example/s10.jpg", "kind": "image"}],
        "attributes": {"suction_pa": 4000}, "variants": [{"sku": "XM-S10-W", "barcode": ean(1), "color": "белый", "list_prices": [{"amount": 2499000, "currency": "RUB"}]}]});
    let r = app.post("/v1/catalog/products", &app.a.admin, &body).await;
    assert_eq!(r.status(), 201);
    let product: Value = r.json().await.expect("json");
    let id = product["id"].as_str().expect("id").to_owned();
    let took = eventually(
        &app,
        &app.a.associate,
        "пылесосы",
        Duration::from_secs(1),
        |v| v["total"] == 1,
    )
    .await;
    eprintln!("searchable after {took:?}");
    assert_eq!(
        search(&app, &app.a.app, "пылесосы").await["total"],
        0,
        "a draft is invisible to shoppers"
    );
    problem(
        app.get(&format!("/v1/catalog/products/{id}"), &app.a.app)
            .await,
        404,
    )
    .await;
    let publish = |status: &'static str, version: i64| {
        app.req(
            Method::POST,
            &format!("/v1/catalog/products/{id}/publication"),
            &app.a.admin,
        )
        .header("if-match", format!("\"{version}\""))
        .json(&json!({"channel": "web", "status": status}))
    };
    let r = publish("published", 1).send().await.expect("req");
    problem(r, 409).await;
    assert_eq!(
        publish("in_review", 1).send().await.expect("req").status(),
        200
    );
    assert_eq!(
        publish("published", 2).send().await.expect("req").status(),
        200
    );
    eventually(
        &app,
        &app.a.app,
        "пылесос",
        Duration::from_secs(1),
        |v| v["total"] == 1,
    )
    .await;
    assert_eq!(
        search(&app, &app.b.admin, "пылесос").await["total"],
        0,
        "tenant isolation"
    );
    problem(
        app.get(&format!("/v1/catalog/products/{id}"), &app.b.admin)
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn an_incomplete_product_cannot_go_to_review_and_says_what_is_missing() {
    let app = spawn_app().await;
    let cat = setup_category(&app, &app.a.admin).await;
    let draft = json!({"article": "BARE", "category_id": cat, "name": {"ru": "Пылесос"}, "variants": [{"sku": "BARE-1"}]});
    let product: Value = app
        .post("/v1/catalog/products", &app.a.admin, &draft)
        .await
        .json()
        .await
        .expect("json");
    let id = product["id"].as_str().expect("id");
    let report: Value = app
        .get(
            &format!("/v1/catalog/products/{id}/completeness"),
            &app.a.admin,
        )
        .await
        .json()
        .await
        .expect("json");
    let web = report
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["channel"] == "web")
        .expect("web")
        .clone();
    let missing: Vec<&str> = web["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .filter_map(|m| m["requirement"].as_str())
        .collect();
    assert_eq!(missing, ["price", "description", "image", "attribute"]);
    let r = app
        .req(
            Method::POST,
            &format!("/v1/catalog/products/{id}/publication"),
            &app.a.admin,
        )
        .header("if-match", "\"1\"")
        .json(&json!({"channel": "web", "status": "in_review"}))
        .send()
        .await
        .expect("req");
    let body = problem(r, 422).await;
    assert!(body.to_string().contains("completeness.image"), "{body}");
    let r = app.post("/v1/catalog/products", &app.a.app, &draft).await;
    problem(r, 403).await;
}

#[tokio::test]
async fn an_import_lands_good_rows_reports_bad_ones_and_is_idempotent() {
    let app = spawn_app().await;
    setup_category(&app, &app.a.admin).await;
    let row = |sku: &str, article: &str, barcode: String, suction: &str| {
        json!({"sku": sku, "article": article, "category": "robot-vacuums", "barcode": barcode, "name_ru": format!("Робот-пылесос {article}"),
            "prices": {"RUB": "19990.00"}, "attributes": {"suction_pa": suction}}).to_string()
    };
    let mut bad_barcode = ean(7);
    bad_barcode.replace_range(12..13, if bad_barcode.ends_with('0') { "1" } else { "0" });
    let lines = [
        row("A-1", "A", ean(1), "3000"),
        row("A-2", "A", ean(2), "3000"),
        row("B-1", "B", bad_barcode, "3000"),
        json!({"sku": "C-1", "article": "C", "category": "no-such", "name_ru": "x"}).to_string(),
        row("D-1", "D", ean(4), ""),
        "{not json".to_owned(),
        row("E-1", "E", ean(5), "2500"),
    ]
    .join("\n");
    let send = || {
        app.req(Method::POST, "/v1/catalog/imports", &app.a.admin)
            .header("content-type", "application/x-ndjson")
            .body(lines.clone())
            .send()
    };
    let report: Value = send().await.expect("req").json().await.expect("json");
    assert_eq!(report["rows"], 7);
    assert_eq!(report["imported_rows"], 3);
    assert_eq!(report["products_created"], 2);
    let reasons: Vec<(u64, String)> = report["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap_or(0),
                r["errors"][0]["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (3, "invalid_barcode".into()),
            (4, "unknown_category".into()),
            (5, "missing_required_attribute".into()),
            (6, "malformed_row".into())
        ]
    );
    let list: Value = app
        .get("/v1/catalog/products?limit=100", &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    let articles: Vec<&str> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|p| p["article"].as_str())
        .collect();
    assert_eq!(
        articles,
        ["A", "E"],
        "only good rows landed; nothing of B, C or D"
    );
    // the relay sequences committed events into the feed a moment later: wait for the
    // category and the two products before comparing
    let mut events_before: Value = Value::Null;
    for _ in 0..100 {
        events_before = app
            .get("/v1/events?limit=100", &app.a.admin)
            .await
            .json()
            .await
            .expect("json");
        if events_before["data"].as_array().map_or(0, Vec::len) >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let again: Value = send().await.expect("req").json().await.expect("json");
    assert_eq!(
        (
            again["products_created"].as_u64(),
            again["products_updated"].as_u64(),
            again["products_unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(2))
    );
    let events_after: Value = app
        .get("/v1/events?limit=100", &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        events_before["data"].as_array().map(Vec::len),
        events_after["data"].as_array().map(Vec::len),
        "no new events"
    );
    eventually(&app, &app.a.admin, "a-2", Duration::from_secs(1), |v| {
        v["hits"][0]["article"] == "A"
    })
    .await;
    assert_eq!(search(&app, &app.b.admin, "a-2").await["total"], 0);
}

async fn receive_stock(app: &TestApp, sku: &str, location: &str, quantity: i64) {
    let body =
        json!({"sku": sku, "location_id": location, "kind": "receipt", "quantity": quantity});
    let r = app.post("/v1/stock/movements", &app.a.admin, &body).await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn the_in_store_filter_shows_only_what_that_store_can_sell_now() {
    let app = spawn_app().await;
    let cat = setup_category(&app, &app.a.admin).await;
    for (article, sku, n) in [("HERE", "HERE-1", 1), ("THERE", "THERE-1", 2)] {
        let body = json!({"article": article, "category_id": cat, "name": {"ru": format!("Робот-пылесос {article}")},
            "attributes": {"suction_pa": 3000}, "variants": [{"sku": sku, "barcode": ean(n), "list_prices": [{"amount": 1999000, "currency": "RUB"}]}]});
        assert_eq!(
            app.post("/v1/catalog/products", &app.a.admin, &body)
                .await
                .status(),
            201
        );
    }
    let store = app.a.store.to_string();
    let other = app.create_location(&app.a.admin, "OTHER-1").await;
    let other = other["id"].as_str().expect("id");
    receive_stock(&app, "HERE-1", &store, 2).await;
    receive_stock(&app, "THERE-1", other, 5).await;
    eventually(
        &app,
        &app.a.associate,
        "пылесос",
        Duration::from_secs(1),
        |v| v["total"] == 2,
    )
    .await;

    let in_store = |location: String| {
        let app = &app;
        async move {
            let r = app
                .get(
                    &format!("/v1/catalog/search?q=пылесос&in_stock_at={location}"),
                    &app.a.associate,
                )
                .await;
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.expect("json")
        }
    };
    let here = in_store(store.clone()).await;
    assert_eq!(here["total"], 1, "{here}");
    assert_eq!(here["hits"][0]["article"], "HERE");
    assert_eq!(
        in_store(other.to_owned()).await["hits"][0]["article"],
        "THERE"
    );

    let hold = json!({"sku": "HERE-1", "location_id": store, "quantity": 2,
        "reserved_for": {"type": "cart", "id": "crt_1"}, "ttl_seconds": 600});
    assert_eq!(
        app.post("/v1/reservations", &app.a.app, &hold)
            .await
            .status(),
        201
    );
    assert_eq!(
        in_store(store.clone()).await["total"],
        0,
        "reserved units are not available to sell"
    );

    let foreign = app.b.store.to_string();
    let r = app
        .get(
            &format!("/v1/catalog/search?q=x&in_stock_at={foreign}"),
            &app.a.associate,
        )
        .await;
    let body = problem(r, 422).await;
    assert_eq!(body["errors"][0]["field"], "in_stock_at", "{body}");
}
