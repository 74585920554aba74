//! Batches and the farming areas they come from.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::DbConnection;
use super::schema::{batch_farming_areas, batches, sites};
use crate::domain::batch::{BatchDates, BatchStatus, NewBatch};
use crate::domain::pagination::{Page, Paginated};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = batches, treat_none_as_null = true)]
pub struct BatchRow {
    pub id: String,
    pub product_id: String,
    pub producer_id: String,
    pub lot: String,
    pub packing_facility_id: Option<String>,
    pub harvest_date: Option<NaiveDate>,
    pub production_date: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
    pub quantity: f64,
    pub unit: String,
    pub status: String,
    pub recall_reason: Option<String>,
    pub recalled_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl BatchRow {
    pub fn status(&self) -> Result<BatchStatus, super::DbError> {
        super::stored_enum("batch status", &self.status, BatchStatus::parse)
    }

    pub fn dates(&self) -> BatchDates {
        BatchDates {
            harvest_date: self.harvest_date,
            production_date: self.production_date,
            best_before: self.best_before,
        }
    }
}

pub fn insert(
    conn: &mut DbConnection,
    producer_id: Uuid,
    batch: &NewBatch,
    farming_area_ids: &[String],
    packing_facility_id: Option<String>,
) -> QueryResult<BatchRow> {
    let now = super::now();
    let row = BatchRow {
        id: Uuid::now_v7().to_string(),
        product_id: batch.product_id.to_string(),
        producer_id: producer_id.to_string(),
        lot: batch.lot.as_str().to_owned(),
        packing_facility_id,
        harvest_date: batch.dates.harvest_date,
        production_date: batch.dates.production_date,
        best_before: batch.dates.best_before,
        quantity: batch.quantity,
        unit: batch.unit.clone(),
        status: BatchStatus::Active.as_str().to_owned(),
        recall_reason: None,
        recalled_at: None,
        closed_at: None,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(batches::table)
        .values(&row)
        .execute(conn)?;
    for site_id in farming_area_ids {
        diesel::insert_into(batch_farming_areas::table)
            .values((
                batch_farming_areas::batch_id.eq(&row.id),
                batch_farming_areas::site_id.eq(site_id),
            ))
            .execute(conn)?;
    }
    Ok(row)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<BatchRow>> {
    batches::table
        .find(id.to_string())
        .select(BatchRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_lot(
    conn: &mut DbConnection,
    product_id: &str,
    lot: &str,
) -> QueryResult<Option<BatchRow>> {
    batches::table
        .filter(batches::product_id.eq(product_id))
        .filter(batches::lot.eq(lot))
        .select(BatchRow::as_select())
        .first(conn)
        .optional()
}

pub fn lot_taken(conn: &mut DbConnection, product_id: Uuid, lot: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        batches::table
            .filter(batches::product_id.eq(product_id.to_string()))
            .filter(batches::lot.eq(lot)),
    ))
    .get_result(conn)
}

pub fn farming_area_ids(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<String>> {
    batch_farming_areas::table
        .filter(batch_farming_areas::batch_id.eq(batch_id))
        .select(batch_farming_areas::site_id)
        .load(conn)
}

pub fn save(conn: &mut DbConnection, mut row: BatchRow) -> QueryResult<BatchRow> {
    row.updated_at = super::now();
    diesel::update(batches::table.find(row.id.clone()))
        .set(&row)
        .execute(conn)?;
    Ok(row)
}

#[derive(Debug, Clone, Default)]
pub struct BatchFilter {
    pub producer_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub status: Option<BatchStatus>,
    pub lot: Option<String>,
    pub farming_area_code: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    f: &BatchFilter,
    page: Page,
) -> QueryResult<Paginated<BatchRow>> {
    let query = || {
        let mut q = batches::table.into_boxed();
        if let Some(id) = f.producer_id {
            q = q.filter(batches::producer_id.eq(id.to_string()));
        }
        if let Some(id) = f.product_id {
            q = q.filter(batches::product_id.eq(id.to_string()));
        }
        if let Some(s) = f.status {
            q = q.filter(batches::status.eq(s.as_str()));
        }
        if let Some(lot) = &f.lot {
            q = q.filter(batches::lot.eq(lot.clone()));
        }
        if let Some(code) = &f.farming_area_code {
            let with_area = batch_farming_areas::table
                .inner_join(sites::table)
                .filter(sites::code.eq(code.clone()))
                .select(batch_farming_areas::batch_id);
            q = q.filter(batches::id.eq_any(with_area));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(BatchRow::as_select())
        .order(batches::id.desc())
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(Paginated::new(rows, page, total))
}

/// A batch past its best-before day: batch id, product id, producer id,
/// product name, lot, best-before day.
pub type ExpiredBatch = (String, String, String, String, String, NaiveDate);

/// Batches whose best-before day is before `today`, not recalled (a recall
/// already told everyone), whose expiry was not reported yet; a hundred at
/// a time.
pub fn unreported_expired(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> QueryResult<Vec<ExpiredBatch>> {
    batches::table
        .inner_join(super::schema::products::table)
        .filter(batches::best_before.lt(today))
        .filter(batches::expiry_notified_at.is_null())
        .filter(batches::status.ne(BatchStatus::Recalled.as_str()))
        .select((
            batches::id,
            batches::product_id,
            batches::producer_id,
            super::schema::products::name_vi,
            batches::lot,
            batches::best_before.assume_not_null(),
        ))
        .order(batches::id)
        .limit(100)
        .load(conn)
}

pub fn mark_expiry_reported(conn: &mut DbConnection, batch_id: &str) -> QueryResult<()> {
    diesel::update(batches::table.find(batch_id))
        .set(batches::expiry_notified_at.eq(super::now()))
        .execute(conn)
        .map(|_| ())
}
