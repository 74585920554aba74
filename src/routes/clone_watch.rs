//! Raising clone alerts: the rules are in `domain::clone`; here they meet
//! the stored scans and sales, and alerts reach the subscribers.

use serde_json::json;

use crate::db::alerts::AlertRow;
use crate::db::{self, DbConnection};
use crate::domain::clone::{
    CloneThresholds, Finding, GeoPoint, LocatedScan, Sale, check_after_sale, check_travel,
};
use crate::domain::webhook::WebhookEvent;
use crate::error::ApiError;
use crate::webhooks::{Retailers, notify};

/// Located scans compared with a new one.
const EARLIER_SCANS: i64 = 50;

/// Whose code an alert is about.
pub struct CodeOwner<'a> {
    pub code: &'a str,
    pub producer_id: &'a str,
    pub batch_id: &'a str,
}

/// Raise an alert for a finding, once per code and rule, and queue the
/// `clone_alert` webhooks: the producer, the authority, and the retailers
/// that handled the code or its batch.
pub fn raise(
    conn: &mut DbConnection,
    owner: &CodeOwner<'_>,
    finding: &Finding,
) -> Result<Option<AlertRow>, ApiError> {
    let Some(alert) = db::alerts::raise(
        conn,
        owner.code,
        finding.rule.as_str(),
        owner.producer_id,
        owner.batch_id,
        &finding.detail,
    )?
    else {
        return Ok(None);
    };
    let handlers = db::events::recorders_for_code(conn, owner.code, owner.batch_id)?;
    notify(
        conn,
        WebhookEvent::CloneAlert,
        owner.producer_id,
        Retailers::Only(handlers),
        json!({
            "alert_id": alert.id,
            "code": alert.code,
            "rule": alert.rule,
            "detail": alert.detail,
            "batch_id": alert.batch_id,
            "producer_id": alert.producer_id,
            "raised_at": alert.created_at.and_utc(),
        }),
    )?;
    Ok(Some(alert))
}

/// After a located scan: the travel and after-sale rules.
pub fn check_located(
    conn: &mut DbConnection,
    owner: &CodeOwner<'_>,
    sales: &[Sale],
    new: LocatedScan,
    thresholds: &CloneThresholds,
) -> Result<Vec<AlertRow>, ApiError> {
    let earlier: Vec<LocatedScan> = db::alerts::located_scans(conn, owner.code, EARLIER_SCANS)?
        .into_iter()
        .filter_map(|(at, lat, lon)| {
            Some(LocatedScan {
                at,
                point: GeoPoint {
                    latitude: lat?,
                    longitude: lon?,
                },
            })
        })
        .collect();
    let findings = check_travel(&earlier, &new, thresholds).into_iter().chain(
        sales
            .iter()
            .find_map(|sale| check_after_sale(sale, &new, thresholds)),
    );
    let mut raised = Vec::new();
    for finding in findings {
        raised.extend(raise(conn, owner, &finding)?);
    }
    Ok(raised)
}
