//! The pages a GS1 link without a serial opens: a product (`/01/{gtin}`),
//! one of its batches (`/01/{gtin}/10/{lot}`) and a place (`/414/{gln}`),
//! for a consumer's phone and for the console to link to. Rendered from
//! the resolver's facts.

use actix_web::HttpResponse;
use askama::Template;

use super::scan_page::{SCAN_CSS, content_security_policy, html};
use crate::domain::batch::BatchStatus;
use crate::domain::ocop::RatingStatus;
use crate::domain::scan::Lang;
use crate::domain::site::{SiteKind, SiteStatus};
use crate::i18n;
use crate::services::provenance::view::{ScanProducer, ScanRating, ScanSite};
use crate::services::resolver::{BatchFacts, ProductFacts, SiteFacts};

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
    warnings: Vec<String>,
    heading: String,
    subheading: String,
    /// The OCOP card (products and batches): the stars, then in words.
    ocop: Option<(Option<(String, String)>, String)>,
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

fn site_rows(lang: Lang, code_label: &str, site: &ScanSite) -> Vec<(String, String)> {
    vec![
        (code_label.into(), site.code.clone()),
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

/// What every facts page shows; `other_lang_href` is this page in the other
/// language (its query kept, so a warning it carries is kept too).
struct Shown<'a> {
    lang: Lang,
    other_lang_href: &'a str,
    province: &'a str,
    warnings: Vec<String>,
    heading: &'a str,
    subheading: String,
    ocop: Option<(Option<(String, String)>, String)>,
    sections: Vec<(&'static str, Vec<(String, String)>)>,
}

fn page(shown: Shown<'_>) -> HttpResponse {
    let lang = shown.lang;
    let page = FactsPage {
        style: SCAN_CSS,
        lang: lang.as_str(),
        title: format!("{} — {}", shown.heading, i18n::PAGE_TITLE_SUFFIX.get(lang)),
        province: shown.province.to_owned(),
        other_lang: lang.other().as_str(),
        other_lang_label: i18n::OTHER_LANGUAGE.get(lang),
        other_lang_href: shown.other_lang_href.to_owned(),
        warnings: shown.warnings,
        heading: shown.heading.to_owned(),
        subheading: shown.subheading,
        ocop: shown.ocop,
        sections: shown.sections,
        footer: i18n::FOOTER.get(lang),
    };
    html(actix_web::http::StatusCode::OK, page.render(), &FACTS_CSP)
}

fn product_shown<'a>(
    lang: Lang,
    other_lang_href: &'a str,
    name: &'a str,
    producer: &'a ScanProducer,
    rating: Option<&ScanRating>,
) -> Shown<'a> {
    Shown {
        lang,
        other_lang_href,
        province: &producer.province,
        warnings: Vec::new(),
        heading: name,
        subheading: producer_line(producer),
        ocop: Some(ocop(lang, rating)),
        sections: Vec::new(),
    }
}

/// A product's page.
pub fn product_page(facts: &ProductFacts, lang: Lang, other_lang_href: &str) -> HttpResponse {
    let mut shown = product_shown(
        lang,
        other_lang_href,
        &facts.product.name,
        &facts.producer,
        facts.ocop.as_ref(),
    );
    shown
        .warnings
        .extend(facts.unknown_serial.iter().map(|u| u.warning.clone()));
    page(shown)
}

/// A batch's page: its state first (a recall with its reason), then where
/// it comes from.
pub fn batch_page(facts: &BatchFacts, lang: Lang, other_lang_href: &str) -> HttpResponse {
    let b = &facts.batch;
    let recalled = (b.status == BatchStatus::Recalled)
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
        let (title, code_label, _) = i18n::area_words(area.farming, lang);
        sections.push((title, site_rows(lang, code_label, area)));
    }
    if let Some(f) = &facts.packing_facility {
        sections.push((
            i18n::PACKED_AT.get(lang),
            site_rows(lang, i18n::FACILITY_CODE.get(lang), f),
        ));
    }
    let mut shown = product_shown(
        lang,
        other_lang_href,
        &facts.product.name,
        &facts.producer,
        facts.ocop.as_ref(),
    );
    shown.warnings = facts
        .unknown_serial
        .iter()
        .map(|u| u.warning.clone())
        .chain(recalled)
        .collect();
    shown.sections = sections;
    page(shown)
}

/// A place's page (`/414/{gln}`): what it is, where, and whether the
/// authority lets it be used (a suspension with its reason first).
pub fn site_page(facts: &SiteFacts, lang: Lang, other_lang_href: &str) -> HttpResponse {
    let site = &facts.site;
    let (area_heading, area_code_label, crop_label) = i18n::area_words(site.farming, lang);
    let (kind_heading, code_label) = match facts.kind {
        SiteKind::FarmingArea => (area_heading, area_code_label),
        SiteKind::PackingFacility => (
            i18n::site_kind(facts.kind, lang),
            i18n::FACILITY_CODE.get(lang),
        ),
    };
    let mut rows = site_rows(lang, code_label, site);
    rows.push((i18n::GLN.get(lang).into(), facts.gln.clone()));
    if let Some(crop) = &site.crop {
        rows.push((crop_label.into(), crop.clone()));
    }
    if let Some(until) = facts.valid_until {
        rows.push((i18n::VALID_UNTIL.get(lang).into(), i18n::date(until)));
    }
    let mut place = Vec::new();
    for (label, value) in [
        (i18n::COMMUNE, facts.commune.as_ref()),
        (i18n::DISTRICT, site.district.as_ref()),
        (i18n::PROVINCE, Some(&site.province)),
    ] {
        if let Some(v) = value {
            place.push((label.get(lang).into(), v.clone()));
        }
    }
    let warnings = (site.status != SiteStatus::Active)
        .then(|| {
            let mut w = i18n::site_warning(lang, facts.kind, site.farming, &site.code, site.status);
            if let Some(reason) = &facts.status_reason {
                w = format!("{w} {}: {reason}", i18n::REASON.get(lang));
            }
            if let Some(since) = facts.status_since {
                w = format!(
                    "{w} ({} {})",
                    i18n::SINCE.get(lang),
                    i18n::date(crate::domain::time::vietnam_date(since))
                );
            }
            w
        })
        .into_iter()
        .collect();
    page(Shown {
        lang,
        other_lang_href,
        province: &site.province,
        warnings,
        heading: &site.name,
        subheading: kind_heading.to_owned(),
        ocop: None,
        sections: vec![(kind_heading, rows), (i18n::ADDRESS.get(lang), place)],
    })
}
