//! Killing the server with SIGKILL during a burst of writes loses no acknowledged write and
//! no outbox event, and a retry with the same Idempotency-Key never creates twice.

mod support;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

fn location(code: &str) -> Value {
    json!({
        "code": code, "name": format!("Crash {code}"), "kind": "pickup_point", "country": "RU",
        "city": "Казань", "address": "ул. Баумана, 1", "geo": {"lat": 55.79, "lon": 49.12},
        "time_zone": null, "opening_hours": {}, "capabilities": ["pickup"], "daily_order_capacity": null
    })
}

async fn writer(
    http: reqwest::Client,
    url: String,
    key: String,
    worker: usize,
    acked: Arc<Mutex<Vec<String>>>,
    tried: Arc<Mutex<Vec<String>>>,
) {
    for i in 0..10_000 {
        let code = format!("K{worker}-{i}");
        tried.lock().expect("lock").push(code.clone());
        let sent = http
            .post(format!("{url}/v1/locations"))
            .bearer_auth(&key)
            .header("idempotency-key", format!("crash-{code}"))
            .json(&location(&code))
            .send()
            .await;
        match sent {
            Ok(r) if r.status() == 201 => acked.lock().expect("lock").push(code),
            Ok(r) => panic!("unexpected status {} for {code}", r.status()),
            Err(_) => return, // the server died under us
        }
    }
}

async fn all_codes(http: &reqwest::Client, url: &str, key: &str) -> Vec<String> {
    let mut codes = Vec::new();
    let mut after = String::new();
    loop {
        let q = if after.is_empty() {
            String::new()
        } else {
            format!("&starting_after={after}")
        };
        let page: Value = http
            .get(format!("{url}/v1/locations?limit=100{q}"))
            .bearer_auth(key)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        let data = page["data"].as_array().expect("data");
        codes.extend(
            data.iter()
                .map(|l| l["code"].as_str().expect("code").to_owned()),
        );
        if page["has_more"] != true {
            return codes;
        }
        after = data.last().expect("last")["id"]
            .as_str()
            .expect("id")
            .to_owned();
    }
}

async fn created_event_codes(http: &reqwest::Client, url: &str, key: &str) -> Vec<String> {
    let mut codes = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = http
            .get(format!("{url}/v1/events?after={after}&limit=1000"))
            .bearer_auth(key)
            .send()
            .await
            .expect("feed")
            .json()
            .await
            .expect("json");
        for e in page["data"].as_array().expect("data") {
            if e["type"] == "location.created" {
                codes.push(e["data"]["code"].as_str().expect("code").to_owned());
            }
        }
        after = page["next_after"].as_i64().expect("cursor");
        if page["has_more"] != true {
            return codes;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_a_write_burst_loses_no_acknowledged_write_or_event() {
    let (_db, db_url) = support::database().await;
    let node = support::start(&db_url, &[]);
    let (url, key) = (node.url.clone(), node.admin());
    let http = support::client();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let tried = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..6)
        .map(|w| {
            tokio::spawn(writer(
                http.clone(),
                url.clone(),
                key.clone(),
                w,
                acked.clone(),
                tried.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    node.kill();
    for w in writers {
        w.await.expect("writer");
    }
    let acked: BTreeSet<String> = acked.lock().expect("lock").iter().cloned().collect();
    assert!(
        acked.len() > 20,
        "the burst wrote something before the kill ({} acks)",
        acked.len()
    );

    let node = support::start(&db_url, &[]);
    let stored: Vec<String> = all_codes(&http, &node.url, &key).await;
    let stored_set: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(stored.len(), stored_set.len(), "no location stored twice");
    let lost: Vec<_> = acked.difference(&stored_set).collect();
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");

    // Retrying every attempted request with its key creates nothing new and loses nothing.
    let tried: Vec<String> = tried.lock().expect("lock").clone();
    for code in tried.iter().rev().take(12) {
        let r = http
            .post(format!("{}/v1/locations", node.url))
            .bearer_auth(&key)
            .header("idempotency-key", format!("crash-{code}"))
            .json(&location(code))
            .send()
            .await
            .expect("retry");
        assert_eq!(r.status(), 201, "retry of {code}");
    }
    let after_retry: Vec<String> = all_codes(&http, &node.url, &key).await;
    let after_set: BTreeSet<String> = after_retry.iter().cloned().collect();
    assert_eq!(
        after_retry.len(),
        after_set.len(),
        "retries created no duplicates"
    );

    // Every stored location has exactly one location.created event in the feed.
    let mut events = Vec::new();
    for _ in 0..100 {
        events = created_event_codes(&http, &node.url, &key).await;
        if events.len() >= after_set.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let event_set: BTreeSet<String> = events.iter().cloned().collect();
    assert_eq!(events.len(), event_set.len(), "no event twice in the feed");
    assert_eq!(
        event_set, after_set,
        "events and stored locations match one to one"
    );
}
