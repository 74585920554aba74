//! Webhook notifications: what each event tells (one typed payload per
//! event, in the contract) and who hears of it. Queued into the outbox
//! inside the transaction of the change itself, so a change and its
//! notifications land together or not at all; `jobs::webhook_sender`
//! delivers the outbox.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::{self, DbConnection, DbError};
use crate::domain::organization::OrgKind;
use crate::domain::webhook::WebhookEvent;

/// The body of every webhook delivery. The same `id` reaches every
/// subscriber of one occurrence; `type` tells which `data` follows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookBody {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    #[serde(flatten)]
    pub payload: WebhookPayload,
}

/// What happened, by `type`, with its `data`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum WebhookPayload {
    Recall(RecallNotice),
    CloneAlert(CloneAlertNotice),
    RatingExpired(RatingExpiredNotice),
    BatchExpired(BatchExpiredNotice),
    CounterfeitReport(CounterfeitReportNotice),
}

impl WebhookPayload {
    pub fn event(&self) -> WebhookEvent {
        match self {
            Self::Recall(_) => WebhookEvent::Recall,
            Self::CloneAlert(_) => WebhookEvent::CloneAlert,
            Self::RatingExpired(_) => WebhookEvent::RatingExpired,
            Self::BatchExpired(_) => WebhookEvent::BatchExpired,
            Self::CounterfeitReport(_) => WebhookEvent::CounterfeitReport,
        }
    }
}

/// A batch was recalled: every code of it shows the recall.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecallNotice {
    pub batch_id: Uuid,
    pub lot: String,
    pub product_id: Uuid,
    pub product_name: Option<String>,
    pub gtin: Option<String>,
    pub producer_id: Uuid,
    /// Why, in the words shown to consumers.
    pub reason: String,
    pub recalled_at: Option<DateTime<Utc>>,
    /// `producer` or `authority`.
    pub recalled_by: String,
    pub code_count: i32,
}

/// A code looks copied: a watch (producer and authority) or a confirmed
/// alert (also the retailers that handled the code or its batch).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CloneAlertNotice {
    pub alert_id: String,
    pub code: String,
    /// `scan_count`, `impossible_travel`, `after_sale` or `counterfeit_report`.
    pub rule: String,
    /// `watch` or `confirmed`.
    pub status: String,
    pub detail: String,
    pub batch_id: String,
    pub producer_id: String,
    pub raised_at: DateTime<Utc>,
}

/// A product's current OCOP rating passed its expiry date.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RatingExpiredNotice {
    pub rating_id: String,
    pub product_id: String,
    pub producer_id: String,
    pub product_name: String,
    pub certificate_number: String,
    pub expired_on: NaiveDate,
}

/// A batch passed its best-before day (once per batch): its goods should
/// leave the shelves.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchExpiredNotice {
    pub batch_id: String,
    pub product_id: String,
    pub producer_id: String,
    pub product_name: String,
    pub lot: String,
    /// The last good day.
    pub best_before: NaiveDate,
}

/// A shopper reported a package as a suspected fake from its scan page:
/// for its producer and the authority only. The report's photo, if any, is
/// at `photo_url` (same access as the alerts API).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CounterfeitReportNotice {
    pub report_id: String,
    /// The code's `counterfeit_report` alert, which counts the reports.
    pub alert_id: String,
    pub code: String,
    pub batch_id: String,
    pub producer_id: String,
    pub where_bought: Option<String>,
    pub note: Option<String>,
    /// Given by the reporter to be called back on.
    pub phone: Option<String>,
    pub photo_url: Option<String>,
    pub reported_at: DateTime<Utc>,
}

/// Which retailers hear of an event.
pub enum Retailers {
    /// Every subscribed retailer (recalls, expired ratings: any shop may hold the product).
    All,
    /// Only these organizations (those that handled the code).
    Only(Vec<String>),
}

/// Does a subscriber of this kind hear of an event about `owner`'s goods?
/// The authority and the admin hear of everything, a producer of its own
/// goods only, a retailer as `retailers` says.
pub fn hears(kind: OrgKind, org_id: &str, owner: &str, retailers: &Retailers) -> bool {
    match kind {
        OrgKind::Admin | OrgKind::Authority => true,
        OrgKind::Producer => org_id == owner,
        OrgKind::Retailer => match retailers {
            Retailers::All => true,
            Retailers::Only(orgs) => orgs.iter().any(|o| o == org_id),
        },
    }
}

/// Put one delivery per interested subscription in the outbox; returns how
/// many were queued.
pub fn notify(
    conn: &mut DbConnection,
    owner_producer: &str,
    retailers: Retailers,
    payload: WebhookPayload,
) -> Result<usize, DbError> {
    let event = payload.event();
    let body = WebhookBody {
        id: Uuid::now_v7(),
        occurred_at: db::now().and_utc(),
        payload,
    };
    let body =
        serde_json::to_string(&body).map_err(|e| DbError::corrupt(format!("webhook body: {e}")))?;
    let mut queued = 0;
    for (subscription, kind) in db::webhooks::subscribers(conn, event.as_str())? {
        let kind = OrgKind::parse(&kind).ok_or_else(|| {
            DbError::corrupt(format!(
                "organization kind {kind:?} of subscription {}",
                subscription.id
            ))
        })?;
        if hears(kind, &subscription.org_id, owner_producer, &retailers) {
            db::webhooks::enqueue(conn, &subscription.id, event.as_str(), &body)?;
            queued += 1;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_hears() {
        let only = Retailers::Only(vec!["r1".into()]);
        assert!(hears(OrgKind::Authority, "a", "p1", &only));
        assert!(hears(OrgKind::Producer, "p1", "p1", &only));
        assert!(!hears(OrgKind::Producer, "p2", "p1", &Retailers::All));
        assert!(hears(OrgKind::Retailer, "r1", "p1", &only));
        assert!(!hears(OrgKind::Retailer, "r2", "p1", &only));
        assert!(hears(OrgKind::Retailer, "r2", "p1", &Retailers::All));
    }

    #[test]
    fn the_body_names_its_type_beside_its_data() {
        let body = WebhookBody {
            id: Uuid::nil(),
            occurred_at: DateTime::<Utc>::MIN_UTC,
            payload: WebhookPayload::RatingExpired(RatingExpiredNotice {
                rating_id: "r".into(),
                product_id: "p".into(),
                producer_id: "o".into(),
                product_name: "Chè".into(),
                certificate_number: "C-1".into(),
                expired_on: NaiveDate::from_ymd_opt(2025, 3, 1).expect("date"),
            }),
        };
        let json = serde_json::to_value(&body).expect("json");
        assert_eq!(json["type"], "rating_expired");
        assert_eq!(json["data"]["expired_on"], "2025-03-01");
        let back: WebhookBody = serde_json::from_value(json).expect("parses");
        assert_eq!(back.payload.event(), WebhookEvent::RatingExpired);
    }
}
