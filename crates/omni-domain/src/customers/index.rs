//! The per-node identity index: which customer an identifier leads to, answered from memory so
//! `identify` needs no SQL to resolve an identifier.
//!
//! Keys are the identifiers' tenant-keyed digests ([`Identifier::digest_bytes`]) — the same
//! digests the `customer.*` events carry — so the index can be kept current from the event
//! feed, holds no phone or email, and one tenant's identifier can never lead to another's
//! customer (the tenant is part of every key). Each key maps to the profile the identifier was
//! attached to (its *origin*, as the store's `origin_customer_id`); merges are a separate map
//! (loser → survivor) followed at lookup, so an unmerge only drops one entry and every
//! identifier it moved back leads to the loser again. Erased profiles are remembered and never
//! answered.
//!
//! The index is advice, not truth: it may lag the feed by a few milliseconds, and a 64-bit key
//! can in theory collide. Callers confirm a hit against the store (see
//! `omni-api/src/customers_identify.rs`) and treat `None` as "ask the store".

use omni_kernel::id::Ulid;
use omni_kernel::{CustomerId, TenantId};
use rustc_hash::{FxHashMap, FxHashSet};

use super::Identifier;
use crate::events::DomainEvent;

/// A tenant-keyed identifier digest (the first 16 bytes of its SHA-256).
pub type Digest = [u8; 16];

/// The holder of a key held by more than one profile: such keys are left to the store, which
/// knows which holder ranks first (verified, then oldest).
const SHARED: [u8; 16] = [0; 16];

/// Longest merge chain followed; longer (or cyclic) chains are left to the store.
const MAX_HOPS: usize = 32;

/// Identifier digest → customer, with merges and erasures. Memory: one 24-byte entry per
/// identifier in a hash table (≈ 35 bytes per identifier with the table's spare room), plus
/// one entry per merged or erased profile.
#[derive(Debug, Default, Clone)]
pub struct IdentityIndex {
    holders: FxHashMap<u64, [u8; 16]>,
    merged: FxHashMap<CustomerId, CustomerId>,
    erased: FxHashSet<CustomerId>,
}

fn key(d: &Digest) -> u64 {
    let mut k = [0; 8];
    k.copy_from_slice(&d[..8]);
    u64::from_le_bytes(k)
}

fn raw(c: CustomerId) -> [u8; 16] {
    c.ulid().to_bytes()
}

fn customer(raw: [u8; 16]) -> CustomerId {
    CustomerId::from_ulid(Ulid::from_bytes(raw))
}

/// Follows merges from `c` to the profile that survives; `None` through an erased profile or
/// a chain too long.
fn follow(
    merged: &FxHashMap<CustomerId, CustomerId>,
    erased: &FxHashSet<CustomerId>,
    mut c: CustomerId,
) -> Option<CustomerId> {
    for _ in 0..MAX_HOPS {
        if erased.contains(&c) {
            return None;
        }
        match merged.get(&c) {
            Some(next) => c = *next,
            None => return Some(c),
        }
    }
    None
}

/// Parses a digest as events carry it (32 lowercase hex digits).
pub fn parse_digest(hex: &str) -> Option<Digest> {
    let bytes = hex.as_bytes();
    if bytes.len() != 32 {
        return None;
    }
    let mut d = [0; 16];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let s = std::str::from_utf8(pair).ok()?;
        d[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(d)
}

impl IdentityIndex {
    /// An empty index with room for `identifiers` keys (a start-up build knows its size).
    pub fn with_capacity(identifiers: usize) -> IdentityIndex {
        IdentityIndex {
            holders: FxHashMap::with_capacity_and_hasher(identifiers, Default::default()),
            ..IdentityIndex::default()
        }
    }

    /// How many identifier keys are held.
    pub fn len(&self) -> usize {
        self.holders.len()
    }

    /// Whether no identifier is held.
    pub fn is_empty(&self) -> bool {
        self.holders.is_empty()
    }

    /// Approximate heap bytes (hash tables with their control bytes and spare room).
    pub fn memory_bytes(&self) -> usize {
        fn table<T>(capacity: usize) -> usize {
            let buckets = if capacity == 0 {
                0
            } else {
                (capacity * 8).div_ceil(7).next_power_of_two()
            };
            buckets * (std::mem::size_of::<T>() + 1)
        }
        table::<(u64, [u8; 16])>(self.holders.capacity())
            + table::<(CustomerId, CustomerId)>(self.merged.capacity())
            + table::<CustomerId>(self.erased.capacity())
    }

    /// Records that the identifier with `digest` was attached to `holder`. Attached to a
    /// second live profile, the key becomes shared (left to the store) — unless the first
    /// holder was merged into `holder` (the store then keeps one row, still marked with its
    /// origin, which an unmerge moves back). An erased holder is replaced.
    pub fn attach(&mut self, digest: &Digest, holder: CustomerId) {
        let new = raw(holder);
        let (merged, erased) = (&self.merged, &self.erased);
        self.holders
            .entry(key(digest))
            .and_modify(|h| {
                if *h == new || *h == SHARED {
                    return;
                }
                let old = customer(*h);
                if erased.contains(&old) {
                    *h = new;
                } else if follow(merged, erased, old) != Some(holder) {
                    *h = SHARED;
                }
            })
            .or_insert(new);
    }

    /// Records a performed merge: the loser's identifiers lead to the survivor.
    pub fn merge(&mut self, loser: CustomerId, survivor: CustomerId) {
        if loser != survivor {
            self.merged.insert(loser, survivor);
        }
    }

    /// Records a reversed merge: the loser's identifiers lead to the loser again.
    pub fn unmerge(&mut self, loser: CustomerId, survivor: CustomerId) {
        if self.merged.get(&loser) == Some(&survivor) {
            self.merged.remove(&loser);
        }
    }

    /// Records an erasure: these profiles are never answered again, and their identifiers may
    /// be attached afresh to someone else.
    pub fn erase(&mut self, ids: impl IntoIterator<Item = CustomerId>) {
        self.erased.extend(ids);
    }

    /// The active customer an identifier leads to, if this index knows it; `None` means "ask
    /// the store" (unknown here, shared by several profiles, or erased).
    pub fn resolve(&self, tenant: TenantId, id: &Identifier) -> Option<CustomerId> {
        self.resolve_digest(&id.digest_bytes(tenant))
    }

    /// [`IdentityIndex::resolve`] for a digest already computed.
    pub fn resolve_digest(&self, digest: &Digest) -> Option<CustomerId> {
        let h = *self.holders.get(&key(digest))?;
        if h == SHARED {
            return None;
        }
        follow(&self.merged, &self.erased, customer(h))
    }

    /// Applies one event of the feed; returns whether it concerned the index. Applying an
    /// event twice, or one already reflected in a start-up build, never makes an answer wrong
    /// (at worst a key becomes shared and is left to the store).
    pub fn apply(&mut self, e: &DomainEvent) -> bool {
        let d = &e.data;
        let id = |field: &str| d.get(field)?.as_str()?.parse::<CustomerId>().ok();
        let digest = |v: &serde_json::Value, field: &str| parse_digest(v.get(field)?.as_str()?);
        match e.kind.as_str() {
            "customer.created" | "customer.identified" => {
                let (Some(c), Some(ids)) = (id("customer_id"), d.get("identifiers")) else {
                    return false;
                };
                for i in ids.as_array().into_iter().flatten() {
                    if let Some(dg) = digest(i, "digest") {
                        self.attach(&dg, c);
                    }
                }
            }
            "customer.identifier_added" | "customer.device_stitched" => {
                let field = if e.kind == "customer.device_stitched" {
                    "device_digest"
                } else {
                    "digest"
                };
                let (Some(c), Some(dg)) = (id("customer_id"), digest(d, field)) else {
                    return false;
                };
                self.attach(&dg, c);
            }
            "customer.merged" | "customer.unmerged" => {
                let (Some(l), Some(s)) = (id("loser"), id("survivor")) else {
                    return false;
                };
                if e.kind == "customer.merged" {
                    self.merge(l, s);
                } else {
                    self.unmerge(l, s);
                }
            }
            "customer.erased" => {
                let ids = d.get("erased_ids").and_then(|v| v.as_array());
                let erased = ids
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str()?.parse::<CustomerId>().ok());
                self.erase(erased.chain(id("customer_id")));
            }
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests;
