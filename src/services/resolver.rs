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
    let Some(product) = db::products::find_by_gtin(conn, gtin)? else {
        return Ok(None);
    };
    let producer = db::organizations::find(conn, stored_uuid(&product.producer_id)?)?
        .ok_or_else(|| DbError::corrupt(format!("product {} without producer", product.id)))?;
    let rating = db::products::current_rating(conn, &product)?;
    Ok(Some(ProductFacts {
        product: scan_product(&product, lang)?,
        producer: scan_producer(&producer),
        ocop: rating.as_ref().map(|r| scan_rating(r, today)).transpose()?,
    }))
}

/// The batch `lot` of the product with this GTIN-14: `Ok(None)` when the
/// GTIN is unknown, `Ok(Some(None))` when only the lot is.
pub fn batch_facts(
    conn: &mut DbConnection,
    gtin: &str,
    lot: &str,
    lang: Lang,
    today: NaiveDate,
) -> Result<Option<Option<BatchFacts>>, ApiError> {
    let Some(product) = db::products::find_by_gtin(conn, gtin)? else {
        return Ok(None);
    };
    let Some(batch) = db::batches::find_by_lot(conn, &product.id, lot)? else {
        return Ok(Some(None));
    };
    let Some(facts) = product_facts(conn, gtin, lang, today)? else {
        return Ok(None);
    };
    let area_ids = db::batches::farming_area_ids(conn, &batch.id)?;
    let farming_areas = db::sites::by_ids(conn, &area_ids)?
        .iter()
        .map(ScanSite::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let packing_facility = match &batch.packing_facility_id {
        Some(id) => db::sites::by_ids(conn, std::slice::from_ref(id))?
            .first()
            .map(ScanSite::try_from)
            .transpose()?,
        None => None,
    };
    Ok(Some(Some(BatchFacts {
        product: facts.product,
        producer: facts.producer,
        ocop: facts.ocop,
        batch: scan_batch(&batch)?,
        farming_areas,
        packing_facility,
    })))
}
