//! `/v1/customer-merges`: the review queue of proposed merges, approving or rejecting them,
//! and reversing a merge that turned out wrong.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::customers::{Merge, MergeId, MergeStatus};
use omni_domain::events::DomainEvent;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::customers_link::{perform, reverse};
use crate::error::Problem;
use crate::extract::PathId;
use crate::pagination::{List, ListParams};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/customer-merges", get(list_merges))
        .route("/customer-merges/{id}/approval", post(approve_merge))
        .route("/customer-merges/{id}/rejection", post(reject_merge))
        .route("/customer-merges/{id}/reversal", post(reverse_merge))
}

/// Merge list filter.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MergeQuery {
    /// Only merges in this status (`proposed` for the review queue).
    pub status: Option<MergeStatus>,
}

/// Lists merges (the review queue with `status=proposed`).
#[utoipa::path(get, path = "/v1/customer-merges", tag = "customers", security(("api_key" = [])),
    params(ListParams, MergeQuery), responses((status = 200, body = List<Merge>), (status = 403, body = Problem)))]
pub async fn list_merges(
    State(state): State<AppState>,
    principal: Principal,
    Query(page): Query<ListParams>,
    Query(q): Query<MergeQuery>,
) -> Result<Json<List<Merge>>, ApiError> {
    principal.require(Action::EditCustomers)?;
    let page = state
        .store
        .merges(principal.tenant, q.status, page.cursor()?, page.limit()?)
        .await?;
    Ok(Json(page.into()))
}

enum Step {
    Approve,
    Reject,
    Reverse,
}

async fn step(
    state: AppState,
    principal: Principal,
    id: MergeId,
    headers: HeaderMap,
    what: Step,
    verb: &str,
) -> Result<Response, ApiError> {
    principal.require(Action::EditCustomers)?;
    let now = state.clock.now();
    let path = format!("/v1/customer-merges/{id}/{verb}");
    let mut write = match Write::begin(&state, &principal, &headers, "POST", &path, b"").await? {
        Begun::Fresh(w) => w,
        Begun::Replayed(r) => return Ok(r),
    };
    let (m, before) = write.tx.merge(principal.tenant, id).await?;
    let conflict = |_| ApiError::Conflict("the merge is not in a state that allows this");
    let next = match what {
        Step::Approve => {
            let next = m.approve(now).map_err(conflict)?;
            let before = write.tx.customer(principal.tenant, next.survivor).await?;
            write.tx.update_merge(&next, Some(&before)).await?;
            perform(&mut write.tx, &next, now).await?;
            next
        }
        Step::Reject => {
            let next = m.reject(now).map_err(conflict)?;
            write.tx.update_merge(&next, None).await?;
            write
                .tx
                .record(&DomainEvent::new(
                    principal.tenant,
                    "customer.merge_rejected",
                    next.id,
                    now,
                    json!({"merge_id": next.id}),
                ))
                .await?;
            next
        }
        Step::Reverse => {
            let next = m.unmerge(now).map_err(conflict)?;
            write.tx.update_merge(&next, None).await?;
            reverse(&mut write.tx, &next, before, now).await?;
            next
        }
    };
    write.finish(StatusCode::OK, &next, &[]).await
}

/// Approves a proposed merge: the two profiles become one golden record.
#[utoipa::path(post, path = "/v1/customer-merges/{id}/approval", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "merge id (mrg_…)")),
    responses((status = 200, body = Merge), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn approve_merge(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<MergeId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    step(state, principal, id, headers, Step::Approve, "approval").await
}

/// Rejects a proposed merge: the profiles stay apart.
#[utoipa::path(post, path = "/v1/customer-merges/{id}/rejection", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "merge id")),
    responses((status = 200, body = Merge), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn reject_merge(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<MergeId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    step(state, principal, id, headers, Step::Reject, "rejection").await
}

/// Reverses a merge: both profiles are restored and what belonged to each is re-linked.
#[utoipa::path(post, path = "/v1/customer-merges/{id}/reversal", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "merge id")),
    responses((status = 200, body = Merge), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn reverse_merge(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<MergeId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    step(state, principal, id, headers, Step::Reverse, "reversal").await
}
