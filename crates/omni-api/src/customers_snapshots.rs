//! This node's segment snapshots: one columnar [`SegmentBase`] per tenant, loaded once and then
//! kept current from the event feed, so materialising a segment over a million customers costs
//! the rule's scan (milliseconds) instead of reading the whole base again (seconds).
//!
//! Why it is exact: every change of a customer's segment facts leaves an event naming the
//! customer in the same transaction (the store guarantees it, see
//! `WriteTx::customer_facts_changed`). Before evaluating, the snapshot reads the kind and
//! subject of the tenant's events since its position (after sequencing whatever has committed)
//! and re-reads the facts of exactly those customers. A bulk import, or more changes than a
//! reload costs, reloads the whole base. A background follower keeps built snapshots close to
//! the head so a materialisation rarely has much to apply.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use omni_domain::customers::{Rule, SegmentBase};
use omni_kernel::{CustomerId, TenantId};
use omni_store::{Store, StoreError};

/// Feed marks read per round trip while catching up.
const MARKS_PAGE: usize = 10_000;
/// Changed customers beyond which reloading the base is cheaper than re-reading each.
const RELOAD_OVER: usize = 100_000;
/// The summary event of a bulk customer load (it names no customer: reload).
const BULK_IMPORT: &str = "customers.imported";

/// One tenant's snapshot and the feed position it reflects.
struct Snapshot {
    base: SegmentBase,
    position: i64,
}

type Slot = Arc<tokio::sync::Mutex<Option<Snapshot>>>;

/// The snapshots of the tenants this node has evaluated segments for.
#[derive(Default)]
pub struct SegmentSnapshots {
    tenants: Mutex<HashMap<TenantId, Slot>>,
}

/// A rule evaluated over a current snapshot.
#[derive(Debug)]
pub struct Evaluation {
    pub members: Vec<CustomerId>,
    /// Customers in the base.
    pub base_size: usize,
    /// Whether the whole base was (re)loaded for this evaluation.
    pub loaded: bool,
    /// Customers re-read because they changed since the last evaluation or follow.
    pub refreshed: usize,
}

/// How a snapshot was brought to the feed's head.
struct Refresh {
    loaded: bool,
    refreshed: usize,
}

impl SegmentSnapshots {
    fn slot(&self, tenant: TenantId) -> Slot {
        let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        tenants.entry(tenant).or_default().clone()
    }

    fn built(&self) -> Vec<(TenantId, Slot)> {
        let tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        tenants.iter().map(|(t, s)| (*t, s.clone())).collect()
    }

    /// Evaluates `rule` over the tenant's base as of now: every change committed before the
    /// call is reflected.
    pub async fn evaluate(
        &self,
        store: &Store,
        tenant: TenantId,
        rule: &Rule,
    ) -> Result<Evaluation, StoreError> {
        let slot = self.slot(tenant);
        let mut guard = slot.lock().await;
        let refresh = bring_current(store, tenant, &mut guard).await?;
        let snapshot = guard.as_ref().ok_or(StoreError::NotFound)?;
        Ok(Evaluation {
            members: snapshot.base.evaluate(rule),
            base_size: snapshot.base.len(),
            loaded: refresh.loaded,
            refreshed: refresh.refreshed,
        })
    }

    /// Loads the snapshot of every tenant that has segments (at start-up, in the background).
    pub async fn warm(&self, store: &Store) -> Result<(), StoreError> {
        for tenant in store.tenants().await? {
            if store.segments(tenant.id).await?.is_empty() {
                continue;
            }
            let started = Instant::now();
            let slot = self.slot(tenant.id);
            let mut guard = slot.lock().await;
            bring_current(store, tenant.id, &mut guard).await?;
            let (customers, bytes) = guard
                .as_ref()
                .map(|s| (s.base.len(), s.base.memory_bytes()))
                .unwrap_or_default();
            tracing::info!(tenant = %tenant.id, customers, bytes,
                ms = started.elapsed().as_millis() as u64, "segment snapshot loaded");
        }
        Ok(())
    }

    /// Applies the feed to every loaded snapshot (the follower's step).
    pub async fn follow(&self, store: &Store) -> Result<(), StoreError> {
        for (tenant, slot) in self.built() {
            let mut guard = slot.lock().await;
            if guard.is_some() {
                bring_current(store, tenant, &mut guard).await?;
            }
        }
        Ok(())
    }
}

/// Brings a snapshot to the feed's head: loads it if absent (or if catching up costs more),
/// else applies the customers named since its position.
async fn bring_current(
    store: &Store,
    tenant: TenantId,
    slot: &mut Option<Snapshot>,
) -> Result<Refresh, StoreError> {
    store.sequence_outbox(100_000).await?;
    if let Some(snapshot) = slot.as_mut()
        && let Some(refreshed) = catch_up(store, tenant, snapshot).await?
    {
        return Ok(Refresh {
            loaded: false,
            refreshed,
        });
    }
    // events after this position are applied again by the next catch-up: harmless
    let position = store.feed_head().await?;
    let base = store.segment_base(tenant).await?;
    *slot = Some(Snapshot { base, position });
    Ok(Refresh {
        loaded: true,
        refreshed: 0,
    })
}

/// Re-reads the customers the tenant's events named since the snapshot's position; `None`
/// when a reload is due instead (a bulk import, or too many changes).
async fn catch_up(
    store: &Store,
    tenant: TenantId,
    snapshot: &mut Snapshot,
) -> Result<Option<usize>, StoreError> {
    let mut changed = HashSet::new();
    let mut position = snapshot.position;
    loop {
        let marks = store.feed_marks(tenant, position, MARKS_PAGE).await?;
        for mark in &marks {
            if mark.kind == BULK_IMPORT {
                return Ok(None);
            }
            if let Ok(id) = mark.subject.parse::<CustomerId>() {
                changed.insert(id);
            }
        }
        if changed.len() > RELOAD_OVER {
            return Ok(None);
        }
        match marks.last() {
            Some(last) => position = last.seq,
            None => break,
        }
        if marks.len() < MARKS_PAGE {
            break;
        }
    }
    let ids: Vec<CustomerId> = changed.into_iter().collect();
    let rows = store.segment_facts(tenant, &ids).await?;
    let mut gone: HashSet<CustomerId> = ids.iter().copied().collect();
    for row in &rows {
        gone.remove(&row.id);
        if row.active {
            snapshot.base.upsert(row.id, row.facts());
        } else {
            snapshot.base.remove(row.id);
        }
    }
    for id in gone {
        snapshot.base.remove(id);
    }
    snapshot.position = position;
    Ok(Some(ids.len()))
}

/// Warms the snapshots of tenants with segments, then follows the feed every `interval` until
/// `stop`. Failures are logged and retried at the next step; materialisations catch up
/// themselves, so a lagging follower only makes them slower.
pub fn spawn(
    store: Store,
    snapshots: Arc<SegmentSnapshots>,
    interval: Duration,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::pin!(stop);
        tokio::select! {
            warmed = snapshots.warm(&store) => if let Err(e) = warmed {
                tracing::warn!(error = %e, "segment snapshot warm-up failed");
            },
            _ = &mut stop => return,
        }
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = &mut stop => return,
            }
            if let Err(e) = snapshots.follow(&store).await {
                tracing::warn!(error = %e, "segment snapshot follow failed");
            }
        }
    })
}
