//! The engine: one tenant's chains indexed by the event types that start and cancel them;
//! an event becomes an [`Outcome`], a due run a [`Firing`].

use chrono::Duration;
use omni_kernel::{CustomerId, Timestamp};
use rustc_hash::FxHashMap;

use super::waiting::Slot;
use super::{Condition, CustomerFactsView, EventView, Run, RunRef, TriggerChain, WaitingRuns};

/// What one event changed: runs started or re-armed (upsert them) and runs cancelled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome<'e> {
    pub started: Vec<RunRef<'e>>,
    pub cancelled: Vec<RunRef<'e>>,
}

impl Outcome<'_> {
    /// Whether the event changed nothing.
    pub fn is_empty(&self) -> bool {
        self.started.is_empty() && self.cancelled.is_empty()
    }
}

/// A run whose time has come, with the chain that says what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing<'e> {
    pub chain: &'e TriggerChain,
    pub run: Run,
}

impl Firing<'_> {
    /// The run to put back into [`WaitingRuns`] when [`gate()`](super::gate()) defers the
    /// firing, so a purchase overnight still cancels it.
    pub fn deferred(&self, until: Timestamp) -> Run {
        Run {
            due_at: until,
            ..self.run.clone()
        }
    }
}

/// The chains of one tenant, indexed by the event types that start and cancel them.
#[derive(Debug, Clone, Default)]
pub struct TriggerEngine {
    chains: Vec<TriggerChain>,
    on: FxHashMap<String, Vec<usize>>,
    unless: FxHashMap<String, Vec<usize>>,
    by_id: FxHashMap<String, usize>,
}

impl TriggerEngine {
    /// Indexes the chains; inactive ones start and cancel nothing and their waiting runs are
    /// dropped when due.
    pub fn new(chains: Vec<TriggerChain>) -> Self {
        let mut e = Self {
            chains,
            ..Self::default()
        };
        for (i, c) in e.chains.iter().enumerate() {
            e.by_id.insert(c.id.clone(), i);
            if !c.active {
                continue;
            }
            e.on.entry(c.on.clone()).or_default().push(i);
            for u in &c.unless {
                e.unless.entry(u.clone()).or_default().push(i);
            }
        }
        e
    }

    /// Every chain, as given.
    pub fn chains(&self) -> &[TriggerChain] {
        &self.chains
    }

    /// Whether a chain started by `event_type` asks about the customer's tier or segments,
    /// so the adapter loads those facts only for the events that need them.
    pub fn needs_facts(&self, event_type: &str) -> bool {
        self.on.get(event_type).is_some_and(|list| {
            list.iter()
                .any(|&i| self.chains[i].conditions.iter().any(Condition::is_fact))
        })
    }

    /// Whether a chain started by `event_type` reads `path` of the event's data, so the
    /// adapter adds a costly derived value (a model's score) only where a chain uses it.
    pub fn reads_data(&self, event_type: &str, path: &str) -> bool {
        self.on.get(event_type).is_some_and(|list| {
            list.iter().any(|&i| {
                self.chains[i]
                    .conditions
                    .iter()
                    .any(|c| c.data_path() == Some(path))
            })
        })
    }

    /// Whether any active chain starts or stops on `event_type` (the rest are skipped cheaply).
    pub fn listens_to(&self, event_type: &str) -> bool {
        self.on.contains_key(event_type) || self.unless.contains_key(event_type)
    }

    /// The chain with this id.
    pub fn chain(&self, id: &str) -> Option<&TriggerChain> {
        self.by_id.get(id).map(|i| &self.chains[*i])
    }

    /// An event arrives: cancels the waiting runs its type stops for that customer (UNLESS),
    /// then starts (or re-arms) a run of every active chain it matches, due at `at + wait`.
    pub fn on_event<'e>(
        &'e self,
        e: &EventView<'_>,
        facts: Option<&CustomerFactsView<'_>>,
        waiting: &mut WaitingRuns,
    ) -> Outcome<'e> {
        let mut out = Outcome::default();
        self.on_event_into(e, facts, waiting, &mut out);
        out
    }

    /// [`Self::on_event`] into a reused [`Outcome`] (cleared first): no allocation per event
    /// once the buffers have grown.
    pub fn on_event_into<'e>(
        &'e self,
        e: &EventView<'_>,
        facts: Option<&CustomerFactsView<'_>>,
        waiting: &mut WaitingRuns,
        out: &mut Outcome<'e>,
    ) {
        out.started.clear();
        out.cancelled.clear();
        let Some(customer) = e.customer_id else {
            return;
        };
        if let Some(list) = self.unless.get(e.event_type) {
            for &i in list {
                let chain = &self.chains[i];
                let Some(&slot) = waiting.chain_slots.get(chain.id.as_str()) else {
                    continue;
                };
                if let Some(s) = waiting.cancel(slot, customer) {
                    out.cancelled.push(run_ref(chain, customer, &s));
                }
            }
        }
        if let Some(list) = self.on.get(e.event_type) {
            for &i in list {
                let chain = &self.chains[i];
                if !chain.conditions.iter().all(|c| c.holds(e.data, facts)) {
                    continue;
                }
                let due = e.at + Duration::minutes(i64::from(chain.wait_minutes));
                let slot = waiting.intern(&chain.id);
                let s = waiting.arm(slot, customer, due, e.event_id, e.at);
                out.started.push(run_ref(chain, customer, &s));
            }
        }
    }

    /// Takes the runs due at `now` out of `waiting` and returns their firings, earliest first.
    /// A run whose chain is gone or inactive is dropped without firing.
    pub fn due<'e>(&'e self, now: Timestamp, waiting: &mut WaitingRuns) -> Vec<Firing<'e>> {
        let mut out = Vec::new();
        while let Some((slot, customer, s)) = waiting.pop_due(now) {
            let name = &waiting.chain_names[slot as usize];
            let Some(chain) = self.by_id.get(&**name).map(|i| &self.chains[*i]) else {
                continue;
            };
            if chain.active {
                out.push(Firing {
                    chain,
                    run: run_ref(chain, customer, &s).to_run(),
                });
            }
        }
        out
    }
}

fn run_ref<'e>(chain: &'e TriggerChain, customer: CustomerId, s: &Slot) -> RunRef<'e> {
    RunRef {
        chain_id: &chain.id,
        customer_id: customer,
        due_at: s.due_at,
        event_id: s.event_id,
        created_at: s.created_at,
    }
}
