//! `/v1/analytics/*` reports over the tenant's build (see `analytics`): the customer summary
//! (RFM, LTV by first channel, cohorts, channel migration, NPS), sales by channel, store and
//! category, promotion cost and uplift, and the demand forecast with its held-out error.
//! Dense keys are answered as the names clients know: SKU codes, location ids, category codes.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use chrono::{Datelike, NaiveDate};
use omni_domain::access::Action;
use omni_domain::analytics::metrics::{
    DayRange, MigrationReport, NpsScore, SalesTotals, UpliftStats, nps, promotion_uplift,
    sales_breakdown,
};
use omni_domain::analytics::models::{
    Comparison, ForecastEvaluation, evaluate_forecasts, forecast as forecast_weeks, week_of,
    weekly_series,
};
use omni_kernel::Channel;
use serde::{Deserialize, Serialize};

use crate::analytics::{Built, built};
use crate::auth::Principal;
use crate::error::Problem;
use crate::{ApiError, AppState};

/// Days from 0001-01-01 (CE day 1) to 1970-01-01.
const EPOCH_CE_DAYS: i32 = 719_163;

fn date_of(day: u32) -> String {
    NaiveDate::from_num_days_from_ce_opt(day as i32 + EPOCH_CE_DAYS)
        .map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string())
}

fn day_of(field: &'static str, raw: &str) -> Result<u32, ApiError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| u32::try_from(d.num_days_from_ce() - EPOCH_CE_DAYS).ok())
        .ok_or_else(|| ApiError::field(field, "invalid", "a date as YYYY-MM-DD"))
}

/// A period of whole days, both ends included.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PeriodParams {
    /// First day, `YYYY-MM-DD` (the beginning of the history when absent).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (today when absent).
    pub to: Option<String>,
}

fn period(p: &PeriodParams, today: u32) -> Result<DayRange, ApiError> {
    let from = p.from.as_deref().map(|f| day_of("from", f)).transpose()?;
    let to = p.to.as_deref().map(|t| day_of("to", t)).transpose()?;
    let range = DayRange::new(from.unwrap_or(0), to.unwrap_or(today));
    if range.from > range.to {
        return Err(ApiError::field(
            "to",
            "before_from",
            "the period ends before it starts",
        ));
    }
    Ok(range)
}

async fn build(state: &AppState, principal: &Principal) -> Result<Arc<Built>, ApiError> {
    principal.require(Action::ReadAnalytics)?;
    built(state, principal.tenant, false).await
}

#[derive(Debug, Serialize)]
pub struct SegmentRow {
    segment: &'static str,
    customers: u64,
    value_minor: i64,
    average_minor: i64,
}

#[derive(Debug, Serialize)]
pub struct ChannelLtvRow {
    channel: Channel,
    customers: u64,
    average_historic_minor: i64,
    average_predicted_minor: i64,
}

#[derive(Debug, Serialize)]
pub struct CohortRow {
    /// `YYYY-MM`.
    month: String,
    channel: Channel,
    customers: u64,
    /// Customers buying again in month +1, +2, …; `null` for months not reached yet.
    returning: Vec<Option<u64>>,
}

#[derive(Debug, Serialize)]
pub struct NpsView {
    responses: u64,
    promoters: u64,
    passives: u64,
    detractors: u64,
    nps: Option<f64>,
}

impl From<NpsScore> for NpsView {
    fn from(s: NpsScore) -> Self {
        Self {
            responses: s.responses,
            promoters: s.promoters,
            passives: s.passives,
            detractors: s.detractors,
            nps: s.nps(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ChannelNpsRow {
    channel: Channel,
    #[serde(flatten)]
    score: NpsView,
}

#[derive(Debug, Serialize)]
pub struct NpsSummary {
    #[serde(flatten)]
    overall: NpsView,
    by_channel: Vec<ChannelNpsRow>,
}

/// The customer analytics of today.
#[derive(Debug, Serialize)]
pub struct Summary {
    as_of: String,
    currency: String,
    /// Customers with a purchase.
    customers: u64,
    rfm_segments: Vec<SegmentRow>,
    ltv_by_first_channel: Vec<ChannelLtvRow>,
    cohorts: Vec<CohortRow>,
    migration: MigrationReport,
    nps: NpsSummary,
    /// How well the abandoned-cart model predicts purchases of carts it was not trained on
    /// (the latest 20 %): AUC, sizes, bought rate; `null` with fewer than two carts.
    abandoned_cart_model: Option<omni_domain::analytics::models::CartModelReport>,
    /// The five best-selling SKUs (what a cold customer is offered; the console's forecast
    /// starts with the first).
    bestsellers: Vec<String>,
    built_at: String,
}

/// RFM segments (count and value), LTV averages by first channel, monthly cohort retention,
/// channel migration (single vs multi-channel, online vs store vs both) and NPS.
#[utoipa::path(get, path = "/v1/analytics/summary", tag = "analytics", security(("api_key" = [])),
    responses((status = 200, body = Object), (status = 403, body = Problem)))]
pub async fn summary(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Summary>, ApiError> {
    let b = build(&state, &principal).await?;
    let r = &b.report;
    let n = nps(&b.dataset, DayRange::all());
    Ok(Json(Summary {
        as_of: date_of(b.as_of_day),
        currency: b.dataset.currency.clone(),
        customers: r.customers,
        rfm_segments: r
            .rfm
            .segments
            .iter()
            .map(|s| SegmentRow {
                segment: s.segment.as_str(),
                customers: s.customers,
                value_minor: s.value_minor,
                average_minor: s.average_minor(),
            })
            .collect(),
        ltv_by_first_channel: r
            .ltv
            .by_first_channel
            .iter()
            .map(|c| ChannelLtvRow {
                channel: c.channel,
                customers: c.customers,
                average_historic_minor: c.average_historic_minor(),
                average_predicted_minor: c.average_predicted_minor(),
            })
            .collect(),
        cohorts: r
            .cohorts
            .cohorts
            .iter()
            .map(|c| CohortRow {
                month: format!("{:04}-{:02}", c.month.year(), c.month.month()),
                channel: c.channel,
                customers: c.customers,
                returning: c.returning.clone(),
            })
            .collect(),
        migration: r.migration.clone(),
        nps: NpsSummary {
            overall: n.overall.into(),
            by_channel: n
                .by_channel
                .iter()
                .map(|c| ChannelNpsRow {
                    channel: c.channel,
                    score: c.score.into(),
                })
                .collect(),
        },
        abandoned_cart_model: b.cart_model.as_ref().map(|(_, report)| *report),
        bestsellers: b
            .recommender
            .popular_for(u32::MAX, 5)
            .iter()
            .map(|r| b.sku_code(r.sku).to_owned())
            .collect(),
        built_at: b.built_at.to_rfc3339(),
    }))
}

/// The recommender judged on purchases it was not trained on.
#[derive(Debug, Serialize)]
pub struct RecommenderQuality {
    /// Precision and recall are "at k".
    k: usize,
    /// First day of the held-out purchases (the latest fifth of the purchase lines).
    held_out_from: String,
    /// Every customer who bought something new from `held_out_from` on.
    all: Comparison,
    /// Those of them who had bought before (a cold customer gets bestsellers either way).
    warm: Comparison,
    /// Whether the recommender's precision at k beats the bestsellers' over all of them.
    beats_popularity: bool,
    built_at: String,
}

/// The recommender's precision and recall at 10 on held-out purchases against the
/// bestseller baseline. The first request per build computes it (seconds at chain scale).
#[utoipa::path(get, path = "/v1/analytics/recommender-quality", tag = "analytics", security(("api_key" = [])),
    responses((status = 200, body = Object), (status = 403, body = Problem)))]
pub async fn recommender_quality(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<RecommenderQuality>, ApiError> {
    let b = build(&state, &principal).await?;
    let e = b.recommender_evaluation().await?;
    Ok(Json(RecommenderQuality {
        k: e.k,
        held_out_from: if e.split_day == u32::MAX {
            String::new()
        } else {
            date_of(e.split_day)
        },
        all: e.all,
        warm: e.warm,
        beats_popularity: e.all.customers > 0
            && e.all.recommender.precision > e.all.popularity.precision,
        built_at: b.built_at.to_rfc3339(),
    }))
}

#[derive(Debug, Serialize)]
pub struct ChannelRow {
    channel: Channel,
    #[serde(flatten)]
    totals: SalesTotals,
}

#[derive(Debug, Serialize)]
pub struct StoreRow {
    /// `null`: lines no store sold or handed out (delivered orders).
    location_id: Option<String>,
    #[serde(flatten)]
    totals: SalesTotals,
}

#[derive(Debug, Serialize)]
pub struct CategoryRow {
    category: String,
    #[serde(flatten)]
    totals: SalesTotals,
}

/// Sales of a period.
#[derive(Debug, Serialize)]
pub struct SalesView {
    from: String,
    to: String,
    currency: String,
    total: SalesTotals,
    by_channel: Vec<ChannelRow>,
    by_store: Vec<StoreRow>,
    by_category: Vec<CategoryRow>,
}

fn name(names: &[String], key: u32) -> String {
    names.get(key as usize).cloned().unwrap_or_default()
}

/// Net sales (after discounts and returns), units, orders and lines of a period, in total
/// and by channel, store and category.
#[utoipa::path(get, path = "/v1/analytics/sales", tag = "analytics", security(("api_key" = [])),
    params(PeriodParams), responses((status = 200, body = Object), (status = 422, body = Problem)))]
pub async fn sales(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<PeriodParams>,
) -> Result<Json<SalesView>, ApiError> {
    let b = build(&state, &principal).await?;
    let range = period(&params, b.as_of_day)?;
    let ds = &b.dataset;
    let s = sales_breakdown(ds, range);
    Ok(Json(SalesView {
        from: date_of(range.from),
        to: date_of(range.to),
        currency: ds.currency.clone(),
        total: s.total,
        by_channel: s
            .by_channel
            .iter()
            .map(|c| ChannelRow {
                channel: c.channel,
                totals: c.totals,
            })
            .collect(),
        by_store: s
            .by_store
            .iter()
            .map(|r| StoreRow {
                location_id: r.store.map(|k| name(&ds.stores, k)),
                totals: r.totals,
            })
            .collect(),
        by_category: s
            .by_category
            .iter()
            .map(|c| CategoryRow {
                category: name(&ds.categories, c.category),
                totals: c.totals,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize)]
pub struct UpliftView {
    #[serde(flatten)]
    stats: UpliftStats,
    units_uplift_bp: Option<i64>,
    value_uplift_bp: Option<i64>,
}

impl From<UpliftStats> for UpliftView {
    fn from(stats: UpliftStats) -> Self {
        Self {
            stats,
            units_uplift_bp: stats.units_uplift_bp(),
            value_uplift_bp: stats.value_uplift_bp(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CategoryUpliftRow {
    category: String,
    cost_minor: i64,
    uplift: UpliftView,
}

/// Promotion cost and uplift of a period.
#[derive(Debug, Serialize)]
pub struct PromotionsView {
    from: String,
    to: String,
    currency: String,
    cost_minor: i64,
    orders: UpliftView,
    by_category: Vec<CategoryUpliftRow>,
}

/// What promotions cost (discounts given) and how promoted baskets compare with the rest,
/// per order and per category.
#[utoipa::path(get, path = "/v1/analytics/promotions", tag = "analytics", security(("api_key" = [])),
    params(PeriodParams), responses((status = 200, body = Object), (status = 422, body = Problem)))]
pub async fn promotions(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<PeriodParams>,
) -> Result<Json<PromotionsView>, ApiError> {
    let b = build(&state, &principal).await?;
    let range = period(&params, b.as_of_day)?;
    let ds = &b.dataset;
    let p = promotion_uplift(ds, range);
    Ok(Json(PromotionsView {
        from: date_of(range.from),
        to: date_of(range.to),
        currency: ds.currency.clone(),
        cost_minor: p.cost_minor,
        orders: p.orders.into(),
        by_category: p
            .by_category
            .iter()
            .map(|c| CategoryUpliftRow {
                category: name(&ds.categories, c.category),
                cost_minor: c.cost_minor,
                uplift: c.uplift.into(),
            })
            .collect(),
    }))
}

/// Which series to forecast and how far.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ForecastParams {
    pub sku: String,
    /// One store's demand; every channel and store together when absent.
    pub location_id: Option<String>,
    /// Weeks ahead, 1–26 (4 by default).
    pub weeks: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct WeekUnits {
    /// The Monday the week starts on.
    week_start: String,
    units: f64,
}

/// A SKU's weekly demand, its forecast, and the model's error on held-out weeks.
#[derive(Debug, Serialize)]
pub struct ForecastView {
    sku: String,
    location_id: Option<String>,
    history: Vec<WeekUnits>,
    forecast: Vec<WeekUnits>,
    /// The same model fitted without the last `weeks` weeks and scored on them, next to the
    /// seasonal-naive baseline.
    held_out: ForecastEvaluation,
}

fn week_start(week: u32) -> String {
    date_of((week * 7).saturating_sub(3))
}

/// Weekly unit demand of a SKU (at one store or everywhere) for the next weeks, by
/// exponential smoothing (with a yearly season when the history allows). 404 when the SKU
/// (at that location) has no sale in a finished week yet: the current week never counts, so
/// a partial week is not read as a slump.
#[utoipa::path(get, path = "/v1/analytics/forecast", tag = "analytics", security(("api_key" = [])),
    params(ForecastParams),
    responses((status = 200, body = Object), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn forecast(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<ForecastParams>,
) -> Result<Json<ForecastView>, ApiError> {
    let b = build(&state, &principal).await?;
    let weeks = params.weeks.unwrap_or(4);
    if !(1..=26).contains(&weeks) {
        return Err(ApiError::field(
            "weeks",
            "out_of_range",
            "weeks is from 1 to 26",
        ));
    }
    let ds = &b.dataset;
    let sku = b.sku_key(&params.sku).ok_or(ApiError::NotFound)?;
    let store = match &params.location_id {
        Some(l) => Some(
            ds.stores
                .iter()
                .position(|s| s == l)
                .ok_or(ApiError::NotFound)? as u32,
        ),
        None => None,
    };
    let lines: Vec<_> = ds
        .sales
        .iter()
        .filter(|s| s.sku == sku && (store.is_none() || s.store == store))
        .map(|s| omni_domain::analytics::Sale { store, ..*s })
        .collect();
    let this_week = week_of(b.as_of_day);
    let series = weekly_series(&lines, this_week);
    let Some(one) = series.first() else {
        return Err(ApiError::NotFound);
    };
    let ahead = forecast_weeks(&one.units, weeks);
    Ok(Json(ForecastView {
        sku: params.sku.clone(),
        location_id: params.location_id.clone(),
        history: one
            .units
            .iter()
            .enumerate()
            .map(|(i, &units)| WeekUnits {
                week_start: week_start(one.first_week + i as u32),
                units,
            })
            .collect(),
        forecast: ahead
            .iter()
            .enumerate()
            .map(|(i, &units)| WeekUnits {
                week_start: week_start(this_week + i as u32),
                units,
            })
            .collect(),
        held_out: evaluate_forecasts(&series, weeks),
    }))
}
