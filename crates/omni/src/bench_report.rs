//! What an `omni bench` run measured: the workers' tallies merged into a summary of
//! throughput and latency percentiles, printed as text or serialised as one JSON object.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::bench_scenario::Scenario;

/// What the workers counted, merged.
pub(crate) struct Tally {
    pub(crate) latencies_us: Histogram<u64>,
    pub(crate) ok: u64,
    pub(crate) non_2xx: u64,
    pub(crate) errors: u64,
    pub(crate) first_error: Option<String>,
}

impl Tally {
    pub(crate) fn new() -> anyhow::Result<Self> {
        // 1 µs to 5 minutes at 3 significant digits.
        let latencies_us = Histogram::new_with_bounds(1, 300_000_000, 3)?;
        Ok(Self {
            latencies_us,
            ok: 0,
            non_2xx: 0,
            errors: 0,
            first_error: None,
        })
    }

    pub(crate) fn merge(&mut self, other: Tally) -> anyhow::Result<()> {
        self.latencies_us.add(&other.latencies_us)?;
        self.ok += other.ok;
        self.non_2xx += other.non_2xx;
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
        Ok(())
    }
}

/// The result of a run, as printed (and as the `--json` object).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub scenario: Scenario,
    pub request: String,
    pub concurrency: u32,
    pub duration_s: f64,
    pub requests: u64,
    pub requests_per_s: f64,
    pub non_2xx: u64,
    pub errors: u64,
    pub latency_ms: Latency,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

/// Latency of the requests that got a response, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

impl Latency {
    /// Percentiles of a microsecond histogram; all zero when it is empty.
    fn of(us: &Histogram<u64>) -> Self {
        if us.is_empty() {
            return Self {
                p50: 0.0,
                p95: 0.0,
                p99: 0.0,
                max: 0.0,
                mean: 0.0,
            };
        }
        let ms = |v: u64| v as f64 / 1_000.0;
        Self {
            p50: ms(us.value_at_quantile(0.50)),
            p95: ms(us.value_at_quantile(0.95)),
            p99: ms(us.value_at_quantile(0.99)),
            max: ms(us.max()),
            mean: us.mean() / 1_000.0,
        }
    }
}

impl Summary {
    pub(crate) fn new(
        scenario: Scenario,
        concurrency: u32,
        elapsed: Duration,
        tally: Tally,
    ) -> Self {
        let requests = tally.ok + tally.non_2xx + tally.errors;
        let secs = elapsed.as_secs_f64();
        Summary {
            scenario,
            request: format!(
                "{} {}",
                if scenario.body().is_some() || scenario == Scenario::Checkout {
                    "POST"
                } else {
                    "GET"
                },
                scenario.path()
            ),
            concurrency,
            duration_s: secs,
            requests,
            requests_per_s: if secs > 0.0 {
                requests as f64 / secs
            } else {
                0.0
            },
            non_2xx: tally.non_2xx,
            errors: tally.errors,
            latency_ms: Latency::of(&tally.latencies_us),
            first_error: tally.first_error,
        }
    }

    pub(crate) fn print(&self) {
        let l = &self.latency_ms;
        println!("scenario     {} ({})", self.scenario.name(), self.request);
        println!("concurrency  {}", self.concurrency);
        println!("duration     {:.2} s", self.duration_s);
        println!(
            "requests     {} ({} non-2xx, {} errors)",
            self.requests, self.non_2xx, self.errors
        );
        println!("throughput   {:.1} req/s", self.requests_per_s);
        println!(
            "latency ms   p50 {:.3}  p95 {:.3}  p99 {:.3}  max {:.3}",
            l.p50, l.p95, l.p99, l.max
        );
        if let Some(e) = &self.first_error {
            println!("first error  {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_reports_percentiles_in_milliseconds_and_the_rate() {
        let mut tally = Tally::new().expect("histogram");
        for ms in 1..=100 {
            tally.latencies_us.record(ms * 1_000).expect("in range");
        }
        tally.ok = 90;
        tally.non_2xx = 6;
        tally.errors = 4;
        let s = Summary::new(Scenario::Tenant, 8, Duration::from_secs(4), tally);
        assert_eq!(s.requests, 100);
        assert!((s.requests_per_s - 25.0).abs() < 1e-9);
        let near = |got: f64, want: f64| (got - want).abs() <= want * 0.001 + 1e-9;
        let l = s.latency_ms;
        assert!(
            near(l.p50, 50.0) && near(l.p95, 95.0) && near(l.p99, 99.0) && near(l.max, 100.0),
            "{l:?}"
        );
        assert!(near(l.mean, 50.5), "{l:?}");
        let json = serde_json::to_value(&s).expect("json");
        assert_eq!(json["scenario"], Scenario::Tenant.name());
        assert_eq!(json["request"], "GET /v1/tenant");
        assert!(json.get("first_error").is_none());
    }

    #[test]
    fn an_empty_run_reports_zeros() {
        let s = Summary::new(
            Scenario::Health,
            1,
            Duration::ZERO,
            Tally::new().expect("histogram"),
        );
        assert_eq!(
            (s.requests, s.requests_per_s, s.latency_ms.max),
            (0, 0.0, 0.0)
        );
    }
}
