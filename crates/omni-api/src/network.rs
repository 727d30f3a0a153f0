//! `/v1/locations`: the chain's stores, warehouses and pickup points.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::events::DomainEvent;
use omni_domain::network::{Location, LocationDraft, LocationKind, LocationPatch};
use omni_kernel::LocationId;
use omni_store::locations::LocationFilter;
use serde::Deserialize;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{IfMatch, JsonBody, PathId, etag};
use crate::pagination::{List, ListParams};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/locations", get(list_locations).post(create_location))
        .route("/locations/{id}", get(show_location).patch(update_location))
}

/// Location list filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocationQuery {
    /// Only this kind of location.
    pub kind: Option<LocationKind>,
}

/// Lists the tenant's locations in creation order.
#[utoipa::path(get, path = "/v1/locations", tag = "locations", security(("api_key" = [])),
    params(ListParams, LocationQuery),
    responses((status = 200, body = List<Location>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list_locations(
    State(state): State<AppState>,
    principal: Principal,
    Query(page): Query<ListParams>,
    Query(query): Query<LocationQuery>,
) -> Result<Json<List<Location>>, ApiError> {
    principal.require(Action::ReadLocations)?;
    let filter = LocationFilter {
        kind: query.kind,
        starting_after: page.cursor()?,
        limit: page.limit()?,
    };
    Ok(Json(
        state
            .store
            .locations(principal.tenant, &filter)
            .await?
            .into(),
    ))
}

/// One location, with its version as the ETag.
#[utoipa::path(get, path = "/v1/locations/{id}", tag = "locations", security(("api_key" = [])),
    params(("id" = String, Path, description = "location id (loc_…)")),
    responses((status = 200, body = Location), (status = 404, body = Problem)))]
pub async fn show_location(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<LocationId>,
) -> Result<Response, ApiError> {
    principal.require(Action::ReadLocations)?;
    let location = state.store.location(principal.tenant, id).await?;
    Ok(([(header::ETAG, etag(location.version))], Json(location)).into_response())
}

/// Creates a location. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/locations", tag = "locations", security(("api_key" = [])),
    request_body = LocationDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe creation")),
    responses((status = 201, body = Location), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_location(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<LocationDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageLocations)?;
    let tenant = state.store.tenant(principal.tenant).await?;
    let now = state.clock.now();
    let location = body.value.into_location(&tenant, LocationId::new(), now)?;
    let mut write = match Write::begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/locations",
        &body.raw,
    )
    .await?
    {
        Begun::Fresh(w) => w,
        Begun::Replayed(response) => return Ok(response),
    };
    write.tx.insert_location(&location).await?;
    let data = serde_json::to_value(&location).map_err(ApiError::internal)?;
    write
        .tx
        .record(&DomainEvent::new(
            tenant.id,
            "location.created",
            location.id,
            now,
            data,
        ))
        .await?;
    let headers = [
        (header::ETAG, etag(location.version)),
        (header::LOCATION, format!("/v1/locations/{}", location.id)),
    ];
    write.finish(StatusCode::CREATED, &location, &headers).await
}

/// Changes a location. Requires `If-Match` with the ETag read before (412 if stale, 428 if absent).
#[utoipa::path(patch, path = "/v1/locations/{id}", tag = "locations", security(("api_key" = [])),
    request_body = LocationPatch,
    params(("id" = String, Path, description = "location id"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    responses((status = 200, body = Location), (status = 412, body = Problem), (status = 428, body = Problem), (status = 422, body = Problem)))]
pub async fn update_location(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<LocationId>,
    IfMatch(expected): IfMatch,
    headers: HeaderMap,
    body: JsonBody<LocationPatch>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageLocations)?;
    let path = format!("/v1/locations/{id}");
    let mut write =
        match Write::begin(&state, &principal, &headers, "PATCH", &path, &body.raw).await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(response) => return Ok(response),
        };
    let current = write.tx.location(principal.tenant, id).await?;
    if current.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    let now = state.clock.now();
    let next = current.apply(body.value, now)?;
    write.tx.update_location(&next, expected).await?;
    let data = serde_json::to_value(&next).map_err(ApiError::internal)?;
    write
        .tx
        .record(&DomainEvent::new(
            principal.tenant,
            "location.updated",
            id,
            now,
            data,
        ))
        .await?;
    write
        .finish(StatusCode::OK, &next, &[(header::ETAG, etag(next.version))])
        .await
}
