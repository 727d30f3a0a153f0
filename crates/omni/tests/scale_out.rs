//! Several `omni serve` nodes on one PostgreSQL database behave as one system: a write on one
//! is read on the other, an idempotent retry sent to another node replays instead of
//! creating twice, and revoking a key on one node locks it out on all of them.
//! Runs only when OMNI_TEST_POSTGRES_URL is set (SQLite is a single-node store).

mod support;

use serde_json::{Value, json};

fn location(code: &str) -> Value {
    json!({
        "code": code, "name": code, "kind": "store", "country": "RU", "city": "Пермь",
        "address": "ул. Ленина, 1", "geo": {"lat": 58.01, "lon": 56.25}, "time_zone": "Asia/Yekaterinburg",
        "opening_hours": {}, "capabilities": [], "daily_order_capacity": null
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_postgres_act_as_one_system() {
    if omni_store::testing::postgres_url().is_none() {
        eprintln!("scale-out run skipped: PostgreSQL run skipped (OMNI_TEST_POSTGRES_URL not set)");
        return;
    }
    let (_db, db_url) = support::database().await;
    let nats = support::nats_available().await;
    let run = omni_kernel::id::Ulid::generate().to_string().to_lowercase();
    let (stream, prefix) = (format!("T{run}"), format!("t{run}"));
    let nats_args = [
        "--nats-url",
        support::NATS_URL,
        "--nats-stream",
        &stream,
        "--nats-subject-prefix",
        &prefix,
    ];
    let extra: &[&str] = if nats { &nats_args } else { &[] };
    let one = support::start(&db_url, extra);
    let two = support::start(&db_url, extra);
    let http = support::client();
    let key = one.admin();

    // Same idempotency key sent to both nodes at once: one location, one answer.
    let send = |node: &support::Node| {
        http.post(format!("{}/v1/locations", node.url))
            .bearer_auth(&key)
            .header("idempotency-key", "both-nodes-1")
            .json(&location("PRM-1"))
            .send()
    };
    let (a, b) = tokio::join!(send(&one), send(&two));
    let (a, b) = (a.expect("node one"), b.expect("node two"));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (201, 201));
    let (a, b): (Value, Value) = (a.json().await.expect("json"), b.json().await.expect("json"));
    assert_eq!(
        a["id"], b["id"],
        "both nodes answered with the one location"
    );

    // Read-your-write across nodes.
    let path = format!("/v1/locations/{}", a["id"].as_str().expect("id"));
    let read = http
        .get(format!("{}{path}", two.url))
        .bearer_auth(&key)
        .send()
        .await
        .expect("read");
    assert_eq!(read.status(), 200);

    // A key minted on node one and revoked on node one is refused by node two at once.
    let minted: Value = http
        .post(format!("{}/v1/api-keys", one.url))
        .bearer_auth(&key)
        .json(&json!({"name": "temp", "role": "marketer"}))
        .send()
        .await
        .expect("mint")
        .json()
        .await
        .expect("json");
    let token = minted["token"].as_str().expect("token");
    assert_eq!(
        http.get(format!("{}/v1/tenant", two.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .status(),
        200
    );
    let id = minted["id"].as_str().expect("id");
    let revoked = http
        .delete(format!("{}/v1/api-keys/{id}", one.url))
        .bearer_auth(&key)
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), 204);
    assert_eq!(
        http.get(format!("{}/v1/tenant", two.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .status(),
        401
    );

    // Both nodes sequence the same feed without gaps or duplicates.
    for i in 0..20 {
        let node = if i % 2 == 0 { &one } else { &two };
        let r = http
            .post(format!("{}/v1/locations", node.url))
            .bearer_auth(&key)
            .json(&location(&format!("PRM-X{i}")))
            .send()
            .await
            .expect("create");
        assert_eq!(r.status(), 201);
    }
    let mut seqs = Vec::new();
    for _ in 0..50 {
        let feed: Value = http
            .get(format!("{}/v1/events?limit=1000", two.url))
            .bearer_auth(&key)
            .send()
            .await
            .expect("feed")
            .json()
            .await
            .expect("json");
        let data = feed["data"].as_array().expect("data");
        let created = data
            .iter()
            .filter(|e| {
                e["type"] == "location.created"
                    && e["data"]["code"]
                        .as_str()
                        .is_some_and(|c| c.starts_with("PRM-"))
            })
            .count();
        seqs = data
            .iter()
            .map(|e| e["seq"].as_i64().expect("seq"))
            .collect();
        if created == 21 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if nats {
        assert_published_once(&http, &two, &key, &stream).await;
    } else {
        eprintln!("NATS part skipped: no NATS server at {}", support::NATS_URL);
    }
    let mut sorted = seqs.clone();
    sorted.dedup();
    assert_eq!(seqs, sorted, "feed positions strictly increase");
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1) || seqs.is_empty(),
        "no gaps within one tenant's early feed"
    );
}

/// Every event of the feed is in JetStream exactly once, whichever node published it.
async fn assert_published_once(
    http: &reqwest::Client,
    node: &support::Node,
    key: &str,
    stream: &str,
) {
    use futures::StreamExt;
    let feed: Value = http
        .get(format!("{}/v1/events?limit=1000", node.url))
        .bearer_auth(key)
        .send()
        .await
        .expect("feed")
        .json()
        .await
        .expect("json");
    let mut expected: Vec<String> = feed["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect();
    expected.sort();
    let js =
        async_nats::jetstream::new(async_nats::connect(support::NATS_URL).await.expect("nats"));
    let mut got = Vec::new();
    for _ in 0..50 {
        let mut s = js.get_stream(stream).await.expect("stream");
        let count = s.info().await.expect("info").state.messages as usize;
        if count >= expected.len() {
            let consumer = s
                .create_consumer(async_nats::jetstream::consumer::pull::Config {
                    ack_policy: async_nats::jetstream::consumer::AckPolicy::None,
                    ..Default::default()
                })
                .await
                .expect("consumer");
            let mut messages = consumer
                .fetch()
                .max_messages(count + 10)
                .expires(std::time::Duration::from_secs(1))
                .messages()
                .await
                .expect("fetch");
            while let Some(m) = messages.next().await {
                let m = m.expect("message");
                got.push(
                    m.headers
                        .as_ref()
                        .and_then(|h| h.get("Nats-Msg-Id"))
                        .map(|v| v.as_str().to_owned())
                        .unwrap_or_default(),
                );
            }
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    got.sort();
    let _ = js.delete_stream(stream).await;
    // The feed read above may lag the stream by events written after it; compare the prefix.
    assert!(
        got.len() >= expected.len(),
        "all {} events published (got {})",
        expected.len(),
        got.len()
    );
    let mut dedup = got.clone();
    dedup.dedup();
    assert_eq!(dedup, got, "no event published twice");
    for id in &expected {
        assert!(
            got.binary_search(id).is_ok(),
            "event {id} missing from JetStream"
        );
    }
}
