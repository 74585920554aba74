//! Other nodes' registry writes, as they commit (PostgreSQL): a thread with
//! a connection of its own LISTENs on the registry's channel and moves this
//! process's version forward, so caches read again. After a drop it
//! reconnects and reads the version committed meanwhile (a notification
//! sent while disconnected is lost, the version is not). Correctness does
//! not rest on it: every scan's commit reads the version too (see
//! `services::registry`); the listener spares scans that second read.

use std::sync::Weak;
use std::time::{Duration, Instant};

use crate::db::{DbTarget, registry};
use crate::services::RegistryNotifier;

/// How often the connection is asked for what arrived: libpq hands
/// notifications over only when asked, and diesel does not expose the
/// socket to wait on. A hundred cheap non-blocking reads a second.
const POLL: Duration = Duration::from_millis(10);
/// How often the connection proves it is alive.
const PROBE: Duration = Duration::from_secs(1);
/// Wait before connecting again.
const RETRY: Duration = Duration::from_secs(1);

/// Listen until `alive` is gone (the application that started it stopped).
pub fn start(target: DbTarget, notifier: RegistryNotifier, alive: Weak<()>) {
    if !matches!(target, DbTarget::Postgres { .. }) {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("registry-listener".into())
        .spawn(move || {
            while alive.upgrade().is_some() {
                if let Err(e) = listen(&target, &notifier, &alive) {
                    tracing::warn!(error = %e, "registry listener disconnected; scans check the version at commit meanwhile");
                }
                notifier.set_listening(false);
                metrics::gauge!(crate::monitoring::REGISTRY_LISTENER_UP).set(0.0);
                std::thread::sleep(RETRY);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "can't start the registry listener");
    }
}

fn listen(
    target: &DbTarget,
    notifier: &RegistryNotifier,
    alive: &Weak<()>,
) -> Result<(), crate::db::DbError> {
    let Some((mut conn, version)) = registry::listen(target)? else {
        return Ok(());
    };
    notifier.learn(version);
    notifier.set_listening(true);
    metrics::gauge!(crate::monitoring::REGISTRY_LISTENER_UP).set(1.0);
    tracing::info!(version, "registry listener connected");
    let mut probed = Instant::now();
    while alive.upgrade().is_some() {
        if let Some(version) = registry::announced(&mut conn)? {
            notifier.learn(version);
        }
        if probed.elapsed() >= PROBE {
            registry::still_connected(&mut conn)?;
            probed = Instant::now();
        }
        std::thread::sleep(POLL);
    }
    Ok(())
}
