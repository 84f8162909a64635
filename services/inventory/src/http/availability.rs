//! `/v1/availability?sku=A&sku=B` (or `sku=A,B`): available-to-promise per location.

use axum::extract::{RawQuery, State};
use contracts::ids::Sku;
use contracts::inventory::AvailabilityList;
use runtime::http::{FieldError, Json, Problem, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::store::stock;

/// Most SKUs one availability request may ask for.
const MAX_SKUS: usize = 100;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_availability))
}

fn parse_skus(query: Option<&str>) -> Result<Vec<Sku>, Problem> {
    let mut skus = Vec::new();
    let mut errors = Vec::new();
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if key != "sku" {
            errors.push(FieldError::new(key.into_owned(), "unknown parameter; use `sku`"));
            continue;
        }
        for raw in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match Sku::parse(raw) {
                Ok(sku) if !skus.contains(&sku) => skus.push(sku),
                Ok(_) => {}
                Err(e) => errors.push(FieldError::new("sku", format!("`{raw}` {e}"))),
            }
        }
    }
    if skus.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("sku", "at least one SKU is required"));
    }
    if skus.len() > MAX_SKUS {
        errors.push(FieldError::new("sku", format!("at most {MAX_SKUS} SKUs per request")));
    }
    if errors.is_empty() {
        Ok(skus)
    } else {
        Err(Problem::bad_request("Invalid availability query; see `errors`.").with_errors(errors))
    }
}

/// Available-to-promise of one or more SKUs, per location and in total.
#[utoipa::path(
    get,
    path = "/v1/availability",
    tag = "availability",
    params(("sku" = Vec<String>, Query, description = "SKUs, repeated or comma-separated (up to 100)")),
    responses(
        (status = 200, description = "One entry per SKU, in request order", body = AvailabilityList),
        (status = 400, description = "No, invalid or too many SKUs", body = ProblemSchema),
    )
)]
async fn get_availability(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<AvailabilityList>, ApiError> {
    let skus = parse_skus(query.as_deref())?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(AvailabilityList { data: stock::availability(&mut conn, &skus).await? }))
}

#[cfg(test)]
mod tests {
    use super::parse_skus;

    #[test]
    fn accepts_repeated_and_comma_separated_skus_once_each() {
        let skus = parse_skus(Some("sku=A-1,B-2&sku=A-1&sku=C.3")).expect("valid");
        let texts: Vec<_> = skus.iter().map(|s| s.as_str()).collect();
        assert_eq!(texts, ["A-1", "B-2", "C.3"]);
    }

    #[test]
    fn rejects_empty_bad_unknown_and_too_many() {
        assert!(parse_skus(None).is_err());
        assert!(parse_skus(Some("sku=bad sku")).is_err());
        assert!(parse_skus(Some("sku=A&x=1")).is_err());
        let many = (0..101).map(|i| format!("S{i}")).collect::<Vec<_>>().join(",");
        assert!(parse_skus(Some(&format!("sku={many}"))).is_err());
    }
}
