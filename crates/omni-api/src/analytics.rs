//! Analytics over HTTP: recommendations for a customer or a SKU here, the reports in
//! `analytics_reports`, the NPS survey in `analytics_surveys`. Reports and models come from one per-tenant build —
//! the [`Dataset`] loaded from the store, the full customer [`Report`] and the trained
//! [`Recommender`] — made on first use off the async runtime, reused for five minutes, and
//! rebuilt early on `POST /v1/analytics/refresh`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::analytics::metrics::{Report, full_run};
use omni_domain::analytics::models::{
    CartModel, CartModelConfig, CartModelReport, PurchaseHistory, Recommendation, Recommender,
    RecommenderConfig, RecommenderEvaluation, Source, evaluate_recommender, recent_split_day,
    train_cart_model_on,
};
use omni_domain::analytics::{AbandonedCart, Dataset};
use omni_kernel::{Channel, Currency, CustomerId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::PathId;
use crate::refresh::TenantCache;
use crate::{ApiError, AppState};
use crate::{analytics_reports, analytics_surveys};

/// How long a build serves before the next request rebuilds it.
const MAX_AGE_SECS: i64 = 300;
const MAX_K: usize = 100;
/// Share of the latest purchase lines held out to judge the recommender, and its cut-off.
const HELD_OUT_SHARE: f64 = 0.2;
const EVALUATION_K: usize = 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/surveys", post(analytics_surveys::answer_survey))
        .route("/analytics/refresh", post(refresh))
        .route("/analytics/summary", get(analytics_reports::summary))
        .route("/analytics/sales", get(analytics_reports::sales))
        .route("/analytics/promotions", get(analytics_reports::promotions))
        .route("/analytics/forecast", get(analytics_reports::forecast))
        .route(
            "/analytics/recommender-quality",
            get(analytics_reports::recommender_quality),
        )
        .route("/customers/{id}/recommendations", get(recommendations))
        .route("/recommendations", get(recommendations_by_query))
        .route("/catalog/skus/{sku}/bought-together", get(bought_together))
}

/// One tenant's analytics as of `built_at`.
pub struct Built {
    pub built_at: Timestamp,
    /// Today when built (days since 1970-01-01): the `as_of` of the report.
    pub as_of_day: u32,
    pub dataset: Dataset,
    pub report: Report,
    pub recommender: Recommender,
    /// The abandoned-cart model with its held-out quality (`None` with fewer than two carts).
    pub cart_model: Option<(CartModel, CartModelReport)>,
    /// Every customer's purchases by day: the history a live cart is scored against.
    history: PurchaseHistory,
    /// The recommender judged on held-out purchases, made on first request.
    evaluation: tokio::sync::OnceCell<RecommenderEvaluation>,
    customers: HashMap<String, u32>,
    skus: HashMap<String, u32>,
}

impl Built {
    /// Computes every report and model from a data set as of `built_at` (the node reads the
    /// data set from the store; an offline job or a test passes its own).
    pub fn new(dataset: Dataset, built_at: Timestamp) -> Self {
        let as_of_day = (built_at.timestamp().max(0) / 86_400) as u32;
        let report = full_run(&dataset, as_of_day);
        let recommender = Recommender::build(&dataset.sales, RecommenderConfig::default());
        let history = PurchaseHistory::new(&dataset.sales);
        let cart_model = (dataset.carts.len() >= 2)
            .then(|| train_cart_model_on(&history, &dataset.carts, CartModelConfig::default()));
        let index = |names: &[String]| {
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), i as u32))
                .collect::<HashMap<_, _>>()
        };
        Self {
            built_at,
            as_of_day,
            customers: index(&dataset.customers),
            skus: index(&dataset.skus),
            dataset,
            report,
            recommender,
            cart_model,
            history,
            evaluation: tokio::sync::OnceCell::new(),
        }
    }

    /// The recommender against the bestsellers on the latest fifth of the purchases (trained
    /// on the older history, so it never sees what it is judged on). Made once per build, on
    /// the first request and off the async runtime: it trains a second recommender, about
    /// as long as the build's own (~30 s at chain scale); concurrent requests share it.
    pub async fn recommender_evaluation(
        self: &Arc<Self>,
    ) -> Result<RecommenderEvaluation, ApiError> {
        let this = self.clone();
        let evaluate = || async move {
            tokio::task::spawn_blocking(move || {
                let sales = &this.dataset.sales;
                let split = recent_split_day(sales, HELD_OUT_SHARE);
                evaluate_recommender(sales, split, EVALUATION_K, RecommenderConfig::default())
            })
            .await
            .map_err(ApiError::internal)
        };
        self.evaluation.get_or_try_init(evaluate).await.copied()
    }

    /// Probability (0–1) that a cart changed now is bought within a week, from the trained
    /// model and the customer's purchases in this build; `None` without a model. A customer
    /// the build has not seen counts as signed in with no purchases.
    pub fn cart_probability(&self, cart: &LiveCart) -> Option<f64> {
        let (model, _) = self.cart_model.as_ref()?;
        let customer = cart.customer.map(|id| {
            self.customers
                .get(&id.to_string())
                .copied()
                .unwrap_or(u32::MAX)
        });
        let at = cart.at.timestamp().max(0);
        let abandoned = AbandonedCart {
            customer,
            day: (at / 86_400) as u32,
            hour: ((at % 86_400) / 3_600) as u8,
            channel: cart.channel,
            units: cart.units,
            // Stored carts carry no priced total; training saw none either.
            value_minor: 0,
            had_offer: cart.had_offer,
            bought: false,
        };
        Some(model.probability(&self.history, &abandoned))
    }

    /// The dense key of a SKU code, if it ever sold.
    pub fn sku_key(&self, sku: &str) -> Option<u32> {
        self.skus.get(sku).copied()
    }

    /// A SKU's code by its dense key.
    pub fn sku_code(&self, key: u32) -> &str {
        self.dataset
            .skus
            .get(key as usize)
            .map_or("", String::as_str)
    }
}

/// A cart as its change event describes it, to be scored by [`Built::cart_probability`].
#[derive(Debug, Clone, Copy)]
pub struct LiveCart {
    pub customer: Option<CustomerId>,
    /// When it last changed (the day and the UTC hour are features, as in training).
    pub at: Timestamp,
    pub channel: Channel,
    pub units: u32,
    pub had_offer: bool,
}

/// This node's builds, one per tenant: the first request builds (concurrent first requests
/// wait for that one build); a stale build is served while its successor is made in the
/// background.
#[derive(Default)]
pub struct AnalyticsCache {
    builds: TenantCache<Built>,
}

impl AnalyticsCache {
    /// The tenant's current build if this node has one, without building (the trigger
    /// worker scores carts with whatever model is at hand and never waits for a build).
    pub fn peek(&self, tenant: TenantId) -> Option<Arc<Built>> {
        self.builds.peek(tenant)
    }

    /// Keeps `built` as the tenant's current build (made elsewhere: an offline job, a test).
    pub async fn install(&self, tenant: TenantId, built: Built) {
        let _ = self.builds.rebuild(tenant, async { Ok(built) }).await;
    }
}

/// The tenant's main currency (its first country's).
pub(crate) async fn main_currency(
    state: &AppState,
    tenant: TenantId,
) -> Result<Currency, ApiError> {
    let t = state.store.tenant(tenant).await?;
    t.countries
        .first()
        .map(|c| c.currency)
        .ok_or(ApiError::Conflict("the tenant has no country"))
}

/// The tenant's build: the cached one while fresh, else (with `force`, or on the first
/// request) a new one; a stale one is served while a background build replaces it.
pub(crate) async fn built(
    state: &AppState,
    tenant: TenantId,
    force: bool,
) -> Result<Arc<Built>, ApiError> {
    if force {
        return state
            .analytics
            .builds
            .rebuild(tenant, build(state.clone(), tenant))
            .await;
    }
    let now = state.clock.now();
    state
        .analytics
        .builds
        .get(
            tenant,
            |b| (now - b.built_at).num_seconds() < MAX_AGE_SECS,
            || build(state.clone(), tenant),
        )
        .await
}

/// Builds every tenant's analytics once, one after the other, so the first report or
/// recommendation after a start does not wait for a chain-scale build (run in the background
/// by `omni serve`; requests meanwhile build on demand as before).
pub async fn warm(state: AppState) {
    let tenants = match state.store.tenants().await {
        Ok(t) => t,
        Err(e) => return tracing::warn!(error = %e, "analytics warm-up: no tenant list"),
    };
    for tenant in tenants {
        let started = std::time::Instant::now();
        match built(&state, tenant.id, false).await {
            Ok(b) => tracing::info!(tenant = %tenant.slug, customers = b.dataset.customers.len(),
                sales_lines = b.dataset.sales.len(),
                ms = started.elapsed().as_millis() as u64, "analytics warmed"),
            Err(e) => tracing::warn!(tenant = %tenant.slug, error = ?e, "analytics warm-up failed"),
        }
    }
}

/// Builds every tenant's analytics at start and then every `every`, so the models that work
/// without a request — the trigger worker's abandoned-cart scores — see recent purchases
/// even when nobody opens a report (a build older than five minutes is replaced in the
/// background while it keeps serving). Run by `omni serve` until the process ends.
pub async fn keep_warm(state: AppState, every: std::time::Duration) {
    loop {
        warm(state.clone()).await;
        tokio::time::sleep(every).await;
    }
}

/// Reads the tenant's data set and computes every report and model from it.
async fn build(state: AppState, tenant: TenantId) -> Result<Built, ApiError> {
    let now = state.clock.now();
    let currency = main_currency(&state, tenant).await?;
    let dataset = state
        .store
        .analytics_dataset_at(tenant, currency, now)
        .await?;
    tokio::task::spawn_blocking(move || Built::new(dataset, now))
        .await
        .map_err(ApiError::internal)
}

/// What a rebuild read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BuildInfo {
    #[schema(value_type = String, format = DateTime)]
    pub built_at: Timestamp,
    pub currency: String,
    pub customers: usize,
    pub buyers: u64,
    pub skus: usize,
    pub sales_lines: usize,
    pub abandoned_carts: usize,
    pub survey_answers: usize,
}

impl BuildInfo {
    fn of(b: &Built) -> Self {
        Self {
            built_at: b.built_at,
            currency: b.dataset.currency.clone(),
            customers: b.dataset.customers.len(),
            buyers: b.report.customers,
            skus: b.dataset.skus.len(),
            sales_lines: b.dataset.sales.len(),
            abandoned_carts: b.dataset.carts.len(),
            survey_answers: b.dataset.surveys.len(),
        }
    }
}

/// Rebuilds the tenant's analytics now (reports and recommendations) instead of waiting
/// for the five-minute refresh.
#[utoipa::path(post, path = "/v1/analytics/refresh", tag = "analytics", security(("api_key" = [])),
    responses((status = 200, body = BuildInfo), (status = 403, body = Problem)))]
pub async fn refresh(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<BuildInfo>, ApiError> {
    principal.require(Action::ReadAnalytics)?;
    let b = built(&state, principal.tenant, true).await?;
    Ok(Json(BuildInfo::of(&b)))
}

/// How many suggestions.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct KParams {
    /// 1–100, 10 by default.
    pub k: Option<usize>,
}

fn k_of(p: &KParams) -> Result<usize, ApiError> {
    match p.k {
        None => Ok(10),
        Some(k) if (1..=MAX_K).contains(&k) => Ok(k),
        Some(_) => Err(ApiError::field("k", "out_of_range", "k is from 1 to 100")),
    }
}

/// One suggested SKU.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SuggestedSku {
    pub sku: String,
    /// Compares within one answer only.
    pub score: f32,
    /// `similar_customers`, `bought_together` or `popular`.
    #[schema(value_type = String)]
    pub source: Source,
}

/// Suggestions and when the model they come from was built.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    pub items: Vec<SuggestedSku>,
    #[schema(value_type = String, format = DateTime)]
    pub built_at: Timestamp,
}

fn suggestions(b: &Built, recs: Vec<Recommendation>) -> Suggestions {
    Suggestions {
        items: recs
            .into_iter()
            .map(|r| SuggestedSku {
                sku: b.sku_code(r.sku).to_owned(),
                score: r.score,
                source: r.source,
            })
            .collect(),
        built_at: b.built_at,
    }
}

/// What to offer a customer: items customers like them bought, minus what they already
/// have, topped up with bestsellers (only bestsellers for a customer without purchases).
#[utoipa::path(get, path = "/v1/customers/{id}/recommendations", tag = "analytics", security(("api_key" = [])),
    params(("id" = String, Path), KParams),
    responses((status = 200, body = Suggestions), (status = 404, body = Problem)))]
pub async fn recommendations(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
    Query(params): Query<KParams>,
) -> Result<Json<Suggestions>, ApiError> {
    customer_suggestions(&state, &principal, id, &params).await
}

async fn customer_suggestions(
    state: &AppState,
    principal: &Principal,
    id: CustomerId,
    params: &KParams,
) -> Result<Json<Suggestions>, ApiError> {
    principal.require(Action::Recommend)?;
    let k = k_of(params)?;
    let b = built(state, principal.tenant, false).await?;
    let key = match b.customers.get(&id.to_string()) {
        Some(&key) => key,
        None => {
            // not in the history: known customers are cold, others do not exist
            state.store.customer(principal.tenant, id).await?;
            u32::MAX
        }
    };
    let recs = b.recommender.for_customer(key, k);
    Ok(Json(suggestions(&b, recs)))
}

/// Whose recommendations, as a query (for clients that build one URL for every customer).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CustomerParams {
    pub customer_id: String,
    /// 1–100, 10 by default.
    pub k: Option<usize>,
}

/// The same as `GET /v1/customers/{id}/recommendations`, the customer named in the query.
#[utoipa::path(get, path = "/v1/recommendations", tag = "analytics", security(("api_key" = [])),
    params(CustomerParams),
    responses((status = 200, body = Suggestions), (status = 404, body = Problem)))]
pub async fn recommendations_by_query(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<CustomerParams>,
) -> Result<Json<Suggestions>, ApiError> {
    let id = params
        .customer_id
        .parse::<CustomerId>()
        .map_err(|_| ApiError::field("customer_id", "invalid", "not a customer id"))?;
    let k = KParams { k: params.k };
    customer_suggestions(&state, &principal, id, &k).await
}

/// Items most often bought in the same order as this SKU.
#[utoipa::path(get, path = "/v1/catalog/skus/{sku}/bought-together", tag = "analytics", security(("api_key" = [])),
    params(("sku" = String, Path), KParams),
    responses((status = 200, body = Suggestions)))]
pub async fn bought_together(
    State(state): State<AppState>,
    principal: Principal,
    axum::extract::Path(sku): axum::extract::Path<String>,
    Query(params): Query<KParams>,
) -> Result<Json<Suggestions>, ApiError> {
    principal.require(Action::Recommend)?;
    let k = k_of(&params)?;
    let b = built(&state, principal.tenant, false).await?;
    let recs = b
        .sku_key(&sku)
        .map(|key| b.recommender.bought_together(key, k))
        .unwrap_or_default();
    Ok(Json(suggestions(&b, recs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A build trains the abandoned-cart model and judges it on the carts it held out.
    #[test]
    fn a_build_carries_the_cart_model_and_its_held_out_quality() {
        let dataset = omni_domain::analytics::synthetic::generate(2_000, 7);
        let carts = dataset.carts.len();
        assert!(carts >= 100, "the synthetic chain has carts: {carts}");
        let built = Built::new(dataset, chrono::Utc::now());
        let (_, report) = built.cart_model.as_ref().expect("a model");
        assert_eq!(report.train_carts + report.held_out_carts, carts);
        let auc = report.held_out_auc.expect("both outcomes held out");
        assert!(auc > 0.5 && auc <= 1.0, "better than chance: {auc}");
    }
}
