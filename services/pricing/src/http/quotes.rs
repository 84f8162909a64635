//! `POST /v1/quotes` (public): price a cart. See [`crate::domain::quote`] for the rules.

use axum::extract::State;
use contracts::pricing::{Quote, QuoteRequest};
use runtime::http::{Json, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::quote::{CouponState, QuoteError, QuoteInput, price};
use crate::domain::{ValidQuoteRequest, coupon_code};
use crate::store::{coupons, price_lists, promotions};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_quote))
}

/// Price a cart: prices, promotions (all automatic ones and at most one coupon), shipping
/// and tax, with a `signature` that changes whenever the result does. Public.
#[utoipa::path(
    post,
    path = "/v1/quotes",
    tag = "quotes",
    request_body = QuoteRequest,
    responses(
        (status = 200, description = "The priced cart", body = Quote),
        (status = 400, description = "Malformed body, unknown fields or unknown currency", body = ProblemSchema),
        (status = 422, description = "Invalid fields, a SKU without a price (`lines[i].sku`, with `unpriced_skus`), or no rate for the shipping method", body = ProblemSchema),
    )
)]
async fn create_quote(State(state): State<AppState>, Json(dto): Json<QuoteRequest>) -> Result<Json<Quote>, ApiError> {
    let valid = ValidQuoteRequest::parse(dto).map_err(ApiError::Invalid)?;
    let now = runtime::db::now();
    let mut conn = state.db.acquire().await?;
    let sku_list: Vec<&str> = valid.lines.iter().map(|(s, _)| s.as_str()).collect();
    let (candidates, categories) = price_lists::candidates(&mut conn, valid.currency, &sku_list).await?;
    let rules = state.rules.current(&mut conn, &now).await?;
    let mut coupon_states = Vec::with_capacity(valid.coupon_codes.len());
    for code in &valid.coupon_codes {
        let mut state = None;
        if let Some(normal) = coupon_code(code)
            && let Some(coupon) = coupons::find(&mut conn, &normal).await?
            && let Some(promotion) = promotions::find(&mut conn, coupon.promotion_id.as_str()).await?
        {
            state = Some(CouponState {
                usage_limit: coupon.usage_limit,
                used: coupon.used,
                valid_from: coupon.valid_from,
                valid_to: coupon.valid_to,
                promotion,
            });
        }
        coupon_states.push((code.clone(), state));
    }
    drop(conn);
    let input = QuoteInput {
        currency: valid.currency,
        customer_group: valid.customer_group,
        lines: valid.lines,
        candidates,
        categories,
        automatic: rules.automatic.clone(),
        coupons: coupon_states,
        shipping: valid.shipping_method.map(|method| {
            let rate = rules.shipping_rate(&method, &valid.country, valid.currency).cloned();
            (method, rate)
        }),
        tax: rules.tax(&valid.country).cloned(),
        now,
    };
    match price(&input) {
        Ok(quote) => Ok(Json(quote)),
        Err(QuoteError::Unpriced(lines)) => Err(ApiError::Unpriced(lines)),
        Err(QuoteError::NoShippingRate) => Err(ApiError::NoShippingRate),
        Err(QuoteError::Money(err)) => Err(ApiError::Money(err)),
    }
}
