//! OCOP ratings: awarded by the authority, read by everyone who may see the
//! product.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use crate::auth::{AuthorityOnly, Authorized, NotRetailer, Principal};
use crate::db::{self, stored_uuid};
use crate::domain::ocop::{RatingDraft, parse_rating};
use crate::domain::pagination::{PageQuery, Paginated};
use crate::domain::time::today;
use crate::error::ApiError;
use crate::extract::{ApiJson, ListQuery, PathId};
use crate::services::product_view::RatingOut;
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
pub struct ExpiringQuery {
    /// Current ratings that expire from today up to this many days ahead (1–1095).
    #[param(minimum = 1, maximum = 1095, example = 90)]
    pub expiring_within_days: u32,
}

/// A rating due for re-evaluation, with its product.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExpiringRating {
    pub rating: RatingOut,
    pub product_id: Uuid,
    pub product_name_vi: String,
    pub producer_id: Uuid,
    /// Days left until the rating expires (0 = expires today).
    pub days_left: i64,
}

/// Current ratings expiring soon, for re-evaluation planning: the authority
/// and admin see all, a producer its own.
#[utoipa::path(
    tag = "ocop-ratings",
    security(("bearer" = [])),
    params(ExpiringQuery, PageQuery),
    responses((status = 200, body = Paginated<ExpiringRating>), (status = 422, response = crate::error::ProblemResponse))
)]
#[get("/ocop-ratings")]
pub async fn list_expiring_ratings(
    state: web::Data<AppState>,
    caller: Authorized<NotRetailer>,
    query: ListQuery<ExpiringQuery>,
) -> Result<web::Json<Paginated<ExpiringRating>>, ApiError> {
    let (q, page) = (query.filters, query.page);
    if !(1..=1095).contains(&q.expiring_within_days) {
        return Err(ApiError::invalid(
            "expiring_within_days",
            "must be between 1 and 1095",
        ));
    }
    let scope = caller.own_producer_scope();
    let today = today();
    let until = today + chrono::Days::new(u64::from(q.expiring_within_days));
    let out = state
        .services
        .read(move |conn| {
            let found = db::products::expiring_ratings(conn, scope, today, until, page)?;
            found.try_map(|(rating, product)| {
                Ok(ExpiringRating {
                    rating: RatingOut::from_row(&rating, today)?,
                    product_id: stored_uuid(&product.id)?,
                    product_name_vi: product.name_vi.clone(),
                    producer_id: stored_uuid(&product.producer_id)?,
                    days_left: (rating.expires_on - today).num_days(),
                })
            })
        })
        .await?;
    Ok(web::Json(out))
}
