//! The background loop: a wake after a commit delivers within milliseconds even with a long
//! poll interval, and the loop stops when asked.

mod common;

use std::time::{Duration, Instant};

use common::{Receiver, database, record, subscribe, tenant};
use omni_events::{Relay, RelayConfig};

#[tokio::test]
async fn a_wake_delivers_at_once_and_shutdown_stops_the_loop() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let db = database().await;
    let receiver = Receiver::start().await;
    let t = tenant(&db).await;
    subscribe(&db, t, &format!("{}/live", receiver.base), &[], "secret").await;
    let mut config = RelayConfig::new("node-loop");
    config.allow_private_webhooks = true;
    config.poll_interval = Duration::from_secs(3600);
    let relay = Relay::new(db.store.clone(), config).await.expect("relay");
    let waker = relay.waker();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(relay.run(async move {
        let _ = stopped.await;
    }));

    for n in 1..=2 {
        let started = Instant::now();
        record(&db, t, &["order.created"]).await;
        waker.wake();
        receiver.wait_for("/live", n).await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "delivered on wake, not after the poll interval"
        );
    }

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("loop stops")
        .expect("no panic");
}
