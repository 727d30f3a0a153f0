//! Trigger chains over HTTP: marketers define "IF event AND conditions, WAIT, THEN action,
//! UNLESS …" as data (`PUT` with `If-Match`), see the runs waiting and read the firing log —
//! every send, gift, deferral and drop with its reason. The worker
//! ([`crate::engagement_worker`]) picks changes up on every node within a round.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::engagement::{FiringRecord, Run, TriggerChain};
use omni_kernel::CustomerId;
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{IfMatch, JsonBody, etag};
use crate::pagination::List;
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/engagement/triggers", get(list))
        .route("/engagement/triggers/runs", get(runs))
        .route("/engagement/triggers/firings", get(firings))
        .route("/engagement/triggers/{id}", get(show).put(put))
}

/// A chain with its version (the `If-Match` its next change names).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionedChain {
    pub chain: TriggerChain,
    pub version: i64,
}

/// The tenant's chains.
#[utoipa::path(get, path = "/v1/engagement/triggers", tag = "engagement", security(("api_key" = [])),
    responses((status = 200, body = [VersionedChain])))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<VersionedChain>>, ApiError> {
    principal.require(Action::ManageTriggers)?;
    let chains = state.store.trigger_chains(principal.tenant).await?;
    Ok(Json(
        chains
            .into_iter()
            .map(|c| VersionedChain {
                chain: c.chain,
                version: c.version,
            })
            .collect(),
    ))
}

/// One chain; the ETag is its version.
#[utoipa::path(get, path = "/v1/engagement/triggers/{id}", tag = "engagement", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = TriggerChain), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageTriggers)?;
    let chains = state.store.trigger_chains(principal.tenant).await?;
    let found = chains
        .into_iter()
        .find(|c| c.chain.id == id)
        .ok_or(ApiError::NotFound)?;
    Ok(([(header::ETAG, etag(found.version))], Json(found.chain)).into_response())
}

/// Creates (`If-Match: "0"`) or replaces (`If-Match` with the version read) a chain. Turning
/// `active` off stops new runs; the waiting ones are dropped when due.
#[utoipa::path(put, path = "/v1/engagement/triggers/{id}", tag = "engagement", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = TriggerChain,
    responses((status = 200, body = TriggerChain), (status = 201, body = TriggerChain),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn put(
    State(state): State<AppState>,
    principal: Principal,
    axum::extract::Path(id): axum::extract::Path<String>,
    IfMatch(expected): IfMatch,
    body: JsonBody<TriggerChain>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageTriggers)?;
    let chain = body.value;
    let mut v = omni_domain::Violations::new();
    if chain.id != id {
        v.push("id", "mismatch", "must equal the id in the path");
    }
    v.finish(())?;
    chain.validate()?;
    let mut tx = state.store.write().await?;
    let expected = (expected != 0).then_some(expected);
    let version = tx
        .put_trigger_chain(principal.tenant, &chain, expected, state.clock.now())
        .await?;
    tx.commit().await?;
    let status = if expected.is_none() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, [(header::ETAG, etag(version))], Json(chain)).into_response())
}

/// Which waiting runs to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    pub chain_id: Option<String>,
    pub customer_id: Option<CustomerId>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<usize>,
}

/// Runs waiting to fire, soonest first.
#[utoipa::path(get, path = "/v1/engagement/triggers/runs", tag = "engagement", security(("api_key" = [])),
    params(RunQuery), responses((status = 200, body = [Run])))]
pub async fn runs(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<RunQuery>,
) -> Result<Json<Vec<Run>>, ApiError> {
    principal.require(Action::ManageTriggers)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let runs = state
        .store
        .trigger_runs(
            principal.tenant,
            q.chain_id.as_deref(),
            q.customer_id,
            limit,
        )
        .await?;
    Ok(Json(runs))
}

/// Which firings to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiringQuery {
    pub customer_id: Option<CustomerId>,
    /// The last id of the previous page (the log runs newest first).
    pub starting_after: Option<String>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<usize>,
}

/// The firing log, newest first: what was sent, applied, deferred or dropped, and why.
#[utoipa::path(get, path = "/v1/engagement/triggers/firings", tag = "engagement", security(("api_key" = [])),
    params(FiringQuery), responses((status = 200, body = List<FiringRecord>)))]
pub async fn firings(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<FiringQuery>,
) -> Result<Json<List<FiringRecord>>, ApiError> {
    principal.require(Action::ManageTriggers)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let page = state
        .store
        .trigger_firings(
            principal.tenant,
            q.customer_id,
            q.starting_after.as_deref(),
            limit,
        )
        .await?;
    Ok(Json(page.into()))
}
