//! Identification: the single-window `identify` call, adding identifiers to a profile, the
//! till's QR token, and anonymous devices — their timeline and their stitching to a customer
//! when they identify (login, card scan).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::customers::{
    Customer, CustomerStatus, CustomerSummary, Identifier, IdentifierInput, IdentifierKind,
    InteractionKind, TimelineDraft, sign_qr_token, verify_qr_token,
};
use omni_domain::events::DomainEvent;
use omni_kernel::CustomerId;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::customers::{ProfileView, region, source, summary_view};
use crate::customers_link::{merge_all, owners, propose};
use crate::customers_timeline::entry_channel;
use crate::error::Problem;
use crate::extract::{JsonBody, PathId};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/customers/identify", post(identify))
        .route("/customers/{id}/identifiers", post(add_identifier))
        .route("/customers/{id}/qr-token", post(issue_qr_token))
        .route("/devices/{device_id}/identify", post(identify_device))
        .route(
            "/devices/{device_id}/timeline",
            post(append_device_timeline),
        )
}

/// Which identifier to look up.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentifyRequest {
    pub kind: IdentifierKind,
    pub value: String,
}

pub(crate) async fn find(
    state: &AppState,
    principal: &Principal,
    kind: IdentifierKind,
    value: &str,
) -> Result<Customer, ApiError> {
    let c = if kind == IdentifierKind::QrToken {
        let secret = state
            .store
            .qr_secret(principal.tenant, rand::random())
            .await?;
        let id = verify_qr_token(&secret, value, state.clock.now())
            .map_err(|e| ApiError::field("value", "invalid", e.to_string()))?;
        state.store.resolve_customer(principal.tenant, id).await?
    } else {
        let tenant = state.store.tenant(principal.tenant).await?;
        let id = Identifier::parse(kind, value, region(&tenant))
            .map_err(|e| ApiError::field("value", "invalid", e.to_string()))?;
        match indexed(state, principal.tenant, &id).await? {
            Some(c) => c,
            None => {
                state
                    .store
                    .customer_by_identifier(principal.tenant, &id)
                    .await?
            }
        }
    };
    // An erased customer is as unknown as one never seen: nothing is leaked.
    if c.status == CustomerStatus::Erased {
        return Err(ApiError::NotFound);
    }
    Ok(c)
}

/// The customer this node's identity index names for `id`, confirmed by the store in one
/// primary-key read (the profile is read anyway): it must still hold the identifier itself and
/// be active. `None` — not in the index, or the index lags a merge, unmerge or erasure made
/// elsewhere — sends the caller to the store's own lookup, so a lagging index is slower, never
/// wrong.
async fn indexed(
    state: &AppState,
    tenant: omni_kernel::TenantId,
    id: &Identifier,
) -> Result<Option<Customer>, ApiError> {
    let Some(hit) = state.identities.resolve(tenant, id) else {
        return Ok(None);
    };
    let c = state.store.customer_holding(tenant, hit, id).await?;
    Ok(c.filter(|c| c.status == CustomerStatus::Active && c.merged_into.is_none()))
}

/// Identifies a customer by any identifier (phone in any format, email, card, handle, QR
/// token…) and returns the one-screen summary. Unknown → 404 with nothing else said.
#[utoipa::path(post, path = "/v1/customers/identify", tag = "customers", security(("api_key" = [])),
    request_body = IdentifyRequest,
    responses((status = 200, body = CustomerSummary), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn identify(
    State(state): State<AppState>,
    axum::Extension(books): axum::Extension<std::sync::Arc<crate::offers_books::OfferBooks>>,
    principal: Principal,
    body: JsonBody<IdentifyRequest>,
) -> Result<Json<CustomerSummary>, ApiError> {
    principal.require(Action::ReadCustomers)?;
    let c = find(&state, &principal, body.value.kind, &body.value.value).await?;
    let ids: Vec<Identifier> = state
        .store
        .identifiers_of(principal.tenant, c.id)
        .await?
        .iter()
        .map(|i| i.identifier())
        .collect();
    let mut summary = CustomerSummary::of(&c, &ids, summary_view(&principal));
    let offers =
        crate::pricing::customer_offers_of(&state, &books, principal.tenant, c.id, 3).await?;
    summary.points_balance = offers.points_available;
    summary.personal_offers = offers
        .offers
        .iter()
        .map(|o| serde_json::to_value(o).map_err(ApiError::internal))
        .collect::<Result<_, _>>()?;
    summary.last_purchases = offers
        .purchases
        .iter()
        .take(5)
        .map(|p| json!({"reference": p.reference, "at": p.at, "total": p.quote.total, "currency": p.quote.currency,
            "lines": p.quote.lines.iter().map(|l| json!({"sku": l.sku, "quantity": l.quantity})).collect::<Vec<_>>()}))
        .collect();
    fill_orders_and_cart(&state, &principal, &mut summary).await?;
    Ok(Json(summary))
}

/// The single window's order part: orders not yet with the customer (number, status, how
/// and where they come) and the open cart every channel shares.
async fn fill_orders_and_cart(
    state: &AppState,
    principal: &Principal,
    summary: &mut omni_domain::customers::CustomerSummary,
) -> Result<(), ApiError> {
    let tenant = principal.tenant;
    let orders = state
        .store
        .orders_of_customer(tenant, summary.customer_id, 20)
        .await?;
    summary.open_orders = orders
        .iter()
        .filter(|o| o.status.holds_stock() || o.status == omni_domain::orders::OrderStatus::Shipped)
        .map(|o| json!({"order_id": o.id, "number": o.number, "status": o.status, "total": o.quote.total,
            "currency": o.currency, "method": o.delivery.method, "location_id": o.delivery.location_id,
            "promised_to": o.delivery.promised_to}))
        .collect();
    let owner = omni_store::orders::CartOwner::Customer(summary.customer_id);
    if let Some(cart) = state.store.open_cart(tenant, owner).await? {
        let units: u32 = cart.lines.iter().map(|l| l.quantity).sum();
        summary.open_carts = vec![
            json!({"cart_id": cart.id, "skus": cart.lines.len(), "units": units,
            "channel": cart.channel, "updated_at": cart.updated_at}),
        ];
    }
    Ok(())
}

/// Adds an identifier to a profile. A verified one another profile also verified merges the
/// two (the older survives); weaker matches are proposed for review.
#[utoipa::path(post, path = "/v1/customers/{id}/identifiers", tag = "customers", security(("api_key" = [])),
    request_body = IdentifierInput,
    params(("id" = String, Path, description = "customer id")),
    responses((status = 200, body = ProfileView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_identifier(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
    headers: HeaderMap,
    body: JsonBody<IdentifierInput>,
) -> Result<Response, ApiError> {
    principal.require(Action::WriteCustomers)?;
    let tenant = state.store.tenant(principal.tenant).await?;
    let input = &body.value;
    let ident = Identifier::parse(input.kind, &input.value, region(&tenant))
        .map_err(|e| ApiError::field("value", "invalid", e.to_string()))?;
    let ids = [(ident, input.verified)];
    let path = format!("/v1/customers/{id}/identifiers");
    let now = state.clock.now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut write =
            match Write::begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
                Begun::Fresh(w) => w,
                Begun::Replayed(r) => return Ok(r),
            };
        let result: Result<Response, ApiError> = async {
            let target = write.tx.resolve_customer(tenant.id, id).await?;
            if target.status != CustomerStatus::Active {
                return Err(ApiError::NotFound);
            }
            let found = owners(&mut write.tx, tenant.id, &ids).await?;
            let survivor = match merge_all(&mut write.tx, tenant.id, Some(target.id), &found.strong, input.kind, now).await? {
                Some((s, _)) => s,
                None => target.id,
            };
            write.tx.attach_identifier(tenant.id, survivor, &ids[0].0, input.verified, &source(&principal), now).await?;
            propose(&mut write.tx, tenant.id, survivor, &found.weak, now).await?;
            write
                .tx
                .record(&DomainEvent::new(tenant.id, "customer.identifier_added", survivor, now, json!({
                    "customer_id": survivor, "kind": input.kind, "digest": ids[0].0.digest(tenant.id), "verified": input.verified,
                })))
                .await?;
            let c = write.tx.customer(tenant.id, survivor).await?;
            let stored = write.tx.identifiers_of(tenant.id, survivor).await?;
            let view = ProfileView::of(&c, &stored, omni_domain::customers::View::Reduced);
            write.finish(StatusCode::OK, &view, &[]).await
        }
        .await;
        match result {
            Err(ApiError::Conflict(_)) if attempt < 4 => continue,
            other => return other,
        }
    }
}

/// A freshly signed QR token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QrToken {
    pub token: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: omni_kernel::Timestamp,
}

/// Issues the rotating QR token the app shows at the till (valid five minutes).
#[utoipa::path(post, path = "/v1/customers/{id}/qr-token", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "customer id")),
    responses((status = 200, body = QrToken), (status = 404, body = Problem)))]
pub async fn issue_qr_token(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
) -> Result<Json<QrToken>, ApiError> {
    principal.require(Action::WriteCustomers)?;
    let c = state.store.resolve_customer(principal.tenant, id).await?;
    if c.status != CustomerStatus::Active {
        return Err(ApiError::NotFound);
    }
    let secret = state
        .store
        .qr_secret(principal.tenant, rand::random())
        .await?;
    let expires_at = state.clock.now() + chrono::Duration::minutes(5);
    Ok(Json(QrToken {
        token: sign_qr_token(&secret, c.id, expires_at),
        expires_at,
    }))
}

/// The outcome of stitching a device.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Stitched {
    pub customer_id: CustomerId,
    /// Anonymous timeline entries now attributed to the customer.
    pub stitched_entries: u64,
}

fn device(raw: &str) -> Result<Identifier, ApiError> {
    let region = omni_kernel::CountryCode::parse("RU").map_err(ApiError::internal)?;
    Identifier::parse(IdentifierKind::Device, raw, region).map_err(|_| ApiError::NotFound)
}

/// An anonymous device identifies (login, card scan): its anonymous timeline moves to the
/// customer and `customer.device_stitched` tells other contexts (carts merge on it).
#[utoipa::path(post, path = "/v1/devices/{device_id}/identify", tag = "customers", security(("api_key" = [])),
    request_body = IdentifyRequest,
    params(("device_id" = String, Path, description = "device or cookie id")),
    responses((status = 200, body = Stitched), (status = 404, body = Problem)))]
pub async fn identify_device(
    State(state): State<AppState>,
    principal: Principal,
    axum::extract::Path(device_id): axum::extract::Path<String>,
    headers: HeaderMap,
    body: JsonBody<IdentifyRequest>,
) -> Result<Response, ApiError> {
    principal.require(Action::WriteCustomers)?;
    let dev = device(&device_id)?;
    let c = find(&state, &principal, body.value.kind, &body.value.value).await?;
    let now = state.clock.now();
    let path = format!("/v1/devices/{device_id}/identify");
    let mut write =
        match Write::begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(r) => return Ok(r),
        };
    write
        .tx
        .attach_identifier(
            principal.tenant,
            c.id,
            &dev,
            false,
            &source(&principal),
            now,
        )
        .await?;
    let n = write
        .tx
        .stitch_device(principal.tenant, &dev.value, c.id)
        .await?;
    let draft = TimelineDraft {
        kind: InteractionKind::Identified,
        channel: None,
        location_id: None,
        occurred_at: None,
        data: json!({"by": body.value.kind}),
    };
    let entry = draft.into_entry(Some(c.id), None, entry_channel(&principal, None), now)?;
    write.tx.insert_timeline(principal.tenant, &entry).await?;
    write
        .tx
        .record(&DomainEvent::new(principal.tenant, "customer.device_stitched", c.id, now, json!({
            "customer_id": c.id, "device_digest": dev.digest(principal.tenant), "stitched_entries": n,
        })))
        .await?;
    write
        .finish(
            StatusCode::OK,
            &Stitched {
                customer_id: c.id,
                stitched_entries: n,
            },
            &[],
        )
        .await
}

/// Records an interaction of a device: attributed to its customer when the device is known,
/// kept anonymous (for later stitching) otherwise.
#[utoipa::path(post, path = "/v1/devices/{device_id}/timeline", tag = "customers", security(("api_key" = [])),
    request_body = TimelineDraft,
    params(("device_id" = String, Path, description = "device or cookie id")),
    responses((status = 201, body = omni_domain::customers::TimelineEntry), (status = 422, body = Problem)))]
pub async fn append_device_timeline(
    State(state): State<AppState>,
    principal: Principal,
    axum::extract::Path(device_id): axum::extract::Path<String>,
    headers: HeaderMap,
    body: JsonBody<TimelineDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::WriteCustomers)?;
    let dev = device(&device_id)?;
    let now = state.clock.now();
    let path = format!("/v1/devices/{device_id}/timeline");
    let mut write =
        match Write::begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(r) => return Ok(r),
        };
    let holders = write.tx.identifier_owners(principal.tenant, &dev).await?;
    let customer = match holders.as_slice() {
        [one] => Some(
            write
                .tx
                .resolve_customer(principal.tenant, one.customer_id)
                .await?
                .id,
        ),
        _ => None,
    };
    let channel = entry_channel(&principal, body.value.channel);
    let entry = body.value.clone().into_entry(
        customer,
        customer.is_none().then(|| dev.value.clone()),
        channel,
        now,
    )?;
    write.tx.insert_timeline(principal.tenant, &entry).await?;
    let subject = customer.map_or_else(|| entry.id.to_string(), |c| c.to_string());
    write
        .tx
        .record(&DomainEvent::new(principal.tenant, "customer.interaction_recorded", subject, now, json!({
            "entry_id": entry.id, "customer_id": customer, "kind": entry.kind, "channel": entry.channel,
        })))
        .await?;
    write.finish(StatusCode::CREATED, &entry, &[]).await
}
