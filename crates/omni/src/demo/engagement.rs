//! The demo chain's trigger chains: the typical ones (abandoned cart, order ready for pickup,
//! birthday points and greeting, wishlist item in stock nearby), live from the start.

use futures::future::BoxFuture;
use omni_domain::engagement::TriggerChain;

use super::context::{DemoContext, StepReport};
use super::steps::DemoStep;

/// Loads the demo trigger chains.
pub struct EngagementStep;

impl DemoStep for EngagementStep {
    fn name(&self) -> &'static str {
        "engagement"
    }

    fn run<'a>(&'a self, ctx: &'a mut DemoContext) -> BoxFuture<'a, anyhow::Result<StepReport>> {
        Box::pin(async move {
            let chains = TriggerChain::examples();
            let mut tx = ctx.store.write().await?;
            for chain in &chains {
                tx.put_trigger_chain(ctx.tenant.id, chain, None, ctx.now)
                    .await?;
            }
            tx.commit().await?;
            Ok(StepReport::default().count("trigger chains", chains.len()))
        })
    }
}
