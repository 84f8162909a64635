//! `/v1/products`: list, read, create, update, add variants, archive.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use contracts::catalog::{NewProduct, NewVariant, Product, ProductList, ProductPatch, ProductStatus};
use runtime::auth::Staff;
use runtime::db::Tx;
use runtime::http::{Cursor, FieldError, Json, Page, PageParams, Problem, ProblemSchema, Query};
use runtime::idempotency::{Begun, Creation, IdempotencyKey};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::{ValidPatch, ValidProduct, validate_variant};
use crate::events;
use crate::store::{categories, products};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products, create_product))
        .routes(routes!(get_product, patch_product))
        .routes(routes!(add_variant))
        .routes(routes!(archive_product))
}

/// Query of `GET /v1/products`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Items per page, 1 to 100 (default 20).
    limit: Option<u32>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
    /// Category slug or id; includes its subcategories.
    category: Option<String>,
    /// `active` (default), `archived` or `all`.
    status: Option<String>,
}

fn etag(product: &Product) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{}\"", product.version)).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

fn with_etag(status: StatusCode, product: &Product) -> Response {
    let mut response = (status, axum::Json(product)).into_response();
    response.headers_mut().insert(header::ETAG, etag(product));
    response
}

/// The version an `If-Match` header demands; `None` for no header or `*`.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, Problem> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/").trim_matches('"').parse::<i64>().map(Some).map_err(|_| {
        Problem::bad_request("If-Match must be an ETag this API issued.")
            .with_errors(vec![FieldError::new("If-Match", "not an ETag of this resource")])
    })
}

/// List products, newest last, with a cursor.
#[utoipa::path(
    get,
    path = "/v1/products",
    tag = "products",
    params(ListParams),
    responses(
        (status = 200, description = "A page of products", body = ProductList),
        (status = 400, description = "Invalid parameters", body = ProblemSchema),
    )
)]
async fn list_products(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<ProductList>, ApiError> {
    let cursor = Cursor::try_from(PageParams { limit: params.limit, after: params.after })?;
    let status = match params.status.as_deref() {
        None | Some("active") => Some(ProductStatus::Active),
        Some("archived") => Some(ProductStatus::Archived),
        Some("all") => None,
        Some(_) => {
            return Err(Problem::bad_request("Invalid status filter.")
                .with_errors(vec![FieldError::new("status", "must be `active`, `archived` or `all`")])
                .into());
        }
    };
    let mut conn = state.db.acquire().await?;
    let categories = match params.category.as_deref() {
        None => None,
        Some(reference) => {
            let all = categories::all(&mut conn).await?;
            let Some(root) = all.iter().find(|c| c.slug == reference || c.id.as_str() == reference) else {
                return Err(Problem::bad_request("Unknown category.")
                    .with_errors(vec![FieldError::new("category", "no category has that slug or id")])
                    .into());
            };
            Some(categories::subtree(&all, &root.id))
        }
    };
    let filter = products::Filter { categories, status };
    let items = products::list(&mut conn, &filter, cursor.after.as_deref(), cursor.limit).await?;
    let page = Page::from_overfetch(items, cursor.limit, |p| p.id.to_string());
    Ok(Json(ProductList { data: page.data, next: page.next }))
}

/// Read one product by id or slug.
#[utoipa::path(
    get,
    path = "/v1/products/{reference}",
    tag = "products",
    params(("reference" = String, Path, description = "Product id (`prod_…`) or slug")),
    responses(
        (status = 200, description = "The product; `ETag` carries its version", body = Product),
        (status = 404, description = "No such product", body = ProblemSchema),
    )
)]
async fn get_product(State(state): State<AppState>, Path(reference): Path<String>) -> Result<Response, ApiError> {
    let mut conn = state.db.acquire().await?;
    let product = products::find(&mut conn, &reference).await?.ok_or(ApiError::ProductNotFound)?;
    Ok(with_etag(StatusCode::OK, &product))
}

async fn resolve_category(
    tx: &mut Tx,
    reference: Option<&str>,
) -> Result<Option<contracts::catalog::CategorySummary>, ApiError> {
    let Some(reference) = reference else { return Ok(None) };
    match categories::find(tx, reference).await? {
        Some(c) => Ok(Some(categories::summary(&c))),
        None => Err(ApiError::Invalid(vec![FieldError::new("category", "no category has that slug or id")])),
    }
}

const CREATE_SCOPE: &str = "POST /v1/products";

/// Create a product with its variants (staff). Accepts `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/v1/products",
    tag = "products",
    request_body = NewProduct,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: a replay returns the first response")),
    responses(
        (status = 201, description = "Created", body = Product),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 409, description = "Slug or SKU taken, or Idempotency-Key reused with another body", body = ProblemSchema),
        (status = 413, description = "Body too large", body = ProblemSchema),
        (status = 422, description = "Invalid fields", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn create_product(
    State(state): State<AppState>,
    _staff: Staff,
    key: Option<IdempotencyKey>,
    Json(dto): Json<NewProduct>,
) -> Result<Response, ApiError> {
    let creation = Creation::new(CREATE_SCOPE, key.clone(), &dto);
    let valid = ValidProduct::try_from(dto).map_err(ApiError::Invalid)?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_create(&state, &creation, &valid).await {
            // On PostgreSQL a concurrent request with the same key may commit between our key
            // check and our insert (or our slug/SKU checks): look at the key once more, and
            // replay its response if that is what happened.
            Err(ApiError::Db(err)) if err.is_unique_violation() && key.is_some() && attempt == 1 => continue,
            Err(ApiError::SlugTaken(_) | ApiError::SkusTaken(_)) if key.is_some() && attempt == 1 => continue,
            other => return other,
        }
    }
}

async fn try_create(state: &AppState, creation: &Creation, valid: &ValidProduct) -> Result<Response, ApiError> {
    let mut tx = match creation.begin(&state.db).await? {
        Begun::Answered(response) => return Ok(response),
        Begun::Fresh(tx) => tx,
    };
    if products::slug_taken(&mut tx, valid.slug.as_str(), None).await? {
        return Err(ApiError::SlugTaken(valid.slug.to_string()));
    }
    let skus: Vec<_> = valid.variants.iter().map(|v| &v.sku).collect();
    let taken = products::taken_skus(&mut tx, &skus).await?;
    if !taken.is_empty() {
        return Err(ApiError::SkusTaken(taken));
    }
    let category = resolve_category(&mut tx, valid.category.as_deref()).await?;
    let product = products::insert(&mut tx, valid, category).await?;
    events::created(&state.outbox, &mut tx, &product).await?;
    creation.finish(&state.outbox, tx, StatusCode::CREATED, &product).await?;
    tracing::info!(product_id = %product.id, "product created");
    let mut response = with_etag(StatusCode::CREATED, &product);
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/products/{}", product.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Change a product's own fields (staff). Honors `If-Match`.
#[utoipa::path(
    patch,
    path = "/v1/products/{reference}",
    tag = "products",
    request_body = ProductPatch,
    params(
        ("reference" = String, Path, description = "Product id or slug"),
        ("If-Match" = Option<String>, Header, description = "The ETag read; the update fails with 412 if it changed"),
    ),
    responses(
        (status = 200, description = "Updated", body = Product),
        (status = 404, description = "No such product", body = ProblemSchema),
        (status = 409, description = "Slug taken", body = ProblemSchema),
        (status = 412, description = "Changed since read", body = ProblemSchema),
        (status = 422, description = "Invalid fields", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn patch_product(
    State(state): State<AppState>,
    _staff: Staff,
    Path(reference): Path<String>,
    headers: HeaderMap,
    Json(dto): Json<ProductPatch>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let patch = ValidPatch::try_from(dto).map_err(ApiError::Invalid)?;
    let mut tx = state.db.begin().await?;
    let current = products::find(&mut tx, &reference).await?.ok_or(ApiError::ProductNotFound)?;
    if expected.is_some_and(|v| v != current.version) {
        return Err(ApiError::VersionMismatch);
    }
    let mut next = current.clone();
    if let Some(slug) = patch.slug {
        if products::slug_taken(&mut tx, slug.as_str(), Some(&current.id)).await? {
            return Err(ApiError::SlugTaken(slug.to_string()));
        }
        next.slug = slug.to_string();
    }
    if let Some(name) = patch.name {
        next.name = name;
    }
    if let Some(description) = patch.description {
        next.description = description;
    }
    if let Some(brand) = patch.brand {
        next.brand = brand;
    }
    if let Some(category) = patch.category {
        next.category = if category.is_empty() { None } else { resolve_category(&mut tx, Some(&category)).await? };
    }
    if let Some(attributes) = patch.attributes {
        next.attributes = attributes;
    }
    if let Some(media) = patch.media {
        next.media = media;
    }
    let saved = products::save(&mut tx, &next, current.version).await?.ok_or(ApiError::VersionMismatch)?;
    events::updated(&state.outbox, &mut tx, &saved).await?;
    state.outbox.commit(tx).await?;
    Ok(with_etag(StatusCode::OK, &saved))
}

/// Add a variant (a new SKU) to a product (staff).
#[utoipa::path(
    post,
    path = "/v1/products/{reference}/variants",
    tag = "products",
    request_body = NewVariant,
    params(("reference" = String, Path, description = "Product id or slug")),
    responses(
        (status = 201, description = "The product with its new variant", body = Product),
        (status = 404, description = "No such product", body = ProblemSchema),
        (status = 409, description = "SKU taken", body = ProblemSchema),
        (status = 422, description = "Invalid fields", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn add_variant(
    State(state): State<AppState>,
    _staff: Staff,
    Path(reference): Path<String>,
    Json(dto): Json<NewVariant>,
) -> Result<Response, ApiError> {
    let variant = validate_variant(&dto).map_err(ApiError::Invalid)?;
    let mut tx = state.db.begin().await?;
    let current = products::find(&mut tx, &reference).await?.ok_or(ApiError::ProductNotFound)?;
    if current.variants.len() >= 100 {
        return Err(ApiError::Invalid(vec![FieldError::new("sku", "a product has at most 100 variants")]));
    }
    let taken = products::taken_skus(&mut tx, &[&variant.sku]).await?;
    if !taken.is_empty() {
        return Err(ApiError::SkusTaken(taken));
    }
    products::add_variant(&mut tx, &current, &variant).await?;
    let with_variant = products::find(&mut tx, current.id.as_str()).await?.ok_or(ApiError::ProductNotFound)?;
    let saved = products::save(&mut tx, &with_variant, current.version).await?.ok_or(ApiError::VersionMismatch)?;
    events::updated(&state.outbox, &mut tx, &saved).await?;
    state.outbox.commit(tx).await?;
    Ok(with_etag(StatusCode::CREATED, &saved))
}

/// Withdraw a product from sale (staff). Archiving twice is harmless.
#[utoipa::path(
    post,
    path = "/v1/products/{reference}/archive",
    tag = "products",
    params(("reference" = String, Path, description = "Product id or slug")),
    responses(
        (status = 200, description = "The archived product", body = Product),
        (status = 404, description = "No such product", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn archive_product(
    State(state): State<AppState>,
    _staff: Staff,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let mut tx = state.db.begin().await?;
    let current = products::find(&mut tx, &reference).await?.ok_or(ApiError::ProductNotFound)?;
    if current.status == ProductStatus::Archived {
        return Ok(with_etag(StatusCode::OK, &current));
    }
    let mut next = current.clone();
    next.status = ProductStatus::Archived;
    let saved = products::save(&mut tx, &next, current.version).await?.ok_or(ApiError::VersionMismatch)?;
    events::archived(&state.outbox, &mut tx, &saved).await?;
    state.outbox.commit(tx).await?;
    Ok(with_etag(StatusCode::OK, &saved))
}
