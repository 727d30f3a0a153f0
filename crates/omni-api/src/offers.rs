//! `/v1/promotions`: what marketers manage (drafts, activation with `If-Match`, coupon
//! batches) and what every channel reads; and the helpers the offers endpoints share. Price
//! lists are in `offers_price_lists.rs`, the loyalty programme and points in `loyalty.rs`.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::events::DomainEvent;
use omni_domain::offers::coupon::{CouponBatchDraft, coupon_code};
use omni_domain::offers::{Promotion, PromotionDraft, PromotionId};
use omni_kernel::Currency;
use omni_store::offers::{PromotionStatus, StoredPromotion};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::{IfMatch, JsonBody, PathId, etag};
use crate::pagination::{List, ListParams};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/promotions", get(list_promotions).post(create_promotion))
        .route(
            "/promotions/{id}",
            get(show_promotion).put(update_promotion),
        )
        .route("/promotions/{id}/status", post(change_status))
        .route("/promotions/{id}/coupons", post(generate_coupons))
        .merge(crate::offers_price_lists::routes())
        .merge(crate::loyalty::routes())
}

pub(crate) async fn begin(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    raw: &[u8],
) -> Result<Result<Write, Response>, ApiError> {
    Ok(
        match Write::begin(state, principal, headers, method, path, raw).await? {
            Begun::Fresh(w) => Ok(w),
            Begun::Replayed(r) => Err(r),
        },
    )
}

pub(crate) fn event(
    principal: &Principal,
    kind: &str,
    subject: impl ToString,
    data: &impl Serialize,
    state: &AppState,
) -> Result<DomainEvent, ApiError> {
    let data = serde_json::to_value(data).map_err(ApiError::internal)?;
    Ok(DomainEvent::new(
        principal.tenant,
        kind,
        subject,
        state.clock.now(),
        data,
    ))
}

/// The chain's currencies: a list or promotion in another currency could never apply.
pub(crate) async fn traded(
    state: &AppState,
    principal: &Principal,
    currency: Currency,
    field: &str,
) -> Result<(), ApiError> {
    let t = state.store.tenant(principal.tenant).await?;
    if t.countries.iter().any(|c| c.currency == currency) {
        Ok(())
    } else {
        Err(ApiError::field(
            field,
            "unsupported",
            "the chain does not trade in this currency",
        ))
    }
}

/// A promotion as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PromotionView {
    #[serde(flatten)]
    pub promotion: Promotion,
    #[schema(value_type = String)]
    pub status: PromotionStatus,
    /// Sales that used it.
    pub uses: i64,
    /// Discount it gave (minor units).
    pub spent: i64,
    pub version: i64,
}

fn view(p: StoredPromotion) -> PromotionView {
    PromotionView {
        promotion: p.promotion,
        status: p.status,
        uses: p.uses,
        spent: p.spent,
        version: p.version,
    }
}

fn promotion_response(status: StatusCode, p: PromotionView) -> Response {
    let tag = etag(p.version);
    (status, [(header::ETAG, tag)], Json(p)).into_response()
}

async fn check_draft(
    state: &AppState,
    principal: &Principal,
    d: &PromotionDraft,
) -> Result<(), ApiError> {
    d.validate()?;
    traded(state, principal, d.currency, "currency").await
}

/// Creates a promotion as a draft (try it with a dry-run, then activate it).
#[utoipa::path(post, path = "/v1/promotions", tag = "offers", security(("api_key" = [])),
    request_body = PromotionDraft,
    responses((status = 201, body = PromotionView), (status = 422, body = Problem)))]
pub async fn create_promotion(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<PromotionDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageOffers)?;
    check_draft(&state, &principal, &body.value).await?;
    let p = Promotion {
        id: PromotionId::new(),
        rule: body.value,
    };
    let mut write = match begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/promotions",
        &body.raw,
    )
    .await?
    {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    let now = state.clock.now();
    write
        .tx
        .insert_promotion(principal.tenant, &p, PromotionStatus::Draft, now)
        .await?;
    write
        .tx
        .record(&event(
            &principal,
            "offers.promotion.created",
            p.id,
            &p,
            &state,
        )?)
        .await?;
    let v = PromotionView {
        promotion: p,
        status: PromotionStatus::Draft,
        uses: 0,
        spent: 0,
        version: 1,
    };
    let headers = [
        (
            header::LOCATION,
            format!("/v1/promotions/{}", v.promotion.id),
        ),
        (header::ETAG, etag(1)),
    ];
    write.finish(StatusCode::CREATED, &v, &headers).await
}

/// One promotion with its status and usage.
#[utoipa::path(get, path = "/v1/promotions/{id}", tag = "offers", security(("api_key" = [])),
    params(("id" = String, Path)), responses((status = 200, body = PromotionView), (status = 404, body = Problem)))]
pub async fn show_promotion(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<PromotionId>,
) -> Result<Response, ApiError> {
    principal.require(Action::PriceCarts)?;
    let p = state.store.promotion(principal.tenant, id).await?;
    Ok(promotion_response(StatusCode::OK, view(p)))
}

/// Filters for the promotion list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PromotionFilter {
    /// `draft`, `active` or `archived`.
    pub status: Option<String>,
}

/// Promotions, oldest first, paginated.
#[utoipa::path(get, path = "/v1/promotions", tag = "offers", security(("api_key" = [])),
    params(PromotionFilter, ListParams), responses((status = 200, body = Object)))]
pub async fn list_promotions(
    State(state): State<AppState>,
    principal: Principal,
    Query(filter): Query<PromotionFilter>,
    Query(page): Query<ListParams>,
) -> Result<Json<List<PromotionView>>, ApiError> {
    principal.require(Action::PriceCarts)?;
    let status = match filter.status.as_deref() {
        None => None,
        Some("draft") => Some(PromotionStatus::Draft),
        Some("active") => Some(PromotionStatus::Active),
        Some("archived") => Some(PromotionStatus::Archived),
        Some(_) => {
            return Err(ApiError::field(
                "status",
                "invalid",
                "draft, active or archived",
            ));
        }
    };
    let limit = page.limit()?;
    let mut rows = state
        .store
        .promotions(principal.tenant, status, page.cursor()?, limit as i64 + 1)
        .await?;
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    Ok(Json(List {
        data: rows.into_iter().map(view).collect(),
        has_more,
    }))
}

/// Replaces a promotion's rule (not an archived one). Requires `If-Match`.
#[utoipa::path(put, path = "/v1/promotions/{id}", tag = "offers", security(("api_key" = [])),
    request_body = PromotionDraft,
    params(("id" = String, Path), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    responses((status = 200, body = PromotionView), (status = 409, body = Problem), (status = 412, body = Problem), (status = 428, body = Problem)))]
pub async fn update_promotion(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<PromotionId>,
    IfMatch(expected): IfMatch,
    headers: HeaderMap,
    body: JsonBody<PromotionDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageOffers)?;
    check_draft(&state, &principal, &body.value).await?;
    let path = format!("/v1/promotions/{id}");
    let mut write = match begin(&state, &principal, &headers, "PUT", &path, &body.raw).await? {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    let current = write.tx.promotion_for_update(principal.tenant, id).await?;
    if current.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    if current.status == PromotionStatus::Archived {
        return Err(ApiError::Conflict("an archived promotion cannot change"));
    }
    let p = Promotion {
        id,
        rule: body.value,
    };
    write
        .tx
        .update_promotion(
            principal.tenant,
            &p,
            current.status,
            expected,
            state.clock.now(),
        )
        .await?;
    write
        .tx
        .record(&event(
            &principal,
            "offers.promotion.updated",
            id,
            &p,
            &state,
        )?)
        .await?;
    let v = PromotionView {
        promotion: p,
        status: current.status,
        uses: current.uses,
        spent: current.spent,
        version: expected + 1,
    };
    let tag = [(header::ETAG, etag(v.version))];
    write.finish(StatusCode::OK, &v, &tag).await
}

/// A status change.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `active` (prices carts from now on) or `archived` (stops; past sales keep it).
    #[schema(value_type = String)]
    pub status: PromotionStatus,
}

/// Activates or archives a promotion. Requires `If-Match`.
#[utoipa::path(post, path = "/v1/promotions/{id}/status", tag = "offers", security(("api_key" = [])),
    request_body = StatusChange,
    params(("id" = String, Path), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    responses((status = 200, body = PromotionView), (status = 409, body = Problem), (status = 412, body = Problem)))]
pub async fn change_status(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<PromotionId>,
    IfMatch(expected): IfMatch,
    headers: HeaderMap,
    body: JsonBody<StatusChange>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageOffers)?;
    let path = format!("/v1/promotions/{id}/status");
    let mut write = match begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    let current = write.tx.promotion_for_update(principal.tenant, id).await?;
    if current.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    let next = body.value.status;
    let allowed = matches!(
        (current.status, next),
        (PromotionStatus::Draft, PromotionStatus::Active)
            | (
                PromotionStatus::Draft | PromotionStatus::Active,
                PromotionStatus::Archived
            )
    );
    if !allowed {
        return Err(ApiError::Conflict(
            "a promotion goes draft → active → archived",
        ));
    }
    let now = state.clock.now();
    write
        .tx
        .update_promotion(principal.tenant, &current.promotion, next, expected, now)
        .await?;
    let kind = if next == PromotionStatus::Active {
        "offers.promotion.activated"
    } else {
        "offers.promotion.archived"
    };
    write
        .tx
        .record(&event(
            &principal,
            kind,
            id,
            &serde_json::json!({"id": id}),
            &state,
        )?)
        .await?;
    let v = PromotionView {
        status: next,
        version: expected + 1,
        ..view(current)
    };
    let tag = [(header::ETAG, etag(v.version))];
    write.finish(StatusCode::OK, &v, &tag).await
}

/// A generated batch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CouponBatch {
    #[schema(value_type = String)]
    pub promotion_id: PromotionId,
    pub uses_per_code: u32,
    pub codes: Vec<String>,
}

/// Generates unique coupon codes for a promotion (up to 200 000 per call); the promotion
/// then needs `conditions.coupon = true` to ask for one. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/promotions/{id}/coupons", tag = "offers", security(("api_key" = [])),
    request_body = CouponBatchDraft, params(("id" = String, Path)),
    responses((status = 201, body = CouponBatch), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn generate_coupons(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<PromotionId>,
    headers: HeaderMap,
    body: JsonBody<CouponBatchDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageOffers)?;
    body.value.validate()?;
    state.store.promotion(principal.tenant, id).await?;
    let path = format!("/v1/promotions/{id}/coupons");
    let mut write = match begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    let draft = &body.value;
    let now = state.clock.now();
    let mut codes: Vec<String> = Vec::with_capacity(draft.count as usize);
    let mut seen = std::collections::HashSet::with_capacity(draft.count as usize);
    // a collision with an earlier batch is skipped by the insert and made up for here
    while codes.len() < draft.count as usize {
        let want = draft.count as usize - codes.len();
        let fresh: Vec<String> = (0..want)
            .map(|_| coupon_code(&draft.prefix, rand::random()))
            .filter(|c| seen.insert(c.clone()))
            .collect();
        let added = write
            .tx
            .insert_coupons(principal.tenant, id, &fresh, draft.uses_per_code, now)
            .await?;
        if added as usize == fresh.len() {
            codes.extend(fresh);
        } else {
            let known = state
                .store
                .redeemable_coupons(principal.tenant, &fresh)
                .await?;
            codes.extend(fresh.into_iter().filter(|c| !known.contains_key(c)));
        }
    }
    let summary = serde_json::json!({"promotion_id": id, "count": codes.len()});
    write
        .tx
        .record(&event(
            &principal,
            "offers.coupons.generated",
            id,
            &summary,
            &state,
        )?)
        .await?;
    let batch = CouponBatch {
        promotion_id: id,
        uses_per_code: draft.uses_per_code,
        codes,
    };
    write.finish(StatusCode::CREATED, &batch, &[]).await
}
