//! The consumer's pages: a code's page (Vietnamese first, English on
//! request) and the page of a code that is not registered. Rendered from
//! the provenance read model's view; nothing here reads the database.

use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use sha2::{Digest, Sha256};

use crate::domain::scan::Lang;
use crate::error::ApiError;
use crate::i18n;
use crate::services::provenance::{ScanView, Verdict};

/// The page of a registered code.
pub fn code_page(v: &ScanView, base_path: &str) -> HttpResponse {
    html(
        actix_web::http::StatusCode::OK,
        page(v, base_path).render(),
        &SCAN_CSP,
    )
}

#[derive(Template)]
#[template(path = "scan.html")]
pub struct ScanPage {
    style: &'static str,
    script: &'static str,
    lang: &'static str,
    title: String,
    province: String,
    other_lang: &'static str,
    other_lang_label: &'static str,
    other_lang_href: String,
    verdict_class: &'static str,
    verdict_text: &'static str,
    warnings: Vec<(&'static str, String)>,
    product_name: String,
    producer_line: String,
    image_url: Option<String>,
    stars: Option<(String, String)>,
    ocop_line: String,
    sections: Vec<Section>,
    story_title: &'static str,
    story: Vec<String>,
    journey_title: &'static str,
    journey: Vec<(String, String, String)>,
    code_title: &'static str,
    code_grouped: String,
    scans_line: String,
    location_button: &'static str,
    location_href: String,
    location_thanks: &'static str,
    location_unavailable: &'static str,
    report_href: String,
    report_link: &'static str,
    report_hint: &'static str,
    footer: &'static str,
}

struct Section {
    title: &'static str,
    rows: Vec<Row>,
}

/// A fact on the page; `href` makes its value a link (a phone number
/// becomes `tel:`, one tap to call from a phone).
struct Row {
    label: String,
    value: String,
    href: Option<String>,
}

fn row(label: &str, value: String) -> Row {
    Row {
        label: label.to_owned(),
        value,
        href: None,
    }
}

/// A `tel:` link to a stored phone number (digits and a leading +; the
/// number was checked when the producer was registered).
fn tel_href(phone: &str) -> String {
    let dialable: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!("tel:{dialable}")
}

fn page(v: &ScanView, base_path: &str) -> ScanPage {
    let lang = v.language;
    let (verdict_class, verdict_text) = match v.verdict {
        Verdict::Authentic => ("ok", i18n::VERDICT_AUTHENTIC.get(lang)),
        Verdict::Recalled => ("bad", i18n::VERDICT_RECALLED.get(lang)),
        Verdict::LabelMismatch => ("bad", i18n::VERDICT_LABEL_MISMATCH.get(lang)),
        Verdict::SuspectedClone => ("bad", i18n::VERDICT_CLONE.get(lang)),
        Verdict::Expired => ("warn", i18n::VERDICT_EXPIRED.get(lang)),
        Verdict::AreaSuspended | Verdict::RatingExpired => {
            ("warn", i18n::VERDICT_WARNING.get(lang))
        }
    };
    let warnings = v
        .warnings
        .iter()
        .map(|w| {
            (
                if matches!(w.kind, Verdict::Recalled | Verdict::LabelMismatch) {
                    "recalled"
                } else {
                    ""
                },
                w.message.clone(),
            )
        })
        .collect();
    let (stars, ocop_line) = super::facts_page::ocop(lang, v.ocop.as_ref());
    let p = &v.producer;
    let address = [
        p.commune.clone(),
        p.district.clone(),
        Some(p.province.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let mut producer_rows = vec![
        row(i18n::NAME.get(lang), p.name.clone()),
        row(i18n::ADDRESS.get(lang), address.clone()),
    ];
    if let Some(phone) = &p.phone {
        producer_rows.push(Row {
            href: Some(tel_href(phone)),
            ..row(i18n::PHONE.get(lang), phone.clone())
        });
    }
    let mut product_rows = Vec::new();
    if let Some(unit) = &v.product.unit {
        product_rows.push(row(i18n::NET_CONTENT.get(lang), unit.clone()));
    }
    if let Some(gtin) = &v.product.gtin {
        product_rows.push(row(i18n::GTIN.get(lang), gtin.clone()));
    }
    let a = &v.farming_area;
    let (area_title, area_code_label, crop_label) = i18n::area_words(a.farming, lang);
    let mut area_rows = vec![
        row(area_code_label, a.code.clone()),
        row(i18n::NAME.get(lang), a.name.clone()),
        row(
            i18n::STATUS.get(lang),
            i18n::site_status(a.status, lang).into(),
        ),
        row(i18n::MARKET.get(lang), i18n::market(&a.target_market, lang)),
    ];
    if let Some(crop) = &a.crop {
        area_rows.push(row(crop_label, crop.clone()));
    }
    let b = &v.batch;
    let mut batch_rows = vec![row(i18n::LOT.get(lang), b.lot.clone())];
    for (label, date) in [
        (i18n::HARVESTED_ON.get(lang), b.harvest_date),
        (i18n::PRODUCED_ON.get(lang), b.production_date),
        (i18n::BEST_BEFORE.get(lang), b.best_before),
    ] {
        if let Some(d) = date {
            batch_rows.push(row(label, i18n::date(d)));
        }
    }
    if let Some(f) = &v.packing_facility {
        batch_rows.push(row(
            i18n::PACKED_AT.get(lang),
            format!("{} ({})", f.name, f.code),
        ));
    }
    let mut sections = Vec::new();
    if !product_rows.is_empty() {
        sections.push(Section {
            title: i18n::PRODUCT.get(lang),
            rows: product_rows,
        });
    }
    sections.extend([
        Section {
            title: i18n::PRODUCER.get(lang),
            rows: producer_rows,
        },
        Section {
            title: area_title,
            rows: area_rows,
        },
        Section {
            title: i18n::BATCH.get(lang),
            rows: batch_rows,
        },
    ]);
    if !v.certifications.is_empty() {
        sections.push(Section {
            title: i18n::CERTIFICATES.get(lang),
            rows: v
                .certifications
                .iter()
                .map(|c| {
                    row(
                        &c.scheme_label,
                        i18n::certificate_state(lang, &c.number, c.status, c.valid_until),
                    )
                })
                .collect(),
        });
    }
    ScanPage {
        style: SCAN_CSS,
        script: SCAN_JS,
        lang: v.language.as_str(),
        title: format!("{} — {}", v.product.name, i18n::PAGE_TITLE_SUFFIX.get(lang)),
        province: p.province.clone(),
        other_lang: lang.other().as_str(),
        other_lang_label: i18n::OTHER_LANGUAGE.get(lang),
        other_lang_href: format!("{base_path}?lang={}", lang.other().as_str()),
        verdict_class,
        verdict_text,
        warnings,
        product_name: v.product.name.clone(),
        producer_line: format!("{} · {address}", p.name),
        image_url: v.product.image_url.clone(),
        stars,
        ocop_line,
        sections,
        story_title: i18n::STORY.get(lang),
        story: v
            .product
            .description
            .as_deref()
            .unwrap_or("")
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        journey_title: i18n::JOURNEY.get(lang),
        journey: v
            .journey
            .iter()
            .map(|s| {
                let place = match (&s.place, &s.place_code) {
                    (Some(p), Some(c)) => format!("{p} ({c})"),
                    (Some(p), None) => p.clone(),
                    (None, Some(c)) => c.clone(),
                    (None, None) => String::new(),
                };
                (i18n::date(s.date), s.label.clone(), place)
            })
            .collect(),
        code_title: i18n::TRACE_CODE.get(lang),
        code_grouped: v.code_grouped.clone(),
        scans_line: i18n::scans_line(lang, v.scans.views),
        location_button: i18n::SHARE_LOCATION.get(lang),
        location_href: format!("/c/{}/location", v.code),
        location_thanks: i18n::THANK_YOU.get(lang),
        location_unavailable: i18n::LOCATION_UNAVAILABLE.get(lang),
        report_href: super::report_page::report_href(&v.code, lang),
        report_link: i18n::REPORT_LINK.get(lang),
        report_hint: i18n::REPORT_HINT.get(lang),
        footer: i18n::FOOTER.get(lang),
    }
}

#[derive(Template)]
#[template(path = "scan_not_found.html")]
struct NotFoundPage {
    style: &'static str,
    lang: &'static str,
    title: &'static str,
    other_lang_href: String,
    other_lang_label: &'static str,
    headline: &'static str,
    explanation: &'static str,
    code: String,
    what_to_do_title: &'static str,
    what_to_do: Vec<&'static str>,
    type_again: &'static str,
    type_again_href: String,
}

/// An unknown code's page (404); a mistyped one (its check character does
/// not match) says so instead, and how to type it again.
pub fn not_found(
    lang: Lang,
    raw: &str,
    base_path: &str,
    json: bool,
    mistyped: bool,
) -> HttpResponse {
    let (title, headline, explanation) = if mistyped {
        (
            i18n::MISTYPED_CODE_TITLE,
            i18n::MISTYPED_CODE_HEADLINE,
            i18n::MISTYPED_CODE,
        )
    } else {
        (
            i18n::UNKNOWN_CODE_TITLE,
            i18n::UNKNOWN_CODE_HEADLINE,
            i18n::UNKNOWN_CODE_EXPLANATION,
        )
    };
    let explanation = explanation.get(lang);
    if json {
        return ApiError::NotFound(explanation.into()).error_response();
    }
    let page = NotFoundPage {
        style: NOT_FOUND_CSS,
        lang: lang.as_str(),
        title: title.get(lang),
        other_lang_href: format!("{base_path}?lang={}", lang.other().as_str()),
        other_lang_label: i18n::OTHER_LANGUAGE.get(lang),
        headline: headline.get(lang),
        type_again: i18n::TYPE_AGAIN.get(lang),
        type_again_href: match lang {
            Lang::Vi => "/".to_owned(),
            other => format!("/?lang={}", other.as_str()),
        },
        explanation,
        code: raw.chars().take(40).collect(),
        what_to_do_title: i18n::WHAT_TO_DO.get(lang),
        what_to_do: [i18n::CHECK_THE_CODE, i18n::DO_NOT_USE_YET, i18n::REPORT_IT]
            .iter()
            .map(|t| t.get(lang))
            .collect(),
    };
    html(
        actix_web::http::StatusCode::NOT_FOUND,
        page.render(),
        &NOT_FOUND_CSP,
    )
}

/// The pages' style and script, inline (one request on a slow phone) and
/// allowed by their hashes alone: the pages load nothing from anywhere.
pub(super) const SCAN_CSS: &str = include_str!("../../../templates/scan.css");
const SCAN_JS: &str = include_str!("../../../templates/scan.js");
const NOT_FOUND_CSS: &str = include_str!("../../../templates/scan_not_found.css");

fn csp_hash(inline: &str) -> String {
    use base64::Engine;
    let digest = Sha256::digest(inline.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Nothing but the page's own inline style and script, images from this
/// service, and the location post back to it; never framed, no forms.
pub(super) fn content_security_policy(style: &str, script: Option<&str>) -> String {
    let script = script.map_or_else(|| "'none'".to_owned(), csp_hash);
    format!(
        "default-src 'none'; style-src {}; script-src {script}; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        csp_hash(style)
    )
}

static SCAN_CSP: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| content_security_policy(SCAN_CSS, Some(SCAN_JS)));
static NOT_FOUND_CSP: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| content_security_policy(NOT_FOUND_CSS, None));

pub(super) fn html(
    status: actix_web::http::StatusCode,
    rendered: askama::Result<String>,
    csp: &str,
) -> HttpResponse {
    match rendered {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, csp))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::VARY, "Accept, Accept-Language"))
            .body(body),
        Err(e) => ApiError::internal(format!("template: {e}")).error_response(),
    }
}
