//! Wishlists and "near a store": the wishlist is validated against the catalog, a near-store
//! report counts the wishlist SKUs the store can sell now, and the example `wishlist_nearby`
//! chain pushes only when one is in stock. Tenants never see each other's wishlists.

mod common;

use std::sync::Arc;

use chrono::{Duration, Utc};
use common::shop::{body, catalog, place, receive, timeline_of};
use common::triggers::{firings, install_example};
use common::{TestApp, merged_one, problem, reverse_merge, spawn_app, strings};
use omni_api::engagement_worker::TriggerWorker;
use omni_kernel::FixedClock;
use reqwest::Method;
use serde_json::{Value, json};

async fn pushable(app: &TestApp, phone: &str) -> String {
    let id = common::shop::customer(app, phone).await;
    let b = json!({"changes": [{"purpose": "marketing", "channel": "push", "granted": true,
        "method": "checkbox", "location_id": null}]});
    let r = app
        .req(
            Method::PUT,
            &format!("/v1/customers/{id}/consents"),
            &app.a.agent,
        )
        .json(&b)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    id
}

async fn put_wishlist(app: &TestApp, key: &str, who: &str, skus: Value) -> reqwest::Response {
    app.req(Method::PUT, &format!("/v1/customers/{who}/wishlist"), key)
        .json(&json!({"skus": skus}))
        .send()
        .await
        .expect("send")
}

async fn near(app: &TestApp, who: &str, location: &str) -> reqwest::Response {
    app.post(
        &format!("/v1/customers/{who}/near-store"),
        &app.a.app,
        &json!({"location_id": location}),
    )
    .await
}

#[tokio::test]
async fn a_wishlist_holds_only_catalog_skus_and_stays_in_its_tenant() {
    let app = spawn_app().await;
    catalog(&app).await;
    let ann = pushable(&app, "+79161240001").await;

    let r = put_wishlist(&app, &app.a.app, &ann, json!(["JKT-M", "NOPE-1", "CAP-1"])).await;
    let p = problem(r, 422).await;
    assert_eq!(strings(&p, "errors", "field"), vec!["skus[1]"], "{p}");
    assert_eq!(p["errors"][0]["code"], "not_found");
    let many: Vec<String> = (0..101).map(|i| format!("S-{i}")).collect();
    let p = problem(put_wishlist(&app, &app.a.app, &ann, json!(many)).await, 422).await;
    assert_eq!(strings(&p, "errors", "field"), vec!["skus"]);
    let p = problem(
        put_wishlist(&app, &app.a.app, &ann, json!([" "])).await,
        422,
    )
    .await;
    assert_eq!(strings(&p, "errors", "field"), vec!["skus[0]"]);

    let r = put_wishlist(&app, &app.a.app, &ann, json!(["JKT-M", "CAP-1", "JKT-M"])).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let list = body(
        app.get(&format!("/v1/customers/{ann}/wishlist"), &app.a.associate)
            .await,
    )
    .await;
    assert_eq!(strings(&list, "items", "sku"), vec!["JKT-M", "CAP-1"]);

    let r = app
        .get(&format!("/v1/customers/{ann}/wishlist"), &app.b.admin)
        .await;
    assert_eq!(r.status(), 404, "another tenant's customer does not exist");
    let r = app
        .get(&format!("/v1/customers/{ann}/wishlist"), &app.a.marketer)
        .await;
    assert_eq!(r.status(), 403, "marketers do not read single customers");
    let r = near(&app, &ann, &app.b.store.to_string()).await;
    let p = problem(r, 422).await;
    assert_eq!(strings(&p, "errors", "field"), vec!["location_id"]);

    let r = app
        .req(
            Method::DELETE,
            &format!("/v1/customers/{ann}/wishlist/JKT-M"),
            &app.a.app,
        )
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert_eq!(strings(&body(r).await, "items", "sku"), vec!["CAP-1"]);

    let export = body(
        app.get(&format!("/v1/customers/{ann}/export"), &app.a.admin)
            .await,
    )
    .await;
    assert_eq!(
        export["wishlist"],
        json!(["CAP-1"]),
        "held data is exported"
    );
    let r = app
        .post(
            &format!("/v1/customers/{ann}/erasure"),
            &app.a.admin,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let left = app
        .db
        .store
        .wishlist(app.a.tenant.id, ann.parse().expect("id"))
        .await;
    assert!(
        left.expect("read").is_empty(),
        "erasure deletes the wishlist"
    );
}

#[tokio::test]
async fn near_a_store_with_a_wishlist_item_in_stock_the_app_pushes_and_without_one_it_does_not() {
    let app = spawn_app().await;
    catalog(&app).await;
    let store = place(&app, "ST-W", "store", &["sell_in_store"], 55.75, 37.61).await;
    let other = place(&app, "ST-X", "store", &["sell_in_store"], 55.76, 37.62).await;
    receive(&app, "JKT-M", &other, 2).await;
    install_example(&app, "wishlist_nearby").await;
    let clock = Arc::new(FixedClock::at(Utc::now() + Duration::minutes(1)));
    let mut worker = TriggerWorker::new(app.db.store.clone(), clock.clone(), "test-node");
    worker.run_round().await.expect("load");

    let ann = pushable(&app, "+79161240011").await;
    let r = put_wishlist(&app, &app.a.app, &ann, json!(["JKT-M", "CAP-1"])).await;
    assert_eq!(r.status(), 200);

    let r = near(&app, &ann, &store).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let seen = body(r).await;
    assert_eq!(seen["wishlist_in_stock"], 0, "{seen}");
    assert_eq!(seen["skus"], json!([]));
    let r = worker.run_round().await.expect("round");
    assert_eq!((r.started, r.sent), (0, 0), "nothing in stock here: {r:?}");
    assert!(firings(&app, &ann).await.is_empty());

    receive(&app, "CAP-1", &store, 3).await;
    let seen = body(near(&app, &ann, &store).await).await;
    assert_eq!(seen["wishlist_in_stock"], 1, "{seen}");
    assert_eq!(seen["skus"], json!(["CAP-1"]));
    assert_eq!(seen["location_id"], json!(store));
    let r = worker.run_round().await.expect("round");
    assert_eq!(r.sent, 1, "{r:?}");
    let log = firings(&app, &ann).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["chain_id"], "wishlist_nearby");
    assert_eq!(
        log[0]["gate"],
        json!({"decision": "send", "channel": "push"})
    );

    let timeline = timeline_of(&app, &ann, "store_visit").await;
    let visits = timeline["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(visits.len(), 2, "{timeline}");
    assert_eq!(visits[1]["location_id"], json!(store));
    assert_eq!(visits[1]["data"]["wishlist_in_stock"], 1);
}

fn wishlist_skus(v: &Value) -> Vec<&str> {
    let mut skus = strings(v, "items", "sku");
    skus.sort_unstable();
    skus
}

async fn wishlist_of(app: &TestApp, who: &str) -> Value {
    body(
        app.get(&format!("/v1/customers/{who}/wishlist"), &app.a.agent)
            .await,
    )
    .await
}

#[tokio::test]
async fn a_wishlist_follows_its_customer_through_a_merge_and_back_on_reversal() {
    let app = spawn_app().await;
    catalog(&app).await;
    let ann = pushable(&app, "+79161240021").await;
    let r = app
        .post(
            "/v1/customers",
            &app.a.app,
            &json!({"identifiers": [{"kind": "email", "value": "ann.w@example.com", "verified": true}]}),
        )
        .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let twin = body(r).await["id"].as_str().expect("id").to_owned();
    for (who, skus) in [(&ann, json!(["JKT-M"])), (&twin, json!(["CAP-1", "JKT-M"]))] {
        let r = put_wishlist(&app, &app.a.app, who, skus).await;
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
    }
    // The twin proves Ann's phone: the profiles merge into Ann's, the older one.
    let r = app
        .post(
            &format!("/v1/customers/{twin}/identifiers"),
            &app.a.app,
            &json!({"kind": "phone", "value": "+79161240021", "verified": true}),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(body(r).await["id"], ann.as_str(), "merged into Ann");
    let merged = wishlist_of(&app, &ann).await;
    assert_eq!(wishlist_skus(&merged), ["CAP-1", "JKT-M"], "{merged}");

    let r = reverse_merge(&app, &merged_one(&app).await).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let back = wishlist_of(&app, &ann).await;
    assert_eq!(wishlist_skus(&back), ["JKT-M"], "Ann's own list: {back}");
    let twins = wishlist_of(&app, &twin).await;
    assert_eq!(
        wishlist_skus(&twins),
        ["CAP-1", "JKT-M"],
        "the twin's list whole again, its JKT-M never moved: {twins}"
    );
}
