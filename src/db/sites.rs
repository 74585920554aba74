//! Farming areas and packing facilities ("sites"), their producers and status history.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::DbConnection;
use super::schema::{site_producers, site_status_history, sites};
use crate::domain::pagination::{Page, Paginated};
use crate::domain::site::{Farming, NewSite, SiteFields, SiteKind, SiteStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sites, treat_none_as_null = true)]
pub struct SiteRow {
    pub id: String,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub province: String,
    pub district: Option<String>,
    pub commune: Option<String>,
    pub crop: Option<String>,
    pub area_ha: Option<f64>,
    pub target_market: String,
    pub status: String,
    pub valid_until: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub gln: Option<String>,
    pub farming: Option<String>,
}

impl SiteRow {
    pub fn status(&self) -> Result<SiteStatus, super::DbError> {
        super::stored_enum("site status", &self.status, SiteStatus::parse)
    }

    pub fn kind(&self) -> Result<SiteKind, super::DbError> {
        super::stored_enum("site kind", &self.kind, SiteKind::parse)
    }

    pub fn fields(&self) -> Result<SiteFields, super::DbError> {
        Ok(SiteFields {
            name: self.name.clone(),
            province: self.province.clone(),
            district: self.district.clone(),
            commune: self.commune.clone(),
            crop: self.crop.clone(),
            farming: self.farming()?,
            area_ha: self.area_ha,
            target_market: self.target_market.clone(),
            valid_until: self.valid_until,
            gln: self.gln.clone(),
        })
    }

    pub fn farming(&self) -> Result<Option<Farming>, super::DbError> {
        self.farming
            .as_deref()
            .map(|f| super::stored_enum("farming", f, Farming::parse))
            .transpose()
    }

    fn set_fields(&mut self, f: &SiteFields) {
        self.name = f.name.clone();
        self.province = f.province.clone();
        self.district = f.district.clone();
        self.commune = f.commune.clone();
        self.crop = f.crop.clone();
        self.farming = f.farming.map(|f| f.as_str().to_owned());
        self.area_ha = f.area_ha;
        self.target_market = f.target_market.clone();
        self.valid_until = f.valid_until;
        self.gln = f.gln.clone();
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = site_status_history)]
pub struct StatusChangeRow {
    pub id: String,
    pub site_id: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: String,
    pub changed_by: String,
    pub changed_at: NaiveDateTime,
}

fn record_status(
    conn: &mut DbConnection,
    site_id: &str,
    from: Option<SiteStatus>,
    to: SiteStatus,
    reason: &str,
    by: Uuid,
) -> QueryResult<()> {
    diesel::insert_into(site_status_history::table)
        .values(&StatusChangeRow {
            id: Uuid::now_v7().to_string(),
            site_id: site_id.to_owned(),
            from_status: from.map(|s| s.as_str().to_owned()),
            to_status: to.as_str().to_owned(),
            reason: reason.to_owned(),
            changed_by: by.to_string(),
            changed_at: super::now(),
        })
        .execute(conn)
        .map(|_| ())
}

pub fn insert(conn: &mut DbConnection, site: &NewSite, by: Uuid) -> QueryResult<SiteRow> {
    let now = super::now();
    let mut row = SiteRow {
        id: Uuid::now_v7().to_string(),
        kind: site.kind.as_str().to_owned(),
        code: site.code.clone(),
        name: String::new(),
        province: String::new(),
        district: None,
        commune: None,
        crop: None,
        area_ha: None,
        target_market: String::new(),
        status: SiteStatus::Active.as_str().to_owned(),
        valid_until: None,
        created_at: now,
        updated_at: now,
        gln: None,
        farming: None,
    };
    row.set_fields(&site.fields);
    diesel::insert_into(sites::table)
        .values(&row)
        .execute(conn)?;
    record_status(conn, &row.id, None, SiteStatus::Active, "registered", by)?;
    Ok(row)
}

pub fn find(conn: &mut DbConnection, kind: SiteKind, id: Uuid) -> QueryResult<Option<SiteRow>> {
    sites::table
        .find(id.to_string())
        .filter(sites::kind.eq(kind.as_str()))
        .select(SiteRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_code(
    conn: &mut DbConnection,
    kind: SiteKind,
    code: &str,
) -> QueryResult<Option<SiteRow>> {
    sites::table
        .filter(sites::kind.eq(kind.as_str()))
        .filter(sites::code.eq(code))
        .select(SiteRow::as_select())
        .first(conn)
        .optional()
}

/// The site with this GLN, of either kind.
pub fn find_by_gln(conn: &mut DbConnection, gln: &str) -> QueryResult<Option<SiteRow>> {
    sites::table
        .filter(sites::gln.eq(gln))
        .select(SiteRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<SiteRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sites::table
        .filter(sites::id.eq_any(ids))
        .select(SiteRow::as_select())
        .order(sites::code.asc())
        .load(conn)
}

pub fn update_fields(
    conn: &mut DbConnection,
    mut row: SiteRow,
    fields: &SiteFields,
) -> QueryResult<SiteRow> {
    row.set_fields(fields);
    row.updated_at = super::now();
    diesel::update(sites::table.find(row.id.clone()))
        .set(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn change_status(
    conn: &mut DbConnection,
    mut row: SiteRow,
    to: SiteStatus,
    reason: &str,
    by: Uuid,
) -> Result<SiteRow, super::DbError> {
    let from = row.status()?;
    row.status = to.as_str().to_owned();
    row.updated_at = super::now();
    diesel::update(sites::table.find(row.id.clone()))
        .set((
            sites::status.eq(&row.status),
            sites::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    record_status(conn, &row.id, Some(from), to, reason, by)?;
    Ok(row)
}

pub fn status_history(conn: &mut DbConnection, site_id: &str) -> QueryResult<Vec<StatusChangeRow>> {
    site_status_history::table
        .filter(site_status_history::site_id.eq(site_id))
        .select(StatusChangeRow::as_select())
        .order(site_status_history::id.asc())
        .load(conn)
}

pub fn producers_of(conn: &mut DbConnection, site_id: &str) -> QueryResult<Vec<String>> {
    site_producers::table
        .filter(site_producers::site_id.eq(site_id))
        .select(site_producers::producer_id)
        .order(site_producers::producer_id.asc())
        .load(conn)
}

pub fn is_linked(conn: &mut DbConnection, site_id: &str, producer_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        site_producers::table
            .filter(site_producers::site_id.eq(site_id))
            .filter(site_producers::producer_id.eq(producer_id.to_string())),
    ))
    .get_result(conn)
}

/// Link a producer; linking twice is harmless. Returns whether it was new.
pub fn link(conn: &mut DbConnection, site_id: &str, producer_id: Uuid) -> QueryResult<bool> {
    if is_linked(conn, site_id, producer_id)? {
        return Ok(false);
    }
    diesel::insert_into(site_producers::table)
        .values((
            site_producers::site_id.eq(site_id),
            site_producers::producer_id.eq(producer_id.to_string()),
            site_producers::linked_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(true)
}

pub fn unlink(conn: &mut DbConnection, site_id: &str, producer_id: Uuid) -> QueryResult<bool> {
    diesel::delete(
        site_producers::table
            .filter(site_producers::site_id.eq(site_id))
            .filter(site_producers::producer_id.eq(producer_id.to_string())),
    )
    .execute(conn)
    .map(|n| n > 0)
}

#[derive(Debug, Clone, Default)]
pub struct SiteFilter {
    /// Only sites linked to this producer.
    pub producer_id: Option<Uuid>,
    pub status: Option<SiteStatus>,
    pub province: Option<String>,
    pub district: Option<String>,
    pub target_market: Option<String>,
    /// Part of the code or name.
    pub q: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    kind: SiteKind,
    f: &SiteFilter,
    page: Page,
) -> QueryResult<Paginated<SiteRow>> {
    let query = || {
        let mut q = sites::table
            .filter(sites::kind.eq(kind.as_str()))
            .into_boxed();
        if let Some(id) = f.producer_id {
            let linked = site_producers::table
                .filter(site_producers::producer_id.eq(id.to_string()))
                .select(site_producers::site_id);
            q = q.filter(sites::id.eq_any(linked));
        }
        if let Some(status) = f.status {
            q = q.filter(sites::status.eq(status.as_str()));
        }
        if let Some(v) = &f.province {
            q = q.filter(sites::province.eq(v.clone()));
        }
        if let Some(v) = &f.district {
            q = q.filter(sites::district.eq(v.clone()));
        }
        if let Some(v) = &f.target_market {
            q = q.filter(sites::target_market.eq(v.clone()));
        }
        if let Some(text) = &f.q {
            let pattern = super::contains_pattern(text);
            q = q.filter(
                sites::code
                    .like(pattern.to_uppercase())
                    .escape('\\')
                    .or(sites::name.like(pattern).escape('\\')),
            );
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(SiteRow::as_select())
        .order(sites::code.asc())
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(Paginated::new(rows, page, total))
}
