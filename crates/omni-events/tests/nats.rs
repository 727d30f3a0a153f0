//! Publishing the feed to a real NATS JetStream (127.0.0.1:4222; skipped when unreachable):
//! every event exactly once, and a relay killed mid-batch loses none and duplicates none.

mod common;

use std::time::Duration;

use async_nats::jetstream;
use common::{database, record, tenant};
use futures::StreamExt as _;
use omni_domain::events::DomainEvent;
use omni_events::{Relay, RelayConfig};

const NATS_URL: &str = "nats://127.0.0.1:4222";

async fn nats_available() -> bool {
    let reachable = tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect("127.0.0.1:4222"),
    )
    .await;
    if !matches!(reachable, Ok(Ok(_))) {
        eprintln!("NATS run skipped: no NATS server at 127.0.0.1:4222");
        return false;
    }
    true
}

/// A config with a stream and subject prefix of its own, so reruns start empty.
fn config() -> RelayConfig {
    let run = ulid::Ulid::generate().to_string();
    let mut config = RelayConfig::new(format!("node-{run}"));
    config.nats_url = Some(NATS_URL.into());
    config.stream_name = format!("OMNI_TEST_{run}");
    config.subject_prefix = format!("omnitest{}", run.to_lowercase());
    config
}

/// Every message in the stream, read with an ephemeral pull consumer.
async fn consume(
    js: &jetstream::Context,
    stream: &str,
    expect: usize,
) -> Vec<(String, DomainEvent)> {
    let stream = js.get_stream(stream).await.expect("stream");
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::Config {
            ack_policy: jetstream::consumer::AckPolicy::None,
            ..Default::default()
        })
        .await
        .expect("consumer");
    let mut messages = consumer
        .fetch()
        .max_messages(expect + 10)
        .expires(Duration::from_secs(1))
        .messages()
        .await
        .expect("fetch");
    let mut out = Vec::new();
    while let Some(message) = messages.next().await {
        let message = message.expect("message");
        let msg_id = message
            .headers
            .as_ref()
            .and_then(|h| h.get("Nats-Msg-Id"))
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default();
        out.push((
            msg_id,
            serde_json::from_slice(&message.payload).expect("event JSON"),
        ));
    }
    out
}

#[tokio::test]
async fn the_feed_is_published_once_even_when_the_relay_dies_mid_batch() {
    if !nats_available().await {
        return;
    }
    let db = database().await;
    let config = config();
    let stream_name = config.stream_name.clone();
    let relay = Relay::new(db.store.clone(), config.clone())
        .await
        .expect("relay with NATS");
    let js = jetstream::new(async_nats::connect(NATS_URL).await.expect("nats"));

    let info = js
        .get_stream(&stream_name)
        .await
        .expect("stream created")
        .info()
        .await
        .expect("info")
        .clone();
    assert_eq!(info.config.duplicate_window, Duration::from_secs(120));

    let (a, b) = (tenant(&db).await, tenant(&db).await);
    let mut events = record(&db, a, &["order.created", "order.paid", "order.shipped"]).await;
    events.extend(record(&db, b, &["location.created", "location.updated"]).await);
    relay.sequence_once().await.expect("sequence");
    assert_eq!(relay.publish_nats_once().await.expect("publish"), 5);
    assert_eq!(
        db.store.relay_position("nats").await.expect("position"),
        db.store.feed_head().await.expect("head")
    );
    assert_eq!(
        relay.publish_nats_once().await.expect("publish"),
        0,
        "nothing left to publish"
    );

    let got = consume(&js, &stream_name, 5).await;
    assert_eq!(got.len(), 5);
    let stored = db.store.global_feed(0, 100).await.expect("feed");
    assert_eq!(
        stored.iter().map(|s| s.event.id).collect::<Vec<_>>(),
        events.iter().map(|e| e.id).collect::<Vec<_>>()
    );
    for ((msg_id, event), sent) in got.iter().zip(stored.iter().map(|s| &s.event)) {
        assert_eq!(event, sent, "the payload is the event JSON, in feed order");
        assert_eq!(msg_id, &sent.id.to_string(), "Nats-Msg-Id is the event id");
    }

    // A crash after publishing but before advancing: the position is still behind.
    sqlx::query("UPDATE relay_state SET position = 0 WHERE name = 'nats'")
        .execute(db.store.pool())
        .await
        .expect("rewind");
    // Another node takes over once the lease ran out, and republishes the batch.
    sqlx::query("UPDATE relay_state SET lease_until = 0 WHERE name = 'nats'")
        .execute(db.store.pool())
        .await
        .expect("expire");
    let mut other = config.clone();
    other.node_id = format!("{}-b", config.node_id);
    let successor = Relay::new(db.store.clone(), other)
        .await
        .expect("second relay");
    events.extend(record(&db, a, &["order.cancelled"]).await);
    successor.sequence_once().await.expect("sequence");
    assert_eq!(
        successor.publish_nats_once().await.expect("republish"),
        6,
        "five duplicates and one new event acked"
    );
    assert_eq!(
        relay
            .publish_nats_once()
            .await
            .expect("not the lease holder"),
        0,
        "one publisher at a time"
    );

    let info = js
        .get_stream(&stream_name)
        .await
        .expect("stream")
        .info()
        .await
        .expect("info")
        .clone();
    assert_eq!(
        info.state.messages, 6,
        "JetStream dropped the republished events by Nats-Msg-Id"
    );
    let got = consume(&js, &stream_name, 6).await;
    let ids: Vec<_> = got.iter().map(|(_, e)| e.id).collect();
    assert_eq!(
        ids,
        events.iter().map(|e| e.id).collect::<Vec<_>>(),
        "consumers see each event once, in order"
    );

    js.delete_stream(&stream_name)
        .await
        .expect("clean up the stream");
}

#[tokio::test]
async fn subjects_follow_the_tenant_and_type() {
    if !nats_available().await {
        return;
    }
    let db = database().await;
    let config = config();
    let relay = Relay::new(db.store.clone(), config.clone())
        .await
        .expect("relay with NATS");
    let t = tenant(&db).await;
    record(&db, t, &["order.created"]).await;
    relay.sequence_once().await.expect("sequence");
    relay.publish_nats_once().await.expect("publish");

    let js = jetstream::new(async_nats::connect(NATS_URL).await.expect("nats"));
    let stream = js.get_stream(&config.stream_name).await.expect("stream");
    let message = stream.get_raw_message(1).await.expect("first message");
    assert_eq!(
        message.subject.as_str(),
        format!("{}.{t}.order.created", config.subject_prefix)
    );
    js.delete_stream(&config.stream_name)
        .await
        .expect("clean up the stream");
}
