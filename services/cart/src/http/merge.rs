//! `POST /v1/carts/{id}/merge`: a guest cart's lines move into the calling customer's cart —
//! what a client does right after the shopper signs in.
//!
//! `{id}` is `mine` (the customer's active cart, created with the guest cart's settings if
//! there is none) or the id of the customer's active cart. Quantities of a SKU on both add up
//! (at most 1,000), the guest's other lines follow, coupon codes are joined. The guest cart
//! becomes `merged` (read-only) in the same transaction, announced as `cart.merged`. Merging
//! the same guest cart again answers with the cart it went into.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use contracts::cart::{Cart, CartId, CartMerged, CartStatus, MergeCart};
use contracts::ids::CustomerId;
use runtime::http::{FieldError, Json, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState, Caller, NO_CART, respond};
use crate::domain::CartState;
use crate::events;
use crate::store::carts as store;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(merge_cart))
}

/// Merge a guest cart into the calling customer's cart (customer token required).
#[utoipa::path(
    post,
    path = "/v1/carts/{id}/merge",
    tag = "carts",
    request_body = MergeCart,
    params(("id" = String, Path, description = "`mine` (created if the customer has no active cart), or the id of the customer's active cart")),
    responses(
        (status = 200, description = "The customer's cart after the merge (also for a repeated merge)", body = Cart),
        (status = 400, description = "Malformed body, unknown fields or a malformed `guest_cart_id`", body = ProblemSchema),
        (status = 401, description = "No token, or an invalid or expired one", body = ProblemSchema),
        (status = 403, description = "A token that is not a customer's", body = ProblemSchema),
        (status = 404, description = "`{id}` is not the caller's cart", body = ProblemSchema),
        (status = 409, description = "The target cart is not active (`cart-not-active`); the guest cart is the caller's own, the target itself, merged elsewhere or converted (`cart-not-mergeable`)", body = ProblemSchema),
        (status = 422, description = "No guest cart has that id (`guest_cart_id`); the merged cart would exceed 100 lines (`lines`)", body = ProblemSchema),
    ),
    security(("bearer" = []))
)]
async fn merge_cart(
    State(state): State<AppState>,
    caller: Caller,
    Path(reference): Path<String>,
    Json(dto): Json<MergeCart>,
) -> Result<Response, ApiError> {
    let customer = caller.customer()?.clone();
    let mut attempt = 0;
    let cart = loop {
        attempt += 1;
        match try_merge(&state, &customer, &reference, &dto.guest_cart_id).await {
            // PostgreSQL: a concurrent request created the customer's active cart first (unique
            // violation), or two merges locked the same carts (deadlock); the next attempt sees
            // the winner's work.
            Err(ApiError::Db(err)) if (err.is_unique_violation() || err.is_contention()) && attempt < 3 => {}
            other => break other?,
        }
    };
    Ok(respond(&state, StatusCode::OK, cart, caller.customer_group.as_deref(), None).await)
}

fn unknown_guest() -> ApiError {
    ApiError::Invalid(vec![FieldError::new("guest_cart_id", "no guest cart has that id")])
}

async fn try_merge(
    state: &AppState,
    customer: &CustomerId,
    reference: &str,
    guest_id: &CartId,
) -> Result<CartState, ApiError> {
    let mut tx = state.db.begin().await?;
    let target_id = if reference == "mine" {
        store::active_for(&mut tx, customer).await?
    } else {
        Some(CartId::parse(reference).map_err(|_| ApiError::NotFound(NO_CART))?)
    };
    // Both carts are locked in id order, so that two merges never wait for each other.
    let mut ids: Vec<&CartId> = std::iter::once(guest_id).chain(target_id.as_ref()).collect();
    ids.sort();
    ids.dedup();
    let mut locked = BTreeMap::new();
    for id in ids {
        if let Some(cart) = store::lock(&mut tx, id).await? {
            locked.insert(id.clone(), cart);
        }
    }
    let mut guest = locked.get(guest_id).cloned().ok_or_else(unknown_guest)?;
    let target = match &target_id {
        Some(id) => {
            let target = locked.remove(id).filter(|t| t.customer_id.as_ref() == Some(customer));
            Some(target.ok_or(ApiError::NotFound(NO_CART))?)
        }
        None => None,
    };
    match guest.customer_id.as_ref() {
        // Another customer's cart is as unknown as a cart that does not exist.
        Some(owner) if owner != customer => return Err(unknown_guest()),
        Some(_) if target.as_ref().is_some_and(|t| t.id == guest.id) => {
            return Err(ApiError::NotMergeable("A cart cannot be merged into itself."));
        }
        Some(_) => return Err(ApiError::NotMergeable("That cart is not a guest cart: it is already yours.")),
        None => {}
    }
    match guest.status {
        CartStatus::Active => {}
        CartStatus::Converted => {
            return Err(ApiError::NotMergeable("An order was placed from that guest cart."));
        }
        CartStatus::Merged => {
            // A repeated merge (a retry, a second login) answers with the cart it went into.
            let into = match &guest.merged_into {
                Some(id) => store::find(&mut tx, id).await?,
                None => None,
            };
            return match into {
                Some(into)
                    if into.customer_id.as_ref() == Some(customer)
                        && target.as_ref().is_none_or(|t| t.id == into.id || reference == "mine") =>
                {
                    Ok(into)
                }
                _ => Err(ApiError::NotMergeable("That guest cart was already merged into another cart.")),
            };
        }
    }
    let now = runtime::db::now();
    let (mut target, fresh) = match target {
        Some(target) => {
            target.ensure_active()?;
            (target, false)
        }
        None => (CartState::for_customer_like(CartId::generate(), customer.clone(), &guest, &now), true),
    };
    let before = target.clone();
    target.merge_from(&guest).map_err(|e| ApiError::Invalid(vec![e]))?;
    if fresh {
        store::insert(&mut tx, &target).await?;
    } else {
        target.touch(&now);
        store::save(&mut tx, &before, &target).await?;
    }
    let guest_before = guest.clone();
    guest.mark_merged(&target.id);
    guest.touch(&now);
    store::save(&mut tx, &guest_before, &guest).await?;
    let merged =
        CartMerged { guest_cart_id: guest.id.clone(), cart_id: target.id.clone(), customer_id: customer.clone() };
    events::merged(&state.outbox, &mut tx, &merged).await?;
    state.outbox.commit(tx).await?;
    tracing::info!(guest_cart_id = %guest.id, cart_id = %target.id, customer_id = %customer, "guest cart merged");
    Ok(target)
}
