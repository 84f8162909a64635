//! `/v1/coupons`: create (staff) and redeem (internal: the checkout saga, with the order id
//! as `Idempotency-Key`).
//!
//! A redemption is one transaction: the order's redemption row is inserted first (an order
//! that already redeemed the coupon gets its redemption back, counted once), then the
//! coupon's use is counted with one conditional update (only while `used < usage_limit`), so
//! concurrent redemptions on any replica can never exceed the limit; an exhausted coupon
//! rolls the whole transaction back.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use contracts::pricing::{Coupon, NewCoupon, Redemption};
use runtime::auth::{Internal, Staff};
use runtime::db::DbError;
use runtime::http::{FieldError, Json, Problem, ProblemSchema};
use runtime::idempotency::{Begun, Creation, IdempotencyKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState, json_response, key_in_use};
use crate::domain::{ValidCoupon, coupon_code, redeemable};
use crate::store::{coupons, promotions};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_coupon)).routes(routes!(redeem_coupon))
}

/// Create a coupon for a promotion (staff). Codes are case-insensitive. Accepts
/// `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/v1/coupons",
    tag = "coupons",
    request_body = NewCoupon,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: a replay returns the first response")),
    responses(
        (status = 201, description = "Created", body = Coupon),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 409, description = "Code taken (`coupon-code-taken`)", body = ProblemSchema),
        (status = 422, description = "Invalid fields, or no such promotion", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn create_coupon(
    State(state): State<AppState>,
    _staff: Staff,
    key: Option<IdempotencyKey>,
    Json(dto): Json<NewCoupon>,
) -> Result<Response, ApiError> {
    let valid = ValidCoupon::parse(&dto).map_err(ApiError::Invalid)?;
    let creation = Creation::new("POST /v1/coupons", key, &dto);
    let mut tx = match creation.begin(&state.db).await? {
        Begun::Answered(response) => return Ok(response),
        Begun::Fresh(tx) => tx,
    };
    if promotions::find(&mut tx, dto.promotion_id.as_str()).await?.is_none() {
        return Err(ApiError::Invalid(vec![FieldError::new("promotion_id", "no promotion has that id")]));
    }
    if coupons::find(&mut tx, &valid.code).await?.is_some() {
        return Err(ApiError::CodeTaken);
    }
    let created = match coupons::insert(&mut tx, &valid, &dto.promotion_id).await {
        Err(err) if err.is_unique_violation() => return Err(ApiError::CodeTaken),
        other => other?,
    };
    let body = creation.finish(&state.outbox, tx, StatusCode::CREATED, &created).await.map_err(key_in_use)?;
    Ok(json_response(StatusCode::CREATED, body))
}

/// Redeem a coupon for an order (platform services only: the checkout saga).
/// `Idempotency-Key` is required: the order id. The same order redeeming again gets its
/// redemption back and is counted once.
#[utoipa::path(
    post,
    path = "/v1/coupons/{code}/redemptions",
    tag = "coupons",
    params(
        ("code" = String, Path, description = "Coupon code (case-insensitive)"),
        ("Idempotency-Key" = String, Header, description = "Required: the order id"),
    ),
    responses(
        (status = 201, description = "Redeemed (or redeemed before by this order: `idempotent-replayed: true`)", body = Redemption),
        (status = 400, description = "No Idempotency-Key", body = ProblemSchema),
        (status = 403, description = "Not called by a platform service", body = ProblemSchema),
        (status = 404, description = "No such coupon", body = ProblemSchema),
        (status = 409, description = "Usage limit reached (`coupon-exhausted`) or outside its window (`coupon-expired`)", body = ProblemSchema),
    ),
    security(("internal" = []))
)]
async fn redeem_coupon(
    State(state): State<AppState>,
    _internal: Internal,
    Path(code): Path<String>,
    key: IdempotencyKey,
) -> Result<Response, ApiError> {
    let code = coupon_code(&code).ok_or(ApiError::NotFound("coupon"))?;
    for _ in 0..3 {
        let mut tx = state.db.begin().await?;
        let coupon = coupons::find(&mut tx, &code).await?.ok_or(ApiError::NotFound("coupon"))?;
        if let Some(done) = coupons::find_redemption(&mut tx, &code, key.as_str()).await? {
            return Ok(replayed(done));
        }
        let promotion =
            promotions::find(&mut tx, coupon.promotion_id.as_str()).await?.ok_or(ApiError::NotFound("coupon"))?;
        let now = runtime::db::now();
        let window = (coupon.valid_from.as_deref(), coupon.valid_to.as_deref());
        if !redeemable(window, (promotion.starts_at.as_deref(), promotion.ends_at.as_deref()), &now) {
            return Err(ApiError::CouponExpired);
        }
        let redemption = Redemption { code: code.clone(), order_id: key.as_str().to_owned(), redeemed_at: now };
        if !coupons::insert_redemption(&mut tx, &redemption).await? {
            // The same order redeemed concurrently (PostgreSQL): read its redemption.
            continue;
        }
        if !coupons::use_once(&mut tx, &code).await? {
            return Err(ApiError::CouponExhausted);
        }
        tx.commit().await.map_err(DbError::from)?;
        tracing::info!(code = %code, order_id = %key.as_str(), "coupon redeemed");
        return Ok((StatusCode::CREATED, Json(redemption)).into_response());
    }
    Err(Problem::conflict("idempotency-key-in-use", "This order's redemption is in progress; retry in a moment.")
        .with_retry_after(1)
        .into())
}

fn replayed(redemption: Redemption) -> Response {
    let mut response = (StatusCode::CREATED, Json(redemption)).into_response();
    response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
