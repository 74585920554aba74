//! GTIN links without a serial: a product (`/01/{gtin}`), a batch
//! (`/01/{gtin}/10/{lot}`), the same with a consumer product variant
//! (AI 22: we record no variants, so it picks nothing out) and a TPX
//! (AI 235: we issue none, so it walks up to the product).

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::{anchor, facts_answer, facts_link, language, other_language_href};
use crate::domain::digital_link::DigitalLink;
use crate::domain::time::today;
use crate::error::ApiError;
use crate::routes::pages::facts_page::{batch_page, product_page};
use crate::routes::{AppState, digital_link_of, link_request, resolver_links, walk_up_to};
use crate::services::resolver::{
    BatchFacts, BatchLookup, ProductFacts, UNKNOWN_SERIAL_PARAM, batch_facts, product_facts,
};

fn unknown_gtin(link: &DigitalLink) -> ApiError {
    ApiError::not_found(format!(
        "no product with GTIN {} is registered here",
        link.key.value
    ))
}

/// Any GTIN link without a serial, by the qualifiers it has.
async fn resolve(state: &AppState, req: &HttpRequest) -> Result<HttpResponse, ApiError> {
    let link = digital_link_of(req)?;
    if link.qualifiers.iter().any(|q| q.ai == "235") {
        return Ok(walk_up_to(&link.keeping(|_| false)));
    }
    match link.qualifiers.iter().find(|q| q.ai == "10") {
        Some(lot) => {
            let lot = lot.value.clone();
            batch_answer(state, req, link, lot).await
        }
        None => product_answer(state, req, link).await,
    }
}

async fn product_answer(
    state: &AppState,
    req: &HttpRequest,
    link: DigitalLink,
) -> Result<HttpResponse, ApiError> {
    let lang = language(req, &link);
    let gtin = link.key.value.clone();
    let claimed = link.param(UNKNOWN_SERIAL_PARAM).map(str::to_owned);
    let facts = state
        .services
        .read(move |conn| product_facts(conn, &gtin, claimed.as_deref(), lang, today()))
        .await?
        .ok_or_else(|| unknown_gtin(&link))?;
    let here = anchor(state, &link);
    let name = &facts.product.name;
    let links = [
        facts_link("gs1:defaultLink", &here, name),
        facts_link("gs1:pip", &here, name),
    ];
    if let Some(answer) = resolver_links(&link_request(req, &link), &here, &links) {
        return Ok(answer);
    }
    let other = other_language_href(&link, lang);
    Ok(facts_answer(req, &link, &facts, &here, |f| {
        product_page(f, lang, &other)
    }))
}

async fn batch_answer(
    state: &AppState,
    req: &HttpRequest,
    link: DigitalLink,
    lot: String,
) -> Result<HttpResponse, ApiError> {
    let lang = language(req, &link);
    let gtin = link.key.value.clone();
    let claimed = link.param(UNKNOWN_SERIAL_PARAM).map(str::to_owned);
    let found = state
        .services
        .read(move |conn| batch_facts(conn, &gtin, &lot, claimed.as_deref(), lang, today()))
        .await?;
    let facts = match found {
        BatchLookup::UnknownGtin => return Err(unknown_gtin(&link)),
        BatchLookup::UnknownLot => return Ok(walk_up_to(&link.keeping(|ai| ai == "22"))),
        BatchLookup::Found(facts) => facts,
    };
    let here = anchor(state, &link);
    let product = link.identifier_uri(&state.settings.public_base_url, |ai| ai == "22");
    let name = &facts.product.name;
    let lot_title = format!("{name} — {}", facts.batch.lot);
    let links = [
        facts_link("gs1:defaultLink", &here, &lot_title),
        facts_link("gs1:pip", &product, name),
        facts_link("gs1:traceability", &here, &lot_title),
        facts_link("gs1:recallStatus", &here, &lot_title),
    ];
    if let Some(answer) = resolver_links(&link_request(req, &link), &here, &links) {
        return Ok(answer);
    }
    let other = other_language_href(&link, lang);
    Ok(facts_answer(req, &link, &*facts, &here, |f| {
        batch_page(f, lang, &other)
    }))
}

/// A product, by its GTIN (public): its name, producer and OCOP rating.
///
/// GTIN-8, -12 and -13 are read as GTIN-14. Data attributes (`?17=…`) and
/// other parameters (`lang`, `linkType`) may follow. A walk up from a serial
/// that is not ours carries `unknownSerial=`: the page then warns first.
#[utoipa::path(
    tag = "public",
    params(("gtin" = String, Path, description = "GTIN-8, -12, -13 or -14")),
    responses(
        (status = 200, description = "The product's facts (a page for a browser, JSON for `Accept: application/json` or `?format=json`); with `linkType=all`/`linkset` or `Accept: application/linkset+json`, its RFC 9264 linkset", content((ProductFacts = "application/json"), (String = "text/html"), (serde_json::Value = "application/linkset+json"))),
        (status = 307, description = "`linkType=gs1:…` names one of the product's links: to it"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/01/{gtin}")]
pub async fn resolve_product(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    resolve(&state, &req).await
}

/// A product by its GTIN and a consumer product variant (AI 22) (public).
///
/// We record no variants: answered as `/01/{gtin}`, the variant kept in the
/// linkset's anchor.
#[utoipa::path(
    tag = "public",
    params(
        ("gtin" = String, Path, description = "GTIN-8, -12, -13 or -14"),
        ("cpv" = String, Path, description = "Consumer product variant (AI 22)"),
    ),
    responses(
        (status = 200, description = "As `/01/{gtin}`", content((ProductFacts = "application/json"), (String = "text/html"), (serde_json::Value = "application/linkset+json"))),
        (status = 307, description = "`linkType=gs1:…` names one of the product's links: to it"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/01/{gtin}/22/{cpv}")]
pub async fn resolve_product_variant(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    resolve(&state, &req).await
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
        (status = 200, description = "The batch's facts (a page for a browser, JSON for `Accept: application/json` or `?format=json`); with `linkType=all`/`linkset` or `Accept: application/linkset+json`, its RFC 9264 linkset", content((BatchFacts = "application/json"), (String = "text/html"), (serde_json::Value = "application/linkset+json"))),
        (status = 307, description = "Unknown lot: to the product, `/01/{gtin}`; or `linkType=gs1:…` names one of the batch's links: to it"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/01/{gtin}/10/{lot}")]
pub async fn resolve_batch(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    resolve(&state, &req).await
}

/// A batch by GTIN, consumer product variant (AI 22) and lot (public).
///
/// Answered as `/01/{gtin}/10/{lot}`; an unknown lot walks up to
/// `/01/{gtin}/22/{cpv}`.
#[utoipa::path(
    tag = "public",
    params(
        ("gtin" = String, Path, description = "GTIN-8, -12, -13 or -14"),
        ("cpv" = String, Path, description = "Consumer product variant (AI 22)"),
        ("lot" = String, Path, description = "The batch/lot number (AI 10), percent-encoded"),
    ),
    responses(
        (status = 200, description = "As `/01/{gtin}/10/{lot}`", content((BatchFacts = "application/json"), (String = "text/html"), (serde_json::Value = "application/linkset+json"))),
        (status = 307, description = "Unknown lot: to `/01/{gtin}/22/{cpv}`; or `linkType=gs1:…` names one of the batch's links: to it"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/01/{gtin}/22/{cpv}/10/{lot}")]
pub async fn resolve_batch_variant(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    resolve(&state, &req).await
}

/// An item by GTIN and third-party controlled serial extension (AI 235)
/// (public).
///
/// We issue no TPX, so the link walks up to its product: a 307 to
/// `/01/{gtin}`, keeping the query (a malformed link is a 400 first).
#[utoipa::path(
    tag = "public",
    params(
        ("gtin" = String, Path, description = "GTIN-8, -12, -13 or -14"),
        ("tpx" = String, Path, description = "Third-party controlled, serialised extension of the GTIN (AI 235)"),
    ),
    responses(
        (status = 307, description = "To the product, `/01/{gtin}`"),
        (status = 400, response = crate::error::ProblemResponse),
    )
)]
#[get("/01/{gtin}/235/{tpx}")]
pub async fn resolve_item_tpx(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    resolve(&state, &req).await
}
