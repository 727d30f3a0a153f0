//! `/v1/tenant`: the calling key's own chain — its countries, currencies and locales; and
//! `/v1/me`: what the calling key is (its role, and the store or channel it acts for), so an
//! app knows which screens to show and an associate's app which store is "mine".

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use omni_domain::access::{Action, Role};
use omni_domain::tenancy::Tenant;
use omni_kernel::{ApiKeyId, TenantId};
use serde::Serialize;

use crate::auth::Principal;
use crate::error::Problem;
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tenant", get(show_tenant))
        .route("/me", get(show_me))
}

/// The tenant of the calling key. There is no way to name another tenant: the key decides.
#[utoipa::path(get, path = "/v1/tenant", tag = "tenancy", security(("api_key" = [])),
    responses((status = 200, body = Tenant), (status = 401, body = Problem)))]
pub async fn show_tenant(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Tenant>, ApiError> {
    principal.require(Action::ReadTenant)?;
    Ok(Json(state.store.tenant(principal.tenant).await?))
}

/// The calling key as its holder sees it.
#[derive(Debug, Serialize)]
pub struct Me {
    pub key_id: ApiKeyId,
    pub tenant_id: TenantId,
    pub tenant_name: String,
    /// `{"role": "associate", "store": "loc_…"}`, `{"role": "app", "channel": "web"}`, …
    #[serde(flatten)]
    pub role: Role,
}

/// Who the calling key is: every role may ask (the console's first call after sign-in).
#[utoipa::path(get, path = "/v1/me", tag = "tenancy", security(("api_key" = [])),
    responses((status = 200, description = "key id, tenant and role (with its store or channel)", body = Object), (status = 401, body = Problem)))]
pub async fn show_me(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Me>, ApiError> {
    let tenant = state.store.tenant(principal.tenant).await?;
    Ok(Json(Me {
        key_id: principal.key_id,
        tenant_id: principal.tenant,
        tenant_name: tenant.name,
        role: principal.role,
    }))
}
