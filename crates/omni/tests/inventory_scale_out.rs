//! Inventory across real `omni serve` processes: clients racing for the last units through
//! two nodes on one PostgreSQL get exactly the stock that exists (and the achieved
//! reservations/s are printed), and a hold that runs out while no node is up is expired by
//! the next node at start-up.

mod support;

use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::{Value, json};

async fn first_store(http: &reqwest::Client, node: &support::Node, key: &str) -> String {
    let page: Value = http
        .get(format!("{}/v1/locations?kind=store&limit=1", node.url))
        .bearer_auth(key)
        .send()
        .await
        .expect("locations")
        .json()
        .await
        .expect("json");
    page["data"][0]["id"]
        .as_str()
        .expect("a demo store")
        .to_owned()
}

async fn receive(
    http: &reqwest::Client,
    node: &support::Node,
    key: &str,
    sku: &str,
    at: &str,
    q: i64,
) {
    let r = http
        .post(format!("{}/v1/stock/movements", node.url))
        .bearer_auth(key)
        .json(&json!({"sku": sku, "location_id": at, "kind": "receipt", "quantity": q}))
        .send()
        .await
        .expect("receipt");
    assert_eq!(r.status(), 201);
}

fn hold(sku: &str, at: &str, ttl: u32) -> Value {
    json!({"sku": sku, "location_id": at, "quantity": 1,
           "reserved_for": {"type": "cart", "id": "crt_race"}, "ttl_seconds": ttl})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_racing_for_the_last_units_never_oversell() {
    if omni_store::testing::postgres_url().is_none() {
        eprintln!("scale-out run skipped: PostgreSQL run skipped (OMNI_TEST_POSTGRES_URL not set)");
        return;
    }
    let (_db, db_url) = support::database().await;
    let nodes = [support::start(&db_url, &[]), support::start(&db_url, &[])];
    let http = support::client();
    let key = nodes[0].admin();
    let store = first_store(&http, &nodes[0], &key).await;
    receive(&http, &nodes[0], &key, "RACE-1", &store, 25).await;

    let body = hold("RACE-1", &store, 600);
    let started = Instant::now();
    let attempts = (0..300).map(|i| {
        let node = &nodes[i % 2];
        http.post(format!("{}/v1/reservations", node.url))
            .bearer_auth(&key)
            .json(&body)
            .send()
    });
    let statuses: Vec<u16> = join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("answered").status().as_u16())
        .collect();
    let elapsed = started.elapsed();
    let won = statuses.iter().filter(|s| **s == 201).count();
    println!(
        "300 reservation attempts over 2 nodes in {:.0} ms ({:.0}/s), {won} placed",
        elapsed.as_secs_f64() * 1e3,
        300.0 / elapsed.as_secs_f64()
    );
    assert_eq!(won, 25, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    let level: Value = http
        .get(format!(
            "{}/v1/stock/RACE-1/locations/{store}",
            nodes[1].url
        ))
        .bearer_auth(&key)
        .send()
        .await
        .expect("level")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (
            level["stock"]["on_hand"].as_i64(),
            level["stock"]["reserved"].as_i64()
        ),
        (Some(25), Some(25))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_that_ran_out_while_no_node_was_up_is_expired_at_start_up() {
    let (_db, db_url) = support::database().await;
    let http = support::client();
    let node = support::start(&db_url, &[]);
    let key = node.admin();
    let store = first_store(&http, &node, &key).await;
    receive(&http, &node, &key, "TTL-1", &store, 1).await;
    let placed: Value = http
        .post(format!("{}/v1/reservations", node.url))
        .bearer_auth(&key)
        .json(&hold("TTL-1", &store, 1))
        .send()
        .await
        .expect("hold")
        .json()
        .await
        .expect("json");
    let id = placed["id"].as_str().expect("id").to_owned();
    node.kill();
    // Let the hold run out while nothing runs.
    let expires: chrono::DateTime<chrono::Utc> = placed["expires_at"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("expires_at");
    while chrono::Utc::now() <= expires {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let node = support::start(&db_url, &[]);
    let key = node.admin();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let r: Value = http
            .get(format!("{}/v1/reservations/{id}", node.url))
            .bearer_auth(&key)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        if r["status"] == "expired" {
            break;
        }
        assert!(Instant::now() < deadline, "still {}", r["status"]);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let level: Value = http
        .get(format!("{}/v1/stock/TTL-1/locations/{store}", node.url))
        .bearer_auth(&key)
        .send()
        .await
        .expect("level")
        .json()
        .await
        .expect("json");
    assert_eq!(level["stock"]["reserved"], 0);
}
