//! Customers: identity resolution across phone formats, the single-window identify, reduced
//! views, concurrent identify-or-create, device stitching, merges and their reversal, QR tokens.

mod common;

use common::customers::{create, identify, phone};
use common::{merged_one, problem, reverse_merge, spawn_app, strings};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn russian_and_kazakh_phone_formats_identify_one_customer() {
    let app = spawn_app().await;
    let (s, ru) = create(&app, &app.a.app, json!({"identifiers": [phone("8 (916) 123-45-67", true)], "given_name": "Иван", "family_name": "Петров"})).await;
    assert_eq!(s, 201, "{ru}");
    let (s, kz) = create(
        &app,
        &app.a.app,
        json!({"identifiers": [phone("+7 701 123 45 67", true)]}),
    )
    .await;
    assert_eq!(s, 201);
    for (raw, who) in [
        ("+7 916 123 45 67", &ru),
        ("79161234567", &ru),
        ("89161234567", &ru),
        ("8 (701) 123-45-67", &kz),
        ("+77011234567", &kz),
    ] {
        let r = identify(&app, &app.a.agent, "phone", raw).await;
        assert_eq!(r.status(), 200, "{raw}");
        let summary: Value = r.json().await.expect("json");
        assert_eq!(summary["customer_id"], who["id"], "{raw}");
    }
    let p = problem(
        identify(&app, &app.a.agent, "phone", "8 (916) 000-00-0").await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "value");
    let p = problem(app.post("/v1/customers", &app.a.app, &json!({"identifiers": [phone("12345", true), {"kind": "loyalty_card", "value": "7001 0000 0000 0009"}]})).await, 422).await;
    let fields = strings(&p, "errors", "field");
    assert_eq!(fields, ["identifiers[0].value", "identifiers[1].value"]);
    // Unknown → 404 with nothing leaked; another tenant's phone is unknown too.
    let p = problem(
        identify(&app, &app.a.agent, "phone", "+7 916 999 99 99").await,
        404,
    )
    .await;
    assert!(!p.to_string().contains("9169999999"));
    problem(
        identify(&app, &app.b.agent, "phone", "+7 916 123 45 67").await,
        404,
    )
    .await;
    problem(
        app.get(
            &format!("/v1/customers/{}", ru["id"].as_str().expect("id")),
            &app.b.admin,
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn associates_see_a_reduced_profile_and_staff_reads_of_full_data_are_audited() {
    let app = spawn_app().await;
    let (_, c) = create(&app, &app.a.app, json!({"identifiers": [phone("+79161234567", true), {"kind": "email", "value": " Ivan@Example.COM ", "verified": true}], "given_name": "Иван", "family_name": "Петров", "sizes": {"shoes": "43"}})).await;
    let id = c["id"].as_str().expect("id");
    let summary: Value = identify(&app, &app.a.associate, "email", "ivan@example.com")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(summary["name"], "Иван П.");
    assert_eq!(summary["sizes"]["shoes"], "43");
    let text = summary.to_string();
    assert!(
        !text.contains("79161234567") && !text.contains("ivan@example.com"),
        "{text}"
    );
    assert!(text.contains("+7916*****67") && text.contains("i***@example.com"));
    for key in [&app.a.associate, &app.a.agent] {
        let reduced: Value = app
            .get(&format!("/v1/customers/{id}"), key)
            .await
            .json()
            .await
            .expect("json");
        assert!(
            !reduced.to_string().contains("79161234567"),
            "no reason, no full data"
        );
    }
    let r = app
        .req(
            Method::GET,
            &format!("/v1/customers/{id}"),
            &app.a.associate,
        )
        .header("x-access-reason", "support_request")
        .send()
        .await
        .expect("req");
    assert!(
        !r.text().await.expect("body").contains("79161234567"),
        "associates never get full data"
    );
    let full = app
        .req(Method::GET, &format!("/v1/customers/{id}"), &app.a.agent)
        .header("x-access-reason", "support_request")
        .send()
        .await
        .expect("req");
    assert_eq!(full.status(), 200);
    let full: Value = full.json().await.expect("json");
    assert!(full.to_string().contains("+79161234567"));
    assert_eq!(full["family_name"], "Петров");
    problem(
        app.get(&format!("/v1/customers/{id}?reason=curious"), &app.a.agent)
            .await,
        422,
    )
    .await;
    problem(
        identify(&app, &app.a.marketer, "phone", "+79161234567").await,
        403,
    )
    .await;
    let export: Value = app
        .get(&format!("/v1/customers/{id}/export"), &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    let log = export["access_log"].as_array().expect("log");
    let actions: Vec<&str> = log.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["read_profile", "export"], "{log:?}");
    assert_eq!(log[0]["role"], "agent");
    assert_eq!(log[0]["reason"], "support_request");
    problem(
        app.get(&format!("/v1/customers/{id}/export"), &app.a.agent)
            .await,
        403,
    )
    .await;
}

#[tokio::test]
async fn two_channels_identifying_the_same_new_phone_at_once_make_one_customer() {
    let app = spawn_app().await;
    let formats = [
        "+7 916 555 44 33",
        "8 (916) 555-44-33",
        "79165554433",
        "89165554433",
    ];
    let keys = [&app.a.app, &app.a.associate, &app.a.agent, &app.a.admin];
    let requests = (0..12).map(|i| {
        let body = json!({"identifiers": [phone(formats[i % 4], true)], "given_name": format!("Гость {i}")});
        create(&app, keys[i % 4], body)
    });
    let results = futures::future::join_all(requests).await;
    let ids: std::collections::BTreeSet<String> = results
        .iter()
        .map(|(s, body)| {
            assert!(*s == 200 || *s == 201, "{s} {body}");
            body["id"].as_str().expect("id").to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "one customer, not {}", ids.len());
    assert_eq!(results.iter().filter(|(s, _)| *s == 201).count(), 1);
    let tenant = app.a.tenant.id;
    assert_eq!(app.db.store.customer_count(tenant).await.expect("count"), 1);
}

#[tokio::test]
async fn an_anonymous_device_timeline_is_stitched_when_the_device_identifies() {
    let app = spawn_app().await;
    for sku in ["sku-1", "sku-2"] {
        let r = app
            .post(
                "/v1/devices/cookie-42/timeline",
                &app.a.app,
                &json!({"kind": "product_viewed", "data": {"sku": sku}}),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let (_, c) = create(
        &app,
        &app.a.app,
        json!({"identifiers": [phone("+79160001122", true)]}),
    )
    .await;
    let id = c["id"].as_str().expect("id");
    let r = app
        .post(
            "/v1/devices/cookie-42/identify",
            &app.a.app,
            &json!({"kind": "phone", "value": "8 916 000 11 22"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let stitched: Value = r.json().await.expect("json");
    assert_eq!(stitched["stitched_entries"], 2);
    let all: Value = app
        .get(&format!("/v1/customers/{id}/timeline"), &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(all["data"].as_array().expect("data").len(), 3);
    let views: Value = app
        .get(
            &format!("/v1/customers/{id}/timeline?kind=product_viewed&limit=1"),
            &app.a.agent,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(views["data"][0]["data"]["sku"], "sku-1");
    assert_eq!(views["has_more"], true);
    let after = views["data"][0]["id"].as_str().expect("id");
    let next: Value = app
        .get(
            &format!("/v1/customers/{id}/timeline?kind=product_viewed&starting_after={after}"),
            &app.a.agent,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(next["data"][0]["data"]["sku"], "sku-2");
    let by_channel: Value = app
        .get(
            &format!("/v1/customers/{id}/timeline?channel=pos"),
            &app.a.agent,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(by_channel["data"].as_array().expect("data").len(), 0);
    // Later interactions of the known device go straight to the customer.
    app.post(
        "/v1/devices/cookie-42/timeline",
        &app.a.app,
        &json!({"kind": "cart_changed"}),
    )
    .await;
    let all: Value = app
        .get(
            &format!("/v1/customers/{id}/timeline?kind=cart_changed"),
            &app.a.agent,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(all["data"].as_array().expect("data").len(), 1);
    app.db.store.sequence_outbox(1000).await.expect("sequence");
    let events: Value = app
        .get("/v1/events?limit=100", &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    let text = events.to_string();
    assert!(text.contains("customer.device_stitched"));
    assert!(
        !text.contains("9160001122") && !text.contains("cookie-42"),
        "events carry digests, not identifiers"
    );
}

#[tokio::test]
async fn profiles_sharing_a_verified_identifier_merge_and_a_reversal_restores_both() {
    let app = spawn_app().await;
    let (_, a) = create(
        &app,
        &app.a.app,
        json!({"identifiers": [phone("+79161112233", true)], "given_name": "Анна"}),
    )
    .await;
    let (_, b) = create(&app, &app.a.app, json!({"identifiers": [{"kind": "email", "value": "anna@example.com", "verified": true}], "city": "Казань"})).await;
    let (a_id, b_id) = (a["id"].as_str().expect("id"), b["id"].as_str().expect("id"));
    app.post(
        &format!("/v1/customers/{b_id}/timeline"),
        &app.a.app,
        &json!({"kind": "order_placed", "data": {"order": "ord_1"}}),
    )
    .await;
    let r = app
        .post(
            &format!("/v1/customers/{b_id}/identifiers"),
            &app.a.app,
            &phone("8 916 111 22 33", true),
        )
        .await;
    assert_eq!(r.status(), 200);
    let merged: Value = r.json().await.expect("json");
    assert_eq!(merged["id"], a_id, "the older profile survives");
    assert_eq!(merged["city"], "Казань");
    let via_loser: Value = app
        .get(&format!("/v1/customers/{b_id}"), &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        via_loser["id"], a_id,
        "the loser's id resolves to the survivor"
    );
    let summary: Value = identify(&app, &app.a.agent, "email", "anna@example.com")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(summary["customer_id"], a_id);
    let tl: Value = app
        .get(&format!("/v1/customers/{a_id}/timeline"), &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(tl["data"].as_array().expect("data").len(), 1);
    let merge_id = merged_one(&app).await;
    assert_eq!(reverse_merge(&app, &merge_id).await.status(), 200);
    problem(reverse_merge(&app, &merge_id).await, 409).await;
    let b_again: Value = app
        .get(&format!("/v1/customers/{b_id}"), &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(b_again["id"], b_id);
    assert_eq!(b_again["status"], "active");
    let summary: Value = identify(&app, &app.a.agent, "email", "anna@example.com")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        summary["customer_id"], b_id,
        "the email went back with its owner"
    );
    let a_again: Value = app
        .get(&format!("/v1/customers/{a_id}"), &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    assert!(
        a_again["city"].is_null(),
        "the survivor's attributes are restored"
    );
    let tl: Value = app
        .get(&format!("/v1/customers/{b_id}/timeline"), &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        tl["data"].as_array().expect("data").len(),
        1,
        "the order went back to its owner"
    );
}

#[tokio::test]
async fn weak_matches_are_proposed_for_review_never_merged_automatically() {
    let app = spawn_app().await;
    let email = |v: bool| json!({"kind": "email", "value": "shared@example.com", "verified": v});
    let (_, a) = create(&app, &app.a.app, json!({"identifiers": [email(false)]})).await;
    let (s, b) = create(
        &app,
        &app.a.associate,
        json!({"identifiers": [email(false), phone("+79162223344", true)]}),
    )
    .await;
    assert_eq!(s, 201);
    assert_ne!(a["id"], b["id"]);
    let queue: Value = app
        .get("/v1/customer-merges?status=proposed", &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    let proposal = &queue["data"][0];
    assert_eq!(proposal["survivor"], a["id"]);
    assert_eq!(proposal["matched_kind"], "email");
    assert!(proposal["confidence"].as_f64().expect("confidence") < 1.0);
    problem(app.get("/v1/customer-merges", &app.a.associate).await, 403).await;
    let id = proposal["id"].as_str().expect("id");
    let approved: Value = app
        .post(
            &format!("/v1/customer-merges/{id}/approval"),
            &app.a.agent,
            &json!({}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(approved["status"], "merged");
    let summary: Value = identify(&app, &app.a.agent, "phone", "+79162223344")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(summary["customer_id"], a["id"]);
    problem(
        app.post(
            &format!("/v1/customer-merges/{id}/rejection"),
            &app.a.agent,
            &json!({}),
        )
        .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn a_qr_token_identifies_at_the_till_until_it_expires_and_creating_is_idempotent() {
    let app = spawn_app().await;
    let body = json!({"identifiers": [phone("+79163334455", true)]});
    let first = app
        .req(Method::POST, "/v1/customers", &app.a.app)
        .header("idempotency-key", "k1")
        .json(&body)
        .send()
        .await
        .expect("req");
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again = app
        .req(Method::POST, "/v1/customers", &app.a.app)
        .header("idempotency-key", "k1")
        .json(&body)
        .send()
        .await
        .expect("req");
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(
        again.json::<Value>().await.expect("json")["id"],
        first["id"]
    );
    let id = first["id"].as_str().expect("id");
    let qr: Value = app
        .post(
            &format!("/v1/customers/{id}/qr-token"),
            &app.a.app,
            &json!({}),
        )
        .await
        .json()
        .await
        .expect("json");
    let token = qr["token"].as_str().expect("token");
    let summary: Value = identify(&app, &app.a.associate, "qr_token", token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(summary["customer_id"], id);
    let mut forged = token.to_owned();
    forged.replace_range(6..8, if &token[6..8] == "AA" { "BB" } else { "AA" });
    problem(
        identify(&app, &app.a.associate, "qr_token", &forged).await,
        422,
    )
    .await;
    problem(
        identify(&app, &app.b.associate, "qr_token", token).await,
        422,
    )
    .await;
}
