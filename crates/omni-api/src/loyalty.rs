//! `/v1/loyalty/program` and a customer's points: the programme marketers set per currency,
//! the statement every channel shows, and goodwill gifts.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::offers::LoyaltyProgram;
use omni_domain::offers::points::Balance;
use omni_kernel::{Currency, CustomerId};
use omni_store::offers::PointsStatement;
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId};
use crate::offers::{begin, event, traded};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/loyalty/program", get(show_program).put(replace_program))
        .route("/customers/{id}/points", get(show_points))
        .route("/customers/{id}/points/gifts", post(gift_points))
}

/// Which currency's programme.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ProgramParams {
    pub currency: Option<String>,
}

async fn program_currency(
    state: &AppState,
    principal: &Principal,
    raw: Option<String>,
) -> Result<Currency, ApiError> {
    match raw {
        Some(c) => {
            Currency::parse(&c).map_err(|e| ApiError::field("currency", "invalid", e.to_string()))
        }
        None => {
            let t = state.store.tenant(principal.tenant).await?;
            t.countries
                .first()
                .map(|c| c.currency)
                .ok_or(ApiError::Conflict("the tenant has no country"))
        }
    }
}

/// The loyalty programme (the standard one until a marketer sets it).
#[utoipa::path(get, path = "/v1/loyalty/program", tag = "offers", security(("api_key" = [])),
    params(ProgramParams), responses((status = 200, body = LoyaltyProgram)))]
pub async fn show_program(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<ProgramParams>,
) -> Result<Json<LoyaltyProgram>, ApiError> {
    principal.require(Action::PriceCarts)?;
    let currency = program_currency(&state, &principal, params.currency).await?;
    let program = state
        .store
        .loyalty_program(principal.tenant, currency)
        .await?;
    Ok(Json(
        program.unwrap_or_else(|| LoyaltyProgram::standard(currency)),
    ))
}

/// Sets the loyalty programme of its currency.
#[utoipa::path(put, path = "/v1/loyalty/program", tag = "offers", security(("api_key" = [])),
    request_body = LoyaltyProgram, responses((status = 200, body = LoyaltyProgram), (status = 422, body = Problem)))]
pub async fn replace_program(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<LoyaltyProgram>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageOffers)?;
    body.value.validate()?;
    traded(&state, &principal, body.value.currency, "currency").await?;
    let mut write = match begin(
        &state,
        &principal,
        &headers,
        "PUT",
        "/v1/loyalty/program",
        &body.raw,
    )
    .await?
    {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    write
        .tx
        .put_loyalty_program(principal.tenant, &body.value, state.clock.now())
        .await?;
    write
        .tx
        .record(&event(
            &principal,
            "offers.loyalty_program.changed",
            body.value.currency.code(),
            &body.value,
            &state,
        )?)
        .await?;
    write.finish(StatusCode::OK, &body.value, &[]).await
}

/// A member's balance and latest postings.
#[utoipa::path(get, path = "/v1/customers/{id}/points", tag = "offers", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Object), (status = 404, body = Problem)))]
pub async fn show_points(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
) -> Result<Json<PointsStatement>, ApiError> {
    principal.require(Action::ReadCustomers)?;
    state.store.customer(principal.tenant, id).await?;
    Ok(Json(
        state
            .store
            .points_statement(principal.tenant, id, state.clock.now(), 50)
            .await?,
    ))
}

/// Goodwill points.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Gift {
    pub points: i64,
    /// Why (shown in the statement), e.g. `birthday-2026` or a complaint number.
    pub reason: String,
}

/// Gives points usable at once (birthday, goodwill). Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/customers/{id}/points/gifts", tag = "offers", security(("api_key" = [])),
    request_body = Gift, params(("id" = String, Path)),
    responses((status = 201, body = Object), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn gift_points(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
    headers: HeaderMap,
    body: JsonBody<Gift>,
) -> Result<Response, ApiError> {
    principal.require(Action::GiftPoints)?;
    let mut v = omni_domain::Violations::new();
    if !(1..=1_000_000).contains(&body.value.points) {
        v.push("points", "out_of_range", "between 1 and 1000000");
    }
    v.text("reason", &body.value.reason, 200);
    v.finish(())?;
    state.store.customer(principal.tenant, id).await?;
    let currency = program_currency(&state, &principal, None).await?;
    let program = state
        .store
        .loyalty_program(principal.tenant, currency)
        .await?
        .unwrap_or_else(|| LoyaltyProgram::standard(currency));
    let path = format!("/v1/customers/{id}/points/gifts");
    let mut write = match begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    let now = state.clock.now();
    let balance: Balance = write
        .tx
        .gift_points(
            principal.tenant,
            id,
            &program,
            body.value.points,
            &body.value.reason,
            now,
        )
        .await?;
    write
        .tx
        .record(&event(
            &principal,
            "offers.points.gifted",
            id,
            &body.value,
            &state,
        )?)
        .await?;
    write.finish(StatusCode::CREATED, &balance, &[]).await
}
