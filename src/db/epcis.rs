//! EPCIS captures, the events they brought (kept as they came) and the
//! identifiers those events name.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{epcis_captures, epcis_event_epcs, epcis_events};

/// Rows per multi-row insert and values per `IN (…)`: under both backends'
/// parameter limits.
const CHUNK: usize = 500;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = epcis_captures)]
pub struct CaptureRow {
    pub id: String,
    pub captured_by: String,
    pub event_count: i32,
    pub duplicate_count: i32,
    pub created_at: NaiveDateTime,
    pub finished_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = epcis_events)]
pub struct EpcisEventRow {
    pub id: String,
    /// `None`: one of our own supply-chain events.
    pub capture_id: Option<String>,
    pub captured_by: String,
    pub event_id: Option<String>,
    pub event_type: String,
    pub event_time: NaiveDateTime,
    pub record_time: NaiveDateTime,
    pub action: Option<String>,
    pub biz_step: Option<String>,
    pub disposition: Option<String>,
    pub read_point: Option<String>,
    pub biz_location: Option<String>,
    pub body: String,
    pub contexts: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = epcis_event_epcs)]
pub struct EventEpcRow {
    pub event_row_id: String,
    pub role: String,
    pub epc: String,
    pub code: Option<String>,
    pub producer_id: Option<String>,
}

pub fn insert_capture(conn: &mut DbConnection, row: &CaptureRow) -> QueryResult<()> {
    diesel::insert_into(epcis_captures::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_capture(conn: &mut DbConnection, id: &str) -> QueryResult<Option<CaptureRow>> {
    epcis_captures::table
        .find(id)
        .select(CaptureRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_events(
    conn: &mut DbConnection,
    events: &[EpcisEventRow],
    epcs: &[EventEpcRow],
) -> QueryResult<()> {
    // Multi-row inserts do not build for the multi-backend connection; on
    // SQLite one prepared insert per row inside the transaction is as fast.
    match conn {
        DbConnection::Sqlite(c) => {
            for row in events {
                diesel::insert_into(epcis_events::table)
                    .values(row)
                    .execute(c)?;
            }
            for row in epcs {
                diesel::insert_into(epcis_event_epcs::table)
                    .values(row)
                    .execute(c)?;
            }
        }
        DbConnection::Pg(c) => {
            for chunk in events.chunks(CHUNK / 8) {
                diesel::insert_into(epcis_events::table)
                    .values(chunk)
                    .execute(c)?;
            }
            for chunk in epcs.chunks(CHUNK * 2) {
                diesel::insert_into(epcis_event_epcs::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// The bodies of this organization's events with these IDs: (eventID, body).
pub fn bodies_by_event_id(
    conn: &mut DbConnection,
    captured_by: &str,
    ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<(Option<String>, String)> = epcis_events::table
            .filter(epcis_events::captured_by.eq(captured_by))
            .filter(epcis_events::event_id.eq_any(chunk))
            .select((epcis_events::event_id, epcis_events::body))
            .load(conn)?;
        out.extend(found.into_iter().filter_map(|(id, body)| Some((id?, body))));
    }
    Ok(out)
}

/// Who may see an event besides the authority and the admin: the
/// organization that captured it, and the producer of a code it names.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub org_id: String,
    pub is_producer: bool,
}

/// What an EPCIS query selects (each list: any of its values).
#[derive(Debug, Clone, Default)]
pub struct EpcisFilter {
    /// `None`: every event (the authority, the admin).
    pub viewer: Option<Viewer>,
    pub event_types: Vec<String>,
    pub event_ids: Vec<String>,
    pub ge_event_time: Option<NaiveDateTime>,
    pub lt_event_time: Option<NaiveDateTime>,
    pub ge_record_time: Option<NaiveDateTime>,
    pub lt_record_time: Option<NaiveDateTime>,
    pub actions: Vec<String>,
    pub biz_steps: Vec<String>,
    pub dispositions: Vec<String>,
    pub read_points: Vec<String>,
    pub biz_locations: Vec<String>,
    /// Each: the roles (`epcList`, `parentID`…) and the identifiers, one of
    /// which the event must name in one of those roles.
    pub identifiers: Vec<(Vec<&'static str>, Vec<String>)>,
    /// Events that name this trace code.
    pub code: Option<String>,
}

/// A page of events in capture order, after the row `after`; one more than
/// `limit` is read to tell whether there is a next page.
pub fn query(
    conn: &mut DbConnection,
    f: &EpcisFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<EpcisEventRow>> {
    let mut q = epcis_events::table.into_boxed();
    if let Some(viewer) = &f.viewer {
        let own = epcis_events::captured_by.eq(viewer.org_id.clone());
        if viewer.is_producer {
            let naming_own_codes = epcis_event_epcs::table
                .filter(epcis_event_epcs::producer_id.eq(viewer.org_id.clone()))
                .select(epcis_event_epcs::event_row_id);
            q = q.filter(own.or(epcis_events::id.eq_any(naming_own_codes)));
        } else {
            q = q.filter(own);
        }
    }
    let any_of = |values: &[String]| values.to_vec();
    if !f.event_types.is_empty() {
        q = q.filter(epcis_events::event_type.eq_any(any_of(&f.event_types)));
    }
    if !f.event_ids.is_empty() {
        q = q.filter(epcis_events::event_id.eq_any(any_of(&f.event_ids)));
    }
    if let Some(t) = f.ge_event_time {
        q = q.filter(epcis_events::event_time.ge(t));
    }
    if let Some(t) = f.lt_event_time {
        q = q.filter(epcis_events::event_time.lt(t));
    }
    if let Some(t) = f.ge_record_time {
        q = q.filter(epcis_events::record_time.ge(t));
    }
    if let Some(t) = f.lt_record_time {
        q = q.filter(epcis_events::record_time.lt(t));
    }
    if !f.actions.is_empty() {
        q = q.filter(epcis_events::action.eq_any(any_of(&f.actions)));
    }
    if !f.biz_steps.is_empty() {
        q = q.filter(epcis_events::biz_step.eq_any(any_of(&f.biz_steps)));
    }
    if !f.dispositions.is_empty() {
        q = q.filter(epcis_events::disposition.eq_any(any_of(&f.dispositions)));
    }
    if !f.read_points.is_empty() {
        q = q.filter(epcis_events::read_point.eq_any(any_of(&f.read_points)));
    }
    if !f.biz_locations.is_empty() {
        q = q.filter(epcis_events::biz_location.eq_any(any_of(&f.biz_locations)));
    }
    for (roles, values) in &f.identifiers {
        let naming = epcis_event_epcs::table
            .filter(epcis_event_epcs::role.eq_any(roles.clone()))
            .filter(epcis_event_epcs::epc.eq_any(values.clone()))
            .select(epcis_event_epcs::event_row_id);
        q = q.filter(epcis_events::id.eq_any(naming));
    }
    if let Some(code) = &f.code {
        let naming = epcis_event_epcs::table
            .filter(epcis_event_epcs::code.eq(code.clone()))
            .select(epcis_event_epcs::event_row_id);
        q = q.filter(epcis_events::id.eq_any(naming));
    }
    if let Some(after) = after {
        q = q.filter(epcis_events::id.gt(after.to_owned()));
    }
    q.order(epcis_events::id.asc())
        .limit(limit + 1)
        .select(EpcisEventRow::as_select())
        .load(conn)
}
