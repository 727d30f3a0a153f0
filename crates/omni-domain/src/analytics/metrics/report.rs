//! The full customer analytics run — RFM, LTV, cohorts and channel migration — over one
//! shared per-customer summary, so the chain-scale run is two scans of the sales.

use serde::Serialize;

use super::cohorts::{CohortReport, cohorts_from};
use super::facts::Facts;
use super::ltv::{LtvConfig, LtvReport, ltv_from};
use super::migration::{MigrationReport, migration_from};
use super::rfm::{RfmReport, rfm_from};
use crate::analytics::Dataset;

/// What the full run computes; [`Default`]: one-year LTV horizon, 12 months of retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReportConfig {
    pub ltv: LtvConfig,
    /// Retention columns per cohort (`+1..=+cohort_months`).
    pub cohort_months: u32,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            ltv: LtvConfig::default(),
            cohort_months: 12,
        }
    }
}

/// The customer analytics of one `as_of` day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub as_of_day: u32,
    /// Customers with a purchase up to `as_of`.
    pub customers: u64,
    pub rfm: RfmReport,
    pub ltv: LtvReport,
    pub cohorts: CohortReport,
    pub migration: MigrationReport,
}

/// RFM, LTV, cohorts and migration at `as_of_day` with the default configuration.
pub fn full_run(ds: &Dataset, as_of_day: u32) -> Report {
    full_run_with(ds, as_of_day, &ReportConfig::default())
}

/// The full run with an explicit configuration: one [`Facts`] pass pair, then each report
/// from the per-customer summary (no further scan of the sales).
pub fn full_run_with(ds: &Dataset, as_of_day: u32, config: &ReportConfig) -> Report {
    let facts = Facts::compute(ds, as_of_day, config.ltv.horizon_days);
    Report {
        as_of_day,
        customers: facts.buyers().count() as u64,
        rfm: rfm_from(&facts),
        ltv: ltv_from(&facts, config.ltv),
        cohorts: cohorts_from(&facts, config.cohort_months),
        migration: migration_from(&facts),
    }
}
