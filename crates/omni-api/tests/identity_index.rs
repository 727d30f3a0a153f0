//! The identity index: identify answers from the in-memory index of phones and emails and
//! stays right through merges, their reversal and erasure, on every node.

mod common;

use common::customers::{create, identify, phone};
use common::{TestApp, merged_one, problem, reverse_merge, spawn_app};
use serde_json::{Value, json};

/// Waits (bounded, polling) until the server's identity index names `expected` for a phone or
/// an email of chain A; `None` means the index leaves it to the store.
async fn index_settles(app: &TestApp, kind: &str, value: &str, expected: Option<&str>) {
    let kind = match kind {
        "phone" => omni_domain::customers::IdentifierKind::Phone,
        _ => omni_domain::customers::IdentifierKind::Email,
    };
    let ru = omni_kernel::CountryCode::parse("RU").expect("region");
    let id = omni_domain::customers::Identifier::parse(kind, value, ru).expect("identifier");
    let mut seen = None;
    for _ in 0..500 {
        seen = app.identities.resolve(app.a.tenant.id, &id);
        if seen.map(|c| c.to_string()).as_deref() == expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the identity index still says {seen:?} for {value}, not {expected:?}");
}

async fn identified(app: &TestApp, kind: &str, value: &str) -> String {
    let r = identify(app, &app.a.agent, kind, value).await;
    assert_eq!(r.status(), 200, "identify {value}");
    let summary: Value = r.json().await.expect("json");
    summary["customer_id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn identify_answers_from_the_identity_index_and_stays_right_through_merge_reversal_and_erasure()
 {
    let app = spawn_app().await;
    let (_, a) = create(
        &app,
        &app.a.app,
        json!({"identifiers": [phone("+79162223344", true)]}),
    )
    .await;
    let email = json!({"kind": "email", "value": "bella@example.com", "verified": true});
    let (_, b) = create(&app, &app.a.app, json!({"identifiers": [email]})).await;
    let (a, b) = (a["id"].as_str().expect("id"), b["id"].as_str().expect("id"));
    index_settles(&app, "phone", "8 (916) 222-33-44", Some(a)).await;
    index_settles(&app, "email", "bella@example.com", Some(b)).await;
    assert_eq!(identified(&app, "phone", "8 (916) 222-33-44").await, a);
    assert_eq!(identified(&app, "email", " Bella@Example.com").await, b);
    problem(
        identify(&app, &app.b.agent, "email", "bella@example.com").await,
        404,
    )
    .await;

    // Merge: right at once (the index may still name the loser; the store says it is merged)…
    let r = app
        .post(
            &format!("/v1/customers/{b}/identifiers"),
            &app.a.app,
            &phone("8 916 222 33 44", true),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(identified(&app, "email", "bella@example.com").await, a);
    // …and once the index has the merge.
    index_settles(&app, "email", "bella@example.com", Some(a)).await;
    assert_eq!(identified(&app, "email", "bella@example.com").await, a);

    // Reversal: the email goes back with its owner, before and after the index hears of it.
    let merge = merged_one(&app).await;
    assert_eq!(reverse_merge(&app, &merge).await.status(), 200);
    assert_eq!(identified(&app, "email", "bella@example.com").await, b);
    index_settles(&app, "email", "bella@example.com", Some(b)).await;
    assert_eq!(identified(&app, "email", "bella@example.com").await, b);
    assert_eq!(identified(&app, "phone", "+7 916 222 33 44").await, a);

    // Erasure: unknown at once, and the address can belong to someone new afterwards.
    let r = app
        .post(
            &format!("/v1/customers/{b}/erasure"),
            &app.a.admin,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    problem(
        identify(&app, &app.a.agent, "email", "bella@example.com").await,
        404,
    )
    .await;
    index_settles(&app, "email", "bella@example.com", None).await;
    problem(
        identify(&app, &app.a.agent, "email", "bella@example.com").await,
        404,
    )
    .await;
    let again = json!({"kind": "email", "value": "bella@example.com", "verified": true});
    let (status, c) = create(&app, &app.a.app, json!({"identifiers": [again]})).await;
    assert_eq!(status, 201);
    let c = c["id"].as_str().expect("id");
    assert_eq!(identified(&app, "email", "bella@example.com").await, c);
    index_settles(&app, "email", "bella@example.com", Some(c)).await;
    assert_eq!(identified(&app, "email", "bella@example.com").await, c);

    // A node starting now builds the same answers from the store (paged by primary key).
    let rebuilt = omni_api::customers_index::build(&app.db.store)
        .await
        .expect("build");
    let ru = omni_kernel::CountryCode::parse("RU").expect("region");
    let parse = |kind, v| omni_domain::customers::Identifier::parse(kind, v, ru).expect("id");
    let t = app.a.tenant.id;
    let email = parse(
        omni_domain::customers::IdentifierKind::Email,
        "bella@example.com",
    );
    let phone = parse(omni_domain::customers::IdentifierKind::Phone, "89162223344");
    assert_eq!(
        rebuilt.resolve(t, &email).map(|c| c.to_string()).as_deref(),
        Some(c)
    );
    assert_eq!(
        rebuilt.resolve(t, &phone).map(|c| c.to_string()).as_deref(),
        Some(a)
    );
    let mut cursor = omni_store::customers::IdentityCursor::default();
    let mut rows = 0;
    loop {
        let (page, next) = app.db.store.identity_rows(&cursor, 1).await.expect("rows");
        rows += page.len();
        match next {
            Some(n) => cursor = n,
            None => break,
        }
    }
    assert_eq!(rows, rebuilt.len(), "one row per key, every page read once");
}
