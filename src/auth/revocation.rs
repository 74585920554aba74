//! Keys revoked while tokens for them may still be alive. A token names the
//! key it was exchanged for (`kid`); a token whose key is in this list is
//! refused, so revoking a key cuts off its tokens at once on this node and
//! within [`REFRESH_EVERY`] on every other node.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use chrono::NaiveDateTime;

use crate::db::{self, Db};
use crate::error::ApiError;

/// How often every node reads the revocations made elsewhere.
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);

/// Key ids revoked within the last token lifetime, with when. Older
/// revocations need no entry: every token of such a key has expired.
#[derive(Debug, Default)]
pub struct RevokedKeys {
    keys: RwLock<HashMap<String, NaiveDateTime>>,
}

impl RevokedKeys {
    pub fn is_revoked(&self, key_id: &str) -> bool {
        self.keys
            .read()
            .map_or(true, |keys| keys.contains_key(key_id))
    }

    /// A key revoked by this node: refused from now on.
    pub fn insert(&self, key_id: String, at: NaiveDateTime) {
        if let Ok(mut keys) = self.keys.write() {
            keys.insert(key_id, at);
        }
    }

    /// Add revocations (never removes one, so a refresh that read the
    /// database just before a revocation committed can't undo it here), and
    /// forget those older than `keep_since`.
    pub fn merge(
        &self,
        revoked: impl IntoIterator<Item = (String, NaiveDateTime)>,
        keep_since: NaiveDateTime,
    ) {
        if let Ok(mut keys) = self.keys.write() {
            keys.extend(revoked);
            keys.retain(|_, at| *at >= keep_since);
        }
    }

    /// Read the revocations of the last `window` from the database.
    pub fn refresh(&self, db: &Db, window: Duration) -> Result<(), ApiError> {
        let since = db::now() - chrono::Duration::from_std(window).unwrap_or_default();
        let revoked = {
            let mut conn = db.get()?;
            db::api_keys::revoked_since(&mut conn, since)?
        };
        self.merge(revoked, since);
        Ok(())
    }
}

/// Load the list now and keep it current in a thread of its own until
/// `alive` is gone. `window` is the longest a token lives (plus leeway).
pub fn start_refresher(db: Db, keys: Arc<RevokedKeys>, window: Duration, alive: Weak<()>) {
    if let Err(e) = keys.refresh(&db, window) {
        tracing::warn!(error = %e, "revoked keys not read at start-up");
    }
    let spawned = std::thread::Builder::new()
        .name("revoked-keys".into())
        .spawn(move || {
            while alive.upgrade().is_some() {
                std::thread::sleep(REFRESH_EVERY);
                if let Err(e) = keys.refresh(&db, window) {
                    tracing::warn!(error = %e, "revoked keys not refreshed");
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "can't start the revoked-keys refresher");
    }
}
