//! EPCIS 2.0 capture and query: supermarkets' and export partners' systems
//! send GS1's own event documents, and read events back as GS1's query
//! documents. A captured document is checked against GS1's schema and kept
//! all or nothing; each event as it came, for any identifier, known to our
//! registry or not. Events naming our codes are found by those codes.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Principal;
use crate::db::epcis::{
    CaptureRow, EpcisEventRow, EpcisFilter, EventEpcRow, Viewer, bodies_by_event_id,
};
use crate::db::events::{EventCodeRow, SupplyEventRow};
use crate::db::{self, DbConnection, DbError, stored_uuid};
use crate::domain::epcis::own::{self, OwnEvent, OwnWhat};
use crate::domain::epcis::{
    CAPTURE_LIMIT, EpcRole, IndexedEvent, check_document, events_of, identifiers,
};
use crate::domain::organization::OrgKind;
use crate::domain::supply::{BizStep, Disposition, EventDraft, EventsRequest, parse_events};
use crate::domain::validation::FieldError;
use crate::error::ApiError;
use crate::services::supply;

/// A capture job as GS1's EPCIS REST binding describes it. Capture runs
/// while the request waits (all or nothing), so a job is never seen
/// running; a document that fails is refused with a 400 and makes none.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaptureJob {
    #[serde(rename = "captureID")]
    pub capture_id: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub running: bool,
    pub success: bool,
    /// Always `rollback`: a document is stored whole or not at all.
    pub capture_error_behaviour: String,
    pub errors: Vec<String>,
    /// Events the document held.
    pub event_count: u32,
    /// Of those, events already captured (the same eventID and content),
    /// stored once.
    pub duplicate_count: u32,
}

impl CaptureJob {
    pub fn from_row(row: &CaptureRow) -> Result<Self, DbError> {
        let count =
            |n: i32| u32::try_from(n).map_err(|_| DbError::corrupt(format!("capture count {n}")));
        Ok(Self {
            capture_id: row.id.clone(),
            created_at: row.created_at.and_utc(),
            finished_at: row.finished_at.and_utc(),
            running: false,
            success: true,
            capture_error_behaviour: "rollback".into(),
            errors: Vec::new(),
            event_count: count(row.event_count)?,
            duplicate_count: count(row.duplicate_count)?,
        })
    }
}

fn malformed(violations: Vec<crate::domain::epcis::SchemaViolation>) -> ApiError {
    ApiError::MalformedDocument(
        violations
            .into_iter()
            .map(|v| FieldError::new(v.pointer, truncate(&v.reason, 300)))
            .collect(),
    )
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// Check a document and what it holds, before any transaction: the schema,
/// every event's fields, the capture limit.
pub fn read_document(document: &Value) -> Result<Vec<IndexedEvent>, ApiError> {
    check_document(document).map_err(malformed)?;
    let events = events_of(document).map_err(malformed)?;
    if events.len() > CAPTURE_LIMIT {
        return Err(ApiError::TooManyItems(format!(
            "the document holds {} events; at most {CAPTURE_LIMIT} are captured at once",
            events.len()
        )));
    }
    Ok(events)
}

/// Store a checked document's events for `who`, all or nothing (the
/// caller's transaction). An event whose eventID this organization already
/// captured with the same content is a duplicate, stored once; with other
/// content it is a conflict, and nothing is stored. An event sent without
/// eventID is named by its hash, so the same event sent again (even written
/// differently) is a duplicate.
pub fn capture(
    conn: &mut DbConnection,
    who: &Principal,
    events: Vec<IndexedEvent>,
    contexts: &[Value],
    now: NaiveDateTime,
) -> Result<CaptureRow, ApiError> {
    let org = who.org_id.to_string();
    let capture_id = Uuid::now_v7().to_string();
    let contexts = serde_json::to_string(contexts).map_err(ApiError::internal)?;
    let event_count = events.len();
    // Duplicates: within the document, then against what is stored.
    let mut seen: HashMap<String, Value> = HashMap::new();
    let ids: Vec<String> = events.iter().filter_map(|e| e.event_id.clone()).collect();
    for (id, body) in bodies_by_event_id(conn, &org, &ids)? {
        let stored: Value = serde_json::from_str(&body)
            .map_err(|e| DbError::corrupt(format!("stored EPCIS event {id}: {e}")))?;
        seen.insert(id, stored);
    }
    let ours = our_codes(conn, &events)?;
    let mut rows = Vec::with_capacity(event_count);
    let mut epc_rows = Vec::new();
    let mut supply = Vec::new();
    let mut duplicates = 0u32;
    for (i, event) in events.into_iter().enumerate() {
        if let Some(id) = &event.event_id {
            match seen.get(id) {
                Some(body) if *body == event.body || event.id_from_hash => {
                    duplicates += 1;
                    continue;
                }
                Some(_) => {
                    return Err(ApiError::Conflict {
                        field: Some(format!("/epcisBody/eventList/{i}/eventID")),
                        reason: format!(
                            "event {id} was already captured with other content; an eventID names one event"
                        ),
                    });
                }
                None => {
                    seen.insert(id.clone(), event.body.clone());
                }
            }
        }
        // Only what is stored enters the supply chain: a duplicate did already.
        if let Some(draft) = supply_draft(&event, &ours) {
            supply.push((i, draft));
        }
        let row_id = Uuid::now_v7().to_string();
        for named in &event.epcs {
            let owned = ours.get(&named.value);
            epc_rows.push(EventEpcRow {
                event_row_id: row_id.clone(),
                role: named.role.field().to_owned(),
                epc: named.value.clone(),
                code: owned.map(|(code, _)| code.clone()),
                producer_id: owned.map(|(_, producer)| producer.clone()),
            });
        }
        rows.push(EpcisEventRow {
            id: row_id,
            capture_id: Some(capture_id.clone()),
            captured_by: org.clone(),
            event_id: event.event_id,
            event_type: event.event_type,
            event_time: event.event_time.naive_utc(),
            record_time: now,
            action: event.action,
            biz_step: event.biz_step,
            disposition: event.disposition,
            read_point: event.read_point,
            biz_location: event.biz_location,
            body: serde_json::to_string(&event.body).map_err(ApiError::internal)?,
            contexts: contexts.clone(),
        });
    }
    let capture = CaptureRow {
        id: capture_id,
        captured_by: org,
        event_count: i32::try_from(event_count).map_err(ApiError::internal)?,
        duplicate_count: i32::try_from(duplicates).map_err(ApiError::internal)?,
        created_at: now,
        finished_at: crate::db::now(),
    };
    db::epcis::insert_capture(conn, &capture)?;
    db::epcis::insert_events(conn, &rows, &epc_rows)?;
    if !supply.is_empty() {
        record_in_supply_chain(conn, who, supply)?;
    }
    Ok(capture)
}

/// The identifiers of a document that name one of our issued codes (each
/// read once): identifier → (code, its producer).
fn our_codes(
    conn: &mut DbConnection,
    events: &[IndexedEvent],
) -> Result<HashMap<String, (String, String)>, ApiError> {
    let named: HashMap<&str, String> = events
        .iter()
        .flat_map(|e| e.epcs.iter())
        .filter_map(|n| {
            let code = identifiers::trace_code(&n.value)?;
            Some((n.value.as_str(), code.as_str().to_owned()))
        })
        .collect();
    let wanted: Vec<String> = named
        .values()
        .cloned()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let producers: HashMap<String, String> = db::events::code_owners(conn, &wanted)?
        .into_iter()
        .map(|(code, _run, _batch, producer)| (code, producer))
        .collect();
    Ok(named
        .into_iter()
        .filter_map(|(value, code)| {
            let producer = producers.get(&code)?.clone();
            Some((value.to_owned(), (code, producer)))
        })
        .collect())
}

/// The supply-chain event a captured event makes when it names our codes
/// (in `epcList` or `childEPCs`) with a CBV bizStep we keep (shipping,
/// receiving, retail_selling…): so it shows in the codes' journey, in
/// `/events`, in verification and analytics, under the same rules as
/// `POST /events`. Other events are kept in EPCIS only.
fn supply_draft(
    event: &IndexedEvent,
    ours: &HashMap<String, (String, String)>,
) -> Option<EventDraft> {
    let step = event.biz_step.as_deref().and_then(BizStep::parse)?;
    let codes: Vec<String> = event
        .epcs
        .iter()
        .filter(|n| matches!(n.role, EpcRole::EpcList | EpcRole::ChildEpcs))
        .filter_map(|n| ours.get(&n.value).map(|(code, _)| code.clone()))
        .collect();
    if codes.is_empty() {
        return None;
    }
    Some(EventDraft {
        biz_step: step,
        disposition: event.disposition.as_deref().and_then(Disposition::parse),
        event_time: event.event_time,
        codes: Some(codes),
        batch_id: None,
        code_run_id: None,
        location: None,
        destination_org_id: None,
        note: Some(match &event.event_id {
            Some(id) => format!("EPCIS {} {id}", event.event_type),
            None => format!("EPCIS {}", event.event_type),
        }),
    })
}

/// Record the drafts as `POST /events` would, in the capture's transaction;
/// a rule they break refuses the whole document, naming the EPCIS event.
fn record_in_supply_chain(
    conn: &mut DbConnection,
    who: &Principal,
    drafts: Vec<(usize, EventDraft)>,
) -> Result<(), ApiError> {
    let (positions, events): (Vec<usize>, Vec<EventDraft>) = drafts.into_iter().unzip();
    let name = |field: &str| {
        // `events[3].codes` → the EPCIS event it came from.
        let index = field
            .strip_prefix("events[")
            .and_then(|rest| rest.split(']').next())
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| positions.get(n));
        match index {
            Some(i) => format!("/epcisBody/eventList/{i}"),
            None => field.to_owned(),
        }
    };
    let parsed =
        parse_events(who.role, &EventsRequest { events }, Utc::now()).map_err(|errors| {
            ApiError::Validation(
                errors
                    .into_iter()
                    .map(|e| FieldError::new(name(&e.field), e.reason))
                    .collect(),
            )
        })?;
    match supply::store_events(conn, who, parsed, None) {
        Err(ApiError::Validation(errors)) => Err(ApiError::Validation(
            errors
                .into_iter()
                .map(|e| FieldError::new(name(&e.field), e.reason))
                .collect(),
        )),
        Err(ApiError::Conflict { field, reason }) => Err(ApiError::Conflict {
            field: field.map(|f| name(&f)),
            reason,
        }),
        other => other.map(|_| ()),
    }
}

/// A capture job: its capturer, the authority and the admin see it.
pub fn find_capture(
    conn: &mut DbConnection,
    who: &Principal,
    id: &str,
) -> Result<CaptureJob, ApiError> {
    let not_found = || ApiError::not_found("no such capture job");
    let row = db::epcis::find_capture(conn, id)?.ok_or_else(not_found)?;
    let sees_all = who.is(OrgKind::Authority) || who.is(OrgKind::Admin);
    if !sees_all && row.captured_by != who.org_id.to_string() {
        return Err(not_found());
    }
    Ok(CaptureJob::from_row(&row)?)
}

/// Whom an EPCIS query shows what: the authority and the admin everything;
/// others the events they captured, and a producer also events naming its
/// codes.
pub fn viewer_of(who: &Principal) -> Option<Viewer> {
    (!(who.is(OrgKind::Authority) || who.is(OrgKind::Admin))).then(|| Viewer {
        org_id: who.org_id.to_string(),
        is_producer: who.is(OrgKind::Producer),
    })
}

/// One page of a query: the events as captured, the namespaces they use,
/// and the row to continue after, if there is more.
#[derive(Debug, Clone)]
pub struct EventsPage {
    pub events: Vec<Value>,
    pub contexts: Vec<Value>,
    pub next_after: Option<String>,
}

pub fn query(
    conn: &mut DbConnection,
    filter: &EpcisFilter,
    after: Option<&str>,
    per_page: u32,
) -> Result<EventsPage, ApiError> {
    let mut rows = db::epcis::query(conn, filter, after, i64::from(per_page))?;
    let more = rows.len() > per_page as usize;
    rows.truncate(per_page as usize);
    let next_after = if more {
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    let mut contexts: Vec<Value> = Vec::new();
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let body: Value = serde_json::from_str(&row.body)
            .map_err(|e| DbError::corrupt(format!("stored EPCIS event {}: {e}", row.id)))?;
        let extra: Vec<Value> = serde_json::from_str(&row.contexts)
            .map_err(|e| DbError::corrupt(format!("stored EPCIS contexts {}: {e}", row.id)))?;
        for context in extra {
            if !contexts.contains(&context) {
                contexts.push(context);
            }
        }
        events.push(body);
    }
    Ok(EventsPage {
        events,
        contexts,
        next_after,
    })
}

/// One of our own supply-chain events, also kept as an EPCIS ObjectEvent
/// (in the caller's transaction) so that one EPCIS query returns both:
/// its codes named by their Digital Link on `base` (or scan URL), a batch
/// or run as a quantity of its lot; seen by the recorder, the codes'
/// producer, the authority and the admin.
/// Where our events' EPCIS copies point, and the lots already looked up
/// (one store names the same few lots in many events).
pub struct EpcisMirror<'a> {
    base: &'a str,
    /// Batch id → (GTIN, lot, producer).
    lots: HashMap<String, (Option<String>, String, String)>,
}

impl<'a> EpcisMirror<'a> {
    pub fn new(base: &'a str) -> Self {
        Self {
            base,
            lots: HashMap::new(),
        }
    }
}

pub fn mirror_supply_event(
    conn: &mut DbConnection,
    mirror: &mut EpcisMirror<'_>,
    row: &SupplyEventRow,
    named: &[EventCodeRow],
) -> Result<(), ApiError> {
    let base = mirror.base;
    let batch_ids: HashSet<&str> = named
        .iter()
        .map(|n| n.batch_id.as_str())
        .chain(row.batch_id.as_deref())
        .collect();
    for batch_id in batch_ids {
        if mirror.lots.contains_key(batch_id) {
            continue;
        }
        let batch = db::batches::find(conn, stored_uuid(batch_id)?)?
            .ok_or_else(|| DbError::corrupt(format!("event {} names batch {batch_id}", row.id)))?;
        let product = db::products::find(conn, stored_uuid(&batch.product_id)?)?
            .ok_or_else(|| DbError::corrupt(format!("batch {batch_id} without product")))?;
        mirror.lots.insert(
            batch_id.to_owned(),
            (product.gtin, batch.lot, batch.producer_id),
        );
    }
    let lots = &mirror.lots;
    let row_id = Uuid::now_v7().to_string();
    let mut epcs = Vec::new();
    let what = match &row.batch_id {
        Some(batch_id) if named.is_empty() => {
            let (gtin, lot, producer) = lots
                .get(batch_id)
                .ok_or_else(|| ApiError::internal("batch not loaded"))?;
            let class = own::lot_class(base, gtin.as_deref(), lot, batch_id);
            epcs.push(EventEpcRow {
                event_row_id: row_id.clone(),
                role: EpcRole::QuantityList.field().to_owned(),
                epc: class.clone(),
                code: None,
                producer_id: Some(producer.clone()),
            });
            OwnWhat::Class {
                class,
                quantity: i64::from(row.code_count),
            }
        }
        _ => {
            let mut items = Vec::with_capacity(named.len());
            for n in named {
                let gtin = lots.get(&n.batch_id).and_then(|(g, _, _)| g.as_deref());
                let item = own::item_identifier(base, gtin, &n.code);
                epcs.push(EventEpcRow {
                    event_row_id: row_id.clone(),
                    role: EpcRole::EpcList.field().to_owned(),
                    epc: item.clone(),
                    code: Some(n.code.clone()),
                    producer_id: Some(n.producer_id.clone()),
                });
                items.push(item);
            }
            OwnWhat::Items(items)
        }
    };
    let event = OwnEvent {
        id: row.id.clone(),
        biz_step: row.biz_step.clone(),
        disposition: row.disposition.clone(),
        event_time: row.event_time,
        record_time: row.recorded_at,
        what,
        recorder: row.org_id.clone(),
        destination: row.destination_org_id.clone(),
    };
    let body = own::object_event(&event);
    let indexed = crate::domain::epcis::index_event(&body)
        .map_err(|why| ApiError::internal(format!("our own event as EPCIS: {why}")))?;
    let stored = EpcisEventRow {
        id: row_id,
        capture_id: None,
        captured_by: row.org_id.clone(),
        event_id: indexed.event_id,
        event_type: indexed.event_type,
        event_time: row.event_time,
        record_time: row.recorded_at,
        action: indexed.action,
        biz_step: indexed.biz_step,
        disposition: indexed.disposition,
        read_point: None,
        biz_location: None,
        body: serde_json::to_string(&indexed.body).map_err(ApiError::internal)?,
        contexts: "[]".to_owned(),
    };
    db::epcis::insert_events(conn, std::slice::from_ref(&stored), &epcs)?;
    Ok(())
}

/// A code run's issuance as an EPCIS `commissioning` event (`ADD` of the
/// run's quantity of its lot), kept when the run becomes visible.
pub fn mirror_issuance(
    conn: &mut DbConnection,
    base: &str,
    run: &crate::db::codes::CodeRunRow,
) -> Result<(), ApiError> {
    let issued = SupplyEventRow {
        id: run.id.clone(),
        org_id: run.producer_id.clone(),
        biz_step: BizStep::Commissioning.as_str().to_owned(),
        disposition: BizStep::Commissioning
            .default_disposition()
            .as_str()
            .to_owned(),
        scope: "run".to_owned(),
        batch_id: Some(run.batch_id.clone()),
        run_id: Some(run.id.clone()),
        code_count: run.count,
        event_time: run.created_at,
        recorded_at: crate::db::now(),
        location_name: None,
        province: None,
        latitude: None,
        longitude: None,
        destination_org_id: None,
        note: None,
    };
    mirror_supply_event(conn, &mut EpcisMirror::new(base), &issued, &[])
}
