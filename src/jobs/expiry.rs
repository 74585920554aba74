//! Notices OCOP ratings that have expired and batches past their
//! best-before day, and queues `rating_expired` / `batch_expired` once for
//! each (its own thread, every node; marking one reported is in the same
//! transaction as its notification).

use std::sync::Weak;
use std::time::Duration;

use crate::db::{self, Db, DbError};
use crate::services::notify::{
    BatchExpiredNotice, RatingExpiredNotice, Retailers, WebhookPayload, notify,
};

/// Queue `rating_expired` once for each current rating past its expiry;
/// returns how many were reported.
pub fn report_expired(db: &Db) -> Result<usize, DbError> {
    let today = crate::domain::time::today();
    let expired = {
        let mut conn = db.get()?;
        db::webhooks::unreported_expired_ratings(&mut conn, today)?
    };
    let reported = expired.len();
    for (rating_id, product_id, producer_id, product_name, certificate, expired_on) in expired {
        db.transaction_here(|conn| {
            db::webhooks::mark_expiry_reported(conn, &rating_id)?;
            notify(
                conn,
                &producer_id,
                Retailers::All,
                WebhookPayload::RatingExpired(RatingExpiredNotice {
                    rating_id,
                    product_id,
                    producer_id: producer_id.clone(),
                    product_name,
                    certificate_number: certificate,
                    expired_on,
                }),
            )?;
            Ok::<_, DbError>(())
        })?;
    }
    Ok(reported)
}

/// Queue `batch_expired` once for each batch past its best-before day, to
/// its producer, the authority, and the shops that handled it or were sent
/// it; returns how many were reported.
pub fn report_expired_batches(db: &Db) -> Result<usize, DbError> {
    let today = crate::domain::time::today();
    let expired = {
        let mut conn = db.get()?;
        db::batches::unreported_expired(&mut conn, today)?
    };
    let reported = expired.len();
    for (batch_id, product_id, producer_id, product_name, lot, best_before) in expired {
        db.transaction_here(|conn| {
            db::batches::mark_expiry_reported(conn, &batch_id)?;
            let handlers = db::events::handlers_of_batch(conn, &batch_id)?;
            notify(
                conn,
                &producer_id,
                Retailers::Only(handlers),
                WebhookPayload::BatchExpired(BatchExpiredNotice {
                    batch_id,
                    product_id,
                    producer_id: producer_id.clone(),
                    product_name,
                    lot,
                    best_before,
                }),
            )?;
            Ok::<_, DbError>(())
        })?;
    }
    Ok(reported)
}

/// Check every `every`, in a thread of its own, until `alive` is gone.
pub fn start(db: Db, every: Duration, alive: Weak<()>) {
    let spawned = std::thread::Builder::new()
        .name("expiry".into())
        .spawn(move || {
            while alive.upgrade().is_some() {
                if let Err(e) = report_expired(&db) {
                    tracing::warn!(error = %e, "expired ratings not checked");
                }
                if let Err(e) = report_expired_batches(&db) {
                    tracing::warn!(error = %e, "expired batches not checked");
                }
                std::thread::sleep(every);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "can't start the expiry check");
    }
}
