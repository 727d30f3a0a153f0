//! What the demo steps share: the store, the tenant, the scale, per-step seeded randomness,
//! deterministic ids, progress bars and batched writes that record an event per row.

use std::future::Future;

use indicatif::{ProgressBar, ProgressStyle};
use omni_domain::events::DomainEvent;
use omni_domain::network::Location;
use omni_domain::tenancy::Tenant;
use omni_kernel::Timestamp;
use omni_kernel::id::Ulid;
use omni_store::{Store, WriteTx};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Scale;

/// The seed of the whole demo; change it and every generated value changes.
pub const SEED: u64 = 0x0DE7_0C4A_1A00_2026;

/// How many rows one write transaction carries.
pub const BATCH_ROWS: usize = 500;

/// The instant the demo data is "as of" (ids and `created_at`), fixed so loads are identical.
pub fn epoch() -> Timestamp {
    chrono::DateTime::from_timestamp_millis(1_767_225_600_000).unwrap_or_default() // 2026-01-01T00:00:00Z
}

/// State shared by the steps of one load, in order.
pub struct DemoContext {
    pub store: Store,
    pub scale: Scale,
    pub tenant: Tenant,
    /// Every location of the chain, filled by the network step (or read back on a reload).
    pub locations: Vec<Location>,
    /// Wall-clock time of this load: when the events happened and keys were minted.
    pub now: Timestamp,
    progress: bool,
}

impl DemoContext {
    /// A context for `tenant` on `store`.
    pub fn new(store: &Store, scale: Scale, tenant: Tenant, progress: bool) -> Self {
        Self {
            store: store.clone(),
            scale,
            tenant,
            locations: Vec::new(),
            now: chrono::Utc::now(),
            progress,
        }
    }

    /// A random stream of its own for `stream` (a step name), so adding a step or drawing more
    /// numbers in one never changes the data of another.
    pub fn rng(stream: &str) -> StdRng {
        StdRng::seed_from_u64(SEED ^ fnv1a(stream.as_bytes()))
    }

    /// A progress bar for `len` units of `label`; hidden unless this load shows progress.
    pub fn bar(&self, label: &'static str, len: u64) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let style = ProgressStyle::with_template(
            "{msg:>12} [{bar:40}] {pos:>7}/{len:7} {per_sec:>12} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        ProgressBar::new(len).with_style(style).with_message(label)
    }

    /// Writes `rows` in transactions of [`BATCH_ROWS`], each row with its event, advancing a
    /// progress bar labelled `label`.
    pub async fn insert_all<R: DemoRow>(
        &self,
        label: &'static str,
        rows: &[R],
    ) -> anyhow::Result<()> {
        let bar = self.bar(label, rows.len() as u64);
        for chunk in rows.chunks(BATCH_ROWS) {
            let mut tx = self.store.write().await?;
            for row in chunk {
                row.insert(&mut tx, &self.tenant, self.now).await?;
            }
            tx.commit().await?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        Ok(())
    }
}

/// A generated row that knows how to write itself and its creation event.
pub trait DemoRow: Sync {
    /// Inserts the row and records its `*.created` event in `tx`.
    fn insert(
        &self,
        tx: &mut WriteTx,
        tenant: &Tenant,
        now: Timestamp,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

impl DemoRow for Location {
    async fn insert(
        &self,
        tx: &mut WriteTx,
        tenant: &Tenant,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        tx.insert_location(self).await?;
        let data = serde_json::to_value(self)?;
        tx.record(&DomainEvent::new(
            tenant.id,
            "location.created",
            self.id,
            now,
            data,
        ))
        .await?;
        Ok(())
    }
}

/// Deterministic ULIDs: one millisecond apart from the epoch (so they sort in generation
/// order) with a seeded random part.
pub struct DemoIds {
    rng: StdRng,
    next_ms: u64,
}

impl DemoIds {
    /// Ids for `stream`, starting at the demo epoch.
    pub fn new(stream: &str) -> Self {
        let start = u64::try_from(epoch().timestamp_millis()).unwrap_or_default();
        Self {
            rng: DemoContext::rng(&format!("{stream}/ids")),
            next_ms: start,
        }
    }

    /// The next id.
    pub fn next_ulid(&mut self) -> Ulid {
        let ulid = Ulid::from_parts(self.next_ms, self.rng.random());
        self.next_ms += 1;
        ulid
    }
}

/// FNV-1a: a hash that is stable across Rust versions (the std hasher is not promised to be).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What one step created, for the report and for later steps to size themselves by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepReport {
    pub counts: Vec<(String, usize)>,
}

impl StepReport {
    /// Adds a count.
    pub fn count(mut self, what: &str, n: usize) -> Self {
        self.counts.push((what.to_owned(), n));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_stable_and_independent() {
        let a: u64 = DemoContext::rng("network").random();
        let b: u64 = DemoContext::rng("network").random();
        let c: u64 = DemoContext::rng("catalog").random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn ids_sort_in_generation_order() {
        let mut ids = DemoIds::new("t");
        let (x, y) = (ids.next_ulid(), ids.next_ulid());
        assert!(x < y);
        assert_eq!(x.timestamp_ms() as i64, epoch().timestamp_millis());
        assert_eq!(DemoIds::new("t").next_ulid(), x);
    }
}
