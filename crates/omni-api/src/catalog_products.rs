//! `/v1/catalog/products`: create, read, enrich (PATCH with If-Match), completeness per
//! channel and the publication workflow.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omni_domain::Violations;
use omni_domain::access::Action;
use omni_domain::catalog::completeness::{self, ChannelCompleteness};
use omni_domain::catalog::{
    Product, ProductDraft, ProductPatch, PublicationStatus, Schema, TransitionError,
};
use omni_kernel::{Channel, ProductId};
use omni_store::catalog::{ProductFilter, product_event};
use serde::Deserialize;

use crate::auth::Principal;
use crate::catalog::begin;
use crate::error::Problem;
use crate::extract::{IfMatch, JsonBody, PathId, etag};
use crate::pagination::{List, ListParams};
use crate::{ApiError, AppState};

/// A product, hidden from an app unless published in its channel (404, not 403).
async fn visible_product(
    state: &AppState,
    principal: &Principal,
    id: ProductId,
) -> Result<Product, ApiError> {
    let product = state.store.product(principal.tenant, id).await?;
    match principal.role {
        omni_domain::access::Role::App { channel } if !product.is_published(channel) => {
            Err(ApiError::NotFound)
        }
        _ => Ok(product),
    }
}

async fn schema_of(
    state: &AppState,
    principal: &Principal,
    product: &Product,
) -> Result<Schema, ApiError> {
    let refs = state.store.catalog_refs(principal.tenant).await?;
    Ok(Schema::of(product.category_id, &refs.categories).unwrap_or_default())
}

/// Lists products in creation order (staff; apps use search).
#[utoipa::path(get, path = "/v1/catalog/products", tag = "catalog", security(("api_key" = [])), params(ListParams),
    responses((status = 200, body = List<Product>), (status = 403, body = Problem)))]
pub async fn list_products(
    State(state): State<AppState>,
    principal: Principal,
    Query(page): Query<ListParams>,
) -> Result<Json<List<Product>>, ApiError> {
    principal.require(Action::ManageCatalog)?;
    let filter = ProductFilter {
        starting_after: page.cursor()?,
        limit: page.limit()?,
    };
    Ok(Json(
        state
            .store
            .products(principal.tenant, &filter)
            .await?
            .into(),
    ))
}

/// One product with its version as the ETag.
#[utoipa::path(get, path = "/v1/catalog/products/{id}", tag = "catalog", security(("api_key" = [])),
    params(("id" = String, Path, description = "product id (prd_…)")),
    responses((status = 200, body = Product), (status = 404, body = Problem)))]
pub async fn show_product(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<ProductId>,
) -> Result<Response, ApiError> {
    principal.require(Action::ReadCatalog)?;
    let product = visible_product(&state, &principal, id).await?;
    Ok(([(header::ETAG, etag(product.version))], Json(product)).into_response())
}

/// Creates a product with its variants. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/catalog/products", tag = "catalog", security(("api_key" = [])), request_body = ProductDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe creation")),
    responses((status = 201, body = Product), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_product(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<ProductDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageCatalog)?;
    let refs = state.store.catalog_refs(principal.tenant).await?;
    let schema = Schema::of(body.value.category_id, &refs.categories);
    let mut v = Violations::new();
    if body
        .value
        .brand_id
        .is_some_and(|b| !refs.brands.contains_key(&b))
    {
        v.push("brand_id", "not_found", "no such brand");
    }
    let now = state.clock.now();
    let product = body
        .value
        .into_product(principal.tenant, ProductId::new(), schema.as_ref(), now);
    let product = match (product, v.is_empty()) {
        (Ok(p), true) => p,
        (Ok(_), false) => return Err(v.into()),
        (Err(e), _) => return Err(e.into()),
    };
    let mut write = match begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/catalog/products",
        &body.raw,
    )
    .await?
    {
        Ok(w) => w,
        Err(replayed) => return Ok(replayed),
    };
    write.tx.insert_product(&product).await?;
    write
        .tx
        .record(&product_event(&product, "catalog.product.created", now))
        .await?;
    let headers = [
        (header::ETAG, etag(product.version)),
        (
            header::LOCATION,
            format!("/v1/catalog/products/{}", product.id),
        ),
    ];
    write.finish(StatusCode::CREATED, &product, &headers).await
}

/// Enriches a product. Requires `If-Match` (412 if stale, 428 if absent).
#[utoipa::path(patch, path = "/v1/catalog/products/{id}", tag = "catalog", security(("api_key" = [])), request_body = ProductPatch,
    params(("id" = String, Path, description = "product id"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    responses((status = 200, body = Product), (status = 412, body = Problem), (status = 428, body = Problem), (status = 422, body = Problem)))]
pub async fn update_product(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<ProductId>,
    IfMatch(expected): IfMatch,
    headers: HeaderMap,
    body: JsonBody<ProductPatch>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageCatalog)?;
    let current = state.store.product(principal.tenant, id).await?;
    let schema = schema_of(&state, &principal, &current).await?;
    let path = format!("/v1/catalog/products/{id}");
    let mut write = match begin(&state, &principal, &headers, "PATCH", &path, &body.raw).await? {
        Ok(w) => w,
        Err(replayed) => return Ok(replayed),
    };
    let current = write.tx.product(principal.tenant, id).await?;
    if current.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    let now = state.clock.now();
    let next = current.apply(body.value, &schema, now)?;
    write.tx.update_product(&next, expected).await?;
    write
        .tx
        .record(&product_event(&next, "catalog.product.updated", now))
        .await?;
    write
        .finish(StatusCode::OK, &next, &[(header::ETAG, etag(next.version))])
        .await
}

/// What the product still lacks, per channel, and its status there.
#[utoipa::path(get, path = "/v1/catalog/products/{id}/completeness", tag = "catalog", security(("api_key" = [])),
    params(("id" = String, Path, description = "product id")),
    responses((status = 200, body = Vec<ChannelCompleteness>), (status = 404, body = Problem)))]
pub async fn show_completeness(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<ProductId>,
) -> Result<Json<Vec<ChannelCompleteness>>, ApiError> {
    principal.require(Action::ManageCatalog)?;
    let product = state.store.product(principal.tenant, id).await?;
    let schema = schema_of(&state, &principal, &product).await?;
    Ok(Json(completeness::report(&product, &schema)))
}

/// A publication step in one channel.
#[derive(Debug, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationChange {
    pub channel: Channel,
    pub status: PublicationStatus,
}

/// Moves a product draft → in review → published (or back to draft) in a channel. Requires
/// `If-Match`; a step to review or publication needs the product complete for the channel.
#[utoipa::path(post, path = "/v1/catalog/products/{id}/publication", tag = "catalog", security(("api_key" = [])), request_body = PublicationChange,
    params(("id" = String, Path, description = "product id"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    responses((status = 200, body = Product), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn change_publication(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId<ProductId>,
    IfMatch(expected): IfMatch,
    headers: HeaderMap,
    body: JsonBody<PublicationChange>,
) -> Result<Response, ApiError> {
    principal.require(Action::PublishCatalog)?;
    let current = state.store.product(principal.tenant, id).await?;
    let schema = schema_of(&state, &principal, &current).await?;
    let path = format!("/v1/catalog/products/{id}/publication");
    let mut write = match begin(&state, &principal, &headers, "POST", &path, &body.raw).await? {
        Ok(w) => w,
        Err(replayed) => return Ok(replayed),
    };
    let current = write.tx.product(principal.tenant, id).await?;
    if current.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    let now = state.clock.now();
    let next = match completeness::transition(
        current,
        &schema,
        body.value.channel,
        body.value.status,
        now,
    ) {
        Ok(p) => p,
        Err(TransitionError::NotAllowed { .. }) => {
            return Err(ApiError::Conflict(
                "this publication step is not allowed from the current status",
            ));
        }
        Err(TransitionError::Incomplete(missing)) => {
            let mut v = Violations::new();
            for m in missing {
                let field = format!(
                    "completeness.{}{}",
                    m.requirement,
                    m.detail.map(|d| format!(".{d}")).unwrap_or_default()
                );
                v.push(
                    field,
                    "missing",
                    "required before review or publication in this channel",
                );
            }
            return Err(v.into());
        }
    };
    write.tx.update_product(&next, expected).await?;
    write
        .tx
        .record(&product_event(
            &next,
            "catalog.product.publication_changed",
            now,
        ))
        .await?;
    write
        .finish(StatusCode::OK, &next, &[(header::ETAG, etag(next.version))])
        .await
}
