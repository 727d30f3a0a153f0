//! `/v1/tenant`: the calling key's own chain — its countries, currencies and locales.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::tenancy::Tenant;

use crate::auth::Principal;
use crate::error::Problem;
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/tenant", get(show_tenant))
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
