//! `/v1/stock/feeds` and `/v1/stock/counts`: smaller ERP/WMS feeds over HTTP (the CLI
//! `omni stock import` takes files of millions of rows) and RFID/cycle counts that set a
//! location's on-hand and record the variance. A request is one transaction, so an
//! `Idempotency-Key` retry replays the first report instead of applying twice.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use omni_domain::access::Action;
use omni_domain::inventory::{FeedBatcher, FeedId, FeedMode, FeedReport, FeedRow, Sku, StockError};
use omni_kernel::LocationId;
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::JsonBody;
use crate::inventory::{known_location, record_change, require_store};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/stock/feeds", post(import_feed))
}

/// Rows a single HTTP feed may carry; larger files go through `omni stock import`.
const MAX_HTTP_ROWS: usize = 20_000;
/// Lines a single count may carry.
const MAX_COUNT_LINES: usize = 5_000;

/// A feed sent over HTTP.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedRequest {
    pub mode: FeedMode,
    pub rows: Vec<FeedRow>,
}

/// Applies a snapshot or delta feed; bad rows are reported, good rows land. Honours
/// `Idempotency-Key`; re-sending a snapshot changes nothing.
#[utoipa::path(post, path = "/v1/stock/feeds", tag = "inventory", security(("api_key" = [])),
    request_body = FeedRequest,
    responses((status = 201, body = FeedReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn import_feed(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<FeedRequest>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageStock)?;
    if principal.role.store().is_some() {
        return Err(ApiError::Forbidden);
    }
    if body.value.rows.len() > MAX_HTTP_ROWS {
        return Err(ApiError::field(
            "rows",
            "too_many",
            format!("send at most {MAX_HTTP_ROWS} rows; use `omni stock import` for files"),
        ));
    }
    let mut by_ref = HashMap::new();
    for l in state.store.all_locations(principal.tenant).await? {
        by_ref.insert(l.code.clone(), l.id);
        by_ref.insert(l.id.to_string(), l.id);
    }
    let feed = FeedId::new();
    let mode = body.value.mode;
    let mut report = FeedReport {
        feed_id: feed.to_string(),
        ..Default::default()
    };
    let mut batches = Vec::new();
    let mut batcher = FeedBatcher::new(omni_store::inventory::FEED_BATCH_ROWS);
    for (i, row) in body.value.rows.iter().cloned().enumerate() {
        report.rows += 1;
        match row.check(i as u64 + 1, mode, |r| by_ref.get(r).copied()) {
            Ok(checked) => batches.extend(batcher.push(checked)),
            Err(reject) => report.reject(reject),
        }
    }
    batches.extend(batcher.finish());
    let mut write = match Write::begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/stock/feeds",
        &body.raw,
    )
    .await?
    {
        Begun::Fresh(w) => w,
        Begun::Replayed(response) => return Ok(response),
    };
    let now = state.clock.now();
    for batch in &batches {
        let rejects = write
            .tx
            .apply_feed_batch(principal.tenant, feed, mode, batch, now)
            .await?;
        report.applied += (batch.len() - rejects.len()) as u64;
        rejects.into_iter().for_each(|r| report.reject(r));
    }
    report.rejects.sort_by_key(|r| r.row);
    write.finish(StatusCode::CREATED, &report, &[]).await
}

/// A count of one location: what is on the shelf, SKU by SKU.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountRequest {
    pub location_id: LocationId,
    pub lines: Vec<CountLine>,
    /// E.g. the RFID scan or count sheet id.
    pub reference: Option<String>,
}

/// One counted SKU.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountLine {
    #[schema(value_type = String)]
    pub sku: Sku,
    pub counted: i64,
}

/// What a count changed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CountResult {
    pub location_id: LocationId,
    pub lines: Vec<CountedLine>,
}

/// One line's outcome: the variance recorded, or why it was refused.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CountedLine {
    #[schema(value_type = String)]
    pub sku: Sku,
    pub previous: i64,
    pub counted: i64,
    pub variance: i64,
    /// `applied`, `unchanged` or `rejected`.
    pub status: &'static str,
    pub reason: Option<String>,
}

/// Sets on-hand from a physical or RFID count and records each variance as a count movement.
#[utoipa::path(post, path = "/v1/stock/counts", tag = "inventory", security(("api_key" = [])),
    request_body = CountRequest,
    responses((status = 201, body = CountResult), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn record_count(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<CountRequest>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageStock)?;
    let req = &body.value;
    require_store(&principal, req.location_id)?;
    if req.lines.is_empty() || req.lines.len() > MAX_COUNT_LINES {
        return Err(ApiError::field(
            "lines",
            "out_of_range",
            format!("send 1–{MAX_COUNT_LINES} lines"),
        ));
    }
    let mut write = match Write::begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/stock/counts",
        &body.raw,
    )
    .await?
    {
        Begun::Fresh(w) => w,
        Begun::Replayed(response) => return Ok(response),
    };
    known_location(&mut write, &principal, req.location_id).await?;
    let now = state.clock.now();
    let mut lines = Vec::with_capacity(req.lines.len());
    for line in &req.lines {
        let level = write
            .tx
            .stock_level(principal.tenant, &line.sku, req.location_id)
            .await?;
        let mut out = CountedLine {
            sku: line.sku.clone(),
            previous: level.on_hand,
            counted: line.counted,
            variance: line.counted - level.on_hand,
            status: "unchanged",
            reason: None,
        };
        match level.count(line.counted) {
            Ok(None) => {}
            Ok(Some(m)) => {
                let reference = req.reference.as_deref();
                write
                    .tx
                    .apply_movement(
                        principal.tenant,
                        &line.sku,
                        req.location_id,
                        m,
                        reference,
                        now,
                    )
                    .await?;
                out.status = "applied";
            }
            Err(e @ (StockError::BelowReserved | StockError::NonPositive)) => {
                out.status = "rejected";
                out.reason = Some(e.to_string());
            }
            Err(e) => return Err(ApiError::internal(e)),
        }
        lines.push(out);
    }
    let result = CountResult {
        location_id: req.location_id,
        lines,
    };
    record_change(&mut write, &principal, "stock.counted", &result, now).await?;
    write.finish(StatusCode::CREATED, &result, &[]).await
}
