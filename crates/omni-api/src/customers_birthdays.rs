//! The `customer.birthday` producer: records one event per active customer on their
//! birthday — the local date in their own time zone, Feb 29 on Feb 28 in common years — for
//! the trigger chains (`birthday_points`, `birthday_greeting`) to act on.
//!
//! One node at a time holds the `birthdays` lease and runs it every minute. It reads the
//! profiles born on the month-days of yesterday, today and tomorrow in UTC (every time zone
//! lives on one of them) a page at a time through the store's birthday index, keeps those
//! whose local date is their birthday, and records each event with its (customer, year) row
//! in one transaction per page. That row's primary key, not the lease, is what makes the
//! event exactly once per customer and year: a second node, a restart or a rerun the same
//! day finds it and records nothing.

use std::sync::Arc;
use std::time::Duration;

use chrono::Datelike;
use omni_domain::customers::{Customer, birthday_year, candidate_days};
use omni_domain::events::DomainEvent;
use omni_kernel::{Clock, CustomerId, TenantId, Timestamp};
use omni_store::customers::BirthdayCandidate;
use omni_store::{Store, StoreError};
use serde::Serialize;
use serde_json::json;
use tokio::sync::Notify;

/// The lease (a `relay_state` row) the producing node holds.
pub const BIRTHDAYS_LEASE: &str = "birthdays";
/// The event type the trigger chains listen to.
pub const BIRTHDAY_EVENT: &str = "customer.birthday";
/// Profiles read per page (a day has ~2,700 birthdays in a 1M-customer chain).
const PAGE: i64 = 500;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BirthdayReport {
    /// Whether this node held the lease (a run without it does nothing).
    pub held: bool,
    /// Profiles read as candidates (born on a candidate month-day, not yet celebrated).
    pub candidates: usize,
    /// `customer.birthday` events recorded.
    pub recorded: usize,
}

/// One node's birthday producer. [`BirthdayProducer::run_once`] is public so tests drive it
/// with a controllable clock; [`BirthdayProducer::run`] loops it in production.
pub struct BirthdayProducer {
    store: Store,
    clock: Arc<dyn Clock>,
    node: String,
    lease_ttl_ms: i64,
    wake_relay: Option<Arc<Notify>>,
}

impl BirthdayProducer {
    /// A producer for this node; it produces only while it holds the lease.
    pub fn new(store: Store, clock: Arc<dyn Clock>, node: impl Into<String>) -> Self {
        Self {
            store,
            clock,
            node: node.into(),
            lease_ttl_ms: 120_000,
            wake_relay: None,
        }
    }

    /// Wakes the event relay after a run recorded events.
    pub fn with_relay_wake(mut self, wake: Arc<Notify>) -> Self {
        self.wake_relay = Some(wake);
        self
    }

    /// Takes or renews the lease and, holding it, produces the events due at the clock's now.
    pub async fn run_once(&self) -> Result<BirthdayReport, StoreError> {
        let now = self.clock.now();
        let held = self
            .store
            .acquire_relay_lease(BIRTHDAYS_LEASE, &self.node, now, self.lease_ttl_ms)
            .await?;
        if !held {
            return Ok(BirthdayReport::default());
        }
        let report = self.produce(now).await?;
        Ok(BirthdayReport { held, ..report })
    }

    /// Records the birthdays due at `now` for every tenant, without the lease (the store's
    /// once-per-year row keeps it exactly once even when two producers race).
    pub async fn produce(&self, now: Timestamp) -> Result<BirthdayReport, StoreError> {
        let mut report = BirthdayReport::default();
        for tenant in self.store.tenants().await? {
            for day in candidate_days(now) {
                for &month_day in &day.keys {
                    let page = BirthdayCandidate {
                        month_day,
                        year: day.date.year(),
                        after: None,
                    };
                    self.produce_key(tenant.id, page, now, &mut report).await?;
                }
            }
        }
        if report.recorded > 0 {
            tracing::info!(recorded = report.recorded, "birthday events recorded");
            if let Some(w) = &self.wake_relay {
                w.notify_one();
            }
        }
        Ok(report)
    }

    /// Pages through one month-day's candidates: each page is read, then its birthdays are
    /// written in one transaction (never a pool read inside a write).
    async fn produce_key(
        &self,
        tenant: TenantId,
        mut page: BirthdayCandidate,
        now: Timestamp,
        report: &mut BirthdayReport,
    ) -> Result<(), StoreError> {
        loop {
            let rows = self.store.birthday_candidates(tenant, page, PAGE).await?;
            report.candidates += rows.len();
            let due: Vec<(CustomerId, i32)> = rows
                .iter()
                .filter_map(|c| due_year(c, now).map(|y| (c.id, y)))
                .collect();
            if !due.is_empty() {
                report.recorded += self.record(tenant, &due, now).await?;
            }
            match rows.last() {
                Some(last) if rows.len() as i64 == PAGE => page.after = Some(last.id),
                _ => return Ok(()),
            }
        }
    }

    /// Records one page's birthdays; returns how many were new.
    async fn record(
        &self,
        tenant: TenantId,
        due: &[(CustomerId, i32)],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut tx = self.store.write().await?;
        let mut recorded = 0;
        for &(id, year) in due {
            let data = json!({"customer_id": id, "year": year});
            let event = DomainEvent::new(tenant, BIRTHDAY_EVENT, id, now, data);
            if tx.record_birthday(tenant, id, year, &event).await? {
                recorded += 1;
            }
        }
        tx.commit().await?;
        Ok(recorded)
    }

    /// Runs every `interval` until `stop` completes; errors are logged and retried.
    pub async fn run(self, interval: Duration, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.run_once().await {
                tracing::warn!(error = %e, "birthday run failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = &mut stop => return,
            }
        }
    }
}

/// The year whose birthday the customer celebrates at `now`, if today is it for them.
fn due_year(c: &Customer, now: Timestamp) -> Option<i32> {
    birthday_year(c.birth_date?, c.tz(), now)
}
