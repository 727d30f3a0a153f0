//! The waiting runs as data: at most one per chain and customer, found by that pair and by
//! due time, stored and reloaded by the adapter.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use omni_kernel::{CustomerId, EventId, Timestamp};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// A waiting run: chain `chain_id` will act for `customer_id` at `due_at` unless cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Run {
    pub chain_id: String,
    pub customer_id: CustomerId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub due_at: Timestamp,
    /// The latest event that (re-)armed the run.
    pub event_id: EventId,
    /// When the run was first started (re-arming keeps it).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// A run borrowed from the engine: what [`Outcome`](super::Outcome) reports without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunRef<'a> {
    pub chain_id: &'a str,
    pub customer_id: CustomerId,
    pub due_at: Timestamp,
    pub event_id: EventId,
    pub created_at: Timestamp,
}

impl RunRef<'_> {
    /// The owned form, for storage.
    pub fn to_run(&self) -> Run {
        Run {
            chain_id: self.chain_id.to_owned(),
            customer_id: self.customer_id,
            due_at: self.due_at,
            event_id: self.event_id,
            created_at: self.created_at,
        }
    }
}

/// A waiting run as stored (the chain and customer are its key).
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    pub(super) due_at: Timestamp,
    pub(super) created_at: Timestamp,
    pub(super) event_id: EventId,
    /// Matches the heap entry that is current; older entries are stale and skipped.
    seq: u64,
}

type Key = (CustomerId, u32);
type HeapEntry = Reverse<(Timestamp, u64, u32, CustomerId)>;

/// The waiting runs: at most one per (chain, customer), found by that pair for UNLESS and
/// re-arming, and by due time through a min-heap (re-armed and cancelled runs leave stale heap
/// entries that are skipped, and compacted away when they outnumber the live ones).
#[derive(Debug, Default)]
pub struct WaitingRuns {
    pub(super) chain_names: Vec<Box<str>>,
    pub(super) chain_slots: FxHashMap<Box<str>, u32>,
    runs: FxHashMap<Key, Slot>,
    pub(super) heap: BinaryHeap<HeapEntry>,
    seq: u64,
}

impl WaitingRuns {
    /// No runs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for `n` runs without rehashing.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            runs: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            heap: BinaryHeap::with_capacity(n),
            ..Self::default()
        }
    }

    /// Rebuilds the state from stored runs.
    pub fn from_runs(runs: impl IntoIterator<Item = Run>) -> Self {
        let mut w = Self::new();
        for r in runs {
            w.insert(r);
        }
        w
    }

    /// How many runs wait.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Whether none wait.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// When the earliest run is due, for the scheduler's sleep.
    pub fn next_due(&self) -> Option<Timestamp> {
        self.heap.peek().map(|Reverse(e)| e.0)
    }

    /// The run of `chain_id` waiting for `customer`.
    pub fn get(&self, chain_id: &str, customer: CustomerId) -> Option<RunRef<'_>> {
        let slot = *self.chain_slots.get(chain_id)?;
        let s = self.runs.get(&(customer, slot))?;
        Some(self.run_ref(slot, customer, s))
    }

    /// Every waiting run, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = RunRef<'_>> + '_ {
        self.runs
            .iter()
            .map(|((c, slot), s)| self.run_ref(*slot, *c, s))
    }

    /// Adds a run (loaded from storage, or a deferred firing), replacing the one waiting for
    /// the same chain and customer.
    pub fn insert(&mut self, run: Run) {
        let slot = self.intern(&run.chain_id);
        self.put(
            (run.customer_id, slot),
            Slot {
                due_at: run.due_at,
                created_at: run.created_at,
                event_id: run.event_id,
                seq: 0,
            },
        );
    }

    /// Removes the run of `chain_id` waiting for `customer`.
    pub fn remove(&mut self, chain_id: &str, customer: CustomerId) -> Option<Run> {
        let slot = *self.chain_slots.get(chain_id)?;
        self.cancel(slot, customer)
            .map(|s| self.run_ref(slot, customer, &s).to_run())
    }

    fn run_ref(&self, slot: u32, customer: CustomerId, s: &Slot) -> RunRef<'_> {
        RunRef {
            chain_id: &self.chain_names[slot as usize],
            customer_id: customer,
            due_at: s.due_at,
            event_id: s.event_id,
            created_at: s.created_at,
        }
    }

    pub(super) fn intern(&mut self, chain_id: &str) -> u32 {
        if let Some(s) = self.chain_slots.get(chain_id) {
            return *s;
        }
        let s = self.chain_names.len() as u32;
        self.chain_names.push(chain_id.into());
        self.chain_slots.insert(chain_id.into(), s);
        s
    }

    fn put(&mut self, key: Key, mut slot: Slot) {
        self.seq += 1;
        slot.seq = self.seq;
        self.heap
            .push(Reverse((slot.due_at, slot.seq, key.1, key.0)));
        self.runs.insert(key, slot);
        self.tidy();
    }

    /// Starts the run, or re-arms the waiting one to the later due time; returns it.
    pub(super) fn arm(
        &mut self,
        slot: u32,
        customer: CustomerId,
        due_at: Timestamp,
        e: EventId,
        at: Timestamp,
    ) -> Slot {
        let key = (customer, slot);
        let next = match self.runs.get(&key) {
            Some(s) if s.due_at >= due_at => {
                return *s;
            }
            Some(s) => Slot {
                due_at,
                event_id: e,
                ..*s
            },
            None => Slot {
                due_at,
                created_at: at,
                event_id: e,
                seq: 0,
            },
        };
        self.put(key, next);
        self.runs.get(&key).copied().unwrap_or(next)
    }

    pub(super) fn cancel(&mut self, slot: u32, customer: CustomerId) -> Option<Slot> {
        let s = self.runs.remove(&(customer, slot))?;
        self.tidy();
        Some(s)
    }

    /// Removes and returns the earliest run due at or before `now`.
    pub(super) fn pop_due(&mut self, now: Timestamp) -> Option<(u32, CustomerId, Slot)> {
        let Reverse((due, _, slot, customer)) = *self.heap.peek()?;
        if due > now {
            return None;
        }
        self.heap.pop();
        let s = self.runs.remove(&(customer, slot));
        self.tidy();
        // The top is always live (see `tidy`), so `s` is there; stay total anyway.
        s.map(|s| (slot, customer, s))
    }

    /// Keeps the heap's top live and the stale entries bounded.
    fn tidy(&mut self) {
        if self.heap.len() > 2 * self.runs.len() + 1024 {
            let live = self
                .runs
                .iter()
                .map(|(k, s)| Reverse((s.due_at, s.seq, k.1, k.0)));
            self.heap = live.collect();
        }
        while let Some(Reverse((_, seq, slot, customer))) = self.heap.peek() {
            if self
                .runs
                .get(&(*customer, *slot))
                .is_some_and(|s| s.seq == *seq)
            {
                break;
            }
            self.heap.pop();
        }
    }
}
