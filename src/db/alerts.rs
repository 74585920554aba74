//! Clone alerts: one per code and rule.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::DbConnection;
use super::schema::{clone_alerts, scan_events};
use crate::domain::pagination::{Page, Paginated};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clone_alerts)]
pub struct AlertRow {
    pub id: String,
    pub code: String,
    pub rule: String,
    pub producer_id: String,
    pub batch_id: String,
    pub detail: String,
    pub created_at: NaiveDateTime,
    pub status: String,
    pub clients: i32,
    pub decided_by: Option<String>,
    pub status_changed_at: Option<NaiveDateTime>,
}

/// Note viewers of a code past the view threshold (those noted before stay)
/// and answer how many distinct ones every node has noted.
pub fn note_viewers(conn: &mut DbConnection, code: &str, clients: &[&str]) -> QueryResult<i64> {
    use crate::db::schema::code_viewers::dsl as v;
    let rows: Vec<_> = clients
        .iter()
        .map(|client| (v::code.eq(code), v::client.eq(*client)))
        .collect();
    if !rows.is_empty() {
        match conn {
            DbConnection::Sqlite(conn) => {
                diesel::insert_or_ignore_into(v::code_viewers)
                    .values(&rows)
                    .execute(conn)?;
            }
            DbConnection::Pg(conn) => {
                diesel::insert_into(v::code_viewers)
                    .values(&rows)
                    .on_conflict_do_nothing()
                    .execute(conn)?;
            }
        }
    }
    v::code_viewers
        .filter(v::code.eq(code))
        .count()
        .get_result(conn)
}

/// The alert of a code for a rule, if raised.
pub fn find_for(conn: &mut DbConnection, code: &str, rule: &str) -> QueryResult<Option<AlertRow>> {
    clone_alerts::table
        .filter(clone_alerts::code.eq(code))
        .filter(clone_alerts::rule.eq(rule))
        .select(AlertRow::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<AlertRow>> {
    clone_alerts::table
        .find(id.to_string())
        .select(AlertRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &AlertRow) -> QueryResult<()> {
    diesel::insert_into(clone_alerts::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// A new status, with the evidence behind it; `decided_by` when a person
/// (the producer or the authority) decided. Returns the alert after.
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: &str,
    evidence: Option<(&str, i32)>,
    decided_by: Option<&str>,
) -> QueryResult<AlertRow> {
    let now = super::now();
    diesel::update(clone_alerts::table.find(id))
        .set((
            clone_alerts::status.eq(status),
            clone_alerts::status_changed_at.eq(Some(now)),
            clone_alerts::decided_by.eq(decided_by),
        ))
        .execute(conn)?;
    match evidence {
        Some((detail, clients)) => set_evidence(conn, id, detail, clients),
        None => clone_alerts::table
            .find(id)
            .select(AlertRow::as_select())
            .first(conn),
    }
}

/// New evidence for an alert whose status stays as it is.
pub fn set_evidence(
    conn: &mut DbConnection,
    id: &str,
    detail: &str,
    clients: i32,
) -> QueryResult<AlertRow> {
    diesel::update(clone_alerts::table.find(id))
        .set((
            clone_alerts::detail.eq(detail),
            clone_alerts::clients.eq(clients),
        ))
        .execute(conn)?;
    clone_alerts::table
        .find(id)
        .select(AlertRow::as_select())
        .first(conn)
}

/// Alerts of these codes.
pub fn of_codes(conn: &mut DbConnection, wanted: &[String]) -> QueryResult<Vec<AlertRow>> {
    let mut out = Vec::new();
    for chunk in wanted.chunks(500) {
        out.extend(
            clone_alerts::table
                .filter(clone_alerts::code.eq_any(chunk))
                .select(AlertRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Alerts of one code.
pub fn of_code(conn: &mut DbConnection, code: &str) -> QueryResult<Vec<AlertRow>> {
    clone_alerts::table
        .filter(clone_alerts::code.eq(code))
        .select(AlertRow::as_select())
        .load(conn)
}

/// Has any code of this batch an alert?
pub fn batch_has_alerts(conn: &mut DbConnection, batch_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        clone_alerts::table.filter(clone_alerts::batch_id.eq(batch_id)),
    ))
    .get_result(conn)
}

#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub producer_id: Option<String>,
    pub code: Option<String>,
    pub rule: Option<String>,
    pub batch_id: Option<String>,
    pub status: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

pub fn list(
    conn: &mut DbConnection,
    f: &AlertFilter,
    page: Page,
) -> QueryResult<Paginated<AlertRow>> {
    let query = || {
        let mut q = clone_alerts::table.into_boxed();
        if let Some(p) = &f.producer_id {
            q = q.filter(clone_alerts::producer_id.eq(p.clone()));
        }
        if let Some(c) = &f.code {
            q = q.filter(clone_alerts::code.eq(c.clone()));
        }
        if let Some(r) = &f.rule {
            q = q.filter(clone_alerts::rule.eq(r.clone()));
        }
        if let Some(st) = &f.status {
            q = q.filter(clone_alerts::status.eq(st.clone()));
        }
        if let Some(b) = &f.batch_id {
            q = q.filter(clone_alerts::batch_id.eq(b.clone()));
        }
        if let Some(from) = f.from {
            q = q.filter(clone_alerts::created_at.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(clone_alerts::created_at.lt(to));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(AlertRow::as_select())
        .order(clone_alerts::id.desc())
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(Paginated::new(rows, page, total))
}

/// A located scan: time, latitude, longitude.
pub type LocatedRow = (NaiveDateTime, Option<f64>, Option<f64>, String);

/// The latest located scans of a code, newest first.
pub fn located_scans(
    conn: &mut DbConnection,
    code: &str,
    limit: i64,
) -> QueryResult<Vec<LocatedRow>> {
    scan_events::table
        .filter(scan_events::code.eq(code))
        // A literal, not a bound parameter, so SQLite uses the partial index.
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "scan_events.kind = 'location'",
        ))
        .select((
            scan_events::scanned_at,
            scan_events::latitude,
            scan_events::longitude,
            scan_events::client_hash,
        ))
        .order(scan_events::id.desc())
        .limit(limit)
        .load(conn)
}
