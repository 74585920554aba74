//! Removes code runs whose issuer stopped half-way (a crash, a kill): their
//! lease ran out, so no node is issuing them any more. Every node sweeps;
//! taking a run for removal is one conditional update, so two nodes never
//! both remove it, and an issuer that merely stalled finds its lease gone
//! and stops.

use std::sync::Weak;
use std::time::Duration;

use super::FirstRun;
use crate::db::{self, Db};
use crate::error::ApiError;

/// Remove every abandoned run now; returns how many there were.
pub fn sweep(db: &Db) -> Result<usize, ApiError> {
    let mut conn = db.get()?;
    let abandoned = db::codes::abandoned_runs(&mut conn, db::now())?;
    for run_id in &abandoned {
        db::codes::remove_pending_run(db, &mut conn, run_id)?;
        tracing::warn!(
            run_id,
            "removed a code run whose issuance had stopped half-way"
        );
    }
    Ok(abandoned.len())
}

/// Sweep at start-up and then every `every`, in a thread of its own, until
/// `alive` is gone.
pub fn start(db: Db, every: Duration, alive: Weak<()>) {
    super::every("abandoned-runs", every, FirstRun::Now, alive, move || {
        if let Err(e) = sweep(&db) {
            tracing::warn!(error = %e, "abandoned code runs not swept");
        }
    });
}
