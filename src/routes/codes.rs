//! One code's QR symbol, as PNG or SVG, for its producer (and the admin).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use super::AppState;
use crate::auth::Principal;
use crate::db;
use crate::domain::code::TraceCode;
use crate::domain::organization::OrgKind;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::labels::qr::{self, Ecc, Matrix};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QrQuery {
    /// Pixels per module (PNG) or per-module scale (SVG), 1–40 (default 8).
    #[param(minimum = 1, maximum = 40)]
    pub module: Option<u32>,
    /// Light modules around the symbol, 0–16 (default 4, as ISO/IEC 18004 asks).
    #[param(minimum = 0, maximum = 16)]
    pub quiet_zone: Option<u32>,
    /// Error-correction level L, M, Q or H (default M).
    pub ecc: Option<Ecc>,
}

struct QrRequest {
    payload: String,
    module: u32,
    quiet_zone: u32,
    ecc: Ecc,
    etag: String,
}

async fn resolve(
    state: &AppState,
    req: &HttpRequest,
    who: Principal,
    raw_code: &str,
    q: QrQuery,
    kind: &str,
) -> Result<Result<QrRequest, HttpResponse>, ApiError> {
    let module = q.module.unwrap_or(8);
    if !(1..=40).contains(&module) {
        return Err(ApiError::invalid("module", "must be between 1 and 40"));
    }
    let quiet_zone = q.quiet_zone.unwrap_or(4);
    if quiet_zone > 16 {
        return Err(ApiError::invalid("quiet_zone", "must be between 0 and 16"));
    }
    let ecc = q.ecc.unwrap_or_default();
    let code = TraceCode::parse(raw_code)
        .map_err(|e| ApiError::bad_request(Some("code"), e.to_string()))?;
    let payload = state
        .services
        .read(move |conn| {
            let (row, run) = db::codes::find_code(conn, &code)?
                .ok_or_else(|| ApiError::not_found("no such code"))?;
            let allowed = who.is(OrgKind::Admin) || run.producer_id == who.org_id.to_string();
            if !allowed {
                return Err(ApiError::not_found("no such code"));
            }
            Ok(format!("{}{}", run.payload_prefix, row.code))
        })
        .await?;
    let etag = format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(
            format!("{kind}|{payload}|{module}|{quiet_zone}|{}", ecc.as_str()).as_bytes()
        ))[..32]
    );
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if fresh {
        return Ok(Err(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish()));
    }
    Ok(Ok(QrRequest {
        payload,
        module,
        quiet_zone,
        ecc,
        etag,
    }))
}

fn cached(
    content_type: &str,
    etag: String,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::ETAG, etag))
        // A code's payload never changes, but the label is the producer's.
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400"))
        .body(body)
}

/// The QR code of one code as PNG. `If-None-Match` with the `ETag` gets 304.
#[utoipa::path(
    tag = "codes",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The code, in any case, hyphens allowed"), QrQuery),
    responses(
        (status = 200, description = "PNG", content_type = "image/png", body = Vec<u8>),
        (status = 304, description = "Not modified"),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[get("/codes/{code}/qr.png")]
pub async fn qr_png(
    state: web::Data<AppState>,
    req: HttpRequest,
    principal: Principal,
    code: web::Path<String>,
    query: ApiQuery<QrQuery>,
) -> Result<HttpResponse, ApiError> {
    let qr = match resolve(&state, &req, principal, &code, query.into_inner(), "png").await? {
        Ok(qr) => qr,
        Err(not_modified) => return Ok(not_modified),
    };
    let png = web::block(move || {
        let matrix = Matrix::encode(&qr.payload, qr.ecc)?;
        qr::png(&matrix, qr.module, qr.quiet_zone).map(|png| (png, qr.etag))
    })
    .await?
    .map_err(ApiError::internal)?;
    Ok(cached("image/png", png.1, png.0))
}

/// The QR code of one code as SVG (one path; `data-modules` gives the symbol size).
#[utoipa::path(
    tag = "codes",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The code, in any case, hyphens allowed"), QrQuery),
    responses(
        (status = 200, description = "SVG", content_type = "image/svg+xml", body = String),
        (status = 304, description = "Not modified"),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[get("/codes/{code}/qr.svg")]
pub async fn qr_svg(
    state: web::Data<AppState>,
    req: HttpRequest,
    principal: Principal,
    code: web::Path<String>,
    query: ApiQuery<QrQuery>,
) -> Result<HttpResponse, ApiError> {
    let qr = match resolve(&state, &req, principal, &code, query.into_inner(), "svg").await? {
        Ok(qr) => qr,
        Err(not_modified) => return Ok(not_modified),
    };
    let matrix = Matrix::encode(&qr.payload, qr.ecc).map_err(ApiError::internal)?;
    Ok(cached(
        "image/svg+xml",
        qr.etag,
        qr::svg(&matrix, qr.module, qr.quiet_zone),
    ))
}
