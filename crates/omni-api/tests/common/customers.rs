//! Helpers of the customer tests: create a profile and identify one, over HTTP.

use serde_json::{Value, json};

use super::TestApp;

/// Creates a customer with `key`; the status and the body.
pub async fn create(app: &TestApp, key: &str, body: Value) -> (u16, Value) {
    let r = app.post("/v1/customers", key, &body).await;
    let status = r.status().as_u16();
    (status, r.json().await.expect("json"))
}

/// A phone identifier as a request names it.
pub fn phone(value: &str, verified: bool) -> Value {
    json!({"kind": "phone", "value": value, "verified": verified})
}

/// The single-window identify, with `key`.
pub async fn identify(app: &TestApp, key: &str, kind: &str, value: &str) -> reqwest::Response {
    app.post(
        "/v1/customers/identify",
        key,
        &json!({"kind": kind, "value": value}),
    )
    .await
}
