//! `/v1/stock`: stock levels, availability for channels (network-wide, near a point, in one
//! store), the movements ledger, manual movements and cycle counts. Reservations, transfers
//! and feeds live in the sibling `inventory_*` modules.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::{Action, Role};
use omni_domain::inventory::{
    Availability, ChannelRules, LocationAvailability, Movement, MovementKind, NearbyQuery, Sku,
    StockLevel, at_location, nearby, network_total,
};
use omni_kernel::{Channel, LocationId};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::Problem;
use crate::pagination::{List, ListParams};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stock/movements", post(record_movement))
        .route("/stock/counts", post(crate::inventory_feeds::record_count))
        .route(
            "/stock/channel-rules",
            get(show_channel_rules).put(replace_channel_rules),
        )
        .route("/stock/{sku}", get(show_stock))
        .route("/stock/{sku}/nearby", get(stock_nearby))
        .route(
            "/stock/{sku}/locations/{location_id}",
            get(stock_at_location),
        )
        .route(
            "/stock/{sku}/locations/{location_id}/movements",
            get(list_movements),
        )
        .merge(crate::inventory_reservations::routes())
        .merge(crate::inventory_feeds::routes())
}

/// Parses a SKU from the path; a malformed one cannot exist (404).
pub(crate) fn sku(raw: &str) -> Result<Sku, ApiError> {
    Sku::parse(raw).map_err(|_| ApiError::NotFound)
}

fn location_id(raw: &str) -> Result<LocationId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// The channel whose rules apply: an app key's own channel, else the one asked for.
pub(crate) fn channel(principal: &Principal, asked: Option<Channel>) -> Option<Channel> {
    principal.channel.or(asked)
}

/// Associates change stock only at their own store.
pub(crate) fn require_store(principal: &Principal, location: LocationId) -> Result<(), ApiError> {
    match principal.role.store() {
        Some(store) if store != location => Err(ApiError::Forbidden),
        _ => Ok(()),
    }
}

/// Shoppers' apps see what they may promise, not the raw stock depth.
fn raw_levels(principal: &Principal, level: StockLevel) -> Option<StockLevel> {
    (!matches!(principal.role, Role::App { .. })).then_some(level)
}

/// Which channel's rules to apply.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChannelQuery {
    /// Ignored for app keys (their own channel applies).
    pub channel: Option<Channel>,
}

/// A SKU at one location: what the channel may promise and, for staff, the raw figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockAtLocation {
    #[serde(flatten)]
    pub availability: LocationAvailability,
    pub stock: Option<StockLevel>,
}

/// A SKU across the network.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NetworkStock {
    #[schema(value_type = String)]
    pub sku: Sku,
    /// Units the channel may promise in the whole network.
    pub available: i64,
    pub locations: Vec<StockAtLocation>,
}

/// What each channel shows and may promise (channels not listed use the defaults: web, app
/// and kiosk hide the last unit and promise at most 50; employees see the real figure).
#[utoipa::path(get, path = "/v1/stock/channel-rules", tag = "inventory", security(("api_key" = [])),
    responses((status = 200, body = ChannelRules)))]
pub async fn show_channel_rules(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<ChannelRules>, ApiError> {
    principal.require(Action::ReadStock)?;
    Ok(Json(state.store.channel_rules(principal.tenant).await?))
}

/// Replaces the channel rules (admins).
#[utoipa::path(put, path = "/v1/stock/channel-rules", tag = "inventory", security(("api_key" = [])),
    request_body = ChannelRules,
    responses((status = 200, body = ChannelRules), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_channel_rules(
    State(state): State<AppState>,
    principal: Principal,
    headers: axum::http::HeaderMap,
    body: crate::extract::JsonBody<ChannelRules>,
) -> Result<axum::response::Response, ApiError> {
    if !matches!(principal.role, Role::Admin) {
        return Err(ApiError::Forbidden);
    }
    body.value.validate()?;
    let path = "/v1/stock/channel-rules";
    let mut write =
        match crate::write::Write::begin(&state, &principal, &headers, "PUT", path, &body.raw)
            .await?
        {
            crate::write::Begun::Fresh(w) => w,
            crate::write::Begun::Replayed(r) => return Ok(r),
        };
    let now = state.clock.now();
    write
        .tx
        .put_channel_rules(principal.tenant, &body.value, now)
        .await?;
    let data = serde_json::to_value(&body.value).map_err(ApiError::internal)?;
    let event = omni_domain::events::DomainEvent::new(
        principal.tenant,
        "inventory.channel_rules.changed",
        principal.tenant,
        now,
        data,
    );
    write.tx.record(&event).await?;
    write
        .finish(axum::http::StatusCode::OK, &body.value, &[])
        .await
}

/// A SKU's stock in the whole network, per location.
#[utoipa::path(get, path = "/v1/stock/{sku}", tag = "inventory", security(("api_key" = [])),
    params(("sku" = String, Path), ChannelQuery),
    responses((status = 200, body = NetworkStock), (status = 404, body = Problem)))]
pub async fn show_stock(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
    Query(q): Query<ChannelQuery>,
) -> Result<Json<NetworkStock>, ApiError> {
    principal.require(Action::ReadStock)?;
    let sku = sku(&raw)?;
    let rule = state
        .store
        .channel_rules(principal.tenant)
        .await?
        .for_channel(channel(&principal, q.channel));
    let stock = state
        .store
        .stock_at_locations(principal.tenant, &sku, None)
        .await?;
    let now = state.clock.now();
    let locations = stock
        .iter()
        .map(|s| StockAtLocation {
            availability: at_location(s, &rule, None, now),
            stock: raw_levels(&principal, s.level),
        })
        .collect();
    let available = network_total(&stock, &rule);
    Ok(Json(NetworkStock {
        sku,
        available,
        locations,
    }))
}

/// Where to look for stock near a shopper.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NearbyParams {
    pub lat: f64,
    pub lon: f64,
    /// Kilometres, up to 200 (default 25).
    pub radius_km: Option<f64>,
    /// Places to return, 1–50 (default 20).
    pub limit: Option<usize>,
    pub channel: Option<Channel>,
}

/// Stores and pickup points near a point that have the SKU, nearest first, with opening hours.
#[utoipa::path(get, path = "/v1/stock/{sku}/nearby", tag = "inventory", security(("api_key" = [])),
    params(("sku" = String, Path), NearbyParams),
    responses((status = 200, body = Availability), (status = 422, body = Problem)))]
pub async fn stock_nearby(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
    Query(p): Query<NearbyParams>,
) -> Result<Json<Availability>, ApiError> {
    principal.require(Action::ReadStock)?;
    let sku = sku(&raw)?;
    let query = NearbyQuery::parse(p.lat, p.lon, p.radius_km, p.limit)?;
    let rule = state
        .store
        .channel_rules(principal.tenant)
        .await?
        .for_channel(channel(&principal, p.channel));
    // The nearest few with enough to promise; slack for places the domain then drops
    // (warehouses, closed stores).
    let max = query.limit + 16;
    let stock = state
        .store
        .stock_near(principal.tenant, &sku, &query, rule.min_shown, max)
        .await?;
    Ok(Json(nearby(&sku, &query, &stock, &rule, state.clock.now())))
}

/// "In stock in my store": one location's figure for the SKU.
#[utoipa::path(get, path = "/v1/stock/{sku}/locations/{location_id}", tag = "inventory", security(("api_key" = [])),
    params(("sku" = String, Path), ("location_id" = String, Path), ChannelQuery),
    responses((status = 200, body = StockAtLocation), (status = 404, body = Problem)))]
pub async fn stock_at_location(
    State(state): State<AppState>,
    principal: Principal,
    Path((raw_sku, raw_loc)): Path<(String, String)>,
    Query(q): Query<ChannelQuery>,
) -> Result<Json<StockAtLocation>, ApiError> {
    principal.require(Action::ReadStock)?;
    let (sku, id) = (sku(&raw_sku)?, location_id(&raw_loc)?);
    let location = state.store.location(principal.tenant, id).await?;
    let level = state.store.stock_level(principal.tenant, &sku, id).await?;
    let rule = state
        .store
        .channel_rules(principal.tenant)
        .await?
        .for_channel(channel(&principal, q.channel));
    let at = omni_domain::inventory::StockAt { location, level };
    Ok(Json(StockAtLocation {
        availability: at_location(&at, &rule, None, state.clock.now()),
        stock: raw_levels(&principal, level),
    }))
}

/// The ledger of one SKU at one location, oldest first; its quantities add up to on-hand.
#[utoipa::path(get, path = "/v1/stock/{sku}/locations/{location_id}/movements", tag = "inventory", security(("api_key" = [])),
    params(("sku" = String, Path), ("location_id" = String, Path), ListParams),
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
pub async fn list_movements(
    State(state): State<AppState>,
    principal: Principal,
    Path((raw_sku, raw_loc)): Path<(String, String)>,
    Query(page): Query<ListParams>,
) -> Result<Json<List<omni_store::inventory::MovementRecord>>, ApiError> {
    principal.require(Action::ManageStock)?;
    let (sku, id) = (sku(&raw_sku)?, location_id(&raw_loc)?);
    require_store(&principal, id)?;
    let page = state
        .store
        .movements(principal.tenant, &sku, id, page.cursor()?, page.limit()?)
        .await?;
    Ok(Json(page.into()))
}

/// A manual movement: receipt, sale, return or adjustment (counts go to `/v1/stock/counts`).
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MovementRequest {
    #[schema(value_type = String)]
    pub sku: Sku,
    pub location_id: LocationId,
    pub kind: MovementKind,
    /// Signed change of on-hand (receipts positive, sales negative).
    pub quantity: i64,
    pub reference: Option<String>,
}

/// The stock after a change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockChange {
    #[schema(value_type = String)]
    pub sku: Sku,
    pub location_id: LocationId,
    pub stock: StockLevel,
    /// Available to promise (on hand − reserved − safety stock, never negative).
    pub atp: i64,
}

/// Records a movement and changes on-hand by it. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/stock/movements", tag = "inventory", security(("api_key" = [])),
    request_body = MovementRequest,
    responses((status = 201, body = StockChange), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_movement(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: crate::extract::JsonBody<MovementRequest>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageStock)?;
    let m = &body.value;
    require_store(&principal, m.location_id)?;
    if m.kind == MovementKind::Count || !m.kind.accepts(m.quantity) {
        return Err(ApiError::field(
            "quantity",
            "invalid",
            format!("not a valid {} quantity", m.kind),
        ));
    }
    if m.reference.as_ref().is_some_and(|r| r.len() > 100) {
        return Err(ApiError::field(
            "reference",
            "too_long",
            "must be at most 100 characters",
        ));
    }
    let mut write = match Write::begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/stock/movements",
        &body.raw,
    )
    .await?
    {
        Begun::Fresh(w) => w,
        Begun::Replayed(response) => return Ok(response),
    };
    known_location(&mut write, &principal, m.location_id).await?;
    let now = state.clock.now();
    let movement = Movement {
        kind: m.kind,
        quantity: m.quantity,
    };
    let level = write
        .tx
        .apply_movement(
            principal.tenant,
            &m.sku,
            m.location_id,
            movement,
            m.reference.as_deref(),
            now,
        )
        .await?;
    let change = StockChange {
        sku: m.sku.clone(),
        location_id: m.location_id,
        stock: level,
        atp: level.atp(),
    };
    record_change(&mut write, &principal, "stock.moved", &change, now).await?;
    write.finish(StatusCode::CREATED, &change, &[]).await
}

/// 422 when a body names a location the tenant does not have.
pub(crate) async fn known_location(
    write: &mut Write,
    principal: &Principal,
    id: LocationId,
) -> Result<(), ApiError> {
    match write.tx.location(principal.tenant, id).await {
        Ok(_) => Ok(()),
        Err(omni_store::StoreError::NotFound) => Err(ApiError::field(
            "location_id",
            "not_found",
            "no such location",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Records a stock event whose subject is the location.
pub(crate) async fn record_change<T: Serialize>(
    write: &mut Write,
    principal: &Principal,
    kind: &str,
    change: &T,
    now: omni_kernel::Timestamp,
) -> Result<(), ApiError> {
    let data = serde_json::to_value(change).map_err(ApiError::internal)?;
    let subject = data["location_id"].as_str().unwrap_or_default().to_owned();
    let event = omni_domain::events::DomainEvent::new(principal.tenant, kind, subject, now, data);
    write.tx.record(&event).await?;
    Ok(())
}
