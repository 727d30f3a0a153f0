//! Helpers of the trigger-chain tests: define chains over HTTP as a marketer would and read
//! the firing log.

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use super::TestApp;
use super::shop::body;

/// `PUT /v1/engagement/triggers/{id}` with `If-Match: version` (`"0"` creates).
pub async fn put_chain(
    app: &TestApp,
    id: &str,
    chain: &impl Serialize,
    version: &str,
) -> reqwest::Response {
    app.req(
        Method::PUT,
        &format!("/v1/engagement/triggers/{id}"),
        &app.a.marketer,
    )
    .header("if-match", version)
    .json(chain)
    .send()
    .await
    .expect("send")
}

/// Defines the example chain `id` (see `TriggerChain::examples`) for chain A.
pub async fn install_example(app: &TestApp, id: &str) {
    let chain = omni_domain::engagement::TriggerChain::examples()
        .into_iter()
        .find(|c| c.id == id)
        .expect("example chain");
    let r = put_chain(app, id, &chain, "\"0\"").await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
}

/// The customer's trigger firings, newest first.
pub async fn firings(app: &TestApp, who: &str) -> Vec<Value> {
    let page = body(
        app.get(
            &format!("/v1/engagement/triggers/firings?customer_id={who}"),
            &app.a.marketer,
        )
        .await,
    )
    .await;
    page["data"].as_array().cloned().unwrap_or_default()
}
