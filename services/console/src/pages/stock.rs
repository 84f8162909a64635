//! Stock of a product's SKUs at every location, editable in one form (inventory's batch
//! update: every line applies, or none).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::{Extension, Form as Posted};
use contracts::catalog::Product;
use contracts::inventory::{AvailabilityList, Location, LocationList, StockBatch, StockBatchItem, StockList};
use serde::Deserialize;

use super::{Form, api_failure, render, see_other};
use crate::Console;
use crate::api::{ApiError, encode};
use crate::session::Staff;

/// One stock record's cell: input `q_{row}_{column}`.
struct Cell {
    input: String,
    location: String,
    reserved: i64,
    available: i64,
}

/// One SKU's row.
struct StockRow {
    sku: String,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "stock.html")]
struct StockPage {
    section: &'static str,
    signed_in: bool,
    product: Product,
    locations: Vec<Location>,
    rows: Vec<StockRow>,
    form: Form,
    saved: bool,
    unknown: Vec<String>,
}

/// Query of the stock page.
#[derive(Debug, Default, Deserialize)]
pub struct StockQuery {
    #[serde(default)]
    notice: String,
}

fn input_name(row: usize, column: usize) -> String {
    format!("q_{row}_{column}")
}

/// Loads the product, the locations and the stock records, and renders the page; `form`
/// holds submitted values (kept on error) or is filled from the records.
async fn stock_page(
    console: &Console,
    staff: &Staff,
    id: &str,
    status: StatusCode,
    submitted: Option<Form>,
    saved: bool,
) -> Response {
    let product_path = format!("/v1/products/{}", encode(id));
    let (product, locations) = futures::join!(
        console.api.get::<Product>(&staff.token, &product_path),
        console.api.get::<LocationList>(&staff.token, "/v1/locations"),
    );
    let (product, locations) = match (product, locations) {
        (Ok(product), Ok(locations)) => (product, locations.data),
        (Err(err), _) | (_, Err(err)) => return api_failure(&err),
    };
    let skus: Vec<String> = product.variants.iter().map(|v| encode(v.sku.as_str())).collect();
    let availability = if skus.is_empty() {
        Vec::new()
    } else {
        match console
            .api
            .get::<AvailabilityList>(&staff.token, &format!("/v1/availability?sku={}", skus.join(",")))
            .await
        {
            Ok(list) => list.data,
            Err(err) => return api_failure(&err),
        }
    };
    let mut form = submitted.unwrap_or_default();
    let fill = !form.has_errors();
    let mut unknown = Vec::new();
    let rows = product
        .variants
        .iter()
        .enumerate()
        .map(|(r, variant)| {
            let known = availability.iter().find(|a| a.sku == variant.sku && a.known);
            if known.is_none() {
                unknown.push(variant.sku.to_string());
            }
            let cells = locations
                .iter()
                .enumerate()
                .map(|(c, location)| {
                    let level = known.and_then(|a| a.locations.iter().find(|l| l.location == location.code));
                    let input = input_name(r, c);
                    if fill {
                        form.set(&input, level.map_or(0, |l| l.on_hand).to_string());
                    }
                    Cell {
                        input,
                        location: location.name.clone(),
                        reserved: level.map_or(0, |l| l.reserved),
                        available: level.map_or(0, |l| l.available),
                    }
                })
                .collect();
            StockRow { sku: variant.sku.to_string(), cells }
        })
        .collect();
    render(status, &StockPage { section: "products", signed_in: true, product, locations, rows, form, saved, unknown })
}

/// `GET /admin/products/{id}/stock`.
pub async fn show(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Query(query): Query<StockQuery>,
) -> Response {
    stock_page(&console, &staff, &id, StatusCode::OK, None, query.notice == "saved").await
}

/// `POST /admin/products/{id}/stock`: `q_{row}_{column}` = units on hand of the row's SKU at
/// the column's location.
pub async fn save(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Posted(input): Posted<HashMap<String, String>>,
) -> Response {
    let mut form = Form::with(input);
    let product_path = format!("/v1/products/{}", encode(&id));
    let (product, locations) = futures::join!(
        console.api.get::<Product>(&staff.token, &product_path),
        console.api.get::<LocationList>(&staff.token, "/v1/locations"),
    );
    let (product, locations) = match (product, locations) {
        (Ok(product), Ok(locations)) => (product, locations.data),
        (Err(err), _) | (_, Err(err)) => return api_failure(&err),
    };
    // The batch's lines in order, with the input each came from.
    let mut items = Vec::new();
    let mut inputs = Vec::new();
    for (r, variant) in product.variants.iter().enumerate() {
        for (c, location) in locations.iter().enumerate() {
            let input = input_name(r, c);
            let typed = form.value(&input).to_owned();
            if typed.is_empty() {
                continue;
            }
            match typed.parse::<i64>() {
                Ok(on_hand) if on_hand >= 0 => {
                    items.push(StockBatchItem {
                        sku: variant.sku.to_string(),
                        location: location.code.clone(),
                        on_hand,
                    });
                    inputs.push(input);
                }
                _ => form.fail(&input, "must be a whole number, 0 or more"),
            }
        }
    }
    if form.has_errors() {
        return stock_page(&console, &staff, &id, StatusCode::UNPROCESSABLE_ENTITY, Some(form), false).await;
    }
    if items.is_empty() {
        return see_other(&format!("/admin/products/{}/stock", encode(&id)));
    }
    let saved: Result<StockList, ApiError> =
        console.api.write(&staff.token, Method::POST, "/v1/stock/batch", &StockBatch { items }).await;
    match saved {
        Ok(_) => see_other(&format!("/admin/products/{}/stock?notice=saved", encode(&id))),
        Err(err) => {
            let status = Form::status(&err);
            form.absorb(&err, |field| batch_input(field, &inputs));
            // Nothing was saved: the page keeps what was typed rather than reloading the records.
            stock_page(&console, &staff, &id, status, Some(form), false).await
        }
    }
}

/// The input of a batch error field (`items[3].on_hand`, `items[3]`).
fn batch_input(field: &str, inputs: &[String]) -> Option<String> {
    let index: usize = field.strip_prefix("items[")?.split(']').next()?.parse().ok()?;
    inputs.get(index).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_errors_map_back_to_their_cells() {
        let inputs = vec!["q_0_0".to_owned(), "q_0_1".to_owned()];
        assert_eq!(batch_input("items[1].on_hand", &inputs).as_deref(), Some("q_0_1"));
        assert_eq!(batch_input("items[0]", &inputs).as_deref(), Some("q_0_0"));
        assert_eq!(batch_input("items[7].on_hand", &inputs), None);
        assert_eq!(batch_input("items", &inputs), None);
    }
}
