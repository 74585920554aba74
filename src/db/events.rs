//! Supply-chain events and the codes they name.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::DbConnection;
use super::schema::{
    batches, code_runs, codes, event_requests, organizations, supply_event_codes, supply_events,
};
use crate::domain::pagination::{Page, Paginated};

/// Codes per `IN (…)` list: under both backends' parameter limits.
const IN_CHUNK: usize = 500;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = supply_events)]
pub struct SupplyEventRow {
    pub id: String,
    pub org_id: String,
    pub biz_step: String,
    pub disposition: String,
    pub scope: String,
    pub batch_id: Option<String>,
    pub run_id: Option<String>,
    pub code_count: i32,
    pub event_time: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub location_name: Option<String>,
    pub province: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub destination_org_id: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = supply_event_codes)]
pub struct EventCodeRow {
    pub event_id: String,
    pub code: String,
    pub batch_id: String,
    pub producer_id: String,
}

/// An event with the name of the organization that recorded it.
pub type EventWithOrg = (SupplyEventRow, String);

/// Where a code belongs: (code, run id, batch id, producer id).
pub type CodeOwner = (String, String, String, String);

/// The run, batch and producer of each code that exists (unknown codes are absent).
pub fn code_owners(conn: &mut DbConnection, wanted: &[String]) -> QueryResult<Vec<CodeOwner>> {
    let mut out = Vec::with_capacity(wanted.len());
    for chunk in wanted.chunks(IN_CHUNK) {
        out.extend(
            codes::table
                .inner_join(code_runs::table)
                .filter(codes::code.eq_any(chunk))
                .filter(code_runs::pending_until.is_null())
                .select((
                    codes::code,
                    codes::run_id,
                    code_runs::batch_id,
                    code_runs::producer_id,
                ))
                .load::<CodeOwner>(conn)?,
        );
    }
    Ok(out)
}

/// What a retailer has been handed: the batches, runs and single codes that
/// were shipped to it or that it received. Only `codes` among the single
/// codes are looked up (the ones a request names).
#[derive(Debug, Default)]
pub struct Holdings {
    pub batches: std::collections::HashSet<String>,
    pub runs: std::collections::HashSet<String>,
    pub codes: std::collections::HashSet<String>,
}

impl Holdings {
    pub fn holds_code(&self, code: &str, run_id: &str, batch_id: &str) -> bool {
        self.codes.contains(code) || self.runs.contains(run_id) || self.batches.contains(batch_id)
    }

    pub fn holds_run(&self, run_id: &str, batch_id: &str) -> bool {
        self.runs.contains(run_id) || self.batches.contains(batch_id)
    }
}

pub fn holdings_of(
    conn: &mut DbConnection,
    org_id: &str,
    codes: &[String],
) -> QueryResult<Holdings> {
    let handed_over = || {
        supply_events::table.filter(
            supply_events::biz_step
                .eq("shipping")
                .and(supply_events::destination_org_id.eq(org_id))
                .or(supply_events::biz_step
                    .eq("receiving")
                    .and(supply_events::org_id.eq(org_id))),
        )
    };
    let lots: Vec<(String, Option<String>, Option<String>)> = handed_over()
        .filter(supply_events::scope.ne("codes"))
        .select((
            supply_events::scope,
            supply_events::batch_id,
            supply_events::run_id,
        ))
        .distinct()
        .load(conn)?;
    let mut held = Holdings::default();
    for (scope, batch, run) in lots {
        match (scope.as_str(), batch, run) {
            ("batch", Some(batch), _) => {
                held.batches.insert(batch);
            }
            ("run", _, Some(run)) => {
                held.runs.insert(run);
            }
            _ => {}
        }
    }
    for chunk in codes.chunks(IN_CHUNK) {
        held.codes.extend(
            supply_event_codes::table
                .filter(supply_event_codes::code.eq_any(chunk))
                .filter(
                    supply_event_codes::event_id.eq_any(handed_over().select(supply_events::id)),
                )
                .select(supply_event_codes::code)
                .distinct()
                .load::<String>(conn)?,
        );
    }
    Ok(held)
}

pub fn new_event_id() -> String {
    Uuid::now_v7().to_string()
}

/// Store one event and the codes it names (inside the caller's transaction).
pub fn insert(
    conn: &mut DbConnection,
    event: &SupplyEventRow,
    named: &[EventCodeRow],
) -> QueryResult<()> {
    diesel::insert_into(supply_events::table)
        .values(event)
        .execute(conn)?;
    match conn {
        DbConnection::Sqlite(c) => {
            for row in named {
                diesel::insert_into(supply_event_codes::table)
                    .values(row)
                    .execute(c)?;
            }
        }
        DbConnection::Pg(c) => {
            for chunk in named.chunks(5_000) {
                diesel::insert_into(supply_event_codes::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// Events about a whole batch or one of its runs (the journey every code of
/// the batch shares), oldest first.
pub fn of_batch(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<EventWithOrg>> {
    supply_events::table
        .inner_join(organizations::table.on(organizations::id.eq(supply_events::org_id)))
        .filter(supply_events::batch_id.eq(batch_id))
        .filter(supply_events::scope.ne("codes"))
        .select((SupplyEventRow::as_select(), organizations::name))
        .order((supply_events::event_time.asc(), supply_events::id.asc()))
        .load(conn)
}

/// Events that name these codes one by one: (code, event), oldest first.
pub fn naming_codes(
    conn: &mut DbConnection,
    wanted: &[String],
) -> QueryResult<Vec<(String, EventWithOrg)>> {
    let mut out = Vec::new();
    for chunk in wanted.chunks(IN_CHUNK) {
        let rows: Vec<(String, SupplyEventRow, String)> = supply_event_codes::table
            .inner_join(supply_events::table)
            .inner_join(organizations::table.on(organizations::id.eq(supply_events::org_id)))
            .filter(supply_event_codes::code.eq_any(chunk))
            .select((
                supply_event_codes::code,
                SupplyEventRow::as_select(),
                organizations::name,
            ))
            .order((supply_events::event_time.asc(), supply_events::id.asc()))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(code, e, org)| (code, (e, org))));
    }
    Ok(out)
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Events that concern this code: (code, its batch, its run).
    pub code: Option<(String, String, String)>,
    pub batch_id: Option<String>,
    pub org_id: Option<String>,
    pub biz_step: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// A producer sees events about its own batches and codes.
    pub producer_scope: Option<String>,
    /// A retailer sees the events it recorded.
    pub recorder_scope: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    f: &EventFilter,
    page: Page,
) -> QueryResult<Paginated<EventWithOrg>> {
    let query = || {
        let mut q = supply_events::table
            .inner_join(organizations::table.on(organizations::id.eq(supply_events::org_id)))
            .into_boxed();
        if let Some((code, batch, run)) = &f.code {
            let named = supply_event_codes::table
                .filter(supply_event_codes::code.eq(code.clone()))
                .select(supply_event_codes::event_id);
            q = q.filter(
                supply_events::id
                    .eq_any(named)
                    .or(supply_events::batch_id.eq(batch.clone()).and(
                        supply_events::scope
                            .eq("batch")
                            .or(supply_events::run_id.eq(run.clone())),
                    )),
            );
        }
        if let Some(batch) = &f.batch_id {
            let named = supply_event_codes::table
                .filter(supply_event_codes::batch_id.eq(batch.clone()))
                .select(supply_event_codes::event_id);
            q = q.filter(
                supply_events::batch_id
                    .eq(batch.clone())
                    .or(supply_events::id.eq_any(named)),
            );
        }
        if let Some(org) = &f.org_id {
            q = q.filter(supply_events::org_id.eq(org.clone()));
        }
        if let Some(step) = &f.biz_step {
            q = q.filter(supply_events::biz_step.eq(step.clone()));
        }
        if let Some(from) = f.from {
            q = q.filter(supply_events::event_time.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(supply_events::event_time.lt(to));
        }
        if let Some(producer) = &f.producer_scope {
            let own_batches = batches::table
                .filter(batches::producer_id.eq(producer.clone()))
                .select(batches::id.nullable());
            let own_codes = supply_event_codes::table
                .filter(supply_event_codes::producer_id.eq(producer.clone()))
                .select(supply_event_codes::event_id);
            q = q.filter(
                supply_events::batch_id
                    .eq_any(own_batches)
                    .or(supply_events::id.eq_any(own_codes)),
            );
        }
        if let Some(recorder) = &f.recorder_scope {
            q = q.filter(supply_events::org_id.eq(recorder.clone()));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select((SupplyEventRow::as_select(), organizations::name))
        .order((supply_events::event_time.desc(), supply_events::id.desc()))
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(Paginated::new(rows, page, total))
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<EventWithOrg>> {
    supply_events::table
        .inner_join(organizations::table.on(organizations::id.eq(supply_events::org_id)))
        .filter(supply_events::id.eq(id))
        .select((SupplyEventRow::as_select(), organizations::name))
        .first(conn)
        .optional()
}

/// The codes an event names one by one (for an event's detail).
pub fn codes_of(conn: &mut DbConnection, event_id: &str) -> QueryResult<Vec<String>> {
    supply_event_codes::table
        .filter(supply_event_codes::event_id.eq(event_id))
        .select(supply_event_codes::code)
        .order(supply_event_codes::code.asc())
        .load(conn)
}

/// Retailers that recorded events about a code or its batch (who to tell of a clone).
pub fn recorders_for_code(
    conn: &mut DbConnection,
    code: &str,
    batch_id: &str,
) -> QueryResult<Vec<String>> {
    let named = supply_event_codes::table
        .filter(supply_event_codes::code.eq(code))
        .select(supply_event_codes::event_id);
    let mut orgs: Vec<String> = supply_events::table
        .filter(
            supply_events::id
                .eq_any(named)
                .or(supply_events::batch_id.eq(batch_id)),
        )
        .select(supply_events::org_id)
        .distinct()
        .load(conn)?;
    orgs.sort_unstable();
    Ok(orgs)
}

/// Does the event name any code of this producer?
pub fn names_codes_of(
    conn: &mut DbConnection,
    event_id: &str,
    producer_id: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        supply_event_codes::table
            .filter(supply_event_codes::event_id.eq(event_id))
            .filter(supply_event_codes::producer_id.eq(producer_id)),
    ))
    .get_result(conn)
}

/// Events that name one code, oldest first.
pub fn naming_code(conn: &mut DbConnection, code: &str) -> QueryResult<Vec<EventWithOrg>> {
    supply_event_codes::table
        .inner_join(supply_events::table)
        .inner_join(organizations::table.on(organizations::id.eq(supply_events::org_id)))
        .filter(supply_event_codes::code.eq(code))
        .select((SupplyEventRow::as_select(), organizations::name))
        .order((supply_events::event_time.asc(), supply_events::id.asc()))
        .load(conn)
}

/// Does any event name a code of this batch one by one?
pub fn batch_has_named_codes(conn: &mut DbConnection, batch_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        supply_event_codes::table.filter(supply_event_codes::batch_id.eq(batch_id)),
    ))
    .get_result(conn)
}

/// An earlier request with this key: its fingerprint and the events it recorded.
pub fn find_request(
    conn: &mut DbConnection,
    org_id: &str,
    key: &str,
) -> QueryResult<Option<(String, Vec<String>)>> {
    let found: Option<(String, String)> = event_requests::table
        .find((org_id, key))
        .select((event_requests::fingerprint, event_requests::event_ids))
        .first(conn)
        .optional()?;
    Ok(found
        .map(|(fingerprint, ids)| (fingerprint, serde_json::from_str(&ids).unwrap_or_default())))
}

/// Remember a keyed request (inside the transaction that recorded its events).
pub fn remember_request(
    conn: &mut DbConnection,
    org_id: &str,
    key: &str,
    fingerprint: &str,
    event_ids: &[String],
) -> QueryResult<()> {
    let ids = serde_json::to_string(event_ids)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(event_requests::table)
        .values((
            event_requests::org_id.eq(org_id),
            event_requests::idempotency_key.eq(key),
            event_requests::fingerprint.eq(fingerprint),
            event_requests::event_ids.eq(ids),
            event_requests::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Events by id, in the order given.
pub fn by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<EventWithOrg>> {
    let mut found: Vec<EventWithOrg> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        found.extend(
            supply_events::table
                .inner_join(organizations::table.on(organizations::id.eq(supply_events::org_id)))
                .filter(supply_events::id.eq_any(chunk))
                .select((SupplyEventRow::as_select(), organizations::name))
                .load::<EventWithOrg>(conn)?,
        );
    }
    let position: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    found.sort_by_key(|(e, _)| position.get(e.id.as_str()).copied().unwrap_or(usize::MAX));
    Ok(found)
}

/// Every organization that recorded an event about the batch or any of
/// its codes, and every one goods of it were shipped to (who may hold it).
pub fn handlers_of_batch(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<String>> {
    let named = supply_event_codes::table
        .filter(supply_event_codes::batch_id.eq(batch_id))
        .select(supply_event_codes::event_id);
    let involved: Vec<(String, Option<String>)> = supply_events::table
        .filter(
            supply_events::id
                .eq_any(named)
                .or(supply_events::batch_id.eq(batch_id)),
        )
        .select((supply_events::org_id, supply_events::destination_org_id))
        .distinct()
        .load(conn)?;
    let mut orgs: Vec<String> = involved
        .into_iter()
        .flat_map(|(recorder, receiver)| std::iter::once(recorder).chain(receiver))
        .collect();
    orgs.sort_unstable();
    orgs.dedup();
    Ok(orgs)
}
