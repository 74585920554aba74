//! The public scan: what a consumer's phone opens from the QR code. Every
//! view is recorded (group commit) before it is answered; the use case is
//! `services::scan`, the page `pages::scan_page`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::pages::scan_page::{code_page, not_found};
use crate::db::scans::ScanKind;
use crate::domain::clone::GeoPoint;
use crate::domain::code::{CodeError, TraceCode};
use crate::domain::digital_link::{DigitalLink, LabelClaim};
use crate::domain::linkset::{Link, LinkRequest};
use crate::domain::scan::{Lang, coarse_location};
use crate::domain::time::today;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::services::provenance::{OneScan, ScanView};
use crate::services::resolver::{UNKNOWN_SERIAL_PARAM, WalkUp, walk_up};
use crate::services::scan::{CountedView, ScanRecord};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScanQuery {
    /// `vi` (default) or `en`; otherwise from `Accept-Language`.
    pub lang: Option<String>,
    /// `json` for the JSON answer without an `Accept` header.
    pub format: Option<String>,
}

/// The client's browser, as it says (only its family is kept).
fn user_agent(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

/// What a scan found.
enum Scanned {
    Answer(HttpResponse),
    /// Not one of our codes: the caller says so, or walks up.
    Unknown {
        lang: Lang,
        json: bool,
        /// The code's check character does not match: mistyped, not unknown.
        mistyped: bool,
    },
}

/// Answer the scan of a code from `/c/{code}`: an unknown code is a 404 page.
async fn answer_code_scan(
    state: &AppState,
    req: &HttpRequest,
    raw_code: &str,
    query: ScanQuery,
) -> Result<HttpResponse, ApiError> {
    Ok(
        match answer_scan(state, req, raw_code, query, None).await? {
            Scanned::Answer(answer) => answer,
            Scanned::Unknown {
                lang,
                json,
                mistyped,
            } => not_found(lang, raw_code, req.path(), json, mistyped),
        },
    )
}

/// Answer a scan of `raw_code` (from any of the URL forms).
async fn answer_scan(
    state: &AppState,
    req: &HttpRequest,
    raw_code: &str,
    query: ScanQuery,
    label: Option<&LabelClaim>,
) -> Result<Scanned, ApiError> {
    let addr = state.limiter.client_addr(req);
    if let Some(addr) = addr {
        state.limiter.check(addr)?;
    }
    let lang = super::request_language(req, query.lang.as_deref());
    let json = super::wants_json(req, query.format.as_deref());
    let base_path = req.path().to_owned();
    let code = match TraceCode::parse(raw_code) {
        Ok(code) => code,
        Err(error) => {
            return Ok(Scanned::Unknown {
                lang,
                json,
                mistyped: error == CodeError::Check,
            });
        }
    };
    let services = &state.services;
    let now = crate::db::now();
    let client = services.client_of(addr);
    let event = ScanRecord {
        kind: ScanKind::View,
        lang,
        at: now,
        location: None,
        client,
        user_agent: user_agent(req),
    };
    let Some(CountedView {
        found,
        views,
        first_viewed,
    }) = services.view_and_record(code, event).await?
    else {
        return Ok(Scanned::Unknown {
            lang,
            json,
            mistyped: false,
        });
    };
    services.check_scan_count(&found, code, client, views);
    let this_scan = OneScan {
        context: &found.context,
        facts: &found.facts,
        code: &code,
        lang,
        today: today(),
        views: views.now,
        first_viewed,
        label,
    };
    if json {
        return Ok(Scanned::Answer(
            HttpResponse::Ok()
                .content_type("application/json")
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::VARY, "Accept, Accept-Language"))
                .body(this_scan.json()?),
        ));
    }
    let view = this_scan.view()?;
    Ok(Scanned::Answer(code_page(&view, &base_path)))
}

/// The scan of a code (public). Records the scan, then answers with the
/// product's page (Vietnamese by default) or, for `Accept: application/json`,
/// the same facts as JSON. An unknown code answers 404: the product may be
/// counterfeit.
#[utoipa::path(
    tag = "public",
    params(("code" = String, Path, description = "The trace code, any case, hyphens and O/I/L allowed"), ScanQuery),
    responses(
        (status = 200, description = "The product's page (text/html) or its facts (application/json)",
            content((String = "text/html"), (ScanView = "application/json"))),
        (status = 404, description = "Not a registered code: the product may be counterfeit", content_type = "text/html", body = String),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[get("/c/{code}")]
pub async fn scan(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    query: ApiQuery<ScanQuery>,
) -> Result<HttpResponse, ApiError> {
    answer_code_scan(&state, &req, &code, query.into_inner()).await
}

/// The same scan, from an upper-case QR payload (`HTTPS://HOST/C/CODE`).
#[utoipa::path(
    tag = "public",
    params(("code" = String, Path), ScanQuery),
    responses(
        (status = 200, description = "As GET /c/{code}", content((String = "text/html"), (ScanView = "application/json"))),
        (status = 404, description = "Unknown code", content_type = "text/html", body = String),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[get("/C/{code}")]
pub async fn scan_upper(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    query: ApiQuery<ScanQuery>,
) -> Result<HttpResponse, ApiError> {
    answer_code_scan(&state, &req, &code, query.into_inner()).await
}

/// The same scan, from a GS1 Digital Link payload with the code as serial (AI 21).
///
/// The whole link is checked against GS1's syntax (a malformed one is a 400
/// naming the AI), and a GTIN or lot that is not the code's is shown as
/// `label_mismatch`: the label may be counterfeit. A serial that is not
/// ours walks up to the batch, then the product, warning first.
#[utoipa::path(
    tag = "public",
    params(("gtin" = String, Path), ("lot" = String, Path), ("code" = String, Path), ScanQuery),
    responses(
        (status = 200, description = "As GET /c/{code}; with `linkType=all`/`linkset` or `Accept: application/linkset+json`, the RFC 9264 linkset (no scan recorded)", content((String = "text/html"), (ScanView = "application/json"), (serde_json::Value = "application/linkset+json"))),
        (status = 307, description = "An unknown serial walks up to the batch (or, its lot unknown too, the product), with `unknownSerial=`; or `linkType=gs1:…` names one of the code's links: to it (no scan recorded)"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 404, description = "Unknown code and unknown GTIN", content_type = "text/html", body = String),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[get("/01/{gtin}/10/{lot}/21/{code}")]
pub async fn scan_gs1(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ApiQuery<ScanQuery>,
) -> Result<HttpResponse, ApiError> {
    answer_digital_link(&state, &req, query.into_inner()).await
}

/// The same scan from a GS1 Digital Link without a lot: `/01/{gtin}/21/{code}`.
///
/// Checked as the link with a lot is; only the GTIN must be the code's.
#[utoipa::path(
    tag = "public",
    params(("gtin" = String, Path), ("code" = String, Path), ScanQuery),
    responses(
        (status = 200, description = "As GET /c/{code}; with `linkType=all`/`linkset` or `Accept: application/linkset+json`, the RFC 9264 linkset (no scan recorded)", content((String = "text/html"), (ScanView = "application/json"), (serde_json::Value = "application/linkset+json"))),
        (status = 307, description = "An unknown serial walks up to the batch (or, its lot unknown too, the product), with `unknownSerial=`; or `linkType=gs1:…` names one of the code's links: to it (no scan recorded)"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 404, description = "Unknown code and unknown GTIN", content_type = "text/html", body = String),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[get("/01/{gtin}/21/{code}")]
pub async fn scan_gs1_serial(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ApiQuery<ScanQuery>,
) -> Result<HttpResponse, ApiError> {
    answer_digital_link(&state, &req, query.into_inner()).await
}

/// The same scan from a GS1 Digital Link with a consumer product variant
/// (AI 22): `/01/{gtin}/22/{cpv}/10/{lot}/21/{code}`.
///
/// We record no variants: the GTIN and lot are checked as without one.
#[utoipa::path(
    tag = "public",
    params(("gtin" = String, Path), ("cpv" = String, Path), ("lot" = String, Path), ("code" = String, Path), ScanQuery),
    responses(
        (status = 200, description = "As `/01/{gtin}/10/{lot}/21/{code}`", content((String = "text/html"), (ScanView = "application/json"), (serde_json::Value = "application/linkset+json"))),
        (status = 307, description = "An unknown serial walks up to the batch or product, with `unknownSerial=`; or `linkType=gs1:…` names one of the code's links: to it (no scan recorded)"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 404, description = "Unknown code and unknown GTIN", content_type = "text/html", body = String),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[get("/01/{gtin}/22/{cpv}/10/{lot}/21/{code}")]
pub async fn scan_gs1_variant(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ApiQuery<ScanQuery>,
) -> Result<HttpResponse, ApiError> {
    answer_digital_link(&state, &req, query.into_inner()).await
}

/// The same scan from a GS1 Digital Link with a variant and no lot:
/// `/01/{gtin}/22/{cpv}/21/{code}`.
#[utoipa::path(
    tag = "public",
    params(("gtin" = String, Path), ("cpv" = String, Path), ("code" = String, Path), ScanQuery),
    responses(
        (status = 200, description = "As `/01/{gtin}/21/{code}`", content((String = "text/html"), (ScanView = "application/json"), (serde_json::Value = "application/linkset+json"))),
        (status = 307, description = "An unknown serial walks up to the product, with `unknownSerial=`; or `linkType=gs1:…` names one of the code's links: to it (no scan recorded)"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 404, description = "Unknown code and unknown GTIN", content_type = "text/html", body = String),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[get("/01/{gtin}/22/{cpv}/21/{code}")]
pub async fn scan_gs1_variant_serial(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ApiQuery<ScanQuery>,
) -> Result<HttpResponse, ApiError> {
    answer_digital_link(&state, &req, query.into_inner()).await
}

/// A serial that is not ours walks up, as GS1's resolver standard
/// describes: to its lot if we know it, else to its GTIN, each a 307 that
/// keeps the query and adds `unknownSerial=` so the page warns first (a
/// label with a real product number and a made-up serial is how a copy
/// looks). A GTIN we do not know: the unknown-code page.
async fn walk_up_from_serial(
    state: &AppState,
    req: &HttpRequest,
    link: &DigitalLink,
    label: &LabelClaim,
    lang: Lang,
    json: bool,
) -> Result<HttpResponse, ApiError> {
    let (gtin, lot) = (label.gtin.clone(), label.lot.clone());
    let level = state
        .services
        .read(move |conn| walk_up(conn, &gtin, lot.as_deref()))
        .await?;
    let keep: fn(&str) -> bool = match level {
        WalkUp::Batch => |ai| ai == "22" || ai == "10",
        WalkUp::Product => |ai| ai == "22",
        WalkUp::Nowhere => return Ok(not_found(lang, &label.serial, req.path(), json, false)),
    };
    Ok(super::walk_up_to(
        &link
            .keeping(keep)
            .with_param(UNKNOWN_SERIAL_PARAM, &label.serial),
    ))
}

/// Check the request's whole link, then answer the scan of its serial with
/// what its label claims.
async fn answer_digital_link(
    state: &AppState,
    req: &HttpRequest,
    query: ScanQuery,
) -> Result<HttpResponse, ApiError> {
    let link = super::digital_link_of(req)?;
    let label = LabelClaim::of(&link)
        .ok_or_else(|| ApiError::bad_request(Some("21"), "the link names no serial"))?;
    // Machines asking for links get them without a scan being recorded.
    let request = super::link_request(req, &link);
    let base = &state.settings.public_base_url;
    let anchor = link.identifier_uri(base, |_| true);
    // The links are made only for a machine that asks for them: a consumer's
    // scan goes straight on.
    if request != LinkRequest::Default {
        let page = format!("{base}/c/{}", label.serial);
        let data = format!("{page}?format=json");
        let batch = link.identifier_uri(base, |ai| ai == "10");
        let title = format!("{} {}", crate::i18n::TRACE_CODE.vi, label.serial);
        let target = |link_type, href: &str, media_type| Link {
            link_type,
            href: href.to_owned(),
            title: title.clone(),
            media_type,
            hreflang: &["vi", "en"],
        };
        let links = [
            target("gs1:defaultLink", &page, "text/html"),
            target("gs1:pip", &page, "text/html"),
            target("gs1:traceability", &data, "application/json"),
            target("gs1:recallStatus", &batch, "application/json"),
        ];
        if let Some(answer) = super::resolver_links(&request, &anchor, &links) {
            return Ok(answer);
        }
    }
    let mut answer = match answer_scan(state, req, &label.serial, query, Some(&label)).await? {
        Scanned::Answer(answer) => answer,
        Scanned::Unknown { lang, json, .. } => {
            walk_up_from_serial(state, req, &link, &label, lang, json).await?
        }
    };
    super::with_linkset_link(&mut answer, &anchor);
    Ok(answer)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharedLocation {
    #[schema(example = 20.8172, minimum = -90, maximum = 90)]
    pub latitude: f64,
    #[schema(example = 105.3376, minimum = -180, maximum = 180)]
    pub longitude: f64,
}

/// Where the consumer scanned, if they chose to share it (public, rate-limited:
/// per client, and at most two locations per client and code at once, one
/// more each half hour). Kept rounded to about a kilometre; helps spot copied
/// labels. The body must be sent as `application/json` (415 otherwise), so a
/// web page can't make its visitors' browsers post it.
#[utoipa::path(
    tag = "public",
    params(("code" = String, Path)),
    request_body = SharedLocation,
    responses(
        (status = 204, description = "Recorded"),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 415, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[post("/c/{code}/location")]
pub async fn share_location(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    body: ApiJson<SharedLocation>,
) -> Result<HttpResponse, ApiError> {
    let addr = state.limiter.client_addr(&req);
    if let Some(addr) = addr {
        state.limiter.check(addr)?;
    }
    let code =
        TraceCode::parse(&code).map_err(|_| ApiError::not_found("this code is not registered"))?;
    let loc = body.into_inner()?;
    let (lat, lon) = coarse_location(loc.latitude, loc.longitude).ok_or_else(|| {
        ApiError::invalid(
            "latitude",
            "latitude must be -90..90 and longitude -180..180",
        )
    })?;
    let Some(found) = state.services.code_view(code).await? else {
        return Err(ApiError::not_found("this code is not registered"));
    };
    if let Some(addr) = addr {
        state.limiter.check_location(addr, code)?;
    }
    let client = state.services.client_of(addr);
    let point = GeoPoint {
        latitude: lat,
        longitude: lon,
    };
    state
        .services
        .record_location(code, &found, point, client, user_agent(&req))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
