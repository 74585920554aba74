//! Webhooks: who is told of what (fan-out into the outbox, inside the
//! transaction of the change itself, so a change and its notifications land
//! together or not at all), and the sender that delivers the outbox.

pub mod sender;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::{self, DbConnection};
use crate::domain::organization::OrgKind;
use crate::domain::webhook::WebhookEvent;
use crate::error::ApiError;

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

/// Put one delivery per interested subscription in the outbox. The body is
/// `{id, type, occurred_at, data}`; the same `id` reaches every subscriber.
pub fn notify(
    conn: &mut DbConnection,
    event: WebhookEvent,
    owner_producer: &str,
    retailers: Retailers,
    data: Value,
) -> Result<usize, ApiError> {
    let body = json!({
        "id": Uuid::now_v7(),
        "type": event.as_str(),
        "occurred_at": db::now().and_utc(),
        "data": data,
    })
    .to_string();
    let mut queued = 0;
    for (subscription, kind) in db::webhooks::subscribers(conn, event.as_str())? {
        let Some(kind) = OrgKind::parse(&kind) else {
            continue;
        };
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
}
