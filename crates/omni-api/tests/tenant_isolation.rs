//! A key of tenant A never reads or writes tenant B's data — on every route family.

mod common;

use common::{problem, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn locations_of_another_tenant_are_invisible_and_untouchable() {
    let app = spawn_app().await;
    let a_loc = app.create_location(&app.a.admin, "A-ONLY").await;
    let path = format!("/v1/locations/{}", a_loc["id"].as_str().expect("id"));
    problem(app.get(&path, &app.b.admin).await, 404).await;
    let r = app
        .req(Method::PATCH, &path, &app.b.admin)
        .header("if-match", "\"1\"")
        .json(&json!({"name": "pwned"}))
        .send()
        .await
        .expect("req");
    problem(r, 404).await;
    let b_list: Value = app
        .get("/v1/locations?limit=100", &app.b.admin)
        .await
        .json()
        .await
        .expect("json");
    assert!(!b_list.to_string().contains("A-ONLY"));
    let a_after: Value = app
        .get(&path, &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(a_after["name"], a_loc["name"]);
}

#[tokio::test]
async fn keys_and_tenants_of_another_tenant_are_out_of_reach() {
    let app = spawn_app().await;
    let b_tenant: Value = app
        .get("/v1/tenant", &app.b.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(b_tenant["id"], app.b.tenant.id.to_string());
    let a_keys: Value = app
        .get("/v1/api-keys?limit=100", &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    let a_key_id = a_keys["data"][0]["id"].as_str().expect("id").to_owned();
    let b_keys: Value = app
        .get("/v1/api-keys?limit=100", &app.b.admin)
        .await
        .json()
        .await
        .expect("json");
    assert!(!b_keys.to_string().contains(&a_key_id));
    let r = app
        .req(
            Method::DELETE,
            &format!("/v1/api-keys/{a_key_id}"),
            &app.b.admin,
        )
        .send()
        .await
        .expect("req");
    problem(r, 404).await;
    // An associate key cannot be bound to another tenant's store.
    let r = app
        .post(
            "/v1/api-keys",
            &app.b.admin,
            &json!({"name": "x", "role": "associate", "store": app.a.store.to_string()}),
        )
        .await;
    let p = problem(r, 422).await;
    assert_eq!(p["errors"][0]["field"], "store");
    assert_eq!(
        app.get("/v1/tenant", &app.a.admin).await.status(),
        200,
        "A's key still works"
    );
}

#[tokio::test]
async fn events_and_webhooks_of_another_tenant_are_out_of_reach() {
    let app = spawn_app().await;
    app.create_location(&app.a.admin, "A-EVT").await;
    app.db.store.sequence_outbox(1000).await.expect("sequence");
    let b_events: Value = app
        .get("/v1/events", &app.b.admin)
        .await
        .json()
        .await
        .expect("json");
    assert!(!b_events.to_string().contains("A-EVT"));
    let a_events: Value = app
        .get("/v1/events", &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    assert!(a_events.to_string().contains("A-EVT"));

    let hook: Value = app
        .post(
            "/v1/webhooks",
            &app.a.admin,
            &json!({"url": "https://hooks.example.com/a"}),
        )
        .await
        .json()
        .await
        .expect("json");
    let path = format!("/v1/webhooks/{}", hook["id"].as_str().expect("id"));
    problem(app.get(&path, &app.b.admin).await, 404).await;
    problem(
        app.req(Method::DELETE, &path, &app.b.admin)
            .send()
            .await
            .expect("req"),
        404,
    )
    .await;
    let b_hooks: Value = app
        .get("/v1/webhooks", &app.b.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(b_hooks["data"].as_array().expect("data").len(), 0);
    assert_eq!(app.get(&path, &app.a.admin).await.status(), 200);
}
