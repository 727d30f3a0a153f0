//! The generation pipeline: steps run in order over one [`DemoContext`].
//!
//! To add demo data for a new context (catalog, customers, inventory, …), write a file with a
//! unit struct implementing [`DemoStep`] and append it to [`STEPS`]. Each step draws from its
//! own random stream (`DemoContext::rng(self.name())`) and its own id stream, so adding one
//! never changes the data the others generate. Steps size themselves by `ctx.scale` and write
//! through `ctx.insert_all`, which batches rows and records an event per row.

use anyhow::Context as _;
use futures::future::BoxFuture;

use super::catalog::CatalogStep;
use super::context::{DemoContext, StepReport};
use super::customers::CustomersStep;
use super::engagement::EngagementStep;
use super::history::HistoryStep;
use super::inventory::InventoryStep;
use super::network::NetworkStep;
use super::offers::OffersStep;
use super::tenant::TenantStep;

/// One stage of the demo generator.
pub trait DemoStep: Sync {
    /// Short name: labels progress and the report, and seeds the step's random stream.
    fn name(&self) -> &'static str;

    /// Generates and writes this step's data, reading what earlier steps left in `ctx`.
    fn run<'a>(&'a self, ctx: &'a mut DemoContext) -> BoxFuture<'a, anyhow::Result<StepReport>>;
}

/// Every generation step, in the order they run. Later steps may rely on earlier ones.
pub const STEPS: &[&dyn DemoStep] = &[
    &TenantStep,
    &NetworkStep,
    &CustomersStep,
    &CatalogStep,
    &InventoryStep,
    &OffersStep,
    &EngagementStep,
    &HistoryStep,
];

/// Runs every step (or only those named in `only`), collecting what each created.
pub async fn run_all(
    ctx: &mut DemoContext,
    only: Option<&[&str]>,
) -> anyhow::Result<Vec<(String, usize)>> {
    if let Some(unknown) = only
        .into_iter()
        .flatten()
        .find(|name| !STEPS.iter().any(|s| s.name() == **name))
    {
        let known: Vec<&str> = STEPS.iter().map(|s| s.name()).collect();
        anyhow::bail!("no demo step `{unknown}` (steps: {})", known.join(", "));
    }
    let mut counts = Vec::new();
    let wanted = |step: &&&dyn DemoStep| only.is_none_or(|names| names.contains(&step.name()));
    for step in STEPS.iter().filter(wanted) {
        let started = std::time::Instant::now();
        let report = step
            .run(ctx)
            .await
            .with_context(|| format!("demo step `{}`", step.name()))?;
        tracing::debug!(
            step = step.name(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "demo step done"
        );
        counts.extend(report.counts);
    }
    Ok(counts)
}
