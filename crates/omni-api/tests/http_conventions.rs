//! Black-box tests of the API conventions: auth, roles, problem+json, pagination,
//! idempotency, ETags, OpenAPI and the operational endpoints.

mod common;

use common::{location_body, problem, spawn_app, strings};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn requests_without_a_valid_key_are_refused_with_a_problem() {
    let app = spawn_app().await;
    let r = app
        .http
        .get(format!("{}/v1/tenant", app.base))
        .send()
        .await
        .expect("request");
    problem(r, 401).await;
    problem(app.get("/v1/tenant", "omk_garbage").await, 401).await;
    let forged = format!("{}x", &app.a.admin[..app.a.admin.len() - 1]);
    problem(app.get("/v1/tenant", &forged).await, 401).await;
    let ok = app.get("/v1/tenant", &app.a.app).await;
    assert_eq!(ok.status(), 200);
    let tenant: Value = ok.json().await.expect("json");
    assert_eq!(tenant["slug"], app.a.tenant.slug);
    assert_eq!(tenant["countries"][0]["currency"], "RUB");
}

#[tokio::test]
async fn a_revoked_key_stops_working_at_once() {
    let app = spawn_app().await;
    let created: Value = app
        .post(
            "/v1/api-keys",
            &app.a.admin,
            &json!({"name": "till 3", "role": "app", "channel": "pos"}),
        )
        .await
        .json()
        .await
        .expect("json");
    let token = created["token"]
        .as_str()
        .expect("token shown once")
        .to_owned();
    assert_eq!(app.get("/v1/tenant", &token).await.status(), 200);
    let id = created["id"].as_str().expect("id");
    let r = app
        .req(Method::DELETE, &format!("/v1/api-keys/{id}"), &app.a.admin)
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 204);
    problem(app.get("/v1/tenant", &token).await, 401).await;
    let listed: Value = app
        .get("/v1/api-keys", &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    let text = listed.to_string();
    assert!(!text.contains(&token), "a listed key never shows its token");
    assert!(!text.contains("secret_hash"));
}

#[tokio::test]
async fn each_role_may_only_do_its_own_work() {
    let app = spawn_app().await;
    for key in [&app.a.marketer, &app.a.associate, &app.a.agent, &app.a.app] {
        problem(
            app.post("/v1/locations", key, &location_body("X-1")).await,
            403,
        )
        .await;
        problem(app.get("/v1/api-keys", key).await, 403).await;
        problem(
            app.post(
                "/v1/webhooks",
                key,
                &json!({"url": "https://example.com/h"}),
            )
            .await,
            403,
        )
        .await;
        assert_eq!(
            app.get("/v1/locations", key).await.status(),
            200,
            "everyone reads locations"
        );
    }
    assert_eq!(app.get("/v1/events", &app.a.marketer).await.status(), 200);
    problem(app.get("/v1/events", &app.a.agent).await, 403).await;
}

#[tokio::test]
async fn malformed_bodies_get_field_level_problems() {
    let app = spawn_app().await;
    let send = |body: String, ct: &'static str| {
        app.req(Method::POST, "/v1/locations", &app.a.admin)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let syntax = problem(
        send("{\"code\": ".into(), "application/json")
            .await
            .expect("req"),
        400,
    )
    .await;
    assert_eq!(syntax["code"], "malformed_json");

    let mut unknown = location_body("U-1");
    unknown["is_admin"] = json!(true);
    let p = problem(
        send(unknown.to_string(), "application/json")
            .await
            .expect("req"),
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "unknown_field");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .expect("msg")
            .contains("is_admin")
    );

    let mut wrong = location_body("W-1");
    wrong["geo"]["lat"] = json!("north");
    let p = problem(
        send(wrong.to_string(), "application/json")
            .await
            .expect("req"),
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "geo.lat");

    let mut missing = location_body("M-1");
    missing.as_object_mut().expect("obj").remove("name");
    let p = problem(
        send(missing.to_string(), "application/json")
            .await
            .expect("req"),
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "required");

    let mut bad_hours = location_body("H-1");
    bad_hours["opening_hours"]["mon"][0]["open"] = json!("25:00");
    let p = problem(
        send(bad_hours.to_string(), "application/json")
            .await
            .expect("req"),
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "opening_hours.mon[0].open");

    let mut invalid = location_body("bad code!");
    invalid["country"] = json!("KZ");
    let p = problem(
        send(invalid.to_string(), "application/json")
            .await
            .expect("req"),
        422,
    )
    .await;
    let fields = strings(&p, "errors", "field");
    assert!(
        fields.contains(&"code") && fields.contains(&"country"),
        "{p}"
    );

    problem(
        send(location_body("T-1").to_string(), "text/plain")
            .await
            .expect("req"),
        415,
    )
    .await;
    let huge = json!({"code": "x".repeat(100 * 1024)}).to_string();
    problem(send(huge, "application/json").await.expect("req"), 413).await;
    // Nothing was written by any of these.
    let list: Value = app
        .get("/v1/locations", &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["data"].as_array().expect("data").len(), 1);
}

#[tokio::test]
async fn unknown_routes_and_malformed_ids_are_404_problems() {
    let app = spawn_app().await;
    problem(app.get("/v1/nothing-here", &app.a.admin).await, 404).await;
    problem(app.get("/v1/locations/not-an-id", &app.a.admin).await, 404).await;
    problem(
        app.get("/v1/locations/cus_01jd2x7k3m9q8r5t6v7w8y9z0a", &app.a.admin)
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn request_ids_are_echoed_or_minted() {
    let app = spawn_app().await;
    let r = app
        .req(Method::GET, "/v1/tenant", &app.a.admin)
        .header("x-request-id", "trace-abc-1")
        .send()
        .await
        .expect("req");
    assert_eq!(r.headers()["x-request-id"], "trace-abc-1");
    let r = app
        .get("/v1/locations/loc_01jd2x7k3m9q8r5t6v7w8y9z0a", &app.a.admin)
        .await;
    let minted = r.headers()["x-request-id"].to_str().expect("id").to_owned();
    assert!(minted.starts_with("req_"));
    let p = problem(r, 404).await;
    assert_eq!(p["request_id"], minted.as_str());
}

#[tokio::test]
async fn cursor_pagination_walks_every_item_once_and_checks_its_limits() {
    let app = spawn_app().await;
    for i in 0..5 {
        app.create_location(&app.a.admin, &format!("PG-{i}")).await;
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = if cursor.is_empty() {
            "/v1/locations?limit=2".to_owned()
        } else {
            format!("/v1/locations?limit=2&starting_after={cursor}")
        };
        let page: Value = app
            .get(&path, &app.a.admin)
            .await
            .json()
            .await
            .expect("json");
        let data = page["data"].as_array().expect("data");
        assert!(data.len() <= 2);
        seen.extend(
            data.iter()
                .map(|l| l["code"].as_str().expect("code").to_owned()),
        );
        if !page["has_more"].as_bool().expect("has_more") {
            break;
        }
        cursor = data.last().expect("last")["id"]
            .as_str()
            .expect("id")
            .to_owned();
    }
    assert_eq!(seen, ["HOME-1", "PG-0", "PG-1", "PG-2", "PG-3", "PG-4"]);
    for bad in ["limit=0", "limit=101", "limit=abc", "starting_after=zzz"] {
        let r = app.get(&format!("/v1/locations?{bad}"), &app.a.admin).await;
        assert!(
            r.status() == 422 || r.status() == 400,
            "{bad}: {}",
            r.status()
        );
    }
    let stores: Value = app
        .get("/v1/locations?kind=warehouse", &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(stores["data"].as_array().expect("data").len(), 0);
}

#[tokio::test]
async fn a_retried_create_with_the_same_key_returns_the_first_response() {
    let app = spawn_app().await;
    let send = |body: Value, key: &'static str| {
        app.req(Method::POST, "/v1/locations", &app.a.admin)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = send(location_body("IDEM-1"), "k-1").await.expect("req");
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again = send(location_body("IDEM-1"), "k-1").await.expect("req");
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["id"], first["id"]);
    let p = problem(
        send(location_body("IDEM-2"), "k-1").await.expect("req"),
        422,
    )
    .await;
    assert_eq!(p["code"], "idempotency_key_reused");
    // Another tenant's key may use the same idempotency key for its own request.
    let other = app
        .req(Method::POST, "/v1/locations", &app.b.admin)
        .header("idempotency-key", "k-1")
        .json(&location_body("IDEM-1"))
        .send()
        .await
        .expect("req");
    assert_eq!(other.status(), 201);
    let other: Value = other.json().await.expect("json");
    assert_ne!(other["id"], first["id"]);
}

#[tokio::test]
async fn concurrent_retries_with_one_key_create_exactly_once() {
    let app = spawn_app().await;
    let attempts = (0..8).map(|_| {
        app.req(Method::POST, "/v1/locations", &app.a.admin)
            .header("idempotency-key", "burst-1")
            .json(&location_body("BURST-1"))
            .send()
    });
    let responses = futures::future::join_all(attempts).await;
    let mut ids = std::collections::BTreeSet::new();
    for r in responses {
        let r = r.expect("request");
        assert_eq!(r.status(), 201);
        let body: Value = r.json().await.expect("json");
        ids.insert(body["id"].as_str().expect("id").to_owned());
    }
    assert_eq!(ids.len(), 1, "every retry saw the same location");
    let list: Value = app
        .get("/v1/locations?limit=100", &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    let burst = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter(|l| l["code"] == "BURST-1")
        .count();
    assert_eq!(burst, 1);
}

#[tokio::test]
async fn updates_need_the_current_etag_and_a_lost_update_is_refused() {
    let app = spawn_app().await;
    let created = app.create_location(&app.a.admin, "ET-1").await;
    let path = format!("/v1/locations/{}", created["id"].as_str().expect("id"));
    let got = app.get(&path, &app.a.admin).await;
    let etag = got.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(etag, "\"1\"");

    let patch = |name: &'static str, etag: Option<String>| {
        let mut r = app
            .req(Method::PATCH, &path, &app.a.admin)
            .json(&json!({"name": name}));
        if let Some(e) = etag {
            r = r.header("if-match", e);
        }
        r.send()
    };
    problem(patch("no etag", None).await.expect("req"), 428).await;
    let (one, two) = tokio::join!(
        patch("first", Some(etag.clone())),
        patch("second", Some(etag.clone()))
    );
    let mut statuses = [
        one.expect("req").status().as_u16(),
        two.expect("req").status().as_u16(),
    ];
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 412],
        "exactly one of two writers with the same ETag wins"
    );
    let now = app.get(&path, &app.a.admin).await;
    assert_eq!(now.headers()["etag"], "\"2\"");
    problem(patch("stale", Some(etag)).await.expect("req"), 412).await;
    let cleared = app
        .req(Method::PATCH, &path, &app.a.admin)
        .header("if-match", "\"2\"")
        .json(&json!({"daily_order_capacity": null}))
        .send()
        .await
        .expect("req");
    assert_eq!(cleared.status(), 200);
    let body: Value = cleared.json().await.expect("json");
    assert_eq!(body["daily_order_capacity"], Value::Null);
    assert_eq!(body["version"], 3);
}

#[tokio::test]
async fn the_event_feed_reads_changes_by_cursor() {
    let app = spawn_app().await;
    app.create_location(&app.a.admin, "EV-1").await;
    app.create_location(&app.a.admin, "EV-2").await;
    app.db.store.sequence_outbox(1000).await.expect("sequence");
    let page: Value = app
        .get("/v1/events?limit=1", &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["data"][0]["type"], "location.created");
    assert_eq!(page["has_more"], true);
    let after = page["next_after"].as_i64().expect("cursor");
    let rest: Value = app
        .get(&format!("/v1/events?after={after}"), &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rest["data"].as_array().expect("data").len(), 1);
    assert_eq!(rest["data"][0]["data"]["code"], "EV-2");
    problem(app.get("/v1/events?after=-1", &app.a.admin).await, 422).await;
}

#[tokio::test]
async fn webhook_urls_into_private_networks_are_refused() {
    let app = spawn_app().await;
    for url in [
        "http://127.0.0.1:9/h",
        "http://169.254.169.254/latest",
        "http://localhost/x",
        "ftp://example.com",
    ] {
        let p = problem(
            app.post("/v1/webhooks", &app.a.admin, &json!({"url": url}))
                .await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "url", "{url}");
    }
    let r = app
        .post(
            "/v1/webhooks",
            &app.a.admin,
            &json!({"url": "https://hooks.example.com/omni", "event_types": ["location.created"]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let hook: Value = r.json().await.expect("json");
    assert!(
        hook["secret"]
            .as_str()
            .expect("secret once")
            .starts_with("whsec_")
    );
    let shown: Value = app
        .get(
            &format!("/v1/webhooks/{}", hook["id"].as_str().expect("id")),
            &app.a.admin,
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(shown.get("secret").is_none());
}

#[tokio::test]
async fn openapi_docs_and_operational_endpoints_are_served() {
    let app = spawn_app().await;
    let doc: Value = app
        .http
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3.1"));
    for path in [
        "/v1/locations",
        "/v1/locations/{id}",
        "/v1/api-keys",
        "/v1/events",
        "/v1/webhooks",
        "/v1/tenant",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    let docs = app
        .http
        .get(format!("{}/docs/", app.base))
        .send()
        .await
        .expect("req");
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.expect("html").contains("swagger"));
    assert_eq!(
        app.http
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .expect("req")
            .status(),
        200
    );
    let ready: Value = app
        .http
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    assert_eq!(ready["status"], "ready");
    app.get("/v1/tenant", &app.a.admin).await;
    let metrics = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("req")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("http_requests_total"), "{metrics}");
}
