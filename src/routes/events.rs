//! Supply-chain events: retailers, producers and the authority record what
//! happened to packages (shipped, received, sold, inspected…); the scan page's
//! journey and the verification read them.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{AppState, page, stored_uuid};
use crate::auth::Principal;
use crate::db::events::{EventCodeRow, EventFilter, EventWithOrg, SupplyEventRow};
use crate::db::{self, DbConnection};
use crate::domain::code::TraceCode;
use crate::domain::organization::OrgKind;
use crate::domain::pagination::Paginated;
use crate::domain::supply::{
    BizStep, Disposition, EventLocation, EventWhat, EventsRequest, ParsedEvent, parse_events,
};
use crate::domain::time::vietnam_days_utc;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiQuery, BulkJson, code_filter, idempotency_key, parse_uuid};

/// Who recorded an event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Recorder {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventOut {
    pub id: Uuid,
    pub biz_step: BizStep,
    pub disposition: Disposition,
    /// `codes` (named one by one), `batch` or `run`.
    pub scope: String,
    pub event_time: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Recorder,
    pub batch_id: Option<Uuid>,
    pub code_run_id: Option<Uuid>,
    /// How many packages the event is about.
    pub code_count: i32,
    /// The codes, for an event that names them (in `GET /events/{id}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codes: Option<Vec<String>>,
    pub location: EventLocation,
    pub destination_org_id: Option<Uuid>,
    pub note: Option<String>,
}

pub fn event_out((row, org_name): &EventWithOrg) -> Result<EventOut, ApiError> {
    let opt_uuid = |v: &Option<String>| v.as_deref().map(stored_uuid).transpose();
    Ok(EventOut {
        id: stored_uuid(&row.id)?,
        biz_step: BizStep::parse(&row.biz_step)
            .ok_or_else(|| ApiError::Internal(format!("stored biz step {}", row.biz_step)))?,
        disposition: Disposition::parse(&row.disposition)
            .ok_or_else(|| ApiError::Internal(format!("stored disposition {}", row.disposition)))?,
        scope: row.scope.clone(),
        event_time: row.event_time.and_utc(),
        recorded_at: row.recorded_at.and_utc(),
        recorded_by: Recorder {
            id: stored_uuid(&row.org_id)?,
            name: org_name.clone(),
        },
        batch_id: opt_uuid(&row.batch_id)?,
        code_run_id: opt_uuid(&row.run_id)?,
        code_count: row.code_count,
        codes: None,
        location: EventLocation {
            name: row.location_name.clone(),
            province: row.province.clone(),
            latitude: row.latitude,
            longitude: row.longitude,
        },
        destination_org_id: opt_uuid(&row.destination_org_id)?,
        note: row.note.clone(),
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventsRecorded {
    pub recorded: usize,
    pub events: Vec<EventOut>,
}

/// The codes, batches and runs a request names, checked against the
/// database and the caller (a producer only for its own goods, a retailer
/// only for goods shipped to it or received by it). Unknown and not-yours
/// read the same, so other producers' codes don't leak.
struct Resolved {
    owners: HashMap<String, (String, String)>,
    batches: HashMap<Uuid, (String, i32)>,
    runs: HashMap<Uuid, db::codes::CodeRunRow>,
}

fn resolve(
    conn: &mut DbConnection,
    who: &Principal,
    events: &[ParsedEvent],
) -> Result<Resolved, ApiError> {
    let mine = |producer: &str| who.can_see(producer);
    let mut named: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.what {
            EventWhat::Codes(codes) => Some(codes.iter().map(TraceCode::to_string)),
            _ => None,
        })
        .flatten()
        .collect();
    named.sort_unstable();
    named.dedup();
    // A retailer acts only on goods handed to it: shipped to it or received
    // by it (itself allowed only after a shipment to it).
    let held = match who.role {
        OrgKind::Retailer => Some(db::events::holdings_of(
            conn,
            &who.org_id.to_string(),
            &named,
        )?),
        _ => None,
    };
    let owners: HashMap<String, (String, String)> = db::events::code_owners(conn, &named)?
        .into_iter()
        .filter(|(code, run, batch, producer)| {
            mine(producer) && held.as_ref().is_none_or(|h| h.holds_code(code, run, batch))
        })
        .map(|(code, _run, batch, producer)| (code, (batch, producer)))
        .collect();
    let mut resolved = Resolved {
        owners,
        batches: HashMap::new(),
        runs: HashMap::new(),
    };
    let mut errors = Vec::new();
    for (i, event) in events.iter().enumerate() {
        match &event.what {
            EventWhat::Codes(codes) => {
                let missing: Vec<String> = codes
                    .iter()
                    .map(TraceCode::to_string)
                    .filter(|c| !resolved.owners.contains_key(c))
                    .collect();
                if !missing.is_empty() {
                    let shown = missing.iter().take(20).cloned().collect::<Vec<_>>();
                    errors.push(FieldError::new(
                        format!("events[{i}].codes"),
                        format!(
                            "{} code(s) not registered{}: {}{}",
                            missing.len(),
                            match who.role {
                                OrgKind::Producer => " to you",
                                OrgKind::Retailer => " or not shipped to you",
                                _ => "",
                            },
                            shown.join(", "),
                            if missing.len() > shown.len() {
                                ", …"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
            }
            EventWhat::Batch(id) => {
                if resolved.batches.contains_key(id) {
                    continue;
                }
                let batch = db::batches::find(conn, *id)?.filter(|b| {
                    mine(&b.producer_id) && held.as_ref().is_none_or(|h| h.batches.contains(&b.id))
                });
                match batch {
                    Some(batch) => {
                        let count = db::codes::runs_of_batch(conn, &batch.id)?
                            .iter()
                            .map(|r| r.count)
                            .sum();
                        resolved.batches.insert(*id, (batch.producer_id, count));
                    }
                    None => errors.push(FieldError::new(
                        format!("events[{i}].batch_id"),
                        "no such batch",
                    )),
                }
            }
            EventWhat::Run(id) => {
                if resolved.runs.contains_key(id) {
                    continue;
                }
                let run = db::codes::find_run(conn, *id)?.filter(|r| {
                    mine(&r.producer_id)
                        && held
                            .as_ref()
                            .is_none_or(|h| h.holds_run(&r.id, &r.batch_id))
                });
                match run {
                    Some(run) => {
                        resolved.runs.insert(*id, run);
                    }
                    None => errors.push(FieldError::new(
                        format!("events[{i}].code_run_id"),
                        "no such code run",
                    )),
                }
            }
        }
        if let Some(dest) = event.destination_org_id
            && db::organizations::find(conn, dest)?.is_none()
        {
            errors.push(FieldError::new(
                format!("events[{i}].destination_org_id"),
                "no such organization",
            ));
        }
    }
    if errors.is_empty() {
        Ok(resolved)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Store checked events; returns them as stored.
pub fn store_events(
    conn: &mut DbConnection,
    who: &Principal,
    events: Vec<ParsedEvent>,
) -> Result<Vec<EventOut>, ApiError> {
    let resolved = resolve(conn, who, &events)?;
    let org = db::organizations::find(conn, who.org_id)?
        .ok_or_else(|| ApiError::Unauthorized("the caller's organization is gone".into()))?;
    let now = db::now();
    let mut out = Vec::with_capacity(events.len());
    for event in events {
        let id = db::events::new_event_id();
        let (scope, batch_id, run_id, count, named) = match &event.what {
            EventWhat::Codes(codes) => {
                let rows: Vec<EventCodeRow> = codes
                    .iter()
                    .filter_map(|c| {
                        let code = c.to_string();
                        let (batch, producer) = resolved.owners.get(&code)?.clone();
                        Some(EventCodeRow {
                            event_id: id.clone(),
                            code,
                            batch_id: batch,
                            producer_id: producer,
                        })
                    })
                    .collect();
                let count = i32::try_from(rows.len()).unwrap_or(i32::MAX);
                ("codes", None, None, count, rows)
            }
            EventWhat::Batch(b) => {
                let count = resolved.batches.get(b).map_or(0, |(_, n)| *n);
                ("batch", Some(b.to_string()), None, count, Vec::new())
            }
            EventWhat::Run(r) => {
                let run = resolved
                    .runs
                    .get(r)
                    .ok_or_else(|| ApiError::Internal("run not resolved".into()))?;
                (
                    "run",
                    Some(run.batch_id.clone()),
                    Some(run.id.clone()),
                    run.count,
                    Vec::new(),
                )
            }
        };
        let row = SupplyEventRow {
            id,
            org_id: who.org_id.to_string(),
            biz_step: event.biz_step.as_str().into(),
            disposition: event.disposition.as_str().into(),
            scope: scope.into(),
            batch_id,
            run_id,
            code_count: count,
            event_time: event.event_time,
            recorded_at: now,
            location_name: event.location.name.clone(),
            province: event
                .location
                .province
                .clone()
                .or_else(|| Some(org.address.province.clone())),
            latitude: event.location.latitude,
            longitude: event.location.longitude,
            destination_org_id: event.destination_org_id.map(|d| d.to_string()),
            note: event.note.clone(),
        };
        db::events::insert(conn, &row, &named)?;
        out.push(event_out(&(row, org.name.clone()))?);
    }
    Ok(out)
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
    let parsed =
        parse_events(who.role, &body.into_inner(), Utc::now()).map_err(ApiError::Validation)?;
    // The checked events, not the raw bytes: a retry may re-serialize.
    let fingerprint = hex::encode(Sha256::digest(format!("{parsed:?}").as_bytes()));
    let org = who.org_id.to_string();
    let keyed = key.clone().map(|k| (k, fingerprint.clone()));
    let result = state
        .db
        .transaction(move |conn| {
            if let Some((key, fingerprint)) = &keyed
                && let Some(first) = db::events::find_request(conn, &who.org_id.to_string(), key)?
            {
                return replay(conn, first, fingerprint).map(|events| (events, true));
            }
            let events = store_events(conn, &who, parsed)?;
            if let Some((key, fingerprint)) = &keyed {
                let ids: Vec<String> = events.iter().map(|e| e.id.to_string()).collect();
                db::events::remember_request(
                    conn,
                    &who.org_id.to_string(),
                    key,
                    fingerprint,
                    &ids,
                )?;
            }
            Ok((events, false))
        })
        .await;
    let (events, replayed) = match (result, key) {
        // A concurrent request with the same key may have committed first.
        (Err(conflict @ ApiError::Conflict { .. }), Some(key)) => {
            let first = state
                .db
                .run(
                    move |conn| match db::events::find_request(conn, &org, &key)? {
                        Some(first) => replay(conn, first, &fingerprint).map(Some),
                        None => Ok(None),
                    },
                )
                .await?;
            (first.ok_or(conflict)?, true)
        }
        (result, _) => result?,
    };
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

/// The events a keyed request recorded the first time, or a conflict when
/// the key came with different events.
fn replay(
    conn: &mut DbConnection,
    (first_fingerprint, ids): (String, Vec<String>),
    fingerprint: &str,
) -> Result<Vec<EventOut>, ApiError> {
    if first_fingerprint != fingerprint {
        return Err(ApiError::Conflict {
            field: Some("Idempotency-Key".into()),
            reason: "this key was already used for different events".into(),
        });
    }
    db::events::by_ids(conn, &ids)?
        .iter()
        .map(event_out)
        .collect()
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
    #[param(minimum = 1, default = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<u32>,
}

/// Supply-chain events, newest first. A producer sees events about its own
/// goods, a retailer the events it recorded, the authority and the admin all.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(EventListQuery),
    responses((status = 200, body = Paginated<EventOut>))
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    who: Principal,
    query: ApiQuery<EventListQuery>,
) -> Result<web::Json<Paginated<EventOut>>, ApiError> {
    let q = query.into_inner();
    let page = page(q.page, q.per_page)?;
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
        .db
        .run(move |conn| {
            if let Some(code) = code {
                match db::codes::find_code(conn, &code)? {
                    Some((_, run)) => filter.code = Some((code.to_string(), run.batch_id, run.id)),
                    None => return Ok(Paginated::new(Vec::new(), page, 0)),
                }
            }
            db::events::list(conn, &filter, page)?.try_map(|e| event_out(&e))
        })
        .await?;
    Ok(web::Json(out))
}

/// May the caller see this event?
fn can_see_event(
    conn: &mut DbConnection,
    who: &Principal,
    row: &SupplyEventRow,
) -> Result<bool, ApiError> {
    Ok(match who.role {
        OrgKind::Admin | OrgKind::Authority => true,
        OrgKind::Retailer => row.org_id == who.org_id.to_string(),
        OrgKind::Producer => {
            let me = who.org_id.to_string();
            let own_batch = match &row.batch_id {
                Some(b) => {
                    db::batches::find(conn, stored_uuid(b)?)?.is_some_and(|b| b.producer_id == me)
                }
                None => false,
            };
            own_batch || db::events::names_codes_of(conn, &row.id, &me)?
        }
    })
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
    id: web::Path<String>,
) -> Result<web::Json<EventOut>, ApiError> {
    let id = parse_uuid("id", &id)?;
    let out = state
        .db
        .run(move |conn| {
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
