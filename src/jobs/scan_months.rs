//! Creates `scan_events`' monthly partitions ahead of time on PostgreSQL:
//! at start-up (before the first scan) and then hourly, this month and the
//! next three, so a node down for a while or a month that begins during a
//! holiday finds its partition there. Every node does it; creating one is
//! `IF NOT EXISTS`, so two nodes at once are harmless.

use std::sync::Weak;
use std::time::Duration;

use super::FirstRun;
use crate::db::{self, Db, DbError, DbTarget};
use crate::domain::scan_months::months_from;

/// Months created ahead of the current one.
pub const MONTHS_AHEAD: u32 = 3;
const EVERY: Duration = Duration::from_secs(3600);

/// Create what is missing now; returns the partitions created.
pub fn create_ahead(db: &Db) -> Result<Vec<String>, DbError> {
    if !matches!(db.target(), DbTarget::Postgres { .. }) {
        return Ok(Vec::new());
    }
    let today = db::now().date();
    // None only at the calendar's end (year 262143): nothing to create.
    let Some(months) = months_from(today, MONTHS_AHEAD) else {
        return Ok(Vec::new());
    };
    let mut conn = db.get()?;
    let created = db::scan_months::create_missing(&mut conn, &months)?;
    for name in &created {
        tracing::info!(partition = %name, "scan_events partition created");
    }
    Ok(created)
}

/// Create ahead now (before serving), then hourly in a thread of its own
/// until `alive` is gone.
pub fn start(db: Db, alive: Weak<()>) {
    if !matches!(db.target(), DbTarget::Postgres { .. }) {
        return;
    }
    if let Err(e) = create_ahead(&db) {
        // Scans still land (in the default partition); the hourly run retries.
        tracing::error!(error = %e, "scan_events partitions not created");
    }
    super::every(
        "scan-months",
        EVERY,
        FirstRun::AfterOnePeriod,
        alive,
        move || {
            if let Err(e) = create_ahead(&db) {
                tracing::error!(error = %e, "scan_events partitions not created");
            }
        },
    );
}
