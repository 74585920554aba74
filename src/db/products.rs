//! Products and their OCOP ratings.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::DbConnection;
use super::schema::{ocop_ratings, organizations, product_pictures, products};
use crate::domain::ocop::{NewRating, OcopGroup};
use crate::domain::pagination::{Page, Paginated};
use crate::domain::product::ProductFields;
use crate::domain::text::fold_for_search;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = products, treat_none_as_null = true)]
pub struct ProductRow {
    pub id: String,
    pub producer_id: String,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub name_search: String,
    pub ocop_group: String,
    pub gtin: Option<String>,
    pub description_vi: Option<String>,
    pub description_en: Option<String>,
    pub image_url: Option<String>,
    pub unit: Option<String>,
    pub current_rating_id: Option<String>,
    pub ocop_stars: Option<i32>,
    pub ocop_expires_on: Option<NaiveDate>,
    pub archived_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ProductRow {
    pub fn fields(&self) -> Result<ProductFields, super::DbError> {
        Ok(ProductFields {
            name_vi: self.name_vi.clone(),
            name_en: self.name_en.clone(),
            group: super::stored_enum("OCOP group", &self.ocop_group, OcopGroup::parse)?,
            gtin: self
                .gtin
                .as_deref()
                .map(|g| {
                    crate::domain::gs1::Gtin::parse("gtin", g)
                        .map_err(|_| super::DbError::corrupt(format!("stored GTIN {g:?}")))
                })
                .transpose()?,
            description_vi: self.description_vi.clone(),
            description_en: self.description_en.clone(),
            image_url: self.image_url.clone(),
            unit: self.unit.clone(),
        })
    }

    fn set_fields(&mut self, f: &ProductFields) {
        self.name_vi = f.name_vi.clone();
        self.name_en = f.name_en.clone();
        self.name_search = fold_for_search(&format!(
            "{} {}",
            f.name_vi,
            f.name_en.as_deref().unwrap_or("")
        ));
        self.ocop_group = f.group.as_str().to_owned();
        self.gtin = f.gtin.as_ref().map(|g| g.as_str().to_owned());
        self.description_vi = f.description_vi.clone();
        self.description_en = f.description_en.clone();
        self.image_url = f.image_url.clone();
        self.unit = f.unit.clone();
    }
}

pub fn insert(
    conn: &mut DbConnection,
    producer_id: Uuid,
    fields: &ProductFields,
) -> QueryResult<ProductRow> {
    let now = super::now();
    let mut row = ProductRow {
        id: Uuid::now_v7().to_string(),
        producer_id: producer_id.to_string(),
        name_vi: String::new(),
        name_en: None,
        name_search: String::new(),
        ocop_group: String::new(),
        gtin: None,
        description_vi: None,
        description_en: None,
        image_url: None,
        unit: None,
        current_rating_id: None,
        ocop_stars: None,
        ocop_expires_on: None,
        archived_at: None,
        created_at: now,
        updated_at: now,
    };
    row.set_fields(fields);
    diesel::insert_into(products::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<ProductRow>> {
    products::table
        .find(id.to_string())
        .select(ProductRow::as_select())
        .first(conn)
        .optional()
}

/// The product with this GTIN-14, archived or not (printed labels keep
/// resolving).
pub fn find_by_gtin(conn: &mut DbConnection, gtin: &str) -> QueryResult<Option<ProductRow>> {
    products::table
        .filter(products::gtin.eq(gtin))
        .select(ProductRow::as_select())
        .first(conn)
        .optional()
}

pub fn gtin_taken_by_other(
    conn: &mut DbConnection,
    gtin: &str,
    except: Option<&str>,
) -> QueryResult<bool> {
    let mut q = products::table.filter(products::gtin.eq(gtin)).into_boxed();
    if let Some(id) = except {
        q = q.filter(products::id.ne(id.to_owned()));
    }
    q.count().get_result::<i64>(conn).map(|n| n > 0)
}

pub fn update_fields(
    conn: &mut DbConnection,
    mut row: ProductRow,
    fields: &ProductFields,
) -> QueryResult<ProductRow> {
    row.set_fields(fields);
    row.updated_at = super::now();
    diesel::update(products::table.find(row.id.clone()))
        .set(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn archive(conn: &mut DbConnection, mut row: ProductRow) -> QueryResult<ProductRow> {
    if row.archived_at.is_none() {
        let now = super::now();
        row.archived_at = Some(now);
        row.updated_at = now;
        diesel::update(products::table.find(row.id.clone()))
            .set((products::archived_at.eq(now), products::updated_at.eq(now)))
            .execute(conn)?;
    }
    Ok(row)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchiveFilter {
    #[default]
    Active,
    Archived,
    All,
}

#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Only this producer's products (always set for a producer caller).
    pub producer_id: Option<Uuid>,
    pub group: Option<OcopGroup>,
    /// Only products whose current rating is valid today with these stars.
    pub stars: Option<i32>,
    /// The producer's district.
    pub district: Option<String>,
    pub q: Option<String>,
    pub gtin: Option<String>,
    pub archived: ArchiveFilter,
}

pub fn list(
    conn: &mut DbConnection,
    f: &ProductFilter,
    today: NaiveDate,
    page: Page,
) -> QueryResult<Paginated<ProductRow>> {
    let query = || {
        let mut q = products::table.into_boxed();
        if let Some(id) = f.producer_id {
            q = q.filter(products::producer_id.eq(id.to_string()));
        }
        if let Some(group) = f.group {
            q = q.filter(products::ocop_group.eq(group.as_str()));
        }
        if let Some(stars) = f.stars {
            q = q
                .filter(products::ocop_stars.eq(stars))
                .filter(products::ocop_expires_on.ge(today));
        }
        if let Some(district) = &f.district {
            let in_district = organizations::table
                .filter(organizations::district.eq(district.clone()))
                .select(organizations::id);
            q = q.filter(products::producer_id.eq_any(in_district));
        }
        if let Some(text) = &f.q {
            q = q.filter(
                products::name_search
                    .like(super::contains_pattern(&fold_for_search(text)))
                    .escape('\\'),
            );
        }
        if let Some(gtin) = &f.gtin {
            q = q.filter(products::gtin.eq(gtin.clone()));
        }
        match f.archived {
            ArchiveFilter::Active => q = q.filter(products::archived_at.is_null()),
            ArchiveFilter::Archived => q = q.filter(products::archived_at.is_not_null()),
            ArchiveFilter::All => {}
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(ProductRow::as_select())
        .order((products::name_search.asc(), products::id.asc()))
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(Paginated::new(rows, page, total))
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ocop_ratings)]
pub struct RatingRow {
    pub id: String,
    pub product_id: String,
    pub stars: i32,
    pub certificate_number: String,
    pub level: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub awarded_by: String,
    pub created_at: NaiveDateTime,
}

/// Store a rating; it becomes the current one unless a later-issued rating exists.
pub fn insert_rating(
    conn: &mut DbConnection,
    product: &ProductRow,
    rating: &NewRating,
    awarded_by: Uuid,
) -> QueryResult<RatingRow> {
    let row = RatingRow {
        id: Uuid::now_v7().to_string(),
        product_id: product.id.clone(),
        stars: i32::from(rating.stars),
        certificate_number: rating.certificate_number.clone(),
        level: rating.level.as_str().to_owned(),
        issued_on: rating.issued_on,
        expires_on: rating.expires_on,
        awarded_by: awarded_by.to_string(),
        created_at: super::now(),
    };
    diesel::insert_into(ocop_ratings::table)
        .values(&row)
        .execute(conn)?;
    let current = match &product.current_rating_id {
        Some(id) => ocop_ratings::table
            .find(id.clone())
            .select(RatingRow::as_select())
            .first(conn)
            .optional()?,
        None => None,
    };
    if current.is_none_or(|c| c.issued_on <= row.issued_on) {
        diesel::update(products::table.find(product.id.clone()))
            .set((
                products::current_rating_id.eq(Some(row.id.clone())),
                products::ocop_stars.eq(Some(row.stars)),
                products::ocop_expires_on.eq(Some(row.expires_on)),
                products::updated_at.eq(super::now()),
            ))
            .execute(conn)?;
    }
    Ok(row)
}

pub fn current_rating(
    conn: &mut DbConnection,
    product: &ProductRow,
) -> QueryResult<Option<RatingRow>> {
    match &product.current_rating_id {
        Some(id) => ocop_ratings::table
            .find(id.clone())
            .select(RatingRow::as_select())
            .first(conn)
            .optional(),
        None => Ok(None),
    }
}

/// Current ratings of many products at once (for lists).
pub fn ratings_by_id(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<RatingRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    ocop_ratings::table
        .filter(ocop_ratings::id.eq_any(ids))
        .select(RatingRow::as_select())
        .load(conn)
}

pub fn rating_history(conn: &mut DbConnection, product_id: &str) -> QueryResult<Vec<RatingRow>> {
    ocop_ratings::table
        .filter(ocop_ratings::product_id.eq(product_id))
        .select(RatingRow::as_select())
        .order((
            ocop_ratings::issued_on.desc(),
            ocop_ratings::created_at.desc(),
        ))
        .load(conn)
}

/// Products' current ratings whose expiry day is in `[from, until]` (either
/// side open), soonest first, with each product's producer.
pub fn current_ratings(
    conn: &mut DbConnection,
    producer_id: Option<Uuid>,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    page: Page,
) -> QueryResult<Paginated<(RatingRow, ProductRow, ProducerContact)>> {
    let query = || {
        let mut q = ocop_ratings::table
            .inner_join(
                products::table.on(products::current_rating_id.eq(ocop_ratings::id.nullable())),
            )
            .inner_join(organizations::table.on(organizations::id.eq(products::producer_id)))
            .filter(products::archived_at.is_null())
            .into_boxed();
        if let Some(from) = from {
            q = q.filter(ocop_ratings::expires_on.ge(from));
        }
        if let Some(until) = until {
            q = q.filter(ocop_ratings::expires_on.le(until));
        }
        if let Some(id) = producer_id {
            q = q.filter(products::producer_id.eq(id.to_string()));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select((
            RatingRow::as_select(),
            ProductRow::as_select(),
            ProducerContact::as_select(),
        ))
        .order((ocop_ratings::expires_on.asc(), ocop_ratings::id.asc()))
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(Paginated::new(rows, page, total))
}

/// Who to call about a product: its producer's name and phone.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct ProducerContact {
    pub name: String,
    pub contact_phone: Option<String>,
}

/// Codes issued for the product's batches at or after `since` (finished
/// runs only: a run still being issued is not yet a fact).
pub fn codes_issued_since(
    conn: &mut DbConnection,
    product_id: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    use super::schema::{batches, code_runs};
    let issued: Option<i64> = code_runs::table
        .inner_join(batches::table)
        .filter(batches::product_id.eq(product_id))
        .filter(code_runs::created_at.ge(since))
        .filter(code_runs::pending_until.is_null())
        .select(diesel::dsl::sum(code_runs::count))
        .first(conn)?;
    Ok(issued.unwrap_or(0))
}

/// Where the scan page finds a product's picture: a path on this service,
/// versioned by the picture's hash so it can be cached for good.
pub fn picture_path(product_id: &str, sha256: &str) -> String {
    format!(
        "/images/products/{product_id}.jpg?v={}",
        &sha256[..sha256.len().min(12)]
    )
}

/// Store a product's picture (replacing any) and point the product at it.
pub struct NewPicture<'a> {
    pub jpeg: &'a [u8],
    pub sha256: &'a str,
    pub width: u32,
    pub height: u32,
}

pub fn put_picture(
    conn: &mut DbConnection,
    product_id: &str,
    picture: &NewPicture<'_>,
) -> QueryResult<()> {
    diesel::delete(product_pictures::table.find(product_id)).execute(conn)?;
    diesel::insert_into(product_pictures::table)
        .values((
            product_pictures::product_id.eq(product_id),
            product_pictures::jpeg.eq(picture.jpeg),
            product_pictures::sha256.eq(picture.sha256),
            product_pictures::width.eq(i32::try_from(picture.width).unwrap_or(i32::MAX)),
            product_pictures::height.eq(i32::try_from(picture.height).unwrap_or(i32::MAX)),
            product_pictures::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    set_image_url(
        conn,
        product_id,
        Some(&picture_path(product_id, picture.sha256)),
    )
}

/// Remove a product's picture.
pub fn delete_picture(conn: &mut DbConnection, product_id: &str) -> QueryResult<()> {
    diesel::delete(product_pictures::table.find(product_id)).execute(conn)?;
    set_image_url(conn, product_id, None)
}

fn set_image_url(conn: &mut DbConnection, product_id: &str, url: Option<&str>) -> QueryResult<()> {
    diesel::update(products::table.find(product_id))
        .set((
            products::image_url.eq(url),
            products::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A product's picture: the JPEG and its hash.
pub fn find_picture(
    conn: &mut DbConnection,
    product_id: &str,
) -> QueryResult<Option<(Vec<u8>, String)>> {
    product_pictures::table
        .find(product_id)
        .select((product_pictures::jpeg, product_pictures::sha256))
        .first(conn)
        .optional()
}
