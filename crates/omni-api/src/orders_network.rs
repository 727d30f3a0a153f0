//! The network as sourcing sees it, kept per node: every active location as a sourcing
//! candidate, today's load per location, and the merchant's sourcing rules and tariffs.
//! Rebuilt in the background when older than a few seconds, so a request never reads a
//! thousand location documents nor waits for today's load to be counted; stock is always read live (the stock matrix of the cart's SKUs).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use omni_domain::network::{Capability, Location, LocationKind, LocationStatus};
use omni_domain::orders::{Candidate, DeliveryTariffs, Demand, SourcingRules};
use omni_kernel::{GeoPoint, LocationId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::refresh::TenantCache;
use crate::{ApiError, AppState};

/// How long a node trusts its copy of the network.
const MAX_AGE: Duration = Duration::from_secs(5);

/// The merchant's order rules: how to source and what delivery costs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OrderRules {
    #[schema(value_type = Object)]
    pub sourcing: SourcingRules,
    #[schema(value_type = Object)]
    pub tariffs: DeliveryTariffs,
}

impl OrderRules {
    /// Field-level checks of both parts.
    pub fn validate(&self) -> Result<(), ApiError> {
        let mut all = Vec::new();
        for (prefix, r) in [
            ("sourcing", self.sourcing.validate()),
            ("tariffs", self.tariffs.validate()),
        ] {
            if let Err(v) = r {
                all.extend(v.items().iter().map(|f| {
                    let mut f = f.clone();
                    f.field = format!("{prefix}.{}", f.field);
                    f
                }));
            }
        }
        if all.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(all))
        }
    }
}

/// One tenant's network as of `built`.
pub struct Network {
    pub locations: Vec<Location>,
    pub candidates: Vec<Candidate>,
    index: HashMap<LocationId, usize>,
    pub rules: OrderRules,
    built: Instant,
}

impl Network {
    /// A location's position among the candidates.
    pub fn position(&self, id: LocationId) -> Option<usize> {
        self.index.get(&id).copied()
    }

    /// The `n` nearest active locations of `kinds` that hand out orders.
    pub fn nearest_pickup(&self, to: GeoPoint, kinds: &[LocationKind], n: usize) -> Vec<&Location> {
        let mut found: Vec<(f64, &Location)> = self
            .locations
            .iter()
            .filter(|l| kinds.contains(&l.kind) && l.can(Capability::Pickup))
            .map(|l| (l.geo.distance_km(&to), l))
            .collect();
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
        found.into_iter().take(n).map(|(_, l)| l).collect()
    }

    /// What every candidate can promise of each line: `available[c × lines + l]`.
    pub async fn stock_matrix(
        &self,
        state: &AppState,
        tenant: TenantId,
        lines: &[Demand],
    ) -> Result<Vec<u32>, ApiError> {
        let skus: Vec<String> = lines.iter().map(|d| d.sku.clone()).collect();
        let rows = state.store.promisable_stock(tenant, &skus).await?;
        let mut available = vec![0u32; self.candidates.len() * lines.len()];
        for row in rows {
            let Some(c) = self.position(row.location_id) else {
                continue;
            };
            for (l, d) in lines.iter().enumerate() {
                if d.sku == row.sku {
                    available[c * lines.len() + l] = row.atp.clamp(0, i64::from(u32::MAX)) as u32;
                }
            }
        }
        Ok(available)
    }
}

fn candidate(l: &Location, load_today: u32) -> Candidate {
    Candidate {
        location_id: l.id,
        kind: l.kind,
        geo: l.geo,
        tz: l.tz(),
        hours: l.opening_hours.clone(),
        ships: l.can(Capability::ShipFromStore) || l.can(Capability::Fulfilment),
        express: l.can(Capability::ExpressDelivery),
        pickup: l.can(Capability::Pickup),
        capacity: l.daily_order_capacity,
        load_today,
    }
}

/// The per-node cache of networks by tenant, refreshed in the background when stale.
#[derive(Default)]
pub struct Networks {
    cache: TenantCache<Network>,
}

impl Networks {
    /// The tenant's network: never older than a few seconds, except while its successor is
    /// being built in the background.
    pub async fn get(&self, state: &AppState, tenant: TenantId) -> Result<Arc<Network>, ApiError> {
        self.cache
            .get(
                tenant,
                |n| n.built.elapsed() < MAX_AGE,
                || {
                    let state = state.clone();
                    async move { build(&state, tenant, state.clock.now()).await }
                },
            )
            .await
    }

    /// Forgets a tenant's copy (after a rules change on this node).
    pub fn invalidate(&self, tenant: TenantId) {
        self.cache.invalidate(tenant);
    }
}

/// The merchant's stored rules (defaults until saved) and their version (0: defaults).
pub async fn stored_rules(
    state: &AppState,
    tenant: TenantId,
) -> Result<(OrderRules, i64), ApiError> {
    match state.store.sourcing_rules(tenant).await? {
        None => Ok((OrderRules::default(), 0)),
        Some((doc, version)) => Ok((
            serde_json::from_str(&doc).map_err(ApiError::internal)?,
            version,
        )),
    }
}

async fn build(state: &AppState, tenant: TenantId, now: Timestamp) -> Result<Network, ApiError> {
    let locations: Vec<Location> = state
        .store
        .all_locations(tenant)
        .await?
        .into_iter()
        .filter(|l| l.status == LocationStatus::Active)
        .collect();
    let since = now - chrono::Duration::hours(24);
    let load: HashMap<LocationId, u32> = state
        .store
        .order_load_since(tenant, since)
        .await?
        .into_iter()
        .collect();
    let candidates: Vec<Candidate> = locations
        .iter()
        .map(|l| candidate(l, load.get(&l.id).copied().unwrap_or(0)))
        .collect();
    let index = locations
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id, i))
        .collect();
    let (rules, _) = stored_rules(state, tenant).await?;
    Ok(Network {
        locations,
        candidates,
        index,
        rules,
        built: Instant::now(),
    })
}
