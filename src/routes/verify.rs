//! Provenance verification for supermarkets and the authority: one code, or
//! a whole delivery in one request, each with a verdict and where it comes from.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use actix_web::{get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::events::{EventOut, event_out};
use super::scan_view::{self, CodeFacts, Provenance, ScanContext, provenance};
use super::{AppState, stored_uuid, today};
use crate::auth::{Authorized, Principal, RoleSet};
use crate::db::{self, DbConnection};
use crate::domain::batch::BatchStatus;
use crate::domain::code::TraceCode;
use crate::domain::ocop::RatingStatus;
use crate::domain::organization::OrgKind;
use crate::domain::scan::{Lang, pick_language};
use crate::domain::site::SiteStatus;
use crate::domain::verify::{CodeFindings, MAX_CODES_PER_DELIVERY, VerifyVerdict, verdicts};
use crate::error::ApiError;
use crate::extract::{ApiQuery, BulkJson};

/// Everyone with an account verifies; a producer only its own codes (any
/// other code reads `unknown`).
pub struct Verifiers;
impl RoleSet for Verifiers {
    const ROLES: &'static [OrgKind] = &[
        OrgKind::Admin,
        OrgKind::Authority,
        OrgKind::Producer,
        OrgKind::Retailer,
    ];
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    /// Language of names and reasons: `vi` (default) or `en`.
    pub lang: Option<String>,
}

/// The verdict on one code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CodeVerdict {
    /// The code as sent.
    pub code: String,
    /// The code as registered (upper case, no hyphens), when it parses.
    pub canonical_code: Option<String>,
    /// The most serious finding.
    pub verdict: VerifyVerdict,
    /// Every finding, most serious first.
    pub verdicts: Vec<VerifyVerdict>,
    /// Why, in plain words.
    pub reasons: Vec<String>,
    /// Key into `provenances` (bulk) — the code's run.
    pub provenance_ref: Option<Uuid>,
    /// Consumer views so far.
    pub views: i64,
    /// Events that name this code one by one.
    pub events: Vec<EventOut>,
}

/// Where a run's codes come from, with the events about the whole batch or run.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProvenanceEntry {
    #[serde(flatten)]
    pub provenance: Provenance,
    pub batch_events: Vec<EventOut>,
}

/// One code's verdict with its provenance inline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VerifyOne {
    #[serde(flatten)]
    pub result: CodeVerdict,
    pub provenance: Option<ProvenanceEntry>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRequest {
    /// 1 to 10,000 codes as printed or scanned (any case, hyphens allowed).
    pub codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryVerdict {
    /// How many codes got each verdict.
    pub summary: BTreeMap<String, usize>,
    /// All `authentic`?
    pub all_authentic: bool,
    /// One per code sent, in the order sent.
    pub results: Vec<CodeVerdict>,
    /// The provenance of each code run met, by `provenance_ref`.
    pub provenances: BTreeMap<Uuid, ProvenanceEntry>,
}

fn reason(v: VerifyVerdict, ctx: Option<&ScanContext>, en: bool) -> String {
    match (v, en) {
        (VerifyVerdict::Unknown, false) => "Mã không có trong hệ thống: hàng có thể là giả.".into(),
        (VerifyVerdict::Unknown, true) => {
            "Not a registered code: the package may be counterfeit.".into()
        }
        (VerifyVerdict::Recalled, _) => {
            let why = ctx
                .and_then(|c| c.batch.recall_reason.clone())
                .unwrap_or_default();
            if en {
                format!("The batch was recalled: {why}")
            } else {
                format!("Lô hàng đã bị thu hồi: {why}")
            }
        }
        (VerifyVerdict::AreaSuspended, _) => {
            let area = ctx.map(|c| c.area.code.clone()).unwrap_or_default();
            if en {
                format!("Farming area {area} is suspended or revoked.")
            } else {
                format!("Vùng trồng {area} đang bị đình chỉ hoặc đã bị thu hồi mã.")
            }
        }
        (VerifyVerdict::RatingExpired, false) => "Chứng nhận OCOP của sản phẩm đã hết hạn.".into(),
        (VerifyVerdict::RatingExpired, true) => "The product's OCOP rating has expired.".into(),
        (VerifyVerdict::SuspectedClone, false) => {
            "Mã có dấu hiệu bị sao chép (xem cảnh báo).".into()
        }
        (VerifyVerdict::SuspectedClone, true) => "The code looks copied (see the alerts).".into(),
        (VerifyVerdict::AlreadySold, false) => {
            "Gói hàng này đã được bán lẻ cho người tiêu dùng.".into()
        }
        (VerifyVerdict::AlreadySold, true) => "This package was already sold to a consumer.".into(),
        (VerifyVerdict::Authentic, false) => "Mã hợp lệ, nguồn gốc đầy đủ.".into(),
        (VerifyVerdict::Authentic, true) => "Registered code with full provenance.".into(),
    }
}

/// Verify codes (as sent) on one connection: the work of both endpoints.
fn verify_codes(
    conn: &mut DbConnection,
    who: &Principal,
    sent: &[String],
    lang: Lang,
) -> Result<DeliveryVerdict, ApiError> {
    let en = lang == Lang::En;
    let today = today();
    let parsed: Vec<Option<TraceCode>> = sent.iter().map(|c| TraceCode::parse(c).ok()).collect();
    let mut canonical: Vec<String> = parsed.iter().flatten().map(TraceCode::to_string).collect();
    canonical.sort_unstable();
    canonical.dedup();
    // code → run id, for the codes the caller may see.
    let owners: HashMap<String, String> = db::events::code_owners(conn, &canonical)?
        .into_iter()
        .filter(|(_, _, _, producer)| who.can_see(producer))
        .map(|(code, run, _, _)| (code, run))
        .collect();
    let mut contexts: HashMap<String, Arc<ScanContext>> = HashMap::new();
    let mut run_ids: Vec<&String> = owners.values().collect();
    run_ids.sort_unstable();
    run_ids.dedup();
    for run_id in run_ids {
        let run = db::codes::find_run(conn, stored_uuid(run_id)?)?
            .ok_or_else(|| ApiError::Internal(format!("run {run_id} missing")))?;
        contexts.insert(
            run_id.clone(),
            Arc::new(scan_view::load_context(conn, &run)?),
        );
    }
    let known: Vec<String> = owners.keys().cloned().collect();
    let mut facts = scan_view::load_code_facts(conn, &known)?;
    let views: HashMap<String, i64> = db::scans::views_of_many(conn, &known)?
        .into_iter()
        .collect();

    // A retailer reads the producer's events and its own, never another
    // shop's (its purchase orders, its shop's coordinates, its suppliers).
    let me = who.org_id.to_string();
    let shown_events = |events: &[db::events::EventWithOrg], producer: &str| {
        events
            .iter()
            .filter(|(e, _)| !who.is(OrgKind::Retailer) || e.org_id == producer || e.org_id == me)
            .map(event_out)
            .collect::<Result<Vec<_>, _>>()
    };
    let mut provenances = BTreeMap::new();
    for (run_id, ctx) in &contexts {
        provenances.insert(
            stored_uuid(run_id)?,
            ProvenanceEntry {
                provenance: provenance(ctx, lang, today),
                batch_events: shown_events(&ctx.batch_events, &ctx.batch.producer_id)?,
            },
        );
    }
    let mut summary: BTreeMap<String, usize> = BTreeMap::new();
    let mut results = Vec::with_capacity(sent.len());
    for (raw, code) in sent.iter().zip(&parsed) {
        let canonical_code = code.map(|c| c.to_string());
        let run_id = canonical_code.as_ref().and_then(|c| owners.get(c));
        let ctx = run_id.and_then(|r| contexts.get(r));
        let (found, code_facts, code_views) = match (ctx, &canonical_code) {
            (Some(ctx), Some(c)) => {
                let f = facts.remove(c).unwrap_or_default();
                let v = views.get(c).copied().unwrap_or(0);
                let rating_expired = ctx.rating.as_ref().is_some_and(|r| {
                    crate::domain::ocop::rating_status(r.expires_on, today) == RatingStatus::Expired
                });
                let clone = f.confirmed_alerts().next().is_some();
                let findings = CodeFindings {
                    recalled: ctx.batch.status() == BatchStatus::Recalled,
                    area_suspended: ctx.area.status() != SiteStatus::Active,
                    rating_expired,
                    suspected_clone: clone,
                    sold: ctx.sold(&f),
                };
                (verdicts(findings), f, v)
            }
            _ => (vec![VerifyVerdict::Unknown], CodeFacts::default(), 0),
        };
        let verdict = found[0];
        *summary.entry(verdict.as_str().to_owned()).or_default() += 1;
        results.push(CodeVerdict {
            code: raw.clone(),
            canonical_code,
            verdict,
            reasons: found
                .iter()
                .map(|v| reason(*v, ctx.map(Arc::as_ref), en))
                .collect(),
            verdicts: found,
            provenance_ref: run_id.map(|r| stored_uuid(r)).transpose()?,
            views: code_views,
            events: match ctx {
                Some(ctx) => shown_events(&code_facts.events, &ctx.batch.producer_id)?,
                None => Vec::new(),
            },
        });
    }
    Ok(DeliveryVerdict {
        all_authentic: results
            .iter()
            .all(|r| r.verdict == VerifyVerdict::Authentic),
        summary,
        results,
        provenances,
    })
}

/// Verify one code: its verdict and full provenance. A retailer sees the
/// producer's events and its own; other shops' events count in the verdict
/// (`already_sold`) but are not shown.
#[utoipa::path(
    tag = "verification",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "A trace code, any case, hyphens allowed"), VerifyQuery),
    responses((status = 200, body = VerifyOne))
)]
#[get("/verify/{code}")]
pub async fn verify_code(
    state: web::Data<AppState>,
    caller: Authorized<Verifiers>,
    code: web::Path<String>,
    query: ApiQuery<VerifyQuery>,
) -> Result<web::Json<VerifyOne>, ApiError> {
    let lang = pick_language(query.into_inner().lang.as_deref(), None);
    let who = caller.principal;
    let sent = vec![code.into_inner()];
    let mut answer = state
        .db
        .run(move |conn| verify_codes(conn, &who, &sent, lang))
        .await?;
    let result = answer
        .results
        .pop()
        .ok_or_else(|| ApiError::Internal("no verdict".into()))?;
    let provenance = result
        .provenance_ref
        .and_then(|r| answer.provenances.remove(&r));
    Ok(web::Json(VerifyOne { result, provenance }))
}

/// Verify a delivery: up to 10,000 codes in one request, a verdict for each
/// (in the order sent) and the provenance of every code run met.
#[utoipa::path(
    tag = "verification",
    security(("bearer" = [])),
    params(VerifyQuery),
    request_body = DeliveryRequest,
    responses(
        (status = 200, body = DeliveryVerdict),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[post("/verify")]
pub async fn verify_delivery(
    state: web::Data<AppState>,
    caller: Authorized<Verifiers>,
    query: ApiQuery<VerifyQuery>,
    body: BulkJson<DeliveryRequest>,
) -> Result<web::Json<DeliveryVerdict>, ApiError> {
    let lang = pick_language(query.into_inner().lang.as_deref(), None);
    let codes = body.into_inner().codes;
    if codes.is_empty() || codes.len() > MAX_CODES_PER_DELIVERY {
        return Err(ApiError::invalid(
            "codes",
            format!("send 1 to {MAX_CODES_PER_DELIVERY} codes"),
        ));
    }
    let who = caller.principal;
    let answer = state
        .db
        .run(move |conn| verify_codes(conn, &who, &codes, lang))
        .await?;
    Ok(web::Json(answer))
}
