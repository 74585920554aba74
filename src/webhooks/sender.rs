//! Delivers the webhook outbox: a thread of its own polls for due
//! deliveries, claims each (so several nodes never send one twice at once),
//! POSTs it signed, and records the attempt; a failure is tried again with
//! exponential backoff until it succeeds or runs out of attempts. It also
//! notices OCOP ratings that have expired and queues `rating_expired`.

use std::sync::Weak;
use std::time::Duration;

use chrono::NaiveDateTime;
use serde_json::json;

use super::{Retailers, notify};
use crate::db::webhooks::{AttemptOutcome, DeliveryRow, SubscriptionRow};
use crate::db::{self, Db};
use crate::domain::webhook::{MAX_ATTEMPTS, WebhookEvent, backoff, signature};
use crate::error::ApiError;

#[derive(Debug, Clone, Copy)]
pub struct SenderConfig {
    /// How often the outbox is looked at.
    pub poll: Duration,
    /// The wait after a first failure; it doubles with each further one.
    pub retry_base: Duration,
    /// How long a subscriber has to answer.
    pub timeout: Duration,
}

/// Deliveries taken per poll.
const BATCH: i64 = 50;

/// Start the sender; it stops once `alive` can no longer be upgraded (the
/// application that started it is gone).
pub fn start(db: Db, config: SenderConfig, alive: Weak<()>) {
    let spawned = std::thread::Builder::new()
        .name("webhook-sender".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(error = %e, "webhook sender: no runtime");
                    return;
                }
            };
            runtime.block_on(run(db, config, alive));
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "can't start the webhook sender");
    }
}

async fn run(db: Db, config: SenderConfig, alive: Weak<()>) {
    let client = match reqwest::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ocop-trace-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook sender: no HTTP client");
            return;
        }
    };
    while alive.upgrade().is_some() {
        if let Err(e) = report_expired_ratings(&db) {
            tracing::warn!(error = %e, "webhook sender: expired ratings not checked");
        }
        if let Err(e) = send_due(&db, &client, config).await {
            tracing::warn!(error = %e, "webhook sender: outbox not read");
        }
        tokio::time::sleep(config.poll).await;
    }
}

/// Queue `rating_expired` once for each current rating past its expiry.
fn report_expired_ratings(db: &Db) -> Result<(), ApiError> {
    let today = crate::domain::time::vietnam_date(chrono::Utc::now());
    let expired = {
        let mut conn = db.get()?;
        db::webhooks::unreported_expired_ratings(&mut conn, today)?
    };
    for (rating_id, product_id, producer_id, product_name, certificate, expired_on) in expired {
        db.transaction_here(|conn| {
            notify(
                conn,
                WebhookEvent::RatingExpired,
                &producer_id,
                Retailers::All,
                json!({
                    "rating_id": rating_id,
                    "product_id": product_id,
                    "producer_id": producer_id,
                    "product_name": product_name,
                    "certificate_number": certificate,
                    "expired_on": expired_on,
                }),
            )?;
            db::webhooks::mark_expiry_reported(conn, &rating_id)?;
            Ok(())
        })?;
    }
    Ok(())
}

async fn send_due(db: &Db, client: &reqwest::Client, config: SenderConfig) -> Result<(), ApiError> {
    let now = db::now();
    // Long enough for a send to finish; a crashed sender's claim lapses after it.
    let lease_until = now + chrono::Duration::from_std(config.timeout * 3).unwrap_or_default();
    let due = {
        let mut conn = db.get()?;
        db::webhooks::due(&mut conn, now, BATCH)?
    };
    if due.is_empty() {
        return Ok(());
    }
    let claimed: Vec<(DeliveryRow, SubscriptionRow)> = db.transaction_here(|conn| {
        let mut mine = Vec::new();
        for (delivery, subscription) in due {
            if db::webhooks::claim(conn, &delivery, lease_until)? {
                mine.push((delivery, subscription));
            }
        }
        Ok(mine)
    })?;
    let sends = claimed
        .into_iter()
        .map(|(delivery, subscription)| deliver(client, delivery, subscription, config));
    for (delivery_id, attempt, outcome) in futures_util::future::join_all(sends).await {
        db.transaction_here(|conn| {
            Ok(db::webhooks::record_attempt(
                conn,
                &delivery_id,
                attempt,
                &outcome,
            )?)
        })?;
    }
    Ok(())
}

async fn deliver(
    client: &reqwest::Client,
    delivery: DeliveryRow,
    subscription: SubscriptionRow,
    config: SenderConfig,
) -> (String, i32, AttemptOutcome) {
    let attempt = delivery.attempts + 1;
    let sent = client
        .post(&subscription.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-OCOP-Event", &delivery.event_type)
        .header("X-OCOP-Delivery", &delivery.id)
        .header("X-OCOP-Attempt", attempt.to_string())
        .header(
            "X-OCOP-Signature",
            signature(&subscription.secret, delivery.payload.as_bytes()),
        )
        .body(delivery.payload.clone())
        .send()
        .await;
    let (status_code, error) = match sent {
        Ok(response) if response.status().is_success() => {
            (Some(i32::from(response.status().as_u16())), None)
        }
        Ok(response) => (
            Some(i32::from(response.status().as_u16())),
            Some(format!("answered {}", response.status())),
        ),
        // Only the kind of failure: the URL may carry a token.
        Err(e) => (None, Some(describe(&e))),
    };
    let delivered = error.is_none();
    let retry_at: Option<NaiveDateTime> = (!delivered && attempt < MAX_ATTEMPTS).then(|| {
        db::now()
            + chrono::Duration::from_std(backoff(attempt, config.retry_base)).unwrap_or_default()
    });
    if !delivered {
        tracing::info!(
            delivery = %delivery.id,
            attempt,
            error = error.as_deref().unwrap_or(""),
            "webhook delivery failed"
        );
    }
    (
        delivery.id,
        attempt,
        AttemptOutcome {
            status_code,
            error,
            delivered,
            retry_at,
        },
    )
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else if e.is_request() {
        "request failed".into()
    } else {
        "failed".into()
    }
}
