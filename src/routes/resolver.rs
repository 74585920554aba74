//! The GS1 Digital Link resolver for links without a serial: a GTIN
//! resolves to its product's public facts, a GTIN and lot to the batch's.
//! (A link with a serial is a scan: `scan::scan_gs1`.) Every link is
//! checked against GS1's syntax first: a malformed one is a 400 naming the AI.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::pages::facts_page::{batch_page, product_page};
use super::{
    AppState, digital_link_of, link_request, resolver_links, wants_json, with_linkset_link,
};
use crate::domain::digital_link::DigitalLink;
use crate::domain::linkset::Link;
use crate::domain::scan::pick_language;
use crate::domain::time::today;
use crate::error::ApiError;
use crate::services::resolver::{
    BatchFacts, BatchLookup, ProductFacts, batch_facts, product_facts,
};

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

/// The link's canonical form on this host (no parameters).
fn anchor(state: &AppState, link: &DigitalLink) -> String {
    link.identifier_uri(&state.settings.public_base_url, |_| true)
}

/// The facts as JSON for a program, as a page for a browser.
fn facts_answer<T: serde::Serialize>(
    req: &HttpRequest,
    link: &DigitalLink,
    facts: &T,
    anchor: &str,
    page: impl FnOnce(&T) -> HttpResponse,
) -> HttpResponse {
    let format = link
        .other_params
        .iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.as_str());
    let mut answer = if wants_json(req, format) {
        let mut json = HttpResponse::Ok();
        json.insert_header((header::VARY, "Accept, Accept-Language"));
        json.json(facts)
    } else {
        page(facts)
    };
    with_linkset_link(&mut answer, anchor);
    answer
}

fn facts_link(link_type: &'static str, href: &str, title: &str) -> Link {
    Link {
        link_type,
        href: href.to_owned(),
        title: title.to_owned(),
        media_type: "application/json",
        hreflang: &["vi", "en"],
    }
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
    let link = digital_link_of(&req)?;
    let lang = language(&req, &link);
    let gtin = link.key.value.clone();
    let facts = state
        .services
        .read(move |conn| product_facts(conn, &gtin, lang, today()))
        .await?
        .ok_or_else(|| unknown_gtin(&link))?;
    let here = anchor(&state, &link);
    let name = &facts.product.name;
    let links = [
        facts_link("gs1:defaultLink", &here, name),
        facts_link("gs1:pip", &here, name),
    ];
    if let Some(answer) = resolver_links(&link_request(&req, &link), &here, &links) {
        return Ok(answer);
    }
    let path = req.path().to_owned();
    Ok(facts_answer(&req, &link, &facts, &here, |f| {
        product_page(f, lang, &path)
    }))
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
    let link = digital_link_of(&req)?;
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
        BatchLookup::UnknownGtin => Err(unknown_gtin(&link)),
        BatchLookup::Found(facts) => {
            let here = anchor(&state, &link);
            let product = link.identifier_uri(&state.settings.public_base_url, |_| false);
            let name = &facts.product.name;
            let lot_title = format!("{name} — {}", facts.batch.lot);
            let links = [
                facts_link("gs1:defaultLink", &here, &lot_title),
                facts_link("gs1:pip", &product, name),
                facts_link("gs1:traceability", &here, &lot_title),
                facts_link("gs1:recallStatus", &here, &lot_title),
            ];
            if let Some(answer) = resolver_links(&link_request(&req, &link), &here, &links) {
                return Ok(answer);
            }
            let path = req.path().to_owned();
            Ok(facts_answer(&req, &link, &facts, &here, |f| {
                batch_page(f, lang, &path)
            }))
        }
        BatchLookup::UnknownLot => {
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

/// A link type vocabulary the resolver answers with.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SupportedLinkType {
    pub namespace: String,
    pub prefix: String,
    pub profile: String,
}

/// GS1's resolver description document: who this resolver is and what it
/// resolves.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResolverDescription {
    pub name: String,
    pub resolver_root: String,
    pub supported_primary_keys: Vec<String>,
    pub supported_link_type: Vec<SupportedLinkType>,
    /// The link types this resolver's links use, as `gs1:` CURIEs.
    pub link_types: Vec<String>,
    /// `linkType=all` (or `linkset`) answers the RFC 9264 linkset.
    pub link_type_default_can_be_all: bool,
}

/// The resolver description document (public), at GS1's well-known address.
#[utoipa::path(
    tag = "public",
    responses((status = 200, body = ResolverDescription))
)]
#[get("/.well-known/gs1resolver")]
pub async fn resolver_description(state: web::Data<AppState>) -> HttpResponse {
    let description = ResolverDescription {
        name: "ocop-trace: OCOP product traceability".into(),
        resolver_root: state.settings.public_base_url.clone(),
        supported_primary_keys: vec!["01".into()],
        supported_link_type: vec![SupportedLinkType {
            namespace: crate::domain::linkset::GS1_VOC.into(),
            prefix: "gs1:".into(),
            profile: "https://gs1.org/voc/?show=linktypes".into(),
        }],
        link_types: crate::domain::linkset::LINK_TYPES
            .iter()
            .map(|t| (*t).to_owned())
            .collect(),
        link_type_default_can_be_all: true,
    };
    HttpResponse::Ok().json(description)
}

/// What GS1 asks of every resolver path beyond GET: `HEAD` (the GET's
/// headers), `OPTIONS` (the methods, and CORS preflight), and CORS headers
/// on every answer, errors included, so a web page on any site can resolve
/// a label.
pub async fn resolver_protocol(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<actix_web::body::BoxBody>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::http::Method;
    let path = req.path();
    if !(path.starts_with("/01/") || path == "/.well-known/gs1resolver") {
        return next.call(req).await;
    }
    if req.method() == Method::OPTIONS {
        let answer = HttpResponse::NoContent()
            .insert_header((header::ALLOW, "GET, HEAD, OPTIONS"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD, OPTIONS"))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "Accept, Accept-Language",
            ))
            .insert_header((header::ACCESS_CONTROL_EXPOSE_HEADERS, "Link, Location"))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"))
            .finish();
        return Ok(req.into_response(answer));
    }
    // The server sends no body for a HEAD however it is answered.
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    let mut answer = next.call(req).await?;
    let headers = answer.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        header::HeaderValue::from_static("Link, Location"),
    );
    Ok(answer)
}
