//! "Báo hàng giả": a shopper reports a package as a suspected fake from its
//! scan page. A browser posts the form (`multipart/form-data`, a photo
//! optional) and is shown the answer as a page; a program posts JSON and is
//! answered in JSON. Public, rate-limited per client, nothing of the
//! client's address kept.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use super::pages::report_page::{ReportForm, form_page, report_href, thanks_page};
use super::pages::scan_page::not_found;
use crate::domain::code::{CodeError, TraceCode};
use crate::domain::counterfeit::{MAX_PHOTO_BYTES, ReportDraft, ReportProblem, parse_report};
use crate::domain::scan::Lang;
use crate::error::{ApiError, FieldError};
use crate::extract::JsonOrForm;
use crate::services::counterfeit::Report;
use crate::services::scan::CodeView;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `vi` (default) or `en`; otherwise from `Accept-Language`.
    pub lang: Option<String>,
    /// `1` after a report was sent: the thank-you.
    #[param(inline)]
    pub sent: Option<SentFlag>,
}

/// The one value of `sent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum SentFlag {
    #[serde(rename = "1")]
    Yes,
}

/// The form as a browser sends it (`multipart/form-data`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ReportUpload {
    #[schema(example = "Chợ Phương Lâm, TP Hòa Bình")]
    where_bought: Option<String>,
    note: Option<String>,
    phone: Option<String>,
    /// A JPEG or PNG photo, at most 2 MB; re-encoded, its EXIF dropped.
    #[schema(value_type = Option<String>, format = Binary)]
    photo: Option<Vec<u8>>,
}

/// A report kept.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportReceiptOut {
    pub report_id: Uuid,
    /// The code's `counterfeit_report` alert, as the producer and the
    /// authority see it in `GET /api/v1/alerts`.
    pub alert_id: Uuid,
}

fn language(req: &HttpRequest, query: &ReportQuery) -> Lang {
    super::request_language(req, query.lang.as_deref())
}

/// The registered code of the path, or the page (or JSON) that says it is
/// not one.
async fn registered(
    state: &AppState,
    req: &HttpRequest,
    raw: &str,
    lang: Lang,
    json: bool,
) -> Result<Result<(TraceCode, CodeView), HttpResponse>, ApiError> {
    let code = match TraceCode::parse(raw) {
        Ok(code) => code,
        Err(error) => {
            let mistyped = error == CodeError::Check;
            return Ok(Err(not_found(lang, raw, req.path(), json, mistyped)));
        }
    };
    Ok(match state.services.code_view(code).await? {
        Some(found) => Ok((code, found)),
        None => Err(not_found(lang, raw, req.path(), json, false)),
    })
}

/// What every answer of the form names: the code and its product, in the
/// page's language.
struct Subject {
    code: String,
    grouped: String,
    product_name: String,
    lang: Lang,
}

impl Subject {
    fn of(code: TraceCode, found: &CodeView, lang: Lang) -> Self {
        let product = &found.context.product;
        let product_name = match (lang, &product.name_en) {
            (Lang::En, Some(english)) => english.clone(),
            _ => product.name_vi.clone(),
        };
        Self {
            code: code.to_string(),
            grouped: code.grouped(),
            product_name,
            lang,
        }
    }

    fn form<'a>(
        &'a self,
        typed: &'a ReportDraft,
        problems: &'a [ReportProblem],
        general_error: Option<&'static str>,
    ) -> ReportForm<'a> {
        ReportForm {
            code: &self.code,
            code_grouped: &self.grouped,
            product_name: &self.product_name,
            lang: self.lang,
            typed,
            problems,
            general_error,
        }
    }
}

/// The report form of a registered code (public; no scan is recorded).
#[utoipa::path(
    tag = "public",
    params(("code" = String, Path), ReportQuery),
    responses(
        (status = 200, description = "The form, or the thank-you (`sent=1`)", content_type = "text/html"),
        (status = 404, description = "Not a registered code", content_type = "text/html"),
    )
)]
#[get("/c/{code}/report")]
pub async fn report_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    query: crate::extract::ApiQuery<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let lang = language(&req, &query);
    let (code, found) = match registered(&state, &req, &code, lang, false).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let subject = Subject::of(code, &found, lang);
    let empty = ReportDraft::default();
    let form = subject.form(&empty, &[], None);
    Ok(if query.sent == Some(SentFlag::Yes) {
        thanks_page(&form)
    } else {
        form_page(&form, StatusCode::OK)
    })
}

/// Report a package as a suspected fake (public, rate-limited: a few
/// reports per client, one more every 20 minutes). Every field is optional:
/// where it was bought, what looked wrong, a phone number to be called back
/// on, and (from the form) a photo up to 2 MB, re-encoded without its EXIF.
/// The report is kept under the code's `counterfeit_report` alert (a watch:
/// only the producer or the authority can confirm it, which then warns
/// later scans) and sent to them as a `counterfeit_report` webhook. A form
/// is answered with a page (303 to the thank-you; 422 with each problem
/// next to its field); JSON with JSON.
#[utoipa::path(
    tag = "public",
    params(("code" = String, Path), ReportQuery),
    request_body(content(
        (ReportDraft = "application/json"),
        (ReportUpload = "multipart/form-data"),
    )),
    responses(
        (status = 201, body = ReportReceiptOut),
        (status = 303, description = "Sent from the form: to the thank-you page"),
        // A form is answered with a page, JSON with a problem.
        (status = 404, description = "Not a registered code", content(
            (crate::error::Problem = "application/problem+json"),
            (String = "text/html"),
        )),
        (status = 422, description = "What to mend, next to each field", content(
            (crate::error::Problem = "application/problem+json"),
            (String = "text/html"),
        )),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[post("/c/{code}/report")]
pub async fn send_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    query: crate::extract::ApiQuery<ReportQuery>,
    body: JsonOrForm<ReportDraft>,
) -> Result<HttpResponse, ApiError> {
    let addr = state.limiter.client_addr(&req);
    if let Some(addr) = addr {
        state.limiter.check(addr)?;
    }
    let query = query.into_inner();
    let lang = language(&req, &query);
    let from_form = matches!(body, JsonOrForm::Form(_));
    let (code, found) = match registered(&state, &req, &code, lang, !from_form).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let subject = Subject::of(code, &found, lang);
    let (fields, photo, typed) = match body {
        // A program: every unreadable field and broken rule in one 422.
        JsonOrForm::Json(json) => {
            let fields = json.check(|draft| {
                parse_report(draft)
                    .map_err(|problems| problems.into_iter().map(FieldError::from).collect())
            })?;
            (fields, None, ReportDraft::default())
        }
        // A browser: the form again, each problem next to its field.
        JsonOrForm::Form(form) => {
            let Sent {
                draft,
                photo,
                mut problems,
            } = read_form(form).await?;
            let fields = parse_report(&draft).map_err(|found| problems.extend(found));
            let photo = match photo {
                None => None,
                Some((bytes, content_type)) => {
                    web::block(move || crate::labels::picture::prepare(&bytes, &content_type))
                        .await?
                        .map_err(|_| problems.push(ReportProblem::PhotoUnreadable))
                        .ok()
                }
            };
            match fields {
                Ok(fields) if problems.is_empty() => (fields, photo, draft),
                _ => {
                    let form = subject.form(&draft, &problems, None);
                    return Ok(form_page(&form, StatusCode::UNPROCESSABLE_ENTITY));
                }
            }
        }
    };
    // Counted only once the report is sound: a typo does not use up a turn.
    if let Some(addr) = addr
        && let Err(too_many) = state.limiter.check_report(addr)
    {
        if !from_form {
            return Err(too_many);
        }
        let form = subject.form(&typed, &[], Some(crate::i18n::REPORT_TOO_MANY.get(lang)));
        let mut page = form_page(&form, StatusCode::TOO_MANY_REQUESTS);
        if let ApiError::TooManyRequests {
            retry_after_secs, ..
        } = too_many
            && let Ok(value) = header::HeaderValue::from_str(&retry_after_secs.to_string())
        {
            page.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(page);
    }
    let client = state.services.client_of(addr);
    let report = Report {
        fields,
        photo,
        lang,
    };
    let receipt = state
        .services
        .report_counterfeit(code, &found, report, client)
        .await?;
    Ok(if from_form {
        HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("{}&sent=1", report_href(&subject.code, lang)),
            ))
            .finish()
    } else {
        HttpResponse::Created().json(ReportReceiptOut {
            report_id: receipt.report_id,
            alert_id: receipt.alert_id,
        })
    })
}

/// What a form brought: its text fields, its photo (bytes and declared
/// type) and the problems found while reading.
#[derive(Default)]
struct Sent {
    draft: ReportDraft,
    photo: Option<(Vec<u8>, String)>,
    problems: Vec<ReportProblem>,
}

/// A text field's longest raw form (its rule allows far less).
const MAX_TEXT_PART: usize = 16 * 1024;
/// The whole form: the photo, the texts and the multipart framing.
const MAX_FORM_BYTES: usize = MAX_PHOTO_BYTES + 4 * MAX_TEXT_PART;
const MAX_PARTS: usize = 8;

async fn read_form(mut form: actix_multipart::Multipart) -> Result<Sent, ApiError> {
    let unreadable = |e: actix_multipart::MultipartError| {
        ApiError::bad_request(None, format!("the form could not be read: {e}"))
    };
    let mut sent = Sent::default();
    let (mut parts, mut total) = (0, 0);
    while let Some(part) = form.next().await {
        let mut part = part.map_err(unreadable)?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ApiError::bad_request(None, "the form has too many parts"));
        }
        let name = part.name().unwrap_or_default().to_owned();
        let (limit, problem) = match name.as_str() {
            "photo" => (MAX_PHOTO_BYTES, ReportProblem::PhotoTooLarge),
            "where_bought" => (MAX_TEXT_PART, ReportProblem::WhereBought),
            "note" => (MAX_TEXT_PART, ReportProblem::Note),
            "phone" => (MAX_TEXT_PART, ReportProblem::Phone),
            other => return Err(ApiError::invalid(other, "is not a field of the report")),
        };
        let declared_type = part
            .content_type()
            .map(|m| m.essence_str().to_owned())
            .unwrap_or_default();
        let mut bytes = Vec::new();
        let mut too_long = false;
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(unreadable)?;
            total += chunk.len();
            if total > MAX_FORM_BYTES {
                return Err(ApiError::PayloadTooLarge {
                    limit: MAX_FORM_BYTES,
                });
            }
            // Past the limit the part is read to its end (the next fields
            // follow it) but not kept.
            too_long |= bytes.len() + chunk.len() > limit;
            if !too_long {
                bytes.extend_from_slice(&chunk);
            }
        }
        if too_long {
            sent.problems.push(problem);
            continue;
        }
        if name == "photo" {
            // A form without a photo still sends the part, empty.
            if !bytes.is_empty() {
                sent.photo = Some((bytes, declared_type));
            }
            continue;
        }
        let Ok(text) = String::from_utf8(bytes) else {
            sent.problems.push(problem);
            continue;
        };
        let slot = match name.as_str() {
            "where_bought" => &mut sent.draft.where_bought,
            "note" => &mut sent.draft.note,
            _ => &mut sent.draft.phone,
        };
        *slot = Some(text);
    }
    Ok(sent)
}
