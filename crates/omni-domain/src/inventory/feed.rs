//! Stock feeds from ERP and WMS: absolute snapshots ("this is what is on the shelf") and
//! deltas (movements). Each row is checked on its own; bad rows are reported with a reason
//! and skipped, good rows land. Re-running a snapshot changes nothing the second time.

use omni_kernel::LocationId;
use serde::{Deserialize, Serialize};

use super::{Movement, MovementKind, Sku};

/// How the rows are meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FeedMode {
    /// `quantity` is the new on-hand; the variance is recorded as a count movement.
    Snapshot,
    /// `quantity` is a signed change recorded as a movement of `kind` (default adjustment).
    Delta,
}

/// A row as sent (CSV header `sku,location,quantity[,kind][,safety_stock]` or a JSON object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedRow {
    pub sku: String,
    /// The location's code (`MSK-001`) or id (`loc_…`).
    pub location: String,
    pub quantity: i64,
    /// Movement kind of a delta row.
    #[serde(default)]
    pub kind: Option<String>,
    /// Sets the safety stock when present.
    #[serde(default)]
    pub safety_stock: Option<i64>,
}

/// Why a row was not applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RejectReason {
    /// The line could not be parsed.
    Malformed,
    InvalidSku,
    UnknownLocation,
    NegativeQuantity,
    /// A delta of 0 or a kind whose sign does not fit.
    InvalidMovement,
    /// The change would leave on-hand below what is reserved (or below zero).
    BelowReserved,
}

/// A rejected row for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedReject {
    /// 1-based row number in the feed (header excluded).
    pub row: u64,
    pub reason: RejectReason,
    pub detail: String,
}

/// What a feed run did: rows applied, rows rejected (the first 1,000 listed with reasons).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedReport {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub feed_id: String,
    pub rows: u64,
    pub applied: u64,
    pub rejected: u64,
    pub rejects: Vec<FeedReject>,
}

impl FeedReport {
    /// Most rejects a report lists; the count is always exact.
    pub const MAX_LISTED: usize = 1_000;

    /// Adds a reject to the report.
    pub fn reject(&mut self, r: FeedReject) {
        self.rejected += 1;
        if self.rejects.len() < Self::MAX_LISTED {
            self.rejects.push(r);
        }
    }
}

/// A row that passed the checks, ready to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRow {
    pub row: u64,
    pub sku: Sku,
    pub location_id: LocationId,
    /// Snapshot: the new on-hand. Delta: the signed change.
    pub quantity: i64,
    pub kind: MovementKind,
    pub safety_stock: Option<i64>,
}

impl FeedRow {
    /// Checks a row; `resolve` turns a location code or id into a known location.
    pub fn check(
        self,
        row: u64,
        mode: FeedMode,
        resolve: impl Fn(&str) -> Option<LocationId>,
    ) -> Result<CheckedRow, FeedReject> {
        let reject = |reason, detail: String| FeedReject {
            row,
            reason,
            detail,
        };
        let sku = Sku::parse(self.sku.trim())
            .map_err(|e| reject(RejectReason::InvalidSku, format!("`{}`: {e}", self.sku)))?;
        let location_id = resolve(self.location.trim()).ok_or_else(|| {
            reject(
                RejectReason::UnknownLocation,
                format!("no location `{}`", self.location),
            )
        })?;
        if self.safety_stock.is_some_and(|s| s < 0) {
            return Err(reject(
                RejectReason::NegativeQuantity,
                "safety_stock is negative".into(),
            ));
        }
        let kind = match mode {
            FeedMode::Snapshot => {
                if self.quantity < 0 {
                    return Err(reject(
                        RejectReason::NegativeQuantity,
                        "on-hand cannot be negative".into(),
                    ));
                }
                MovementKind::Count
            }
            FeedMode::Delta => {
                let raw = self.kind.as_deref().unwrap_or("adjustment");
                let kind = MovementKind::parse(raw).filter(|k| *k != MovementKind::Count);
                let movement = kind.map(|kind| Movement {
                    kind,
                    quantity: self.quantity,
                });
                match movement {
                    Some(m) if m.kind.accepts(m.quantity) => m.kind,
                    _ => {
                        return Err(reject(
                            RejectReason::InvalidMovement,
                            format!("a `{raw}` movement of {} is not valid", self.quantity),
                        ));
                    }
                }
            }
        };
        Ok(CheckedRow {
            row,
            sku,
            location_id,
            quantity: self.quantity,
            kind,
            safety_stock: self.safety_stock,
        })
    }
}

/// Groups checked rows into batches of about `max` rows in which no SKU × location repeats,
/// so each batch can be applied set-wise and later rows still win over earlier ones.
///
/// Why rows wait instead of cutting the batch: a delta feed lists many movements of one stock
/// row, and sorted runs put them side by side — cutting at every repeat made batches of a few
/// hundred rows, each its own transaction. A repeat waits for the next batch instead (behind
/// the earlier rows of its key, so their order holds); rows of other keys never depend on it.
#[derive(Debug)]
pub struct FeedBatcher {
    max: usize,
    rows: Vec<CheckedRow>,
    keys: std::collections::HashSet<(Sku, LocationId)>,
    /// Repeats of keys in the current batch, in file order, for the following batches.
    waiting: Vec<CheckedRow>,
}

impl FeedBatcher {
    /// A batcher cutting at `max` rows.
    pub fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            rows: Vec::new(),
            keys: Default::default(),
            waiting: Vec::new(),
        }
    }

    fn admit(&mut self, row: CheckedRow) {
        if self.keys.insert((row.sku.clone(), row.location_id)) {
            self.rows.push(row);
        } else {
            self.waiting.push(row);
        }
    }

    /// Closes the current batch and starts the next with the rows that waited for it.
    fn cut(&mut self) -> Vec<CheckedRow> {
        let batch = std::mem::take(&mut self.rows);
        self.keys.clear();
        for row in std::mem::take(&mut self.waiting) {
            self.admit(row);
        }
        batch
    }

    /// Adds a row; returns a batch when one is full.
    pub fn push(&mut self, row: CheckedRow) -> Option<Vec<CheckedRow>> {
        // a key that waits is also in the current batch (it waits because it is), so this
        // one lookup keeps a row behind every earlier row of its key
        self.admit(row);
        (self.rows.len() >= self.max).then(|| self.cut())
    }

    /// The remaining batches, in order.
    pub fn finish(mut self) -> Vec<Vec<CheckedRow>> {
        let mut out = Vec::new();
        while !self.rows.is_empty() {
            out.push(self.cut());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(sku: &str, location: &str, quantity: i64, kind: Option<&str>) -> FeedRow {
        FeedRow {
            sku: sku.into(),
            location: location.into(),
            quantity,
            kind: kind.map(Into::into),
            safety_stock: None,
        }
    }

    /// Batches `skus` (one location) at `max` rows: the SKUs and row numbers of each batch.
    fn batches(skus: &[&str], max: usize) -> Vec<Vec<(String, u64)>> {
        let here = LocationId::new();
        let resolve = |_: &str| Some(here);
        let mut b = FeedBatcher::new(max);
        let mut out = Vec::new();
        for (n, s) in skus.iter().enumerate() {
            let r = row(s, "x", 1, None).check(n as u64 + 1, FeedMode::Snapshot, resolve);
            out.extend(b.push(r.expect("valid")));
        }
        out.extend(b.finish());
        out.iter()
            .map(|batch| {
                batch
                    .iter()
                    .map(|r| (r.sku.as_str().to_owned(), r.row))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn batches_never_repeat_a_stock_row_and_keep_their_order() {
        let skus = |b: Vec<Vec<(String, u64)>>| -> Vec<Vec<String>> {
            b.into_iter()
                .map(|batch| batch.into_iter().map(|(s, _)| s).collect())
                .collect()
        };
        assert_eq!(
            skus(batches(&["A", "B", "A", "C", "D", "E", "F"], 3)),
            [vec!["A", "B", "C"], vec!["A", "D", "E"], vec!["F"]],
            "a repeat waits for the next batch instead of cutting this one"
        );
        // a delta's movements of one stock row, side by side after sorting
        let out = batches(&["A", "A", "A", "B", "C", "C"], 10);
        assert_eq!(
            out,
            [
                vec![("A".into(), 1), ("B".into(), 4), ("C".into(), 5)],
                vec![("A".into(), 2), ("C".into(), 6)],
                vec![("A".into(), 3)],
            ]
        );
    }

    proptest::proptest! {
        /// Any sequence: every row lands once, no batch repeats a key, and the rows of one key
        /// come in file order across the batches.
        #[test]
        fn any_feed_batches_completely_and_in_order(keys in proptest::collection::vec(0u8..6, 0..60), max in 1usize..8) {
            let names: Vec<String> = keys.iter().map(|k| format!("S{k}")).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let out = batches(&refs, max);
            let mut seen: Vec<u64> = out.iter().flatten().map(|(_, n)| *n).collect();
            seen.sort();
            proptest::prop_assert_eq!(seen, (1..=keys.len() as u64).collect::<Vec<_>>());
            let mut last: std::collections::HashMap<&str, u64> = Default::default();
            for batch in &out {
                let mut in_batch = std::collections::HashSet::new();
                for (sku, n) in batch {
                    proptest::prop_assert!(in_batch.insert(sku.as_str()));
                    proptest::prop_assert!(last.get(sku.as_str()).is_none_or(|p| p < n));
                    last.insert(sku.as_str(), *n);
                }
            }
        }
    }

    #[test]
    fn each_bad_row_gets_its_reason() {
        let known = LocationId::new();
        let resolve = |s: &str| (s == "MSK-1").then_some(known);
        let cases = [
            (
                row("bad sku", "MSK-1", 1, None),
                FeedMode::Snapshot,
                RejectReason::InvalidSku,
            ),
            (
                row("S1", "NOPE", 1, None),
                FeedMode::Snapshot,
                RejectReason::UnknownLocation,
            ),
            (
                row("S1", "MSK-1", -1, None),
                FeedMode::Snapshot,
                RejectReason::NegativeQuantity,
            ),
            (
                row("S1", "MSK-1", 0, None),
                FeedMode::Delta,
                RejectReason::InvalidMovement,
            ),
            (
                row("S1", "MSK-1", 5, Some("sale")),
                FeedMode::Delta,
                RejectReason::InvalidMovement,
            ),
            (
                row("S1", "MSK-1", 5, Some("teleport")),
                FeedMode::Delta,
                RejectReason::InvalidMovement,
            ),
        ];
        for (r, mode, reason) in cases {
            assert_eq!(r.check(7, mode, resolve).expect_err("bad").reason, reason);
        }
        let ok = row("S1", "MSK-1", -2, Some("sale")).check(1, FeedMode::Delta, resolve);
        assert_eq!(
            ok.map(|c| (c.kind, c.location_id)),
            Ok((MovementKind::Sale, known))
        );
    }
}
