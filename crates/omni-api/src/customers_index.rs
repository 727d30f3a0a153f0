//! This node's identity index: built from the store in the background at start-up, then kept
//! current from the event feed (`customer.*` events carry the identifiers' digests, merges,
//! unmerges and erasures), like the search feeder. Until the build is done, and for anything
//! it does not know, `identify` asks the store; a hit is confirmed against the store before it
//! is answered (see `customers_identify::find`), so a lagging index is only ever slower.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use omni_domain::customers::{Identifier, IdentityIndex};
use omni_kernel::{CustomerId, TenantId};
use omni_store::customers::IdentityCursor;
use omni_store::{Store, StoreError};

/// Events read per step; identifier rows read per page of the build.
const BATCH: usize = 2_000;
const PAGE: usize = 20_000;

/// The shared index: many concurrent readers, one feeder writing in short batches.
#[derive(Debug, Default)]
pub struct Identities {
    index: RwLock<IdentityIndex>,
    ready: AtomicBool,
}

impl Identities {
    /// The customer this node believes `id` leads to (`None`: ask the store).
    pub fn resolve(&self, tenant: TenantId, id: &Identifier) -> Option<CustomerId> {
        if !self.ready.load(Ordering::Acquire) {
            return None;
        }
        let digest = id.digest_bytes(tenant);
        self.index.read().ok()?.resolve_digest(&digest)
    }

    /// Whether the start-up build is done.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Identifier keys held and approximate bytes used.
    pub fn size(&self) -> (usize, usize) {
        self.index
            .read()
            .map(|i| (i.len(), i.memory_bytes()))
            .unwrap_or_default()
    }

    fn apply(&self, events: &[omni_store::outbox::SequencedEvent]) {
        if !events.iter().any(|e| e.event.kind.starts_with("customer.")) {
            return;
        }
        if let Ok(mut index) = self.index.write() {
            for e in events {
                index.apply(&e.event);
            }
        }
    }
}

/// Reads every identifier, merge and erasure of every tenant into a fresh index.
pub async fn build(store: &Store) -> Result<IdentityIndex, StoreError> {
    let mut index = IdentityIndex::default();
    for link in store.identity_links().await? {
        if let Some(survivor) = link.merged_into {
            index.merge(link.customer_id, survivor);
        }
        if link.erased {
            index.erase([link.customer_id]);
        }
    }
    let mut cursor = IdentityCursor::default();
    loop {
        let (rows, next) = store.identity_rows(&cursor, PAGE).await?;
        for r in &rows {
            index.attach(&r.identifier.digest_bytes(r.tenant_id), r.origin);
        }
        match next {
            Some(n) => cursor = n,
            None => return Ok(index),
        }
    }
}

/// The feed follower of one node's identity index.
pub struct IdentityFeeder {
    store: Store,
    identities: Arc<Identities>,
    position: i64,
}

impl IdentityFeeder {
    /// Builds the index from the store and returns a feeder positioned at the feed's head as
    /// it was before the build (events after it are applied again; that is harmless).
    pub async fn start(
        store: Store,
        identities: Arc<Identities>,
    ) -> Result<IdentityFeeder, StoreError> {
        let started = Instant::now();
        store.sequence_outbox(100_000).await?;
        let position = store.feed_head().await?;
        let built = build(&store).await?;
        let (keys, bytes) = (built.len(), built.memory_bytes());
        if let Ok(mut index) = identities.index.write() {
            *index = built;
        }
        let mut feeder = IdentityFeeder {
            store,
            identities,
            position,
        };
        while feeder.step().await? == BATCH {}
        feeder.identities.ready.store(true, Ordering::Release);
        tracing::info!(
            identifiers = keys,
            bytes,
            ms = started.elapsed().as_millis() as u64,
            "identity index built"
        );
        Ok(feeder)
    }

    /// Applies the next batch of the feed; returns how many events were read.
    pub async fn step(&mut self) -> Result<usize, StoreError> {
        self.store.sequence_outbox(10_000).await?;
        let events = self
            .store
            .global_feed_for(self.position, BATCH, |kind| kind.starts_with("customer."))
            .await?;
        self.identities.apply(&events);
        if let Some(last) = events.last() {
            self.position = last.seq;
        }
        Ok(events.len())
    }

    /// Follows the feed until `stop` resolves, polling every `interval` when idle.
    pub async fn run(mut self, interval: Duration, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            let idle = match self.step().await {
                Ok(n) => n < BATCH,
                Err(e) => {
                    tracing::warn!(error = %e, "identity feeder step failed");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = &mut stop => return,
                }
            }
        }
    }
}

/// Builds the index in the background (the server answers from the store meanwhile) and then
/// follows the feed until `stop`. A failed build is retried after `interval`.
pub fn spawn(
    store: Store,
    identities: Arc<Identities>,
    interval: Duration,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::pin!(stop);
        let feeder = loop {
            tokio::select! {
                started = IdentityFeeder::start(store.clone(), identities.clone()) => match started {
                    Ok(f) => break f,
                    Err(e) => tracing::warn!(error = %e, "identity index build failed"),
                },
                _ = &mut stop => return,
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = &mut stop => return,
            }
        };
        feeder.run(interval, stop).await;
    })
}
