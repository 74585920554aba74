//! GLN links (AI 414): a farming area or packing facility the authority
//! gave a GLN resolves to its public page. A GLN extension (AI 254) names a
//! part of a place we do not record, so it walks up to the place.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::{anchor, facts_answer, facts_link, language, other_language_href};
use crate::error::ApiError;
use crate::routes::pages::facts_page::site_page;
use crate::routes::{AppState, digital_link_of, link_request, resolver_links, walk_up_to};
use crate::services::resolver::{SiteFacts, site_facts};

/// A farming area or packing facility, by its GLN (public): its code, name,
/// place, status (a suspension with its reason) and markets.
#[utoipa::path(
    tag = "public",
    params(("gln" = String, Path, description = "GLN, 13 digits with check digit")),
    responses(
        (status = 200, description = "The place's facts (a page for a browser, JSON for `Accept: application/json` or `?format=json`); with `linkType=all`/`linkset` or `Accept: application/linkset+json`, its RFC 9264 linkset", content((SiteFacts = "application/json"), (String = "text/html"), (serde_json::Value = "application/linkset+json"))),
        (status = 307, description = "`linkType=gs1:…` names one of the place's links: to it"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/414/{gln}")]
pub async fn resolve_place(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    place(&state, &req).await
}

async fn place(state: &AppState, req: &HttpRequest) -> Result<HttpResponse, ApiError> {
    let link = digital_link_of(req)?;
    if !link.qualifiers.is_empty() {
        return Ok(walk_up_to(&link.keeping(|_| false)));
    }
    let lang = language(req, &link);
    let gln = link.key.value.clone();
    let facts = state
        .services
        .read(move |conn| site_facts(conn, &gln))
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no farming area or packing facility with GLN {} is registered here",
                link.key.value
            ))
        })?;
    let here = anchor(state, &link);
    let title = format!("{} — {}", facts.site.code, facts.site.name);
    let links = [
        facts_link("gs1:defaultLink", &here, &title),
        facts_link("gs1:locationInfo", &here, &title),
    ];
    if let Some(answer) = resolver_links(&link_request(req, &link), &here, &links) {
        return Ok(answer);
    }
    let other = other_language_href(&link, lang);
    Ok(facts_answer(req, &link, &facts, &here, |f| {
        site_page(f, lang, &other)
    }))
}

/// A part of a place, by GLN and GLN extension (AI 254) (public).
///
/// We record no parts of places: a 307 to the place, `/414/{gln}`, keeping
/// the query (a malformed link is a 400 first).
#[utoipa::path(
    tag = "public",
    params(
        ("gln" = String, Path, description = "GLN, 13 digits with check digit"),
        ("extension" = String, Path, description = "GLN extension component (AI 254)"),
    ),
    responses(
        (status = 307, description = "To the place, `/414/{gln}`"),
        (status = 400, response = crate::error::ProblemResponse),
    )
)]
#[get("/414/{gln}/254/{extension}")]
pub async fn resolve_place_part(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    place(&state, &req).await
}
