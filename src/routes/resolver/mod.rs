//! The GS1 Digital Link resolver for links without one of our serials: a
//! GTIN resolves to its product's public facts, a GTIN and lot to the
//! batch's (`gtin`), a GLN to a place's (`places`). (A link with a serial
//! is a scan: `scan::scan_gs1`.) Every link is checked against GS1's syntax
//! first: a malformed one is a 400 naming the AI.

pub mod gtin;
pub mod places;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::{AppState, wants_json, with_linkset_link};
use crate::domain::digital_link::DigitalLink;
use crate::domain::linkset::Link;
use crate::domain::scan::Lang;

/// `?lang=` among the link's other parameters, else `Accept-Language`.
fn language(req: &HttpRequest, link: &DigitalLink) -> Lang {
    super::request_language(req, link.param("lang"))
}

/// This page in the other language: the same link, its query kept.
fn other_language_href(link: &DigitalLink, lang: Lang) -> String {
    link.with_param("lang", lang.other().as_str()).to_uri("")
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
    let mut answer = if wants_json(req, link.param("format")) {
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

/// The primary keys this resolver answers for: GTINs (products, batches,
/// our codes) and GLNs (farming areas, packing facilities).
pub const PRIMARY_KEYS: [&str; 2] = ["01", "414"];

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
        supported_primary_keys: PRIMARY_KEYS.iter().map(|k| (*k).to_owned()).collect(),
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

/// Does the path start as a GS1 Digital Link does: `/{AI}/…`, the AI two
/// to four digits?
pub fn is_resolver_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    let (first, tail) = rest.split_once('/').unwrap_or((rest, ""));
    (2..=4).contains(&first.len()) && first.bytes().all(|b| b.is_ascii_digit()) && !tail.is_empty()
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
    if !(is_resolver_path(path) || path == "/.well-known/gs1resolver") {
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

/// A GS1 link no route took (another primary key such as `/8004/…`, or
/// qualifiers in an order GS1 does not allow): 400 naming the AI when it is
/// malformed, else 404 saying which keys this resolver answers for.
pub fn unrouted_link(req: &HttpRequest) -> Option<crate::error::ApiError> {
    if !is_resolver_path(req.path()) {
        return None;
    }
    Some(match super::digital_link_of(req) {
        Err(malformed) => malformed,
        Ok(link) => crate::error::ApiError::not_found(format!(
            "this resolver answers for GTINs (01) and GLNs (414), not for AI {} links",
            link.key.ai
        )),
    })
}
