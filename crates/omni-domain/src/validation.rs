//! Field-level validation results. Every context reports bad input the same way, so the HTTP
//! adapter can render one problem document listing each offending field and why.

use serde::Serialize;

/// One field that failed validation: a JSON pointer-ish path and a human reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldViolation {
    /// Dotted path of the field, e.g. `opening_hours.mon[0].open`.
    pub field: String,
    /// A stable machine code, e.g. `required`, `too_long`, `invalid`.
    pub code: &'static str,
    /// Why, in English, for people.
    pub message: String,
}

/// A collector of violations; validation functions push every problem they find
/// (not just the first) so a client fixes its request in one round trip.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation.
    pub fn push(
        &mut self,
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) {
        self.0.push(FieldViolation {
            field: field.into(),
            code,
            message: message.into(),
        });
    }

    /// Checks that a text field is non-blank and at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.push(field, "required", "must not be blank");
        } else if value.chars().count() > max {
            self.push(
                field,
                "too_long",
                format!("must be at most {max} characters"),
            );
        }
    }

    /// `Ok(value)` when nothing was recorded, else the violations.
    pub fn finish<T>(self, value: T) -> Result<T, Violations> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// The violations found.
    pub fn items(&self) -> &[FieldViolation] {
        &self.0
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Violations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for v in &self.0 {
            if !first {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", v.field, v.message)?;
            first = false;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}
