//! Code runs: issue N codes for a batch and farming area, all or nothing;
//! export them (CSV / NDJSON, streamed) and print them (PDF label sheets).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use futures_util::stream;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::batches::{load_own_batch, load_visible_batch};
use super::{AppState, stored_uuid, today};
use crate::auth::{Authorized, Principal, ProducerOnly};
use crate::db::codes::{CodeRow, CodeRunRow};
use crate::db::{self, Db, DbConnection};
use crate::domain::batch::BatchStatus;
use crate::domain::code::TraceCode;
use crate::domain::organization::OrgKind;
use crate::domain::payload::{PayloadFormat, payload_prefix};
use crate::domain::site::{parse_site_code, site_usable};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, idempotency_key, parse_uuid};
use crate::labels::pdf::{Label, SheetLayout};
use crate::labels::qr::Ecc;

pub const MAX_RUN: u32 = 1_000_000;
/// Labels in one PDF; longer runs are printed in ranges (`from`/`to`).
pub const MAX_PDF_LABELS: u32 = 5_000;
const EXPORT_PAGE: i64 = 10_000;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRunDraft {
    /// How many codes, 1 to 1,000,000.
    #[schema(minimum = 1, maximum = 1000000, example = 1000)]
    pub count: u32,
    /// One of the batch's farming areas; it must be active.
    #[schema(example = "VN-HBOR-0012")]
    pub farming_area_code: String,
    /// What the QR codes carry (default `url`).
    #[serde(default)]
    pub format: Option<PayloadFormat>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CodeRunLinks {
    pub codes_csv: String,
    pub codes_ndjson: String,
    pub labels_pdf: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CodeRunOut {
    pub id: Uuid,
    pub batch_id: Uuid,
    pub farming_area_id: Uuid,
    pub count: u32,
    pub format: PayloadFormat,
    /// Every code's payload is this followed by the code.
    #[schema(example = "https://ocop.example.vn/c/")]
    pub payload_prefix: String,
    pub created_at: DateTime<Utc>,
    pub links: CodeRunLinks,
}

impl CodeRunOut {
    pub fn from_row(row: &CodeRunRow) -> Result<Self, ApiError> {
        let id = stored_uuid(&row.id)?;
        Ok(Self {
            id,
            batch_id: stored_uuid(&row.batch_id)?,
            farming_area_id: stored_uuid(&row.farming_area_id)?,
            count: u32::try_from(row.count).unwrap_or(0),
            format: PayloadFormat::parse(&row.payload_format).unwrap_or(PayloadFormat::Url),
            payload_prefix: row.payload_prefix.clone(),
            created_at: row.created_at.and_utc(),
            links: CodeRunLinks {
                codes_csv: format!("/api/v1/code-runs/{id}/codes?format=csv"),
                codes_ndjson: format!("/api/v1/code-runs/{id}/codes?format=ndjson"),
                labels_pdf: format!("/api/v1/code-runs/{id}/labels.pdf"),
            },
        })
    }
}

fn fingerprint(batch_id: Uuid, draft: &CodeRunDraft, format: PayloadFormat) -> String {
    let text = format!(
        "{batch_id}|{}|{}|{}",
        draft.count,
        draft.farming_area_code.trim().to_uppercase(),
        format.as_str()
    );
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A replay of an earlier request with the same key: the first run, or a
/// conflict when the key came with a different request.
fn replay(existing: CodeRunRow, fingerprint: &str) -> Result<CodeRunRow, ApiError> {
    if existing.request_fingerprint.as_deref() == Some(fingerprint) {
        Ok(existing)
    } else {
        Err(ApiError::Conflict {
            field: Some("Idempotency-Key".into()),
            reason: "this key was already used for a different request".into(),
        })
    }
}

struct Issue {
    producer: Principal,
    batch_id: Uuid,
    draft: CodeRunDraft,
    format: PayloadFormat,
    key: Option<String>,
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
    if let Some(key) = &job.key
        && let Some(existing) = db::codes::find_run_by_key(conn, job.producer.org_id, key)?
    {
        let first = replay(existing, &job.fingerprint)?;
        return Ok(if first.pending_until.is_some() {
            Begun::InProgress
        } else {
            Begun::Replay(first)
        });
    }
    let batch = load_own_batch(conn, &job.producer, job.batch_id)?;
    if batch.status() != BatchStatus::Active {
        return Err(ApiError::Conflict {
            field: None,
            reason: format!(
                "the batch is {}; no new codes can be issued for it",
                batch.status().as_str()
            ),
        });
    }
    let code = parse_site_code("farming_area_code", &job.draft.farming_area_code)?;
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
    site_usable(area.status(), area.valid_until, today()).map_err(|why| {
        ApiError::invalid("farming_area_code", format!("{code} can't be used: {why}"))
    })?;
    let product = db::products::find(conn, stored_uuid(&batch.product_id)?)?
        .ok_or_else(|| ApiError::Internal("batch without product".into()))?;
    let prefix = payload_prefix(
        job.format,
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
    if issued_today + i64::from(job.draft.count) > i64::from(codes_per_day) {
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
        count: i32::try_from(job.draft.count)
            .map_err(|_| ApiError::invalid("count", "too large"))?,
        payload_format: job.format.as_str().to_owned(),
        payload_prefix: prefix,
        idempotency_key: job.key.clone(),
        request_fingerprint: Some(job.fingerprint.clone()),
        created_at: db::now(),
        pending_until: Some(db::now() + lease),
    };
    db::codes::insert_run(conn, &run)?;
    Ok(Begun::Pending(run))
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
async fn fill(db: &Db, run: &CodeRunRow, lease: chrono::Duration) -> Result<(), ApiError> {
    let (db_here, run_id, count) = (db.clone(), run.id.clone(), run.count as u32);
    let filled = db
        .run(move |conn| {
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
            // `transaction`: the new codes are registry facts for the scan caches.
            db.transaction(move |conn| Ok(db::codes::finish_run(conn, &run_id)?))
                .await
        }
        Err(e) => Err(e),
    };
    if finished.is_err() {
        let (db_here, run_id) = (db.clone(), run.id.clone());
        let removed = db
            .run(move |conn| Ok(db::codes::remove_pending_run(&db_here, conn, &run_id)?))
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
    db: &Db,
    producer: Uuid,
    key: String,
    fingerprint: &str,
) -> Result<CodeRunRow, ApiError> {
    let started = std::time::Instant::now();
    loop {
        let key = key.clone();
        let found = db
            .run(move |conn| Ok(db::codes::find_run_by_key(conn, producer, &key)?))
            .await?;
        match found {
            Some(run) if run.pending_until.is_none() => return replay(run, fingerprint),
            Some(_) if started.elapsed() < KEYED_RETRY_WAIT => {
                actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
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

/// Issue `count` new codes for a batch and one of its farming areas (its
/// producer). All the codes exist or none do: the run is issued in short
/// turns (scans and other writers go on meanwhile) and is invisible until
/// its last code is in; if the service stops half-way, what was inserted
/// is removed. With an `Idempotency-Key` header, a retried request returns
/// the first run instead of a second (waiting for it if it is still being
/// issued). A producer issues at most `CODES_PER_DAY` codes a day (429
/// with `Retry-After` beyond).
#[utoipa::path(
    tag = "codes",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Batch id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key returns the first run"),
    ),
    request_body = CodeRunDraft,
    responses(
        (status = 201, body = CodeRunOut, headers(("Idempotent-Replayed" = String, description = "true when this is the first run, returned again"))),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 409, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[post("/batches/{id}/code-runs")]
pub async fn create_code_run(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Authorized<ProducerOnly>,
    id: web::Path<String>,
    body: ApiJson<CodeRunDraft>,
) -> Result<HttpResponse, ApiError> {
    let batch_id = parse_uuid("id", &id)?;
    let draft = body.into_inner();
    if !(1..=MAX_RUN).contains(&draft.count) {
        return Err(ApiError::invalid(
            "count",
            format!("must be between 1 and {MAX_RUN}"),
        ));
    }
    let format = draft.format.unwrap_or(PayloadFormat::Url);
    let key = idempotency_key(&req)?;
    let job = Issue {
        producer: caller.principal,
        batch_id,
        fingerprint: fingerprint(batch_id, &draft, format),
        draft,
        format,
        key,
        base_url: state.settings.public_base_url.clone(),
    };
    let (key, producer, fp) = (
        job.key.clone(),
        job.producer.org_id,
        job.fingerprint.clone(),
    );
    let limits = &state.settings.limits;
    let codes_per_day = limits.codes_per_day;
    let lease =
        chrono::Duration::seconds(i64::try_from(limits.issuance_lease_seconds).unwrap_or(60));
    let begun = state
        .db
        .transaction_quiet(move |conn| begin(conn, &job, codes_per_day, lease))
        .await;
    let begun = match (begun, key.clone()) {
        // A concurrent request with the same key may have opened its run first.
        (Err(ApiError::Conflict { .. }), Some(key)) => {
            Begun::Replay(wait_for_keyed_run(&state.db, producer, key, &fp).await?)
        }
        (begun, _) => begun?,
    };
    let (run, created) = match begun {
        Begun::Replay(run) => (run, false),
        Begun::InProgress => {
            let key = key.ok_or_else(|| ApiError::Internal("a keyed run without a key".into()))?;
            (
                wait_for_keyed_run(&state.db, producer, key, &fp).await?,
                false,
            )
        }
        Begun::Pending(run) => {
            fill(&state.db, &run, lease).await?;
            (run, true)
        }
    };
    let out = CodeRunOut::from_row(&run)?;
    if created {
        tracing::info!(run_id = %out.id, count = out.count, "code run issued");
    }
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/code-runs/{}", out.id)))
        .insert_header((
            "Idempotent-Replayed",
            if created { "false" } else { "true" },
        ))
        .json(out))
}

/// The run if the caller may see its codes: its producer, or the admin.
pub fn load_run_for_labels(
    conn: &mut DbConnection,
    who: &Principal,
    id: Uuid,
) -> Result<CodeRunRow, ApiError> {
    db::codes::find_run(conn, id)?
        .filter(|r| who.is(OrgKind::Admin) || r.producer_id == who.org_id.to_string())
        .ok_or_else(|| ApiError::not_found("no such code run"))
}

/// One code run.
#[utoipa::path(
    tag = "codes",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Code run id")),
    responses((status = 200, body = CodeRunOut), (status = 404, response = crate::error::ProblemResponse))
)]
#[get("/code-runs/{id}")]
pub async fn get_code_run(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<CodeRunOut>, ApiError> {
    let id = parse_uuid("id", &id)?;
    let out = state
        .db
        .run(move |conn| CodeRunOut::from_row(&load_run_for_labels(conn, &principal, id)?))
        .await?;
    Ok(web::Json(out))
}

/// The code runs of a batch.
#[utoipa::path(
    tag = "codes",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Batch id")),
    responses((status = 200, body = Vec<CodeRunOut>), (status = 404, response = crate::error::ProblemResponse))
)]
#[get("/batches/{id}/code-runs")]
pub async fn list_code_runs(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<Vec<CodeRunOut>>, ApiError> {
    let id = parse_uuid("id", &id)?;
    let out = state
        .db
        .run(move |conn| {
            let batch = load_visible_batch(conn, &principal, id)?;
            db::codes::runs_of_batch(conn, &batch.id)?
                .iter()
                .map(CodeRunOut::from_row)
                .collect()
        })
        .await?;
    Ok(web::Json(out))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Ndjson,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `csv` or `ndjson`; otherwise from `Accept` (text/csv, application/x-ndjson), default CSV.
    pub format: Option<ExportFormat>,
}

/// One exported line: the code's serial in its run, the code, as printed, and its payload.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExportedCode {
    pub serial: i32,
    pub code: String,
    pub code_grouped: String,
    pub payload: String,
}

fn export_line(format: ExportFormat, prefix: &str, row: &CodeRow) -> String {
    let grouped = TraceCode::parse(&row.code)
        .map(|c| c.grouped())
        .unwrap_or_else(|_| row.code.clone());
    match format {
        // Codes and prefixes never contain commas or quotes except a GS1 lot,
        // which is percent-encoded in the payload.
        ExportFormat::Csv => format!(
            "{},{},{},{}{}\n",
            row.serial, row.code, grouped, prefix, row.code
        ),
        ExportFormat::Ndjson => {
            let line = ExportedCode {
                serial: row.serial,
                code: row.code.clone(),
                code_grouped: grouped,
                payload: format!("{prefix}{}", row.code),
            };
            serde_json::to_string(&line)
                .map(|mut s| {
                    s.push('\n');
                    s
                })
                .unwrap_or_default()
        }
    }
}

struct ExportCursor {
    db: Db,
    run_id: String,
    prefix: String,
    format: ExportFormat,
    after: i32,
    until: i32,
    header_sent: bool,
}

/// Stream pages of codes; memory stays at one page whatever the run's size.
fn export_stream(
    cursor: ExportCursor,
) -> impl futures_util::Stream<Item = Result<web::Bytes, ApiError>> {
    stream::try_unfold(cursor, |mut cur| async move {
        if !cur.header_sent {
            cur.header_sent = true;
            if cur.format == ExportFormat::Csv {
                return Ok(Some((
                    web::Bytes::from_static(b"serial,code,code_grouped,payload\n"),
                    cur,
                )));
            }
        }
        if cur.after >= cur.until {
            return Ok(None);
        }
        let (run_id, after, until) = (cur.run_id.clone(), cur.after, cur.until);
        let rows = cur
            .db
            .run(move |conn| {
                Ok(db::codes::page_of_run(
                    conn,
                    &run_id,
                    after,
                    until,
                    EXPORT_PAGE,
                )?)
            })
            .await?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        cur.after = last.serial;
        let mut chunk = String::with_capacity(rows.len() * 96);
        for row in &rows {
            chunk.push_str(&export_line(cur.format, &cur.prefix, row));
        }
        Ok(Some((web::Bytes::from(chunk), cur)))
    })
}

fn wants_ndjson(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("ndjson") || a.contains("jsonl"))
}

/// Every code of a run, for label printers: CSV or NDJSON, streamed.
#[utoipa::path(
    tag = "codes",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Code run id"), ExportQuery),
    responses(
        (status = 200, description = "CSV (serial,code,code_grouped,payload) or NDJSON (one ExportedCode per line)",
            content((String = "text/csv"), (ExportedCode = "application/x-ndjson"))),
        (status = 404, response = crate::error::ProblemResponse),
    )
)]
#[get("/code-runs/{id}/codes")]
pub async fn export_codes(
    state: web::Data<AppState>,
    req: HttpRequest,
    principal: Principal,
    id: web::Path<String>,
    query: ApiQuery<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("id", &id)?;
    let run = state
        .db
        .run(move |conn| load_run_for_labels(conn, &principal, id))
        .await?;
    let format = query.into_inner().format.unwrap_or(if wants_ndjson(&req) {
        ExportFormat::Ndjson
    } else {
        ExportFormat::Csv
    });
    let (content_type, ext) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Ndjson => ("application/x-ndjson", "ndjson"),
    };
    let body = export_stream(ExportCursor {
        db: state.db.clone(),
        run_id: run.id.clone(),
        prefix: run.payload_prefix.clone(),
        format,
        after: 0,
        until: run.count,
        header_sent: false,
    });
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"codes-{}.{ext}\"", run.id),
        ))
        .streaming(body))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LabelsQuery {
    /// First serial to print (default 1).
    #[param(minimum = 1)]
    pub from: Option<u32>,
    /// Last serial to print (default: the run's last, at most 5,000 labels per PDF).
    #[param(minimum = 1)]
    pub to: Option<u32>,
    /// Labels across an A4 page (1–10, default 4).
    #[param(minimum = 1, maximum = 10)]
    pub columns: Option<u32>,
    /// Labels down an A4 page (1–20, default 8).
    #[param(minimum = 1, maximum = 20)]
    pub rows: Option<u32>,
    /// Page margin in mm (0–30, default 10).
    pub margin_mm: Option<f32>,
    /// Label width in mm (default: the page width inside the margins / columns).
    pub label_width_mm: Option<f32>,
    /// Label height in mm (default: the page height inside the margins / rows).
    pub label_height_mm: Option<f32>,
    /// Error-correction level (default M).
    pub ecc: Option<Ecc>,
}

/// Printable A4 label sheets for a range of a run's codes: a vector QR code,
/// the grouped code, product name, lot and OCOP stars on each label. A few
/// PDFs are made at once (`PDF_CONCURRENCY`), a few more wait (`PDF_QUEUE`);
/// beyond that, 429 with `Retry-After`.
#[utoipa::path(
    tag = "codes",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Code run id"), LabelsQuery),
    responses(
        (status = 200, description = "PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[get("/code-runs/{id}/labels.pdf")]
pub async fn labels_pdf(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: ApiQuery<LabelsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("id", &id)?;
    let q = query.into_inner();
    let layout = match (q.label_width_mm, q.label_height_mm) {
        (Some(w), Some(h)) => Some((w, h)),
        (None, None) => None,
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "label_width_mm",
                "give both label sizes, or neither",
            ));
        }
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "label_height_mm",
                "give both label sizes, or neither",
            ));
        }
    };
    let layout = SheetLayout::a4(
        q.columns.unwrap_or(4),
        q.rows.unwrap_or(8),
        q.margin_mm.unwrap_or(10.0),
        layout,
    )
    .map_err(|(field, reason)| ApiError::invalid(field, reason))?;
    let ecc = q.ecc.unwrap_or_default();
    // A turn first: a full queue is refused before any work is done.
    let _turn = state.pdf_gate.enter().await?;
    let labels: Vec<Label> = state
        .db
        .run(move |conn| {
            let run = load_run_for_labels(conn, &principal, id)?;
            let from = q.from.unwrap_or(1);
            let to = q
                .to
                .unwrap_or_else(|| (from.saturating_add(MAX_PDF_LABELS - 1)).min(run.count as u32));
            if from < 1 || from > run.count as u32 {
                return Err(ApiError::invalid(
                    "from",
                    format!("must be between 1 and {}", run.count),
                ));
            }
            if to < from || to > run.count as u32 {
                return Err(ApiError::invalid(
                    "to",
                    format!("must be between {from} and {}", run.count),
                ));
            }
            if to - from + 1 > MAX_PDF_LABELS {
                return Err(ApiError::invalid(
                    "to",
                    format!("at most {MAX_PDF_LABELS} labels per PDF; print longer runs in ranges"),
                ));
            }
            let batch = db::batches::find(conn, stored_uuid(&run.batch_id)?)?
                .ok_or_else(|| ApiError::Internal("run without batch".into()))?;
            let product = db::products::find(conn, stored_uuid(&batch.product_id)?)?
                .ok_or_else(|| ApiError::Internal("batch without product".into()))?;
            let today = today();
            let stars = product
                .ocop_expires_on
                .filter(|until| *until >= today)
                .and(product.ocop_stars)
                .and_then(|s| u8::try_from(s).ok());
            let rows = db::codes::page_of_run(
                conn,
                &run.id,
                from as i32 - 1,
                to as i32,
                i64::from(MAX_PDF_LABELS),
            )?;
            Ok(rows
                .into_iter()
                .map(|row| Label {
                    payload: format!("{}{}", run.payload_prefix, row.code),
                    code_grouped: TraceCode::parse(&row.code)
                        .map(|c| c.grouped())
                        .unwrap_or(row.code),
                    product_name: product.name_vi.clone(),
                    lot: batch.lot.clone(),
                    stars,
                })
                .collect())
        })
        .await?;
    // Rendered holding no database connection.
    let pdf = web::block(move || crate::labels::pdf::render(&layout, ecc, labels.into_iter()))
        .await?
        .map_err(ApiError::Internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"labels-{id}.pdf\""),
        ))
        .body(pdf))
}
