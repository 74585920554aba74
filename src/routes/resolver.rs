//! The GS1 Digital Link resolver for links without a serial: a GTIN
//! resolves to its product's public facts, a GTIN and lot to the batch's.
//! (A link with a serial is a scan: `scan::scan_gs1`.) Every link is
//! checked against GS1's syntax first: a malformed one is a 400 naming the AI.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::AppState;
use crate::domain::digital_link::{DigitalLink, parse_path_and_query};
use crate::domain::scan::pick_language;
use crate::domain::time::today;
use crate::error::ApiError;
use crate::services::resolver::{BatchFacts, ProductFacts, batch_facts, product_facts};

/// The request's link, checked.
fn link_of(req: &HttpRequest) -> Result<DigitalLink, ApiError> {
    let raw = req.uri().path_and_query().map_or("", |pq| pq.as_str());
    parse_path_and_query(raw)
        .map_err(|e| ApiError::bad_request(Some(e.ai.as_deref().unwrap_or("path")), e.reason))
}

/// `?lang=` among the link's other parameters, else `Accept-Language`.
fn language(req: &HttpRequest, link: &DigitalLink) -> crate::domain::scan::Lang {
    let asked = link
        .other_params
        .iter()
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.as_str());
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    pick_language(asked, accept)
}

fn facts_answer<T: serde::Serialize>(facts: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::VARY, "Accept-Language"))
        .json(facts)
}

fn unknown_gtin(link: &DigitalLink) -> ApiError {
    ApiError::not_found(format!(
        "no product with GTIN {} is registered here",
        link.key.value
    ))
}

/// A product, by its GTIN (public): its name, producer and OCOP rating.
///
/// GTIN-8, -12 and -13 are read as GTIN-14. Data attributes (`?17=…`) and
/// other parameters (`lang`, `linkType`) may follow.
#[utoipa::path(
    tag = "public",
    params(("gtin" = String, Path, description = "GTIN-8, -12, -13 or -14")),
    responses(
        (status = 200, body = ProductFacts),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/01/{gtin}")]
pub async fn resolve_product(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let link = link_of(&req)?;
    let lang = language(&req, &link);
    let gtin = link.key.value.clone();
    let facts = state
        .services
        .read(move |conn| product_facts(conn, &gtin, lang, today()))
        .await?
        .ok_or_else(|| unknown_gtin(&link))?;
    Ok(facts_answer(&facts))
}

/// A batch, by its product's GTIN and its lot (public): the product, its
/// state (a recall with its reason), farming areas and packing facility.
///
/// A lot this product does not have walks up to the product: a 307 to
/// `/01/{gtin}`, keeping the query, as GS1's resolver standard describes.
#[utoipa::path(
    tag = "public",
    params(
        ("gtin" = String, Path, description = "GTIN-8, -12, -13 or -14"),
        ("lot" = String, Path, description = "The batch/lot number (AI 10), percent-encoded"),
    ),
    responses(
        (status = 200, body = BatchFacts),
        (status = 307, description = "Unknown lot: to the product, `/01/{gtin}`"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/01/{gtin}/10/{lot}")]
pub async fn resolve_batch(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let link = link_of(&req)?;
    let lang = language(&req, &link);
    let lot = link
        .qualifiers
        .iter()
        .find(|q| q.ai == "10")
        .map(|q| q.value.clone())
        .ok_or_else(|| ApiError::bad_request(Some("10"), "the link names no lot"))?;
    let gtin = link.key.value.clone();
    let found = state
        .services
        .read(move |conn| batch_facts(conn, &gtin, &lot, lang, today()))
        .await?;
    match found {
        None => Err(unknown_gtin(&link)),
        Some(Some(facts)) => Ok(facts_answer(&facts)),
        Some(None) => {
            let product = DigitalLink {
                qualifiers: Vec::new(),
                ..link
            };
            Ok(HttpResponse::TemporaryRedirect()
                .insert_header((header::LOCATION, product.to_uri("")))
                .finish())
        }
    }
}
