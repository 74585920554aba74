//! OCOP ratings: awarded by the authority, read by everyone who may see the
//! product.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::list_answer::list_answer;
use crate::auth::{AuthorityOnly, Authorized, NotRetailer, Principal};
use crate::db;
use crate::domain::ocop::{
    DEFAULT_EXPIRING_WINDOW_DAYS, MAX_EXPIRING_WINDOW_DAYS, RatingDraft, RatingStanding,
    parse_rating,
};
use crate::domain::pagination::{PageQuery, Paginated};
use crate::domain::time::today;
use crate::error::ApiError;
use crate::extract::{ApiJson, ListQuery, PathId};
use crate::services::product_view::RatingOut;
use crate::services::rating_lists::{self, RatedProduct, RatingListFilter};
use crate::services::{access, catalog};

/// Award OCOP stars to a product (the authority). The newest-issued rating
/// becomes the product's current one; earlier ones stay in the history.
#[utoipa::path(
    tag = "ocop-ratings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    request_body = RatingDraft,
    responses(
        (status = 201, body = RatingOut),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[post("/products/{id}/ocop-ratings")]
pub async fn create_rating(
    state: web::Data<AppState>,
    caller: Authorized<AuthorityOnly>,
    PathId(id): PathId,
    body: ApiJson<RatingDraft>,
) -> Result<HttpResponse, ApiError> {
    let today = today();
    let rating = body.check(|d| parse_rating(d, today))?;
    let principal = caller.principal;
    let out = state
        .services
        .registry_write(move |conn| catalog::award_rating(conn, &principal, id, &rating, today))
        .await?;
    Ok(HttpResponse::Created().json(out))
}

/// The product's current OCOP rating (404 when it has none).
#[utoipa::path(
    tag = "ocop-ratings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    responses((status = 200, body = RatingOut), (status = 404, response = crate::error::ProblemResponse))
)]
#[get("/products/{id}/ocop-rating")]
pub async fn get_current_rating(
    state: web::Data<AppState>,
    principal: Principal,
    PathId(id): PathId,
) -> Result<web::Json<RatingOut>, ApiError> {
    let out = state
        .services
        .read(move |conn| {
            let product = access::visible_product(conn, &principal, id)?;
            let rating = db::products::current_rating(conn, &product)?
                .ok_or_else(|| ApiError::not_found("this product has no OCOP rating"))?;
            RatingOut::from_row(&rating, today())
        })
        .await?;
    Ok(web::Json(out))
}

/// Every OCOP rating the product was ever awarded, newest first.
#[utoipa::path(
    tag = "ocop-ratings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    responses((status = 200, body = Vec<RatingOut>), (status = 404, response = crate::error::ProblemResponse))
)]
#[get("/products/{id}/ocop-ratings")]
pub async fn list_product_ratings(
    state: web::Data<AppState>,
    principal: Principal,
    PathId(id): PathId,
) -> Result<web::Json<Vec<RatingOut>>, ApiError> {
    let out = state
        .services
        .read(move |conn| {
            let product = access::visible_product(conn, &principal, id)?;
            let today = today();
            db::products::rating_history(conn, &product.id)?
                .iter()
                .map(|r| RatingOut::from_row(r, today))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(web::Json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RatingListQuery {
    /// Only ratings that stand so today: `current` (valid beyond the
    /// window), `expiring` (valid, ending within the window) or `expired`.
    /// Without it, every product's current rating.
    pub standing: Option<RatingStanding>,
    /// The window `expiring` looks ahead by, in days (1–1095, default 90).
    /// Given alone (as before `standing` existed), it lists the expiring.
    #[param(minimum = 1, maximum = 1095, example = 90)]
    pub expiring_within_days: Option<u32>,
}

/// The products' current OCOP ratings by where they stand, soonest expiry
/// first, each with its producer's name and phone and, once expired, how
/// many codes were issued after the expiry (labels still printed under
/// stars the product no longer holds). For re-evaluation planning and
/// follow-up: the authority and admin see all, a producer its own. As CSV
/// with `?format=csv`.
#[utoipa::path(
    tag = "ocop-ratings",
    security(("bearer" = [])),
    params(RatingListQuery, PageQuery),
    responses((status = 200, body = Paginated<RatedProduct>), (status = 422, response = crate::error::ProblemResponse))
)]
#[get("/ocop-ratings")]
pub async fn list_ratings(
    state: web::Data<AppState>,
    caller: Authorized<NotRetailer>,
    query: ListQuery<RatingListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (q, page, format) = (query.filters, query.page, query.format);
    let window_days = q
        .expiring_within_days
        .unwrap_or(DEFAULT_EXPIRING_WINDOW_DAYS);
    if !(1..=MAX_EXPIRING_WINDOW_DAYS).contains(&window_days) {
        return Err(ApiError::invalid(
            "expiring_within_days",
            format!("must be between 1 and {MAX_EXPIRING_WINDOW_DAYS}"),
        ));
    }
    let filter = RatingListFilter {
        standing: q
            .standing
            .or(q.expiring_within_days.map(|_| RatingStanding::Expiring)),
        window_days,
        producer: caller.own_producer_scope(),
    };
    let today = today();
    let out = state
        .services
        .read(move |conn| rating_lists::rated_products(conn, filter, today, page))
        .await?;
    list_answer(format, "ocop-ratings", out)
}
