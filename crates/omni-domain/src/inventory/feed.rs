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

/// Groups checked rows into batches of at most `max` rows in which no SKU × location
/// repeats, so each batch can be applied set-wise and later rows still win over earlier ones.
#[derive(Debug)]
pub struct FeedBatcher {
    max: usize,
    rows: Vec<CheckedRow>,
    keys: std::collections::HashSet<(Sku, LocationId)>,
}

impl FeedBatcher {
    /// A batcher cutting at `max` rows.
    pub fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            rows: Vec::new(),
            keys: Default::default(),
        }
    }

    /// Adds a row; returns a full batch when this row could not join the current one.
    pub fn push(&mut self, row: CheckedRow) -> Option<Vec<CheckedRow>> {
        let key = (row.sku.clone(), row.location_id);
        let full = if self.rows.len() >= self.max || self.keys.contains(&key) {
            self.keys.clear();
            Some(std::mem::take(&mut self.rows))
        } else {
            None
        };
        self.keys.insert(key);
        self.rows.push(row);
        full
    }

    /// The last, partial batch.
    pub fn finish(self) -> Option<Vec<CheckedRow>> {
        (!self.rows.is_empty()).then_some(self.rows)
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

    #[test]
    fn batches_never_repeat_a_stock_row_and_keep_their_order() {
        let here = LocationId::new();
        let resolve = |_: &str| Some(here);
        let mut b = FeedBatcher::new(3);
        let mut out = Vec::new();
        for (n, s) in ["A", "B", "A", "C", "D", "E", "F"].into_iter().enumerate() {
            let r = row(s, "x", 1, None).check(n as u64 + 1, FeedMode::Snapshot, resolve);
            out.extend(b.push(r.expect("valid")));
        }
        out.extend(b.finish());
        let skus: Vec<Vec<&str>> = out
            .iter()
            .map(|batch| batch.iter().map(|r| r.sku.as_str()).collect())
            .collect();
        assert_eq!(skus, [vec!["A", "B"], vec!["A", "C", "D"], vec!["E", "F"]]);
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
