//! Customers: the list (searchable by e-mail), a customer with their orders, and putting them
//! in a customer group (identity API), which selects group price lists from their next login.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::{Extension, Form as Posted};
use contracts::identity::{Customer, CustomerPage, SetCustomerGroup};
use contracts::orders::{Order, OrderPage};
use serde::Deserialize;

use super::{Form, api_failure, render, see_other, with_query};
use crate::Console;
use crate::api::{ApiError, encode};
use crate::session::Staff;

/// Customers per page.
const PAGE_SIZE: u32 = 25;
/// Pages scanned to find one customer by id (identity lists, it does not fetch one).
const MAX_SCAN_PAGES: usize = 40;

#[derive(Template)]
#[template(path = "customers.html")]
struct ListPage {
    section: &'static str,
    signed_in: bool,
    customers: Vec<Customer>,
    email: String,
    next: Option<String>,
}

/// Query of the customer list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    email: String,
    #[serde(default)]
    after: String,
}

/// `GET /admin/customers?email=&after=`.
pub async fn list(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Query(query): Query<ListQuery>,
) -> Response {
    let email = query.email.trim().to_owned();
    let path =
        with_query("/v1/customers", &[("limit", &PAGE_SIZE.to_string()), ("email", &email), ("after", &query.after)]);
    let page: CustomerPage = match console.api.get(&staff.token, &path).await {
        Ok(page) => page,
        Err(err) if err.status() == Some(StatusCode::BAD_REQUEST) => {
            return super::message(StatusCode::BAD_REQUEST, "Check the search", &err.message());
        }
        Err(err) => return api_failure(&err),
    };
    let next = page.next.map(|cursor| with_query("/admin/customers", &[("email", &email), ("after", &cursor)]));
    render(StatusCode::OK, &ListPage { section: "customers", signed_in: true, customers: page.data, email, next })
}

/// Finds customer `id`, narrowing identity's list by the `email` hint when there is one.
async fn find(console: &Console, staff: &Staff, id: &str, email: &str) -> Result<Option<Customer>, ApiError> {
    let mut after = String::new();
    for _ in 0..MAX_SCAN_PAGES {
        let path = with_query("/v1/customers", &[("limit", "100"), ("email", email), ("after", &after)]);
        let page: CustomerPage = console.api.get(&staff.token, &path).await?;
        if let Some(found) = page.data.into_iter().find(|c| c.id.as_str() == id) {
            return Ok(Some(found));
        }
        match page.next {
            Some(next) => after = next,
            None => return Ok(None),
        }
    }
    Ok(None)
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerView {
    section: &'static str,
    signed_in: bool,
    customer: Customer,
    orders: Vec<Order>,
    form: Form,
    saved: bool,
    email_hint: String,
}

/// Query of the customer page.
#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    /// The customer's e-mail, to find them quickly.
    #[serde(default)]
    email: String,
    #[serde(default)]
    notice: String,
}

async fn customer_page(
    console: &Console,
    staff: &Staff,
    id: &str,
    email: &str,
    status: StatusCode,
    form: Option<Form>,
    saved: bool,
) -> Response {
    let customer = match find(console, staff, id, email).await {
        Ok(Some(customer)) => customer,
        Ok(None) => return super::not_found("No customer has that id."),
        Err(err) => return api_failure(&err),
    };
    let path = format!("/v1/orders?customer_id={}&limit=20", encode(id));
    let orders = match console.api.get::<OrderPage>(&staff.token, &path).await {
        Ok(page) => page.data,
        Err(err) => {
            tracing::warn!(error = %runtime::error_chain(&err), "orders unavailable for the customer page");
            Vec::new()
        }
    };
    let form = form.unwrap_or_else(|| {
        let mut form = Form::default();
        form.set("customer_group", customer.customer_group.clone().unwrap_or_default());
        form
    });
    let email_hint = customer.email.clone();
    render(status, &CustomerView { section: "customers", signed_in: true, customer, orders, form, saved, email_hint })
}

/// `GET /admin/customers/{id}?email=`.
pub async fn show(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    customer_page(&console, &staff, &id, query.email.trim(), StatusCode::OK, None, query.notice == "saved").await
}

/// `POST /admin/customers/{id}`: `customer_group` (empty for none), `email` (the hint).
pub async fn set_group(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Posted(input): Posted<HashMap<String, String>>,
) -> Response {
    let mut form = Form::with(input);
    let group = form.value("customer_group");
    let body = SetCustomerGroup { customer_group: (!group.is_empty()).then(|| group.to_owned()) };
    let path = format!("/v1/customers/{}/group", encode(&id));
    let email = form.value("email").to_owned();
    match console.api.write::<Customer>(&staff.token, Method::PUT, &path, &body).await {
        Ok(customer) => see_other(&with_query(
            &format!("/admin/customers/{}", encode(customer.id.as_str())),
            &[("email", &customer.email), ("notice", "saved")],
        )),
        Err(err) if err.status().is_some_and(|s| s.is_client_error() && s != StatusCode::NOT_FOUND) => {
            let status = Form::status(&err);
            form.absorb(&err, |f| (f == "customer_group").then(|| f.to_owned()));
            customer_page(&console, &staff, &id, &email, status, Some(form), false).await
        }
        Err(err) => api_failure(&err),
    }
}
