//! Raising clone alerts: the rules are in `domain::clone`; here they meet
//! the stored scans and sales, and alerts reach the subscribers. A finding
//! opens an alert as a watch (the producer and the authority are told) or,
//! on enough distinct clients, confirmed (the shops that handled the code
//! are told too); a watch rises to confirmed when the rule sees enough, or
//! when the producer or the authority confirms it by hand.

use uuid::Uuid;

use crate::auth::Principal;
use crate::db::alerts::AlertRow;
use crate::db::{self, DbConnection};
use crate::domain::clone::{
    AlertStatus, CloneRule, CloneThresholds, Finding, GeoPoint, LocatedScan, Sale,
    check_after_sale, check_scan_count, check_travel,
};
use crate::error::ApiError;
use crate::services::notify::{CloneAlertNotice, Retailers, WebhookPayload, notify};

/// Located scans compared with a new one.
const RECENT_SCANS: i64 = 50;

/// Whose code an alert is about.
pub struct CodeOwner<'a> {
    pub code: &'a str,
    pub producer_id: &'a str,
    pub batch_id: &'a str,
}

fn stored_status(row: &AlertRow) -> Result<AlertStatus, ApiError> {
    AlertStatus::parse(&row.status).ok_or_else(|| {
        ApiError::internal(format!(
            "stored status {:?} of alert {}",
            row.status, row.id
        ))
    })
}

/// Record a finding: a new alert, or a watch raised to confirmed. Returns
/// the alert when it changed (the scan pages must then be told).
pub fn record(
    conn: &mut DbConnection,
    owner: &CodeOwner<'_>,
    finding: &Finding,
    thresholds: &CloneThresholds,
) -> Result<Option<AlertRow>, ApiError> {
    let found = finding.status(thresholds);
    let clients = i32::try_from(finding.clients).unwrap_or(i32::MAX);
    let changed = match db::alerts::find_for(conn, owner.code, finding.rule.as_str())? {
        None => {
            let row = AlertRow {
                id: Uuid::now_v7().to_string(),
                code: owner.code.to_owned(),
                rule: finding.rule.as_str().to_owned(),
                producer_id: owner.producer_id.to_owned(),
                batch_id: owner.batch_id.to_owned(),
                detail: finding.detail.clone(),
                created_at: db::now(),
                status: found.as_str().to_owned(),
                clients,
                decided_by: None,
                status_changed_at: None,
            };
            db::alerts::insert(conn, &row)?;
            row
        }
        Some(existing) => match stored_status(&existing)?.after_finding(found) {
            Some(next) => db::alerts::set_status(
                conn,
                &existing.id,
                next.as_str(),
                Some((&finding.detail, clients)),
                None,
            )?,
            None => return Ok(None),
        },
    };
    tell(conn, &changed)?;
    Ok(Some(changed))
}

/// Queue the `clone_alert` webhooks of an alert's new status: a watch to
/// the producer and the authority, a confirmation also to the retailers
/// that handled the code or its batch.
fn tell(conn: &mut DbConnection, alert: &AlertRow) -> Result<(), ApiError> {
    let retailers = match stored_status(alert)? {
        AlertStatus::Watch => Retailers::Only(Vec::new()),
        AlertStatus::Confirmed => Retailers::Only(db::events::recorders_for_code(
            conn,
            &alert.code,
            &alert.batch_id,
        )?),
        AlertStatus::Dismissed => return Ok(()),
    };
    notify(
        conn,
        &alert.producer_id,
        retailers,
        WebhookPayload::CloneAlert(CloneAlertNotice {
            alert_id: alert.id.clone(),
            code: alert.code.clone(),
            rule: alert.rule.clone(),
            status: alert.status.clone(),
            detail: alert.detail.clone(),
            batch_id: alert.batch_id.clone(),
            producer_id: alert.producer_id.clone(),
            raised_at: alert.created_at.and_utc(),
        }),
    )?;
    Ok(())
}

/// After a view beyond the threshold: the finding of the view rule when it
/// would change the code's alert (open a watch, or confirm one once more
/// distinct clients than the threshold viewed it since it passed the
/// threshold). Reads only, so the scan
/// path takes SQLite's write turn only when there is something to write.
pub fn views_finding(
    conn: &mut DbConnection,
    code: &str,
    views: i64,
    clients: i64,
    thresholds: &CloneThresholds,
) -> Result<Option<Finding>, ApiError> {
    let existing = db::alerts::find_for(conn, code, CloneRule::ScanCount.as_str())?;
    let current = existing.as_ref().map(stored_status).transpose()?;
    if current.is_some_and(|s| s != AlertStatus::Watch) {
        return Ok(None);
    }
    Ok(
        check_scan_count(views, clients, thresholds).filter(|finding| match current {
            None => true,
            Some(watch) => watch.after_finding(finding.status(thresholds)).is_some(),
        }),
    )
}

/// Does this alert change what consumers and shops are shown?
pub fn shown(alert: &AlertRow) -> bool {
    alert.status == AlertStatus::Confirmed.as_str()
}

/// After a located scan: the travel and after-sale rules.
pub fn check_located(
    conn: &mut DbConnection,
    owner: &CodeOwner<'_>,
    sales: &[Sale],
    new: &LocatedScan,
    thresholds: &CloneThresholds,
) -> Result<Vec<AlertRow>, ApiError> {
    let recent: Vec<LocatedScan> = db::alerts::located_scans(conn, owner.code, RECENT_SCANS)?
        .into_iter()
        .filter_map(|(at, lat, lon, client)| {
            Some(LocatedScan {
                at,
                point: GeoPoint {
                    latitude: lat?,
                    longitude: lon?,
                },
                client,
            })
        })
        .collect();
    let findings = check_travel(&recent, new, thresholds).into_iter().chain(
        sales
            .iter()
            .find_map(|sale| check_after_sale(sale, &recent, new, thresholds)),
    );
    let mut changed = Vec::new();
    for finding in findings {
        changed.extend(record(conn, owner, &finding, thresholds)?);
    }
    Ok(changed)
}

/// What the producer or the authority decided about an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Confirm,
    Dismiss,
}

/// The producer (its own codes) or the authority confirms or dismisses an
/// alert. Returns the alert after, and whether its status changed.
pub fn decide(
    conn: &mut DbConnection,
    who: &Principal,
    alert_id: Uuid,
    decision: Decision,
) -> Result<(AlertRow, bool), ApiError> {
    let alert = db::alerts::find(conn, alert_id)?
        .filter(|a| who.can_see(&a.producer_id))
        .ok_or_else(|| ApiError::not_found("no such alert"))?;
    let next = match decision {
        Decision::Confirm => AlertStatus::Confirmed,
        Decision::Dismiss => AlertStatus::Dismissed,
    };
    if stored_status(&alert)? == next {
        return Ok((alert, false));
    }
    let me = who.org_id.to_string();
    let after = db::alerts::set_status(conn, &alert.id, next.as_str(), None, Some(&me))?;
    db::audit::record(
        conn,
        who.actor(),
        match decision {
            Decision::Confirm => "clone_alert.confirm",
            Decision::Dismiss => "clone_alert.dismiss",
        },
        "clone_alert",
        &alert.id,
        Some(&serde_json::json!({"status": alert.status})),
        Some(&serde_json::json!({"status": after.status})),
    )?;
    tell(conn, &after)?;
    Ok((after, true))
}
