//! `scan_events`' monthly partitions on PostgreSQL (see the migration
//! `scan_events_by_month`). SQLite keeps one table.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::{DbConnection, DbError};
use crate::domain::scan_months::MonthPartition;

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

/// Create the partitions that do not exist yet; returns those created.
/// Creating one locks `scan_events` for a moment (scans wait, none fails),
/// so existing ones are looked up first: on most calls nothing is locked.
pub fn create_missing(
    conn: &mut DbConnection,
    months: &[MonthPartition],
) -> Result<Vec<String>, DbError> {
    let DbConnection::Pg(pg) = conn else {
        return Ok(Vec::new());
    };
    let mut created = Vec::new();
    for month in months {
        let found: Exists = diesel::sql_query("SELECT to_regclass($1) IS NOT NULL AS exists")
            .bind::<Text, _>(&month.name)
            .get_result(pg)?;
        if found.exists {
            continue;
        }
        // The name and bounds are made here from dates, never from input.
        pg.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {} PARTITION OF scan_events FOR VALUES FROM ('{}') TO ('{}')",
            month.name, month.from, month.to
        ))?;
        created.push(month.name.clone());
    }
    Ok(created)
}

/// The monthly partitions there are, oldest first (the default one aside).
pub fn existing(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    let DbConnection::Pg(pg) = conn else {
        return Ok(Vec::new());
    };
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let names: Vec<Name> = diesel::sql_query(
        "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = 'scan_events'::regclass AND c.relname LIKE 'scan\\_events\\_y%' \
         ORDER BY c.relname",
    )
    .load(pg)?;
    Ok(names.into_iter().map(|n| n.name).collect())
}
