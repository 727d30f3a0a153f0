//! `/v1/reservations` and `/v1/transfers`: holds on stock for carts and order lines (place,
//! extend, release, commit) and stock moving between locations (dispatch, receive). Each
//! step is one transaction with its stock effect and its event.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::inventory::{
    Commitment, Reservation, ReservationDraft, ReservationId, Transfer, TransferDraft, TransferId,
};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::JsonBody;
use crate::inventory::{channel, known_location, require_store};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reservations", post(place_reservation))
        .route("/reservations/{id}", get(show_reservation))
        .route("/reservations/{id}/extension", post(extend_reservation))
        .route("/reservations/{id}/release", post(release_reservation))
        .route("/reservations/{id}/commitment", post(commit_reservation))
        .route("/transfers", post(dispatch_transfer))
        .route("/transfers/{id}", get(show_transfer))
        .route("/transfers/{id}/receipt", post(receive_transfer))
}

fn reservation_id(raw: &str) -> Result<ReservationId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

async fn begin(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    path: &str,
    raw: &[u8],
) -> Result<Result<Write, Response>, ApiError> {
    Ok(
        match Write::begin(state, principal, headers, "POST", path, raw).await? {
            Begun::Fresh(w) => Ok(w),
            Begun::Replayed(response) => Err(response),
        },
    )
}

/// Holds units of a SKU at a location; 409 when fewer are available to promise. Never
/// oversells, however many clients race. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/reservations", tag = "inventory", security(("api_key" = [])),
    request_body = ReservationDraft,
    responses((status = 201, body = Reservation), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn place_reservation(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<ReservationDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::ReserveStock)?;
    let now = state.clock.now();
    let r = body.value.into_reservation(
        principal.tenant,
        ReservationId::new(),
        channel(&principal, None),
        now,
    )?;
    let mut write = match begin(&state, &principal, &headers, "/v1/reservations", &body.raw).await?
    {
        Ok(w) => w,
        Err(replayed) => return Ok(replayed),
    };
    known_location(&mut write, &principal, r.location_id).await?;
    write.tx.place_reservation(&r).await?;
    let location = [(header::LOCATION, format!("/v1/reservations/{}", r.id))];
    write.finish(StatusCode::CREATED, &r, &location).await
}

/// One hold.
#[utoipa::path(get, path = "/v1/reservations/{id}", tag = "inventory", security(("api_key" = [])),
    params(("id" = String, Path, description = "reservation id (res_…)")),
    responses((status = 200, body = Reservation), (status = 404, body = Problem)))]
pub async fn show_reservation(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
) -> Result<Json<Reservation>, ApiError> {
    principal.require(Action::ReserveStock)?;
    Ok(Json(
        state
            .store
            .reservation(principal.tenant, reservation_id(&raw)?)
            .await?,
    ))
}

/// How long to keep holding.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub ttl_seconds: u32,
}

/// How the hold became a sale.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitRequest {
    #[serde(rename = "as")]
    pub how: Commitment,
}

/// An empty body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

enum Step {
    Extend(u32),
    Release,
    Commit(Commitment),
}

async fn step(
    state: AppState,
    principal: Principal,
    headers: HeaderMap,
    raw_id: String,
    raw: &[u8],
    s: Step,
    verb: &str,
) -> Result<Response, ApiError> {
    principal.require(Action::ReserveStock)?;
    let id = reservation_id(&raw_id)?;
    let path = format!("/v1/reservations/{id}/{verb}");
    let mut write = match begin(&state, &principal, &headers, &path, raw).await? {
        Ok(w) => w,
        Err(replayed) => return Ok(replayed),
    };
    let now = state.clock.now();
    let current = write.tx.reservation(principal.tenant, id).await?;
    let conflict = |e: omni_domain::inventory::ReservationError| match e {
        omni_domain::inventory::ReservationError::Expired => {
            ApiError::Conflict("the reservation has expired")
        }
        omni_domain::inventory::ReservationError::NotActive(_) => {
            ApiError::Conflict("the reservation is no longer active")
        }
    };
    let next = match s {
        Step::Extend(ttl) => current.extend(ttl, now)?,
        Step::Release => current.release(now).map_err(conflict)?,
        Step::Commit(how) => current.commit(how, now).map_err(conflict)?,
    };
    write.tx.advance_reservation(&next).await?;
    write.finish(StatusCode::OK, &next, &[]).await
}

/// Holds longer (checkout takes longer than planned); 409 once ended or expired.
#[utoipa::path(post, path = "/v1/reservations/{id}/extension", tag = "inventory", security(("api_key" = [])),
    request_body = Extension, params(("id" = String, Path)),
    responses((status = 200, body = Reservation), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn extend_reservation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<Extension>,
) -> Result<Response, ApiError> {
    let s = Step::Extend(body.value.ttl_seconds);
    step(state, principal, headers, id, &body.raw, s, "extension").await
}

/// Frees the units (cart abandoned, line cancelled).
#[utoipa::path(post, path = "/v1/reservations/{id}/release", tag = "inventory", security(("api_key" = [])),
    request_body = Empty, params(("id" = String, Path)),
    responses((status = 200, body = Reservation), (status = 409, body = Problem)))]
pub async fn release_reservation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<Empty>,
) -> Result<Response, ApiError> {
    step(
        state,
        principal,
        headers,
        id,
        &body.raw,
        Step::Release,
        "release",
    )
    .await
}

/// Turns the hold into a sale (pickup, shipment or POS sale): the units leave on-hand.
#[utoipa::path(post, path = "/v1/reservations/{id}/commitment", tag = "inventory", security(("api_key" = [])),
    request_body = CommitRequest, params(("id" = String, Path)),
    responses((status = 200, body = Reservation), (status = 409, body = Problem)))]
pub async fn commit_reservation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<CommitRequest>,
) -> Result<Response, ApiError> {
    let s = Step::Commit(body.value.how);
    step(state, principal, headers, id, &body.raw, s, "commitment").await
}

/// Dispatches stock to another location: off the source shelf, in transit at the destination.
#[utoipa::path(post, path = "/v1/transfers", tag = "inventory", security(("api_key" = [])),
    request_body = TransferDraft,
    responses((status = 201, body = Transfer), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn dispatch_transfer(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<TransferDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageStock)?;
    require_store(&principal, body.value.from_location_id)?;
    let now = state.clock.now();
    let t = body
        .value
        .clone()
        .dispatch(principal.tenant, TransferId::new(), now)?;
    let mut write = match begin(&state, &principal, &headers, "/v1/transfers", &body.raw).await? {
        Ok(w) => w,
        Err(replayed) => return Ok(replayed),
    };
    known_location(&mut write, &principal, t.from_location_id).await?;
    known_location(&mut write, &principal, t.to_location_id).await?;
    write.tx.dispatch_transfer(&t).await?;
    let location = [(header::LOCATION, format!("/v1/transfers/{}", t.id))];
    write.finish(StatusCode::CREATED, &t, &location).await
}

/// One transfer.
#[utoipa::path(get, path = "/v1/transfers/{id}", tag = "inventory", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Transfer), (status = 404, body = Problem)))]
pub async fn show_transfer(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
) -> Result<Json<Transfer>, ApiError> {
    principal.require(Action::ReadStock)?;
    let id: TransferId = raw.parse().map_err(|_| ApiError::NotFound)?;
    Ok(Json(state.store.transfer(principal.tenant, id).await?))
}

/// Receives a transfer at its destination (once).
#[utoipa::path(post, path = "/v1/transfers/{id}/receipt", tag = "inventory", security(("api_key" = [])),
    request_body = Empty, params(("id" = String, Path)),
    responses((status = 200, body = Transfer), (status = 409, body = Problem)))]
pub async fn receive_transfer(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: JsonBody<Empty>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageStock)?;
    let id: TransferId = raw.parse().map_err(|_| ApiError::NotFound)?;
    let path = format!("/v1/transfers/{id}/receipt");
    let mut write = match begin(&state, &principal, &headers, &path, &body.raw).await? {
        Ok(w) => w,
        Err(replayed) => return Ok(replayed),
    };
    let current = write.tx.transfer(principal.tenant, id).await?;
    require_store(&principal, current.to_location_id)?;
    let next = current
        .receive(state.clock.now())
        .map_err(|_| ApiError::Conflict("the transfer was already received"))?;
    write.tx.receive_transfer(&next).await?;
    write.finish(StatusCode::OK, &next, &[]).await
}
