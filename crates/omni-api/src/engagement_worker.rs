//! The trigger worker: runs every tenant's trigger chains over the event feed and fires the
//! runs that come due.
//!
//! One node at a time holds the `triggers` lease. The holder keeps the waiting runs in memory
//! (the pure [`TriggerEngine`] and [`WaitingRuns`]) and writes every change to them in the
//! transaction that advances its feed position, so the runs and the position never disagree;
//! a node that takes the lease over reloads both. A due run is taken out of the table by a
//! conditional delete in the transaction that sends, so it fires once. Sends pass the
//! [`gate`] (consent, quiet hours, the daily cap, the preferred channel); a send is an event
//! (`trigger.message_sent`, delivered to the channel provider by webhook) and a timeline entry,
//! and every firing — dropped ones too, with the reason — is logged.

use std::sync::Arc;
use std::time::Duration;

use omni_domain::customers::{CustomerStatus, InteractionKind, TimelineEntry, TimelineEntryId};
use omni_domain::engagement::{
    Action, BUY_PROBABILITY_PATH, ContactView, CustomerFactsView, DropReason, EventView, Firing,
    FiringId, FiringRecord, Gate, Run, TriggerEngine, WaitingRuns, customer_of, gate, render,
};
use omni_domain::events::DomainEvent;
use omni_domain::offers::LoyaltyProgram;
use omni_kernel::{Clock, CustomerId, TenantId, Timestamp};
use omni_store::engagement::triggers::TRIGGERS_POSITION;
use omni_store::outbox::SequencedEvent;
use omni_store::{Store, StoreError};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use tokio::sync::Notify;

use crate::analytics::{AnalyticsCache, LiveCart};

/// Events read from the feed per transaction.
const BATCH: usize = 2_000;
/// Batches per round before the due runs get their turn.
const MAX_BATCHES: usize = 25;
/// The pause after a round that caught up with the feed while events keep arriving: each
/// round writes its lease and position, so going again at once would take SQLite's single
/// writer from the requests hundreds of times a second for a handful of events each time;
/// chains wait minutes, so 50 ms more latency costs nothing.
const CAUGHT_UP_PAUSE: Duration = Duration::from_millis(50);

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RoundReport {
    /// Feed events read.
    pub events: usize,
    pub started: usize,
    pub cancelled: usize,
    pub sent: usize,
    pub applied: usize,
    pub deferred: usize,
    pub dropped: usize,
}

/// One tenant's chains and waiting runs.
struct TenantTriggers {
    engine: TriggerEngine,
    waiting: WaitingRuns,
    /// `ru` or `en`: the language of the tenant's first country.
    language: &'static str,
    program: Option<LoyaltyProgram>,
}

/// The state a lease holder works from.
struct Loaded {
    revision: (i64, i64),
    tenants: HashMap<TenantId, TenantTriggers>,
}

/// One node's trigger worker. [`TriggerWorker::run_round`] is public so tests drive it with
/// a controllable clock; [`TriggerWorker::run`] loops it in production.
pub struct TriggerWorker {
    store: Store,
    clock: Arc<dyn Clock>,
    node: String,
    lease_ttl_ms: i64,
    wake_relay: Option<Arc<Notify>>,
    cart_scores: Option<Arc<AnalyticsCache>>,
    loaded: Option<Loaded>,
}

/// What happened to one due run.
enum Fired {
    Sent,
    Applied,
    Deferred(Run),
    Dropped,
    /// Another node fired it, or it was re-armed meanwhile.
    Gone,
}

impl TriggerWorker {
    /// A worker for this node; it does nothing until it holds the lease.
    pub fn new(store: Store, clock: Arc<dyn Clock>, node: impl Into<String>) -> Self {
        Self {
            store,
            clock,
            node: node.into(),
            lease_ttl_ms: 15_000,
            wake_relay: None,
            cart_scores: None,
            loaded: None,
        }
    }

    /// Wakes the event relay after a firing recorded events (sends reach providers at once).
    pub fn with_relay_wake(mut self, wake: Arc<Notify>) -> Self {
        self.wake_relay = Some(wake);
        self
    }

    /// Scores cart events with the abandoned-cart model of this node's analytics builds
    /// (adds [`BUY_PROBABILITY_PATH`] to their data for the chains that ask for it).
    pub fn with_cart_scores(mut self, analytics: Arc<AnalyticsCache>) -> Self {
        self.cart_scores = Some(analytics);
        self
    }

    /// Reads the new feed events into the chains, then fires what is due now. On any error
    /// the in-memory state is dropped and reloaded from the tables next round.
    pub async fn run_round(&mut self) -> Result<RoundReport, StoreError> {
        let mut report = RoundReport::default();
        let now = self.clock.now();
        let held = self
            .store
            .acquire_relay_lease(TRIGGERS_POSITION, &self.node, now, self.lease_ttl_ms)
            .await?;
        if !held {
            self.loaded = None;
            return Ok(report);
        }
        let result = async {
            self.reload_if_changed().await?;
            self.consume(&mut report).await?;
            self.fire_due(now, &mut report).await
        }
        .await;
        if result.is_err() {
            self.loaded = None;
        }
        result.map(|()| report)
    }

    /// Runs rounds every `interval` until `stop` completes; errors are logged and retried.
    pub async fn run(mut self, interval: Duration, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            let events = match self.run_round().await {
                Ok(r) => r.events,
                Err(e) => {
                    tracing::warn!(error = %e, "trigger round failed");
                    0
                }
            };
            let pause = match events {
                0 => interval,
                n if n >= BATCH * MAX_BATCHES => Duration::ZERO,
                _ => CAUGHT_UP_PAUSE.min(interval),
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = &mut stop => return,
            }
        }
    }

    /// How many runs wait in memory (for tests and the health figure).
    pub fn waiting(&self) -> usize {
        self.loaded
            .as_ref()
            .map_or(0, |l| l.tenants.values().map(|t| t.waiting.len()).sum())
    }

    async fn reload_if_changed(&mut self) -> Result<(), StoreError> {
        let revision = self.store.trigger_chains_revision().await?;
        if self.loaded.as_ref().is_some_and(|l| l.revision == revision) {
            return Ok(());
        }
        let mut chains: HashMap<TenantId, Vec<_>> = HashMap::new();
        for (tenant, chain) in self.store.all_trigger_chains().await? {
            chains.entry(tenant).or_default().push(chain);
        }
        let mut runs: HashMap<TenantId, Vec<Run>> = HashMap::new();
        for (tenant, run) in self.store.all_trigger_runs().await? {
            runs.entry(tenant).or_default().push(run);
        }
        let mut tenants = HashMap::new();
        for (id, list) in chains {
            let t = self.store.tenant(id).await?;
            let country = t.countries.first();
            let language = match country.map(|c| c.default_locale.as_str()) {
                Some(l) if l.starts_with("ru") => "ru",
                _ => "en",
            };
            let program = match country {
                Some(c) => Some(
                    self.store
                        .loyalty_program(id, c.currency)
                        .await?
                        .unwrap_or_else(|| LoyaltyProgram::standard(c.currency)),
                ),
                None => None,
            };
            let waiting = WaitingRuns::from_runs(runs.remove(&id).unwrap_or_default());
            let engine = TriggerEngine::new(list);
            tenants.insert(
                id,
                TenantTriggers {
                    engine,
                    waiting,
                    language,
                    program,
                },
            );
        }
        tracing::info!(tenants = tenants.len(), "trigger chains loaded");
        self.loaded = Some(Loaded { revision, tenants });
        Ok(())
    }

    /// Feeds new events to the chains, batch by batch, each batch's run changes committed
    /// with the position.
    async fn consume(&mut self, report: &mut RoundReport) -> Result<(), StoreError> {
        self.store.sequence_outbox(10_000).await?;
        let mut position = self.store.relay_position(TRIGGERS_POSITION).await?;
        // One batch's commit runs while the next is read and run through the engines (on
        // PostgreSQL both are round trips on separate connections); commits stay in order.
        let mut committing: Option<tokio::task::JoinHandle<Result<(), StoreError>>> = None;
        for _ in 0..MAX_BATCHES {
            // Payloads only of the kinds some tenant's chains listen to (see `apply`).
            let loaded = self.loaded.as_ref();
            let listened = |kind: &str| {
                loaded.is_some_and(|l| l.tenants.values().any(|t| t.engine.listens_to(kind)))
            };
            let batch = self
                .store
                .global_feed_for(position, BATCH, listened)
                .await?;
            let Some(last) = batch.last().map(|e| e.seq) else {
                break;
            };
            report.events += batch.len();
            let changes = self.apply(&batch).await?;
            report.started += changes.started.len();
            report.cancelled += changes.cancelled.len();
            if let Some(previous) = committing.take() {
                joined(previous.await)?;
            }
            let (store, node) = (self.store.clone(), self.node.clone());
            committing = Some(tokio::spawn(commit_batch(store, node, changes, last)));
            position = last;
        }
        match committing {
            Some(last) => joined(last.await),
            None => Ok(()),
        }
    }

    /// Runs a batch through the engines; returns the net change per (tenant, chain, customer).
    async fn apply(&mut self, batch: &[SequencedEvent]) -> Result<Changes, StoreError> {
        let store = self.store.clone();
        let scores = self.cart_scores.clone();
        let Some(loaded) = self.loaded.as_mut() else {
            return Ok(Changes::default());
        };
        let mut net: HashMap<(TenantId, String, CustomerId), Option<Run>> = HashMap::new();
        for item in batch {
            let e = &item.event;
            let Some(t) = loaded.tenants.get_mut(&e.tenant_id) else {
                continue;
            };
            if !t.engine.listens_to(&e.kind) {
                continue;
            }
            let customer = customer_of(&e.subject, &e.data);
            let facts = match customer {
                Some(c) if t.engine.needs_facts(&e.kind) => facts(&store, e.tenant_id, c).await?,
                _ => None,
            };
            let scored = match &scores {
                Some(cache) if t.engine.reads_data(&e.kind, BUY_PROBABILITY_PATH) => {
                    with_buy_probability(cache, &item.event, customer)
                }
                _ => None,
            };
            let view = EventView {
                event_id: e.id,
                event_type: &e.kind,
                customer_id: customer,
                data: scored.as_ref().unwrap_or(&e.data),
                at: e.occurred_at,
            };
            let fv = facts.as_ref().map(|(tier, segments)| CustomerFactsView {
                tier: *tier,
                segments,
            });
            let out = t.engine.on_event(&view, fv.as_ref(), &mut t.waiting);
            for r in &out.cancelled {
                net.insert((e.tenant_id, r.chain_id.to_owned(), r.customer_id), None);
            }
            for r in &out.started {
                let run = r.to_run();
                net.insert(
                    (e.tenant_id, run.chain_id.clone(), r.customer_id),
                    Some(run),
                );
            }
        }
        let mut changes = Changes::default();
        for ((tenant, chain, customer), run) in net {
            match run {
                Some(run) => changes.started.push((tenant, run)),
                None => changes.cancelled.push((tenant, chain, customer)),
            }
        }
        Ok(changes)
    }

    /// Fires every run due at `now`, tenant by tenant.
    async fn fire_due(
        &mut self,
        now: Timestamp,
        report: &mut RoundReport,
    ) -> Result<(), StoreError> {
        let store = self.store.clone();
        let Some(loaded) = self.loaded.as_mut() else {
            return Ok(());
        };
        let mut wrote = false;
        for (&tenant, t) in loaded.tenants.iter_mut() {
            let due: Vec<Run> = t
                .engine
                .due(now, &mut t.waiting)
                .into_iter()
                .map(|f| f.run)
                .collect();
            for (i, run) in due.iter().enumerate() {
                match fire(&store, tenant, t, run, now).await {
                    Ok(Fired::Sent) => report.sent += 1,
                    Ok(Fired::Applied) => report.applied += 1,
                    Ok(Fired::Deferred(r)) => {
                        report.deferred += 1;
                        t.waiting.insert(r);
                    }
                    Ok(Fired::Dropped) => report.dropped += 1,
                    Ok(Fired::Gone) => {}
                    Err(e) => {
                        // Not fired: back in memory (the table still has them) for a retry.
                        for r in &due[i..] {
                            t.waiting.insert(r.clone());
                        }
                        return Err(e);
                    }
                }
                wrote = true;
            }
        }
        if wrote && let Some(w) = &self.wake_relay {
            w.notify_one();
        }
        Ok(())
    }
}

/// The net run changes of one batch.
#[derive(Default)]
struct Changes {
    started: Vec<(TenantId, Run)>,
    cancelled: Vec<(TenantId, String, CustomerId)>,
}

/// Stores a batch's run changes and advances the worker's feed position past it, at once.
async fn commit_batch(
    store: Store,
    node: String,
    changes: Changes,
    last: i64,
) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    tx.save_trigger_runs(&changes.started, &changes.cancelled)
        .await?;
    tx.advance_trigger_position(&node, last).await?;
    tx.commit().await
}

/// The result of a spawned commit (a panic in it is reported as a store error).
fn joined(r: Result<Result<(), StoreError>, tokio::task::JoinError>) -> Result<(), StoreError> {
    r.map_err(|e| StoreError::Corrupt(format!("a trigger commit stopped: {e}")))?
}

/// The customer's tier and segment names, for chains whose conditions ask.
async fn facts(
    store: &Store,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<Option<(omni_domain::customers::Tier, Vec<String>)>, StoreError> {
    let c = match store.resolve_customer(tenant, customer).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    let segments = store.customer_segment_names(tenant, c.id).await?;
    Ok(Some((c.tier, segments)))
}

/// The cart event's data with the model's purchase probability (in percent) added, or `None`
/// when the event describes no cart or this node has no trained model for the tenant.
fn with_buy_probability(
    analytics: &AnalyticsCache,
    e: &DomainEvent,
    customer: Option<CustomerId>,
) -> Option<serde_json::Value> {
    let built = analytics.peek(e.tenant_id)?;
    let data = e.data.as_object()?;
    let cart = LiveCart {
        customer,
        at: e.occurred_at,
        channel: serde_json::from_value(data.get("channel")?.clone()).ok()?,
        units: data.get("units")?.as_u64()?.try_into().ok()?,
        had_offer: data
            .get("coupons")
            .and_then(serde_json::Value::as_u64)
            .is_some_and(|n| n > 0),
    };
    let pct = (built.cart_probability(&cart)? * 100.0).round() as i64;
    let mut scored = data.clone();
    scored.insert(BUY_PROBABILITY_PATH.to_owned(), pct.into());
    Some(scored.into())
}

/// Gates one due run and carries it out in one transaction with its log entry. Everything
/// it reads is read before the transaction opens (on SQLite a pool read inside a write
/// would wait on the writer's own connection).
async fn fire(
    store: &Store,
    tenant: TenantId,
    t: &TenantTriggers,
    run: &Run,
    now: Timestamp,
) -> Result<Fired, StoreError> {
    let Some(chain) = t.engine.chain(&run.chain_id) else {
        return Ok(Fired::Gone);
    };
    let firing = Firing {
        chain,
        run: run.clone(),
    };
    let customer = match store.resolve_customer(tenant, run.customer_id).await {
        Ok(c) if c.status == CustomerStatus::Active => Some(c),
        Ok(_) | Err(StoreError::NotFound) => None,
        Err(e) => return Err(e),
    };
    let (decision, local_day, who) = match &customer {
        None => (
            Gate::Drop {
                reason: DropReason::Unavailable,
            },
            now.date_naive(),
            run.customer_id,
        ),
        Some(c) => {
            let tz = c.tz();
            let day = now.with_timezone(&tz).date_naive();
            let consents = store.consents(tenant, c.id).await?;
            let sent_today = store.firings_on(tenant, &chain.id, c.id, day).await?;
            let contact = ContactView {
                preferred: c.preferred_channel,
                consents: &consents,
                quiet: c.quiet_hours.as_ref(),
                tz,
                sent_today,
            };
            (gate(&firing, &contact, now), day, c.id)
        }
    };
    let event = match decision {
        Gate::Send { .. } => store.event_by_id(run.event_id).await?,
        _ => None,
    };
    let mut record = FiringRecord {
        id: FiringId::new(),
        chain_id: chain.id.clone(),
        customer_id: who,
        event_id: run.event_id,
        at: now,
        local_day,
        gate: decision,
        message_id: None,
        text: None,
        points: None,
    };
    let mut tx = store.write().await?;
    if !tx.take_trigger_run(tenant, run).await? {
        return Ok(Fired::Gone);
    }
    let fired = match (decision, &chain.action) {
        (Gate::Send { channel }, Action::Message { template } | Action::Push { template }) => {
            let data = event
                .as_ref()
                .map_or(serde_json::Value::Null, |e| e.data.clone());
            let view = EventView {
                event_id: run.event_id,
                event_type: &chain.on,
                customer_id: Some(who),
                data: &data,
                at: run.created_at,
            };
            let text = render(template, t.language, &view);
            let sent = json!({"firing_id": record.id, "chain_id": chain.id, "customer_id": who,
                "channel": channel, "template": template, "text": text, "purpose": chain.purpose});
            let ev = DomainEvent::new(tenant, "trigger.message_sent", record.id, now, sent);
            record.message_id = Some(ev.id.to_string());
            record.text = Some(text);
            tx.record(&ev).await?;
            let entry = TimelineEntry {
                id: TimelineEntryId::new(),
                customer_id: Some(who),
                device_id: None,
                kind: InteractionKind::Message,
                channel: omni_kernel::Channel::Messenger,
                location_id: None,
                occurred_at: now,
                data: json!({"direction": "outbound", "chain_id": chain.id, "channel": channel,
                    "text": record.text, "firing_id": record.id}),
            };
            tx.insert_timeline(tenant, &entry).await?;
            Fired::Sent
        }
        (Gate::Apply, Action::GiftPoints { points }) => {
            let Some(program) = &t.program else {
                return Ok(Fired::Gone);
            };
            let reason = format!("trigger:{}", chain.id);
            tx.gift_points(tenant, who, program, *points, &reason, now)
                .await?;
            let data = json!({"customer_id": who, "points": points, "reason": reason, "firing_id": record.id});
            tx.record(&DomainEvent::new(
                tenant,
                "offers.points.gifted",
                who,
                now,
                data,
            ))
            .await?;
            record.points = Some(*points);
            Fired::Applied
        }
        (Gate::Defer { until }, _) => {
            let later = firing.deferred(until);
            tx.save_trigger_runs(&[(tenant, later.clone())], &[])
                .await?;
            Fired::Deferred(later)
        }
        _ => Fired::Dropped,
    };
    tx.insert_firing(tenant, &record).await?;
    tx.commit().await?;
    tracing::debug!(chain = %chain.id, customer = %who, decision = record.decision(), "trigger fired");
    Ok(fired)
}
