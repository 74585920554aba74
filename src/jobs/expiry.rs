//! Notices OCOP ratings that have expired and batches past their
//! best-before day, and queues `rating_expired` / `batch_expired` once for
//! each (its own thread, every node; marking one reported is in the same
//! transaction as its notification).

use std::sync::Weak;
use std::time::Duration;

use diesel::QueryResult;

use super::FirstRun;
use crate::db::{self, Db, DbConnection, DbError};
use crate::services::notify::{
    BatchExpiredNotice, RatingExpiredNotice, Retailers, WebhookPayload, notify,
};

/// Report each of what `unreported` finds, each in its own transaction
/// with its marking as reported; returns how many were reported.
fn report_each<T>(
    db: &Db,
    unreported: impl FnOnce(&mut DbConnection) -> QueryResult<Vec<T>>,
    report: impl Fn(&mut DbConnection, T) -> Result<(), DbError>,
) -> Result<usize, DbError> {
    let found = {
        let mut conn = db.get()?;
        unreported(&mut conn)?
    };
    let reported = found.len();
    for item in found {
        db.transaction_here(|conn| report(conn, item))?;
    }
    Ok(reported)
}

/// Queue `rating_expired` once for each current rating past its expiry;
/// returns how many were reported.
pub fn report_expired(db: &Db) -> Result<usize, DbError> {
    let today = crate::domain::time::today();
    report_each(
        db,
        |conn| db::webhooks::unreported_expired_ratings(conn, today),
        |conn, (rating_id, product_id, producer_id, product_name, certificate, expired_on)| {
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
            Ok(())
        },
    )
}

/// Queue `batch_expired` once for each batch past its best-before day, to
/// its producer, the authority, and the shops that handled it or were sent
/// it; returns how many were reported.
pub fn report_expired_batches(db: &Db) -> Result<usize, DbError> {
    let today = crate::domain::time::today();
    report_each(
        db,
        |conn| db::batches::unreported_expired(conn, today),
        |conn, (batch_id, product_id, producer_id, product_name, lot, best_before)| {
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
            Ok(())
        },
    )
}

/// Check every `every`, in a thread of its own, until `alive` is gone.
pub fn start(db: Db, every: Duration, alive: Weak<()>) {
    super::every("expiry", every, FirstRun::Now, alive, move || {
        if let Err(e) = report_expired(&db) {
            tracing::warn!(error = %e, "expired ratings not checked");
        }
        if let Err(e) = report_expired_batches(&db) {
            tracing::warn!(error = %e, "expired batches not checked");
        }
    });
}
