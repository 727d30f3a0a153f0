//! Remote consultations over HTTP: a shopper asks for advice; every free associate with the
//! expertise, in any store, sees the request; the first to accept takes it (a conditional
//! update, so two accepting at once get one 200 and one 409); the chat is a conversation,
//! and an order placed through it is attributed to the consultant.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use omni_domain::access::{Action, Role};
use omni_domain::engagement::{
    Closer, Consultation, ConsultationDraft, ConsultationError, ConsultationId, ConsultationStatus,
    Conversation, MessageChannel, valid_skill,
};
use omni_domain::events::DomainEvent;
use omni_kernel::OrderId;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/consultations", post(request).get(open_for_me))
        .route("/consultations/skills", put(set_skills).get(my_skills))
        .route("/consultations/{id}", get(show))
        .route("/consultations/{id}/acceptance", post(accept))
        .route("/consultations/{id}/sale", post(attribute_sale))
        .route("/consultations/{id}/closure", post(close))
}

/// What an associate can advise on and whether they are free now.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Skills {
    pub skills: Vec<String>,
    pub available: bool,
}

/// Sets the calling associate's expertise and availability.
#[utoipa::path(put, path = "/v1/consultations/skills", tag = "engagement", security(("api_key" = [])),
    request_body = Skills, responses((status = 200, body = Skills), (status = 422, body = Problem)))]
pub async fn set_skills(
    State(state): State<AppState>,
    principal: Principal,
    body: JsonBody<Skills>,
) -> Result<Json<Skills>, ApiError> {
    principal.require(Action::Consult)?;
    let mut v = omni_domain::Violations::new();
    if body.value.skills.len() > 50 {
        v.push("skills", "too_long", "at most 50 skills");
    }
    for (i, s) in body.value.skills.iter().enumerate() {
        if !valid_skill(s) {
            v.push(
                format!("skills[{i}]"),
                "invalid",
                "a category code: a-z, 0-9, _ and -",
            );
        }
    }
    v.finish(())?;
    let mut tx = state.store.write().await?;
    let key = principal.key_id.to_string();
    tx.put_skills(
        principal.tenant,
        &key,
        &body.value.skills,
        body.value.available,
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(body.value))
}

/// The calling associate's expertise and availability as last set (none and unavailable
/// before the first `PUT`), so any device they sign in on shows it.
#[utoipa::path(get, path = "/v1/consultations/skills", tag = "engagement", security(("api_key" = [])),
    responses((status = 200, body = Skills), (status = 403, body = Problem)))]
pub async fn my_skills(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Skills>, ApiError> {
    principal.require(Action::Consult)?;
    let (skills, available) = state
        .store
        .skills(principal.tenant, &principal.key_id.to_string())
        .await?;
    Ok(Json(Skills { skills, available }))
}

/// Opens a request for advice, with its chat thread; matching free associates see it at once.
#[utoipa::path(post, path = "/v1/consultations", tag = "engagement", security(("api_key" = [])),
    request_body = ConsultationDraft,
    responses((status = 201, body = Consultation), (status = 422, body = Problem)))]
pub async fn request(
    State(state): State<AppState>,
    principal: Principal,
    body: JsonBody<ConsultationDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::Converse)?;
    let now = state.clock.now();
    let mut draft = body.value;
    if let Some(c) = draft.customer_id {
        draft.customer_id = Some(
            state
                .store
                .resolve_customer(principal.tenant, c)
                .await
                .map_err(|_| ApiError::field("customer_id", "not_found", "no such customer"))?
                .id,
        );
    }
    let thread = Conversation::start(
        principal.tenant,
        draft.customer_id,
        None,
        MessageChannel::AppChat,
        now,
    );
    let c = draft.open(principal.tenant, thread.id, now)?;
    let mut tx = state.store.write().await?;
    tx.save_conversation(&thread, None).await?;
    tx.insert_consultation(&c).await?;
    tx.record(&DomainEvent::new(
        principal.tenant,
        "consultation.requested",
        c.id,
        now,
        json!({"consultation_id": c.id, "skill": c.skill, "sku": c.sku, "customer_id": c.customer_id}),
    ))
    .await?;
    tx.commit().await?;
    state.events_written.notify_one();
    let location = format!("/v1/consultations/{}", c.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(c)).into_response())
}

/// Open requests matching the calling associate's expertise, oldest first — empty while they
/// are not available.
#[utoipa::path(get, path = "/v1/consultations", tag = "engagement", security(("api_key" = [])),
    responses((status = 200, body = Vec<Consultation>)))]
pub async fn open_for_me(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<Consultation>>, ApiError> {
    principal.require(Action::Consult)?;
    let (skills, available) = state
        .store
        .skills(principal.tenant, &principal.key_id.to_string())
        .await?;
    if !available {
        return Ok(Json(Vec::new()));
    }
    Ok(Json(
        state
            .store
            .open_consultations(principal.tenant, &skills, 50)
            .await?,
    ))
}

/// A request.
#[utoipa::path(get, path = "/v1/consultations/{id}", tag = "engagement", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Consultation), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<ConsultationId>,
) -> Result<Json<Consultation>, ApiError> {
    principal.require(Action::Converse)?;
    Ok(Json(state.store.consultation(principal.tenant, id).await?))
}

/// Takes a request: the first associate to accept gets it, everyone else a 409.
#[utoipa::path(post, path = "/v1/consultations/{id}/acceptance", tag = "engagement", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Consultation), (status = 409, body = Problem)))]
pub async fn accept(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<ConsultationId>,
) -> Result<Json<Consultation>, ApiError> {
    principal.require(Action::Consult)?;
    let key = principal.key_id.to_string();
    let (skills, _) = state.store.skills(principal.tenant, &key).await?;
    let mut c = state.store.consultation(principal.tenant, id).await?;
    let now = state.clock.now();
    c.accept(&key, principal.role.store(), &skills, now)
        .map_err(|e| match e {
            ConsultationError::Taken => {
                ApiError::Conflict("another associate already took this request")
            }
            ConsultationError::NotExpert | ConsultationError::NotConsultant => ApiError::Forbidden,
            ConsultationError::Closed => ApiError::Conflict("the consultation is closed"),
        })?;
    let mut tx = state.store.write().await?;
    tx.advance_consultation(
        &c,
        ConsultationStatus::Open,
        "another associate already took this request",
    )
    .await?;
    tx.record(&DomainEvent::new(
        principal.tenant,
        "consultation.accepted",
        c.id,
        now,
        json!({"consultation_id": c.id, "consultant": c.consultant, "store": c.consultant_store}),
    ))
    .await?;
    tx.commit().await?;
    state.events_written.notify_one();
    Ok(Json(c))
}

/// The order the consultation led to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleLink {
    #[schema(value_type = String)]
    pub order_id: OrderId,
}

/// Attributes an order to the consultant who took the request (only they may).
#[utoipa::path(post, path = "/v1/consultations/{id}/sale", tag = "engagement", security(("api_key" = [])),
    params(("id" = String, Path)), request_body = SaleLink,
    responses((status = 200, body = Consultation), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn attribute_sale(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<ConsultationId>,
    body: JsonBody<SaleLink>,
) -> Result<Json<Consultation>, ApiError> {
    principal.require(Action::Consult)?;
    let order = state
        .store
        .order(principal.tenant, body.value.order_id)
        .await?;
    let mut c = state.store.consultation(principal.tenant, id).await?;
    if c.consultant.as_deref() != Some(principal.key_id.to_string().as_str()) {
        return Err(ApiError::Forbidden);
    }
    c.sale = Some(order.id.to_string());
    let mut tx = state.store.write().await?;
    tx.update_consultation(&c).await?;
    tx.record(&DomainEvent::new(
        principal.tenant,
        "consultation.sale_attributed",
        c.id,
        state.clock.now(),
        json!({"consultation_id": c.id, "order_id": order.id, "consultant": c.consultant, "total": order.quote.total}),
    ))
    .await?;
    tx.commit().await?;
    Ok(Json(c))
}

/// Ends a consultation: the associate who took it closes it; the shopper's side (their app,
/// the contact center) withdraws a request nobody took yet or ends the chat. A request
/// accepted or closed meanwhile gets a 409, a closed one stays closed.
#[utoipa::path(post, path = "/v1/consultations/{id}/closure", tag = "engagement", security(("api_key" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Consultation), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn close(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<ConsultationId>,
) -> Result<Json<Consultation>, ApiError> {
    principal.require(Action::Converse)?;
    let key = principal.key_id.to_string();
    let by = match principal.role {
        Role::Associate { .. } => Closer::Consultant(&key),
        _ => Closer::Shopper,
    };
    let mut c = state.store.consultation(principal.tenant, id).await?;
    let was = c.status;
    let now = state.clock.now();
    c.close(by, now).map_err(|e| match e {
        ConsultationError::NotConsultant | ConsultationError::NotExpert => ApiError::Forbidden,
        ConsultationError::Closed | ConsultationError::Taken => {
            ApiError::Conflict("the consultation is already closed")
        }
    })?;
    let mut tx = state.store.write().await?;
    tx.advance_consultation(&c, was, "the consultation changed meanwhile; read it again")
        .await?;
    tx.record(&DomainEvent::new(
        principal.tenant,
        "consultation.closed",
        c.id,
        now,
        json!({"consultation_id": c.id, "consultant": c.consultant, "by": match by {
            Closer::Consultant(_) => "consultant",
            Closer::Shopper => "shopper",
        }}),
    ))
    .await?;
    tx.commit().await?;
    state.events_written.notify_one();
    Ok(Json(c))
}
