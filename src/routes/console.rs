//! The web console's front door: sign-in with an API key, a session cookie,
//! each role's first page, sign-out. Pages only: the use cases are in
//! `services::console` and the services the API uses.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::pages::console_page::{self, SignInProblem};
use super::request_language;
use crate::domain::scan::Lang;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::services::console::{ConsoleSession, SESSION_TTL};

/// The cookie that holds a console session's token.
pub const SESSION_COOKIE: &str = "ocop_console";
/// Where the cookie is sent: the console only, never the API or the scan pages.
const COOKIE_PATH: &str = "/console";
const SIGN_IN: &str = "/console/sign-in";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsoleQuery {
    /// `vi` (default) or `en`; otherwise from `Accept-Language`.
    pub lang: Option<String>,
}

/// The longest API key the form takes (ours are 48 characters).
const MAX_KEY_LENGTH: usize = 200;

/// The sign-in form's fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SignInForm {
    /// The API key, as printed once when it was created.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 200)]
    pub api_key: Option<String>,
    /// `vi` or `en`: the console's language from here on.
    pub lang: Option<String>,
}

/// The sign-out form's field.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SignOutForm {
    /// The session's form token, from the page the form was on.
    #[schema(required = true, value_type = String, pattern = r"^[A-Za-z0-9_-]{43}$")]
    pub csrf_token: Option<String>,
}

/// A form token as the service makes them (43 characters; base64url
/// characters accepted too).
fn is_form_token(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A form body: only `application/x-www-form-urlencoded`; fields it does
/// not know are ignored, as a browser's extra fields are.
fn read_form<T: for<'de> Deserialize<'de> + Default>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Err(ApiError::UnsupportedMediaType(
            "send the form as application/x-www-form-urlencoded".into(),
        ));
    }
    serde_urlencoded::from_bytes(body).map_err(|e| ApiError::BadRequest {
        field: None,
        reason: format!("the form cannot be read: {e}"),
    })
}

fn cookie_token(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// The session cookie: readable by the server only, sent only to the
/// console on same-site requests, and only over TLS where the service is.
fn session_cookie(state: &AppState, value: String, max_age: std::time::Duration) -> String {
    let secure = state.settings.public_base_url.starts_with("https://");
    let mut cookie = actix_web::cookie::Cookie::build(SESSION_COOKIE, value)
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Strict)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::seconds(
            i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX),
        ))
        .finish();
    if max_age.is_zero() {
        cookie.make_removal();
    }
    cookie.to_string()
}

fn see_other(to: &str) -> actix_web::HttpResponseBuilder {
    let mut answer = HttpResponse::SeeOther();
    answer
        .insert_header((header::LOCATION, to.to_owned()))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    answer
}

/// The language goes along explicitly: the browser's `Accept-Language`
/// may name another (a shop's PC set to English), and the page the person
/// chose decides.
fn with_lang(path: &str, lang: Lang) -> String {
    format!("{path}?lang={}", lang.as_str())
}

/// The session this request's cookie names, if it is live.
async fn signed_in(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<ConsoleSession>, ApiError> {
    match cookie_token(req) {
        Some(token) => state.services.console_session(&token).await,
        None => Ok(None),
    }
}

/// The console's sign-in page (Vietnamese by default).
#[utoipa::path(
    tag = "console",
    params(ConsoleQuery),
    responses(
        (status = 200, description = "The sign-in form", content_type = "text/html", body = String),
        (status = 400, response = crate::error::ProblemResponse),
    )
)]
#[get("/console/sign-in")]
pub async fn sign_in_page(req: HttpRequest, query: ApiQuery<ConsoleQuery>) -> HttpResponse {
    let lang = request_language(&req, query.into_inner().lang.as_deref());
    console_page::sign_in(lang, None)
}

/// Sign in with an API key: a session cookie for eight hours, then the
/// first page. A key that is unknown or revoked is said next to the field.
#[utoipa::path(
    tag = "console",
    request_body(content = SignInForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed in: to `/console`, with the session cookie"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 401, description = "Unknown or revoked key: the form again, saying so", content_type = "text/html", body = String),
        (status = 415, response = crate::error::ProblemResponse),
        (status = 422, description = "No key given, or one longer than any key: the form again, saying so", content_type = "text/html", body = String),
    )
)]
#[post("/console/sign-in")]
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let form: SignInForm = read_form(&req, &body)?;
    let lang = request_language(&req, form.lang.as_deref());
    let key = form.api_key.unwrap_or_default();
    if key.trim().is_empty() {
        return Ok(console_page::sign_in(lang, Some(SignInProblem::Missing)));
    }
    if key.chars().count() > MAX_KEY_LENGTH {
        return Ok(console_page::sign_in(lang, Some(SignInProblem::TooLong)));
    }
    let Some(session) = state.services.console_sign_in(&key).await? else {
        return Ok(console_page::sign_in(lang, Some(SignInProblem::Unknown)));
    };
    Ok(see_other(&with_lang("/console", lang))
        .insert_header((
            header::SET_COOKIE,
            session_cookie(&state, session.token, SESSION_TTL),
        ))
        .finish())
}

/// The signed-in organization's first page: a producer's products and
/// batches; for the other roles, the registry's size. Not signed in: to
/// the sign-in page.
#[utoipa::path(
    tag = "console",
    params(ConsoleQuery),
    responses(
        (status = 200, description = "The first page", content_type = "text/html", body = String),
        (status = 303, description = "Not signed in (or the session ended): to `/console/sign-in`"),
        (status = 400, response = crate::error::ProblemResponse),
    )
)]
#[get("/console")]
pub async fn dashboard(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ApiQuery<ConsoleQuery>,
) -> Result<HttpResponse, ApiError> {
    let lang = request_language(&req, query.into_inner().lang.as_deref());
    let Some(session) = signed_in(&state, &req).await? else {
        return Ok(see_other(&with_lang(SIGN_IN, lang)).finish());
    };
    let dashboard = state.services.console_dashboard(&session.principal).await?;
    Ok(console_page::dashboard(lang, &session, &dashboard))
}

/// Sign out: the session ends on every node at once, the cookie is cleared.
#[utoipa::path(
    tag = "console",
    request_body(content = SignOutForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed out (or not signed in): to `/console/sign-in`"),
        (status = 400, response = crate::error::ProblemResponse),
        (status = 403, description = "The form's token is not this session's (a request forged by another site)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[post("/console/sign-out")]
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let form: SignOutForm = read_form(&req, &body)?;
    let csrf = form.csrf_token.unwrap_or_default();
    if !is_form_token(&csrf) {
        return Err(ApiError::invalid(
            "csrf_token",
            "must be the form token of the page the form was on",
        ));
    }
    if let Some(token) = cookie_token(&req)
        && let Some(session) = state.services.console_session(&token).await?
    {
        if csrf != session.csrf_token {
            return Err(ApiError::Forbidden(
                "the form's csrf_token is not this session's".into(),
            ));
        }
        state.services.console_sign_out(&token).await?;
    }
    Ok(see_other(SIGN_IN)
        .insert_header((
            header::SET_COOKIE,
            session_cookie(&state, String::new(), std::time::Duration::ZERO),
        ))
        .finish())
}
