//! Analytics over HTTP on both backends: a small history made through the API as a client
//! would (till sales, a web pickup order, a return, survey answers), then every figure of
//! the summary and the sales report checked against a hand count, recommendations that
//! follow similar customers and skip what a customer has, the survey's validation, and a
//! second chain that sees none of it.

mod common;

use common::shop::*;
use common::{TestApp, problem, spawn_app, strings};
use serde_json::{Value, json};

/// Two more products in a second category: a bag (2 000 ₽) and socks (500 ₽).
async fn basics(app: &TestApp) {
    let r = app
        .post(
            "/v1/catalog/categories",
            &app.a.admin,
            &json!({"code": "basics", "name": {"ru": "Базовое"}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let cat = body(r).await["id"].as_str().expect("id").to_owned();
    for (article, sku, price) in [("BAG", "BAG-1", 200_000), ("SOX", "SOX-1", 50_000)] {
        let p = json!({"article": article, "category_id": cat, "name": {"ru": article},
            "variants": [{"sku": sku, "list_prices": [{"amount": price, "currency": "RUB"}]}]});
        let r = app.post("/v1/catalog/products", &app.a.admin, &p).await;
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
    }
}

/// A till sale at the associate's store; returns the order.
async fn till_sale(app: &TestApp, who: &str, lines: &[(&str, u32)], idem: &str) -> Value {
    let c = cart(app, &app.a.associate, json!({"customer_id": who}), lines).await;
    let b =
        json!({"cart_id": c, "fulfilment": {"method": "carry_out"}, "payment": {"method": "cash"}});
    let r = checkout(app, &app.a.associate, idem, &b).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    body(r).await["order"].clone()
}

struct History {
    c1: String,
    c2: String,
    c3: String,
    cold: String,
    pickup: String,
    orders: Vec<Value>,
}

/// The hand-countable history of chain A:
/// - c1: till JKT-M + CAP-1 (11 000 ₽), then web pickup SOX-1 × 2 (1 000 ₽);
/// - c2: till JKT-M + CAP-1 × 2 + BAG-1 (14 000 ₽), one CAP-1 returned at the till (−1 000 ₽);
/// - c3: till JKT-M + BAG-1 (12 000 ₽);
/// - cold: a customer who never bought.
async fn history(app: &TestApp) -> History {
    catalog(app).await;
    basics(app).await;
    let home = app.a.store.to_string();
    let pickup = place(app, "ST-P", "store", &["pickup"], 55.75, 37.61).await;
    for sku in ["JKT-M", "CAP-1", "BAG-1", "SOX-1"] {
        receive(app, sku, &home, 20).await;
        receive(app, sku, &pickup, 20).await;
    }
    let c1 = customer(app, "+79160000101").await;
    let c2 = customer(app, "+79160000102").await;
    let c3 = customer(app, "+79160000103").await;
    let cold = customer(app, "+79160000104").await;
    let o1 = till_sale(app, &c1, &[("JKT-M", 1), ("CAP-1", 1)], "h-1").await;
    let o2 = till_sale(app, &c2, &[("JKT-M", 1), ("CAP-1", 2), ("BAG-1", 1)], "h-2").await;
    let o3 = till_sale(app, &c3, &[("JKT-M", 1), ("BAG-1", 1)], "h-3").await;
    let web = cart(app, &app.a.app, json!({"customer_id": c1}), &[("SOX-1", 2)]).await;
    let r = checkout(app, &app.a.app, "h-4", &pickup_at(&web, &pickup)).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let o4 = body(r).await["order"].clone();
    let cap_line = o2["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["sku"] == "CAP-1")
        .expect("cap line")["line"]
        .clone();
    let ret = json!({"location_id": home, "lines": [{"line": cap_line, "quantity": 1}]});
    let id = o2["id"].as_str().expect("id");
    let r = app
        .post(&format!("/v1/orders/{id}/returns"), &app.a.associate, &ret)
        .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    History {
        c1,
        c2,
        c3,
        cold,
        pickup,
        orders: vec![o1, o2, o3, o4],
    }
}

async fn survey(app: &TestApp, body_: Value) -> reqwest::Response {
    app.post("/v1/surveys", &app.a.app, &body_).await
}

fn totals(v: &Value) -> (i64, i64, u64, u64) {
    (
        v["net_minor"].as_i64().expect("net"),
        v["units"].as_i64().expect("units"),
        v["orders"].as_u64().expect("orders"),
        v["lines"].as_u64().expect("lines"),
    )
}

fn row<'a>(rows: &'a Value, key: &str, value: &str) -> &'a Value {
    rows.as_array()
        .expect("rows")
        .iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value} in {rows}"))
}

#[tokio::test]
async fn the_reports_match_a_hand_count_of_a_small_history() {
    let app = spawn_app().await;
    let h = history(&app).await;
    // NPS: two promoters, a passive and a detractor → 100 · (2 − 1) / 4 = 25
    let o1 = h.orders[0]["id"].as_str().expect("id");
    for (who, score, order) in [
        (&h.c1, 10, Some(o1)),
        (&h.c2, 9, None),
        (&h.c3, 6, None),
        (&h.c1, 8, None),
    ] {
        let r = survey(
            &app,
            json!({"customer_id": who, "score": score, "order_id": order}),
        )
        .await;
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
        let answer = body(r).await;
        assert_eq!(answer["score"], score);
        if order.is_some() {
            assert_eq!(answer["channel"], "associate_app", "the order's channel");
        }
    }
    let r = app
        .post("/v1/analytics/refresh", &app.a.marketer, &json!({}))
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let built = body(r).await;
    assert_eq!(built["buyers"], 3);
    assert_eq!(built["sales_lines"], 9, "8 bought lines and one returned");
    assert_eq!(built["survey_answers"], 4);

    let s = body(app.get("/v1/analytics/sales", &app.a.marketer).await).await;
    assert_eq!(s["currency"], "RUB");
    assert_eq!(totals(&s["total"]), (3_700_000, 9, 4, 9));
    let till = row(&s["by_channel"], "channel", "associate_app");
    assert_eq!(totals(till), (3_600_000, 7, 3, 8));
    assert_eq!(
        totals(row(&s["by_channel"], "channel", "web")),
        (100_000, 2, 1, 1)
    );
    let home = app.a.store.to_string();
    assert_eq!(
        totals(row(&s["by_store"], "location_id", &home)),
        (3_600_000, 7, 3, 8)
    );
    assert_eq!(
        totals(row(&s["by_store"], "location_id", &h.pickup)),
        (100_000, 2, 1, 1)
    );
    let outdoor = row(&s["by_category"], "category", "outdoor");
    assert_eq!(totals(outdoor), (3_200_000, 5, 3, 6));
    let basics = row(&s["by_category"], "category", "basics");
    assert_eq!(totals(basics), (500_000, 4, 3, 3));
    // a period before the history is empty; a reversed one is refused
    let empty = body(
        app.get(
            "/v1/analytics/sales?from=2020-01-01&to=2020-12-31",
            &app.a.admin,
        )
        .await,
    )
    .await;
    assert_eq!(totals(&empty["total"]), (0, 0, 0, 0));
    let p = problem(
        app.get(
            "/v1/analytics/sales?from=2020-02-01&to=2020-01-01",
            &app.a.admin,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "to");

    let sum = body(app.get("/v1/analytics/summary", &app.a.marketer).await).await;
    assert_eq!(sum["customers"], 3);
    assert_eq!(built["abandoned_carts"], 0);
    assert!(
        sum["abandoned_cart_model"].is_null(),
        "no carts, no model: {sum}"
    );
    let segments = sum["rfm_segments"].as_array().expect("segments");
    let counted: u64 = segments
        .iter()
        .map(|s| s["customers"].as_u64().unwrap_or(0))
        .sum();
    let value: i64 = segments
        .iter()
        .map(|s| s["value_minor"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!((counted, value), (3, 3_700_000));
    let ltv = row(&sum["ltv_by_first_channel"], "channel", "associate_app");
    assert_eq!(ltv["customers"], 3);
    assert_eq!(
        ltv["average_historic_minor"], 1_233_333,
        "3 700 000 / 3, rounded"
    );
    let cohorts = sum["cohorts"].as_array().expect("cohorts");
    assert_eq!(cohorts.len(), 1, "{cohorts:?}");
    assert_eq!(cohorts[0]["customers"], 3);
    let m = &sum["migration"];
    assert_eq!(m["single_channel"]["customers"], 2);
    assert_eq!(m["multi_channel"]["customers"], 1);
    assert_eq!(m["multi_channel"]["value_minor"], 1_200_000);
    assert_eq!(m["omnichannel"]["customers"], 1);
    assert_eq!(m["store_only"]["customers"], 2);
    assert_eq!(m["store_only"]["value_minor"], 2_500_000);
    assert_eq!(m["online_only"]["customers"], 0);
    let nps = &sum["nps"];
    assert_eq!(
        (
            &nps["responses"],
            &nps["promoters"],
            &nps["passives"],
            &nps["detractors"]
        ),
        (&json!(4), &json!(2), &json!(1), &json!(1))
    );
    assert_eq!(nps["nps"].as_f64(), Some(25.0));

    // the forecast needs a finished week of sales; a horizon out of range is refused
    let r = app
        .get("/v1/analytics/forecast?sku=JKT-M&weeks=4", &app.a.marketer)
        .await;
    problem(r, 404).await;
    let r = app
        .get("/v1/analytics/forecast?sku=JKT-M&weeks=0", &app.a.marketer)
        .await;
    assert_eq!(problem(r, 422).await["errors"][0]["field"], "weeks");

    let promo = app.get("/v1/analytics/promotions", &app.a.marketer).await;
    assert_eq!(promo.status(), 200);
    assert_eq!(body(promo).await["cost_minor"], 0, "no promotion ran");
    // reports are for marketers and admins, not for shoppers' apps
    problem(app.get("/v1/analytics/summary", &app.a.app).await, 403).await;
}

#[tokio::test]
async fn a_cart_left_open_for_an_hour_is_an_abandoned_cart_in_the_dataset() {
    let app = spawn_app().await;
    let h = history(&app).await;
    cart(
        &app,
        &app.a.app,
        json!({"customer_id": h.cold}),
        &[("CAP-1", 3)],
    )
    .await;
    let rub = omni_kernel::Currency::parse("RUB").expect("currency");
    let tenant = app.a.tenant.id;
    let now = chrono::Utc::now();
    let fresh = app
        .db
        .store
        .analytics_dataset_at(tenant, rub, now)
        .await
        .expect("dataset");
    assert!(fresh.carts.is_empty(), "not an hour old yet");
    let later = now + chrono::Duration::hours(2);
    let ds = app
        .db
        .store
        .analytics_dataset_at(tenant, rub, later)
        .await
        .expect("dataset");
    assert_eq!(ds.carts.len(), 1, "{:?}", ds.carts);
    let c = ds.carts[0];
    let cold = ds.customers.iter().position(|id| *id == h.cold);
    assert_eq!(c.customer.map(|k| k as usize), cold);
    assert_eq!((c.units, c.bought), (3, false));
    // the history itself: 8 bought lines and the returned one, 3 buyers, 4 SKUs
    assert_eq!(ds.sales.len(), 9);
    assert_eq!(ds.sales.iter().filter(|s| s.quantity < 0).count(), 1);
    assert_eq!(ds.skus.len(), 4);
    assert_eq!(ds.stores.len(), 2);
}

#[tokio::test]
async fn recommendations_follow_similar_customers_and_skip_what_the_customer_has() {
    let app = spawn_app().await;
    let h = history(&app).await;
    // c3 has JKT-M and BAG-1; the customers who bought a JKT-M also bought CAP-1
    let r = app
        .get(
            &format!("/v1/customers/{}/recommendations", h.c3),
            &app.a.app,
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let recs = body(r).await;
    let items = recs["items"].as_array().expect("items");
    assert_eq!(items[0]["sku"], "CAP-1", "{recs}");
    assert_eq!(items[0]["source"], "similar_customers");
    assert!(
        items
            .iter()
            .all(|i| i["sku"] != "JKT-M" && i["sku"] != "BAG-1"),
        "{recs}"
    );
    // the associate's app asks the same, limited to one
    let r = app
        .get(
            &format!("/v1/customers/{}/recommendations?k=1", h.c3),
            &app.a.associate,
        )
        .await;
    assert_eq!(body(r).await["items"].as_array().map(Vec::len), Some(1));
    // a customer without purchases gets the bestsellers: the jacket all three bought first
    let cold = body(
        app.get(
            &format!("/v1/customers/{}/recommendations", h.cold),
            &app.a.app,
        )
        .await,
    )
    .await;
    assert_eq!(cold["items"][0]["sku"], "JKT-M", "{cold}");
    assert_eq!(cold["items"][0]["source"], "popular");
    assert_eq!(cold["items"].as_array().map(Vec::len), Some(4));
    // bought together with the jacket: the cap and the bag, twice each
    let together = body(
        app.get("/v1/catalog/skus/JKT-M/bought-together", &app.a.app)
            .await,
    )
    .await;
    let skus = strings(&together, "items", "sku");
    assert!(
        skus.contains(&"CAP-1") && skus.contains(&"BAG-1"),
        "{together}"
    );
    assert!(!skus.contains(&"JKT-M"));
    // the same through the query form the load benchmark uses
    let q = body(
        app.get(
            &format!("/v1/recommendations?customer_id={}&k=10", h.c3),
            &app.a.app,
        )
        .await,
    )
    .await;
    assert_eq!(q["items"], recs["items"]);
    // an unknown customer is 404; a k out of range is 422
    let unknown = "cus_01jzzzzzzzzzzzzzzzzzzzzzzz";
    let r = app
        .get(
            &format!("/v1/customers/{unknown}/recommendations"),
            &app.a.app,
        )
        .await;
    problem(r, 404).await;
    let r = app
        .get(
            &format!("/v1/customers/{}/recommendations?k=0", h.c1),
            &app.a.app,
        )
        .await;
    problem(r, 422).await;
    let _ = h.c2;
}

#[tokio::test]
async fn a_survey_answer_is_validated_field_by_field() {
    let app = spawn_app().await;
    let who = customer(&app, "+79160000201").await;
    let r = survey(
        &app,
        json!({"customer_id": "cus_01jzzzzzzzzzzzzzzzzzzzzzzz", "score": 11}),
    )
    .await;
    let p = problem(r, 422).await;
    let fields = strings(&p, "errors", "field");
    assert!(
        fields.contains(&"score") && fields.contains(&"customer_id"),
        "{p}"
    );
    let p = problem(
        survey(&app, json!({"customer_id": who, "score": -1})).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "score");
    let p = problem(
        survey(
            &app,
            json!({"customer_id": who, "score": 5, "order_id": "ord_01jzzzzzzzzzzzzzzzzzzzzzzz"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "order_id");
    let r = survey(
        &app,
        json!({"customer_id": who, "score": 0, "comment": "долго ждал"}),
    )
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let answer = body(r).await;
    assert_eq!(
        (answer["score"].as_u64(), answer["channel"].as_str()),
        (Some(0), Some("web"))
    );
    // the answer's event was written with it
    let row = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM outbox WHERE tenant_id = $1 AND kind = $2",
    )
    .bind(app.a.tenant.id.to_string())
    .bind("survey.answered")
    .fetch_one(app.db.store.pool())
    .await
    .expect("outbox");
    assert_eq!(sqlx::Row::get::<i64, _>(&row, "n"), 1);
    // marketers read answers in aggregate; they do not collect them
    let r = app
        .post(
            "/v1/surveys",
            &app.a.marketer,
            &json!({"customer_id": who, "score": 9}),
        )
        .await;
    problem(r, 403).await;
}

#[tokio::test]
async fn the_recommender_is_judged_on_purchases_it_was_not_trained_on() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let sum = body(app.get("/v1/analytics/summary", &app.a.marketer).await).await;
    // Four SKUs ever sold, the jacket (all three buyers) first, as a cold customer gets them.
    let best = sum["bestsellers"].as_array().expect("bestsellers");
    assert_eq!(best.len(), 4, "{sum}");
    assert_eq!(best[0], "JKT-M", "{sum}");
    let q = body(
        app.get("/v1/analytics/recommender-quality", &app.a.marketer)
            .await,
    )
    .await;
    // The whole history is one day, so the latest fifth of the lines starts on it: nothing
    // to train on, every customer's purchases held out, and no model can beat anything.
    assert_eq!(q["k"], 10, "{q}");
    assert_eq!(q["held_out_from"], sum["as_of"], "{q}");
    assert_eq!(q["all"]["customers"], 3, "c1, c2 and c3 bought: {q}");
    assert_eq!(q["warm"]["customers"], 0, "none had bought before: {q}");
    assert_eq!(q["all"]["recommender"]["precision"], 0.0, "{q}");
    assert_eq!(q["beats_popularity"], false, "{q}");
    let r = app
        .get("/v1/analytics/recommender-quality", &app.a.app)
        .await;
    problem(r, 403).await;
    let _ = (h.c1, h.cold);
}

#[tokio::test]
async fn another_chain_sees_nothing_of_the_history() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let r = survey(&app, json!({"customer_id": h.c1, "score": 10})).await;
    assert_eq!(r.status(), 201);
    let sum = body(app.get("/v1/analytics/summary", &app.b.admin).await).await;
    assert_eq!(sum["customers"], 0, "{sum}");
    assert_eq!(sum["nps"]["responses"], 0);
    let s = body(app.get("/v1/analytics/sales", &app.b.marketer).await).await;
    assert_eq!(totals(&s["total"]), (0, 0, 0, 0));
    let r = app
        .get(
            &format!("/v1/customers/{}/recommendations", h.c1),
            &app.b.app,
        )
        .await;
    problem(r, 404).await;
    let together = body(
        app.get("/v1/catalog/skus/JKT-M/bought-together", &app.b.app)
            .await,
    )
    .await;
    assert_eq!(together["items"], json!([]));
    // chain B cannot answer a survey for chain A's customer
    let r = app
        .post(
            "/v1/surveys",
            &app.b.app,
            &json!({"customer_id": h.c1, "score": 1}),
        )
        .await;
    assert_eq!(problem(r, 422).await["errors"][0]["field"], "customer_id");
    // while chain A sees its own
    let a = body(app.get("/v1/analytics/summary", &app.a.admin).await).await;
    assert_eq!(a["customers"], 3);
}

#[tokio::test]
async fn the_analytics_endpoints_are_documented() {
    let app = spawn_app().await;
    let doc: Value = body(
        app.http
            .get(format!("{}/openapi.json", app.base))
            .send()
            .await
            .expect("req"),
    )
    .await;
    for path in [
        "/v1/surveys",
        "/v1/analytics/refresh",
        "/v1/analytics/summary",
        "/v1/analytics/sales",
        "/v1/analytics/promotions",
        "/v1/analytics/forecast",
        "/v1/analytics/recommender-quality",
        "/v1/customers/{id}/recommendations",
        "/v1/recommendations",
        "/v1/catalog/skus/{sku}/bought-together",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
}
