//! Issuing code runs: the checks (an active batch of the producer's, one of
//! its usable farming areas, the daily limit), the idempotency of a keyed
//! request, and the issuance in turns under a lease.

use chrono::Utc;
use uuid::Uuid;

use super::Services;
use super::idempotency::{fingerprint, same_request};
use crate::auth::Principal;
use crate::db::codes::CodeRunRow;
use crate::db::{self, DbConnection, stored_uuid};
use crate::domain::batch::BatchStatus;
use crate::domain::payload::{PayloadFormat, payload_prefix};
use crate::domain::site::{parse_site_code, site_usable};
use crate::domain::time::today;
use crate::error::ApiError;

/// Issue a run of codes: all the codes exist or none do. The run is issued
/// in short turns (scans and other writers go on meanwhile) and is
/// invisible until its last code is in; if the service stops half-way, what
/// was inserted is removed. A keyed retry returns the first run (waiting for
/// it if it is still being issued). Returns the run and whether it is new.
pub async fn issue(
    services: &Services,
    command: IssueCodes,
) -> Result<(CodeRunRow, bool), ApiError> {
    let fp = command.fingerprint();
    let (key, producer) = (command.key.clone(), command.producer.org_id);
    let base_url = match &command.link_domain {
        Some(domain) => {
            check_link_domain(services, domain).await?;
            domain.clone()
        }
        None => services.settings.public_base_url.clone(),
    };
    let job = Issue {
        command,
        fingerprint: fp.clone(),
        base_url,
    };
    let limits = &services.settings.limits;
    let codes_per_day = limits.codes_per_day;
    let lease =
        chrono::Duration::seconds(i64::try_from(limits.issuance_lease_seconds).unwrap_or(60));
    let begun = services
        .write(move |conn| begin(conn, &job, codes_per_day, lease))
        .await;
    let begun = match (begun, key.clone()) {
        // A concurrent request with the same key may have opened its run first.
        (Err(ApiError::Conflict { .. }), Some(key)) => {
            Begun::Replay(wait_for_keyed_run(services, producer, key, &fp).await?)
        }
        (begun, _) => begun?,
    };
    Ok(match begun {
        Begun::Replay(run) => (run, false),
        Begun::InProgress => {
            let key = key.ok_or_else(|| ApiError::internal("a keyed run without a key"))?;
            (
                wait_for_keyed_run(services, producer, key, &fp).await?,
                false,
            )
        }
        Begun::Pending(run) => {
            fill(services, &run, lease).await?;
            (run, true)
        }
    })
}

/// What a producer asks for: `count` codes of a batch from one of its
/// farming areas, carrying `format`.
#[derive(Debug, Clone)]
pub struct IssueCodes {
    pub producer: Principal,
    pub batch_id: Uuid,
    pub count: u32,
    pub farming_area_code: String,
    pub format: PayloadFormat,
    /// The producer's own domain for GS1 labels (checked: it must forward
    /// to this resolver); `None`: ours.
    pub link_domain: Option<String>,
    /// The client's idempotency key, if it sent one.
    pub key: Option<String>,
}

impl IssueCodes {
    fn fingerprint(&self) -> String {
        let mut request = format!(
            "{}|{}|{}|{}",
            self.batch_id,
            self.count,
            self.farming_area_code.trim().to_uppercase(),
            self.format.as_str()
        );
        // Runs keyed before label domains existed keep their fingerprint.
        if let Some(domain) = &self.link_domain {
            request.push('|');
            request.push_str(domain);
        }
        fingerprint(&request)
    }
}

/// How long a producer's domain has to answer the forwarding check.
const LINK_DOMAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Does `domain` forward GS1 links to this resolver? Its
/// `/.well-known/gs1resolver` must either redirect to ours or be ours (a
/// proxy: its `resolverRoot` is our public address). Otherwise its labels
/// would send shoppers somewhere that never checks the code.
pub async fn check_link_domain(services: &Services, domain: &str) -> Result<(), ApiError> {
    let ours = services.settings.public_base_url.trim_end_matches('/');
    let not_forwarding = |what: String| {
        ApiError::invalid(
            "link_domain",
            format!(
                "{domain} does not forward to this resolver ({what}); make {domain}/… \
                 redirect or proxy to {ours}/… first"
            ),
        )
    };
    let client = crate::outbound::client(
        LINK_DOMAIN_TIMEOUT,
        concat!("ocop-trace/", env!("CARGO_PKG_VERSION")),
        services.settings.webhooks.webhook_allow_private_urls,
    )
    .map_err(|e| ApiError::internal(format!("no HTTP client: {e}")))?;
    let answer = client
        .get(format!("{domain}/.well-known/gs1resolver"))
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|_| not_forwarding("it could not be reached".into()))?;
    let status = answer.status();
    if status.is_redirection() {
        let location = answer
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default();
        return if location == format!("{ours}/.well-known/gs1resolver") {
            Ok(())
        } else {
            Err(not_forwarding(format!(
                "it redirects elsewhere: {location}"
            )))
        };
    }
    if !status.is_success() {
        return Err(not_forwarding(format!(
            "its resolver description answered {status}"
        )));
    }
    // A small document: anything longer is not ours.
    let body = answer
        .bytes()
        .await
        .map_err(|_| not_forwarding("its answer could not be read".into()))?;
    let root = serde_json::from_slice::<serde_json::Value>(&body[..body.len().min(64 * 1024)])
        .ok()
        .and_then(|d| d["resolverRoot"].as_str().map(str::to_owned));
    match root {
        Some(root) if root.trim_end_matches('/') == ours => Ok(()),
        Some(root) => Err(not_forwarding(format!("its resolver is {root}"))),
        None => Err(not_forwarding("it has no GS1 resolver description".into())),
    }
}

/// A replay of an earlier request with the same key: the first run, or a
/// conflict when the key came with a different request.
fn replay(existing: CodeRunRow, fingerprint: &str) -> Result<CodeRunRow, ApiError> {
    same_request(
        existing.request_fingerprint.as_deref(),
        fingerprint,
        "a different request",
    )?;
    Ok(existing)
}

struct Issue {
    command: IssueCodes,
    fingerprint: String,
    base_url: String,
}

/// What the first, short transaction of an issuance found.
enum Begun {
    /// A new pending run: its codes are to be inserted.
    Pending(CodeRunRow),
    /// The run made earlier with the same key (an idempotent replay).
    Replay(CodeRunRow),
    /// A run with the same key is still being issued (a concurrent retry).
    InProgress,
}

/// Check the request and open a pending run (invisible until finished), in
/// one short transaction.
fn begin(
    conn: &mut DbConnection,
    job: &Issue,
    codes_per_day: u32,
    lease: chrono::Duration,
) -> Result<Begun, ApiError> {
    if let Some(key) = &job.command.key
        && let Some(existing) = db::codes::find_run_by_key(conn, job.command.producer.org_id, key)?
    {
        let first = replay(existing, &job.fingerprint)?;
        return Ok(if first.pending_until.is_some() {
            Begun::InProgress
        } else {
            Begun::Replay(first)
        });
    }
    let mut run = plan_run(conn, job, codes_per_day)?;
    run.pending_until = Some(db::now() + lease);
    db::codes::insert_run(conn, &run)?;
    Ok(Begun::Pending(run))
}

/// Issue a run at once on the caller's connection, with the same checks:
/// the demo seeds its runs this way, inside its one transaction.
pub fn issue_in(
    conn: &mut DbConnection,
    command: IssueCodes,
    base_url: &str,
    codes_per_day: u32,
) -> Result<CodeRunRow, ApiError> {
    let job = Issue {
        fingerprint: command.fingerprint(),
        command,
        base_url: base_url.to_owned(),
    };
    let run = plan_run(conn, &job, codes_per_day)?;
    db::codes::insert_run(conn, &run)?;
    db::codes::insert_codes(conn, &run.id, job.command.count, |_| {})?;
    super::epcis::mirror_issuance(conn, base_url, &run)?;
    Ok(run)
}

/// The run a request asks for, once every check passed: the producer's
/// active batch, one of its usable farming areas, a payload the product
/// allows, within the day's limit. Not stored yet.
fn plan_run(
    conn: &mut DbConnection,
    job: &Issue,
    codes_per_day: u32,
) -> Result<CodeRunRow, ApiError> {
    let batch = super::access::own_batch(conn, &job.command.producer, job.command.batch_id)?;
    if batch.status()? != BatchStatus::Active {
        return Err(ApiError::Conflict {
            field: None,
            reason: format!(
                "the batch is {}; no new codes can be issued for it",
                batch.status()?.as_str()
            ),
        });
    }
    let code = parse_site_code("farming_area_code", &job.command.farming_area_code)?;
    let area_ids = db::batches::farming_area_ids(conn, &batch.id)?;
    let area = db::sites::by_ids(conn, &area_ids)?
        .into_iter()
        .find(|s| s.code == code)
        .ok_or_else(|| {
            ApiError::invalid(
                "farming_area_code",
                format!("{code} is not one of this batch's farming areas"),
            )
        })?;
    site_usable(area.status()?, area.valid_until, today()).map_err(|why| {
        ApiError::invalid("farming_area_code", format!("{code} can't be used: {why}"))
    })?;
    let product = db::products::find(conn, stored_uuid(&batch.product_id)?)?
        .ok_or_else(|| ApiError::internal("batch without product"))?;
    let prefix = payload_prefix(
        job.command.format,
        &job.base_url,
        product.gtin.as_deref(),
        &batch.lot,
    )
    .ok_or_else(|| {
        ApiError::invalid(
            "format",
            "gs1 needs a product with a GTIN; add one to the product or use url",
        )
    })?;
    let now = chrono::Utc::now();
    let (day_start, next_day) = vietnam_day_bounds(now);
    let issued_today = db::codes::issued_since(conn, &batch.producer_id, day_start)?;
    if issued_today + i64::from(job.command.count) > i64::from(codes_per_day) {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: u64::try_from((next_day - now.naive_utc()).num_seconds())
                .unwrap_or(1)
                .max(1),
            reason: format!(
                "a producer issues at most {codes_per_day} codes a day; {issued_today} issued today"
            ),
        });
    }
    let run = CodeRunRow {
        id: Uuid::now_v7().to_string(),
        batch_id: batch.id.clone(),
        producer_id: batch.producer_id.clone(),
        farming_area_id: area.id.clone(),
        count: i32::try_from(job.command.count)
            .map_err(|_| ApiError::invalid("count", "too large"))?,
        payload_format: job.command.format.as_str().to_owned(),
        payload_prefix: prefix,
        idempotency_key: job.command.key.clone(),
        request_fingerprint: Some(job.fingerprint.clone()),
        created_at: db::now(),
        pending_until: None,
    };
    Ok(run)
}

/// The start of today in Vietnam and of tomorrow, as UTC instants.
fn vietnam_day_bounds(
    now: chrono::DateTime<Utc>,
) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    let today = crate::domain::time::vietnam_date(now);
    let (start, end) =
        crate::domain::time::vietnam_days_utc(Some(today), Some(today)).unwrap_or((None, None));
    let start = start.unwrap_or_else(|| now.naive_utc());
    (start, end.unwrap_or(start + chrono::Duration::days(1)))
}

/// Insert a pending run's codes in short turns and make it visible; on any
/// failure remove what was inserted, so nothing of the run remains.
async fn fill(
    services: &Services,
    run: &CodeRunRow,
    lease: chrono::Duration,
) -> Result<(), ApiError> {
    let db = &services.db;
    let (db_here, run_id, count) = (db.clone(), run.id.clone(), run.count as u32);
    let filled = services
        .read(move |conn| {
            let logged = run_id.clone();
            Ok(db::codes::insert_codes_in_turns(
                &db_here,
                conn,
                &run_id,
                count,
                lease,
                |done| {
                    if done % 100_000 == 0 || done == count {
                        tracing::info!(run_id = %logged, done, "issuing codes");
                    }
                },
            )?)
        })
        .await;
    let finished = match filled {
        Ok(()) => {
            let run_id = run.id.clone();
            // The new codes are registry facts for the scan caches.
            let (issued, base) = (run.clone(), services.settings.public_base_url.clone());
            services
                .registry_write(move |conn| {
                    db::codes::finish_run(conn, &run_id)?;
                    super::epcis::mirror_issuance(conn, &base, &issued)
                })
                .await
        }
        Err(e) => Err(e),
    };
    if finished.is_ok() {
        metrics::counter!(crate::monitoring::CODES_ISSUED).increment(u64::from(count));
    }
    if finished.is_err() {
        let (db_here, run_id) = (db.clone(), run.id.clone());
        let removed = services
            .read(move |conn| Ok(db::codes::remove_pending_run(&db_here, conn, &run_id)?))
            .await;
        if let Err(e) = removed {
            // The lease runs out and the sweeper removes it instead.
            tracing::warn!(error = %e, "a failed run was not removed now");
        }
    }
    finished
}
/// How long a retry waits for the first request with its key to finish.
const KEYED_RETRY_WAIT: std::time::Duration = std::time::Duration::from_secs(300);

/// A retry that found its key's run still being issued waits for it.
async fn wait_for_keyed_run(
    services: &Services,
    producer: Uuid,
    key: String,
    fingerprint: &str,
) -> Result<CodeRunRow, ApiError> {
    let started = std::time::Instant::now();
    loop {
        let key = key.clone();
        let found = services
            .read(move |conn| Ok(db::codes::find_run_by_key(conn, producer, &key)?))
            .await?;
        match found {
            Some(run) if run.pending_until.is_none() => return replay(run, fingerprint),
            Some(_) if started.elapsed() < KEYED_RETRY_WAIT => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Some(_) => {
                return Err(ApiError::Conflict {
                    field: Some("Idempotency-Key".into()),
                    reason:
                        "the first request with this key is still issuing its codes; retry later"
                            .into(),
                });
            }
            None => {
                return Err(ApiError::Conflict {
                    field: Some("Idempotency-Key".into()),
                    reason: "the first request with this key failed and issued nothing; retry it"
                        .into(),
                });
            }
        }
    }
}
