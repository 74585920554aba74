//! Certifications of producers and products.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::DbConnection;
use super::schema::certifications;
use crate::domain::certification::{CertScheme, NewCertification};
use crate::domain::pagination::{Page, Paginated};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = certifications, treat_none_as_null = true)]
pub struct CertificationRow {
    pub id: String,
    pub producer_id: String,
    pub product_id: Option<String>,
    pub scheme: String,
    pub scheme_name: Option<String>,
    pub number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConnection,
    producer_id: &str,
    product_id: Option<&str>,
    c: &NewCertification,
    by: Uuid,
) -> QueryResult<CertificationRow> {
    let row = CertificationRow {
        id: Uuid::now_v7().to_string(),
        producer_id: producer_id.to_owned(),
        product_id: product_id.map(str::to_owned),
        scheme: c.scheme.as_str().to_owned(),
        scheme_name: c.scheme_name.clone(),
        number: c.number.clone(),
        issuer: c.issuer.clone(),
        valid_from: c.valid_from,
        valid_until: c.valid_until,
        created_by: by.to_string(),
        created_at: super::now(),
    };
    diesel::insert_into(certifications::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<CertificationRow>> {
    certifications::table
        .find(id.to_string())
        .select(CertificationRow::as_select())
        .first(conn)
        .optional()
}

pub fn update(
    conn: &mut DbConnection,
    mut row: CertificationRow,
    c: &NewCertification,
) -> QueryResult<CertificationRow> {
    row.scheme = c.scheme.as_str().to_owned();
    row.scheme_name = c.scheme_name.clone();
    row.number = c.number.clone();
    row.issuer = c.issuer.clone();
    row.valid_from = c.valid_from;
    row.valid_until = c.valid_until;
    diesel::update(certifications::table.find(row.id.clone()))
        .set(&row)
        .execute(conn)?;
    Ok(row)
}

#[derive(Debug, Clone, Default)]
pub struct CertificationFilter {
    pub producer_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub scheme: Option<CertScheme>,
    /// Only certificates valid on this day.
    pub valid_on: Option<NaiveDate>,
}

pub fn list(
    conn: &mut DbConnection,
    f: &CertificationFilter,
    page: Page,
) -> QueryResult<Paginated<CertificationRow>> {
    let query = || {
        let mut q = certifications::table.into_boxed();
        if let Some(id) = f.producer_id {
            q = q.filter(certifications::producer_id.eq(id.to_string()));
        }
        if let Some(id) = f.product_id {
            q = q.filter(certifications::product_id.eq(id.to_string()));
        }
        if let Some(s) = f.scheme {
            q = q.filter(certifications::scheme.eq(s.as_str()));
        }
        if let Some(day) = f.valid_on {
            q = q
                .filter(certifications::valid_from.le(day))
                .filter(certifications::valid_until.ge(day));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(CertificationRow::as_select())
        .order(certifications::id.asc())
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(Paginated::new(rows, page, total))
}

/// Certifications that apply to a product: its own and its producer's.
pub fn for_product(
    conn: &mut DbConnection,
    producer_id: &str,
    product_id: &str,
) -> QueryResult<Vec<CertificationRow>> {
    certifications::table
        .filter(certifications::producer_id.eq(producer_id))
        .filter(
            certifications::product_id
                .eq(product_id)
                .or(certifications::product_id.is_null()),
        )
        .select(CertificationRow::as_select())
        .order(certifications::valid_until.desc())
        .load(conn)
}
