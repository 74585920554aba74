//! What a consumer sees for a code, assembled from the registry: the facts
//! Circular 02/2024/TT-BKHCN asks for (product, producer and address, each
//! stage with its trace and location codes and time, lot and shelf life,
//! standards) plus OCOP stars, recall and clone warnings. Served as JSON and
//! rendered as the HTML page.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::stored_uuid;
use crate::db::alerts::AlertRow;
use crate::db::codes::CodeRunRow;
use crate::db::events::EventWithOrg;
use crate::db::sites::SiteRow;
use crate::db::{self, DbConnection};
use crate::domain::batch::BatchStatus;
use crate::domain::certification::{CertScheme, CertStatus, cert_status};
use crate::domain::clone::{CloneRule, GeoPoint, Sale};
use crate::domain::code::TraceCode;
use crate::domain::ocop::{RatingLevel, RatingStatus, rating_status};
use crate::domain::organization::ProducerType;
use crate::domain::scan::Lang;
use crate::domain::site::SiteStatus;
use crate::domain::supply::BizStep;
use crate::domain::time::VIETNAM;
use crate::error::ApiError;

/// The one-word answer to "is this product what it says?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Authentic,
    Recalled,
    RatingExpired,
    AreaSuspended,
    SuspectedClone,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Warning {
    pub kind: Verdict,
    /// In the page's language, in plain words.
    pub message: String,
}

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
}

impl From<&SiteRow> for ScanSite {
    fn from(s: &SiteRow) -> Self {
        Self {
            code: s.code.clone(),
            name: s.name.clone(),
            status: s.status(),
            target_market: s.target_market.clone(),
            province: s.province.clone(),
            district: s.district.clone(),
            crop: s.crop.clone(),
        }
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

/// The registry facts behind a run's codes: read once, cached, and read again
/// whenever the registry changes (see [`crate::routes::scan_cache`]).
#[derive(Debug, Clone)]
pub struct ScanContext {
    pub run_id: String,
    pub run_created_at: NaiveDateTime,
    pub batch: db::batches::BatchRow,
    pub product: db::products::ProductRow,
    pub producer: db::organizations::Organization,
    pub rating: Option<db::products::RatingRow>,
    pub area: SiteRow,
    pub facility: Option<SiteRow>,
    pub certifications: Vec<db::certifications::CertificationRow>,
    /// Events about the whole batch or this run, oldest first.
    pub batch_events: Vec<EventWithOrg>,
    /// Does any code of the batch have events or alerts of its own? When
    /// not, a code's facts need no reading.
    pub codes_have_facts: bool,
    /// The JSON of what every code of the run shares, per language and day.
    pub rendered: RenderCache,
}

/// Pre-serialized JSON of a run's shared facts: the provenance (product to
/// certifications) and the journey of a code without events of its own.
#[derive(Debug)]
pub struct RunFragments {
    pub provenance: String,
    pub journey: String,
}

/// Rendered fragments by (language, day): a rating or certificate can
/// expire at midnight, so the day is part of the key.
#[derive(Default)]
pub struct RenderCache(std::sync::RwLock<Vec<(Lang, NaiveDate, Arc<RunFragments>)>>);

impl std::fmt::Debug for RenderCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RenderCache")
    }
}

impl Clone for RenderCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// What is known of one code beyond its run: events naming it, clone alerts.
#[derive(Debug, Clone, Default)]
pub struct CodeFacts {
    pub events: Vec<EventWithOrg>,
    pub alerts: Vec<AlertRow>,
}

impl CodeFacts {
    /// The alerts shown to consumers and shops.
    pub fn confirmed_alerts(&self) -> impl Iterator<Item = &AlertRow> {
        self.alerts
            .iter()
            .filter(|a| a.status == crate::domain::clone::AlertStatus::Confirmed.as_str())
    }
}

impl ScanContext {
    /// Every supply-chain event of a code, oldest first.
    pub fn events_with<'a>(&'a self, facts: &'a CodeFacts) -> Vec<&'a EventWithOrg> {
        let mut all: Vec<&EventWithOrg> = self.batch_events.iter().chain(&facts.events).collect();
        all.sort_by(|a, b| (a.0.event_time, &a.0.id).cmp(&(b.0.event_time, &b.0.id)));
        all
    }

    /// Sales of the code that say where the shop is.
    pub fn sales(&self, facts: &CodeFacts) -> Vec<Sale> {
        self.events_with(facts)
            .into_iter()
            .filter(|(e, _)| e.biz_step == BizStep::RetailSelling.as_str())
            .filter_map(|(e, org)| {
                Some(Sale {
                    at: e.event_time,
                    point: GeoPoint {
                        latitude: e.latitude?,
                        longitude: e.longitude?,
                    },
                    shop: e.location_name.clone().unwrap_or_else(|| org.clone()),
                })
            })
            .collect()
    }

    /// Has a shop sold this package to a consumer?
    pub fn sold(&self, facts: &CodeFacts) -> bool {
        self.events_with(facts)
            .iter()
            .any(|(e, _)| e.biz_step == BizStep::RetailSelling.as_str())
    }
}

/// Events and alerts of many codes at once.
pub fn load_code_facts(
    conn: &mut DbConnection,
    codes: &[String],
) -> Result<std::collections::HashMap<String, CodeFacts>, ApiError> {
    let mut out: std::collections::HashMap<String, CodeFacts> = std::collections::HashMap::new();
    for (code, event) in db::events::naming_codes(conn, codes)? {
        out.entry(code).or_default().events.push(event);
    }
    for alert in db::alerts::of_codes(conn, codes)? {
        out.entry(alert.code.clone())
            .or_default()
            .alerts
            .push(alert);
    }
    Ok(out)
}

/// Events and alerts of one code (cached statements: no IN list).
pub fn load_facts_of(conn: &mut DbConnection, code: &TraceCode) -> Result<CodeFacts, ApiError> {
    Ok(CodeFacts {
        events: db::events::naming_code(conn, code.as_str())?,
        alerts: db::alerts::of_code(conn, code.as_str())?,
    })
}

/// Read the context of a run (on the blocking pool).
pub fn load_context(conn: &mut DbConnection, run: &CodeRunRow) -> Result<ScanContext, ApiError> {
    let missing = |what: &str| ApiError::Internal(format!("run {}: {what} missing", run.id));
    let batch =
        db::batches::find(conn, stored_uuid(&run.batch_id)?)?.ok_or_else(|| missing("batch"))?;
    let product = db::products::find(conn, stored_uuid(&batch.product_id)?)?
        .ok_or_else(|| missing("product"))?;
    let producer = db::organizations::find(conn, stored_uuid(&batch.producer_id)?)?
        .ok_or_else(|| missing("producer"))?;
    let rating = db::products::current_rating(conn, &product)?;
    let mut site_ids = vec![run.farming_area_id.clone()];
    site_ids.extend(batch.packing_facility_id.clone());
    let sites = db::sites::by_ids(conn, &site_ids)?;
    let area = sites
        .iter()
        .find(|s| s.id == run.farming_area_id)
        .cloned()
        .ok_or_else(|| missing("farming area"))?;
    let facility = batch
        .packing_facility_id
        .as_ref()
        .and_then(|id| sites.iter().find(|s| &s.id == id))
        .cloned();
    let certifications = db::certifications::for_product(conn, &product.producer_id, &product.id)?;
    let batch_events = db::events::of_batch(conn, &batch.id)?
        .into_iter()
        .filter(|(e, _)| e.scope == "batch" || e.run_id.as_deref() == Some(run.id.as_str()))
        .collect();
    let codes_have_facts = db::events::batch_has_named_codes(conn, &batch.id)?
        || db::alerts::batch_has_alerts(conn, &batch.id)?;
    Ok(ScanContext {
        rendered: RenderCache::default(),
        codes_have_facts,
        run_id: run.id.clone(),
        run_created_at: run.created_at,
        batch,
        product,
        producer,
        rating,
        area,
        facility,
        certifications,
        batch_events,
    })
}

/// A code's views so far (as the scan counter starts from), and when it
/// was first viewed.
pub type Views = (i64, Option<NaiveDateTime>);

/// A code's run and its views so far; None: no such code.
pub fn load_code(
    conn: &mut DbConnection,
    code: &TraceCode,
) -> Result<Option<(CodeRunRow, Views)>, ApiError> {
    match db::codes::find_code(conn, code)? {
        Some((_, run)) => Ok(Some((run, db::scans::views_of(conn, code.as_str())?))),
        None => Ok(None),
    }
}

/// The registry facts of a run, in the page's language.
pub fn provenance(ctx: &ScanContext, lang: Lang, today: NaiveDate) -> Provenance {
    let (batch, product, producer) = (&ctx.batch, &ctx.product, &ctx.producer);
    let en = lang == Lang::En;
    let fields = product.fields();
    let ocop = ctx.rating.as_ref().map(|r| {
        let status = rating_status(r.expires_on, today);
        ScanRating {
            status,
            stars: (status == RatingStatus::Valid).then(|| u8::try_from(r.stars).unwrap_or(0)),
            certificate_number: r.certificate_number.clone(),
            level: RatingLevel::parse(&r.level).unwrap_or(RatingLevel::Provincial),
            issued_on: r.issued_on,
            expires_on: r.expires_on,
        }
    });
    Provenance {
        product: ScanProduct {
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
        },
        producer: ScanProducer {
            name: producer.name.clone(),
            producer_type: producer.producer_type,
            province: producer.address.province.clone(),
            district: producer.address.district.clone(),
            commune: producer.address.commune.clone(),
            phone: producer.contact.phone.clone(),
        },
        ocop,
        farming_area: (&ctx.area).into(),
        packing_facility: ctx.facility.as_ref().map(Into::into),
        batch: ScanBatch {
            lot: batch.lot.clone(),
            status: batch.status(),
            harvest_date: batch.harvest_date,
            production_date: batch.production_date,
            best_before: batch.best_before,
            recall_reason: batch.recall_reason.clone(),
            recalled_at: batch.recalled_at.map(|t| t.and_utc()),
        },
        certifications: ctx
            .certifications
            .iter()
            .map(|c| {
                let scheme = CertScheme::parse(&c.scheme).unwrap_or(CertScheme::Other);
                ScanCertification {
                    scheme,
                    scheme_label: c
                        .scheme_name
                        .clone()
                        .unwrap_or_else(|| scheme.display_name().into()),
                    number: c.number.clone(),
                    issuer: c.issuer.clone(),
                    valid_until: c.valid_until,
                    status: cert_status(c.valid_from, c.valid_until, today),
                }
            })
            .collect(),
    }
}

/// The product's journey: harvest, packing and code issuance from the batch,
/// then every supply-chain event recorded for the code, oldest first.
pub fn journey(ctx: &ScanContext, facts: &CodeFacts, en: bool) -> Vec<JourneyStep> {
    let (batch, area, producer) = (&ctx.batch, &ctx.area, &ctx.producer);
    let facility = ctx.facility.as_ref();
    let mut steps = Vec::new();
    if let Some(date) = batch.harvest_date {
        steps.push(JourneyStep {
            step: "harvesting".into(),
            label: if en { "Harvested" } else { "Thu hoạch" }.into(),
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
            label: if en {
                "Processed and packed"
            } else {
                "Sơ chế, đóng gói"
            }
            .into(),
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
        label: BizStep::Commissioning.label(en).into(),
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
            label: step.map_or(event.biz_step.clone(), |s| s.label(en).into()),
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
) -> (Verdict, Vec<Warning>) {
    let en = lang == Lang::En;
    let (batch, area) = (&ctx.batch, &ctx.area);
    let mut warnings = Vec::new();
    let mut warn = |kind: Verdict, vi: String, en_text: String| {
        warnings.push(Warning {
            kind,
            message: if en { en_text } else { vi },
        });
    };
    if batch.status() == BatchStatus::Recalled {
        let reason = batch.recall_reason.clone().unwrap_or_default();
        warn(
            Verdict::Recalled,
            format!("Lô hàng này đã bị THU HỒI. Không sử dụng sản phẩm. Lý do: {reason}"),
            format!("This batch has been RECALLED. Do not use the product. Reason: {reason}"),
        );
    }
    if area.status() != SiteStatus::Active {
        let (vi, en_status) = match area.status() {
            SiteStatus::Revoked => ("đã bị thu hồi mã", "has had its code revoked"),
            _ => ("đang bị tạm đình chỉ", "is currently suspended"),
        };
        warn(
            Verdict::AreaSuspended,
            format!("Vùng trồng {} {vi} bởi cơ quan quản lý.", area.code),
            format!(
                "The farming area {} {en_status} by the authority.",
                area.code
            ),
        );
    }
    if ctx
        .rating
        .as_ref()
        .is_some_and(|r| rating_status(r.expires_on, today) == RatingStatus::Expired)
    {
        warn(
            Verdict::RatingExpired,
            "Chứng nhận OCOP của sản phẩm đã hết hạn; sản phẩm hiện không được công nhận sao OCOP."
                .into(),
            "The product's OCOP certificate has expired; it currently holds no OCOP stars.".into(),
        );
    }
    // Only confirmed alerts: a watch is for the producer and the authority
    // to look at, and one client alone can raise it.
    for alert in facts.confirmed_alerts() {
        if let Some(rule) = CloneRule::parse(&alert.rule) {
            warn(
                Verdict::SuspectedClone,
                rule.consumer_message(false).into(),
                rule.consumer_message(true).into(),
            );
        }
    }
    let verdict = warnings.first().map_or(Verdict::Authentic, |w| w.kind);
    (verdict, warnings)
}

/// One view of a code: what the answer is made from.
pub struct OneScan<'a> {
    pub context: &'a ScanContext,
    pub facts: &'a CodeFacts,
    pub code: &'a TraceCode,
    pub lang: Lang,
    pub today: NaiveDate,
    /// Views including this one.
    pub views: i64,
    pub first_viewed: Option<NaiveDateTime>,
}

impl OneScan<'_> {
    fn warnings(&self) -> (Verdict, Vec<Warning>) {
        warnings(self.context, self.facts, self.lang, self.today)
    }

    fn stats(&self) -> ScanStats {
        ScanStats {
            views: self.views,
            first_viewed_at: self.first_viewed.map(|t| t.and_utc()),
        }
    }

    /// The page's facts: pure, from the context, the code's facts and the
    /// scan counter.
    pub fn view(&self) -> ScanView {
        build_view(self)
    }

    /// The JSON answer: the same document as [`Self::view`] serialized, with
    /// the run's shared parts serialized once.
    pub fn json(&self) -> Result<String, serde_json::Error> {
        scan_json(self)
    }
}

fn build_view(scan: &OneScan<'_>) -> ScanView {
    let (ctx, facts, code, lang, today) =
        (scan.context, scan.facts, scan.code, scan.lang, scan.today);
    let (verdict, warnings) = scan.warnings();
    let Provenance {
        product,
        producer,
        ocop,
        farming_area,
        packing_facility,
        batch,
        certifications,
    } = provenance(ctx, lang, today);
    ScanView {
        code: code.to_string(),
        code_grouped: code.grouped(),
        language: lang,
        verdict,
        warnings,
        product,
        producer,
        ocop,
        farming_area,
        packing_facility,
        batch,
        certifications,
        journey: journey(ctx, facts, lang == Lang::En),
        scans: scan.stats(),
    }
}

/// The part of the scan's JSON that differs per code and per view.
#[derive(Serialize)]
struct ScanHead<'a> {
    code: &'a str,
    code_grouped: &'a str,
    language: Lang,
    verdict: Verdict,
    warnings: &'a [Warning],
}

/// The fields of a serialized object, without its braces.
fn inner_fields(object_json: String) -> String {
    object_json
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .map(str::to_owned)
        .unwrap_or_default()
}

/// `ScanView` as JSON, assembled from its parts: the same bytes as
/// serializing the whole view, with the shared parts serialized once.
fn assemble_json(
    head: &ScanHead<'_>,
    provenance_fields: &str,
    journey_json: &str,
    scans: &ScanStats,
) -> Result<String, serde_json::Error> {
    let head = serde_json::to_string(head)?;
    let scans = serde_json::to_string(scans)?;
    let mut out = String::with_capacity(
        head.len() + provenance_fields.len() + journey_json.len() + scans.len() + 32,
    );
    out.push_str(&head[..head.len() - 1]);
    out.push(',');
    out.push_str(provenance_fields);
    out.push_str(",\"journey\":");
    out.push_str(journey_json);
    out.push_str(",\"scans\":");
    out.push_str(&scans);
    out.push('}');
    Ok(out)
}

impl ScanContext {
    /// The run's shared JSON for a language and day, rendered once.
    fn fragments(
        &self,
        lang: Lang,
        today: NaiveDate,
    ) -> Result<Arc<RunFragments>, serde_json::Error> {
        let lock = &self.rendered.0;
        if let Some((_, _, f)) = lock
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(l, d, _)| *l == lang && *d == today)
        {
            return Ok(f.clone());
        }
        let fragments = Arc::new(RunFragments {
            provenance: inner_fields(serde_json::to_string(&provenance(self, lang, today))?),
            journey: serde_json::to_string(&journey(
                self,
                &CodeFacts::default(),
                lang == Lang::En,
            ))?,
        });
        let mut cache = lock.write().unwrap_or_else(|e| e.into_inner());
        cache.retain(|(_, d, _)| *d == today);
        cache.push((lang, today, fragments.clone()));
        Ok(fragments)
    }
}

fn scan_json(scan: &OneScan<'_>) -> Result<String, serde_json::Error> {
    let (ctx, facts, code, lang) = (scan.context, scan.facts, scan.code, scan.lang);
    let (verdict, warnings) = scan.warnings();
    let today = scan.today;
    let fragments = ctx.fragments(lang, today)?;
    let own_journey;
    let journey_json = if facts.events.is_empty() {
        fragments.journey.as_str()
    } else {
        own_journey = serde_json::to_string(&journey(ctx, facts, lang == Lang::En))?;
        own_journey.as_str()
    };
    let head = ScanHead {
        code: code.as_str(),
        code_grouped: &code.grouped(),
        language: lang,
        verdict,
        warnings: &warnings,
    };
    assemble_json(&head, &fragments.provenance, journey_json, &scan.stats())
}

/// The Vietnamese calendar day of a stored UTC time.
pub fn local_date(at: NaiveDateTime) -> NaiveDate {
    at.and_utc().with_timezone(&VIETNAM).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(code: &str) -> ScanSite {
        ScanSite {
            code: code.into(),
            name: "Vùng cam \"Đội 3\"".into(),
            status: SiteStatus::Active,
            target_market: "domestic".into(),
            province: "Hòa Bình".into(),
            district: None,
            crop: Some("Cam".into()),
        }
    }

    /// The assembled JSON is the same document as the view serialized whole.
    #[test]
    fn assembled_json_equals_the_serialized_view() {
        let provenance = Provenance {
            product: ScanProduct {
                name: "Cam Cao Phong".into(),
                name_en: None,
                group_name_vi: "Thực phẩm".into(),
                description: Some("Dòng 1\nDòng 2 — “ngọt”".into()),
                image_url: None,
                unit: Some("kg".into()),
                gtin: Some("08936012340020".into()),
            },
            producer: ScanProducer {
                name: "HTX".into(),
                producer_type: None,
                province: "Hòa Bình".into(),
                district: Some("Cao Phong".into()),
                commune: None,
                phone: None,
            },
            ocop: None,
            farming_area: site("VN-HBOR-0012"),
            packing_facility: Some(site("PF-1")),
            batch: ScanBatch {
                lot: "CCP-2611-A".into(),
                status: BatchStatus::Active,
                harvest_date: NaiveDate::from_ymd_opt(2026, 11, 1),
                production_date: None,
                best_before: None,
                recall_reason: None,
                recalled_at: None,
            },
            certifications: vec![],
        };
        let journey = vec![JourneyStep {
            step: "shipping".into(),
            label: "Xuất hàng".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 2).expect("date"),
            at: Some(Utc::now()),
            place: Some("Kho".into()),
            place_code: None,
            recorded_by: Some("HTX".into()),
        }];
        let code = TraceCode::random();
        let warnings = vec![Warning {
            kind: Verdict::SuspectedClone,
            message: "Mã này đã được quét 51 lần.".into(),
        }];
        let scans = ScanStats {
            views: 51,
            first_viewed_at: Some(Utc::now()),
        };
        let view = ScanView {
            code: code.to_string(),
            code_grouped: code.grouped(),
            language: Lang::Vi,
            verdict: Verdict::SuspectedClone,
            warnings: warnings.clone(),
            product: provenance.product.clone(),
            producer: provenance.producer.clone(),
            ocop: None,
            farming_area: provenance.farming_area.clone(),
            packing_facility: provenance.packing_facility.clone(),
            batch: provenance.batch.clone(),
            certifications: vec![],
            journey: journey.clone(),
            scans: scans.clone(),
        };
        let head = ScanHead {
            code: code.as_str(),
            code_grouped: &code.grouped(),
            language: Lang::Vi,
            verdict: Verdict::SuspectedClone,
            warnings: &warnings,
        };
        let assembled = assemble_json(
            &head,
            &inner_fields(serde_json::to_string(&provenance).expect("json")),
            &serde_json::to_string(&journey).expect("json"),
            &scans,
        )
        .expect("assembled");
        assert_eq!(assembled, serde_json::to_string(&view).expect("json"));
    }
}
