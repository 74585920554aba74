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
}

/// Raise an alert unless the code already has one for this rule. Returns the
/// new alert, or None when it was already raised.
pub fn raise(
    conn: &mut DbConnection,
    code: &str,
    rule: &str,
    producer_id: &str,
    batch_id: &str,
    detail: &str,
) -> QueryResult<Option<AlertRow>> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        clone_alerts::table
            .filter(clone_alerts::code.eq(code))
            .filter(clone_alerts::rule.eq(rule)),
    ))
    .get_result(conn)?;
    if exists {
        return Ok(None);
    }
    let row = AlertRow {
        id: Uuid::now_v7().to_string(),
        code: code.to_owned(),
        rule: rule.to_owned(),
        producer_id: producer_id.to_owned(),
        batch_id: batch_id.to_owned(),
        detail: detail.to_owned(),
        created_at: super::now(),
    };
    diesel::insert_into(clone_alerts::table)
        .values(&row)
        .execute(conn)?;
    Ok(Some(row))
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
pub type LocatedRow = (NaiveDateTime, Option<f64>, Option<f64>);

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
        ))
        .order(scan_events::id.desc())
        .limit(limit)
        .load(conn)
}
