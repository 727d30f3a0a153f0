//! Each node's cache of offer books, one per tenant and currency. A quote checks the tenant's
//! rules version (one primary-key read) and rebuilds the book only when a marketer changed
//! something on any node, or when the usage figures in it are older than a few seconds
//! (limits and budgets are enforced exactly at commit; the book only uses them as advice).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use omni_domain::catalog::CategoryId;
use omni_domain::offers::{LoyaltyProgram, OfferBook, Rules};
use omni_kernel::{Currency, TenantId};

use crate::{ApiError, AppState};

/// How long usage counters in a cached book may lag.
const USAGE_MAX_AGE: Duration = Duration::from_secs(5);

/// A built book with what else pricing needs of the tenant.
pub struct Priced {
    pub book: OfferBook,
    pub rules: Rules,
    pub parents: HashMap<CategoryId, Option<CategoryId>>,
    version: i64,
    built: Instant,
}

/// Books by tenant and currency.
type Books = HashMap<(TenantId, Option<Currency>), Arc<Priced>>;

/// The per-node cache, by tenant and currency (`None`: the tenant's main currency, so the
/// usual quote needs no read of the tenant).
#[derive(Default)]
pub struct OfferBooks {
    books: RwLock<Books>,
}

impl OfferBooks {
    /// The tenant's current book for `currency` (its main currency when `None`).
    pub async fn get(
        &self,
        state: &AppState,
        tenant: TenantId,
        currency: Option<Currency>,
    ) -> Result<Arc<Priced>, ApiError> {
        let version = state.store.offer_rules_version(tenant).await?;
        let fresh = |p: &Arc<Priced>| p.version == version && p.built.elapsed() < USAGE_MAX_AGE;
        let cached = self.read().get(&(tenant, currency)).cloned();
        if let Some(p) = cached.filter(fresh) {
            return Ok(p);
        }
        let t = state.store.tenant(tenant).await?;
        let main = t
            .countries
            .first()
            .ok_or(ApiError::Conflict("the tenant has no country"))?;
        let currency = currency.unwrap_or(main.currency);
        let Some(country) = t.countries.iter().find(|c| c.currency == currency) else {
            return Err(ApiError::field(
                "currency",
                "unsupported",
                "the chain does not trade in this currency",
            ));
        };
        let rules = load_rules(state, tenant, currency, country.time_zone.clone()).await?;
        let parents = state.store.category_parents(tenant).await?;
        let priced = Arc::new(Priced {
            book: OfferBook::new(rules.clone()),
            rules,
            parents,
            version,
            built: Instant::now(),
        });
        let mut books = self.books.write().unwrap_or_else(|e| e.into_inner());
        if currency == t.countries[0].currency {
            books.insert((tenant, None), priced.clone());
        }
        books.insert((tenant, Some(currency)), priced.clone());
        Ok(priced)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Books> {
        self.books.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// The tenant's rules in force for a currency; the standard programme when none is set.
pub async fn load_rules(
    state: &AppState,
    tenant: TenantId,
    currency: Currency,
    time_zone: String,
) -> Result<Rules, ApiError> {
    let price_lists = state.store.price_lists(tenant, Some(currency)).await?;
    let (promotions, usage) = state.store.active_promotions(tenant, currency).await?;
    let program = state
        .store
        .loyalty_program(tenant, currency)
        .await?
        .unwrap_or_else(|| LoyaltyProgram::standard(currency));
    Ok(Rules {
        currency,
        time_zone,
        price_lists,
        promotions,
        usage,
        program,
    })
}
