//! `/v1/segments`: rule-based customer segments. Marketers define them (no personal data
//! crosses this API: members are ids), they are evaluated for one customer in real time and
//! materialised for the whole base over a columnar snapshot.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::customers::{Customer, Facts, Segment, SegmentDraft, SegmentId};
use omni_domain::events::DomainEvent;
use omni_kernel::CustomerId;
use serde::Serialize;
use serde_json::json;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId};
use crate::pagination::{List, ListParams};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/segments", get(list_segments).post(create_segment))
        .route("/segments/{id}", get(show_segment))
        .route("/segments/{id}/materialization", post(materialize_segment))
        .route("/segments/{id}/members", get(list_members))
        .route("/customers/{id}/segments", get(customer_segments))
}

/// Defines a segment. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/segments", tag = "segments", security(("api_key" = [])),
    request_body = SegmentDraft,
    responses((status = 201, body = Segment), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_segment(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<SegmentDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageSegments)?;
    body.value.validate()?;
    let now = state.clock.now();
    let segment = Segment {
        id: SegmentId::new(),
        name: body.value.name.clone(),
        rule: body.value.rule.clone(),
        member_count: None,
        materialized_at: None,
        created_at: now,
    };
    let mut write = match Write::begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/segments",
        &body.raw,
    )
    .await?
    {
        Begun::Fresh(w) => w,
        Begun::Replayed(r) => return Ok(r),
    };
    write.tx.insert_segment(principal.tenant, &segment).await?;
    write
        .tx
        .record(&DomainEvent::new(
            principal.tenant,
            "segment.created",
            segment.id,
            now,
            json!({"segment_id": segment.id, "name": segment.name}),
        ))
        .await?;
    let headers = [(header::LOCATION, format!("/v1/segments/{}", segment.id))];
    write.finish(StatusCode::CREATED, &segment, &headers).await
}

/// Lists the tenant's segments.
#[utoipa::path(get, path = "/v1/segments", tag = "segments", security(("api_key" = [])),
    responses((status = 200, body = List<Segment>)))]
pub async fn list_segments(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<List<Segment>>, ApiError> {
    principal.require(Action::ManageSegments)?;
    let data = state.store.segments(principal.tenant).await?;
    Ok(Json(List {
        data,
        has_more: false,
    }))
}

/// One segment with its last materialisation.
#[utoipa::path(get, path = "/v1/segments/{id}", tag = "segments", security(("api_key" = [])),
    params(("id" = String, Path, description = "segment id (seg_…)")),
    responses((status = 200, body = Segment), (status = 404, body = Problem)))]
pub async fn show_segment(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<SegmentId>,
) -> Result<Json<Segment>, ApiError> {
    principal.require(Action::ManageSegments)?;
    Ok(Json(state.store.segment(principal.tenant, id).await?))
}

/// The outcome of a materialisation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Materialization {
    pub segment_id: SegmentId,
    pub member_count: i64,
    /// Customers evaluated.
    pub base_size: i64,
    /// Time to bring this node's snapshot of the base up to date and evaluate the rule.
    pub evaluate_ms: u64,
    /// Time to store the members.
    pub store_ms: u64,
    /// Whether the whole base was read for this call (the first on a node, or after a bulk
    /// import); otherwise only the customers changed since were.
    pub snapshot_loaded: bool,
    /// Customers re-read because they changed since the snapshot was last brought up to date.
    pub refreshed_customers: i64,
}

/// Evaluates the segment over the whole base, as of this call, and stores its members.
#[utoipa::path(post, path = "/v1/segments/{id}/materialization", tag = "segments", security(("api_key" = [])),
    params(("id" = String, Path, description = "segment id")),
    responses((status = 200, body = Materialization), (status = 404, body = Problem)))]
pub async fn materialize_segment(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<SegmentId>,
) -> Result<Json<Materialization>, ApiError> {
    principal.require(Action::ManageSegments)?;
    let segment = state.store.segment(principal.tenant, id).await?;
    let started = std::time::Instant::now();
    let evaluation = state
        .segment_snapshots
        .evaluate(&state.store, principal.tenant, &segment.rule)
        .await?;
    let evaluate_ms = started.elapsed().as_millis() as u64;
    let members = &evaluation.members;
    let now = state.clock.now();
    let mut tx = state.store.write().await?;
    tx.replace_segment_members(principal.tenant, id, members, now)
        .await?;
    tx.record(&DomainEvent::new(
        principal.tenant,
        "segment.materialized",
        id,
        now,
        json!({"segment_id": id, "member_count": members.len()}),
    ))
    .await?;
    tx.commit().await?;
    state.events_written.notify_one();
    Ok(Json(Materialization {
        segment_id: id,
        member_count: members.len() as i64,
        base_size: evaluation.base_size as i64,
        evaluate_ms,
        store_ms: started.elapsed().as_millis() as u64 - evaluate_ms,
        snapshot_loaded: evaluation.loaded,
        refreshed_customers: evaluation.refreshed as i64,
    }))
}

/// A page of a segment's materialised members (ids only).
#[utoipa::path(get, path = "/v1/segments/{id}/members", tag = "segments", security(("api_key" = [])),
    params(("id" = String, Path, description = "segment id"), ListParams),
    responses((status = 200, body = List<CustomerId>), (status = 404, body = Problem)))]
pub async fn list_members(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<SegmentId>,
    Query(page): Query<ListParams>,
) -> Result<Json<List<CustomerId>>, ApiError> {
    principal.require(Action::ManageSegments)?;
    state.store.segment(principal.tenant, id).await?;
    let page = state
        .store
        .segment_members(principal.tenant, id, page.cursor()?, page.limit()?)
        .await?;
    Ok(Json(page.into()))
}

/// The segments one customer belongs to, evaluated now (not the last materialisation).
pub async fn segments_for(
    state: &AppState,
    principal: &Principal,
    c: &Customer,
) -> Result<Vec<SegmentId>, ApiError> {
    let bits =
        omni_domain::customers::consent_bits(&state.store.consents(principal.tenant, c.id).await?);
    let facts = Facts {
        tier: c.tier,
        city: c.city.as_deref(),
        spent_90d: c.spent_90d,
        points: c.points_balance,
        consents: bits,
    };
    let segments = state.store.segments(principal.tenant).await?;
    Ok(segments
        .into_iter()
        .filter(|s| s.rule.matches(&facts))
        .map(|s| s.id)
        .collect())
}

/// The segments a customer belongs to right now, evaluated in real time.
#[utoipa::path(get, path = "/v1/customers/{id}/segments", tag = "segments", security(("api_key" = [])),
    params(("id" = String, Path, description = "customer id")),
    responses((status = 200, body = List<SegmentId>), (status = 404, body = Problem)))]
pub async fn customer_segments(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
) -> Result<Json<List<SegmentId>>, ApiError> {
    if !principal.role.allows(Action::ManageSegments) {
        principal.require(Action::ReadCustomers)?;
    }
    let c = state.store.resolve_customer(principal.tenant, id).await?;
    let data = if c.status == omni_domain::customers::CustomerStatus::Active {
        segments_for(&state, &principal, &c).await?
    } else {
        Vec::new()
    };
    Ok(Json(List {
        data,
        has_more: false,
    }))
}
