//! The public API's OpenAPI document: the services' documents, restricted to the public
//! surface and re-rooted under `/api`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use runtime::client::Call;
use runtime::http::Problem;
use serde_json::{Map, Value, json};

use super::Gateway;

/// `GET /api/openapi.json`.
pub(crate) async fn merged(State(gateway): State<Gateway>) -> Response {
    let services = gateway.routes.services();
    let fetches = services.iter().map(|service| {
        let client = gateway.client.clone();
        async move { (*service, client.send(service, Call::get("/openapi.json")).await.and_then(|r| r.json::<Value>())) }
    });
    let documents = futures::future::join_all(fetches).await;
    let mut paths = Map::new();
    let mut schemas = Map::new();
    let mut missing = Vec::new();
    for (service, document) in documents {
        let Ok(document) = document else {
            missing.push(service);
            continue;
        };
        if let Some(service_paths) = document["paths"].as_object() {
            for (path, item) in service_paths.iter().filter(|(p, _)| gateway.routes.is_public(p)) {
                paths.insert(format!("/api{path}"), item.clone());
            }
        }
        if let Some(service_schemas) = document["components"]["schemas"].as_object() {
            schemas.extend(service_schemas.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    if paths.is_empty() {
        return Problem::unavailable("No service documents are available right now.", 2).into_response();
    }
    gateway_own(&mut paths, &mut schemas);
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Mercato API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The public Mercato API. Errors are RFC 9457 problem+json; lists are cursor-paginated; \
                            creating POSTs accept Idempotency-Key."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "staff": { "type": "http", "scheme": "bearer", "description": "The staff token, or a staff user's access token (`/api/v1/staff-sessions`)" },
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "A customer's access token (`/api/v1/sessions`)" }
            }
        }
    });
    if !missing.is_empty() {
        // Say so rather than silently publish a partial surface.
        document["info"]["x-unavailable-services"] = json!(missing);
    }
    axum::Json(document).into_response()
}

/// The gateway's own composed views, which no service document describes.
fn gateway_own(paths: &mut Map<String, Value>, schemas: &mut Map<String, Value>) {
    use contracts::pages::{ProductPage, Recommendation};
    use utoipa::{PartialSchema, ToSchema};
    paths.insert(
        "/api/v1/product-pages/{reference}".into(),
        json!({ "get": {
            "tags": ["pages"],
            "summary": "Everything a product page shows: the product, its prices, stock and recommendations",
            "description": "Catalog is required; pricing, inventory and recommendations each have a short deadline of their own. What does not answer in time is left out and named in `degraded` (and in the `x-mercato-degraded` header).",
            "parameters": [
                { "name": "reference", "in": "path", "required": true, "description": "Product id or slug", "schema": { "type": "string" } },
                { "name": "currency", "in": "query", "required": false, "schema": { "type": "string" } },
                { "name": "customer_group", "in": "query", "required": false, "schema": { "type": "string" } }
            ],
            "responses": {
                "200": { "description": "The page", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ProductPage" } } } },
                "404": { "description": "No such product", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } },
                "503": { "description": "Catalog unavailable", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }
            }
        } }),
    );
    for (name, schema) in [
        (ProductPage::name(), serde_json::to_value(ProductPage::schema())),
        (Recommendation::name(), serde_json::to_value(Recommendation::schema())),
    ] {
        if let Ok(schema) = schema {
            schemas.insert(name.into_owned(), schema);
        }
    }
}
