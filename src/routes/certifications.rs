//! Certifications (VietGAP, HACCP, organic…): producers record their own,
//! the authority anyone's.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use super::list_answer::list_answer;
use crate::auth::{Authorized, Principal, ProducerOrAuthority};
use crate::db::certifications::{CertificationFilter, CertificationRow};
use crate::db::{self, DbConnection};
use crate::domain::certification::{CertScheme, CertificationDraft, parse_certification};
use crate::domain::organization::OrgKind;
use crate::domain::pagination::{PageQuery, Paginated};
use crate::domain::time::today;
use crate::error::ApiError;
use crate::extract::{ApiJson, ListQuery, PathId};
use crate::services::certifications::{self, CertificationOut};

/// Record a certification: a producer for itself or its products, the
/// authority for any producer.
#[utoipa::path(
    tag = "certifications",
    security(("bearer" = [])),
    request_body = CertificationDraft,
    responses((status = 201, body = CertificationOut), (status = 422, response = crate::error::ProblemResponse))
)]
#[post("/certifications")]
pub async fn create_certification(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOrAuthority>,
    body: ApiJson<CertificationDraft>,
) -> Result<HttpResponse, ApiError> {
    let (draft, cert) = body.check(|d| parse_certification(d).map(|c| (d.clone(), c)))?;
    let who = caller.principal;
    let out = state
        .services
        .registry_write(move |conn| certifications::record(conn, &who, &draft, &cert))
        .await?;
    Ok(HttpResponse::Created().json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CertificationListQuery {
    pub producer_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub scheme: Option<CertScheme>,
    /// Only certificates valid today.
    pub valid: Option<bool>,
}

/// List certifications: a producer sees its own, everyone else all.
#[utoipa::path(
    tag = "certifications",
    security(("bearer" = [])),
    params(CertificationListQuery, PageQuery),
    responses((status = 200, body = Paginated<CertificationOut>))
)]
#[get("/certifications")]
pub async fn list_certifications(
    state: web::Data<AppState>,
    principal: Principal,
    query: ListQuery<CertificationListQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format;
    let (q, page) = (query.filters, query.page);
    let today = today();
    let filter = CertificationFilter {
        producer_id: principal.own_producer_scope().or(q.producer_id),
        product_id: q.product_id,
        scheme: q.scheme,
        valid_on: q.valid.filter(|v| *v).map(|_| today),
    };
    let out = state
        .services
        .read(move |conn| {
            db::certifications::list(conn, &filter, page)?
                .try_map(|row| CertificationOut::from_row(&row, today))
        })
        .await?;
    list_answer(format, "certifications", out)
}

fn load_visible(
    conn: &mut DbConnection,
    who: &Principal,
    id: Uuid,
) -> Result<CertificationRow, ApiError> {
    db::certifications::find(conn, id)?
        .filter(|c| who.can_see(&c.producer_id))
        .ok_or_else(|| ApiError::not_found("no such certification"))
}

/// One certification.
#[utoipa::path(
    tag = "certifications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CertificationOut), (status = 404, response = crate::error::ProblemResponse))
)]
#[get("/certifications/{id}")]
pub async fn get_certification(
    state: web::Data<AppState>,
    principal: Principal,
    PathId(id): PathId,
) -> Result<web::Json<CertificationOut>, ApiError> {
    let out = state
        .services
        .read(move |conn| CertificationOut::from_row(&load_visible(conn, &principal, id)?, today()))
        .await?;
    Ok(web::Json(out))
}

/// Fields of a certification that can be corrected (all of them but its holder).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationPatch {
    pub scheme: Option<CertScheme>,
    pub scheme_name: Option<String>,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

/// Correct a certification, e.g. after renewal. A producer changes only the
/// records it made itself; one recorded by the authority is the authority's
/// to change (403 for the producer). Every change is in the audit log.
#[utoipa::path(
    tag = "certifications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = CertificationPatch,
    responses(
        (status = 200, body = CertificationOut),
        (status = 403, response = crate::error::ProblemResponse),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[patch("/certifications/{id}")]
pub async fn update_certification(
    state: web::Data<AppState>,
    caller: Authorized<ProducerOrAuthority>,
    PathId(id): PathId,
    body: ApiJson<CertificationPatch>,
) -> Result<web::Json<CertificationOut>, ApiError> {
    let patch = body.into_inner()?;
    let who = caller.principal;
    let out = state
        .services
        .registry_write(move |conn| {
            let row = load_visible(conn, &who, id)?;
            if who.is(OrgKind::Producer) && row.created_by != who.org_id.to_string() {
                return Err(ApiError::Forbidden(
                    "this certificate was recorded by the authority; only the authority can change it"
                        .into(),
                ));
            }
            let before = CertificationOut::from_row(&row, today())?;
            let draft = CertificationDraft {
                product_id: None,
                producer_id: None,
                scheme: patch.scheme.unwrap_or(before.scheme),
                scheme_name: patch.scheme_name.or(row.scheme_name.clone()),
                number: patch.number.unwrap_or(before.number.clone()),
                issuer: patch.issuer.unwrap_or(before.issuer.clone()),
                valid_from: patch.valid_from.unwrap_or(before.valid_from),
                valid_until: patch.valid_until.unwrap_or(before.valid_until),
            };
            let cert = parse_certification(&draft)?;
            let row = db::certifications::update(conn, row, &cert)?;
            let after = CertificationOut::from_row(&row, today())?;
            {
                let (b, a) = (
                    serde_json::to_value(&before).ok(),
                    serde_json::to_value(&after).ok(),
                );
                db::audit::record(
                    conn,
                    who.actor(),
                    "certification.update",
                    "certification",
                    &row.id,
                    b.as_ref(),
                    a.as_ref(),
                )?;
            }
            Ok(after)
        })
        .await?;
    Ok(web::Json(out))
}
