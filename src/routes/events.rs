//! Supply-chain events: retailers, producers and the authority record what
//! happened to packages (shipped, received, sold, inspected…); the scan page's
//! journey and the verification read them.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use super::list_answer::list_answer;
use crate::auth::Principal;
use crate::db;
use crate::db::events::EventFilter;
use crate::domain::organization::OrgKind;
use crate::domain::pagination::{PageQuery, Paginated};
use crate::domain::supply::{BizStep, EventsRequest, parse_events};
use crate::domain::time::vietnam_days_utc;
use crate::error::ApiError;
use crate::extract::{BulkJson, ListQuery, PathId, code_filter, idempotency_key};
use crate::services::supply::{self, EventOut, can_see_event, event_out};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventsRecorded {
    pub recorded: usize,
    pub events: Vec<EventOut>,
}

/// Record supply-chain events: 1 to 10,000 per request, all or none. A
/// retailer records for itself (receiving, storing, stocking, retail_selling…)
/// and only about goods shipped to it (a `shipping` naming it as
/// `destination_org_id`) or received by it; it sells and destroys per
/// package (`codes`), never a whole batch or run;
/// a producer for its own codes, batches and runs (commissioning, packing,
/// shipping…), the authority inspections and holds. Name each event's goods
/// by `codes`, `batch_id` or `code_run_id`. A sale with the shop's
/// coordinates lets the clone rules spot the code scanned far away later.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key returns the events the first request recorded")),
    request_body = EventsRequest,
    responses(
        (status = 201, body = EventsRecorded),
        (status = 409, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[post("/events")]
pub async fn record_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Principal,
    body: BulkJson<EventsRequest>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let parsed = body.check(|request| parse_events(who.role, request, Utc::now()))?;
    let (events, replayed) = supply::record_events(&state.services, who, parsed, key).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Idempotent-Replayed",
            if replayed { "true" } else { "false" },
        ))
        .json(EventsRecorded {
            recorded: events.len(),
            events,
        }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventListQuery {
    /// Events about this code (naming it, its batch or its run).
    pub code: Option<String>,
    /// Events about this batch or any of its codes.
    pub batch_id: Option<Uuid>,
    /// Events recorded by this organization.
    pub org_id: Option<Uuid>,
    pub biz_step: Option<BizStep>,
    /// First day (Vietnam), inclusive.
    pub from: Option<NaiveDate>,
    /// Last day (Vietnam), inclusive.
    pub to: Option<NaiveDate>,
}

/// Supply-chain events, newest first. A producer sees events about its own
/// goods, a retailer the events it recorded, the authority and the admin all.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(EventListQuery, PageQuery),
    responses(
        (status = 200, body = Paginated<EventOut>),
        (status = 422, response = crate::error::ProblemResponse)
    )
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    who: Principal,
    query: ListQuery<EventListQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format;
    let (q, page) = (query.filters, query.page);
    let (from, to) = vietnam_days_utc(q.from, q.to)?;
    let code = code_filter(q.code.as_deref())?;
    let mut filter = EventFilter {
        code: None,
        batch_id: q.batch_id.map(|b| b.to_string()),
        org_id: q.org_id.map(|o| o.to_string()),
        biz_step: q.biz_step.map(|s| s.as_str().to_owned()),
        from,
        to,
        producer_scope: who.own_producer_scope().map(|p| p.to_string()),
        recorder_scope: who.is(OrgKind::Retailer).then(|| who.org_id.to_string()),
    };
    let out = state
        .services
        .read(move |conn| {
            if let Some(code) = code {
                match db::codes::find_code(conn, &code)? {
                    Some((_, run)) => filter.code = Some((code.to_string(), run.batch_id, run.id)),
                    None => return Ok(Paginated::new(Vec::new(), page, 0)),
                }
            }
            db::events::list(conn, &filter, page)?.try_map(|e| event_out(&e))
        })
        .await?;
    list_answer(format, "events", out)
}

/// One event, with the codes it names.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = EventOut), (status = 404, response = crate::error::ProblemResponse))
)]
#[get("/events/{id}")]
pub async fn get_event(
    state: web::Data<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<web::Json<EventOut>, ApiError> {
    let out = state
        .services
        .read(move |conn| {
            let found = db::events::find(conn, &id.to_string())?;
            let Some(found) = found else {
                return Err(ApiError::not_found("no such event"));
            };
            if !can_see_event(conn, &who, &found.0)? {
                return Err(ApiError::not_found("no such event"));
            }
            let mut out = event_out(&found)?;
            if found.0.scope == "codes" {
                out.codes = Some(db::events::codes_of(conn, &found.0.id)?);
            }
            Ok(out)
        })
        .await?;
    Ok(web::Json(out))
}
