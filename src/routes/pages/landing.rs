//! The public landing page (`/`, `/c/`): what the service is, and a box to
//! type the code printed under a QR when the camera cannot read it.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::scan_page::{content_security_policy, html};
use crate::domain::code::CodeError;
use crate::domain::scan::Lang;
use crate::i18n;

/// A code in the form printed under the QR, for the examples.
pub const EXAMPLE_CODE: &str = "8KJ2-QW4M-X7P6-0";

/// The unknown-code page's look, and the form's.
const LANDING_CSS: &str = concat!(
    include_str!("../../../templates/scan_not_found.css"),
    include_str!("../../../templates/landing.css")
);

/// The landing's own style, and its one form, sent back here.
static LANDING_CSP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    content_security_policy(LANDING_CSS, None).replace("form-action 'none'", "form-action 'self'")
});

#[derive(Template)]
#[template(path = "landing.html")]
struct LandingPage {
    style: &'static str,
    lang: &'static str,
    title: &'static str,
    other_lang_href: String,
    other_lang_label: &'static str,
    intro: &'static str,
    code_label: &'static str,
    example: &'static str,
    typed: String,
    error: Option<String>,
    check_button: &'static str,
    how_title: &'static str,
    how: Vec<&'static str>,
    footer: &'static str,
}

/// Why a typed code was not looked up, in the page's language.
pub fn typing_error(error: &CodeError, lang: Lang) -> String {
    match error {
        CodeError::Check => i18n::MISTYPED_CODE.get(lang).to_owned(),
        CodeError::Length(_) | CodeError::Symbol(_) => i18n::NOT_A_CODE
            .get(lang)
            .replace("{example}", EXAMPLE_CODE),
    }
}

/// The page; with what was typed and why it was refused, a 422.
pub fn landing(lang: Lang, path: &str, typed: &str, error: Option<String>) -> HttpResponse {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = LandingPage {
        style: LANDING_CSS,
        lang: lang.as_str(),
        title: i18n::LANDING_TITLE.get(lang),
        other_lang_href: format!("{path}?lang={}", lang.other().as_str()),
        other_lang_label: i18n::OTHER_LANGUAGE.get(lang),
        intro: i18n::LANDING_INTRO.get(lang),
        code_label: i18n::LANDING_CODE_LABEL.get(lang),
        example: EXAMPLE_CODE,
        typed: typed.chars().take(40).collect(),
        error,
        check_button: i18n::LANDING_CHECK.get(lang),
        how_title: i18n::LANDING_HOW_TITLE.get(lang),
        how: [
            i18n::LANDING_HOW_VALID,
            i18n::LANDING_HOW_WARNING,
            i18n::LANDING_HOW_UNKNOWN,
        ]
        .iter()
        .map(|t| t.get(lang))
        .collect(),
        footer: i18n::FOOTER.get(lang),
    };
    html(status, page.render(), &LANDING_CSP)
}
