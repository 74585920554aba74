//! Products (producer-owned). Their ratings are in `ratings`, their pictures
//! in `product_images`.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use super::list_answer::list_answer;
use crate::auth::{Authorized, Principal, ProducerOnly};
use crate::db::products::{ArchiveFilter, ProductFilter, RatingRow};
use crate::db::{self};
use crate::domain::ocop::OcopGroup;
use crate::domain::pagination::{PageQuery, Paginated};
use crate::domain::product::{ProductDraft, ProductPatch, apply_product_patch, parse_new_product};
use crate::domain::time::today;
use crate::error::ApiError;
use crate::extract::{ApiJson, ListQuery, PathId};
use crate::services::product_view::{ProductOut, product_out};
use crate::services::{access, catalog};

/// Register a product (producers, for themselves).
#[utoipa::path(
    tag = "products",
    security(("bearer" = [])),
    request_body = ProductDraft,
    responses(
        (status = 201, body = ProductOut),
        (status = 409, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[post("/products")]
pub async fn create_product(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOnly>,
    body: ApiJson<ProductDraft>,
) -> Result<HttpResponse, ApiError> {
    let fields = body.check(parse_new_product)?;
    let producer = caller.org_id;
    let out = state
        .services
        .registry_write(move |conn| catalog::register_product(conn, producer, &fields))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/products/{}", out.id)))
        .json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProductListQuery {
    pub group: Option<OcopGroup>,
    /// Only products whose current rating is valid today with this many stars.
    #[param(minimum = 3, maximum = 5)]
    pub stars: Option<u8>,
    /// The producer's district, e.g. `Lạc Thủy`.
    pub district: Option<String>,
    /// Text in the name, with or without diacritics ("mat ong" finds "Mật ong").
    pub q: Option<String>,
    /// GTIN (any length; matched as GTIN-14).
    pub gtin: Option<String>,
    /// Admin, authority, retailer: only this producer's products.
    pub producer_id: Option<Uuid>,
    /// `active` (default), `archived` or `all`.
    pub archived: Option<ArchivedParam>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArchivedParam {
    Active,
    Archived,
    All,
}

/// List products: a producer sees its own, everyone else all of them.
#[utoipa::path(
    tag = "products",
    security(("bearer" = [])),
    params(ProductListQuery, PageQuery),
    responses((status = 200, body = Paginated<ProductOut>), (status = 400, response = crate::error::ProblemResponse))
)]
#[get("/products")]
pub async fn list_products(
    state: web::Data<AppState>,
    principal: Principal,
    query: ListQuery<ProductListQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format;
    let (q, page) = (query.filters, query.page);
    if q.stars.is_some_and(|s| !(3..=5).contains(&s)) {
        return Err(ApiError::invalid("stars", "must be 3, 4 or 5"));
    }
    let gtin = q
        .gtin
        .as_deref()
        .map(|g| crate::domain::gs1::Gtin::parse("gtin", g))
        .transpose()?;
    let filter = ProductFilter {
        producer_id: principal.own_producer_scope().or(q.producer_id),
        group: q.group,
        stars: q.stars.map(i32::from),
        district: q
            .district
            .map(|d| crate::domain::text::normalize(&d))
            .filter(|d| !d.is_empty()),
        q: q.q.filter(|t| !t.trim().is_empty()),
        gtin: gtin.map(|g| g.as_str().to_owned()),
        archived: match q.archived {
            None | Some(ArchivedParam::Active) => ArchiveFilter::Active,
            Some(ArchivedParam::Archived) => ArchiveFilter::Archived,
            Some(ArchivedParam::All) => ArchiveFilter::All,
        },
    };
    let out = state
        .services
        .read(move |conn| {
            let today = today();
            let found = db::products::list(conn, &filter, today, page)?;
            let rating_ids: Vec<String> = found
                .items
                .iter()
                .filter_map(|p| p.current_rating_id.clone())
                .collect();
            let ratings: HashMap<String, RatingRow> =
                db::products::ratings_by_id(conn, &rating_ids)?
                    .into_iter()
                    .map(|r| (r.id.clone(), r))
                    .collect();
            found.try_map(|p| {
                let rating = p.current_rating_id.as_ref().and_then(|id| ratings.get(id));
                ProductOut::from_row(&p, rating, today)
            })
        })
        .await?;
    list_answer(format, "products", out)
}

/// One product with its current OCOP rating.
#[utoipa::path(
    tag = "products",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    responses((status = 200, body = ProductOut), (status = 404, response = crate::error::ProblemResponse))
)]
#[get("/products/{id}")]
pub async fn get_product(
    state: web::Data<AppState>,
    principal: Principal,
    PathId(id): PathId,
) -> Result<web::Json<ProductOut>, ApiError> {
    let out = state
        .services
        .read(move |conn| {
            let row = access::visible_product(conn, &principal, id)?;
            product_out(conn, &row)
        })
        .await?;
    Ok(web::Json(out))
}

/// Correct a product (its producer). Printed labels keep working: codes
/// belong to batches, not to the product's data.
#[utoipa::path(
    tag = "products",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    request_body = ProductPatch,
    responses(
        (status = 200, body = ProductOut),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 409, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[patch("/products/{id}")]
pub async fn update_product(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOnly>,
    PathId(id): PathId,
    body: ApiJson<ProductPatch>,
) -> Result<web::Json<ProductOut>, ApiError> {
    let patch = body.into_inner()?;
    let principal = caller.principal;
    let out = state
        .services
        .registry_write(move |conn| {
            let row = access::own_product(conn, &principal, id)?;
            let fields = apply_product_patch(&row.fields()?, &patch)?;
            catalog::check_gtin_free(
                conn,
                fields
                    .gtin
                    .as_ref()
                    .map(super::super::domain::gs1::Gtin::as_str),
                Some(&row.id),
            )?;
            let row = db::products::update_fields(conn, row, &fields)?;
            product_out(conn, &row)
        })
        .await?;
    Ok(web::Json(out))
}

/// Archive a product (its producer): it leaves the default lists; its
/// batches and printed codes keep resolving.
#[utoipa::path(
    tag = "products",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    responses((status = 200, body = ProductOut), (status = 404, response = crate::error::ProblemResponse))
)]
#[post("/products/{id}/archive")]
pub async fn archive_product(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOnly>,
    PathId(id): PathId,
) -> Result<web::Json<ProductOut>, ApiError> {
    let principal = caller.principal;
    let out = state
        .services
        .registry_write(move |conn| {
            let row = access::own_product(conn, &principal, id)?;
            let row = db::products::archive(conn, row)?;
            product_out(conn, &row)
        })
        .await?;
    Ok(web::Json(out))
}
