//! The demo chain: a deterministic "Demo Sport & Electronics" tenant trading in Russia and
//! Kazakhstan, with warehouses, stores and pickup points in real cities, plus a fresh API key
//! per role so the API can be tried at once.
//!
//! Generation is a pipeline of steps ([`steps::STEPS`]: tenant, network, …) over a shared
//! [`context::DemoContext`]; each context's issue adds its own step file. Everything but the
//! key secrets is derived from a fixed seed, so two loads produce the same data. Loading is
//! idempotent: when the `demo` tenant exists nothing is generated and only new keys are minted.

mod catalog;
mod catalog_vocabulary;
mod context;
mod customers;
mod engagement;
mod geography;
mod history;
mod inventory;
mod keys;
mod network;
mod offers;
mod steps;
mod tenant;

#[cfg(test)]
mod tests;

use anyhow::Context as _;
use omni_store::{Store, StoreError};

use context::DemoContext;

pub use catalog::sample_rows as catalog_sample_rows;
#[cfg(test)]
pub use catalog::write_tree as write_catalog_tree;
pub use catalog_vocabulary::SEARCH_MIX;
pub use customers::customer_ids;
pub use customers::phone as customer_phone;
pub use inventory::sku_code;

/// How many SKUs the small demo catalog has (the price benchmark draws from them).
pub fn small_variant_count() -> u32 {
    catalog::sample_rows(Scale::Small).len() as u32
}

/// How big a chain to generate.
#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Scale {
    /// ~25 stores, 3 warehouses, ~20 pickup points: loads in well under a second.
    Small,
    /// 1,000 stores, 6 warehouses, 2,000 pickup points over ~70 cities: for load tests.
    Chain,
}

/// What a demo load produced: the tenant and a ready-to-use key per role.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub tenant_slug: String,
    /// (role label, bearer token)
    pub keys: Vec<(String, String)>,
    /// What this load generated, e.g. `("stores", 25)`; empty when the demo already existed.
    pub created: Vec<(String, usize)>,
}

impl DemoReport {
    /// Prints the tenant and keys (and the URL when serving).
    pub fn print(&self, url: Option<&str>) {
        if let Some(url) = url {
            println!("omniretail is running at {url}");
        }
        if self.created.is_empty() {
            println!(
                "demo tenant: {} (already loaded; fresh keys minted)",
                self.tenant_slug
            );
        } else {
            let counts: Vec<String> = self
                .created
                .iter()
                .map(|(what, n)| format!("{n} {what}"))
                .collect();
            println!(
                "demo tenant: {} (created {})",
                self.tenant_slug,
                counts.join(", ")
            );
        }
        for (role, token) in &self.keys {
            println!("  {role:<24} {token}");
        }
    }
}

/// Loads the demo chain if absent and mints fresh keys for each role.
pub async fn load(store: &Store, scale: Scale, progress: bool) -> anyhow::Result<DemoReport> {
    load_steps(store, scale, progress, None).await
}

/// Like [`load`], generating only the named steps (tests of one context at chain scale).
pub async fn load_steps(
    store: &Store,
    scale: Scale,
    progress: bool,
    only: Option<&[&str]>,
) -> anyhow::Result<DemoReport> {
    let (ctx, created) = match existing(store, scale).await? {
        Some(ctx) => (ctx, Vec::new()),
        None => {
            let mut ctx = DemoContext::new(store, scale, tenant::build()?, progress);
            match steps::run_all(&mut ctx, only).await {
                Ok(created) => (ctx, created),
                // Another process created the tenant first (two nodes started with --demo).
                Err(e) if is_conflict(&e) => (
                    existing(store, scale)
                        .await?
                        .context("the demo tenant vanished")?,
                    Vec::new(),
                ),
                Err(e) => return Err(e),
            }
        }
    };
    let keys = keys::mint_all(&ctx)
        .await
        .context("minting the demo keys")?;
    Ok(DemoReport {
        tenant_slug: ctx.tenant.slug.clone(),
        keys,
        created,
    })
}

/// A context over the already loaded demo tenant, if there is one.
async fn existing(store: &Store, scale: Scale) -> anyhow::Result<Option<DemoContext>> {
    match store.tenant_by_slug(tenant::SLUG).await {
        Ok(tenant) => {
            let mut ctx = DemoContext::new(store, scale, tenant, false);
            ctx.locations = store.all_locations(ctx.tenant.id).await?;
            Ok(Some(ctx))
        }
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn is_conflict(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<StoreError>(),
        Some(StoreError::Conflict(_))
    )
}
