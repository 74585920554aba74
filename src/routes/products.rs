//! Products (producer-owned) and their OCOP ratings (authority-written).

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{AppState, page};
use crate::auth::{AuthorityOnly, Authorized, NotRetailer, Principal, ProducerOnly};
use crate::db::products::{ArchiveFilter, ProductFilter, ProductRow, RatingRow};
use crate::db::stored_uuid;
use crate::db::{self, DbConnection};
use crate::domain::ocop::{
    OcopGroup, RatingDraft, RatingLevel, RatingStatus, parse_rating, rating_status,
};
use crate::domain::pagination::Paginated;
use crate::domain::product::{ProductDraft, ProductPatch, apply_product_patch, parse_new_product};
use crate::domain::time::today;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, parse_uuid};
use crate::services::access;

/// An OCOP rating as shown: an expired rating has no stars, only its status.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RatingOut {
    pub id: Uuid,
    pub product_id: Uuid,
    /// `expired` once the expiry day (Vietnam time) has passed.
    pub status: RatingStatus,
    /// The stars, while the rating is valid; null once it has expired.
    #[schema(minimum = 3, maximum = 5)]
    pub stars: Option<u8>,
    /// The stars that were awarded, for the record (not for display).
    pub awarded_stars: u8,
    pub certificate_number: String,
    pub level: RatingLevel,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub awarded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl RatingOut {
    pub fn from_row(row: &RatingRow, today: NaiveDate) -> Result<Self, ApiError> {
        let status = rating_status(row.expires_on, today);
        let awarded_stars = u8::try_from(row.stars).unwrap_or(0);
        Ok(Self {
            id: stored_uuid(&row.id)?,
            product_id: stored_uuid(&row.product_id)?,
            status,
            stars: (status == RatingStatus::Valid).then_some(awarded_stars),
            awarded_stars,
            certificate_number: row.certificate_number.clone(),
            level: RatingLevel::parse(&row.level).unwrap_or(RatingLevel::Provincial),
            issued_on: row.issued_on,
            expires_on: row.expires_on,
            awarded_by: stored_uuid(&row.awarded_by)?,
            created_at: row.created_at.and_utc(),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProductOut {
    pub id: Uuid,
    pub producer_id: Uuid,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub group: OcopGroup,
    /// The group's Vietnamese name.
    #[schema(example = "Thực phẩm")]
    pub group_name_vi: String,
    /// GTIN-14.
    pub gtin: Option<String>,
    pub description_vi: Option<String>,
    pub description_en: Option<String>,
    pub image_url: Option<String>,
    pub unit: Option<String>,
    /// The current OCOP rating, if the product has one.
    pub ocop: Option<RatingOut>,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProductOut {
    pub fn from_row(
        row: &ProductRow,
        rating: Option<&RatingRow>,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let fields = row.fields();
        Ok(Self {
            id: stored_uuid(&row.id)?,
            producer_id: stored_uuid(&row.producer_id)?,
            name_vi: fields.name_vi,
            name_en: fields.name_en,
            group: fields.group,
            group_name_vi: fields.group.name_vi().to_owned(),
            gtin: row.gtin.clone(),
            description_vi: fields.description_vi,
            description_en: fields.description_en,
            image_url: fields.image_url,
            unit: fields.unit,
            ocop: rating.map(|r| RatingOut::from_row(r, today)).transpose()?,
            archived_at: row.archived_at.map(|t| t.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

fn product_out(conn: &mut DbConnection, row: &ProductRow) -> Result<ProductOut, ApiError> {
    let rating = db::products::current_rating(conn, row)?;
    ProductOut::from_row(row, rating.as_ref(), today())
}

fn check_gtin_free(
    conn: &mut DbConnection,
    gtin: Option<&str>,
    except: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(gtin) = gtin
        && db::products::gtin_taken_by_other(conn, gtin, except)?
    {
        return Err(ApiError::Conflict {
            field: Some("gtin".into()),
            reason: "another product already has this GTIN".into(),
        });
    }
    Ok(())
}

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
    let fields = parse_new_product(&body.into_inner())?;
    let producer = caller.org_id;
    let out = state
        .services
        .registry_write(move |conn| {
            check_gtin_free(conn, fields.gtin.as_ref().map(|g| g.as_str()), None)?;
            let row = db::products::insert(conn, producer, &fields)?;
            ProductOut::from_row(&row, None, today())
        })
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
    #[param(minimum = 1, default = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<u32>,
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
    params(ProductListQuery),
    responses((status = 200, body = Paginated<ProductOut>), (status = 400, response = crate::error::ProblemResponse))
)]
#[get("/products")]
pub async fn list_products(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<ProductListQuery>,
) -> Result<web::Json<Paginated<ProductOut>>, ApiError> {
    let q = query.into_inner();
    let page = page(q.page, q.per_page)?;
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
    Ok(web::Json(out))
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
    id: web::Path<String>,
) -> Result<web::Json<ProductOut>, ApiError> {
    let id = parse_uuid("id", &id)?;
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
    id: web::Path<String>,
    body: ApiJson<ProductPatch>,
) -> Result<web::Json<ProductOut>, ApiError> {
    let id = parse_uuid("id", &id)?;
    let patch = body.into_inner();
    let principal = caller.principal;
    let out = state
        .services
        .registry_write(move |conn| {
            let row = access::own_product(conn, &principal, id)?;
            let fields = apply_product_patch(&row.fields(), &patch)?;
            check_gtin_free(
                conn,
                fields.gtin.as_ref().map(|g| g.as_str()),
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
    id: web::Path<String>,
) -> Result<web::Json<ProductOut>, ApiError> {
    let id = parse_uuid("id", &id)?;
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
    id: web::Path<String>,
    body: ApiJson<RatingDraft>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("id", &id)?;
    let today = today();
    let rating = parse_rating(&body.into_inner(), today)?;
    let principal = caller.principal;
    let out = state
        .services
        .registry_write(move |conn| {
            let product = db::products::find(conn, id)?
                .ok_or_else(|| ApiError::not_found("no such product"))?;
            let row = db::products::insert_rating(conn, &product, &rating, principal.org_id)?;
            let out = RatingOut::from_row(&row, today)?;
            let after = serde_json::to_value(&out).ok();
            db::audit::record(
                conn,
                principal.actor(),
                "ocop_rating.create",
                "product",
                &product.id,
                None,
                after.as_ref(),
            )?;
            Ok(out)
        })
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
    id: web::Path<String>,
) -> Result<web::Json<RatingOut>, ApiError> {
    let id = parse_uuid("id", &id)?;
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
    id: web::Path<String>,
) -> Result<web::Json<Vec<RatingOut>>, ApiError> {
    let id = parse_uuid("id", &id)?;
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
    #[param(minimum = 1, default = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<u32>,
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
    params(ExpiringQuery),
    responses((status = 200, body = Paginated<ExpiringRating>), (status = 422, response = crate::error::ProblemResponse))
)]
#[get("/ocop-ratings")]
pub async fn list_expiring_ratings(
    state: web::Data<AppState>,
    caller: Authorized<NotRetailer>,
    query: ApiQuery<ExpiringQuery>,
) -> Result<web::Json<Paginated<ExpiringRating>>, ApiError> {
    let q = query.into_inner();
    let page = page(q.page, q.per_page)?;
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

/// Read an upload of at most `limit` bytes.
async fn read_upload(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(None, e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Upload the product's picture (its producer): the body is the image itself,
/// `image/png` or `image/jpeg`, at most 5 MB. It is checked, shrunk to at
/// most 1024 px and re-encoded as JPEG (nothing of the original file, such
/// as a camera's GPS position, is kept), then served by this service at the
/// product's `image_url`: the scan page loads nothing from other hosts.
#[utoipa::path(
    tag = "products",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "A PNG or JPEG image"),
    responses(
        (status = 200, body = ProductOut),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 413, response = crate::error::ProblemResponse),
        (status = 415, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[put("/products/{id}/image")]
pub async fn put_product_image(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Authorized<ProducerOnly>,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<web::Json<ProductOut>, ApiError> {
    let id = parse_uuid("id", &id)?;
    let principal = caller.principal;
    // Is it the caller's product? Before reading (and decoding) the upload.
    state
        .services
        .read({
            let principal = principal.clone();
            move |conn| access::own_product(conn, &principal, id).map(|_| ())
        })
        .await?;
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(content_type.as_str(), "image/png" | "image/jpeg") {
        return Err(ApiError::UnsupportedMediaType(
            "send the picture as image/png or image/jpeg".into(),
        ));
    }
    let bytes = read_upload(payload, crate::labels::picture::MAX_UPLOAD_BYTES).await?;
    let picture = web::block(move || crate::labels::picture::prepare(&bytes, &content_type))
        .await?
        .map_err(|why| ApiError::invalid("image", why))?;
    let out = state
        .services
        .registry_write(move |conn| {
            let row = access::own_product(conn, &principal, id)?;
            let stored = db::products::NewPicture {
                jpeg: &picture.jpeg,
                sha256: &picture.sha256,
                width: picture.width,
                height: picture.height,
            };
            db::products::put_picture(conn, &row.id, &stored)?;
            let row = access::own_product(conn, &principal, id)?;
            product_out(conn, &row)
        })
        .await?;
    Ok(web::Json(out))
}

/// Remove the product's picture (its producer).
#[utoipa::path(
    tag = "products",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id")),
    responses((status = 204, description = "Removed"), (status = 404, response = crate::error::ProblemResponse))
)]
#[delete("/products/{id}/image")]
pub async fn delete_product_image(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOnly>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("id", &id)?;
    let principal = caller.principal;
    state
        .services
        .registry_write(move |conn| {
            let row = access::own_product(conn, &principal, id)?;
            Ok(db::products::delete_picture(conn, &row.id)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A product's picture (public: the scan page shows it). Cached for good:
/// its address changes with the picture.
#[utoipa::path(
    tag = "public",
    params(("file" = String, Path, description = "`{product id}.jpg`")),
    responses(
        (status = 200, description = "The picture", content_type = "image/jpeg", body = Vec<u8>),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/images/products/{file}")]
pub async fn product_image(
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let missing = || ApiError::not_found("no such picture");
    let id = file
        .strip_suffix(".jpg")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(missing)?;
    let found = state
        .services
        .read(move |conn| Ok(db::products::find_picture(conn, &id.to_string())?))
        .await?;
    let (jpeg, sha256) = found.ok_or_else(missing)?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            "public, max-age=31536000, immutable",
        ))
        .insert_header((actix_web::http::header::ETAG, format!("\"{sha256}\"")))
        .body(jpeg))
}
