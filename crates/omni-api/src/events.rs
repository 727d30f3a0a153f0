//! `/v1/events` (the tenant's event feed, read by cursor) and `/v1/webhooks` (signed pushes of
//! the same feed). The feed only grows at its end, so `after=<last seq seen>` never skips.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::events::DomainEvent;
use omni_kernel::WebhookId;
use omni_store::webhooks::WebhookRecord;
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
        .route("/events", get(list_events))
        .route("/webhooks", get(list_webhooks).post(create_webhook))
        .route("/webhooks/{id}", get(show_webhook).delete(delete_webhook))
}

/// Feed query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Return events after this feed position (0 = from the start).
    pub after: Option<i64>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<i64>,
}

/// An event with its feed position.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedEvent {
    pub seq: i64,
    #[serde(flatten)]
    pub event: DomainEvent,
}

/// A page of the feed; pass `next_after` as `after` to continue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedPage {
    pub data: Vec<FeedEvent>,
    pub has_more: bool,
    pub next_after: i64,
}

/// Reads the tenant's events after a position.
#[utoipa::path(get, path = "/v1/events", tag = "events", security(("api_key" = [])), params(FeedQuery),
    responses((status = 200, body = FeedPage), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_events(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<FeedQuery>,
) -> Result<Json<FeedPage>, ApiError> {
    principal.require(Action::ReadEvents)?;
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::field(
            "after",
            "out_of_range",
            "must be 0 or a feed position",
        ));
    }
    let limit = match q.limit {
        None => 100,
        Some(n @ 1..=1000) => n as usize,
        Some(_) => {
            return Err(ApiError::field(
                "limit",
                "out_of_range",
                "must be between 1 and 1000",
            ));
        }
    };
    let mut events = state
        .store
        .tenant_feed(principal.tenant, after, limit + 1)
        .await?;
    let has_more = events.len() > limit;
    events.truncate(limit);
    let next_after = events.last().map_or(after, |e| e.seq);
    let data = events
        .into_iter()
        .map(|e| FeedEvent {
            seq: e.seq,
            event: e.event,
        })
        .collect();
    Ok(Json(FeedPage {
        data,
        has_more,
        next_after,
    }))
}

/// A new subscription.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where to POST events (https in production; private addresses are refused).
    pub url: String,
    /// Event types to deliver; empty or absent means all.
    #[serde(default)]
    pub event_types: Vec<String>,
}

/// A subscription; `secret` appears only in the creating response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub record: WebhookRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Lists subscriptions with their delivery state.
#[utoipa::path(get, path = "/v1/webhooks", tag = "events", security(("api_key" = [])), params(ListParams),
    responses((status = 200, body = List<WebhookView>), (status = 403, body = Problem)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    principal: Principal,
    Query(page): Query<ListParams>,
) -> Result<Json<List<WebhookView>>, ApiError> {
    principal.require(Action::ManageWebhooks)?;
    let hooks = state
        .store
        .webhooks(principal.tenant, page.cursor()?, page.limit()?)
        .await?;
    let data = hooks
        .items
        .into_iter()
        .map(|record| WebhookView {
            record,
            secret: None,
        })
        .collect();
    Ok(Json(List {
        data,
        has_more: hooks.has_more,
    }))
}

/// One subscription with its delivery state (position, attempts, last error).
#[utoipa::path(get, path = "/v1/webhooks/{id}", tag = "events", security(("api_key" = [])),
    params(("id" = String, Path, description = "webhook id")),
    responses((status = 200, body = WebhookView), (status = 404, body = Problem)))]
pub async fn show_webhook(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<WebhookId>,
) -> Result<Json<WebhookView>, ApiError> {
    principal.require(Action::ManageWebhooks)?;
    Ok(Json(WebhookView {
        record: state.store.webhook(principal.tenant, id).await?,
        secret: None,
    }))
}

/// Subscribes a URL to the tenant's events from now on; returns the signing secret once.
#[utoipa::path(post, path = "/v1/webhooks", tag = "events", security(("api_key" = [])), request_body = NewWebhook,
    responses((status = 201, body = WebhookView), (status = 422, body = Problem)))]
pub async fn create_webhook(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<NewWebhook>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageWebhooks)?;
    let url =
        omni_domain::webhooks::check_url(&body.value.url, state.config.allow_private_webhooks)
            .map_err(|e| ApiError::field("url", "invalid", e.to_string()))?;
    if body.value.event_types.len() > 100
        || body
            .value
            .event_types
            .iter()
            .any(|t| t.is_empty() || t.len() > 100)
    {
        return Err(ApiError::field(
            "event_types",
            "invalid",
            "up to 100 non-empty type names",
        ));
    }
    let mut write = match Write::begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/webhooks",
        &body.raw,
    )
    .await?
    {
        Begun::Fresh(w) => w,
        Begun::Replayed(response) => return Ok(response),
    };
    let now = state.clock.now();
    let record = WebhookRecord {
        id: WebhookId::new(),
        tenant_id: principal.tenant,
        url: url.to_string(),
        event_types: body.value.event_types,
        active: true,
        position: state.store.feed_head().await?,
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        created_at: now,
    };
    let secret = crate::access::webhook_secret();
    write.tx.insert_webhook(&record, &secret).await?;
    write
        .tx
        .record(&DomainEvent::new(
            principal.tenant,
            "webhook.created",
            record.id,
            now,
            json!({"url": record.url}),
        ))
        .await?;
    let location = format!("/v1/webhooks/{}", record.id);
    let shown = WebhookView {
        record: record.clone(),
        secret: Some(secret),
    };
    let remembered = WebhookView {
        record,
        secret: None,
    };
    write
        .finish_redacted(
            StatusCode::CREATED,
            &shown,
            &remembered,
            &[(header::LOCATION, location)],
        )
        .await
}

/// Deletes a subscription.
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "events", security(("api_key" = [])),
    params(("id" = String, Path, description = "webhook id")),
    responses((status = 204, description = "deleted"), (status = 404, body = Problem)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<WebhookId>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageWebhooks)?;
    let mut tx = state.store.write().await?;
    tx.delete_webhook(principal.tenant, id).await?;
    let now = state.clock.now();
    tx.record(&DomainEvent::new(
        principal.tenant,
        "webhook.deleted",
        id,
        now,
        json!({}),
    ))
    .await?;
    tx.commit().await?;
    state.events_written.notify_one();
    Ok(StatusCode::NO_CONTENT.into_response())
}
