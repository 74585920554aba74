//! Request extractors that name the offending field when input is bad.
//!
//! actix's own `Json`/`Query` report serde errors without saying which field
//! failed; these wrap `serde_path_to_error` so every 400 says where.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::domain::reading::{self, Read, Unreadable};
use crate::error::{ApiError, FieldError};

/// Default limit for JSON bodies.
pub const DEFAULT_JSON_LIMIT: usize = 256 * 1024;

/// Limit for bulk bodies: 10,000 events or a delivery of 10,000 codes.
pub const BULK_JSON_LIMIT: usize = 8 * 1024 * 1024;

/// A JSON request body of at most `LIMIT` bytes. Every field that cannot be
/// read is reported at once (422), together with the rules the others break
/// when the handler checks them through [`ApiJson::check`]; JSON that does
/// not parse is a 400.
#[derive(Debug)]
pub struct ApiJson<T, const LIMIT: usize = DEFAULT_JSON_LIMIT>(Read<T>);

/// A JSON body of a bulk endpoint (up to [`BULK_JSON_LIMIT`]).
pub type BulkJson<T> = ApiJson<T, BULK_JSON_LIMIT>;

impl<T, const LIMIT: usize> ApiJson<T, LIMIT> {
    /// The body, or 422 listing every field that could not be read.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0.into_value().map_err(ApiError::Validation)
    }

    /// The body checked by `rules`: 422 lists the fields that could not be
    /// read and every rule the others break.
    pub fn check<U>(
        self,
        rules: impl FnOnce(&T) -> Result<U, Vec<FieldError>>,
    ) -> Result<U, ApiError> {
        self.0.check(rules).map_err(ApiError::Validation)
    }
}

/// Parse JSON bytes, reporting every field that cannot be read.
fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<Read<T>, ApiError> {
    reading::read_json(bytes).map_err(|unreadable| match unreadable {
        Unreadable::Syntax(reason) => {
            ApiError::bad_request(None, format!("malformed JSON: {reason}"))
        }
        Unreadable::Fields(errors) => ApiError::Validation(errors),
    })
}

fn is_json_content_type(req: &HttpRequest) -> bool {
    match req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        // Required: a body without it (or as text/plain) is what a web page
        // can make a visitor's browser send cross-site without a CORS
        // preflight, e.g. to the public location post.
        None => false,
        Some(ct) => {
            let mime = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        }
    }
}

/// Read a JSON body of at most `limit` bytes.
fn read_body<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Pin<Box<dyn Future<Output = Result<Read<T>, ApiError>>>> {
    let json_ok = is_json_content_type(req);
    let declared_len = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    Box::pin(async move {
        if !json_ok {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as application/json".into(),
            ));
        }
        if declared_len.is_some_and(|len| len > limit) {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        let mut body = web::BytesMut::with_capacity(declared_len.unwrap_or(1024).min(limit));
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| ApiError::bad_request(None, e.to_string()))?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        if body.is_empty() {
            return Err(ApiError::bad_request(
                None,
                "a JSON request body is required",
            ));
        }
        parse_json(&body)
    })
}

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for ApiJson<T, LIMIT> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload, LIMIT);
        Box::pin(async move { body.await.map(ApiJson) })
    }
}

/// A body a program sends as JSON or a browser's form sends as
/// `multipart/form-data` (the form's fields are read by its handler).
pub enum JsonOrForm<T> {
    Json(ApiJson<T>),
    Form(actix_multipart::Multipart),
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonOrForm<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("multipart/form-data"))
            });
        if is_form {
            let form = actix_multipart::Multipart::new(req.headers(), payload.take());
            return Box::pin(async move { Ok(JsonOrForm::Form(form)) });
        }
        let body = read_body(req, payload, DEFAULT_JSON_LIMIT);
        Box::pin(async move { body.await.map(|read| JsonOrForm::Json(ApiJson(read))) })
    }
}

/// An EPCIS document: JSON or JSON-LD (`application/ld+json`), up to the
/// capture file size limit announced in `GS1-EPCIS-Capture-File-Size-Limit`.
#[derive(Debug)]
pub struct EpcisBody(pub serde_json::Value);

impl FromRequest for EpcisBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload, crate::domain::epcis::CAPTURE_FILE_SIZE_LIMIT);
        Box::pin(async move {
            // Any JSON reads as a tree; only its syntax can fail.
            body.await?
                .into_value()
                .map(EpcisBody)
                .map_err(ApiError::Validation)
        })
    }
}

/// A query string, deserialized with the failing parameter named in the error.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T> ApiQuery<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

fn path_or_none(path: &serde_path_to_error::Path) -> Option<String> {
    let text = path.to_string();
    (text != "." && !text.is_empty()).then_some(text)
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
    serde_path_to_error::deserialize(de).map_err(|err| ApiError::BadRequest {
        field: path_or_none(err.path()),
        reason: err.inner().to_string(),
    })
}

fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

/// A list's query: its filters `T` and the checked page. `page` and
/// `per_page` are taken out before `T` is read, so a filter struct names
/// only its filters (and still refuses parameters it does not know).
#[derive(Debug)]
pub struct ListQuery<T> {
    pub filters: T,
    pub page: crate::domain::pagination::Page,
    pub format: crate::domain::pagination::ListFormat,
}

fn parse_list_query<T: DeserializeOwned>(
    query: &str,
    accepts_csv: bool,
) -> Result<ListQuery<T>, ApiError> {
    let mut filters = form_urlencoded::Serializer::new(String::new());
    let mut paging = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded_parse(query) {
        if matches!(name.as_ref(), "page" | "per_page" | "format") {
            paging.append_pair(&name, &value);
        } else {
            filters.append_pair(&name, &value);
        }
    }
    let paging: crate::domain::pagination::PageQuery = parse_query(&paging.finish())?;
    let (page, format) = paging.validate(accepts_csv)?;
    Ok(ListQuery {
        filters: parse_query(&filters.finish())?,
        page,
        format,
    })
}

/// Does the client ask for CSV in `Accept` (before any JSON)?
fn accepts_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            let position = |wanted: &str| {
                accept
                    .split(',')
                    .position(|item| item.split(';').next().is_some_and(|m| m.trim() == wanted))
            };
            match (position("text/csv"), position("application/json")) {
                (Some(csv), Some(json)) => csv < json,
                (csv, _) => csv.is_some(),
            }
        })
}

impl<T: DeserializeOwned> FromRequest for ListQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_list_query(req.query_string(), accepts_csv(req)))
    }
}

/// A list with no filters, only pages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFilters {}

/// The `{id}` of a path: a UUID, or a 400 naming `id`.
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub uuid::Uuid);

impl FromRequest for PathId {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(match req.match_info().get("id") {
            Some(raw) => parse_uuid("id", raw).map(PathId),
            None => Err(ApiError::internal("PathId on a route without {id}")),
        })
    }
}

/// Error handler for actix's own `Path` extractor.
pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(None, format!("invalid path parameter: {err}")).into()
}

/// Error handler for actix's own `Query` extractor (should it ever be used).
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(None, format!("invalid query string: {err}")).into()
}

/// Error handler for actix's own `Json` extractor (should it ever be used).
pub fn json_error(err: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge { limit }.into()
        }
        E::ContentType => ApiError::UnsupportedMediaType("send application/json".into()).into(),
        other => ApiError::bad_request(None, other.to_string()).into(),
    }
}

/// Parse a UUID path segment, naming the parameter when it is not one.
pub fn parse_uuid(field: &str, raw: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw.trim())
        .map_err(|_| ApiError::bad_request(Some(field), format!("'{raw}' is not a UUID")))
}

/// An optional `code` filter of a list: a trace code in any accepted form,
/// or 422 naming the parameter.
pub fn code_filter(raw: Option<&str>) -> Result<Option<crate::domain::code::TraceCode>, ApiError> {
    raw.map(|c| {
        crate::domain::code::TraceCode::parse(c)
            .map_err(|e| ApiError::invalid("code", e.to_string()))
    })
    .transpose()
}

/// `Idempotency-Key`: 1–255 visible ASCII characters. A retried POST with
/// the same key returns the first result instead of creating again.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::bad_request(
                Some("Idempotency-Key"),
                "must be 1 to 255 visible ASCII characters",
            )
        })?;
    Ok(Some(key.to_owned()))
}
