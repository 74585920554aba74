//! The pages a GS1 link without a serial opens: a product (`/01/{gtin}`)
//! and one of its batches (`/01/{gtin}/10/{lot}`), for a consumer's phone
//! and for the console to link to. Rendered from the resolver's facts.

use actix_web::HttpResponse;
use askama::Template;

use super::scan_page::{SCAN_CSS, content_security_policy, html};
use crate::domain::batch::BatchStatus;
use crate::domain::ocop::RatingStatus;
use crate::domain::scan::Lang;
use crate::i18n;
use crate::services::provenance::view::{ScanProducer, ScanRating, ScanSite};
use crate::services::resolver::{BatchFacts, ProductFacts};

#[derive(Template)]
#[template(path = "facts.html")]
struct FactsPage {
    style: &'static str,
    lang: &'static str,
    title: String,
    province: String,
    other_lang: &'static str,
    other_lang_label: &'static str,
    other_lang_href: String,
    warning: Option<String>,
    product_name: String,
    producer_line: String,
    stars: Option<(String, String)>,
    ocop_line: String,
    sections: Vec<(&'static str, Vec<(String, String)>)>,
    footer: &'static str,
}

static FACTS_CSP: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| content_security_policy(SCAN_CSS, None));

/// The OCOP card: the stars (and how a screen reader says them) while the
/// rating is valid, and its line in words.
pub(super) fn ocop(lang: Lang, rating: Option<&ScanRating>) -> (Option<(String, String)>, String) {
    match rating {
        Some(r) if r.status == RatingStatus::Valid => {
            let n = r.stars.unwrap_or(0);
            (
                Some((
                    "★".repeat(usize::from(n)),
                    format!("{n} {}", i18n::STARS.get(lang)),
                )),
                i18n::ocop_valid(lang, n, r.level, &r.certificate_number, r.expires_on),
            )
        }
        Some(r) => (
            None,
            i18n::ocop_expired(lang, &r.certificate_number, r.expires_on),
        ),
        None => (None, i18n::NO_OCOP_RATING.get(lang).into()),
    }
}

fn producer_line(p: &ScanProducer) -> String {
    [p.district.clone(), Some(p.province.clone())]
        .into_iter()
        .flatten()
        .fold(p.name.clone(), |line, part| format!("{line} · {part}"))
}

fn site_rows(lang: Lang, code_label: i18n::Text, site: &ScanSite) -> Vec<(String, String)> {
    vec![
        (code_label.get(lang).into(), site.code.clone()),
        (i18n::NAME.get(lang).into(), site.name.clone()),
        (
            i18n::STATUS.get(lang).into(),
            i18n::site_status(site.status, lang).into(),
        ),
        (
            i18n::MARKET.get(lang).into(),
            i18n::market(&site.target_market, lang),
        ),
    ]
}

#[allow(clippy::too_many_arguments)]
fn page(
    lang: Lang,
    base_path: &str,
    name: &str,
    producer: &ScanProducer,
    rating: Option<&ScanRating>,
    warning: Option<String>,
    sections: Vec<(&'static str, Vec<(String, String)>)>,
) -> HttpResponse {
    let (stars, ocop_line) = ocop(lang, rating);
    let page = FactsPage {
        style: SCAN_CSS,
        lang: lang.as_str(),
        title: format!("{name} — {}", i18n::PAGE_TITLE_SUFFIX.get(lang)),
        province: producer.province.clone(),
        other_lang: lang.other().as_str(),
        other_lang_label: i18n::OTHER_LANGUAGE.get(lang),
        other_lang_href: format!("{base_path}?lang={}", lang.other().as_str()),
        warning,
        product_name: name.to_owned(),
        producer_line: producer_line(producer),
        stars,
        ocop_line,
        sections,
        footer: i18n::FOOTER.get(lang),
    };
    html(actix_web::http::StatusCode::OK, page.render(), &FACTS_CSP)
}

/// A product's page.
pub fn product_page(facts: &ProductFacts, lang: Lang, base_path: &str) -> HttpResponse {
    page(
        lang,
        base_path,
        &facts.product.name,
        &facts.producer,
        facts.ocop.as_ref(),
        None,
        Vec::new(),
    )
}

/// A batch's page: its state first (a recall with its reason), then where
/// it comes from.
pub fn batch_page(facts: &BatchFacts, lang: Lang, base_path: &str) -> HttpResponse {
    let b = &facts.batch;
    let warning = (b.status == BatchStatus::Recalled)
        .then(|| i18n::recall_warning(lang, b.recall_reason.as_deref().unwrap_or_default()));
    let mut batch_rows = vec![(i18n::LOT.get(lang).into(), b.lot.clone())];
    for (label, date) in [
        (i18n::HARVESTED_ON, b.harvest_date),
        (i18n::PRODUCED_ON, b.production_date),
        (i18n::BEST_BEFORE, b.best_before),
    ] {
        if let Some(d) = date {
            batch_rows.push((label.get(lang).into(), i18n::date(d)));
        }
    }
    let mut sections = vec![(i18n::BATCH.get(lang), batch_rows)];
    for area in &facts.farming_areas {
        sections.push((
            i18n::FARMING_AREA.get(lang),
            site_rows(lang, i18n::AREA_CODE, area),
        ));
    }
    if let Some(f) = &facts.packing_facility {
        sections.push((
            i18n::PACKED_AT.get(lang),
            site_rows(lang, i18n::FACILITY_CODE, f),
        ));
    }
    page(
        lang,
        base_path,
        &facts.product.name,
        &facts.producer,
        facts.ocop.as_ref(),
        warning,
        sections,
    )
}
