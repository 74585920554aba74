//! A shopper reports a package as a suspected fake: the report is kept
//! under its code's `counterfeit_report` alert (a watch for the producer and
//! the authority; only they can confirm it, which then warns every later
//! scan), and they are told at once (`counterfeit_report` webhook).

use uuid::Uuid;

use super::Services;
use super::notify::{CounterfeitReportNotice, Retailers, WebhookPayload, notify};
use super::scan::CodeView;
use crate::db::alerts::AlertRow;
use crate::db::counterfeit_reports::NewReportRow;
use crate::db::{self, DbConnection};
use crate::domain::clone::{AlertStatus, CloneRule};
use crate::domain::code::TraceCode;
use crate::domain::counterfeit::{NewReport, report_detail};
use crate::domain::scan::{ClientHash, Lang};
use crate::error::ApiError;
use crate::labels::picture::Picture;

/// A report as received, checked.
pub struct Report {
    pub fields: NewReport,
    /// The photo, already checked and re-encoded.
    pub photo: Option<Picture>,
    pub lang: Lang,
}

/// What the reporter is told: the report's id and its alert's.
#[derive(Debug, Clone)]
pub struct ReportReceipt {
    pub report_id: Uuid,
    pub alert_id: Uuid,
}

/// Where the API serves a report's photo (producer and authority only).
pub fn photo_path(report_id: &str) -> String {
    format!("/api/v1/counterfeit-reports/{report_id}/photo")
}

impl Services {
    /// Keep a report about a registered code and tell its producer and the
    /// authority.
    pub async fn report_counterfeit(
        &self,
        code: TraceCode,
        found: &CodeView,
        report: Report,
        client: Option<ClientHash>,
    ) -> Result<ReportReceipt, ApiError> {
        let (producer_id, batch_id) = (
            found.context.batch.producer_id.clone(),
            found.context.batch.id.clone(),
        );
        let client = client.map(|c| c.as_str().to_owned());
        self.write(move |conn| {
            keep_report(
                conn,
                &code,
                &producer_id,
                &batch_id,
                &report,
                client.as_deref(),
            )
        })
        .await
    }
}

fn keep_report(
    conn: &mut DbConnection,
    code: &TraceCode,
    producer_id: &str,
    batch_id: &str,
    report: &Report,
    client: Option<&str>,
) -> Result<ReportReceipt, ApiError> {
    let now = db::now();
    let code = code.to_string();
    let rule = CloneRule::CounterfeitReport.as_str();
    let alert = match db::alerts::find_for(conn, &code, rule)? {
        Some(alert) => alert,
        None => {
            let alert = AlertRow {
                id: Uuid::now_v7().to_string(),
                code: code.clone(),
                rule: rule.to_owned(),
                producer_id: producer_id.to_owned(),
                batch_id: batch_id.to_owned(),
                detail: String::new(),
                created_at: now,
                status: AlertStatus::Watch.as_str().to_owned(),
                clients: 0,
                decided_by: None,
                status_changed_at: None,
            };
            db::alerts::insert(conn, &alert)?;
            alert
        }
    };
    // The alert's status is left as it is: a dismissed alert stays dismissed
    // (the producer or the authority looked); the report is still kept and
    // still told.
    let report_id = Uuid::now_v7().to_string();
    let fields = &report.fields;
    db::counterfeit_reports::insert(
        conn,
        &NewReportRow {
            id: &report_id,
            alert_id: &alert.id,
            code: &code,
            where_bought: fields.where_bought.as_deref(),
            note: fields.note.as_deref(),
            phone: fields.phone.as_deref(),
            photo_jpeg: report.photo.as_ref().map(|p| p.jpeg.as_slice()),
            client_hash: client,
            lang: report.lang.as_str(),
            created_at: now,
        },
    )?;
    let (reports, reporters) = db::counterfeit_reports::tally(conn, &alert.id)?;
    let detail = report_detail(reports, reporters, fields.where_bought.as_deref());
    let clients = i32::try_from(reporters).unwrap_or(i32::MAX);
    db::alerts::set_evidence(conn, &alert.id, &detail, clients)?;
    notify(
        conn,
        producer_id,
        Retailers::Only(Vec::new()),
        WebhookPayload::CounterfeitReport(CounterfeitReportNotice {
            report_id: report_id.clone(),
            alert_id: alert.id.clone(),
            code,
            batch_id: batch_id.to_owned(),
            producer_id: producer_id.to_owned(),
            where_bought: fields.where_bought.clone(),
            note: fields.note.clone(),
            phone: fields.phone.clone(),
            photo_url: report.photo.as_ref().map(|_| photo_path(&report_id)),
            reported_at: now.and_utc(),
        }),
    )?;
    Ok(ReportReceipt {
        report_id: db::stored_uuid(&report_id)?,
        alert_id: db::stored_uuid(&alert.id)?,
    })
}

/// A report as its producer and the authority see it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CounterfeitReportOut {
    pub id: Uuid,
    pub alert_id: Uuid,
    pub code: String,
    pub where_bought: Option<String>,
    pub note: Option<String>,
    /// Given by the reporter to be called back on.
    pub phone: Option<String>,
    /// The photo (JPEG), when one was sent.
    pub photo_url: Option<String>,
    /// The language of the page the report was sent from.
    pub lang: Lang,
    pub reported_at: chrono::DateTime<chrono::Utc>,
}

/// The alert if the caller may see it: its producer, the authority, the
/// admin (another producer's alert is "not found", as everywhere).
fn visible_alert(
    conn: &mut DbConnection,
    who: &crate::auth::Principal,
    alert_id: Uuid,
) -> Result<AlertRow, ApiError> {
    db::alerts::find(conn, alert_id)?
        .filter(|alert| {
            who.own_producer_scope()
                .is_none_or(|own| alert.producer_id == own.to_string())
        })
        .ok_or_else(|| ApiError::not_found("no such alert"))
}

/// An alert's reports, newest first.
pub fn reports_of_alert(
    conn: &mut DbConnection,
    who: &crate::auth::Principal,
    alert_id: Uuid,
) -> Result<Vec<CounterfeitReportOut>, ApiError> {
    let alert = visible_alert(conn, who, alert_id)?;
    db::counterfeit_reports::of_alert(conn, &alert.id)?
        .into_iter()
        .map(|row| {
            Ok(CounterfeitReportOut {
                id: db::stored_uuid(&row.id)?,
                alert_id: db::stored_uuid(&row.alert_id)?,
                photo_url: row.has_photo.then(|| photo_path(&row.id)),
                lang: db::stored_enum("report language", &row.lang, Lang::parse)?,
                code: row.code,
                where_bought: row.where_bought,
                note: row.note,
                phone: row.phone,
                reported_at: row.created_at.and_utc(),
            })
        })
        .collect()
}

/// A report's photo (JPEG) for its producer, the authority or the admin.
pub fn report_photo(
    conn: &mut DbConnection,
    who: &crate::auth::Principal,
    report_id: Uuid,
) -> Result<Vec<u8>, ApiError> {
    let not_found = || ApiError::not_found("no photo for this report");
    let (producer_id, photo) =
        db::counterfeit_reports::photo(conn, &report_id.to_string())?.ok_or_else(not_found)?;
    if who
        .own_producer_scope()
        .is_some_and(|own| own.to_string() != producer_id)
    {
        return Err(not_found());
    }
    photo.ok_or_else(not_found)
}
