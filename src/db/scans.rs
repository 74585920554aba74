//! Scan events: written in groups by the scan writer, counted per code.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::scan_events;

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

/// Insert a group of events (inside the writer's transaction) as one
/// multi-row INSERT, which needs the concrete backend, as for codes. A group
/// is at most 2,000 events × 8 columns: under both backends' parameter limits.
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

/// Consumer views of a code so far, and the first one's time.
pub fn views_of(conn: &mut DbConnection, code: &str) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    scan_events::table
        .filter(scan_events::code.eq(code))
        .filter(scan_events::kind.eq("view"))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(scan_events::scanned_at),
        ))
        .first(conn)
}
