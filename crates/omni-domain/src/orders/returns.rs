//! Returns and partial cancellations: what goes back to the customer for units they give up.
//! Each line refunds the money actually paid for it (discounts already apportioned by the
//! quote) and the points that paid for it, and claws back the points it earned — all in
//! proportion to the units, computed so that returning a line in several parts refunds
//! exactly what returning it at once would (no kopeck or point created or lost).

use omni_kernel::{LocationId, OrderId, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Order, OrderAction, ReturnId};
use crate::Violations;

/// One line of a return request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnLineDraft {
    pub line: u32,
    pub quantity: u32,
}

/// What a store, pickup point or agent sends to take goods back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnDraft {
    /// Where the goods are handed in; their stock goes back there.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub location_id: LocationId,
    pub lines: Vec<ReturnLineDraft>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// What one line gives back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Giveback {
    /// Minor units refunded (or no longer charged).
    pub money: i64,
    /// Points that paid for the units, credited back.
    pub points_refunded: i64,
    /// Points the units earned, taken back.
    pub points_clawed_back: i64,
}

impl Giveback {
    fn add(&mut self, o: Giveback) {
        self.money += o.money;
        self.points_refunded += o.points_refunded;
        self.points_clawed_back += o.points_clawed_back;
    }
}

/// A returned line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnedLine {
    pub line: u32,
    pub sku: String,
    pub quantity: u32,
    #[serde(flatten)]
    pub giveback: Giveback,
}

/// A return as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderReturn {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ReturnId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub order_id: OrderId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub location_id: LocationId,
    pub lines: Vec<ReturnedLine>,
    #[serde(flatten)]
    pub total: Giveback,
    pub reason: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// `amount × k / n`, rounded down, without overflow.
fn share(amount: i64, k: u32, n: u32) -> i64 {
    if n == 0 {
        return 0;
    }
    (i128::from(amount) * i128::from(k) / i128::from(n)) as i64
}

/// What giving up `units` more of a line (after `before` already given up) gives back:
/// the difference of cumulative shares, so parts always add up to the whole.
fn give_back(
    paid_money: i64,
    points_burnt: i64,
    points_earned: i64,
    quantity: u32,
    before: u32,
    units: u32,
) -> Giveback {
    let after = before + units;
    let part = |amount| share(amount, after, quantity) - share(amount, before, quantity);
    Giveback {
        money: part(paid_money),
        points_refunded: part(points_burnt),
        points_clawed_back: part(points_earned),
    }
}

impl Order {
    /// Checks a return against what the customer has and prices it line by line.
    pub fn plan_return(
        &self,
        draft: &ReturnDraft,
        id: ReturnId,
        now: Timestamp,
    ) -> Result<OrderReturn, Violations> {
        let mut v = Violations::new();
        if !self.status.returnable() {
            v.push(
                "order",
                "invalid_state",
                format!(
                    "an order that is {} cannot be returned",
                    self.status.as_str()
                ),
            );
        }
        if draft.lines.is_empty() {
            v.push("lines", "required", "name at least one line");
        }
        if let Some(r) = &draft.reason {
            v.text("reason", r, 500);
        }
        let mut lines: Vec<ReturnedLine> = Vec::new();
        let mut total = Giveback::default();
        for (i, d) in draft.lines.iter().enumerate() {
            let Some(l) = self.lines.get(d.line as usize) else {
                v.push(format!("lines[{i}].line"), "not_found", "no such line");
                continue;
            };
            let already: u32 = lines
                .iter()
                .filter(|r| r.line == d.line)
                .map(|r| r.quantity)
                .sum();
            if d.quantity == 0 || d.quantity + already > l.kept() {
                v.push(
                    format!("lines[{i}].quantity"),
                    "out_of_range",
                    format!("1–{} units of this line can be returned", l.kept()),
                );
                continue;
            }
            let g = give_back(
                l.paid_in_money(),
                l.points_burnt,
                l.points_earned,
                l.quantity,
                l.returned + l.cancelled + already,
                d.quantity,
            );
            total.add(g);
            lines.push(ReturnedLine {
                line: d.line,
                sku: l.sku.clone(),
                quantity: d.quantity,
                giveback: g,
            });
        }
        v.finish(OrderReturn {
            id,
            order_id: self.id,
            location_id: draft.location_id,
            lines,
            total,
            reason: draft.reason.clone(),
            created_at: now,
        })
    }

    /// Books a planned return on the order; the last units returned close it as returned.
    pub fn record_return(&mut self, r: &OrderReturn, by: &str, now: Timestamp) {
        for l in &r.lines {
            self.lines[l.line as usize].returned += l.quantity;
        }
        self.payment.refunded += r.total.money;
        self.version += 1;
        self.updated_at = now;
        if self.lines.iter().all(|l| l.kept() == 0) {
            let _ = self.apply(OrderAction::ReturnAll, by, now);
        }
    }

    /// Cancels whole lines before they leave the shelf; what they would have cost is released
    /// from the payment. Cancelling every line cancels the order.
    pub fn cancel_lines(
        &mut self,
        lines: &[u32],
        by: &str,
        now: Timestamp,
    ) -> Result<Giveback, Violations> {
        let mut v = Violations::new();
        if !self.status.holds_stock() {
            v.push(
                "order",
                "invalid_state",
                format!(
                    "an order that is {} cannot be cancelled",
                    self.status.as_str()
                ),
            );
        }
        for (i, n) in lines.iter().enumerate() {
            match self.lines.get(*n as usize) {
                None => v.push(format!("lines[{i}]"), "not_found", "no such line"),
                Some(l) if l.kept() == 0 => {
                    v.push(format!("lines[{i}]"), "invalid_state", "already cancelled")
                }
                Some(_) => {}
            }
        }
        v.finish(())?;
        let mut total = Giveback::default();
        for n in lines {
            let l = &mut self.lines[*n as usize];
            let units = l.kept();
            if units == 0 {
                continue;
            }
            total.add(give_back(
                l.paid_in_money(),
                l.points_burnt,
                l.points_earned,
                l.quantity,
                l.cancelled + l.returned,
                units,
            ));
            l.cancelled += units;
        }
        self.payment.released += total.money;
        self.version += 1;
        self.updated_at = now;
        if self.lines.iter().all(|l| l.kept() == 0) {
            let _ = self.apply(OrderAction::Cancel, by, now);
        }
        Ok(total)
    }
}
