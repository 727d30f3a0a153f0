//! A customer's timeline and consents: appending interactions, reading them paginated and
//! filtered, recording consent changes, and the contact-permission question other contexts ask.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use omni_domain::Violations;
use omni_domain::access::{Action, Role};
use omni_domain::customers::{
    ConsentChange, ConsentRecord, ContactChannel, ContactDecision, CustomerStatus, InteractionKind,
    Purpose, QuietHours, TimelineDraft, TimelineEntry, TimelineEntryId, consent_bits,
};
use omni_domain::events::DomainEvent;
use omni_kernel::{Channel, CustomerId};
use omni_store::customers::TimelineFilter;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId};
use crate::pagination::{List, ListParams};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/customers/{id}/timeline",
            get(list_timeline).post(append_timeline),
        )
        .route(
            "/customers/{id}/consents",
            get(show_consents).put(change_consents),
        )
        .route(
            "/customers/{id}/contact-permission",
            get(contact_permission),
        )
}

/// The channel an entry is recorded on: an app always records its own; staff default to theirs.
pub fn entry_channel(p: &Principal, requested: Option<Channel>) -> Channel {
    match p.role {
        Role::App { channel } => channel,
        Role::Associate { .. } => requested.unwrap_or(Channel::AssociateApp),
        Role::Agent => requested.unwrap_or(Channel::CallCenter),
        Role::Admin | Role::Marketer => requested.unwrap_or(Channel::Web),
    }
}

/// Appends an interaction to a customer's timeline (merged ids resolve to the survivor).
#[utoipa::path(post, path = "/v1/customers/{id}/timeline", tag = "customers", security(("api_key" = [])),
    request_body = TimelineDraft, params(("id" = String, Path, description = "customer id")),
    responses((status = 201, body = TimelineEntry), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn append_timeline(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
    headers: HeaderMap,
    body: JsonBody<TimelineDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::WriteCustomers)?;
    let now = state.clock.now();
    let path = format!("/v1/customers/{id}/timeline");
    let mut write =
        match Write::begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(r) => return Ok(r),
        };
    let c = write.tx.resolve_customer(principal.tenant, id).await?;
    if c.status != CustomerStatus::Active {
        return Err(ApiError::NotFound);
    }
    let channel = entry_channel(&principal, body.value.channel);
    let entry = body
        .value
        .clone()
        .into_entry(Some(c.id), None, channel, now)?;
    write.tx.insert_timeline(principal.tenant, &entry).await?;
    write
        .tx
        .record(&DomainEvent::new(principal.tenant, "customer.interaction_recorded", c.id, now, json!({
            "entry_id": entry.id, "customer_id": c.id, "kind": entry.kind, "channel": entry.channel,
        })))
        .await?;
    write.finish(StatusCode::CREATED, &entry, &[]).await
}

/// Timeline filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    pub kind: Option<InteractionKind>,
    pub channel: Option<Channel>,
}

/// A page of a customer's timeline, oldest first, filterable by kind and channel.
#[utoipa::path(get, path = "/v1/customers/{id}/timeline", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "customer id"), ListParams, TimelineQuery),
    responses((status = 200, body = List<TimelineEntry>), (status = 404, body = Problem)))]
pub async fn list_timeline(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
    Query(page): Query<ListParams>,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<List<TimelineEntry>>, ApiError> {
    principal.require(Action::ReadCustomers)?;
    let c = state.store.resolve_customer(principal.tenant, id).await?;
    let filter = TimelineFilter {
        kind: q.kind,
        channel: q.channel,
        starting_after: page.cursor::<TimelineEntryId>()?,
        limit: page.limit()?,
    };
    Ok(Json(
        state
            .store
            .timeline(principal.tenant, c.id, &filter)
            .await?
            .into(),
    ))
}

/// Consent changes to record, and optionally contact preferences.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentsRequest {
    #[serde(default)]
    pub changes: Vec<ConsentChange>,
    pub preferred_channel: Option<ContactChannel>,
    pub quiet_hours: Option<QuietHours>,
}

/// Consents in force, their history and contact preferences.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsentsView {
    pub customer_id: CustomerId,
    /// Granted (purpose, channel) pairs in force now.
    pub in_force: Vec<ConsentRecord>,
    pub history: Vec<ConsentRecord>,
    pub preferred_channel: Option<ContactChannel>,
    pub quiet_hours: Option<QuietHours>,
}

fn consents_view(
    c: &omni_domain::customers::Customer,
    history: Vec<ConsentRecord>,
) -> ConsentsView {
    let mut in_force: Vec<ConsentRecord> = Vec::new();
    for r in history.iter().rev() {
        if !in_force
            .iter()
            .any(|x| x.purpose == r.purpose && x.channel == r.channel)
        {
            in_force.push(r.clone());
        }
    }
    in_force.retain(|r| r.granted);
    in_force.sort_by_key(|r| (r.purpose, r.channel));
    ConsentsView {
        customer_id: c.id,
        in_force,
        history,
        preferred_channel: c.preferred_channel,
        quiet_hours: c.quiet_hours,
    }
}

/// A customer's consents.
#[utoipa::path(get, path = "/v1/customers/{id}/consents", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "customer id")),
    responses((status = 200, body = ConsentsView), (status = 404, body = Problem)))]
pub async fn show_consents(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
) -> Result<Json<ConsentsView>, ApiError> {
    principal.require(Action::ReadCustomers)?;
    let c = state.store.resolve_customer(principal.tenant, id).await?;
    let history = state.store.consents(principal.tenant, c.id).await?;
    Ok(Json(consents_view(&c, history)))
}

/// Records consent changes (given or withdrawn, when, where, how) and contact preferences.
#[utoipa::path(put, path = "/v1/customers/{id}/consents", tag = "customers", security(("api_key" = [])),
    request_body = ConsentsRequest, params(("id" = String, Path, description = "customer id")),
    responses((status = 200, body = ConsentsView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn change_consents(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
    headers: HeaderMap,
    body: JsonBody<ConsentsRequest>,
) -> Result<Response, ApiError> {
    principal.require(Action::WriteCustomers)?;
    let now = state.clock.now();
    let source = entry_channel(&principal, None);
    let mut v = Violations::new();
    let records: Vec<ConsentRecord> = body
        .value
        .changes
        .iter()
        .enumerate()
        .map(|(i, ch)| {
            ch.clone()
                .record(source, now, &format!("changes[{i}]"), &mut v)
        })
        .collect();
    v.finish(())?;
    let path = format!("/v1/customers/{id}/consents");
    let mut write =
        match Write::begin(&state, &principal, &headers, "PUT", &path, &body.raw).await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(r) => return Ok(r),
        };
    let mut c = write.tx.resolve_customer(principal.tenant, id).await?;
    if c.status != CustomerStatus::Active {
        return Err(ApiError::NotFound);
    }
    for r in &records {
        write.tx.insert_consent(principal.tenant, c.id, r).await?;
    }
    if body.value.preferred_channel.is_some() || body.value.quiet_hours.is_some() {
        let version = c.version;
        c.preferred_channel = body.value.preferred_channel.or(c.preferred_channel);
        c.quiet_hours = body.value.quiet_hours.or(c.quiet_hours);
        c.version += 1;
        c.updated_at = now;
        write.tx.update_customer(&c, version).await?;
    }
    let history = write.tx.consents(principal.tenant, c.id).await?;
    write
        .tx
        .set_consent_bits(principal.tenant, c.id, consent_bits(&history), now)
        .await?;
    let changes: Vec<_> = records
        .iter()
        .map(|r| json!({"purpose": r.purpose, "channel": r.channel, "granted": r.granted}))
        .collect();
    write
        .tx
        .record(&DomainEvent::new(
            principal.tenant,
            "customer.consents_changed",
            c.id,
            now,
            json!({"customer_id": c.id, "changes": changes}),
        ))
        .await?;
    write
        .finish(StatusCode::OK, &consents_view(&c, history), &[])
        .await
}

/// What is being asked.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PermissionQuery {
    pub purpose: Purpose,
    pub channel: ContactChannel,
}

/// The answer with what it was about.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Permission {
    pub customer_id: CustomerId,
    pub purpose: Purpose,
    pub channel: ContactChannel,
    pub allowed: bool,
    pub decision: ContactDecision,
}

/// May the chain contact this customer for this purpose on this channel now? Opt-in consent,
/// withdrawal and quiet hours are honoured; erased or unknown customers are never contactable.
#[utoipa::path(get, path = "/v1/customers/{id}/contact-permission", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "customer id"), PermissionQuery),
    responses((status = 200, body = Permission)))]
pub async fn contact_permission(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
    Query(q): Query<PermissionQuery>,
) -> Result<Json<Permission>, ApiError> {
    if !principal.role.allows(Action::ReadCustomers) {
        principal.require(Action::ManageSegments)?;
    }
    let decision = state
        .store
        .may_contact(
            principal.tenant,
            id,
            q.purpose,
            q.channel,
            state.clock.now(),
        )
        .await?;
    Ok(Json(Permission {
        customer_id: id,
        purpose: q.purpose,
        channel: q.channel,
        allowed: decision == ContactDecision::Allowed,
        decision,
    }))
}
