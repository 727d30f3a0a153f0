//! `/v1/api-keys`: admins mint, list and revoke their tenant's keys. A new key's token is
//! returned once; only its hash is stored (an idempotent replay returns the key without it).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use base64::Engine as _;
use omni_domain::access::{Action, Role, mint_key};
use omni_domain::events::DomainEvent;
use omni_domain::network::LocationKind;
use omni_kernel::{ApiKeyId, LocationId};
use omni_store::api_keys::ApiKeyRecord;
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
        .route("/api-keys", get(list_keys).post(create_key))
        .route("/api-keys/{id}", delete(revoke_key))
}

/// A key as shown to admins.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyView {
    #[schema(value_type = String)]
    pub id: ApiKeyId,
    pub name: String,
    /// admin, marketer, associate, agent or app.
    pub role: &'static str,
    #[schema(value_type = Option<String>)]
    pub store: Option<LocationId>,
    #[schema(value_type = Option<String>)]
    pub channel: Option<omni_kernel::Channel>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: omni_kernel::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<omni_kernel::Timestamp>,
    /// The bearer token: present only in the response that created the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl From<&ApiKeyRecord> for ApiKeyView {
    fn from(r: &ApiKeyRecord) -> Self {
        let channel = match r.role {
            Role::App { channel } => Some(channel),
            _ => None,
        };
        ApiKeyView {
            id: r.id,
            name: r.name.clone(),
            role: r.role.name(),
            store: r.role.store(),
            channel,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
            token: None,
        }
    }
}

/// A request to mint a key.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    pub name: String,
    pub role: String,
    /// The associate's store (a location of kind `store`).
    #[schema(value_type = Option<String>)]
    pub store: Option<LocationId>,
    /// An app key's channel: web, mobile_app, kiosk or pos.
    pub channel: Option<String>,
}

/// Lists the tenant's keys (never their secrets).
#[utoipa::path(get, path = "/v1/api-keys", tag = "access", security(("api_key" = [])), params(ListParams),
    responses((status = 200, body = List<ApiKeyView>), (status = 403, body = Problem)))]
pub async fn list_keys(
    State(state): State<AppState>,
    principal: Principal,
    Query(page): Query<ListParams>,
) -> Result<Json<List<ApiKeyView>>, ApiError> {
    principal.require(Action::ManageKeys)?;
    let keys = state
        .store
        .api_keys(principal.tenant, page.cursor()?, page.limit()?)
        .await?;
    Ok(Json(List {
        data: keys.items.iter().map(ApiKeyView::from).collect(),
        has_more: keys.has_more,
    }))
}

/// Mints a key for a role. The token is in this response only.
#[utoipa::path(post, path = "/v1/api-keys", tag = "access", security(("api_key" = [])), request_body = NewApiKey,
    responses((status = 201, body = ApiKeyView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_key(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<NewApiKey>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageKeys)?;
    let req = body.value;
    let mut violations = omni_domain::Violations::new();
    violations.text("name", &req.name, 100);
    violations.finish(())?;
    let role = Role::from_parts(&req.role, req.store, req.channel.as_deref())
        .map_err(|e| ApiError::field("role", "invalid", e.to_string()))?;
    if let Some(store) = role.store() {
        let location = state
            .store
            .location(principal.tenant, store)
            .await
            .map_err(|e| match e {
                omni_store::StoreError::NotFound => {
                    ApiError::field("store", "not_found", "no such location in this chain")
                }
                other => other.into(),
            })?;
        if location.kind != LocationKind::Store {
            return Err(ApiError::field(
                "store",
                "invalid",
                "an associate works in a location of kind `store`",
            ));
        }
    }
    let mut write = match Write::begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/api-keys",
        &body.raw,
    )
    .await?
    {
        Begun::Fresh(w) => w,
        Begun::Replayed(response) => return Ok(response),
    };
    let now = state.clock.now();
    let minted = mint_key(ApiKeyId::new(), rand::random());
    let record = ApiKeyRecord {
        id: minted.id,
        tenant_id: principal.tenant,
        name: req.name,
        role,
        created_at: now,
        revoked_at: None,
    };
    write
        .tx
        .insert_api_key(&record, &minted.secret_hash)
        .await?;
    let event = DomainEvent::new(
        principal.tenant,
        "api_key.created",
        record.id,
        now,
        json!({"role": role.name(), "name": record.name}),
    );
    write.tx.record(&event).await?;
    let remembered = ApiKeyView::from(&record);
    let shown = ApiKeyView {
        token: Some(minted.token),
        ..ApiKeyView::from(&record)
    };
    write
        .finish_redacted(
            StatusCode::CREATED,
            &shown,
            &remembered,
            &[(header::LOCATION, format!("/v1/api-keys/{}", record.id))],
        )
        .await
}

/// Revokes a key at once on every node.
#[utoipa::path(delete, path = "/v1/api-keys/{id}", tag = "access", security(("api_key" = [])),
    params(("id" = String, Path, description = "key id")),
    responses((status = 204, description = "revoked"), (status = 404, body = Problem)))]
pub async fn revoke_key(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<ApiKeyId>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageKeys)?;
    let mut tx = state.store.write().await?;
    let now = state.clock.now();
    tx.revoke_api_key(principal.tenant, id, now).await?;
    tx.record(&DomainEvent::new(
        principal.tenant,
        "api_key.revoked",
        id,
        now,
        json!({}),
    ))
    .await?;
    tx.commit().await?;
    state.events_written.notify_one();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A random secret for signing webhooks (`whsec_` + base64 of 24 random bytes).
pub fn webhook_secret() -> String {
    let bytes: [u8; 24] = rand::random();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}
