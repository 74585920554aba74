//! Provenance verification for supermarkets and the authority: one code, or
//! a whole delivery in one request (the use case: `services::verify`).

use actix_web::{get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use crate::auth::{Authorized, RoleSet};
use crate::domain::organization::OrgKind;
use crate::domain::scan::pick_language;
use crate::domain::verify::MAX_CODES_PER_DELIVERY;
use crate::error::ApiError;
use crate::extract::{ApiQuery, BulkJson};
use crate::services::verify::verify_codes;
pub use crate::services::verify::{CodeVerdict, DeliveryVerdict, ProvenanceEntry, VerifyOne};

/// Everyone with an account verifies; a producer only its own codes (any
/// other code reads `unknown`).
pub struct Verifiers;
impl RoleSet for Verifiers {
    const ROLES: &'static [OrgKind] = &[
        OrgKind::Admin,
        OrgKind::Authority,
        OrgKind::Producer,
        OrgKind::Retailer,
    ];
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    /// Language of names and reasons: `vi` (default) or `en`.
    pub lang: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRequest {
    /// 1 to 10,000 codes as printed or scanned (any case, hyphens allowed).
    #[schema(min_items = 1, max_items = 10000)]
    pub codes: Vec<String>,
}

/// Verify one code: its verdict and full provenance. A retailer sees the
/// producer's events and its own; other shops' events count in the verdict
/// (`already_sold`) but are not shown.
#[utoipa::path(
    tag = "verification",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "A trace code, any case, hyphens allowed"), VerifyQuery),
    responses((status = 200, body = VerifyOne))
)]
#[get("/verify/{code}")]
pub async fn verify_code(
    state: web::Data<AppState>,
    caller: Authorized<Verifiers>,
    code: web::Path<String>,
    query: ApiQuery<VerifyQuery>,
) -> Result<web::Json<VerifyOne>, ApiError> {
    let lang = pick_language(query.into_inner().lang.as_deref(), None);
    let who = caller.principal;
    let sent = vec![code.into_inner()];
    let mut answer = verify_codes(&state.services, who, sent, lang).await?;
    let result = answer
        .results
        .pop()
        .ok_or_else(|| ApiError::internal("no verdict"))?;
    let provenance = result
        .provenance_ref
        .and_then(|r| answer.provenances.remove(&r));
    Ok(web::Json(VerifyOne { result, provenance }))
}

/// Verify a delivery: up to 10,000 codes in one request, a verdict for each
/// (in the order sent) and the provenance of every code run met.
#[utoipa::path(
    tag = "verification",
    security(("bearer" = [])),
    params(VerifyQuery),
    request_body = DeliveryRequest,
    responses(
        (status = 200, body = DeliveryVerdict),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[post("/verify")]
pub async fn verify_delivery(
    state: web::Data<AppState>,
    caller: Authorized<Verifiers>,
    query: ApiQuery<VerifyQuery>,
    body: BulkJson<DeliveryRequest>,
) -> Result<web::Json<DeliveryVerdict>, ApiError> {
    let lang = pick_language(query.into_inner().lang.as_deref(), None);
    let codes = body.into_inner()?.codes;
    if codes.is_empty() || codes.len() > MAX_CODES_PER_DELIVERY {
        return Err(ApiError::invalid(
            "codes",
            format!("send 1 to {MAX_CODES_PER_DELIVERY} codes"),
        ));
    }
    let who = caller.principal;
    let answer = verify_codes(&state.services, who, codes, lang).await?;
    Ok(web::Json(answer))
}
