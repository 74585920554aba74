//! `/` and `/c/`: the landing page a shopper reaches without a code, with
//! a box to type the code printed under the QR.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Deserialize;
use utoipa::IntoParams;

use super::pages::landing::{landing, typing_error};
use crate::domain::code::TraceCode;
use crate::domain::scan::Lang;
use crate::extract::ApiQuery;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LandingQuery {
    /// A code as typed: any case, with or without hyphens or spaces.
    pub code: Option<String>,
    /// `vi` (default) or `en`; otherwise from `Accept-Language`.
    pub lang: Option<String>,
}

fn answer(req: &HttpRequest, query: LandingQuery) -> HttpResponse {
    let lang = super::request_language(req, query.lang.as_deref());
    let typed = query.code.unwrap_or_default();
    // Spaces as people type them in groups ("8KJ2 QW4M …").
    let compact: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return landing(lang, req.path(), "", None);
    }
    match TraceCode::parse(&compact) {
        Ok(code) => {
            let location = match (lang, query.lang.is_some()) {
                (Lang::Vi, _) | (_, false) => format!("/c/{code}"),
                (other, true) => format!("/c/{code}?lang={}", other.as_str()),
            };
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish()
        }
        Err(error) => landing(lang, req.path(), &typed, Some(typing_error(&error, lang))),
    }
}

/// The landing page (public, Vietnamese first): what the service is, and a
/// box to type a code. With `code`, a code that reads is sent on to its
/// page (`303` to `/c/{code}`, where an unknown one is a 404); one whose
/// check character does not match is "mistyped" and one that is no code at
/// all says what a code looks like (both `422`, the page again).
#[utoipa::path(
    tag = "public",
    params(LandingQuery),
    responses(
        (status = 200, description = "The landing page", content_type = "text/html", body = String),
        (status = 303, description = "The typed code reads: on to `/c/{code}`", headers(("Location" = String))),
        (status = 422, description = "The page again, saying the code is mistyped or not a code", content_type = "text/html", body = String),
    )
)]
#[get("/")]
pub async fn home(req: HttpRequest, query: ApiQuery<LandingQuery>) -> HttpResponse {
    answer(&req, query.into_inner())
}

/// The landing page at `/c/` (a scan URL without its code), as `/`.
#[utoipa::path(
    tag = "public",
    params(LandingQuery),
    responses(
        (status = 200, description = "The landing page", content_type = "text/html", body = String),
        (status = 303, description = "The typed code reads: on to `/c/{code}`", headers(("Location" = String))),
        (status = 422, description = "The page again, saying the code is mistyped or not a code", content_type = "text/html", body = String),
    )
)]
#[get("/c/")]
pub async fn scan_without_code(req: HttpRequest, query: ApiQuery<LandingQuery>) -> HttpResponse {
    answer(&req, query.into_inner())
}
