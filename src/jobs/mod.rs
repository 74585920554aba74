//! Background work that owns a thread of its own.

use std::sync::Weak;
use std::time::{Duration, Instant};

pub mod abandoned_runs;
pub mod expiry;
pub mod registry_listener;
pub mod scan_months;
pub mod webhook_sender;

/// When a periodic job first runs.
#[derive(Clone, Copy)]
pub enum FirstRun {
    /// As soon as its thread starts.
    Now,
    /// One period after it starts (the caller has just done it).
    AfterOnePeriod,
}

/// Do `work` every `period` in a thread named `name` until `alive` is gone.
/// The thread looks at `alive` every second, so a stopped app's jobs end
/// within a second whatever their period (tests start many apps).
pub fn every(
    name: &str,
    period: Duration,
    first: FirstRun,
    alive: Weak<()>,
    mut work: impl FnMut() + Send + 'static,
) {
    const LOOK: Duration = Duration::from_secs(1);
    let spawned = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let mut due = match first {
                FirstRun::Now => Instant::now(),
                FirstRun::AfterOnePeriod => Instant::now() + period,
            };
            while alive.upgrade().is_some() {
                let now = Instant::now();
                if now >= due {
                    work();
                    due = Instant::now() + period;
                    continue;
                }
                std::thread::sleep(LOOK.min(due - now));
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, job = name, "can't start a background job");
    }
}
