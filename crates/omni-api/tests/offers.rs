//! Offers over HTTP: promotions from draft to dry-run to active, the same quote in every
//! channel, coupons exactly once, limits and points under concurrent checkouts, cancellation
//! giving back exactly what a sale took, the offline snapshot, validation and isolation.

mod common;

use common::{TestApp, problem, spawn_app};
use futures::future::join_all;
use omni_domain::offers::snapshot::SignedSnapshot;
use omni_domain::offers::{Cart, Quote};
use reqwest::Method;
use serde_json::{Value, json};

/// A category with two products: shoes at 5 000 ₽ and socks at 500 ₽.
async fn catalog(app: &TestApp) -> String {
    let r = app
        .post(
            "/v1/catalog/categories",
            &app.a.admin,
            &json!({"code": "running", "name": {"ru": "Бег"}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let cat = r.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for (article, sku, price) in [
        ("SHOE-1", "SHOE-1-42", 500_000),
        ("SOCK-1", "SOCK-1-M", 50_000),
    ] {
        let body = json!({"article": article, "category_id": cat, "name": {"ru": article},
            "variants": [{"sku": sku, "list_prices": [{"amount": price, "currency": "RUB"}]}]});
        let r = app.post("/v1/catalog/products", &app.a.admin, &body).await;
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
    }
    cat
}

async fn customer(app: &TestApp, phone: &str) -> String {
    let body = json!({"identifiers": [{"kind": "phone", "value": phone, "verified": true}]});
    let r = app.post("/v1/customers", &app.a.agent, &body).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    r.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Creates and activates a promotion; returns its id.
async fn promotion(app: &TestApp, body: Value) -> String {
    let r = app.post("/v1/promotions", &app.a.marketer, &body).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let etag = r.headers()["etag"].to_str().expect("etag").to_owned();
    let id = r.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = app
        .req(
            Method::POST,
            &format!("/v1/promotions/{id}/status"),
            &app.a.marketer,
        )
        .header("if-match", etag)
        .json(&json!({"status": "active"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    id
}

/// An active 10 %-off-running promotion that needs a coupon, and `count` codes for it.
async fn coupon_campaign(app: &TestApp, cat: &str, prefix: &str, count: u32) -> Vec<String> {
    let mut body = ten_percent_on(cat);
    body["conditions"]["coupon"] = json!(true);
    let id = promotion(app, body).await;
    let batch = json!({"prefix": prefix, "count": count});
    let r = app
        .post(
            &format!("/v1/promotions/{id}/coupons"),
            &app.a.marketer,
            &batch,
        )
        .await;
    assert_eq!(r.status(), 201);
    let batch: Value = r.json().await.expect("json");
    batch["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect()
}

fn cart(lines: &[(&str, u32)], customer: Option<&str>, coupons: &[&str], burn: i64) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(s, q)| json!({"sku": s, "quantity": q}))
        .collect();
    json!({"channel": "web", "lines": lines, "customer_id": customer, "coupons": coupons, "burn_points": burn})
}

async fn quote(app: &TestApp, key: &str, cart: &Value) -> Value {
    let r = app.post("/v1/pricing/quotes", key, cart).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    r.json().await.expect("json")
}

async fn sell(app: &TestApp, reference: &str, cart: &Value) -> reqwest::Response {
    app.post(
        "/v1/pricing/sales",
        &app.a.app,
        &json!({"reference": reference, "cart": cart}),
    )
    .await
}

fn ten_percent_on(cat: &str) -> Value {
    json!({"name": "Бег −10%", "reason": "Скидка 10% на бег", "currency": "RUB",
        "conditions": {"target": {"categories": [cat]}}, "effect": {"type": "percent_off", "percent_bp": 1000}})
}

#[tokio::test]
async fn a_draft_is_dry_run_then_activated_and_every_channel_gets_the_same_price() {
    let app = spawn_app().await;
    let cat = catalog(&app).await;
    let c = cart(&[("SHOE-1-42", 1), ("SOCK-1-M", 2)], None, &[], 0);
    let before = quote(&app, &app.a.app, &c).await;
    assert_eq!(
        (before["total"].as_i64(), before["discount_total"].as_i64()),
        (Some(600_000), Some(0))
    );

    let dry = app
        .post(
            "/v1/pricing/dry-runs",
            &app.a.marketer,
            &json!({"cart": c, "promotions": [ten_percent_on(&cat)]}),
        )
        .await;
    assert_eq!(dry.status(), 200);
    let dry: Value = dry.json().await.expect("json");
    assert_eq!(dry["total_change"].as_i64(), Some(-60_000));
    assert_eq!(dry["current"]["total"].as_i64(), Some(600_000));
    // a dry-run saves nothing
    assert_eq!(
        quote(&app, &app.a.app, &c).await["total"].as_i64(),
        Some(600_000)
    );

    promotion(&app, ten_percent_on(&cat)).await;
    let web = quote(&app, &app.a.app, &c).await;
    assert_eq!(web["total"].as_i64(), Some(540_000));
    assert_eq!(
        web["lines"][0]["discounts"][0]["reason"],
        "Скидка 10% на бег"
    );
    for key in [&app.a.associate, &app.a.agent, &app.a.admin] {
        let other = quote(&app, key, &c).await;
        assert_eq!(other["total"], web["total"], "same price in every channel");
        assert_eq!(other["lines"], web["lines"]);
    }
}

#[tokio::test]
async fn a_coupon_is_redeemed_exactly_once_under_concurrent_checkouts_and_released_on_cancel() {
    let app = spawn_app().await;
    let cat = catalog(&app).await;
    let codes = coupon_campaign(&app, &cat, "RUN", 3).await;
    assert_eq!(codes.len(), 3);
    let code = codes[0].to_lowercase();
    let c = cart(&[("SHOE-1-42", 1)], None, &[code.as_str()], 0);
    assert_eq!(
        quote(&app, &app.a.app, &c).await["promotions"][0]["coupon"],
        json!(codes[0])
    );

    // each checkout insists on the price it showed (with the coupon): whoever loses the race
    // gets 409 instead of being charged more behind their back
    let sales = (0..8).map(|i| {
        let body = json!({"reference": format!("R-{i}"), "cart": c, "expected_total": 450_000});
        let app = &app;
        async move {
            app.post("/v1/pricing/sales", &app.a.app, &body)
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = join_all(sales).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );
    // used up: the next quote no longer applies it
    assert_eq!(
        quote(&app, &app.a.app, &c).await["discount_total"].as_i64(),
        Some(0)
    );
    let winner = statuses.iter().position(|s| *s == 201).expect("one sale");
    let r = app
        .post(
            &format!("/v1/pricing/sales/R-{winner}/cancellation"),
            &app.a.app,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        quote(&app, &app.a.app, &c).await["discount_total"].as_i64(),
        Some(50_000)
    );
    let again = app
        .post(
            &format!("/v1/pricing/sales/R-{winner}/cancellation"),
            &app.a.app,
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), 409);
}

/// Ten checkouts race for a promotion capped by `limits`; each insists on the discounted
/// price it showed. Returns how many sold and the promotion as stored.
async fn race_for(app: &TestApp, limits: Value, prefix: &str) -> (usize, Value) {
    let cat = catalog(app).await;
    let mut body = ten_percent_on(&cat);
    body["limits"] = limits;
    let id = promotion(app, body).await;
    let c = cart(&[("SOCK-1-M", 1)], None, &[], 0);
    let statuses = join_all((0..10).map(|i| {
        let body =
            json!({"reference": format!("{prefix}-{i}"), "cart": c, "expected_total": 45_000});
        async move {
            app.post("/v1/pricing/sales", &app.a.app, &body)
                .await
                .status()
                .as_u16()
        }
    }))
    .await;
    let sold = statuses.iter().filter(|s| **s == 201).count();
    let p: Value = app
        .get(&format!("/v1/promotions/{id}"), &app.a.marketer)
        .await
        .json()
        .await
        .expect("json");
    (sold, p)
}

#[tokio::test]
async fn a_budget_stops_the_promotion_exactly_when_spent_under_concurrent_checkouts() {
    let app = spawn_app().await;
    // 5 000 off each sale; a 12 000 budget pays for two
    let (sold, p) = race_for(&app, json!({"budget": 12_000}), "B").await;
    assert_eq!(sold, 2);
    assert_eq!(
        (p["uses"].as_i64(), p["spent"].as_i64()),
        (Some(2), Some(10_000))
    );
}

#[tokio::test]
async fn a_total_limit_holds_under_concurrent_checkouts() {
    let app = spawn_app().await;
    let (sold, p) = race_for(&app, json!({"total": 3}), "L").await;
    assert_eq!(sold, 3);
    assert_eq!(
        (p["uses"].as_i64(), p["spent"].as_i64()),
        (Some(3), Some(15_000))
    );
}

#[tokio::test]
async fn points_burn_concurrently_without_overdraft_and_cancellation_gives_back_exactly() {
    let app = spawn_app().await;
    catalog(&app).await;
    let who = customer(&app, "+79161234567").await;
    let r = app
        .post(
            &format!("/v1/customers/{who}/points/gifts"),
            &app.a.agent,
            &json!({"points": 1000, "reason": "welcome"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    // a 5 000 ₽ cart: up to 1 500 points usable (30 %), this member has 1 000
    let c = cart(&[("SHOE-1-42", 1)], Some(&who), &[], 300);
    let q = quote(&app, &app.a.app, &c).await;
    assert_eq!(
        (q["points"]["usable"].as_i64(), q["to_pay"].as_i64()),
        (Some(1000), Some(470_000))
    );
    let statuses = join_all((0..6).map(|i| {
        let c = c.clone();
        let app = &app;
        async move { sell(app, &format!("P-{i}"), &c).await.status().as_u16() }
    }))
    .await;
    let sold = statuses.iter().filter(|s| **s == 201).count() as i64;
    assert_eq!(sold, 3, "{statuses:?}");
    let statement: Value = app
        .get(&format!("/v1/customers/{who}/points"), &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(statement["balance"]["available"].as_i64(), Some(100));
    // each sale earned 5 % of 4 700 ₽ = 235 pending points
    assert_eq!(statement["balance"]["pending"].as_i64(), Some(3 * 235));
    let winner = statuses.iter().position(|s| *s == 201).expect("a sale");
    let r = app
        .post(
            &format!("/v1/pricing/sales/P-{winner}/cancellation"),
            &app.a.app,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let statement: Value = app
        .get(&format!("/v1/customers/{who}/points"), &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(statement["balance"]["available"].as_i64(), Some(400));
    assert_eq!(statement["balance"]["pending"].as_i64(), Some(2 * 235));
    // too many points is a field-level error
    let p = problem(
        app.post(
            "/v1/pricing/quotes",
            &app.a.app,
            &cart(&[("SHOE-1-42", 1)], Some(&who), &[], 401),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "burn_points");
}

#[tokio::test]
async fn an_offline_snapshot_prices_exactly_like_the_server_and_a_forged_one_is_refused() {
    let app = spawn_app().await;
    let cat = catalog(&app).await;
    promotion(&app, ten_percent_on(&cat)).await;
    let who = customer(&app, "+79161234568").await;
    let r = app
        .get(
            &format!("/v1/pricing/snapshot?customer_id={who}"),
            &app.a.associate,
        )
        .await;
    assert_eq!(r.status(), 200);
    let signed: SignedSnapshot = r.json().await.expect("snapshot");
    let key: Value = app
        .get("/v1/pricing/snapshot-key", &app.a.admin)
        .await
        .json()
        .await
        .expect("key");
    assert_eq!(
        app.get("/v1/pricing/snapshot-key", &app.a.associate)
            .await
            .status(),
        403
    );
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD
        .decode(key["key"].as_str().expect("key"))
        .expect("b64");
    let snap = signed.open(&key).expect("verifies");
    let mut c = cart(&[("SHOE-1-42", 1), ("SOCK-1-M", 3)], Some(&who), &[], 0);
    c["at"] = json!("2026-12-02T12:00:00Z");
    let online: Quote = serde_json::from_value(quote(&app, &app.a.app, &c).await).expect("quote");
    let offline_cart: Cart = serde_json::from_value(c).expect("cart");
    let offline = snap
        .quote(&offline_cart, chrono::Utc::now())
        .expect("priced");
    assert_eq!(offline, online);
    assert!(signed.open(b"not the key").is_err());
}

#[tokio::test]
async fn bad_input_gets_field_errors_roles_are_enforced_and_tenants_are_isolated() {
    let app = spawn_app().await;
    let cat = catalog(&app).await;
    let bad = json!({"name": "", "reason": "x", "currency": "RUB", "effect": {"type": "percent_off", "percent_bp": 0}});
    let p = problem(app.post("/v1/promotions", &app.a.marketer, &bad).await, 422).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("f"))
        .collect();
    assert_eq!(fields, ["name", "effect.percent_bp"]);
    let usd =
        json!({"name": "x", "reason": "x", "currency": "USD", "effect": {"type": "free_delivery"}});
    assert_eq!(
        problem(app.post("/v1/promotions", &app.a.marketer, &usd).await, 422).await["errors"][0]["field"],
        "currency"
    );
    let p = problem(
        app.post(
            "/v1/pricing/quotes",
            &app.a.app,
            &cart(&[("NOPE", 1)], None, &[], 0),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "lines[0].sku");
    let p = problem(
        app.post(
            "/v1/pricing/quotes",
            &app.a.app,
            &cart(&[("SOCK-1-M", 0)], None, &[], 0),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "lines[0].quantity");
    assert_eq!(
        app.post("/v1/promotions", &app.a.app, &ten_percent_on(&cat))
            .await
            .status(),
        403
    );
    let c = cart(&[("SOCK-1-M", 1)], None, &[], 0);
    let r = app
        .post(
            "/v1/pricing/sales",
            &app.a.marketer,
            &json!({"reference": "M-1", "cart": c}),
        )
        .await;
    assert_eq!(r.status(), 403);

    let id = promotion(&app, ten_percent_on(&cat)).await;
    assert_eq!(
        app.get(&format!("/v1/promotions/{id}"), &app.b.marketer)
            .await
            .status(),
        404
    );
    let listed: Value = app
        .get("/v1/promotions", &app.b.marketer)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["data"], json!([]));
    // tenant B has no such SKU: its quote cannot see A's catalog or promotions
    let r = app.post("/v1/pricing/quotes", &app.b.app, &c).await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn an_offline_sale_syncs_as_charged_and_reports_what_could_not_be_redeemed() {
    let app = spawn_app().await;
    let cat = catalog(&app).await;
    let code = coupon_campaign(&app, &cat, "TILL", 1).await.remove(0);
    let who = customer(&app, "+79161234569").await;
    app.post(
        &format!("/v1/customers/{who}/points/gifts"),
        &app.a.agent,
        &json!({"points": 200, "reason": "welcome"}),
    )
    .await;
    let mut c = cart(&[("SHOE-1-42", 1)], Some(&who), &[code.as_str()], 200);
    c["at"] = json!("2026-12-02T12:00:00Z");
    // the till priced it while offline: coupon and 200 points
    let till = quote(&app, &app.a.associate, &c).await;
    assert_eq!(till["to_pay"].as_i64(), Some(430_000));
    // meanwhile the coupon and the points are used online
    let online = sell(&app, "WEB-1", &c).await;
    assert_eq!(online.status(), 201);
    // the till syncs: the sale stands as charged; the conflicts are reported
    let sync = json!({"reference": "TILL-7-0001", "cart": c, "offline_quote": till});
    assert_eq!(
        app.post("/v1/pricing/sales", &app.a.app, &sync)
            .await
            .status(),
        403,
        "a web app cannot sync till sales"
    );
    let r = app.post("/v1/pricing/sales", &app.a.associate, &sync).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let sale: Value = r.json().await.expect("json");
    assert_eq!(sale["quote"]["to_pay"].as_i64(), Some(430_000));
    let conflicts = sale["conflicts"].as_array().expect("conflicts");
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    let statement: Value = app
        .get(&format!("/v1/customers/{who}/points"), &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        statement["balance"]["available"].as_i64(),
        Some(0),
        "never negative"
    );
}

#[tokio::test]
async fn the_single_window_shows_points_last_purchases_and_the_next_best_offers() {
    let app = spawn_app().await;
    let cat = catalog(&app).await;
    let who = customer(&app, "+79161234570").await;
    let sale = sell(&app, "S-1", &cart(&[("SHOE-1-42", 1)], Some(&who), &[], 0)).await;
    assert_eq!(sale.status(), 201);
    let id = promotion(&app, ten_percent_on(&cat)).await;
    let mut gold = ten_percent_on(&cat);
    gold["conditions"]["audience"] = json!({"tiers": ["gold"]});
    promotion(&app, gold).await;
    let offers: Value = app
        .get(&format!("/v1/customers/{who}/offers"), &app.a.associate)
        .await
        .json()
        .await
        .expect("json");
    let ids: Vec<&str> = offers
        .as_array()
        .expect("offers")
        .iter()
        .map(|o| o["promotion_id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [id.as_str()],
        "the gold-tier offer is not for a basic member"
    );
    assert_eq!(offers[0]["because"], "affinity");
    let r = app
        .post(
            "/v1/customers/identify",
            &app.a.associate,
            &json!({"kind": "phone", "value": "8 916 123-45-70"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let summary: Value = r.json().await.expect("json");
    assert_eq!(summary["personal_offers"][0]["promotion_id"], json!(id));
    assert_eq!(summary["last_purchases"][0]["reference"], "S-1");
    // 5 % of 5 000 ₽ earned, pending until the return window closes
    assert_eq!(summary["points_balance"].as_i64(), Some(0));
    assert_eq!(
        app.get(&format!("/v1/customers/{who}/offers"), &app.b.associate)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn a_purchase_that_reaches_the_next_threshold_raises_the_tier_at_once() {
    let app = spawn_app().await;
    catalog(&app).await;
    let mut program: Value = app
        .get("/v1/loyalty/program", &app.a.marketer)
        .await
        .json()
        .await
        .expect("json");
    program["tiers"][1]["min_spend"] = json!(400_000);
    let r = app
        .req(Method::PUT, "/v1/loyalty/program", &app.a.marketer)
        .json(&program)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let who = customer(&app, "+79161234571").await;
    assert_eq!(
        sell(&app, "T-1", &cart(&[("SOCK-1-M", 1)], Some(&who), &[], 0))
            .await
            .status(),
        201
    );
    let c: Value = app
        .get(&format!("/v1/customers/{who}"), &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(c["tier"], "basic");
    assert_eq!(
        sell(&app, "T-2", &cart(&[("SHOE-1-42", 1)], Some(&who), &[], 0))
            .await
            .status(),
        201
    );
    let c: Value = app
        .get(&format!("/v1/customers/{who}"), &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        c["tier"], "silver",
        "5 500 ₽ in 12 months passes the 4 000 ₽ threshold"
    );
    // silver earns 1.25× on the next quote
    let q = quote(
        &app,
        &app.a.app,
        &cart(&[("SHOE-1-42", 1)], Some(&who), &[], 0),
    )
    .await;
    assert_eq!(q["points"]["earn"].as_i64(), Some(312));
}

#[tokio::test]
async fn a_price_list_gives_its_price_and_keeps_each_sku_price_history() {
    let app = spawn_app().await;
    catalog(&app).await;
    let body = json!({"name": "Зима", "currency": "RUB", "priority": 5,
        "prices": [{"sku": "SHOE-1-42", "base": 520_000, "sale": 450_000}, {"sku": "SOCK-1-M", "base": 50_000}]});
    let r = app.post("/v1/price-lists", &app.a.marketer, &body).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let list: Value = r.json().await.expect("json");
    let q = quote(&app, &app.a.app, &cart(&[("SHOE-1-42", 1)], None, &[], 0)).await;
    assert_eq!(
        (q["lines"][0]["unit_price"].as_i64(), q["total"].as_i64()),
        (Some(520_000), Some(450_000))
    );
    assert_eq!(q["lines"][0]["price_list_id"], list["id"]);
    let next = json!({"name": "Зима", "currency": "RUB", "priority": 5, "prices": [{"sku": "SHOE-1-42", "base": 520_000}]});
    let r = app
        .req(
            Method::PUT,
            &format!("/v1/price-lists/{}", list["id"].as_str().expect("id")),
            &app.a.marketer,
        )
        .json(&next)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let shoe: Value = app
        .get("/v1/price-history/SHOE-1-42", &app.a.associate)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(shoe.as_array().expect("history").len(), 2, "{shoe}");
    assert_eq!(
        (shoe[0]["base"].as_i64(), shoe[0]["sale"].as_i64()),
        (Some(520_000), None),
        "the sale ended"
    );
    assert_eq!(shoe[1]["sale"].as_i64(), Some(450_000));
    let sock: Value = app
        .get("/v1/price-history/SOCK-1-M", &app.a.associate)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(sock[0]["base"], Value::Null, "the sock left the list");
    let bad =
        json!({"name": "x", "currency": "RUB", "prices": [{"sku": "A", "base": 100, "sale": 150}]});
    let p = problem(
        app.post("/v1/price-lists", &app.a.marketer, &bad).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "prices[0].sale");
}
