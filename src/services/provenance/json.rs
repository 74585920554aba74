//! One scan's answer: the view of a code (for the page) and its JSON, the
//! run's shared parts serialized once per language and day.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::context::{CodeFacts, RunFragments, ScanContext};
use super::view::{
    Provenance, ScanStats, ScanView, Verdict, Warning, journey, provenance, warnings,
};
use crate::db::DbError;
use crate::domain::code::TraceCode;
use crate::domain::digital_link::LabelClaim;
use crate::domain::scan::Lang;
use crate::i18n;

/// Why a view could not be made: stored facts that do not parse, or JSON
/// that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error(transparent)]
    Stored(#[from] DbError),
    #[error("scan JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<ViewError> for crate::error::ApiError {
    fn from(err: ViewError) -> Self {
        match err {
            ViewError::Stored(e) => e.into(),
            ViewError::Json(e) => Self::internal(e),
        }
    }
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
    /// What the printed GS1 label claims, when the scan came through one.
    pub label: Option<&'a LabelClaim>,
}

impl OneScan<'_> {
    fn warnings(&self) -> Result<(Verdict, Vec<Warning>), DbError> {
        let (verdict, mut warnings) = warnings(self.context, self.facts, self.lang, self.today)?;
        let product = &self.context.product;
        let mismatch = self
            .label
            .is_some_and(|l| !l.fits(product.gtin.as_deref(), &self.context.batch.lot));
        if !mismatch {
            return Ok((verdict, warnings));
        }
        // The most serious warning: the label itself is not this code's.
        warnings.insert(
            0,
            Warning {
                kind: Verdict::LabelMismatch,
                message: i18n::LABEL_MISMATCH_WARNING.get(self.lang).into(),
            },
        );
        Ok((Verdict::LabelMismatch, warnings))
    }

    fn stats(&self) -> ScanStats {
        ScanStats {
            views: self.views,
            first_viewed_at: self.first_viewed.map(|t| t.and_utc()),
        }
    }

    /// The page's facts: pure, from the context, the code's facts and the
    /// scan counter.
    pub fn view(&self) -> Result<ScanView, DbError> {
        build_view(self)
    }

    /// The JSON answer: the same document as [`Self::view`] serialized, with
    /// the run's shared parts serialized once.
    pub fn json(&self) -> Result<String, ViewError> {
        scan_json(self)
    }
}

fn build_view(scan: &OneScan<'_>) -> Result<ScanView, DbError> {
    let (ctx, facts, code, lang, today) =
        (scan.context, scan.facts, scan.code, scan.lang, scan.today);
    let (verdict, warnings) = scan.warnings()?;
    let Provenance {
        product,
        producer,
        ocop,
        farming_area,
        packing_facility,
        batch,
        certifications,
    } = provenance(ctx, lang, today)?;
    Ok(ScanView {
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
        journey: journey(ctx, facts, lang),
        scans: scan.stats(),
    })
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
    fn fragments(&self, lang: Lang, today: NaiveDate) -> Result<Arc<RunFragments>, ViewError> {
        let lock = &self.rendered.0;
        if let Some((_, _, f)) = lock
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|(l, d, _)| *l == lang && *d == today)
        {
            return Ok(f.clone());
        }
        let fragments = Arc::new(RunFragments {
            provenance: inner_fields(serde_json::to_string(&provenance(self, lang, today)?)?),
            journey: serde_json::to_string(&journey(self, &CodeFacts::default(), lang))?,
        });
        let mut cache = lock
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.retain(|(_, d, _)| *d == today);
        cache.push((lang, today, fragments.clone()));
        Ok(fragments)
    }
}

fn scan_json(scan: &OneScan<'_>) -> Result<String, ViewError> {
    let (ctx, facts, code, lang) = (scan.context, scan.facts, scan.code, scan.lang);
    let (verdict, warnings) = scan.warnings()?;
    let today = scan.today;
    let fragments = ctx.fragments(lang, today)?;
    let own_journey;
    let journey_json = if facts.events.is_empty() {
        fragments.journey.as_str()
    } else {
        own_journey = serde_json::to_string(&journey(ctx, facts, lang))?;
        own_journey.as_str()
    };
    let head = ScanHead {
        code: code.as_str(),
        code_grouped: &code.grouped(),
        language: lang,
        verdict,
        warnings: &warnings,
    };
    Ok(assemble_json(
        &head,
        &fragments.provenance,
        journey_json,
        &scan.stats(),
    )?)
}

#[cfg(test)]
mod tests {
    use super::super::view::{JourneyStep, ScanBatch, ScanProducer, ScanProduct, ScanSite};
    use super::*;
    use crate::domain::batch::BatchStatus;
    use crate::domain::site::SiteStatus;
    use chrono::Utc;

    fn site(code: &str) -> ScanSite {
        ScanSite {
            code: code.into(),
            name: "Vùng cam \"Đội 3\"".into(),
            status: SiteStatus::Active,
            target_market: "domestic".into(),
            province: "Hòa Bình".into(),
            district: None,
            crop: Some("Cam".into()),
            farming: Some(crate::domain::site::Farming::Crops),
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
