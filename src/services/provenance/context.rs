//! What a scan needs to know of a code, read from the registry: the run's
//! facts (shared by every code of the run, cached) and the code's own
//! events and alerts.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::alerts::AlertRow;
use crate::db::codes::CodeRunRow;
use crate::db::events::EventWithOrg;
use crate::db::sites::SiteRow;
use crate::db::{self, DbConnection, stored_uuid};
use crate::domain::clone::{GeoPoint, Sale};
use crate::domain::code::TraceCode;
use crate::domain::scan::Lang;
use crate::domain::supply::BizStep;
use crate::error::ApiError;

/// The registry facts behind a run's codes: read once, cached, and read again
/// whenever the registry changes (see [`crate::services::scan::cache`]).
#[derive(Debug, Clone)]
pub struct ScanContext {
    pub run_id: String,
    pub run_created_at: NaiveDateTime,
    pub batch: db::batches::BatchRow,
    pub product: db::products::ProductRow,
    pub producer: db::organizations::Organization,
    pub rating: Option<db::products::RatingRow>,
    pub area: SiteRow,
    /// The farming area's last status change, when it is not active (why
    /// and since when it is suspended or revoked).
    pub area_status_change: Option<db::sites::StatusChangeRow>,
    pub facility: Option<SiteRow>,
    pub certifications: Vec<db::certifications::CertificationRow>,
    /// Events about the whole batch or this run, oldest first.
    pub batch_events: Vec<EventWithOrg>,
    /// Does any code of the batch have events or alerts of its own? When
    /// not, a code's facts need no reading.
    pub codes_have_facts: bool,
    /// The JSON of what every code of the run shares, per language and day.
    pub rendered: RenderCache,
}

impl ScanContext {
    /// Why and since when (a Vietnamese day) the farming area is suspended
    /// or revoked, when it is.
    pub fn area_change(&self) -> Option<(&str, NaiveDate)> {
        self.area_status_change
            .as_ref()
            .map(|c| (c.reason.as_str(), super::view::local_date(c.changed_at)))
    }
}

/// Pre-serialized JSON of a run's shared facts: the provenance (product to
/// certifications) and the journey of a code without events of its own.
#[derive(Debug)]
pub struct RunFragments {
    pub provenance: String,
    pub journey: String,
}

/// Rendered fragments by (language, day): a rating or certificate can
/// expire at midnight, so the day is part of the key.
#[derive(Default)]
pub struct RenderCache(pub(super) std::sync::RwLock<Vec<(Lang, NaiveDate, Arc<RunFragments>)>>);

impl std::fmt::Debug for RenderCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RenderCache")
    }
}

impl Clone for RenderCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// What is known of one code beyond its run: events naming it, clone alerts.
#[derive(Debug, Clone, Default)]
pub struct CodeFacts {
    pub events: Vec<EventWithOrg>,
    pub alerts: Vec<AlertRow>,
}

impl CodeFacts {
    /// The alerts shown to consumers and shops.
    pub fn confirmed_alerts(&self) -> impl Iterator<Item = &AlertRow> {
        self.alerts
            .iter()
            .filter(|a| a.status == crate::domain::clone::AlertStatus::Confirmed.as_str())
    }
}

impl ScanContext {
    /// Every supply-chain event of a code, oldest first.
    pub fn events_with<'a>(&'a self, facts: &'a CodeFacts) -> Vec<&'a EventWithOrg> {
        let mut all: Vec<&EventWithOrg> = self.batch_events.iter().chain(&facts.events).collect();
        all.sort_by(|a, b| (a.0.event_time, &a.0.id).cmp(&(b.0.event_time, &b.0.id)));
        all
    }

    /// Sales of the code that say where the shop is.
    pub fn sales(&self, facts: &CodeFacts) -> Vec<Sale> {
        self.events_with(facts)
            .into_iter()
            .filter(|(e, _)| e.biz_step == BizStep::RetailSelling.as_str())
            .filter_map(|(e, org)| {
                Some(Sale {
                    at: e.event_time,
                    point: GeoPoint {
                        latitude: e.latitude?,
                        longitude: e.longitude?,
                    },
                    shop: e.location_name.clone().unwrap_or_else(|| org.clone()),
                })
            })
            .collect()
    }

    /// Has a shop sold this package to a consumer?
    pub fn sold(&self, facts: &CodeFacts) -> bool {
        self.events_with(facts)
            .iter()
            .any(|(e, _)| e.biz_step == BizStep::RetailSelling.as_str())
    }
}

/// Events and alerts of many codes at once.
pub fn load_code_facts(
    conn: &mut DbConnection,
    codes: &[String],
) -> Result<std::collections::HashMap<String, CodeFacts>, ApiError> {
    let mut out: std::collections::HashMap<String, CodeFacts> = std::collections::HashMap::new();
    for (code, event) in db::events::naming_codes(conn, codes)? {
        out.entry(code).or_default().events.push(event);
    }
    for alert in db::alerts::of_codes(conn, codes)? {
        out.entry(alert.code.clone())
            .or_default()
            .alerts
            .push(alert);
    }
    Ok(out)
}

/// Events and alerts of one code (cached statements: no IN list).
pub fn load_facts_of(conn: &mut DbConnection, code: &TraceCode) -> Result<CodeFacts, ApiError> {
    Ok(CodeFacts {
        events: db::events::naming_code(conn, code.as_str())?,
        alerts: db::alerts::of_code(conn, code.as_str())?,
    })
}

/// Read the context of a run (on the blocking pool).
pub fn load_context(conn: &mut DbConnection, run: &CodeRunRow) -> Result<ScanContext, ApiError> {
    let missing = |what: &str| ApiError::internal(format!("run {}: {what} missing", run.id));
    let batch =
        db::batches::find(conn, stored_uuid(&run.batch_id)?)?.ok_or_else(|| missing("batch"))?;
    let product = db::products::find(conn, stored_uuid(&batch.product_id)?)?
        .ok_or_else(|| missing("product"))?;
    let producer = db::organizations::find(conn, stored_uuid(&batch.producer_id)?)?
        .ok_or_else(|| missing("producer"))?;
    let rating = db::products::current_rating(conn, &product)?;
    let mut site_ids = vec![run.farming_area_id.clone()];
    site_ids.extend(batch.packing_facility_id.clone());
    let sites = db::sites::by_ids(conn, &site_ids)?;
    let area = sites
        .iter()
        .find(|s| s.id == run.farming_area_id)
        .cloned()
        .ok_or_else(|| missing("farming area"))?;
    let facility = batch
        .packing_facility_id
        .as_ref()
        .and_then(|id| sites.iter().find(|s| &s.id == id))
        .cloned();
    let area_status_change = if area.status()? == crate::domain::site::SiteStatus::Active {
        None
    } else {
        db::sites::status_history(conn, &area.id)?.pop()
    };
    let certifications = db::certifications::for_product(conn, &product.producer_id, &product.id)?;
    let batch_events = db::events::of_batch(conn, &batch.id)?
        .into_iter()
        .filter(|(e, _)| e.scope == "batch" || e.run_id.as_deref() == Some(run.id.as_str()))
        .collect();
    let codes_have_facts = db::events::batch_has_named_codes(conn, &batch.id)?
        || db::alerts::batch_has_alerts(conn, &batch.id)?;
    Ok(ScanContext {
        rendered: RenderCache::default(),
        codes_have_facts,
        run_id: run.id.clone(),
        run_created_at: run.created_at,
        batch,
        product,
        producer,
        rating,
        area,
        area_status_change,
        facility,
        certifications,
        batch_events,
    })
}

/// A code's views so far (as the scan counter starts from), and when it
/// was first viewed.
pub type Views = (i64, Option<NaiveDateTime>);

/// A code's run and its views so far; None: no such code.
pub fn load_code(
    conn: &mut DbConnection,
    code: &TraceCode,
) -> Result<Option<(CodeRunRow, Views)>, ApiError> {
    match db::codes::find_code(conn, code)? {
        Some((_, run)) => Ok(Some((run, db::scans::views_of(conn, code.as_str())?))),
        None => Ok(None),
    }
}
