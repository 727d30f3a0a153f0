//! Validation of a chain as a marketer defines it: every field checked, every problem
//! reported with its path (`conditions[1].path`), limits on waits, counts and points.

use crate::Violations;

use super::{Action, Condition, TriggerChain};

pub(super) const MAX_WAIT_MINUTES: u32 = 90 * 24 * 60;
const MAX_CONDITIONS: usize = 20;
const MAX_UNLESS: usize = 10;
const MAX_PER_DAY: u32 = 50;
const MAX_POINTS: i64 = 1_000_000;

impl TriggerChain {
    /// Checks every field and reports each problem with its path (`conditions[1].path`).
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        v.text("id", &self.id, 64);
        if !self
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            v.push(
                "id",
                "invalid",
                "use lower-case letters, digits, `_` and `-`",
            );
        }
        v.text("name", &self.name, 200);
        event_type("on", &self.on, &mut v);
        if self.conditions.len() > MAX_CONDITIONS {
            v.push(
                "conditions",
                "too_many",
                format!("at most {MAX_CONDITIONS} conditions"),
            );
        }
        for (i, c) in self.conditions.iter().enumerate() {
            c.validate(&format!("conditions[{i}]"), &mut v);
        }
        if self.wait_minutes > MAX_WAIT_MINUTES {
            v.push(
                "wait_minutes",
                "out_of_range",
                format!("at most {MAX_WAIT_MINUTES} (90 days)"),
            );
        }
        match &self.action {
            Action::Message { template } | Action::Push { template } => {
                template_key("action.template", template, &mut v);
            }
            Action::GiftPoints { points } => {
                if !(1..=MAX_POINTS).contains(points) {
                    v.push(
                        "action.points",
                        "out_of_range",
                        format!("between 1 and {MAX_POINTS}"),
                    );
                }
            }
        }
        if self.unless.len() > MAX_UNLESS {
            v.push(
                "unless",
                "too_many",
                format!("at most {MAX_UNLESS} event types"),
            );
        }
        for (i, u) in self.unless.iter().enumerate() {
            let field = format!("unless[{i}]");
            event_type(&field, u, &mut v);
            if *u == self.on {
                v.push(
                    field,
                    "conflict",
                    "the starting event cannot also cancel the run",
                );
            } else if self.unless[..i].contains(u) {
                v.push(field, "duplicate", "listed twice");
            }
        }
        if !(1..=MAX_PER_DAY).contains(&self.max_per_customer_per_day) {
            v.push(
                "max_per_customer_per_day",
                "out_of_range",
                format!("between 1 and {MAX_PER_DAY}"),
            );
        }
        v.finish(())
    }
}

/// `context.verb` in lower snake case: `cart.updated`, `order.ready_for_pickup`.
fn event_type(field: &str, s: &str, v: &mut Violations) {
    let well_formed = s.len() <= 100
        && s.contains('.')
        && s.split('.').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        });
    if s.trim().is_empty() {
        v.push(field, "required", "must not be blank");
    } else if !well_formed {
        v.push(
            field,
            "invalid",
            "an event type like `cart.updated` (lower snake case, dot-separated)",
        );
    }
}

fn template_key(field: &str, s: &str, v: &mut Violations) {
    v.text(field, s, 100);
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        v.push(
            field,
            "invalid",
            "a template key: letters, digits, `_`, `-`, `.`",
        );
    }
}

impl Condition {
    fn validate(&self, field: &str, v: &mut Violations) {
        match self {
            Condition::DataEquals { path, .. }
            | Condition::DataAtLeast { path, .. }
            | Condition::DataAtMost { path, .. }
            | Condition::DataExists { path } => {
                let f = format!("{field}.path");
                if path.trim().is_empty() {
                    v.push(f, "required", "must not be blank");
                } else if path.len() > 200 || path.split('.').any(|p| p.trim().is_empty()) {
                    v.push(f, "invalid", "a dotted path like `cart.total_minor`");
                }
            }
            Condition::Segment(s) | Condition::NotSegment(s) => v.text(field, s, 100),
            Condition::TierAtLeast(_) => {}
        }
    }
}
