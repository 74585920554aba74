//! The console's pages (askama): sign-in and each role's first page.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::scan_page::{content_security_policy, html};
use crate::domain::batch::BatchStatus;
use crate::domain::organization::OrgKind;
use crate::domain::scan::Lang;
use crate::i18n;
use crate::services::console::{ConsoleSession, Dashboard, RATINGS_DUE_WINDOW_DAYS};

const CONSOLE_CSS: &str = include_str!("../../../templates/console.css");

/// The console's own style; its forms post back here.
static CONSOLE_CSP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    content_security_policy(CONSOLE_CSS, None).replace("form-action 'none'", "form-action 'self'")
});

/// Why the sign-in form is shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInProblem {
    Missing,
    TooLong,
    Unknown,
}

#[derive(Template)]
#[template(path = "console_sign_in.html")]
struct SignInPage {
    style: &'static str,
    lang: &'static str,
    title: &'static str,
    other_lang_href: &'static str,
    other_lang_label: &'static str,
    intro: &'static str,
    key_label: &'static str,
    key_hint: &'static str,
    error: Option<&'static str>,
    button: &'static str,
}

/// The sign-in form; with a problem, said next to the field (401 for an
/// unknown key, 422 for none).
pub fn sign_in(lang: Lang, problem: Option<SignInProblem>) -> HttpResponse {
    let status = match problem {
        None => StatusCode::OK,
        Some(SignInProblem::Missing | SignInProblem::TooLong) => StatusCode::UNPROCESSABLE_ENTITY,
        Some(SignInProblem::Unknown) => StatusCode::UNAUTHORIZED,
    };
    let page = SignInPage {
        style: CONSOLE_CSS,
        lang: lang.as_str(),
        title: i18n::CONSOLE_SIGN_IN_TITLE.get(lang),
        other_lang_href: match lang {
            Lang::Vi => "/console/sign-in?lang=en",
            Lang::En => "/console/sign-in?lang=vi",
        },
        other_lang_label: i18n::OTHER_LANGUAGE.get(lang),
        intro: i18n::CONSOLE_SIGN_IN_INTRO.get(lang),
        key_label: i18n::CONSOLE_KEY_LABEL.get(lang),
        key_hint: i18n::CONSOLE_KEY_HINT.get(lang),
        error: problem.map(|p| match p {
            SignInProblem::Missing => i18n::CONSOLE_KEY_MISSING.get(lang),
            SignInProblem::TooLong => i18n::CONSOLE_KEY_TOO_LONG.get(lang),
            SignInProblem::Unknown => i18n::CONSOLE_KEY_UNKNOWN.get(lang),
        }),
        button: i18n::CONSOLE_SIGN_IN.get(lang),
    };
    html(status, page.render(), &CONSOLE_CSP)
}

struct ProductLine {
    name: String,
    gtin: String,
    stars: String,
}

struct DueLine {
    product: String,
    producer: String,
    phone: String,
    stars: u8,
    expires_on: String,
    expired: bool,
    codes_after: i64,
}

struct BatchLine {
    lot: String,
    status: &'static str,
    recalled: bool,
    reason: String,
}

#[derive(Template)]
#[template(path = "console_dashboard.html")]
struct DashboardPage<'a> {
    style: &'static str,
    lang: &'static str,
    title: &'static str,
    other_lang_href: &'static str,
    other_lang_label: &'static str,
    organization: &'a str,
    role: &'static str,
    csrf_token: &'a str,
    sign_out: &'static str,
    products_title: &'static str,
    products_total: i64,
    products: Vec<ProductLine>,
    product_head: [&'static str; 3],
    no_products: &'static str,
    batches_title: &'static str,
    batches_total: Option<i64>,
    batches: Vec<BatchLine>,
    batch_head: [&'static str; 2],
    no_batches: &'static str,
    ratings_title: String,
    ratings_due: Option<Vec<DueLine>>,
    rating_head: [&'static str; 5],
    no_ratings_due: &'static str,
}

fn role_name(role: OrgKind, lang: Lang) -> &'static str {
    match role {
        OrgKind::Admin => i18n::CONSOLE_ROLE_ADMIN.get(lang),
        OrgKind::Authority => i18n::CONSOLE_ROLE_AUTHORITY.get(lang),
        OrgKind::Producer => i18n::CONSOLE_ROLE_PRODUCER.get(lang),
        OrgKind::Retailer => i18n::CONSOLE_ROLE_RETAILER.get(lang),
    }
}

/// A signed-in organization's first page.
pub fn dashboard(lang: Lang, session: &ConsoleSession, dashboard: &Dashboard) -> HttpResponse {
    let (products_total, products, batches_total, batches, due) = match dashboard {
        Dashboard::Producer {
            products_total,
            products,
            batches_total,
            batches,
        } => (
            *products_total,
            products.as_slice(),
            Some(*batches_total),
            batches.as_slice(),
            None,
        ),
        Dashboard::Authority {
            products_total,
            ratings_due,
        } => (*products_total, &[][..], None, &[][..], Some(ratings_due)),
        Dashboard::Registry { products_total } => (*products_total, &[][..], None, &[][..], None),
    };
    let page = DashboardPage {
        style: CONSOLE_CSS,
        lang: lang.as_str(),
        title: i18n::CONSOLE_TITLE.get(lang),
        other_lang_href: match lang {
            Lang::Vi => "/console?lang=en",
            Lang::En => "/console?lang=vi",
        },
        other_lang_label: i18n::OTHER_LANGUAGE.get(lang),
        organization: &session.organization_name,
        role: role_name(session.principal.role, lang),
        csrf_token: &session.csrf_token,
        sign_out: i18n::CONSOLE_SIGN_OUT.get(lang),
        products_title: i18n::CONSOLE_PRODUCTS.get(lang),
        products_total,
        products: products
            .iter()
            .map(|p| ProductLine {
                name: p.name.clone(),
                gtin: p.gtin.clone().unwrap_or_else(|| "—".to_owned()),
                stars: match (p.stars, p.stars_until) {
                    (Some(stars), Some(until)) => format!("{} ★ · {}", stars, i18n::date(until)),
                    _ => "—".to_owned(),
                },
            })
            .collect(),
        product_head: [
            i18n::CONSOLE_PRODUCT_NAME.get(lang),
            "GTIN",
            i18n::CONSOLE_PRODUCT_STARS.get(lang),
        ],
        no_products: i18n::CONSOLE_NO_PRODUCTS.get(lang),
        batches_title: i18n::CONSOLE_BATCHES.get(lang),
        batches_total,
        batches: batches
            .iter()
            .map(|b| BatchLine {
                lot: b.lot.clone(),
                status: i18n::console_batch_status(b.status, lang),
                recalled: b.status == BatchStatus::Recalled,
                reason: b.recall_reason.clone().unwrap_or_default(),
            })
            .collect(),
        batch_head: [
            i18n::CONSOLE_BATCH_LOT.get(lang),
            i18n::CONSOLE_BATCH_STATUS.get(lang),
        ],
        no_batches: i18n::CONSOLE_NO_BATCHES.get(lang),
        ratings_title: i18n::console_ratings_due(RATINGS_DUE_WINDOW_DAYS, lang),
        ratings_due: due.map(|due| {
            due.iter()
                .map(|r| DueLine {
                    product: r.product.clone(),
                    producer: r.producer.clone(),
                    phone: r.phone.clone().unwrap_or_else(|| "—".to_owned()),
                    stars: r.stars,
                    expires_on: i18n::date(r.expires_on),
                    expired: r.expired,
                    codes_after: r.codes_issued_after_expiry,
                })
                .collect()
        }),
        rating_head: [
            i18n::CONSOLE_PRODUCT_NAME.get(lang),
            i18n::CONSOLE_PRODUCER.get(lang),
            i18n::CONSOLE_PHONE.get(lang),
            i18n::CONSOLE_EXPIRES.get(lang),
            i18n::CONSOLE_CODES_AFTER_EXPIRY.get(lang),
        ],
        no_ratings_due: i18n::CONSOLE_NO_RATINGS_DUE.get(lang),
    };
    html(StatusCode::OK, page.render(), &CONSOLE_CSP)
}
