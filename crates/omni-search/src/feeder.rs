//! Keeps this node's index current: rebuilds it from the store at start, then follows the
//! event feed (`catalog.*` events) and re-reads the products that changed. Every node reads
//! the same feed in the same order, so every node's index converges.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use omni_kernel::{ProductId, TenantId};
use omni_store::Store;
use omni_store::catalog::ProductFilter;

use crate::{SearchError, SearchIndex};

/// Events read per step.
const BATCH: usize = 2_000;

/// The feed follower of one index.
pub struct Feeder {
    store: Store,
    index: SearchIndex,
    position: i64,
}

impl Feeder {
    /// Rebuilds `index` from the store and returns a feeder positioned at the feed's head as
    /// it was before the rebuild (events after it are re-applied; upserts are idempotent).
    pub async fn start(store: Store, index: SearchIndex) -> Result<Feeder, SearchError> {
        store.sequence_outbox(100_000).await?;
        let position = store.feed_head().await?;
        for tenant in store.tenants().await? {
            rebuild_tenant(&store, &index, tenant.id).await?;
        }
        index.commit()?;
        Ok(Feeder {
            store,
            index,
            position,
        })
    }

    /// Applies the next batch of the feed; returns how many events were read.
    pub async fn step(&mut self) -> Result<usize, SearchError> {
        self.store.sequence_outbox(10_000).await?;
        // Only kinds and subjects are needed: the products are re-read.
        let events = self
            .store
            .global_feed_for(self.position, BATCH, |_| false)
            .await?;
        let mut changed: BTreeMap<TenantId, BTreeSet<ProductId>> = BTreeMap::new();
        let mut synonyms = BTreeSet::new();
        for e in &events {
            let kind = e.event.kind.as_str();
            if kind.starts_with("catalog.product.") {
                if let Ok(id) = e.event.subject.parse() {
                    changed.entry(e.event.tenant_id).or_default().insert(id);
                }
            } else if kind == "catalog.synonyms.updated" {
                synonyms.insert(e.event.tenant_id);
            }
        }
        for tenant in synonyms {
            self.index
                .set_synonyms(tenant, self.store.synonyms(tenant).await?);
        }
        if !changed.is_empty() {
            for (tenant, ids) in changed {
                let refs = self.store.catalog_refs(tenant).await?;
                let ids: Vec<ProductId> = ids.into_iter().collect();
                let products = self.store.products_by_id(tenant, &ids).await?;
                self.index.stage(&products, &refs)?;
            }
            let index = self.index.clone();
            tokio::task::spawn_blocking(move || index.commit())
                .await
                .map_err(|e| SearchError::Io(std::io::Error::other(e)))??;
        }
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
                    tracing::warn!(error = %e, "search feeder step failed");
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

async fn rebuild_tenant(
    store: &Store,
    index: &SearchIndex,
    tenant: TenantId,
) -> Result<(), SearchError> {
    let refs = store.catalog_refs(tenant).await?;
    index.set_synonyms(tenant, store.synonyms(tenant).await?);
    let mut filter = ProductFilter {
        starting_after: None,
        limit: 1_000,
    };
    loop {
        let page = store.products(tenant, &filter).await?;
        index.stage(&page.items, &refs)?;
        match page.items.last() {
            Some(last) if page.has_more => filter.starting_after = Some(last.id),
            _ => return Ok(()),
        }
    }
}
