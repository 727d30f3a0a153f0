//! Customers and personal data: consents honoured, erasure leaving no trace anywhere in the
//! database, audit entries free of personal data, segments over ids only.

mod common;

use chrono::Timelike;
use common::{TestApp, new_customer, problem, spawn_app};
use omni_store::Backend;
use serde_json::{Value, json};
use sqlx::Row;

async fn permission(app: &TestApp, id: &str, purpose: &str, channel: &str) -> String {
    let v: Value = app
        .get(
            &format!("/v1/customers/{id}/contact-permission?purpose={purpose}&channel={channel}"),
            &app.a.marketer,
        )
        .await
        .json()
        .await
        .expect("json");
    v["decision"].as_str().expect("decision").to_owned()
}

#[tokio::test]
async fn consents_are_opt_in_withdrawable_and_quiet_hours_are_honoured() {
    let app = spawn_app().await;
    let id = new_customer(
        &app,
        json!({"identifiers": [{"kind": "phone", "value": "+79164445566", "verified": true}]}),
    )
    .await;
    assert_eq!(
        permission(&app, &id, "marketing", "sms").await,
        "no_consent"
    );
    let put = |changes: Value| {
        app.req(
            reqwest::Method::PUT,
            &format!("/v1/customers/{id}/consents"),
            &app.a.associate,
        )
        .json(&changes)
        .send()
    };
    let r = put(json!({"changes": [
        {"purpose": "marketing", "channel": "sms", "granted": true, "method": "paper_form", "location_id": app.a.store.to_string()},
        {"purpose": "personalisation", "channel": null, "granted": true, "method": "checkbox", "location_id": null}
    ], "preferred_channel": "sms"})).await.expect("req");
    assert_eq!(r.status(), 200);
    let view: Value = r.json().await.expect("json");
    assert_eq!(view["in_force"].as_array().expect("in force").len(), 2);
    assert_eq!(view["history"][0]["source"], "associate_app");
    assert_eq!(permission(&app, &id, "marketing", "sms").await, "allowed");
    assert_eq!(
        permission(&app, &id, "marketing", "email").await,
        "no_consent"
    );
    assert_eq!(
        permission(&app, &id, "personalisation", "push").await,
        "allowed"
    );
    // Quiet hours around the current Moscow time.
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Moscow);
    let (start, end) = ((now.hour() + 23) % 24, (now.hour() + 1) % 24);
    let r = put(json!({"quiet_hours": {"start": format!("{start:02}:00:00"), "end": format!("{end:02}:00:00")}})).await.expect("req");
    assert_eq!(r.status(), 200);
    assert_eq!(
        permission(&app, &id, "marketing", "sms").await,
        "quiet_hours"
    );
    let r = put(json!({"changes": [{"purpose": "marketing", "channel": "sms", "granted": false, "method": "sms_reply", "location_id": null}]})).await.expect("req");
    assert_eq!(r.status(), 200);
    assert_eq!(permission(&app, &id, "marketing", "sms").await, "withdrawn");
    let p = problem(put(json!({"changes": [{"purpose": "marketing", "channel": null, "granted": true, "method": "", "location_id": null}]})).await.expect("req"), 422).await;
    assert_eq!(p["errors"].as_array().expect("errors").len(), 2);
}

/// Counts rows in every table whose text (or bytes) contain `needle`.
async fn occurrences(app: &TestApp, needle: &str) -> Vec<String> {
    let store = &app.db.store;
    let columns: Vec<(String, String, String)> = match store.backend() {
        Backend::Sqlite => sqlx::query("SELECT m.name AS t, p.name AS c, p.type AS ty FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'")
            .fetch_all(store.pool()).await.expect("columns")
            .iter().map(|r| (r.get("t"), r.get("c"), r.get("ty"))).collect(),
        Backend::Postgres => sqlx::query("SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty FROM information_schema.columns WHERE table_schema = 'public'")
            .fetch_all(store.pool()).await.expect("columns")
            .iter().map(|r| (r.get("t"), r.get("c"), r.get("ty"))).collect(),
    };
    assert!(columns.len() > 40, "{} columns", columns.len());
    let mut found = Vec::new();
    for (t, c, ty) in columns {
        let sql = match (store.backend(), ty.as_str()) {
            (Backend::Sqlite, _) => format!(
                "SELECT COUNT(*) AS n FROM \"{t}\" WHERE instr(CAST(\"{c}\" AS TEXT), $1) > 0"
            ),
            (Backend::Postgres, "text" | "character varying") => {
                format!("SELECT COUNT(*) AS n FROM \"{t}\" WHERE strpos(\"{c}\", $1) > 0")
            }
            (Backend::Postgres, "bytea") => format!(
                "SELECT COUNT(*) AS n FROM \"{t}\" WHERE position(convert_to($1, 'UTF8') in \"{c}\") > 0"
            ),
            _ => continue,
        };
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(needle.to_owned())
            .fetch_one(store.pool())
            .await
            .expect("scan")
            .get("n");
        if n > 0 {
            found.push(format!("{t}.{c}"));
        }
    }
    found
}

#[tokio::test]
async fn erasure_leaves_no_trace_of_the_customer_anywhere_in_the_database() {
    let app = spawn_app().await;
    let canaries = [
        "9167776655",
        "canary.erase@example.com",
        "Канареечкин",
        "@canary_bird",
        "canary-device-7",
        "1987-03-14",
    ];
    let id = new_customer(
        &app,
        json!({"identifiers": [
        {"kind": "phone", "value": "8 (916) 777-66-55", "verified": true},
        {"kind": "email", "value": "Canary.Erase@Example.com", "verified": true},
        {"kind": "telegram", "value": "@canary_bird", "verified": false}
    ], "given_name": "Птица", "family_name": "Канареечкин", "city": "Москва", "birth_date": "1987-03-14"}),
    )
    .await;
    // A second profile merged into it, and all sorts of activity.
    let other = new_customer(&app, json!({"identifiers": [{"kind": "loyalty_card", "value": "7001000000000004", "verified": true}], "family_name": "Канареечкин"})).await;
    let r = app
        .post(
            &format!("/v1/customers/{other}/identifiers"),
            &app.a.app,
            &json!({"kind": "email", "value": "canary.erase@example.com", "verified": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    app.post(
        "/v1/devices/canary-device-7/timeline",
        &app.a.app,
        &json!({"kind": "product_viewed", "data": {"note": "Канареечкин"}}),
    )
    .await;
    let r = app
        .post(
            "/v1/devices/canary-device-7/identify",
            &app.a.app,
            &json!({"kind": "phone", "value": "+79167776655"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    app.req(reqwest::Method::PUT, &format!("/v1/customers/{id}/consents"), &app.a.app)
        .json(&json!({"changes": [{"purpose": "marketing", "channel": "email", "granted": true, "method": "checkbox", "location_id": null}]}))
        .send().await.expect("req");
    let r = app
        .req(
            reqwest::Method::GET,
            &format!("/v1/customers/{id}"),
            &app.a.agent,
        )
        .header("x-access-reason", "complaint")
        .send()
        .await
        .expect("req");
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("canary.erase@example.com")
    );
    app.post(
        "/v1/segments",
        &app.a.marketer,
        &json!({"name": "Moscow", "rule": {"city_is": "Москва"}}),
    )
    .await;
    for planted in ["9167776655", "1987-03-14"] {
        assert!(
            !occurrences(&app, planted).await.is_empty(),
            "the scan finds planted data: {planted}"
        );
    }

    problem(
        app.post(
            &format!("/v1/customers/{id}/erasure"),
            &app.a.agent,
            &json!({}),
        )
        .await,
        403,
    )
    .await;
    let r = app
        .post(
            &format!("/v1/customers/{id}/erasure"),
            &app.a.admin,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let erasure: Value = r.json().await.expect("json");
    assert_eq!(erasure["erased_ids"].as_array().expect("ids").len(), 2);
    app.db
        .store
        .sequence_outbox(10_000)
        .await
        .expect("sequence");
    for canary in canaries {
        assert_eq!(
            occurrences(&app, canary).await,
            Vec::<String>::new(),
            "{canary} survived erasure"
        );
    }
    problem(
        app.post(
            "/v1/customers/identify",
            &app.a.agent,
            &json!({"kind": "phone", "value": "+79167776655"}),
        )
        .await,
        404,
    )
    .await;
    let export: Value = app
        .get(&format!("/v1/customers/{id}/export"), &app.a.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(export["profile"]["status"], "erased");
    let actions: Vec<&str> = export["access_log"]
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["read_profile", "erase", "export"]);
    assert_eq!(
        permission(&app, &id, "marketing", "email").await,
        "unavailable"
    );
}

#[tokio::test]
async fn segments_are_materialised_for_the_base_and_evaluated_per_customer_in_real_time() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for (i, city) in ["Москва", "Москва", "Казань"].iter().enumerate() {
        ids.push(new_customer(&app, json!({"identifiers": [{"kind": "phone", "value": format!("+7916123000{i}"), "verified": true}], "city": city})).await);
    }
    app.req(reqwest::Method::PUT, &format!("/v1/customers/{}/consents", ids[0]), &app.a.app)
        .json(&json!({"changes": [{"purpose": "marketing", "channel": "sms", "granted": true, "method": "checkbox", "location_id": null}]}))
        .send().await.expect("req");
    let rule = json!({"all": [{"city_is": "Москва"}, {"consented": {"purpose": "marketing", "channel": "sms"}}, {"tier_at_least": "basic"}, {"not": {"spent_90d_over": 5000000}}]});
    problem(
        app.post(
            "/v1/segments",
            &app.a.agent,
            &json!({"name": "x", "rule": rule}),
        )
        .await,
        403,
    )
    .await;
    let r = app
        .post(
            "/v1/segments",
            &app.a.marketer,
            &json!({"name": "Moscow SMS", "rule": rule}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let seg: Value = r.json().await.expect("json");
    let seg_id = seg["id"].as_str().expect("id");
    let m: Value = app
        .post(
            &format!("/v1/segments/{seg_id}/materialization"),
            &app.a.marketer,
            &json!({}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(m["member_count"], 1);
    assert_eq!(m["base_size"], 3);
    let members: Value = app
        .get(&format!("/v1/segments/{seg_id}/members"), &app.a.marketer)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(members["data"], json!([ids[0]]));
    let now: Value = app
        .get(
            &format!("/v1/customers/{}/segments", ids[1]),
            &app.a.marketer,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(now["data"], json!([]));
    app.req(reqwest::Method::PUT, &format!("/v1/customers/{}/consents", ids[1]), &app.a.app)
        .json(&json!({"changes": [{"purpose": "marketing", "channel": "sms", "granted": true, "method": "checkbox", "location_id": null}]}))
        .send().await.expect("req");
    let now: Value = app
        .get(&format!("/v1/customers/{}/segments", ids[1]), &app.a.agent)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        now["data"],
        json!([seg_id]),
        "real time, before any materialisation"
    );
    problem(
        app.get(&format!("/v1/segments/{seg_id}"), &app.b.marketer)
            .await,
        404,
    )
    .await;
}
