//! Segments materialised over the node's snapshot of the base: after the first load, each
//! materialisation reflects exactly what was committed since — consents, profile edits,
//! points, new customers, merges and erasures — and agrees with a fresh read of the base.

mod common;

use common::{TestApp, new_customer, spawn_app};
use omni_domain::customers::Rule;
use serde_json::{Value, json};

async fn customer(app: &TestApp, phone: &str, city: &str) -> String {
    let body =
        json!({"identifiers": [{"kind": "phone", "value": phone, "verified": true}], "city": city});
    new_customer(app, body).await
}

async fn sms_consent(app: &TestApp, id: &str, granted: bool) {
    let r = app
        .req(
            reqwest::Method::PUT,
            &format!("/v1/customers/{id}/consents"),
            &app.a.app,
        )
        .json(
            &json!({"changes": [{"purpose": "marketing", "channel": "sms", "granted": granted,
            "method": "checkbox", "location_id": null}]}),
        )
        .send()
        .await
        .expect("consent");
    assert!(r.status().is_success(), "{}", r.status());
}

async fn materialize(app: &TestApp, key: &str, segment: &str) -> Value {
    let r = app
        .post(
            &format!("/v1/segments/{segment}/materialization"),
            key,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.expect("json")
}

async fn members(app: &TestApp, segment: &str) -> Vec<String> {
    let v: Value = app
        .get(
            &format!("/v1/segments/{segment}/members?limit=100"),
            &app.a.marketer,
        )
        .await
        .json()
        .await
        .expect("json");
    let mut ids: Vec<String> = v["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| m.as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

/// The rule's members in a base read from scratch (no snapshot involved).
async fn fresh(app: &TestApp, rule: &Value) -> Vec<String> {
    let rule: Rule = serde_json::from_value(rule.clone()).expect("rule");
    let base = app
        .db
        .store
        .segment_base(app.a.tenant.id)
        .await
        .expect("base");
    let mut ids: Vec<String> = base
        .evaluate(&rule)
        .iter()
        .map(|id| id.to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_materialisation_reflects_every_change_committed_since_the_snapshot_was_loaded() {
    let app = spawn_app().await;
    let c0 = customer(&app, "+79160000100", "Москва").await;
    let c1 = customer(&app, "+79160000101", "Москва").await;
    let c2 = customer(&app, "+79160000102", "Казань").await;
    let c3 = customer(&app, "+79160000103", "Москва").await;
    let c4 = customer(&app, "+79160000104", "Москва").await;
    for id in [&c0, &c2, &c3, &c4] {
        sms_consent(&app, id, true).await;
    }
    let rule = json!({"all": [{"city_is": "Москва"}, {"any": [
        {"points_at_least": 50}, {"consented": {"purpose": "marketing", "channel": "sms"}}]}]});
    let r = app
        .post(
            "/v1/segments",
            &app.a.marketer,
            &json!({"name": "Moscow, reachable", "rule": rule}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let seg = r.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let first = materialize(&app, &app.a.marketer, &seg).await;
    assert_eq!(first["snapshot_loaded"], true);
    assert_eq!(first["base_size"], 5);
    let mut expected = vec![c0.clone(), c3.clone(), c4.clone()];
    expected.sort();
    assert_eq!(members(&app, &seg).await, expected);

    // points (c1 joins), a move to Moscow (c2 joins), a withdrawn consent (c0 leaves),
    // an erasure (c3 leaves), a newcomer (c5 joins), a merge (c4 folds into c1)
    app.gift_points(&c1, 100).await;
    let r = app
        .req(
            reqwest::Method::PATCH,
            &format!("/v1/customers/{c2}"),
            &app.a.agent,
        )
        .header("if-match", "\"1\"")
        .json(&json!({"city": "Москва"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    sms_consent(&app, &c0, false).await;
    let r = app
        .post(
            &format!("/v1/customers/{c3}/erasure"),
            &app.a.admin,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let c5 = customer(&app, "+79160000105", "Москва").await;
    sms_consent(&app, &c5, true).await;
    let r = app
        .post(
            &format!("/v1/customers/{c4}/identifiers"),
            &app.a.app,
            &json!({"kind": "phone", "value": "8 916 000 01 01", "verified": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.expect("json")["id"], c1.as_str());

    let second = materialize(&app, &app.a.marketer, &seg).await;
    assert_eq!(second["snapshot_loaded"], false, "{second}");
    assert!(second["refreshed_customers"].as_i64().expect("n") >= 5);
    assert_eq!(second["base_size"], 4, "c3 erased and c4 merged away");
    let mut expected = vec![c1.clone(), c2.clone(), c5.clone()];
    expected.sort();
    assert_eq!(members(&app, &seg).await, expected);
    assert_eq!(fresh(&app, &rule).await, expected);

    // another tenant's snapshot holds only its own customers
    let r = app
        .post(
            "/v1/segments",
            &app.b.marketer,
            &json!({"name": "Moscow, reachable", "rule": rule}),
        )
        .await;
    let b_seg = r.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let other = materialize(&app, &app.b.marketer, &b_seg).await;
    assert_eq!(other["member_count"], 0);
    assert_eq!(other["base_size"], 0);
}
