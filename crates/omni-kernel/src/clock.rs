//! Time: instants are UTC; local time exists only at a location, through its time zone.
//! The clock is injected so that domain logic (TTL expiry, opening hours) is testable.

use chrono::{DateTime, Utc};

/// An instant in UTC.
pub type Timestamp = DateTime<Utc>;

/// A source of "now"; production uses [`SystemClock`], tests a [`FixedClock`].
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Utc::now()
    }
}

/// A clock that stands still until moved; for deterministic tests.
#[derive(Debug)]
pub struct FixedClock(std::sync::Mutex<Timestamp>);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn at(at: Timestamp) -> Self {
        Self(std::sync::Mutex::new(at))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
