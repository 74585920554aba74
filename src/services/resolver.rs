//! What a GS1 Digital Link without a serial resolves to: the public facts of
//! a product (`/01/{gtin}`) or of one of its batches (`/01/{gtin}/10/{lot}`),
//! the same facts a scan shows, for consumers, shops and the console.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::provenance::view::{
    ScanBatch, ScanProducer, ScanProduct, ScanRating, ScanSite, scan_batch, scan_producer,
    scan_product, scan_rating,
};
use crate::db::products::ProductRow;
use crate::db::{self, DbConnection, DbError, stored_uuid};
use crate::domain::scan::Lang;
use crate::error::ApiError;

/// A product as its GTIN resolves.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProductFacts {
    pub product: ScanProduct,
    pub producer: ScanProducer,
    /// Its current OCOP rating (no stars once expired).
    pub ocop: Option<ScanRating>,
}

/// A batch as its GTIN and lot resolve.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchFacts {
    pub product: ScanProduct,
    pub producer: ScanProducer,
    pub ocop: Option<ScanRating>,
    /// Its state now: a recall shows with its reason.
    pub batch: ScanBatch,
    pub farming_areas: Vec<ScanSite>,
    pub packing_facility: Option<ScanSite>,
}

/// The product with this GTIN-14, or `None`.
pub fn product_facts(
    conn: &mut DbConnection,
    gtin: &str,
    lang: Lang,
    today: NaiveDate,
) -> Result<Option<ProductFacts>, ApiError> {
    db::products::find_by_gtin(conn, gtin)?
        .map(|product| facts_of(conn, &product, lang, today))
        .transpose()
}

fn facts_of(
    conn: &mut DbConnection,
    product: &ProductRow,
    lang: Lang,
    today: NaiveDate,
) -> Result<ProductFacts, ApiError> {
    let producer = db::organizations::find(conn, stored_uuid(&product.producer_id)?)?
        .ok_or_else(|| DbError::corrupt(format!("product {} without producer", product.id)))?;
    let rating = db::products::current_rating(conn, product)?;
    Ok(ProductFacts {
        product: scan_product(product, lang)?,
        producer: scan_producer(&producer),
        ocop: rating.as_ref().map(|r| scan_rating(r, today)).transpose()?,
    })
}

/// What a GTIN and lot found.
pub enum BatchLookup {
    UnknownGtin,
    /// The product is known, the lot is not.
    UnknownLot,
    Found(Box<BatchFacts>),
}

/// The batch `lot` of the product with this GTIN-14.
pub fn batch_facts(
    conn: &mut DbConnection,
    gtin: &str,
    lot: &str,
    lang: Lang,
    today: NaiveDate,
) -> Result<BatchLookup, ApiError> {
    let Some(product) = db::products::find_by_gtin(conn, gtin)? else {
        return Ok(BatchLookup::UnknownGtin);
    };
    let Some(batch) = db::batches::find_by_lot(conn, &product.id, lot)? else {
        return Ok(BatchLookup::UnknownLot);
    };
    let facts = facts_of(conn, &product, lang, today)?;
    // The farming areas and the packing facility, in one read.
    let mut site_ids = db::batches::farming_area_ids(conn, &batch.id)?;
    site_ids.extend(batch.packing_facility_id.iter().cloned());
    let mut farming_areas = Vec::new();
    let mut packing_facility = None;
    for site in db::sites::by_ids(conn, &site_ids)? {
        let shown = ScanSite::try_from(&site)?;
        if batch.packing_facility_id.as_deref() == Some(site.id.as_str()) {
            packing_facility = Some(shown);
        } else {
            farming_areas.push(shown);
        }
    }
    Ok(BatchLookup::Found(Box::new(BatchFacts {
        product: facts.product,
        producer: facts.producer,
        ocop: facts.ocop,
        batch: scan_batch(&batch)?,
        farming_areas,
        packing_facility,
    })))
}
