//! Supply-chain events as a use case: what a request names is resolved
//! against the registry and the caller (a producer only for its own goods,
//! a retailer only for goods shipped to it or received by it), stored all
//! or none, and replayed for a retried key. Also the event as every front
//! door shows it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Services;
use super::idempotency::{Keyed, fingerprint, same_request};
use crate::auth::Principal;
use crate::db::events::{EventCodeRow, EventWithOrg, SupplyEventRow};
use crate::db::{self, DbConnection, stored_uuid};
use crate::domain::code::TraceCode;
use crate::domain::organization::OrgKind;
use crate::domain::supply::{BizStep, Disposition, EventLocation, EventWhat, ParsedEvent};
use crate::error::{ApiError, FieldError};

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
            .ok_or_else(|| ApiError::internal(format!("stored biz step {}", row.biz_step)))?,
        disposition: Disposition::parse(&row.disposition)
            .ok_or_else(|| ApiError::internal(format!("stored disposition {}", row.disposition)))?,
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

/// The codes, batches and runs a request names, checked against the
/// database and the caller (a producer only for its own goods, a retailer
/// only for goods shipped to it or received by it). Unknown and not-yours
/// read the same, so other producers' codes don't leak.
pub struct Resolved {
    owners: HashMap<String, (String, String)>,
    batches: HashMap<Uuid, (String, i32)>,
    runs: HashMap<Uuid, db::codes::CodeRunRow>,
}

pub fn resolve(
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

/// Store checked events; returns them as stored, with the recorder's name.
/// Each is also kept as an EPCIS event naming our codes' links on
/// `epcis_base` (`None`: the events came from an EPCIS capture, which keeps
/// them as they were captured).
pub fn store_events(
    conn: &mut DbConnection,
    who: &Principal,
    events: Vec<ParsedEvent>,
    epcis_base: Option<&str>,
) -> Result<Vec<EventWithOrg>, ApiError> {
    let resolved = resolve(conn, who, &events)?;
    let org = db::organizations::find(conn, who.org_id)?
        .ok_or_else(|| ApiError::Unauthorized("the caller's organization is gone".into()))?;
    let now = db::now();
    let mut mirror = epcis_base.map(super::epcis::EpcisMirror::new);
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
                    .ok_or_else(|| ApiError::internal("run not resolved"))?;
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
        if let Some(mirror) = &mut mirror {
            super::epcis::mirror_supply_event(conn, mirror, &row, &named)?;
        }
        out.push((row, org.name.clone()));
    }
    Ok(out)
}

/// Record checked events, all or none; with a key, a retry returns the
/// events the first request recorded (`true`: replayed).
pub async fn record_events(
    services: &Services,
    who: Principal,
    parsed: Vec<ParsedEvent>,
    key: Option<String>,
) -> Result<(Vec<EventOut>, bool), ApiError> {
    // The checked events, not the raw bytes: a retry may re-serialize.
    let keyed = key.map(|key| Keyed {
        key,
        fingerprint: fingerprint(&format!("{parsed:?}")),
    });
    let org = who.org_id.to_string();
    let base = services.settings.public_base_url.clone();
    let first_try = keyed.clone();
    let result = services
        .registry_write(move |conn| {
            if let Some(Keyed { key, fingerprint }) = &first_try
                && let Some(first) = db::events::find_request(conn, &who.org_id.to_string(), key)?
            {
                return replay(conn, first, fingerprint).map(|events| (events, true));
            }
            let rows = store_events(conn, &who, parsed, Some(&base))?;
            if let Some(Keyed { key, fingerprint }) = &first_try {
                let ids: Vec<String> = rows.iter().map(|(e, _)| e.id.clone()).collect();
                db::events::remember_request(
                    conn,
                    &who.org_id.to_string(),
                    key,
                    fingerprint,
                    &ids,
                )?;
            }
            let events = rows.iter().map(event_out).collect::<Result<_, _>>()?;
            Ok((events, false))
        })
        .await;
    match (result, keyed) {
        // A concurrent request with the same key may have committed first.
        (Err(conflict @ ApiError::Conflict { .. }), Some(Keyed { key, fingerprint })) => {
            let first = services
                .read(
                    move |conn| match db::events::find_request(conn, &org, &key)? {
                        Some(first) => replay(conn, first, &fingerprint).map(Some),
                        None => Ok(None),
                    },
                )
                .await?;
            Ok((first.ok_or(conflict)?, true))
        }
        (result, _) => result,
    }
}

/// The events a keyed request recorded the first time, or a conflict when
/// the key came with different events.
fn replay(
    conn: &mut DbConnection,
    (first_fingerprint, ids): (String, Vec<String>),
    fingerprint: &str,
) -> Result<Vec<EventOut>, ApiError> {
    same_request(Some(&first_fingerprint), fingerprint, "different events")?;
    db::events::by_ids(conn, &ids)?
        .iter()
        .map(event_out)
        .collect()
}

/// May the caller see this event?
pub fn can_see_event(
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
