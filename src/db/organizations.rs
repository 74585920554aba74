//! Organizations table.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::organizations;
use super::{DbConnection, DbError};
use crate::domain::organization::{Address, Contact, NewOrganization, OrgKind, ProducerType};
use crate::domain::pagination::{Page, Paginated};
use crate::domain::text::fold_for_search;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    pub id: String,
    pub name: String,
    pub name_search: String,
    pub kind: String,
    pub producer_type: Option<String>,
    pub tax_code: Option<String>,
    pub province: String,
    pub district: Option<String>,
    pub commune: Option<String>,
    pub street: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An organization as the rest of the program sees it.
#[derive(Debug, Clone)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKind,
    pub producer_type: Option<ProducerType>,
    pub tax_code: Option<String>,
    pub address: Address,
    pub contact: Contact,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TryFrom<OrganizationRow> for Organization {
    type Error = super::DbError;

    fn try_from(row: OrganizationRow) -> Result<Self, super::DbError> {
        Ok(Self {
            id: super::stored_uuid(&row.id)?,
            name: row.name,
            kind: super::stored_enum("organization kind", &row.kind, OrgKind::parse)?,
            producer_type: row
                .producer_type
                .as_deref()
                .map(|t| super::stored_enum("producer type", t, ProducerType::parse))
                .transpose()?,
            tax_code: row.tax_code,
            address: Address {
                province: row.province,
                district: row.district,
                commune: row.commune,
                street: row.street,
            },
            contact: Contact {
                name: row.contact_name,
                phone: row.contact_phone,
                email: row.contact_email,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

pub fn insert(conn: &mut DbConnection, org: &NewOrganization) -> Result<Organization, DbError> {
    let now = super::now();
    let row = OrganizationRow {
        id: Uuid::now_v7().to_string(),
        name: org.name.clone(),
        name_search: fold_for_search(&org.name),
        kind: org.kind.as_str().to_owned(),
        producer_type: org.producer_type.map(|p| p.as_str().to_owned()),
        tax_code: org.tax_code.clone(),
        province: org.address.province.clone(),
        district: org.address.district.clone(),
        commune: org.address.commune.clone(),
        street: org.address.street.clone(),
        contact_name: org.contact.name.clone(),
        contact_phone: org.contact.phone.clone(),
        contact_email: org.contact.email.clone(),
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(organizations::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<Organization>, DbError> {
    organizations::table
        .find(id.to_string())
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?
        .map(Organization::try_from)
        .transpose()
}

pub fn tax_code_taken(conn: &mut DbConnection, tax_code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organizations::table.filter(organizations::tax_code.eq(tax_code)),
    ))
    .get_result(conn)
}

#[derive(Debug, Clone, Default)]
pub struct OrganizationFilter {
    pub kind: Option<OrgKind>,
    pub province: Option<String>,
    /// Matched against the name without diacritics.
    pub q: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &OrganizationFilter,
    page: Page,
) -> Result<Paginated<Organization>, DbError> {
    let query = || {
        let mut q = organizations::table.into_boxed();
        if let Some(kind) = filter.kind {
            q = q.filter(organizations::kind.eq(kind.as_str()));
        }
        if let Some(province) = &filter.province {
            q = q.filter(organizations::province.eq(province.clone()));
        }
        if let Some(text) = &filter.q {
            q = q.filter(
                organizations::name_search
                    .like(super::contains_pattern(&fold_for_search(text)))
                    .escape('\\'),
            );
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(OrganizationRow::as_select())
        .order((organizations::name_search.asc(), organizations::id.asc()))
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(Paginated::new(
        rows.into_iter()
            .map(Organization::try_from)
            .collect::<Result<_, _>>()?,
        page,
        total,
    ))
}
