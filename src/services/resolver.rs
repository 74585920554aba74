//! What a GS1 Digital Link without a serial resolves to: the public facts of
//! a product (`/01/{gtin}`), of one of its batches (`/01/{gtin}/10/{lot}`)
//! or of a place (`/414/{gln}`), the same facts a scan shows, for consumers,
//! shops and the console; and where a link with an unknown serial walks up to.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::provenance::view::{
    ScanBatch, ScanProducer, ScanProduct, ScanRating, ScanSite, scan_batch, scan_producer,
    scan_product, scan_rating,
};
use crate::db::products::ProductRow;
use crate::db::{self, DbConnection, DbError, stored_uuid};
use crate::domain::code::TraceCode;
use crate::domain::scan::Lang;
use crate::domain::site::SiteKind;
use crate::error::ApiError;
use crate::i18n;

/// The parameter a walk up from an unknown serial carries (GS1 passes
/// parameters that are not AIs through): the page it lands on warns that
/// the label's serial is not ours.
pub const UNKNOWN_SERIAL_PARAM: &str = "unknownSerial";

/// A serial a label names that is not one of our codes (the resolver
/// walked up from it): shown first, so the page is not taken as proof.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnknownSerial {
    pub serial: String,
    pub warning: String,
}

/// A product as its GTIN resolves.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProductFacts {
    pub product: ScanProduct,
    pub producer: ScanProducer,
    /// Its current OCOP rating (no stars once expired).
    pub ocop: Option<ScanRating>,
    /// The link named a serial we never issued (`?unknownSerial=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown_serial: Option<UnknownSerial>,
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
    /// The link named a serial we never issued (`?unknownSerial=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown_serial: Option<UnknownSerial>,
}

/// The serial a walked-up link says was not found, when it is indeed not
/// one of our codes: a link that claims so of a real code warns of nothing.
fn unknown_serial(
    conn: &mut DbConnection,
    claimed: Option<&str>,
    lang: Lang,
) -> Result<Option<UnknownSerial>, ApiError> {
    let Some(serial) = claimed else {
        return Ok(None);
    };
    let known = match TraceCode::parse(serial) {
        Ok(code) => db::codes::find_code(conn, &code)?.is_some(),
        Err(_) => false,
    };
    Ok((!known).then(|| UnknownSerial {
        serial: serial.to_owned(),
        warning: i18n::unknown_serial_warning(lang, serial),
    }))
}

/// The product with this GTIN-14, or `None`; `claimed_serial` is the
/// serial a walked-up link names.
pub fn product_facts(
    conn: &mut DbConnection,
    gtin: &str,
    claimed_serial: Option<&str>,
    lang: Lang,
    today: NaiveDate,
) -> Result<Option<ProductFacts>, ApiError> {
    let Some(product) = db::products::find_by_gtin(conn, gtin)? else {
        return Ok(None);
    };
    let mut facts = facts_of(conn, &product, lang, today)?;
    facts.unknown_serial = unknown_serial(conn, claimed_serial, lang)?;
    Ok(Some(facts))
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
        unknown_serial: None,
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
    claimed_serial: Option<&str>,
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
        unknown_serial: unknown_serial(conn, claimed_serial, lang)?,
    })))
}

/// Where a link whose serial is not ours walks up to, as GS1's resolver
/// standard describes: its lot if we know it, else its GTIN, else nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkUp {
    Batch,
    Product,
    Nowhere,
}

pub fn walk_up(conn: &mut DbConnection, gtin: &str, lot: Option<&str>) -> Result<WalkUp, ApiError> {
    let Some(product) = db::products::find_by_gtin(conn, gtin)? else {
        return Ok(WalkUp::Nowhere);
    };
    let Some(lot) = lot else {
        return Ok(WalkUp::Product);
    };
    Ok(
        if db::batches::find_by_lot(conn, &product.id, lot)?.is_some() {
            WalkUp::Batch
        } else {
            WalkUp::Product
        },
    )
}

/// A farming area or packing facility as its GLN resolves.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteFacts {
    pub kind: SiteKind,
    pub gln: String,
    pub site: ScanSite,
    pub commune: Option<String>,
    /// Until when its registration holds.
    pub valid_until: Option<NaiveDate>,
    /// Why it was suspended or revoked (while it is), and since when.
    pub status_reason: Option<String>,
    pub status_since: Option<DateTime<Utc>>,
}

/// The site with this GLN, or `None`.
pub fn site_facts(conn: &mut DbConnection, gln: &str) -> Result<Option<SiteFacts>, ApiError> {
    let Some(row) = db::sites::find_by_gln(conn, gln)? else {
        return Ok(None);
    };
    let site = ScanSite::try_from(&row)?;
    let last_change = if site.status == crate::domain::site::SiteStatus::Active {
        None
    } else {
        db::sites::status_history(conn, &row.id)?.pop()
    };
    Ok(Some(SiteFacts {
        kind: row.kind()?,
        gln: gln.to_owned(),
        site,
        commune: row.commune.clone(),
        valid_until: row.valid_until,
        status_reason: last_change.as_ref().map(|c| c.reason.clone()),
        status_since: last_change.map(|c| c.changed_at.and_utc()),
    }))
}
