//! Per-tenant derived data kept on each node and refreshed in the background
//! (stale-while-revalidate).
//!
//! Why: the network snapshot behind sourcing and the analytics build are expensive to make
//! (a scan, a model fit) and cheap to be a little old. Rebuilding them on the request that
//! finds them stale made that request — and every concurrent one, each starting its own
//! rebuild — wait: checkouts queued behind a 100 ms scan every few seconds. Here the first
//! request of a tenant builds (concurrent first requests wait for that one build); later,
//! a stale copy is still served while exactly one background task builds its successor.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use omni_kernel::TenantId;

use crate::ApiError;

/// The copies of one kind of derived data, one per tenant.
pub struct TenantCache<T> {
    tenants: Mutex<HashMap<TenantId, Arc<Entry<T>>>>,
}

impl<T> Default for TenantCache<T> {
    fn default() -> Self {
        Self {
            tenants: Mutex::new(HashMap::new()),
        }
    }
}

/// A tenant's copy, the lock its first build holds and whether a refresh is running.
struct Entry<T> {
    current: RwLock<Option<Arc<T>>>,
    first_build: tokio::sync::Mutex<()>,
    refreshing: AtomicBool,
}

impl<T> Default for Entry<T> {
    fn default() -> Self {
        Self {
            current: RwLock::new(None),
            first_build: tokio::sync::Mutex::new(()),
            refreshing: AtomicBool::new(false),
        }
    }
}

impl<T> Entry<T> {
    fn current(&self) -> Option<Arc<T>> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set(&self, value: Arc<T>) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(value);
    }
}

impl<T: Send + Sync + 'static> TenantCache<T> {
    fn entry(&self, tenant: TenantId) -> Arc<Entry<T>> {
        let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        tenants.entry(tenant).or_default().clone()
    }

    /// The tenant's copy: the current one while `fresh` says so; a stale one while a single
    /// background `build` replaces it; on the tenant's first request, the result of `build`.
    pub async fn get<F, Fut>(
        &self,
        tenant: TenantId,
        fresh: impl Fn(&T) -> bool,
        build: F,
    ) -> Result<Arc<T>, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>> + Send + 'static,
    {
        let entry = self.entry(tenant);
        match entry.current() {
            Some(value) if fresh(&value) => Ok(value),
            Some(stale) => {
                if !entry.refreshing.swap(true, Ordering::AcqRel) {
                    let job = build();
                    tokio::spawn(async move {
                        match job.await {
                            Ok(value) => entry.set(Arc::new(value)),
                            Err(e) => tracing::warn!(error = %e, "background refresh failed"),
                        }
                        entry.refreshing.store(false, Ordering::Release);
                    });
                }
                Ok(stale)
            }
            None => {
                let _first = entry.first_build.lock().await;
                if let Some(value) = entry.current() {
                    return Ok(value);
                }
                let value = Arc::new(build().await?);
                entry.set(value.clone());
                Ok(value)
            }
        }
    }

    /// Builds the tenant's copy now and keeps it (an explicit refresh, or after a change on
    /// this node that must be seen at once).
    pub async fn rebuild<Fut>(&self, tenant: TenantId, build: Fut) -> Result<Arc<T>, ApiError>
    where
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let entry = self.entry(tenant);
        let value = Arc::new(build.await?);
        entry.set(value.clone());
        Ok(value)
    }

    /// The tenant's current copy, fresh or stale, without building one.
    pub fn peek(&self, tenant: TenantId) -> Option<Arc<T>> {
        let tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        tenants.get(&tenant).and_then(|e| e.current())
    }

    /// Forgets the tenant's copy: the next request builds a new one and waits for it.
    pub fn invalidate(&self, tenant: TenantId) {
        let entry = self.entry(tenant);
        *entry.current.write().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;
    use std::time::Duration;

    fn tenant() -> TenantId {
        TenantId::new()
    }

    #[tokio::test]
    async fn the_first_request_builds_and_concurrent_ones_share_that_build() {
        let cache = Arc::new(TenantCache::<u32>::default());
        let builds = Arc::new(AtomicU32::new(0));
        let t = tenant();
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let (cache, builds) = (cache.clone(), builds.clone());
                tokio::spawn(async move {
                    cache
                        .get(
                            t,
                            |_| true,
                            || async move {
                                tokio::time::sleep(Duration::from_millis(20)).await;
                                Ok(builds.fetch_add(1, Ordering::SeqCst) + 1)
                            },
                        )
                        .await
                })
            })
            .collect();
        for c in calls {
            assert_eq!(*c.await.expect("task").expect("built"), 1);
        }
        assert_eq!(builds.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_stale_copy_is_served_while_one_background_build_replaces_it() {
        let cache = TenantCache::<u32>::default();
        let t = tenant();
        cache.rebuild(t, async { Ok(1) }).await.expect("first");
        let builds = Arc::new(AtomicU32::new(0));
        for _ in 0..5 {
            let b = builds.clone();
            let got = cache
                .get(
                    t,
                    |v| *v >= 2,
                    || async move {
                        tokio::time::sleep(Duration::from_millis(30)).await;
                        b.fetch_add(1, Ordering::SeqCst);
                        Ok(2)
                    },
                )
                .await
                .expect("served");
            assert_eq!(*got, 1, "the stale copy, without waiting");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(builds.load(Ordering::SeqCst), 1, "one refresh, not five");
        let fresh = cache
            .get(t, |v| *v >= 2, || async { Ok(3) })
            .await
            .expect("fresh");
        assert_eq!(*fresh, 2);
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_the_old_copy_and_a_later_one_retries() {
        let cache = TenantCache::<u32>::default();
        let t = tenant();
        cache.rebuild(t, async { Ok(1) }).await.expect("first");
        let stale = |v: &u32| *v >= 2;
        let got = cache
            .get(t, stale, || async { Err(ApiError::Conflict("down")) })
            .await
            .expect("served");
        assert_eq!(*got, 1);
        tokio::time::sleep(Duration::from_millis(20)).await;
        cache
            .get(t, stale, || async { Ok(2) })
            .await
            .expect("served");
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            *cache
                .get(t, stale, || async { Ok(9) })
                .await
                .expect("fresh"),
            2
        );
        cache.invalidate(t);
        assert_eq!(
            *cache
                .get(t, stale, || async { Ok(7) })
                .await
                .expect("rebuilt"),
            7
        );
    }
}
