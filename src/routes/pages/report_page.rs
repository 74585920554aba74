//! The "Báo hàng giả" page: a short form (every field optional) that a
//! shopper opens from a code's scan page, its answer with the problems next
//! to their fields, and the thank-you that follows. Nothing here reads the
//! database.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::scan_page::{SCAN_CSS, content_security_policy, html};
use crate::domain::counterfeit::{ReportDraft, ReportProblem};
use crate::domain::scan::Lang;
use crate::i18n;

/// Where a code's report form is, in the page's language.
pub fn report_href(code: &str, lang: Lang) -> String {
    format!("/c/{code}/report?lang={}", lang.as_str())
}

/// What the form shows: the product it is about, what was typed, and what
/// is wrong with it.
pub struct ReportForm<'a> {
    pub code: &'a str,
    /// The code as printed under the QR (groups of four).
    pub code_grouped: &'a str,
    pub product_name: &'a str,
    pub lang: Lang,
    pub typed: &'a ReportDraft,
    pub problems: &'a [ReportProblem],
    /// A problem with no field (too many reports).
    pub general_error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    style: &'static str,
    lang: &'static str,
    title: &'static str,
    product_name: String,
    other_lang: &'static str,
    other_lang_label: &'static str,
    other_lang_href: String,
    sent: bool,
    thanks: &'static str,
    thanks_phone: &'static str,
    general_error: Option<&'static str>,
    intro: String,
    optional: &'static str,
    action: String,
    fields: Vec<FormField>,
    send: &'static str,
    privacy: &'static str,
    back: &'static str,
    back_href: String,
}

struct FormField {
    name: &'static str,
    label: &'static str,
    value: String,
    error: Option<&'static str>,
}

static STYLE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "{SCAN_CSS}{}",
        include_str!("../../../templates/report.css")
    )
});
static CSP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    // The one page with a form: it posts back to this service only.
    content_security_policy(&STYLE, None).replace("form-action 'none'", "form-action 'self'")
});

fn page(form: &ReportForm<'_>, sent: bool) -> ReportPage {
    let lang = form.lang;
    let error_of = |name: &str| {
        form.problems
            .iter()
            .find(|p| p.field() == name)
            .map(|p| i18n::report_problem(*p, lang))
    };
    let field = |name: &'static str, label: i18n::Text, value: &Option<String>| FormField {
        name,
        label: label.get(lang),
        value: value.clone().unwrap_or_default(),
        error: error_of(name),
    };
    let typed = form.typed;
    ReportPage {
        style: STYLE.as_str(),
        lang: lang.as_str(),
        title: i18n::REPORT_TITLE.get(lang),
        product_name: form.product_name.to_owned(),
        other_lang: lang.other().as_str(),
        other_lang_label: i18n::OTHER_LANGUAGE.get(lang),
        other_lang_href: report_href(form.code, lang.other()),
        sent,
        thanks: i18n::REPORT_THANKS.get(lang),
        thanks_phone: i18n::REPORT_THANKS_PHONE.get(lang),
        general_error: form
            .general_error
            .or_else(|| (!form.problems.is_empty()).then(|| i18n::REPORT_FIX.get(lang))),
        intro: i18n::report_intro(lang, form.code_grouped),
        optional: i18n::REPORT_OPTIONAL.get(lang),
        action: report_href(form.code, lang),
        fields: vec![
            field("where_bought", i18n::REPORT_WHERE, &typed.where_bought),
            field("note", i18n::REPORT_NOTE, &typed.note),
            field("photo", i18n::REPORT_PHOTO, &None),
            field("phone", i18n::REPORT_PHONE, &typed.phone),
        ],
        send: i18n::REPORT_SEND.get(lang),
        privacy: i18n::REPORT_PRIVACY.get(lang),
        back: i18n::BACK_TO_PRODUCT.get(lang),
        back_href: format!("/c/{}?lang={}", form.code, lang.as_str()),
    }
}

/// The form, empty or answered with its problems (`status` 422 or 429).
pub fn form_page(form: &ReportForm<'_>, status: StatusCode) -> HttpResponse {
    html(status, page(form, false).render(), &CSP)
}

/// The thank-you after a report was kept.
pub fn thanks_page(form: &ReportForm<'_>) -> HttpResponse {
    html(StatusCode::OK, page(form, true).render(), &CSP)
}
