//! Scan events: written in groups by the scan writer, counted per code.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{code_scan_counts, scan_events};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = scan_events)]
pub struct NewScanEvent {
    pub code: String,
    pub kind: String,
    pub scanned_at: NaiveDateTime,
    pub lang: String,
    pub ua_family: String,
    pub client_hash: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Insert a group of events (inside the writer's transaction): on SQLite
/// row by row with one cached statement (in-process, no round trips; a
/// 64-row INSERT and a `json_each` INSERT of the whole group were measured
/// and were no cheaper), on PostgreSQL as one multi-row INSERT. A group is
/// at most 2,000 events × 8 columns: under PostgreSQL's parameter limit.
pub fn insert_many(conn: &mut DbConnection, events: &[NewScanEvent]) -> QueryResult<usize> {
    match conn {
        DbConnection::Sqlite(c) => {
            for event in events {
                diesel::insert_into(scan_events::table)
                    .values(event)
                    .execute(c)?;
            }
            Ok(events.len())
        }
        DbConnection::Pg(c) => diesel::insert_into(scan_events::table)
            .values(events)
            .execute(c),
    }
}

/// Consumer views of a code as last counted, and the first one's time.
pub fn views_of(conn: &mut DbConnection, code: &str) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    code_scan_counts::table
        .find(code)
        .select((code_scan_counts::views, code_scan_counts::first_viewed_at))
        .first::<(i64, NaiveDateTime)>(conn)
        .optional()
        .map(|row| row.map_or((0, None), |(views, first)| (views, Some(first))))
}

/// Add views to codes' counts (several processes may add at once: each adds
/// its own). Upserts need the concrete backend.
pub fn add_views(
    conn: &mut DbConnection,
    counts: &[(String, i64, NaiveDateTime)],
) -> QueryResult<()> {
    use code_scan_counts::dsl as c;
    use diesel::upsert::excluded;
    macro_rules! upsert {
        ($conn:expr) => {
            for (code, views, first) in counts {
                diesel::insert_into(c::code_scan_counts)
                    .values((
                        c::code.eq(code),
                        c::views.eq(views),
                        c::first_viewed_at.eq(first),
                    ))
                    .on_conflict(c::code)
                    .do_update()
                    .set(c::views.eq(c::views + excluded(c::views)))
                    .execute($conn)?;
            }
        };
    }
    match conn {
        DbConnection::Sqlite(conn) => upsert!(conn),
        DbConnection::Pg(conn) => upsert!(conn),
    }
    Ok(())
}

/// Views of many codes as last counted (codes never viewed are absent).
pub fn views_of_many(conn: &mut DbConnection, codes: &[String]) -> QueryResult<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for chunk in codes.chunks(500) {
        out.extend(
            code_scan_counts::table
                .filter(code_scan_counts::code.eq_any(chunk))
                .select((code_scan_counts::code, code_scan_counts::views))
                .load::<(String, i64)>(conn)?,
        );
    }
    Ok(out)
}
