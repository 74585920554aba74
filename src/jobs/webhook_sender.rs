//! Delivers the webhook outbox: a thread of its own polls for due
//! deliveries, claims each (so several nodes never send one twice at once),
//! POSTs it signed, and records the attempt; a failure is tried again with
//! exponential backoff until it succeeds or runs out of attempts.

use std::sync::Weak;
use std::time::Duration;

use chrono::NaiveDateTime;

use crate::db::DbError;
use crate::db::webhooks::{AttemptOutcome, DeliveryRow, SubscriptionRow};
use crate::db::{self, Db};
use crate::domain::webhook::{MAX_ATTEMPTS, attempt_summary, backoff, check_url, signature};

#[derive(Debug, Clone, Copy)]
pub struct SenderConfig {
    /// How often the outbox is looked at.
    pub poll: Duration,
    /// The wait after a first failure; it doubles with each further one.
    pub retry_base: Duration,
    /// How long a subscriber has to answer.
    pub timeout: Duration,
    /// Deliver to loopback and private addresses too (a closed network, tests).
    pub allow_private_urls: bool,
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

fn http_client(config: SenderConfig) -> reqwest::Result<reqwest::Client> {
    crate::outbound::client(
        config.timeout,
        concat!("ocop-trace-webhooks/", env!("CARGO_PKG_VERSION")),
        config.allow_private_urls,
    )
}

async fn run(db: Db, config: SenderConfig, alive: Weak<()>) {
    let client = match http_client(config) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook sender: no HTTP client");
            return;
        }
    };
    while alive.upgrade().is_some() {
        if let Err(e) = send_due(&db, &client, config).await {
            tracing::warn!(error = %e, "webhook sender: outbox not read");
        }
        tokio::time::sleep(config.poll).await;
    }
}

async fn send_due(db: &Db, client: &reqwest::Client, config: SenderConfig) -> Result<(), DbError> {
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
        Ok::<_, DbError>(mine)
    })?;
    let sends = claimed
        .into_iter()
        .map(|(delivery, subscription)| deliver(client, delivery, subscription, config));
    for (delivery_id, attempt, outcome) in futures_util::future::join_all(sends).await {
        db.transaction_here(|conn| {
            db::webhooks::record_attempt(conn, &delivery_id, attempt, &outcome)
                .map_err(DbError::from)
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
    // The resolver sees names only: an address written in the URL is checked
    // here, again, since the rules may have tightened since it was stored.
    let status = if check_url(&subscription.url, config.allow_private_urls).is_err() {
        None
    } else {
        client
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
            .await
            .ok()
            .map(|response| response.status().as_u16())
    };
    let status_code = status.map(i32::from);
    let error = match status {
        Some(code) if (200..300).contains(&code) => None,
        _ => Some(attempt_summary(status)),
    };
    let delivered = error.is_none();
    let retry_at: Option<NaiveDateTime> = (!delivered && attempt < MAX_ATTEMPTS).then(|| {
        db::now()
            + chrono::Duration::from_std(backoff(attempt, config.retry_base)).unwrap_or_default()
    });
    let result = match (delivered, retry_at) {
        (true, _) => "delivered",
        (false, Some(_)) => "retry",
        (false, None) => "gave_up",
    };
    metrics::counter!(crate::monitoring::WEBHOOK_DELIVERIES, "result" => result).increment(1);
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
