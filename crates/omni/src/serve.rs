//! `omni serve`: migrate, optionally load the demo, start the event relay and background
//! maintenance, and serve the HTTP API until SIGINT/SIGTERM.

use std::sync::Arc;
use std::time::{Duration, Instant};

use omni_api::{ApiConfig, AppState};
use omni_events::{Relay, RelayConfig};
use omni_kernel::SystemClock;
use omni_store::Store;
use tokio::sync::{Notify, watch};

use crate::cli::ServeArgs;
use crate::demo;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = args.db.connect().await?;
    store.migrate().await?;
    let report = if args.demo {
        Some(demo::load(&store, demo::Scale::Small, false).await?)
    } else {
        None
    };

    let events_written = Arc::new(Notify::new());
    let (stop_tx, stop_rx) = watch::channel(false);
    let relay = spawn_relay(&store, &args, events_written.clone(), stop_rx.clone()).await?;
    let analytics = Arc::new(omni_api::analytics::AnalyticsCache::default());
    let triggers = spawn_triggers(
        &store,
        &args,
        &analytics,
        events_written.clone(),
        stop_rx.clone(),
    );
    let birthdays = spawn_birthdays(&store, &args, events_written.clone(), stop_rx.clone());
    let expiry = tokio::spawn(crate::stock::expiry_worker(store.clone(), stop_rx.clone()));
    let maintenance = tokio::spawn(maintenance(store.clone(), stop_rx.clone()));
    let checkpoints = tokio::spawn(checkpoints(store.clone(), stop_rx.clone()));
    let search = omni_search::SearchIndex::in_ram()?;
    let feeder = omni_search::Feeder::start(store.clone(), search.clone()).await?;
    let mut identities_stop = stop_rx.clone();
    let mut snapshots_stop = stop_rx.clone();
    let mut feeder_stop = stop_rx;
    let feeder = tokio::spawn(feeder.run(Duration::from_millis(100), async move {
        let _ = feeder_stop.changed().await;
    }));

    let identities = Arc::new(omni_api::customers_index::Identities::default());
    let identity_feeder = omni_api::customers_index::spawn(
        store.clone(),
        identities.clone(),
        Duration::from_millis(100),
        async move {
            let _ = identities_stop.changed().await;
        },
    );

    let segment_snapshots = Arc::new(omni_api::customers_snapshots::SegmentSnapshots::default());
    let snapshot_follower = omni_api::customers_snapshots::spawn(
        store.clone(),
        segment_snapshots.clone(),
        Duration::from_secs(1),
        async move {
            let _ = snapshots_stop.changed().await;
        },
    );

    let state = AppState {
        store: store.clone(),
        clock: Arc::new(SystemClock),
        config: ApiConfig {
            max_body_bytes: args.max_body_bytes,
            allow_private_webhooks: args.allow_private_webhooks,
            rate_limit_per_key: args.rate_limit_per_key,
        },
        events_written,
        search,
        payments: Arc::new(omni_api::payments::TestProvider::default()),
        identities,
        segment_snapshots,
        analytics,
    };
    let analytics_warmup = tokio::spawn(omni_api::analytics::keep_warm(
        state.clone(),
        Duration::from_secs(15 * 60),
    ));
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let url = format!("http://{}", listener.local_addr()?);
    match &report {
        Some(report) => report.print(Some(&url)),
        None => println!("omniretail is running at {url}"),
    }
    println!(
        "listening on {url} (ready in {} ms; docs at {url}/docs)",
        started.elapsed().as_millis()
    );
    tracing::info!(%url, backend = ?store.backend(), "serving");

    axum::serve(listener, omni_api::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    let _ = stop_tx.send(true);
    let _ = relay.await;
    let _ = triggers.await;
    let _ = birthdays.await;
    let _ = maintenance.await;
    let _ = checkpoints.await;
    let _ = feeder.await;
    let _ = identity_feeder.await;
    let _ = snapshot_follower.await;
    analytics_warmup.abort();
    let _ = expiry.await;
    store.close().await;
    Ok(())
}

/// Starts this node's event relay: sequencing, NATS publishing, webhook deliveries.
async fn spawn_relay(
    store: &Store,
    args: &ServeArgs,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let node_id = args.node_id.clone().unwrap_or_else(default_node_id);
    let mut config = RelayConfig::new(node_id);
    config.nats_url = args.nats_url.clone();
    config.stream_name = args.nats_stream.clone();
    config.subject_prefix = args.nats_subject_prefix.clone();
    config.allow_private_webhooks = args.allow_private_webhooks;
    config.poll_interval = Duration::from_millis(250);
    let relay = Relay::new(store.clone(), config).await?.with_wake(wake);
    Ok(tokio::spawn(relay.run(async move {
        let _ = stop.changed().await;
    })))
}

/// Starts this node's trigger worker (it works while it holds the `triggers` lease).
fn spawn_triggers(
    store: &Store,
    args: &ServeArgs,
    analytics: &Arc<omni_api::analytics::AnalyticsCache>,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let node_id = args.node_id.clone().unwrap_or_else(default_node_id);
    let worker = omni_api::engagement_worker::TriggerWorker::new(
        store.clone(),
        Arc::new(SystemClock),
        node_id,
    )
    .with_relay_wake(wake)
    .with_cart_scores(analytics.clone());
    tokio::spawn(worker.run(Duration::from_millis(500), async move {
        let _ = stop.changed().await;
    }))
}

/// Starts this node's birthday producer: every minute, while it holds the `birthdays`
/// lease, it records `customer.birthday` for the customers whose birthday it is locally.
fn spawn_birthdays(
    store: &Store,
    args: &ServeArgs,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let node_id = args.node_id.clone().unwrap_or_else(default_node_id);
    let producer = omni_api::customers_birthdays::BirthdayProducer::new(
        store.clone(),
        Arc::new(SystemClock),
        node_id,
    )
    .with_relay_wake(wake);
    tokio::spawn(producer.run(Duration::from_secs(60), async move {
        let _ = stop.changed().await;
    }))
}

/// Host name and process id: unique per running node, readable in leases and logs.
fn default_node_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "omni".to_owned());
    format!("{host}-{}", std::process::id())
}

/// Hourly clean-up: idempotency keys are kept 24 hours.
async fn maintenance(store: Store, mut stop: watch::Receiver<bool>) {
    loop {
        let cutoff = chrono::Utc::now() - chrono::Duration::hours(24);
        match store.purge_idempotency_keys(cutoff).await {
            Ok(n) if n > 0 => tracing::info!(purged = n, "expired idempotency keys removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "idempotency key purge failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Keeps SQLite's write-ahead log short from the side (see [`Store::checkpoint_wal`]).
async fn checkpoints(store: Store, mut stop: watch::Receiver<bool>) {
    if store.backend() != omni_store::Backend::Sqlite {
        return;
    }
    loop {
        if let Err(e) = store.checkpoint_wal().await {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}
