//! Engagement over HTTP on both backends: a conversation started in one channel continues in
//! another as one thread, the bot answers typical requests from live data and hands the rest
//! to a person, and two associates accepting one consultation request get it once.

mod common;

use common::{TestApp, problem, spawn_app};
use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

async fn body(r: reqwest::Response) -> Value {
    r.json().await.expect("json")
}

async fn customer(app: &TestApp, phone: &str, telegram: &str) -> String {
    let b = json!({"identifiers": [{"kind": "phone", "value": phone, "verified": true},
        {"kind": "telegram", "value": telegram, "verified": true}]});
    let r = app.post("/v1/customers", &app.a.agent, &b).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    body(r).await["id"].as_str().expect("id").to_owned()
}

async fn inbound(app: &TestApp, channel: &str, kind: &str, value: &str, text: &str) -> Value {
    let b = json!({"channel": channel, "from": {"kind": kind, "value": value}, "text": text});
    let r = app
        .post("/v1/conversations/inbound", &app.a.admin, &b)
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    body(r).await
}

#[tokio::test]
async fn a_conversation_started_in_telegram_and_continued_by_phone_is_one_thread() {
    let app = spawn_app().await;
    let who = customer(&app, "+79161112233", "@shopper").await;
    let first = inbound(
        &app,
        "telegram",
        "telegram",
        "@shopper",
        "позовите оператора, пожалуйста",
    )
    .await;
    let id = first["conversation"]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        first["conversation"]["customer_id"].as_str(),
        Some(who.as_str())
    );
    assert_eq!(first["conversation"]["status"], "waiting", "{first}");
    // the same customer calls; the agent notes the call in the same thread
    let second = inbound(
        &app,
        "call",
        "phone",
        "8 916 111-22-33",
        "звоню по поводу моего вопроса",
    )
    .await;
    assert_eq!(second["conversation"]["id"].as_str(), Some(id.as_str()));
    assert_eq!(
        second["conversation"]["channels"],
        json!(["telegram", "call"])
    );
    // the queue has it; the agent sees the whole history and answers in the last channel
    let queue = body(
        app.get("/v1/conversations?status=waiting", &app.a.agent)
            .await,
    )
    .await;
    assert!(
        queue
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["id"] == id.as_str())
    );
    let r = app
        .post(
            &format!("/v1/conversations/{id}/messages"),
            &app.a.agent,
            &json!({"text": "Здравствуйте! Чем помочь?"}),
        )
        .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    assert_eq!(body(r).await["channel"], "call");
    let thread = body(
        app.get(&format!("/v1/conversations/{id}"), &app.a.agent)
            .await,
    )
    .await;
    let channels: Vec<&str> = thread["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["channel"].as_str())
        .collect();
    assert!(
        channels.contains(&"telegram") && channels.contains(&"call"),
        "{channels:?}"
    );
    assert_eq!(thread["conversation"]["status"], "assigned");
    // the customer's timeline shows the messages; another tenant sees nothing
    let t = common::shop::timeline_of(&app, &who, "message").await;
    assert!(t["data"].as_array().is_some_and(|d| d.len() >= 3), "{t}");
    assert_eq!(
        app.get(&format!("/v1/conversations/{id}"), &app.b.agent)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_bot_answers_points_from_live_data_and_hands_off_what_it_cannot() {
    let app = spawn_app().await;
    let who = customer(&app, "+79162223344", "@points").await;
    app.gift_points(&who, 250).await;
    let answer = inbound(
        &app,
        "telegram",
        "telegram",
        "@points",
        "сколько у меня баллов?",
    )
    .await;
    assert_eq!(answer["conversation"]["status"], "bot", "{answer}");
    let reply = answer["replies"][0]["text"].as_str().expect("reply");
    assert!(reply.contains("250"), "{reply}");
    let r = inbound(&app, "telegram", "telegram", "@points", "расскажи анекдот").await;
    assert_eq!(r["conversation"]["status"], "waiting", "{r}");
    // an unknown sender is helped anonymously and never matched to someone else
    let stranger = inbound(
        &app,
        "web_chat",
        "email",
        "nobody@example.com",
        "how many points do I have",
    )
    .await;
    assert!(stranger["conversation"]["customer_id"].is_null());
    let a = body(app.get("/v1/engagement/automation", &app.a.agent).await).await;
    assert!(a["conversations"].as_i64() >= Some(2), "{a}");
}

#[tokio::test]
async fn two_associates_accepting_one_consultation_get_it_once() {
    let app = spawn_app().await;
    let other = {
        // a second associate key of the same chain (another store would do the same)
        let r = app
            .post(
                "/v1/api-keys",
                &app.a.admin,
                &json!({"name": "Воронеж", "role": "associate", "store": app.a.store}),
            )
            .await;
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
        body(r).await["token"].as_str().expect("token").to_owned()
    };
    for key in [&app.a.associate, &other] {
        let r = app
            .req(Method::PUT, "/v1/consultations/skills", key)
            .json(&json!({"skills": ["robot_vacuums"], "available": true}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
    }
    let r = app
        .post("/v1/consultations", &app.a.app, &json!({"skill": "robot_vacuums", "question": "Какой робот-пылесос выбрать для ковров?"}))
        .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let id = body(r).await["id"].as_str().expect("id").to_owned();
    let seen = body(app.get("/v1/consultations", &other).await).await;
    assert_eq!(seen.as_array().map(Vec::len), Some(1));
    let statuses: Vec<u16> = join_all([&app.a.associate, &other].map(|k| {
        let app = &app;
        let id = id.clone();
        async move {
            app.post(&format!("/v1/consultations/{id}/acceptance"), k, &json!({}))
                .await
                .status()
                .as_u16()
        }
    }))
    .await;
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, vec![200, 409], "{statuses:?}");
    let taken = body(
        app.get(&format!("/v1/consultations/{id}"), &app.a.app)
            .await,
    )
    .await;
    assert_eq!(taken["status"], "accepted");
    assert_eq!(
        body(app.get("/v1/consultations", &other).await)
            .await
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    // bad skills are refused field by field; a marketer may not consult
    let r = app
        .req(Method::PUT, "/v1/consultations/skills", &other)
        .json(&json!({"skills": ["Robot Vacuums"], "available": true}))
        .send()
        .await
        .expect("send");
    assert_eq!(problem(r, 422).await["errors"][0]["field"], "skills[0]");
    problem(app.get("/v1/consultations", &app.a.marketer).await, 403).await;
}

#[tokio::test]
async fn a_consultation_is_closed_by_its_consultant_or_withdrawn_by_the_shopper() {
    let app = spawn_app().await;
    let skills = json!({"skills": ["running", "tents"], "available": true});
    let r = app
        .req(Method::PUT, "/v1/consultations/skills", &app.a.associate)
        .json(&skills)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let mine = body(app.get("/v1/consultations/skills", &app.a.associate).await).await;
    assert_eq!(mine, skills, "the skills read back as set");
    let fresh = body(app.get("/v1/consultations/skills", &app.a.admin).await).await;
    assert_eq!(
        fresh,
        json!({"skills": [], "available": false}),
        "none before a PUT"
    );
    problem(app.get("/v1/consultations/skills", &app.a.app).await, 403).await;

    let ask = |question: &'static str| {
        let app = &app;
        async move {
            let r = app
                .post(
                    "/v1/consultations",
                    &app.a.app,
                    &json!({"skill": "running", "question": question}),
                )
                .await;
            assert_eq!(r.status(), 201, "{:?}", r.text().await);
            body(r).await["id"].as_str().expect("id").to_owned()
        }
    };
    let close = |id: String, key: String| {
        let app = &app;
        async move {
            app.post(&format!("/v1/consultations/{id}/closure"), &key, &json!({}))
                .await
        }
    };
    // Taken, then closed by its consultant only.
    let taken = ask("Which shoes for a first marathon?").await;
    let r = app
        .post(
            &format!("/v1/consultations/{taken}/acceptance"),
            &app.a.associate,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let other = {
        let r = app
            .post(
                "/v1/api-keys",
                &app.a.admin,
                &json!({"name": "Тверь", "role": "associate", "store": app.a.store}),
            )
            .await;
        body(r).await["token"].as_str().expect("token").to_owned()
    };
    problem(close(taken.clone(), other).await, 403).await;
    let r = close(taken.clone(), app.a.associate.clone()).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let closed = body(r).await;
    assert_eq!(closed["status"], "closed");
    assert!(closed["closed_at"].is_string(), "{closed}");
    problem(close(taken.clone(), app.a.app.clone()).await, 409).await;

    // Withdrawn by the shopper before anyone took it: gone from the list, cannot be taken.
    let withdrawn = ask("Do you have trail shoes in 44?").await;
    let r = close(withdrawn.clone(), app.a.app.clone()).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let open = body(app.get("/v1/consultations", &app.a.associate).await).await;
    assert_eq!(open, json!([]), "nothing left open: {open}");
    let r = app
        .post(
            &format!("/v1/consultations/{withdrawn}/acceptance"),
            &app.a.associate,
            &json!({}),
        )
        .await;
    problem(r, 409).await;
}
