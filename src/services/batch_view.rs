//! A batch as every front door shows it (and as the audit log records it
//! before and after a change): its farming areas and packing facility with
//! their status now.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::batches::BatchRow;
use crate::db::sites::SiteRow;
use crate::db::{self, DbConnection, stored_uuid};
use crate::domain::batch::BatchStatus;
use crate::domain::site::SiteStatus;
use crate::error::ApiError;

/// A farming area or packing facility as a batch refers to it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteRef {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    /// Its status now (a suspension after the batch was made shows here).
    pub status: SiteStatus,
    pub target_market: String,
}

impl SiteRef {
    pub fn from_row(row: &SiteRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: stored_uuid(&row.id)?,
            code: row.code.clone(),
            name: row.name.clone(),
            status: row.status()?,
            target_market: row.target_market.clone(),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchOut {
    pub id: Uuid,
    pub product_id: Uuid,
    pub producer_id: Uuid,
    /// GS1 AI 10 lot number, as printed.
    pub lot: String,
    pub farming_areas: Vec<SiteRef>,
    pub packing_facility: Option<SiteRef>,
    pub harvest_date: Option<NaiveDate>,
    pub production_date: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
    pub quantity: f64,
    pub unit: String,
    pub status: BatchStatus,
    pub recall_reason: Option<String>,
    pub recalled_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn batch_out(conn: &mut DbConnection, row: &BatchRow) -> Result<BatchOut, ApiError> {
    let area_ids = db::batches::farming_area_ids(conn, &row.id)?;
    let mut site_ids = area_ids.clone();
    site_ids.extend(row.packing_facility_id.clone());
    let sites = db::sites::by_ids(conn, &site_ids)?;
    let farming_areas = sites
        .iter()
        .filter(|s| area_ids.contains(&s.id))
        .map(SiteRef::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let packing_facility = row
        .packing_facility_id
        .as_ref()
        .and_then(|id| sites.iter().find(|s| &s.id == id))
        .map(SiteRef::from_row)
        .transpose()?;
    Ok(BatchOut {
        id: stored_uuid(&row.id)?,
        product_id: stored_uuid(&row.product_id)?,
        producer_id: stored_uuid(&row.producer_id)?,
        lot: row.lot.clone(),
        farming_areas,
        packing_facility,
        harvest_date: row.harvest_date,
        production_date: row.production_date,
        best_before: row.best_before,
        quantity: row.quantity,
        unit: row.unit.clone(),
        status: row.status()?,
        recall_reason: row.recall_reason.clone(),
        recalled_at: row.recalled_at.map(|t| t.and_utc()),
        closed_at: row.closed_at.map(|t| t.and_utc()),
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}
