//! `GET /v1/catalog/search` (shoppers and associates) and `POST /v1/catalog/imports` (bulk
//! JSON lines). Search answers from this node's index, never from SQL.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use omni_domain::access::{Action, Role};
use omni_domain::catalog::import::ImportRow;
use omni_kernel::{Channel, LocationId, TenantId};
use omni_search::{Audience, SearchRequest, SearchResults, Sort};
use omni_store::catalog::ImportReport;
use serde::Deserialize;

use crate::auth::Principal;
use crate::error::Problem;
use crate::{ApiError, AppState};

/// Search parameters. `attr` filters are `code:value` (`size:42`), repeatable as
/// `attr=size:42,color:black`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, an SKU, a barcode or an article; empty browses.
    pub q: Option<String>,
    /// Category code (matches its whole subtree).
    pub category: Option<String>,
    /// Brand code.
    pub brand: Option<String>,
    /// Comma-separated `code:value` attribute filters.
    pub attr: Option<String>,
    /// Lowest price in minor units of `currency`.
    pub price_min: Option<i64>,
    /// Price upper bound (exclusive) in minor units.
    pub price_max: Option<i64>,
    /// ISO 4217 code of prices (default RUB).
    pub currency: Option<String>,
    /// relevance, price_asc, price_desc or newest.
    #[param(value_type = Option<String>)]
    pub sort: Option<Sort>,
    /// Staff only: only what is published in this channel.
    #[param(value_type = Option<String>)]
    pub channel: Option<Channel>,
    /// Only products a location (a store, a warehouse) can sell now: available to promise
    /// there after reservations and safety stock. The associate app's "in my store" filter.
    #[param(value_type = Option<String>)]
    pub in_stock_at: Option<LocationId>,
    /// Results to skip (≤ 1000).
    pub offset: Option<usize>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<usize>,
}

/// Full-text search with Russian and English stemming, typo tolerance, synonyms, facets and
/// filters. Apps see only products published in their channel; staff also see drafts.
#[utoipa::path(get, path = "/v1/catalog/search", tag = "catalog", security(("api_key" = [])), params(SearchParams),
    responses((status = 200, description = "hits, total and facet counts", body = Object), (status = 422, body = Problem)))]
pub async fn search(
    State(state): State<AppState>,
    principal: Principal,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    principal.require(Action::ReadCatalog)?;
    let audience = match principal.role {
        Role::App { channel } => Audience::Shopper(channel),
        _ => Audience::Staff(p.channel),
    };
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            "must be between 1 and 100",
        ));
    }
    let offset = p.offset.unwrap_or(0);
    if offset > 1_000 {
        return Err(ApiError::field(
            "offset",
            "out_of_range",
            "at most 1000; narrow the search instead",
        ));
    }
    let mut attributes = Vec::new();
    for pair in p
        .attr
        .iter()
        .flat_map(|a| a.split(','))
        .filter(|s| !s.is_empty())
    {
        let (code, value) = pair
            .split_once(':')
            .ok_or_else(|| ApiError::field("attr", "invalid", "use code:value pairs"))?;
        attributes.push((code.trim().to_owned(), value.trim().to_owned()));
    }
    let request = SearchRequest {
        tenant: principal.tenant,
        audience,
        text: p.q.unwrap_or_default().chars().take(200).collect(),
        category: p.category,
        brand: p.brand,
        attributes,
        price_min: p.price_min,
        price_max: p.price_max,
        currency: p.currency.unwrap_or_else(|| "RUB".into()),
        sort: p.sort.unwrap_or_default(),
        offset,
        limit,
        in_stock_skus: match p.in_stock_at {
            Some(location) => Some(skus_available_at(&state, principal.tenant, location).await?),
            None => None,
        },
    };
    Ok(Json(
        state.search.search(&request).map_err(ApiError::internal)?,
    ))
}

/// The SKUs `location` can sell now; a location of another tenant or none at all is a 422
/// on the parameter, never an empty answer that would hide a typo.
async fn skus_available_at(
    state: &AppState,
    tenant: TenantId,
    location: LocationId,
) -> Result<Vec<String>, ApiError> {
    match state.store.location(tenant, location).await {
        Ok(_) => Ok(state.store.skus_available_at(tenant, location).await?),
        Err(omni_store::StoreError::NotFound) => Err(ApiError::field(
            "in_stock_at",
            "not_found",
            "no such location",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Imports a JSON lines body (one `ImportRow` per line, up to the body limit): rows are
/// validated one by one, good rows upserted by SKU, bad rows reported with their line and
/// reasons. Re-sending the same body changes nothing, so a retry is always safe.
#[utoipa::path(post, path = "/v1/catalog/imports", tag = "catalog", security(("api_key" = [])),
    request_body(content = String, content_type = "application/x-ndjson", description = "one ImportRow per line"),
    responses((status = 200, description = "per-row report", body = Object), (status = 403, body = Problem), (status = 413, body = Problem)))]
pub async fn import(
    State(state): State<AppState>,
    principal: Principal,
    _headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    principal.require(Action::ManageCatalog)?;
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::BadRequest {
        code: "malformed_body",
        detail: "the body is not UTF-8".into(),
    })?;
    let (rows, mut rejected) = parse_lines(text);
    let mut report = state
        .store
        .import_catalog(principal.tenant, rows, state.clock.now(), |_| {})
        .await?;
    report.rows += rejected.len();
    report.rejected.append(&mut rejected);
    report.rejected.sort_by_key(|r| r.line);
    Ok(Json(report))
}

/// Splits JSON lines into rows, reporting lines that are not a valid row.
pub fn parse_lines(
    text: &str,
) -> (
    Vec<(usize, ImportRow)>,
    Vec<omni_store::catalog::RejectedRow>,
) {
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match serde_json::from_str::<ImportRow>(line) {
            Ok(row) => rows.push((i + 1, row)),
            Err(e) => {
                let mut v = omni_domain::Violations::new();
                v.push("row", "malformed_row", e.to_string());
                rejected.push(omni_store::catalog::RejectedRow {
                    line: i + 1,
                    sku: String::new(),
                    errors: v.items().to_vec(),
                });
            }
        }
    }
    (rows, rejected)
}
