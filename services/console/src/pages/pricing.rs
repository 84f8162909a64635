//! Pricing: price lists and setting prices in them, promotions and coupons (pricing API).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form as Posted};
use contracts::ids::{PromotionId, Sku};
use contracts::money::Currency;
use contracts::pricing::{
    BuyGet, Coupon, NewCoupon, NewPriceList, NewPromotion, PriceList, PriceListPage, Promotion, PromotionKind,
    PromotionPage, PromotionTarget, PromotionValue,
};
use serde::Deserialize;

use super::{Form, api_failure, new_key, render, see_other, with_query};
use crate::Console;
use crate::amount;
use crate::api::ApiError;
use crate::session::Staff;

/// Rows per page.
const PAGE_SIZE: u32 = 50;
/// Currencies a price list may have.
const CURRENCIES: &[&str] = &["EUR", "USD", "GBP", "CHF", "JPY"];

fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Query of a list page.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    after: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "price_lists.html")]
struct PriceListsPage {
    section: &'static str,
    signed_in: bool,
    lists: Vec<PriceList>,
    next: Option<String>,
    form: Form,
    currencies: &'static [&'static str],
}

async fn price_lists_page(
    console: &Console,
    staff: &Staff,
    after: &str,
    status: StatusCode,
    form: Option<Form>,
) -> Response {
    let path = with_query("/v1/price-lists", &[("limit", &PAGE_SIZE.to_string()), ("after", after)]);
    let page: PriceListPage = match console.api.get(&staff.token, &path).await {
        Ok(page) => page,
        Err(err) => return api_failure(&err),
    };
    let mut form = form.unwrap_or_else(|| {
        let mut form = Form::default();
        form.set("currency", console.currency.code());
        form.set("priority", "0");
        form
    });
    form.set("key", new_key());
    let next = page.next.map(|cursor| with_query("/admin/price-lists", &[("after", &cursor)]));
    render(
        status,
        &PriceListsPage { section: "pricing", signed_in: true, lists: page.data, next, form, currencies: CURRENCIES },
    )
}

/// `GET /admin/price-lists?after=`.
pub async fn price_lists(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Query(query): Query<PageQuery>,
) -> Response {
    price_lists_page(&console, &staff, &query.after, StatusCode::OK, None).await
}

/// `POST /admin/price-lists`: `name`, `currency`, `customer_group`, `priority`, `valid_from`,
/// `valid_to`, `key`.
pub async fn create_price_list(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Posted(input): Posted<HashMap<String, String>>,
) -> Response {
    let mut form = Form::with(input);
    let currency = Currency::parse(form.value("currency")).map_err(|e| form.fail("currency", e.to_string())).ok();
    let priority = match form.value("priority") {
        "" => Some(0),
        typed => typed.parse::<i64>().map_err(|_| form.fail("priority", "must be a whole number")).ok(),
    };
    if form.value("name").is_empty() {
        form.fail("name", "is required");
    }
    let (Some(currency), Some(priority), false) = (currency, priority, form.has_errors()) else {
        return price_lists_page(&console, &staff, "", StatusCode::UNPROCESSABLE_ENTITY, Some(form)).await;
    };
    let list = NewPriceList {
        name: form.value("name").to_owned(),
        currency,
        customer_group: optional(form.value("customer_group")),
        priority,
        valid_from: optional(form.value("valid_from")),
        valid_to: optional(form.value("valid_to")),
    };
    let key = optional(form.value("key")).unwrap_or_else(new_key);
    match console.api.create::<PriceList>(&staff.token, "/v1/price-lists", &key, &list).await {
        Ok(created) => see_other(&format!("/admin/price-lists/{}?notice=created", created.id)),
        Err(err) => {
            let status = Form::status(&err);
            form.absorb(&err, |f| {
                matches!(f, "name" | "currency" | "customer_group" | "priority" | "valid_from" | "valid_to")
                    .then(|| f.to_owned())
            });
            price_lists_page(&console, &staff, "", status, Some(form)).await
        }
    }
}

/// Price list `id`, found in the list (the API has no single-list read).
async fn find_price_list(console: &Console, staff: &Staff, id: &str) -> Result<Option<PriceList>, ApiError> {
    let mut after = String::new();
    for _ in 0..20 {
        let path = with_query("/v1/price-lists", &[("limit", "100"), ("after", &after)]);
        let page: PriceListPage = console.api.get(&staff.token, &path).await?;
        if let Some(found) = page.data.into_iter().find(|l| l.id.as_str() == id) {
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
#[template(path = "price_list.html")]
struct PriceListView {
    section: &'static str,
    signed_in: bool,
    list: PriceList,
    form: Form,
    notice: Option<String>,
}

async fn price_list_page(
    console: &Console,
    staff: &Staff,
    id: &str,
    status: StatusCode,
    form: Form,
    notice: Option<String>,
) -> Response {
    match find_price_list(console, staff, id).await {
        Ok(Some(list)) => render(status, &PriceListView { section: "pricing", signed_in: true, list, form, notice }),
        Ok(None) => super::not_found("No price list has that id."),
        Err(err) => api_failure(&err),
    }
}

/// `GET /admin/price-lists/{id}`.
pub async fn price_list(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let notice = match query.notice.as_str() {
        "created" => Some("Price list created.".to_owned()),
        "price" => Some(format!("Price of {} saved.", query.code)),
        _ => None,
    };
    price_list_page(&console, &staff, &id, StatusCode::OK, Form::default(), notice).await
}

/// `POST /admin/price-lists/{id}`: `sku`, `amount` (one tier from quantity 1).
pub async fn set_list_price(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Posted(input): Posted<HashMap<String, String>>,
) -> Response {
    let mut form = Form::with(input);
    let list = match find_price_list(&console, &staff, &id).await {
        Ok(Some(list)) => list,
        Ok(None) => return super::not_found("No price list has that id."),
        Err(err) => return api_failure(&err),
    };
    if let Err(err) = Sku::parse(form.value("sku")) {
        form.fail("sku", err.to_string());
    }
    let price = amount::parse(form.value("amount"), list.currency).map_err(|e| form.fail("amount", e.to_string())).ok();
    let Some(price) = price.filter(|_| !form.has_errors()) else {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PriceListView { section: "pricing", signed_in: true, list, form, notice: None },
        );
    };
    let sku = form.value("sku").to_owned();
    match super::products::set_price_in(&console, &staff, list.id.as_str(), &sku, price).await {
        Ok(()) => {
            see_other(&with_query(&format!("/admin/price-lists/{}", list.id), &[("notice", "price"), ("code", &sku)]))
        }
        Err(err) => {
            let status = Form::status(&err);
            form.absorb(&err, |f| match f {
                "sku" => Some("sku".to_owned()),
                f if f.starts_with("tiers") => Some("amount".to_owned()),
                _ => None,
            });
            render(status, &PriceListView { section: "pricing", signed_in: true, list, form, notice: None })
        }
    }
}

/// A promotion as the list shows it.
struct PromotionRow {
    id: String,
    name: String,
    kind: &'static str,
    value: String,
    target: String,
    window: String,
    coupon_required: bool,
}

fn kind_name(kind: PromotionKind) -> &'static str {
    match kind {
        PromotionKind::OrderPercent => "order_percent",
        PromotionKind::OrderFixed => "order_fixed",
        PromotionKind::ProductPercent => "product_percent",
        PromotionKind::ProductFixed => "product_fixed",
        PromotionKind::CategoryPercent => "category_percent",
        PromotionKind::CategoryFixed => "category_fixed",
        PromotionKind::BuyXGetY => "buy_x_get_y",
    }
}

fn parse_kind(name: &str) -> Option<PromotionKind> {
    Some(match name {
        "order_percent" => PromotionKind::OrderPercent,
        "order_fixed" => PromotionKind::OrderFixed,
        "product_percent" => PromotionKind::ProductPercent,
        "product_fixed" => PromotionKind::ProductFixed,
        "category_percent" => PromotionKind::CategoryPercent,
        "category_fixed" => PromotionKind::CategoryFixed,
        "buy_x_get_y" => PromotionKind::BuyXGetY,
        _ => return None,
    })
}

/// Kinds offered in the form: (value, label).
const KINDS: &[(&str, &str)] = &[
    ("order_percent", "Percent off the order"),
    ("order_fixed", "Amount off the order"),
    ("product_percent", "Percent off SKUs"),
    ("product_fixed", "Amount off each unit of SKUs"),
    ("category_percent", "Percent off a category"),
    ("category_fixed", "Amount off each unit in a category"),
    ("buy_x_get_y", "Buy X, get Y free (SKUs)"),
];

fn value_text(value: &PromotionValue) -> String {
    match value {
        PromotionValue::BasisPoints(bp) => format!("{}.{:02} %", bp / 100, bp % 100),
        PromotionValue::Amount(money) => money.to_string(),
        PromotionValue::BuyGet(BuyGet { buy, get }) => format!("buy {buy}, get {get}"),
    }
}

fn promotion_row(p: Promotion) -> PromotionRow {
    let target = p.target.map_or_else(String::new, |t| match t.category {
        Some(category) => format!("category {category}"),
        None => t.skus.join(", "),
    });
    let window = match (&p.starts_at, &p.ends_at) {
        (None, None) => "always".to_owned(),
        (from, to) => format!("{} – {}", from.as_deref().unwrap_or("…"), to.as_deref().unwrap_or("…")),
    };
    PromotionRow {
        id: p.id.to_string(),
        name: p.name,
        kind: kind_name(p.kind),
        value: value_text(&p.value),
        target,
        window,
        coupon_required: p.coupon_required,
    }
}

/// The promotion value typed for `kind`: a percent, an amount, or `buy+get` (`2+1`).
fn parse_value(kind: PromotionKind, typed: &str, currency: Currency) -> Result<PromotionValue, String> {
    match kind {
        PromotionKind::OrderPercent | PromotionKind::ProductPercent | PromotionKind::CategoryPercent => {
            amount::parse_percent(typed).map(PromotionValue::BasisPoints).map_err(|e| format!("percent {e}"))
        }
        PromotionKind::OrderFixed | PromotionKind::ProductFixed | PromotionKind::CategoryFixed => {
            amount::parse(typed, currency).map(PromotionValue::Amount).map_err(|e| e.to_string())
        }
        PromotionKind::BuyXGetY => {
            let (buy, get) = typed.split_once('+').ok_or("must be buy+get, like 2+1")?;
            let buy = buy.trim().parse().map_err(|_| "must be buy+get, like 2+1")?;
            let get = get.trim().parse().map_err(|_| "must be buy+get, like 2+1")?;
            Ok(PromotionValue::BuyGet(BuyGet { buy, get }))
        }
    }
}

#[derive(Template)]
#[template(path = "promotions.html")]
struct PromotionsPage {
    section: &'static str,
    signed_in: bool,
    promotions: Vec<PromotionRow>,
    next: Option<String>,
    form: Form,
    coupon: Form,
    kinds: &'static [(&'static str, &'static str)],
    currency: &'static str,
    notice: Option<String>,
}

async fn promotions_page(
    console: &Console,
    staff: &Staff,
    after: &str,
    status: StatusCode,
    form: Option<Form>,
    coupon: Option<Form>,
    notice: Option<String>,
) -> Response {
    let path = with_query("/v1/promotions", &[("limit", &PAGE_SIZE.to_string()), ("after", after)]);
    let page: PromotionPage = match console.api.get(&staff.token, &path).await {
        Ok(page) => page,
        Err(err) => return api_failure(&err),
    };
    let mut form = form.unwrap_or_default();
    form.set("key", new_key());
    let mut coupon = coupon.unwrap_or_default();
    coupon.set("key", new_key());
    let next = page.next.map(|cursor| with_query("/admin/promotions", &[("after", &cursor)]));
    let promotions = page.data.into_iter().map(promotion_row).collect();
    let page = PromotionsPage {
        section: "pricing",
        signed_in: true,
        promotions,
        next,
        form,
        coupon,
        kinds: KINDS,
        currency: console.currency.code(),
        notice,
    };
    render(status, &page)
}

/// `GET /admin/promotions?after=`.
pub async fn promotions(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Query(query): Query<PageQuery>,
) -> Response {
    let notice = match query.notice.as_str() {
        "promotion" => Some("Promotion created.".to_owned()),
        "coupon" => Some(format!("Coupon {} created.", query.code)),
        _ => None,
    };
    promotions_page(&console, &staff, &query.after, StatusCode::OK, None, None, notice).await
}

/// `POST /admin/promotions`: `name`, `kind`, `value`, `skus`, `category`, `starts_at`,
/// `ends_at`, `coupon_required`, `key`.
pub async fn create_promotion(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Posted(input): Posted<HashMap<String, String>>,
) -> Response {
    let mut form = Form::with(input);
    if form.value("name").is_empty() {
        form.fail("name", "is required");
    }
    let kind = parse_kind(form.value("kind"));
    if kind.is_none() {
        form.fail("kind", "choose a kind");
    }
    let value = kind
        .and_then(|k| parse_value(k, form.value("value"), console.currency).map_err(|e| form.fail("value", e)).ok());
    let (Some(kind), Some(value), false) = (kind, value, form.has_errors()) else {
        return promotions_page(&console, &staff, "", StatusCode::UNPROCESSABLE_ENTITY, Some(form), None, None).await;
    };
    let skus: Vec<String> = form
        .value("skus")
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let category = optional(form.value("category"));
    let target = (!skus.is_empty() || category.is_some()).then_some(PromotionTarget { skus, category });
    let promotion = NewPromotion {
        name: form.value("name").to_owned(),
        kind,
        value,
        target,
        starts_at: optional(form.value("starts_at")),
        ends_at: optional(form.value("ends_at")),
        coupon_required: form.checked("coupon_required"),
    };
    let key = optional(form.value("key")).unwrap_or_else(new_key);
    match console.api.create::<Promotion>(&staff.token, "/v1/promotions", &key, &promotion).await {
        Ok(_) => see_other("/admin/promotions?notice=promotion"),
        Err(err) => {
            let status = Form::status(&err);
            form.absorb(&err, |f| match f {
                "name" | "kind" | "value" | "starts_at" | "ends_at" => Some(f.to_owned()),
                f if f.starts_with("value") => Some("value".to_owned()),
                f if f.starts_with("target.category") => Some("category".to_owned()),
                f if f.starts_with("target") => Some("skus".to_owned()),
                _ => None,
            });
            promotions_page(&console, &staff, "", status, Some(form), None, None).await
        }
    }
}

/// `POST /admin/coupons`: `code`, `promotion_id`, `usage_limit`, `valid_from`, `valid_to`, `key`.
pub async fn create_coupon(
    State(console): State<Console>,
    Extension(staff): Extension<Staff>,
    Posted(input): Posted<HashMap<String, String>>,
) -> Response {
    let mut form = Form::with(input);
    let promotion = PromotionId::parse(form.value("promotion_id"))
        .map_err(|_| form.fail("promotion_id", "choose a promotion"))
        .ok();
    let usage_limit = match form.value("usage_limit") {
        "" => Some(None),
        typed => typed.parse::<i64>().map(Some).map_err(|_| form.fail("usage_limit", "must be a whole number")).ok(),
    };
    if form.value("code").is_empty() {
        form.fail("code", "is required");
    }
    let (Some(promotion_id), Some(usage_limit), false) = (promotion, usage_limit, form.has_errors()) else {
        return promotions_page(&console, &staff, "", StatusCode::UNPROCESSABLE_ENTITY, None, Some(form), None).await;
    };
    let coupon = NewCoupon {
        code: form.value("code").to_owned(),
        promotion_id,
        usage_limit,
        valid_from: optional(form.value("valid_from")),
        valid_to: optional(form.value("valid_to")),
    };
    let key = optional(form.value("key")).unwrap_or_else(new_key);
    match console.api.create::<Coupon>(&staff.token, "/v1/coupons", &key, &coupon).await {
        Ok(created) => see_other(&with_query("/admin/promotions", &[("notice", "coupon"), ("code", &created.code)])),
        Err(err) => {
            let status = Form::status(&err);
            form.absorb(&err, |f| {
                matches!(f, "code" | "promotion_id" | "usage_limit" | "valid_from" | "valid_to").then(|| f.to_owned())
            });
            promotions_page(&console, &staff, "", status, None, Some(form), None).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_values_follow_their_kind() {
        let eur = Currency::Eur;
        assert_eq!(parse_value(PromotionKind::OrderPercent, "10", eur), Ok(PromotionValue::BasisPoints(1000)));
        assert_eq!(
            parse_value(PromotionKind::ProductFixed, "2.50", eur),
            Ok(PromotionValue::Amount(contracts::money::Money::new(250, eur)))
        );
        assert_eq!(
            parse_value(PromotionKind::BuyXGetY, "2+1", eur),
            Ok(PromotionValue::BuyGet(BuyGet { buy: 2, get: 1 }))
        );
        assert!(parse_value(PromotionKind::BuyXGetY, "2", eur).is_err());
        assert!(parse_value(PromotionKind::CategoryPercent, "ten", eur).is_err());
        for (name, _) in KINDS {
            assert_eq!(parse_kind(name).map(kind_name), Some(*name));
        }
    }

    #[test]
    fn promotion_values_read_back() {
        assert_eq!(value_text(&PromotionValue::BasisPoints(1250)), "12.50 %");
        assert_eq!(value_text(&PromotionValue::BuyGet(BuyGet { buy: 3, get: 1 })), "buy 3, get 1");
    }
}
