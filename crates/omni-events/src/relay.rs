//! The relay itself: its state, the sequencing step and the background loop that runs every
//! step each poll interval, or at once when a commit wakes it.

use std::future::Future;
use std::sync::Arc;

use omni_kernel::{Clock, SystemClock};
use omni_store::Store;
use tokio::sync::Notify;
use tracing::Instrument as _;

use crate::{EventsError, RelayConfig, nats, webhooks};

/// The pause between rounds while there is work: a few tens of milliseconds of feed latency
/// buy one sequencing write per batch of commits rather than one per commit or two — every
/// such write takes a turn of SQLite's single writer from the checkouts (at 600 checkouts/s a
/// 2 ms pause cost ~400 sequencing transactions a second). A wake after a commit waits as
/// long: on SQLite, where events are numbered as they are written, a round per commit was
/// three reads after every checkout.
const BUSY_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

/// One node's relay. Steps are public so tests drive them one at a time; [`Relay::run`]
/// loops them in production.
pub struct Relay {
    pub(crate) store: Store,
    pub(crate) config: RelayConfig,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) jetstream: Option<async_nats::jetstream::Context>,
    pub(crate) http: reqwest::Client,
    wake: Arc<Notify>,
}

/// A cheap, clonable handle that makes the relay loop run now. The HTTP layer calls it after
/// a commit that recorded events, so feed latency is milliseconds rather than a poll interval.
#[derive(Clone, Debug)]
pub struct RelayWaker(Arc<Notify>);

impl RelayWaker {
    /// Asks the loop to run a round now (coalesced if it is already pending).
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

impl Relay {
    /// Prepares the relay: installs the rustls crypto provider, builds the webhook client and,
    /// when `config.nats_url` is set, connects to NATS and makes sure the stream exists.
    pub async fn new(store: Store, config: RelayConfig) -> Result<Relay, EventsError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = webhooks::client(&config)?;
        let jetstream = match &config.nats_url {
            Some(url) => Some(nats::connect(url, &config).await?),
            None => None,
        };
        Ok(Relay {
            store,
            config,
            clock: Arc::new(SystemClock),
            jetstream,
            http,
            wake: Arc::new(Notify::new()),
        })
    }

    /// Replaces the wall clock (tests use a `FixedClock` to make retries due).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Shares a wake-up signal with the HTTP layer, which notifies it after every commit
    /// that recorded events, so the feed moves within milliseconds.
    pub fn with_wake(mut self, wake: Arc<Notify>) -> Self {
        self.wake = wake;
        self
    }

    /// A handle that wakes this relay's loop.
    pub fn waker(&self) -> RelayWaker {
        RelayWaker(self.wake.clone())
    }

    /// The relay's settings.
    pub fn config(&self) -> &RelayConfig {
        &self.config
    }

    /// Gives committed outbox events their feed positions, batch after batch until none are
    /// left (or a cap, so one busy round cannot starve the other steps). Returns how many.
    pub async fn sequence_once(&self) -> Result<u64, EventsError> {
        const MAX_BATCHES: usize = 20;
        let mut total = 0;
        for _ in 0..MAX_BATCHES {
            let assigned = self
                .store
                .sequence_outbox(self.config.sequence_batch)
                .await?;
            total += assigned;
            if assigned == 0 {
                break;
            }
        }
        Ok(total)
    }

    /// Runs one round of every step and says whether any did work (then more may be waiting).
    /// Errors are logged, never returned: each step is retried next round.
    pub async fn run_round(&self) -> bool {
        let mut busy = false;
        match self
            .sequence_once()
            .instrument(tracing::debug_span!("sequence"))
            .await
        {
            Ok(n) => busy |= n > 0,
            Err(e) => tracing::warn!(error = %e, "sequencing the outbox failed"),
        }
        match self
            .publish_nats_once()
            .instrument(tracing::debug_span!("publish_nats"))
            .await
        {
            Ok(n) => busy |= n > 0,
            Err(e) => tracing::warn!(error = %e, "publishing to NATS failed"),
        }
        match self
            .deliver_webhooks_once()
            .instrument(tracing::debug_span!("deliver_webhooks"))
            .await
        {
            Ok(round) => busy |= round.delivered + round.skipped > 0,
            Err(e) => tracing::warn!(error = %e, "delivering webhooks failed"),
        }
        busy
    }

    /// Loops the steps until `shutdown` completes: every `poll_interval`, at once when woken,
    /// and back to back while there is work. Transient failures are logged and retried.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let span = tracing::info_span!("relay", node = %self.config.node_id);
        async move {
            tracing::info!(nats = self.jetstream.is_some(), "event relay started");
            tokio::pin!(shutdown);
            loop {
                let busy = self.run_round().await;
                if busy {
                    // More may be waiting: go again after a short pause, so that under a
                    // steady stream of commits one sequencing write covers many of them
                    // instead of taking the writer's turn once per commit. Stop promptly on
                    // shutdown.
                    tokio::select! {
                        _ = &mut shutdown => break,
                        _ = tokio::time::sleep(BUSY_PAUSE) => continue,
                    }
                }
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = self.wake.notified() => {
                        // Woken by a commit: let the commits of the next moments gather, so
                        // that under a steady stream of writes a round covers many of them
                        // instead of three reads running after every commit.
                        tokio::select! {
                            _ = &mut shutdown => break,
                            _ = tokio::time::sleep(BUSY_PAUSE) => {}
                        }
                    }
                    _ = tokio::time::sleep(self.config.poll_interval) => {}
                }
            }
            tracing::info!("event relay stopped");
        }
        .instrument(span)
        .await;
    }
}
