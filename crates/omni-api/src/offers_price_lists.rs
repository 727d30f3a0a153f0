//! `/v1/price-lists` and `/v1/price-history`: the price lists marketers keep (each saved
//! version an event, replaced with `If-Match`) and a SKU's price over time.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::offers::{PriceList, PriceListDraft, PriceListId};
use omni_kernel::Currency;
use omni_store::offers::PriceChange;
use serde::Serialize;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId};
use crate::offers::{begin, event, traded};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/price-lists",
            get(list_price_lists).post(create_price_list),
        )
        .route(
            "/price-lists/{id}",
            get(show_price_list).put(replace_price_list),
        )
        .route("/price-history/{sku}", get(price_history))
}

/// Validates and saves a price list with its event, answering `status`.
async fn save_price_list(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    (method, path): (&str, &str),
    body: JsonBody<PriceListDraft>,
    id: PriceListId,
    status: StatusCode,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageOffers)?;
    body.value.validate()?;
    traded(state, principal, body.value.currency, "currency").await?;
    let list = PriceList {
        id,
        rule: body.value,
    };
    let mut write = match begin(state, principal, headers, method, path, &body.raw).await? {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    write
        .tx
        .put_price_list(principal.tenant, &list, state.clock.now())
        .await?;
    let summary = serde_json::json!({"id": list.id, "name": list.rule.name, "entries": list.rule.prices.len()});
    let changed = event(
        principal,
        "offers.price_list.changed",
        list.id,
        &summary,
        state,
    )?;
    write.tx.record(&changed).await?;
    let location = [(header::LOCATION, format!("/v1/price-lists/{}", list.id))];
    write.finish(status, &list, &location).await
}

/// Creates a price list.
#[utoipa::path(post, path = "/v1/price-lists", tag = "offers", security(("api_key" = [])),
    request_body = PriceListDraft,
    responses((status = 201, body = PriceList), (status = 422, body = Problem)))]
pub async fn create_price_list(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<PriceListDraft>,
) -> Result<Response, ApiError> {
    let target = ("POST", "/v1/price-lists");
    save_price_list(
        &state,
        &principal,
        &headers,
        target,
        body,
        PriceListId::new(),
        StatusCode::CREATED,
    )
    .await
}

/// Replaces a price list's content.
#[utoipa::path(put, path = "/v1/price-lists/{id}", tag = "offers", security(("api_key" = [])),
    request_body = PriceListDraft, params(("id" = String, Path)),
    responses((status = 200, body = PriceList), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_price_list(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<PriceListId>,
    headers: HeaderMap,
    body: JsonBody<PriceListDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageOffers)?;
    state.store.price_list(principal.tenant, id).await?;
    let path = format!("/v1/price-lists/{id}");
    save_price_list(
        &state,
        &principal,
        &headers,
        ("PUT", &path),
        body,
        id,
        StatusCode::OK,
    )
    .await
}

/// A SKU's base and sale price changes in every price list, newest first.
#[utoipa::path(get, path = "/v1/price-history/{sku}", tag = "offers", security(("api_key" = [])),
    params(("sku" = String, Path)), responses((status = 200, body = Vec<Object>)))]
pub async fn price_history(
    State(state): State<AppState>,
    principal: Principal,
    axum::extract::Path(sku): axum::extract::Path<String>,
) -> Result<Json<Vec<PriceChange>>, ApiError> {
    principal.require(Action::PriceCarts)?;
    Ok(Json(
        state
            .store
            .price_history(principal.tenant, &sku, 200)
            .await?,
    ))
}

/// One price list.
#[utoipa::path(get, path = "/v1/price-lists/{id}", tag = "offers", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = PriceList), (status = 404, body = Problem)))]
pub async fn show_price_list(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<PriceListId>,
) -> Result<Json<PriceList>, ApiError> {
    principal.require(Action::PriceCarts)?;
    Ok(Json(state.store.price_list(principal.tenant, id).await?))
}

/// A price list without its entries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PriceListSummary {
    #[schema(value_type = String)]
    pub id: PriceListId,
    pub name: String,
    #[schema(value_type = String)]
    pub currency: Currency,
    pub priority: i32,
    pub entries: usize,
}

/// The tenant's price lists (without entries).
#[utoipa::path(get, path = "/v1/price-lists", tag = "offers", security(("api_key" = [])),
    responses((status = 200, body = Vec<PriceListSummary>)))]
pub async fn list_price_lists(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<PriceListSummary>>, ApiError> {
    principal.require(Action::PriceCarts)?;
    let lists = state.store.price_lists(principal.tenant, None).await?;
    Ok(Json(
        lists
            .into_iter()
            .map(|l| PriceListSummary {
                id: l.id,
                name: l.rule.name,
                currency: l.rule.currency,
                priority: l.rule.priority,
                entries: l.rule.prices.len(),
            })
            .collect(),
    ))
}
