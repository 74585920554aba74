//! A product's picture: uploaded by its producer, served by this service.

use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use uuid::Uuid;

use super::AppState;
use crate::auth::{Authorized, ProducerOnly};
use crate::db;
use crate::error::ApiError;
use crate::extract::PathId;
use crate::services::product_view::ProductOut;
use crate::services::{access, catalog};

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
    PathId(id): PathId,
    payload: web::Payload,
) -> Result<web::Json<ProductOut>, ApiError> {
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
        .registry_write(move |conn| catalog::set_product_picture(conn, &principal, id, &picture))
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
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
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
