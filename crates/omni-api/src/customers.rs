//! `/v1/customers`: profiles of the identity graph. Creating is identify-or-create: a verified
//! identifier someone already holds resolves to that customer (200) instead of making a second
//! one (201). Responses to writes show identifiers masked, so neither the idempotency store nor
//! a caller who merely knows a phone number learns more than it sent. Full personal data is
//! read with `GET /v1/customers/{id}` and a reason code, and every such read is audited.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::Violations;
use omni_domain::access::{Action, Role};
use omni_domain::customers::{
    AccessLogId, Customer, CustomerDraft, CustomerPatch, CustomerStatus, IdentifierKind, View,
};
use omni_domain::events::DomainEvent;
use omni_domain::tenancy::Tenant;
use omni_kernel::{CountryCode, CustomerId};
use omni_store::customers::{AccessEntry, StoredIdentifier};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::customers_link::{merge_all, owners, propose};
use crate::error::Problem;
use crate::extract::{IfMatch, JsonBody, PathId, etag};
use crate::write::{Begun, Write};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/customers", post(create_customer))
        .route("/customers/{id}", get(show_customer).patch(update_customer))
        .merge(crate::customers_identify::routes())
        .merge(crate::customers_timeline::routes())
        .merge(crate::customers_privacy::routes())
        .merge(crate::customers_merges::routes())
        .merge(crate::customers_segments::routes())
        .merge(crate::customers_wishlist::routes())
}

/// An identifier as shown to a reader: masked unless the read is a full, audited one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IdentifierView {
    pub kind: IdentifierKind,
    pub value: String,
    pub verified: bool,
    pub source: String,
}

/// A profile with its identifiers, cut for the reader's view.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProfileView {
    #[serde(flatten)]
    pub customer: Customer,
    pub identifiers: Vec<IdentifierView>,
}

impl ProfileView {
    /// Cuts the view: `Reduced` masks identifiers, shortens the name and leaves out the
    /// birth date.
    pub fn of(c: &Customer, ids: &[StoredIdentifier], view: View) -> ProfileView {
        let mut customer = c.clone();
        if view == View::Reduced {
            customer.given_name = c.display_name(View::Reduced);
            customer.family_name = None;
            // Personal data only a full, audited read shows.
            customer.birth_date = None;
        }
        let identifiers = ids
            .iter()
            .map(|i| IdentifierView {
                kind: i.kind,
                value: match view {
                    View::Full => i.value.clone(),
                    View::Reduced => i.identifier().masked(),
                },
                verified: i.verified,
                source: i.source.clone(),
            })
            .collect();
        ProfileView {
            customer,
            identifiers,
        }
    }
}

/// The default phone region: the tenant's first country's.
pub fn region(tenant: &Tenant) -> CountryCode {
    tenant
        .countries
        .first()
        .map(|c| c.phone_region)
        .unwrap_or_else(|| CountryCode::parse("RU").unwrap_or_else(|_| unreachable!()))
}

/// Where a write came from, for identifier sources: the app's channel or the role.
pub fn source(p: &Principal) -> String {
    p.channel
        .map_or_else(|| p.role.name().to_owned(), |c| c.as_str().to_owned())
}

/// The name view a role gets in summaries: associates and apps see a reduced one.
pub fn summary_view(p: &Principal) -> View {
    match p.role {
        Role::Admin | Role::Agent => View::Full,
        _ => View::Reduced,
    }
}

/// Reason codes a staff member gives to read full personal data (codes, never free text,
/// so the audit log holds no personal data).
pub const ACCESS_REASONS: [&str; 6] = [
    "support_request",
    "order_issue",
    "delivery_issue",
    "complaint",
    "fraud_check",
    "data_subject_request",
];

/// Reads the access reason from `X-Access-Reason` or `?reason=`; refuses unknown codes.
pub fn access_reason(headers: &HeaderMap, query: Option<&str>) -> Result<Option<String>, ApiError> {
    let raw = headers
        .get("x-access-reason")
        .and_then(|v| v.to_str().ok())
        .or(query);
    match raw {
        None => Ok(None),
        Some(r) if ACCESS_REASONS.contains(&r) => Ok(Some(r.to_owned())),
        Some(_) => Err(ApiError::field(
            "reason",
            "invalid",
            format!("use one of: {}", ACCESS_REASONS.join(", ")),
        )),
    }
}

/// The audit entry for a staff read of full data.
pub fn audit(
    p: &Principal,
    customer: CustomerId,
    action: &str,
    reason: &str,
    at: omni_kernel::Timestamp,
) -> AccessEntry {
    AccessEntry {
        id: AccessLogId::new(),
        customer_id: customer,
        key_id: p.key_id,
        role: p.role.name().to_owned(),
        action: action.to_owned(),
        reason: reason.to_owned(),
        at,
    }
}

/// Creates a customer, or resolves to the one already holding a verified identifier (200).
/// Profiles sharing verified identifiers merge; weaker matches are proposed for review.
/// Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/customers", tag = "customers", security(("api_key" = [])),
    request_body = CustomerDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe creation")),
    responses((status = 201, body = ProfileView), (status = 200, body = ProfileView, description = "resolved to an existing customer"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_customer(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<CustomerDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::WriteCustomers)?;
    let tenant = state.store.tenant(principal.tenant).await?;
    let now = state.clock.now();
    let mut v = Violations::new();
    let ids = body.value.identifiers(region(&tenant), &mut v);
    let draft = body
        .value
        .clone()
        .into_customer(&tenant, CustomerId::new(), now, &mut v);
    v.finish(())?;
    let src = source(&principal);
    // Two requests creating the same verified identifier at once: on PostgreSQL the loser of
    // the race hits the unique index, rolls back and, on retry, finds the winner's customer.
    let mut attempt = 0;
    loop {
        attempt += 1;
        let write = match Write::begin(
            &state,
            &principal,
            &headers,
            "POST",
            "/v1/customers",
            &body.raw,
        )
        .await?
        {
            Begun::Fresh(w) => w,
            Begun::Replayed(r) => return Ok(r),
        };
        match create_in(write, &draft, &ids, &src, now).await {
            Err(ApiError::Conflict(_)) if attempt < 4 => continue,
            other => return other,
        }
    }
}

async fn create_in(
    mut write: Write,
    draft: &Customer,
    ids: &[(omni_domain::customers::Identifier, bool)],
    src: &str,
    now: omni_kernel::Timestamp,
) -> Result<Response, ApiError> {
    let tenant = draft.tenant_id;
    let found = owners(&mut write.tx, tenant, ids).await?;
    let kind = ids.first().map_or(IdentifierKind::Phone, |(i, _)| i.kind);
    let (target, created) =
        match merge_all(&mut write.tx, tenant, None, &found.strong, kind, now).await? {
            Some((survivor, _)) => {
                let current = write.tx.customer(tenant, survivor).await?;
                let mut next = omni_domain::customers::merge_profiles(&current, draft, now);
                next.points_balance = current.points_balance;
                next.spent_90d = current.spent_90d;
                write.tx.update_customer(&next, current.version).await?;
                (next, false)
            }
            None => {
                write.tx.insert_customer(draft, 0).await?;
                (draft.clone(), true)
            }
        };
    for (id, verified) in ids {
        write
            .tx
            .attach_identifier(tenant, target.id, id, *verified, src, now)
            .await?;
    }
    propose(&mut write.tx, tenant, target.id, &found.weak, now).await?;
    let digests: Vec<_> = ids
        .iter()
        .map(|(i, verified)| json!({"kind": i.kind, "digest": i.digest(tenant), "verified": verified}))
        .collect();
    let kind = if created {
        "customer.created"
    } else {
        "customer.identified"
    };
    write
        .tx
        .record(&DomainEvent::new(
            tenant,
            kind,
            target.id,
            now,
            json!({"customer_id": target.id, "identifiers": digests}),
        ))
        .await?;
    let stored = write.tx.identifiers_of(tenant, target.id).await?;
    let view = ProfileView::of(&target, &stored, View::Reduced);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let headers = [
        (header::ETAG, etag(target.version)),
        (header::LOCATION, format!("/v1/customers/{}", target.id)),
    ];
    write.finish(status, &view, &headers).await
}

/// Reason for reading full personal data.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReasonQuery {
    /// A reason code (also accepted as `X-Access-Reason`); with it, agents and admins get the
    /// full profile and the read is audit-logged.
    pub reason: Option<String>,
}

/// A profile. Merged ids resolve to the survivor. Agents and admins giving a reason get full
/// personal data (audited); everyone else gets masked identifiers and a shortened name.
#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers", security(("api_key" = [])),
    params(("id" = String, Path, description = "customer id (cus_…)"), ReasonQuery,
        ("X-Access-Reason" = Option<String>, Header, description = "reason code for a full read")),
    responses((status = 200, body = ProfileView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn show_customer(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
    Query(q): Query<ReasonQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    principal.require(Action::ReadCustomers)?;
    let reason = access_reason(&headers, q.reason.as_deref())?;
    let c = state.store.resolve_customer(principal.tenant, id).await?;
    let ids = state.store.identifiers_of(principal.tenant, c.id).await?;
    let full = reason.filter(|_| {
        principal.role.allows(Action::ReadCustomerPii) && c.status != CustomerStatus::Erased
    });
    let view = match full {
        Some(reason) => {
            let mut tx = state.store.write().await?;
            tx.log_access(
                principal.tenant,
                &audit(&principal, c.id, "read_profile", &reason, state.clock.now()),
            )
            .await?;
            tx.commit().await?;
            View::Full
        }
        None => View::Reduced,
    };
    Ok((
        [(header::ETAG, etag(c.version))],
        Json(ProfileView::of(&c, &ids, view)),
    )
        .into_response())
}

/// Changes profile attributes. Requires `If-Match`; `verified: true` marks the new values as
/// confirmed by the customer (they then win merges).
#[utoipa::path(patch, path = "/v1/customers/{id}", tag = "customers", security(("api_key" = [])),
    request_body = CustomerPatch,
    params(("id" = String, Path, description = "customer id"), ("If-Match" = String, Header, description = "ETag")),
    responses((status = 200, body = ProfileView), (status = 412, body = Problem), (status = 428, body = Problem)))]
pub async fn update_customer(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<CustomerId>,
    IfMatch(expected): IfMatch,
    headers: HeaderMap,
    body: JsonBody<CustomerPatch>,
) -> Result<Response, ApiError> {
    principal.require(Action::EditCustomers)?;
    let path = format!("/v1/customers/{id}");
    let mut write =
        match Write::begin(&state, &principal, &headers, "PATCH", &path, &body.raw).await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(r) => return Ok(r),
        };
    let current = write.tx.customer(principal.tenant, id).await?;
    if current.status != CustomerStatus::Active {
        return Err(ApiError::Conflict("only an active profile can be changed"));
    }
    if current.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    let now = state.clock.now();
    let next = current.apply(body.value, now)?;
    write.tx.update_customer(&next, expected).await?;
    write
        .tx
        .record(&DomainEvent::new(
            principal.tenant,
            "customer.updated",
            id,
            now,
            json!({"customer_id": id, "version": next.version}),
        ))
        .await?;
    let ids = write.tx.identifiers_of(principal.tenant, id).await?;
    let view = ProfileView::of(&next, &ids, View::Reduced);
    write
        .finish(StatusCode::OK, &view, &[(header::ETAG, etag(next.version))])
        .await
}
