//! `/v1/catalog`: categories with attribute schemas, brands and search synonyms. Products
//! are in `catalog_products.rs`, search and bulk imports in `catalog_search.rs`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_domain::access::Action;
use omni_domain::catalog::{
    Brand, BrandDraft, BrandId, Category, CategoryDraft, CategoryId, Synonyms,
};
use omni_domain::events::DomainEvent;

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::JsonBody;
use crate::pagination::List;
use crate::write::{Begun, Write};
use crate::{ApiError, AppState, catalog_products, catalog_search};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/catalog/categories",
            get(list_categories).post(create_category),
        )
        .route("/catalog/brands", get(list_brands).post(create_brand))
        .route(
            "/catalog/synonyms",
            get(show_synonyms).put(replace_synonyms),
        )
        .route(
            "/catalog/products",
            get(catalog_products::list_products).post(catalog_products::create_product),
        )
        .route(
            "/catalog/products/{id}",
            get(catalog_products::show_product).patch(catalog_products::update_product),
        )
        .route(
            "/catalog/products/{id}/completeness",
            get(catalog_products::show_completeness),
        )
        .route(
            "/catalog/products/{id}/publication",
            post(catalog_products::change_publication),
        )
        .route("/catalog/search", get(catalog_search::search))
        .route("/catalog/imports", post(catalog_search::import))
}

/// Opens an idempotent write or returns the replayed response.
pub(crate) async fn begin(
    state: &AppState,
    p: &Principal,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    raw: &[u8],
) -> Result<Result<Write, Response>, ApiError> {
    Ok(
        match Write::begin(state, p, headers, method, path, raw).await? {
            Begun::Fresh(w) => Ok(w),
            Begun::Replayed(r) => Err(r),
        },
    )
}

/// The tenant's category tree (every node; hundreds at most, so not paginated).
#[utoipa::path(get, path = "/v1/catalog/categories", tag = "catalog", security(("api_key" = [])),
    responses((status = 200, body = List<Category>), (status = 401, body = Problem)))]
pub async fn list_categories(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<List<Category>>, ApiError> {
    principal.require(Action::ReadCatalog)?;
    let refs = state.store.catalog_refs(principal.tenant).await?;
    Ok(Json(List {
        data: refs.categories.into_values().collect(),
        has_more: false,
    }))
}

/// Creates a category with its attribute schema. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/catalog/categories", tag = "catalog", security(("api_key" = [])), request_body = CategoryDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe creation")),
    responses((status = 201, body = Category), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_category(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<CategoryDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageCatalog)?;
    let parent = match body.value.parent_id {
        Some(id) => match state.store.category(principal.tenant, id).await {
            Ok(c) => Some(c),
            Err(omni_store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let now = state.clock.now();
    let category =
        body.value
            .into_category(principal.tenant, CategoryId::new(), parent.as_ref(), now)?;
    let mut write = match begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/catalog/categories",
        &body.raw,
    )
    .await?
    {
        Ok(w) => w,
        Err(replayed) => return Ok(replayed),
    };
    write.tx.insert_category(&category).await?;
    let data = serde_json::to_value(&category).map_err(ApiError::internal)?;
    write
        .tx
        .record(&DomainEvent::new(
            principal.tenant,
            "catalog.category.created",
            category.id,
            now,
            data,
        ))
        .await?;
    let headers = [(
        header::LOCATION,
        format!("/v1/catalog/categories/{}", category.id),
    )];
    write.finish(StatusCode::CREATED, &category, &headers).await
}

/// The tenant's brands.
#[utoipa::path(get, path = "/v1/catalog/brands", tag = "catalog", security(("api_key" = [])),
    responses((status = 200, body = List<Brand>), (status = 401, body = Problem)))]
pub async fn list_brands(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<List<Brand>>, ApiError> {
    principal.require(Action::ReadCatalog)?;
    let refs = state.store.catalog_refs(principal.tenant).await?;
    Ok(Json(List {
        data: refs.brands.into_values().collect(),
        has_more: false,
    }))
}

/// Creates a brand. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/catalog/brands", tag = "catalog", security(("api_key" = [])), request_body = BrandDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe creation")),
    responses((status = 201, body = Brand), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_brand(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<BrandDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageCatalog)?;
    let brand = body.value.into_brand(principal.tenant, BrandId::new())?;
    let mut write = match begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/catalog/brands",
        &body.raw,
    )
    .await?
    {
        Ok(w) => w,
        Err(replayed) => return Ok(replayed),
    };
    write.tx.insert_brand(&brand).await?;
    let data = serde_json::to_value(&brand).map_err(ApiError::internal)?;
    write
        .tx
        .record(&DomainEvent::new(
            principal.tenant,
            "catalog.brand.created",
            brand.id,
            state.clock.now(),
            data,
        ))
        .await?;
    write.finish(StatusCode::CREATED, &brand, &[]).await
}

/// The tenant's search synonyms.
#[utoipa::path(get, path = "/v1/catalog/synonyms", tag = "catalog", security(("api_key" = [])),
    responses((status = 200, body = Synonyms), (status = 401, body = Problem)))]
pub async fn show_synonyms(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Synonyms>, ApiError> {
    principal.require(Action::ReadCatalog)?;
    Ok(Json(state.store.synonyms(principal.tenant).await?))
}

/// Replaces the tenant's synonyms; searches use them within a second (no re-index).
#[utoipa::path(put, path = "/v1/catalog/synonyms", tag = "catalog", security(("api_key" = [])), request_body = Synonyms,
    responses((status = 200, body = Synonyms), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_synonyms(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<Synonyms>,
) -> Result<Response, ApiError> {
    principal.require(Action::ManageCatalog)?;
    let synonyms = body.value.normalize()?;
    let mut write = match begin(
        &state,
        &principal,
        &headers,
        "PUT",
        "/v1/catalog/synonyms",
        &body.raw,
    )
    .await?
    {
        Ok(w) => w,
        Err(replayed) => return Ok(replayed),
    };
    let now = state.clock.now();
    write
        .tx
        .put_synonyms(principal.tenant, &synonyms, now)
        .await?;
    let data = serde_json::to_value(&synonyms).map_err(ApiError::internal)?;
    write
        .tx
        .record(&DomainEvent::new(
            principal.tenant,
            "catalog.synonyms.updated",
            principal.tenant,
            now,
            data,
        ))
        .await?;
    write.finish(StatusCode::OK, &synonyms, &[]).await
}
