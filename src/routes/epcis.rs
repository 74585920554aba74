//! EPCIS 2.0 (GS1's REST binding, JSON/JSON-LD): capture documents, follow a
//! capture job, query events. One more front door onto the supply chain;
//! the use cases are `services::epcis`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, options, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDateTime};
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use crate::auth::Principal;
use crate::db::epcis::EpcisFilter;
use crate::domain::epcis::{
    CAPTURE_FILE_SIZE_LIMIT, CAPTURE_LIMIT, CBV_VERSION, EPCIS_VERSION, EpcRole, cbv_bare,
    extra_contexts, query_document,
};
use crate::error::ApiError;
use crate::extract::{ApiQuery, EpcisBody};
use crate::services::epcis::{self, CaptureJob};

/// The headers every EPCIS answer carries.
fn with_versions(mut answer: HttpResponse) -> HttpResponse {
    let headers = answer.headers_mut();
    for (name, value) in [
        ("gs1-epcis-version", EPCIS_VERSION),
        ("gs1-cbv-version", CBV_VERSION),
    ] {
        headers.insert(
            header::HeaderName::from_static(name),
            header::HeaderValue::from_static(value),
        );
    }
    answer
}

/// Capture an EPCIS 2.0 document (`EPCISDocument` or `EPCISQueryDocument`,
/// as `application/json` or `application/ld+json`).
///
/// The document is checked against GS1's EPCIS 2.0 JSON Schema (a 400 lists
/// every violation with its JSON pointer) and stored all or nothing: every
/// event as it came, whatever identifiers it names; an event without
/// `eventID` gets its canonical GS1 event hash (`ni:///sha-256;…?ver=CBV2.0`)
/// as one. An event this organization already captured (same eventID, same
/// content; or the same hash) is stored once and counted as a duplicate;
/// the same eventID with other content is a 409. At most `GS1-EPCIS-Capture-Limit` events and
/// `GS1-EPCIS-Capture-File-Size-Limit` bytes (413 beyond). The capture job
/// it answers with is finished: capture runs while the request waits.
///
/// Events that name our codes (as GS1 Digital Links, `urn:epc:id:sgtin`
/// or our scan URLs, in `epcList` or `childEPCs`) with a CBV bizStep we
/// keep (commissioning, packing, shipping, receiving, storing, stocking,
/// retail_selling, inspecting, holding, destroying) are also recorded as
/// supply-chain events, under the rules of `POST /events` (a 409 or 422
/// naming the EPCIS event when one is broken): they show in the codes'
/// journey, in `/events`, in verification and analytics.
#[utoipa::path(
    tag = "epcis",
    security(("bearer" = [])),
    request_body(content = serde_json::Value, description = "An EPCIS 2.0 EPCISDocument or EPCISQueryDocument", content_type = "application/ld+json"),
    responses(
        (status = 202, body = CaptureJob, headers(("Location" = String, description = "The capture job"))),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 401, response = crate::error::ProblemResponse),
        (status = 409, response = crate::error::ProblemResponse),
        (status = 413, response = crate::error::ProblemResponse),
        (status = 415, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[post("/epcis/capture")]
pub async fn capture(
    state: web::Data<AppState>,
    who: Principal,
    body: EpcisBody,
) -> Result<HttpResponse, ApiError> {
    let document = body.0;
    let contexts = extra_contexts(&document);
    // The schema check is CPU work: off the async workers, outside the transaction.
    let events = web::block(move || epcis::read_document(&document))
        .await
        .map_err(ApiError::internal)??;
    let now = crate::db::now();
    let capture = state
        .services
        .registry_write(move |conn| epcis::capture(conn, &who, events, &contexts, now))
        .await?;
    let job = CaptureJob::from_row(&capture)?;
    tracing::info!(capture_id = %job.capture_id, events = job.event_count, duplicates = job.duplicate_count, "EPCIS document captured");
    Ok(with_versions(
        HttpResponse::Accepted()
            .insert_header((
                header::LOCATION,
                format!("/api/v1/epcis/capture/{}", job.capture_id),
            ))
            .json(job),
    ))
}

/// A capture job (its capturer, the authority, the admin).
#[utoipa::path(
    tag = "epcis",
    security(("bearer" = [])),
    params(("captureID" = String, Path, description = "From the capture's `Location`")),
    responses(
        (status = 200, body = CaptureJob),
        (status = 401, response = crate::error::ProblemResponse),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/epcis/capture/{captureID}")]
pub async fn capture_job(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let job = state
        .services
        .read(move |conn| epcis::find_capture(conn, &who, &id))
        .await?;
    Ok(with_versions(HttpResponse::Ok().json(job)))
}

/// EPCIS 2.0 query parameters (lists are comma-separated).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct EpcisQuery {
    /// `ObjectEvent`, `AggregationEvent`, `TransactionEvent`, `TransformationEvent`, `AssociationEvent`.
    pub eventType: Option<String>,
    pub GE_eventTime: Option<String>,
    pub LT_eventTime: Option<String>,
    pub GE_recordTime: Option<String>,
    pub LT_recordTime: Option<String>,
    /// `ADD`, `OBSERVE`, `DELETE`.
    pub EQ_action: Option<String>,
    /// CBV business steps, bare (`shipping`) or as URIs.
    pub EQ_bizStep: Option<String>,
    pub EQ_disposition: Option<String>,
    pub EQ_readPoint: Option<String>,
    pub EQ_bizLocation: Option<String>,
    pub EQ_eventID: Option<String>,
    /// In `epcList` or `childEPCs`.
    pub MATCH_epc: Option<String>,
    pub MATCH_parentID: Option<String>,
    pub MATCH_inputEPC: Option<String>,
    pub MATCH_outputEPC: Option<String>,
    /// In any EPC list or the parent.
    pub MATCH_anyEPC: Option<String>,
    /// In `quantityList` or `childQuantityList`.
    pub MATCH_epcClass: Option<String>,
    pub MATCH_inputEPCClass: Option<String>,
    pub MATCH_outputEPCClass: Option<String>,
    pub MATCH_anyEPCClass: Option<String>,
    /// Events per page, 1 to 1,000 (default 30).
    pub perPage: Option<u32>,
    /// From the previous page's `Link: rel="next"`.
    pub nextPageToken: Option<String>,
}

fn list(value: Option<&String>) -> Vec<String> {
    value
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn time(name: &str, value: Option<&String>) -> Result<Option<NaiveDateTime>, ApiError> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.naive_utc())
                .map_err(|e| {
                    ApiError::bad_request(
                        Some(name),
                        format!("{v:?} is not an RFC 3339 date-time: {e}"),
                    )
                })
        })
        .transpose()
}

const PER_PAGE_DEFAULT: u32 = 30;
const PER_PAGE_MAX: u32 = 1000;

/// The filter a query asks for.
fn filter_of(q: &EpcisQuery) -> Result<EpcisFilter, ApiError> {
    use EpcRole::*;
    let roles = |rs: &[EpcRole]| rs.iter().map(|r| r.field()).collect::<Vec<_>>();
    let mut identifiers = Vec::new();
    for (value, wanted) in [
        (&q.MATCH_epc, roles(&[EpcList, ChildEpcs])),
        (&q.MATCH_parentID, roles(&[ParentId])),
        (&q.MATCH_inputEPC, roles(&[InputEpcList])),
        (&q.MATCH_outputEPC, roles(&[OutputEpcList])),
        (
            &q.MATCH_anyEPC,
            roles(&[EpcList, ChildEpcs, ParentId, InputEpcList, OutputEpcList]),
        ),
        (&q.MATCH_epcClass, roles(&[QuantityList, ChildQuantityList])),
        (&q.MATCH_inputEPCClass, roles(&[InputQuantityList])),
        (&q.MATCH_outputEPCClass, roles(&[OutputQuantityList])),
        (
            &q.MATCH_anyEPCClass,
            roles(&[
                QuantityList,
                ChildQuantityList,
                InputQuantityList,
                OutputQuantityList,
            ]),
        ),
    ] {
        let values = list(value.as_ref());
        if !values.is_empty() {
            identifiers.push((wanted, values));
        }
    }
    Ok(EpcisFilter {
        viewer: None,
        event_types: list(q.eventType.as_ref()),
        event_ids: list(q.EQ_eventID.as_ref()),
        ge_event_time: time("GE_eventTime", q.GE_eventTime.as_ref())?,
        lt_event_time: time("LT_eventTime", q.LT_eventTime.as_ref())?,
        ge_record_time: time("GE_recordTime", q.GE_recordTime.as_ref())?,
        lt_record_time: time("LT_recordTime", q.LT_recordTime.as_ref())?,
        actions: list(q.EQ_action.as_ref()),
        biz_steps: list(q.EQ_bizStep.as_ref())
            .iter()
            .map(|s| cbv_bare(s, "BizStep", "bizstep"))
            .collect(),
        dispositions: list(q.EQ_disposition.as_ref())
            .iter()
            .map(|s| cbv_bare(s, "Disp", "disp"))
            .collect(),
        read_points: list(q.EQ_readPoint.as_ref()),
        biz_locations: list(q.EQ_bizLocation.as_ref()),
        identifiers,
        code: None,
    })
}

/// Query events (EPCIS 2.0 `GET /events`): an `EPCISQueryDocument` with the
/// events as they were captured, in capture order, `perPage` at a time; a
/// `Link: rel="next"` header carries the next page's token.
///
/// The authority and the admin see every event; others the events they
/// captured, and a producer also the events naming its codes.
#[utoipa::path(
    tag = "epcis",
    security(("bearer" = [])),
    params(EpcisQuery),
    responses(
        (status = 200, description = "An EPCISQueryDocument", body = serde_json::Value, content_type = "application/ld+json"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 401, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[get("/epcis/events")]
pub async fn query_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Principal,
    query: ApiQuery<EpcisQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let per_page = q.perPage.unwrap_or(PER_PAGE_DEFAULT);
    if !(1..=PER_PAGE_MAX).contains(&per_page) {
        return Err(ApiError::invalid(
            "perPage",
            format!("must be between 1 and {PER_PAGE_MAX}"),
        ));
    }
    let after = q
        .nextPageToken
        .as_deref()
        .map(|t| {
            URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    ApiError::bad_request(Some("nextPageToken"), "is not a token this service gave")
                })
        })
        .transpose()?;
    let mut filter = filter_of(&q)?;
    filter.viewer = epcis::viewer_of(&who);
    let page = state
        .services
        .read(move |conn| epcis::query(conn, &filter, after.as_deref(), per_page))
        .await?;
    let document = query_document(page.events, page.contexts, chrono::Utc::now());
    let mut answer = HttpResponse::Ok();
    answer.content_type("application/ld+json");
    if let Some(next) = page.next_after {
        let token = URL_SAFE_NO_PAD.encode(next.as_bytes());
        let kept: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
            .filter(|(k, _)| k != "nextPageToken")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .append_pair("nextPageToken", &token)
            .finish();
        answer.insert_header((
            header::LINK,
            format!("<{}?{query}>; rel=\"next\"", req.path()),
        ));
    }
    Ok(with_versions(answer.body(document.to_string())))
}

/// What an EPCIS resource supports (public, GS1's discovery): methods,
/// versions and the capture limits.
fn discovery(allow: &'static str) -> HttpResponse {
    with_versions(
        HttpResponse::NoContent()
            .insert_header((header::ALLOW, allow))
            .insert_header(("GS1-EPCIS-Min", EPCIS_VERSION))
            .insert_header(("GS1-EPCIS-Max", EPCIS_VERSION))
            .insert_header(("GS1-CBV-Min", CBV_VERSION))
            .insert_header(("GS1-CBV-Max", CBV_VERSION))
            .insert_header(("GS1-EPC-Format", "Always_GS1_Digital_Link"))
            .insert_header(("GS1-Capture-Error-Behaviour", "rollback"))
            .insert_header(("GS1-EPCIS-Capture-Limit", CAPTURE_LIMIT.to_string()))
            .insert_header((
                "GS1-EPCIS-Capture-File-Size-Limit",
                CAPTURE_FILE_SIZE_LIMIT.to_string(),
            ))
            .finish(),
    )
}

/// Discover the capture interface (public): versions and limits.
#[utoipa::path(tag = "epcis", responses((status = 204, description = "`Allow`, `GS1-EPCIS-Version`, `GS1-CBV-Version`, `GS1-EPCIS-Capture-Limit`, `GS1-EPCIS-Capture-File-Size-Limit`, `GS1-Capture-Error-Behaviour`")))]
#[options("/epcis/capture")]
pub async fn capture_options() -> HttpResponse {
    discovery("OPTIONS, POST")
}

/// Discover the query interface (public): versions.
#[utoipa::path(tag = "epcis", responses((status = 204, description = "`Allow`, `GS1-EPCIS-Version`, `GS1-CBV-Version`")))]
#[options("/epcis/events")]
pub async fn events_options() -> HttpResponse {
    discovery("OPTIONS, GET")
}
