//! What a consumer sees for a code, assembled from the registry: the facts
//! Circular 02/2024/TT-BKHCN asks for (product, producer and address, each
//! stage with its trace and location codes and time, lot and shelf life,
//! standards) plus OCOP stars, recall and clone warnings. Served as JSON and
//! rendered as the HTML page.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::context::{CodeFacts, ScanContext};
use crate::db::batches::BatchRow;
use crate::db::organizations::Organization;
use crate::db::products::{ProductRow, RatingRow};
use crate::db::sites::SiteRow;
use crate::db::{DbError, stored_enum};
use crate::domain::batch::{BatchStatus, past_best_before};
use crate::domain::certification::{CertScheme, CertStatus, cert_status};
use crate::domain::clone::CloneRule;
use crate::domain::ocop::{RatingLevel, RatingStatus, rating_status};
use crate::domain::organization::ProducerType;
use crate::domain::scan::Lang;
use crate::domain::site::{Farming, SiteStatus};
use crate::domain::supply::BizStep;
use crate::domain::time::VIETNAM;
pub use crate::domain::verdict::{Verdict, Warning};
use crate::i18n;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScanProduct {
    pub name: String,
    pub name_en: Option<String>,
    pub group_name_vi: String,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub unit: Option<String>,
    pub gtin: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScanProducer {
    pub name: String,
    pub producer_type: Option<ProducerType>,
    pub province: String,
    pub district: Option<String>,
    pub commune: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScanRating {
    pub status: RatingStatus,
    /// Null once the rating has expired: an expired rating is never shown as stars.
    pub stars: Option<u8>,
    pub certificate_number: String,
    pub level: RatingLevel,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScanSite {
    pub code: String,
    pub name: String,
    pub status: SiteStatus,
    pub target_market: String,
    pub province: String,
    pub district: Option<String>,
    pub crop: Option<String>,
    /// `crops`, `livestock`, `bees` or `aquaculture` (null for a packing
    /// facility).
    pub farming: Option<Farming>,
}

impl TryFrom<&SiteRow> for ScanSite {
    type Error = DbError;

    fn try_from(s: &SiteRow) -> Result<Self, DbError> {
        Ok(Self {
            code: s.code.clone(),
            name: s.name.clone(),
            status: s.status()?,
            target_market: s.target_market.clone(),
            province: s.province.clone(),
            district: s.district.clone(),
            crop: s.crop.clone(),
            farming: s.farming()?,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScanBatch {
    pub lot: String,
    pub status: BatchStatus,
    pub harvest_date: Option<NaiveDate>,
    pub production_date: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
    pub recall_reason: Option<String>,
    pub recalled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScanCertification {
    pub scheme: CertScheme,
    pub scheme_label: String,
    pub number: String,
    pub issuer: String,
    pub valid_until: NaiveDate,
    pub status: CertStatus,
}

/// One stage of the product's journey: what happened, where (with the
/// location's trace code) and when.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JourneyStep {
    /// CBV-style step: `harvesting`, `packing`, `commissioning`, then the
    /// supply-chain events (`shipping`, `receiving`, `retail_selling`…).
    pub step: String,
    pub label: String,
    /// The day in Vietnam.
    pub date: NaiveDate,
    /// The exact time, for recorded supply-chain events.
    pub at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    /// Trace code of the place (farming area or facility code).
    pub place_code: Option<String>,
    /// Who recorded the step, for supply-chain events.
    pub recorded_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScanStats {
    /// Consumer views of this code, this one included.
    pub views: i64,
    pub first_viewed_at: Option<DateTime<Utc>>,
}

/// Where a package comes from: every registry fact behind its code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Provenance {
    pub product: ScanProduct,
    pub producer: ScanProducer,
    pub ocop: Option<ScanRating>,
    pub farming_area: ScanSite,
    pub packing_facility: Option<ScanSite>,
    pub batch: ScanBatch,
    pub certifications: Vec<ScanCertification>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScanView {
    pub code: String,
    pub code_grouped: String,
    pub language: Lang,
    pub verdict: Verdict,
    pub warnings: Vec<Warning>,
    pub product: ScanProduct,
    pub producer: ScanProducer,
    pub ocop: Option<ScanRating>,
    pub farming_area: ScanSite,
    pub packing_facility: Option<ScanSite>,
    pub batch: ScanBatch,
    pub certifications: Vec<ScanCertification>,
    pub journey: Vec<JourneyStep>,
    pub scans: ScanStats,
}

/// A product as a consumer reads it, in the page's language.
pub fn scan_product(product: &ProductRow, lang: Lang) -> Result<ScanProduct, DbError> {
    let en = lang == Lang::En;
    let fields = product.fields()?;
    Ok(ScanProduct {
        name: if en {
            fields.name_en.clone().unwrap_or(fields.name_vi.clone())
        } else {
            fields.name_vi.clone()
        },
        name_en: fields.name_en.clone(),
        group_name_vi: fields.group.name_vi().into(),
        description: if en {
            fields.description_en.or(fields.description_vi)
        } else {
            fields.description_vi
        },
        image_url: fields.image_url,
        unit: fields.unit,
        gtin: product.gtin.clone(),
    })
}

pub fn scan_producer(producer: &Organization) -> ScanProducer {
    ScanProducer {
        name: producer.name.clone(),
        producer_type: producer.producer_type,
        province: producer.address.province.clone(),
        district: producer.address.district.clone(),
        commune: producer.address.commune.clone(),
        phone: producer.contact.phone.clone(),
    }
}

/// A rating as of `today`: an expired one shows no stars.
pub fn scan_rating(rating: &RatingRow, today: NaiveDate) -> Result<ScanRating, DbError> {
    let status = rating_status(rating.expires_on, today);
    Ok(ScanRating {
        status,
        stars: (status == RatingStatus::Valid)
            .then(|| stored_stars(rating.stars))
            .transpose()?,
        certificate_number: rating.certificate_number.clone(),
        level: stored_enum("rating level", &rating.level, RatingLevel::parse)?,
        issued_on: rating.issued_on,
        expires_on: rating.expires_on,
    })
}

pub fn scan_batch(batch: &BatchRow) -> Result<ScanBatch, DbError> {
    Ok(ScanBatch {
        lot: batch.lot.clone(),
        status: batch.status()?,
        harvest_date: batch.harvest_date,
        production_date: batch.production_date,
        best_before: batch.best_before,
        recall_reason: batch.recall_reason.clone(),
        recalled_at: batch.recalled_at.map(|t| t.and_utc()),
    })
}

/// The registry facts of a run, in the page's language.
pub fn provenance(ctx: &ScanContext, lang: Lang, today: NaiveDate) -> Result<Provenance, DbError> {
    Ok(Provenance {
        product: scan_product(&ctx.product, lang)?,
        producer: scan_producer(&ctx.producer),
        ocop: ctx
            .rating
            .as_ref()
            .map(|r| scan_rating(r, today))
            .transpose()?,
        farming_area: (&ctx.area).try_into()?,
        packing_facility: ctx.facility.as_ref().map(TryInto::try_into).transpose()?,
        batch: scan_batch(&ctx.batch)?,
        certifications: ctx
            .certifications
            .iter()
            .map(|c| {
                let scheme = stored_enum("certification scheme", &c.scheme, CertScheme::parse)?;
                Ok(ScanCertification {
                    scheme,
                    scheme_label: c
                        .scheme_name
                        .clone()
                        .unwrap_or_else(|| scheme.display_name().into()),
                    number: c.number.clone(),
                    issuer: c.issuer.clone(),
                    valid_until: c.valid_until,
                    status: cert_status(c.valid_from, c.valid_until, today),
                })
            })
            .collect::<Result<_, DbError>>()?,
    })
}

/// Stars as stored: 3 to 5.
pub fn stored_stars(stars: i32) -> Result<u8, DbError> {
    u8::try_from(stars)
        .ok()
        .filter(|s| (3..=5).contains(s))
        .ok_or_else(|| DbError::corrupt(format!("stored OCOP stars {stars}")))
}

/// The product's journey: harvest, packing and code issuance from the batch,
/// then every supply-chain event recorded for the code, oldest first.
pub fn journey(ctx: &ScanContext, facts: &CodeFacts, lang: Lang) -> Vec<JourneyStep> {
    let (batch, area, producer) = (&ctx.batch, &ctx.area, &ctx.producer);
    let facility = ctx.facility.as_ref();
    let mut steps = Vec::new();
    if let Some(date) = batch.harvest_date {
        steps.push(JourneyStep {
            step: "harvesting".into(),
            label: i18n::HARVESTED.get(lang).into(),
            date,
            at: None,
            place: Some(area.name.clone()),
            place_code: Some(area.code.clone()),
            recorded_by: None,
        });
    }
    if let Some(date) = batch.production_date {
        steps.push(JourneyStep {
            step: "packing".into(),
            label: i18n::PROCESSED_AND_PACKED.get(lang).into(),
            date,
            at: None,
            place: facility
                .map(|f| f.name.clone())
                .or(Some(producer.name.clone())),
            place_code: facility.map(|f| f.code.clone()),
            recorded_by: None,
        });
    }
    steps.push(JourneyStep {
        step: "commissioning".into(),
        label: i18n::biz_step(BizStep::Commissioning, lang).into(),
        date: local_date(ctx.run_created_at),
        at: None,
        place: Some(producer.name.clone()),
        place_code: None,
        recorded_by: None,
    });
    for (event, org) in ctx.events_with(facts) {
        let step = BizStep::parse(&event.biz_step);
        let place = match (&event.location_name, &event.province) {
            (Some(name), Some(province)) => format!("{name}, {province}"),
            (Some(name), None) => name.clone(),
            (None, Some(province)) => format!("{org}, {province}"),
            (None, None) => org.clone(),
        };
        steps.push(JourneyStep {
            step: event.biz_step.clone(),
            label: step.map_or(event.biz_step.clone(), |s| i18n::biz_step(s, lang).into()),
            date: local_date(event.event_time),
            at: Some(event.event_time.and_utc()),
            place: Some(place),
            place_code: None,
            recorded_by: Some(org.clone()),
        });
    }
    // In date order; steps of one day keep their order (stable sort).
    steps.sort_by_key(|s| s.date);
    steps
}

/// The verdict and warnings of one scan, most serious first.
pub fn warnings(
    ctx: &ScanContext,
    facts: &CodeFacts,
    lang: Lang,
    today: NaiveDate,
) -> Result<(Verdict, Vec<Warning>), DbError> {
    let (batch, area) = (&ctx.batch, &ctx.area);
    let mut warnings = Vec::new();
    let mut warn = |kind: Verdict, message: String| warnings.push(Warning { kind, message });
    if batch.status()? == BatchStatus::Recalled {
        let reason = batch.recall_reason.as_deref().unwrap_or_default();
        warn(Verdict::Recalled, i18n::recall_warning(lang, reason));
    }
    let area_status = area.status()?;
    if area_status != SiteStatus::Active {
        warn(
            Verdict::AreaSuspended,
            i18n::area_warning(
                lang,
                area.farming()?,
                &area.code,
                area_status,
                ctx.area_change(),
            ),
        );
    }
    if let Some(best_before) = batch.best_before
        && past_best_before(Some(best_before), today)
    {
        warn(Verdict::Expired, i18n::expired_warning(lang, best_before));
    }
    if ctx
        .rating
        .as_ref()
        .is_some_and(|r| rating_status(r.expires_on, today) == RatingStatus::Expired)
    {
        warn(
            Verdict::RatingExpired,
            i18n::RATING_EXPIRED_WARNING.get(lang).into(),
        );
    }
    // Only confirmed alerts: a watch is for the producer and the authority
    // to look at, and one client alone can raise it.
    for alert in facts.confirmed_alerts() {
        let rule = stored_enum("alert rule", &alert.rule, CloneRule::parse)?;
        warn(
            Verdict::SuspectedClone,
            i18n::clone_warning(rule, lang).into(),
        );
    }
    let verdict = warnings.first().map_or(Verdict::Authentic, |w| w.kind);
    Ok((verdict, warnings))
}

/// The Vietnamese calendar day of a stored UTC time.
pub fn local_date(at: NaiveDateTime) -> NaiveDate {
    at.and_utc().with_timezone(&VIETNAM).date_naive()
}
