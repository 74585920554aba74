//! Provenance verification for supermarkets and the authority: one code or
//! a whole delivery, each with a verdict and where it comes from. Reads the
//! same provenance read model (and cache) as the consumer's scan.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Services;
use super::provenance::context::{load_code_facts, load_context};
use super::provenance::view::provenance;
use super::provenance::{CodeFacts, Provenance, ScanContext};
use super::supply::{EventOut, event_out};
use crate::auth::Principal;
use crate::db::{self, stored_uuid};
use crate::domain::batch::{BatchStatus, past_best_before};
use crate::domain::code::TraceCode;
use crate::domain::ocop::RatingStatus;
use crate::domain::organization::OrgKind;
use crate::domain::scan::Lang;
use crate::domain::site::SiteStatus;
use crate::domain::time::today;
use crate::domain::verify::{CodeFindings, VerifyVerdict, verdicts};
use crate::error::ApiError;

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

fn reason(v: VerifyVerdict, ctx: Option<&ScanContext>, lang: Lang) -> String {
    let facts = match ctx {
        Some(c) => crate::i18n::ReasonFacts {
            recall_reason: c.batch.recall_reason.as_deref().unwrap_or_default(),
            area_code: &c.area.code,
            // A stored value that does not parse fails the scan's view of
            // the same context; the reason only words the area's name.
            farming: c.area.farming().ok().flatten(),
            area_change: c.area_change(),
            best_before: c.batch.best_before,
        },
        None => crate::i18n::ReasonFacts::default(),
    };
    crate::i18n::verify_reason(v, lang, facts)
}

/// A code whose registry facts are in hand.
struct Known {
    context: Arc<ScanContext>,
    facts: Arc<CodeFacts>,
    views: i64,
}

/// Verify codes as sent (any case, hyphens): a verdict for each, in the
/// order sent, and the provenance of every run met. Reads through the scan's
/// read model: codes whose facts are current in memory cost no query; the
/// rest are read together (one query per kind of fact, not per code).
pub async fn verify_codes(
    services: &Services,
    who: Principal,
    sent: Vec<String>,
    lang: Lang,
) -> Result<DeliveryVerdict, ApiError> {
    let parsed: Vec<Option<TraceCode>> = sent.iter().map(|c| TraceCode::parse(c).ok()).collect();
    let mut distinct: Vec<TraceCode> = parsed.iter().flatten().copied().collect();
    distinct.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
    distinct.dedup();
    // Nothing is recorded whose commit could tell of another node's write:
    // the database's version is read first (PostgreSQL).
    let version = services.current_registry_version().await?;
    let cache = &services.scan.cache;
    let mut known: HashMap<TraceCode, Known> = HashMap::new();
    let mut missing = Vec::new();
    for code in distinct {
        let cached = cache.get(&code, version);
        match (cached.context, cached.facts) {
            (Some(context), Some(facts)) => {
                known.insert(
                    code,
                    Known {
                        context,
                        facts,
                        views: cached.views,
                    },
                );
            }
            _ => missing.push(code),
        }
    }
    if missing.len() == 1 {
        // One code (the usual single verification): read it as a scan does,
        // so the next verification or scan of it finds it in memory.
        let code = missing[0];
        if let Some(found) = services.code_view(code).await? {
            known.insert(
                code,
                Known {
                    context: found.context,
                    facts: found.facts,
                    views: cache.get(&code, version).views,
                },
            );
        }
    } else if !missing.is_empty() {
        let cached_contexts = |run_id: &str| cache.context(run_id, version);
        let mut contexts: HashMap<String, Arc<ScanContext>> = HashMap::new();
        let wanted: Vec<String> = missing.iter().map(TraceCode::to_string).collect();
        let owners = services
            .read(move |conn| Ok(db::events::code_owners(conn, &wanted)?))
            .await?;
        let mut to_load: Vec<String> = Vec::new();
        for (_, run_id, _, _) in &owners {
            match cached_contexts(run_id) {
                Some(ctx) => {
                    contexts.insert(run_id.clone(), ctx);
                }
                None => to_load.push(run_id.clone()),
            }
        }
        to_load.sort_unstable();
        to_load.dedup();
        let codes: Vec<String> = owners.iter().map(|(code, ..)| code.clone()).collect();
        let (loaded, mut facts, views) = services
            .read(move |conn| {
                let mut loaded = Vec::with_capacity(to_load.len());
                for run_id in &to_load {
                    let run = db::codes::find_run(conn, stored_uuid(run_id)?)?
                        .ok_or_else(|| ApiError::internal(format!("run {run_id} missing")))?;
                    loaded.push(load_context(conn, &run)?);
                }
                let facts = load_code_facts(conn, &codes)?;
                let views: HashMap<String, i64> = db::scans::views_of_many(conn, &codes)?
                    .into_iter()
                    .collect();
                Ok((loaded, facts, views))
            })
            .await?;
        for context in loaded {
            let context = Arc::new(context);
            cache.put_context(&context.run_id, version, context.clone());
            contexts.insert(context.run_id.clone(), context);
        }
        for (code, run_id, _, _) in owners {
            let (Ok(parsed), Some(context)) = (TraceCode::parse(&code), contexts.get(&run_id))
            else {
                continue;
            };
            known.insert(
                parsed,
                Known {
                    context: context.clone(),
                    facts: Arc::new(facts.remove(&code).unwrap_or_default()),
                    views: views.get(&code).copied().unwrap_or(0),
                },
            );
        }
    }
    // Codes of other producers read as unknown to a producer.
    known.retain(|_, k| who.can_see(&k.context.batch.producer_id));
    judge(&who, &sent, &parsed, &known, lang)
}

/// The verdicts and provenances, from the facts in hand.
fn judge(
    who: &Principal,
    sent: &[String],
    parsed: &[Option<TraceCode>],
    known: &HashMap<TraceCode, Known>,
    lang: Lang,
) -> Result<DeliveryVerdict, ApiError> {
    let today = today();
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
    for k in known.values() {
        let ctx = &k.context;
        let run_id = stored_uuid(&ctx.run_id)?;
        if provenances.contains_key(&run_id) {
            continue;
        }
        provenances.insert(
            run_id,
            ProvenanceEntry {
                provenance: provenance(ctx, lang, today)?,
                batch_events: shown_events(&ctx.batch_events, &ctx.batch.producer_id)?,
            },
        );
    }
    let mut summary: BTreeMap<String, usize> = BTreeMap::new();
    let mut results = Vec::with_capacity(sent.len());
    for (raw, code) in sent.iter().zip(parsed) {
        let found = code.as_ref().and_then(|c| known.get(c));
        let ctx = found.map(|k| k.context.as_ref());
        let verdicts_found = match found {
            Some(k) => {
                let ctx = &k.context;
                let rating_expired = ctx.rating.as_ref().is_some_and(|r| {
                    crate::domain::ocop::rating_status(r.expires_on, today) == RatingStatus::Expired
                });
                verdicts(CodeFindings {
                    recalled: ctx.batch.status()? == BatchStatus::Recalled,
                    area_suspended: ctx.area.status()? != SiteStatus::Active,
                    expired: past_best_before(ctx.batch.best_before, today),
                    rating_expired,
                    suspected_clone: k.facts.confirmed_alerts().next().is_some(),
                    sold: ctx.sold(&k.facts),
                })
            }
            None => vec![VerifyVerdict::Unknown],
        };
        let verdict = verdicts_found[0];
        *summary.entry(verdict.as_str().to_owned()).or_default() += 1;
        results.push(CodeVerdict {
            code: raw.clone(),
            canonical_code: code.map(|c| c.to_string()),
            verdict,
            reasons: verdicts_found
                .iter()
                .map(|v| reason(*v, ctx, lang))
                .collect(),
            verdicts: verdicts_found,
            provenance_ref: ctx.map(|c| stored_uuid(&c.run_id)).transpose()?,
            views: found.map_or(0, |k| k.views),
            events: match found {
                Some(k) => shown_events(&k.facts.events, &k.context.batch.producer_id)?,
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
