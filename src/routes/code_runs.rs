//! Code runs: issue N codes for a batch and farming area, all or nothing;
//! export them (CSV / NDJSON, streamed) and print them (PDF label sheets).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use futures_util::stream;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use crate::auth::{Authorized, Principal, ProducerOnly};
use crate::db::codes::{CodeRow, CodeRunRow};
use crate::db::{self};
use crate::db::{DbError, stored_enum, stored_uuid};
use crate::domain::code::TraceCode;
use crate::domain::payload::{PayloadFormat, parse_link_domain};
use crate::domain::time::today;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, PathId, idempotency_key};
use crate::labels::pdf::{Label, LabelLines, SheetOptions};
use crate::labels::qr::Ecc;
use crate::labels::sheet::{Preset, SheetLayout};
use crate::services::access;
use crate::services::issuance::{self, IssueCodes};

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
    /// `gs1` only: the producer's own domain for the links, e.g.
    /// `https://id.example.vn`. It must already forward to this resolver
    /// (redirect or proxy); it is checked before any code is issued.
    #[serde(default)]
    #[schema(example = "https://id.htxcamcaophong.vn")]
    pub link_domain: Option<String>,
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
            count: u32::try_from(row.count)
                .map_err(|_| DbError::corrupt(format!("stored run count {}", row.count)))?,
            format: stored_enum("payload format", &row.payload_format, PayloadFormat::parse)?,
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
    PathId(batch_id): PathId,
    body: ApiJson<CodeRunDraft>,
) -> Result<HttpResponse, ApiError> {
    let draft = body.into_inner()?;
    if !(1..=MAX_RUN).contains(&draft.count) {
        return Err(ApiError::invalid(
            "count",
            format!("must be between 1 and {MAX_RUN}"),
        ));
    }
    let format = draft.format.unwrap_or(PayloadFormat::Url);
    let link_domain = draft
        .link_domain
        .as_deref()
        .map(|raw| {
            if format != PayloadFormat::Gs1 {
                return Err(ApiError::invalid(
                    "link_domain",
                    "is only for GS1 Digital Link labels (format gs1)",
                ));
            }
            let allow_private = state.settings.webhooks.webhook_allow_private_urls;
            Ok(parse_link_domain("link_domain", raw, allow_private)?)
        })
        .transpose()?;
    let command = IssueCodes {
        producer: caller.principal,
        batch_id,
        count: draft.count,
        farming_area_code: draft.farming_area_code,
        format,
        link_domain,
        key: idempotency_key(&req)?,
    };
    let (run, created) = issuance::issue(&state.services, command).await?;
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
    PathId(id): PathId,
) -> Result<web::Json<CodeRunOut>, ApiError> {
    let out = state
        .services
        .read(move |conn| CodeRunOut::from_row(&access::run_with_codes(conn, &principal, id)?))
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
    PathId(id): PathId,
) -> Result<web::Json<Vec<CodeRunOut>>, ApiError> {
    let out = state
        .services
        .read(move |conn| {
            let batch = access::visible_batch(conn, &principal, id)?;
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
    services: crate::services::Services,
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
            .services
            .read(move |conn| {
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
    PathId(id): PathId,
    query: ApiQuery<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let run = state
        .services
        .read(move |conn| access::run_with_codes(conn, &principal, id))
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
        services: state.services.clone(),
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
    /// A common A4 decal sheet: `a4-65` (5 × 13 labels of 38.1 × 21.2 mm),
    /// `a4-40` (4 × 10 of 48.5 × 25.4), `a4-24` (3 × 8 of 63.5 × 33.9) or
    /// `a4-21` (3 × 7 of 63.5 × 38.1). Instead of `columns`, `rows`,
    /// `margin_mm` and the label sizes.
    pub preset: Option<Preset>,
    /// Optional lines, comma-separated: `best_before`, `net_content`, `ocop`
    /// (stars with "đến MM/YYYY"), `prompt` ("Quét mã để truy xuất nguồn
    /// gốc"), or `none`. Default `ocop,prompt`. The product and the lot are
    /// always printed.
    #[param(example = "best_before,ocop,prompt")]
    pub lines: Option<String>,
    /// Cut marks in the margins (default: on for a custom grid, off for a
    /// preset: decal sheets come cut).
    pub cut_marks: Option<bool>,
    /// A first page with a 100 mm ruler and one sample label at actual size,
    /// to check the printer does not scale (default false).
    pub print_check: Option<bool>,
    /// Labels across an A4 page (1–10, default 4).
    #[param(minimum = 1, maximum = 10)]
    pub columns: Option<u32>,
    /// Labels down an A4 page (1–20, default 8).
    #[param(minimum = 1, maximum = 20)]
    pub rows: Option<u32>,
    /// Page margin in mm (0–30, default 10).
    #[param(minimum = 0, maximum = 30)]
    pub margin_mm: Option<f32>,
    /// Label width in mm (default: the page width inside the margins / columns).
    #[param(minimum = 15, maximum = 200)]
    pub label_width_mm: Option<f32>,
    /// Label height in mm (default: the page height inside the margins / rows).
    #[param(minimum = 15, maximum = 280)]
    pub label_height_mm: Option<f32>,
    /// Error-correction level (default M).
    pub ecc: Option<Ecc>,
}

/// The sheet asked for: a preset, or a custom grid (never both).
fn sheet_layout(q: &LabelsQuery) -> Result<SheetLayout, ApiError> {
    if let Some(preset) = q.preset {
        let custom = [
            ("columns", q.columns.is_some()),
            ("rows", q.rows.is_some()),
            ("margin_mm", q.margin_mm.is_some()),
            ("label_width_mm", q.label_width_mm.is_some()),
            ("label_height_mm", q.label_height_mm.is_some()),
        ];
        if let Some((field, _)) = custom.iter().find(|(_, given)| *given) {
            return Err(ApiError::invalid(
                *field,
                format!(
                    "a preset ({}) sets the grid; give one or the other",
                    preset.as_str()
                ),
            ));
        }
        return Ok(preset.layout());
    }
    let label = match (q.label_width_mm, q.label_height_mm) {
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
    SheetLayout::a4(
        q.columns.unwrap_or(4),
        q.rows.unwrap_or(8),
        q.margin_mm.unwrap_or(10.0),
        label,
    )
    .map_err(|(field, reason)| ApiError::invalid(field, reason))
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
    PathId(id): PathId,
    query: ApiQuery<LabelsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let layout = sheet_layout(&q)?;
    let lines = match q.lines.as_deref() {
        None => LabelLines::default(),
        Some(list) => LabelLines::parse(list).map_err(|why| ApiError::invalid("lines", why))?,
    };
    let options = SheetOptions {
        ecc: q.ecc.unwrap_or_default(),
        lines,
        cut_marks: q.cut_marks.unwrap_or(q.preset.is_none()),
        print_check: q.print_check.unwrap_or(false),
    };
    // A turn first: a full queue is refused before any work is done.
    let _turn = state.pdf_gate.enter().await?;
    let labels: Vec<Label> = state
        .services
        .read(move |conn| {
            let run = access::run_with_codes(conn, &principal, id)?;
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
                .ok_or_else(|| ApiError::internal("run without batch"))?;
            let product = db::products::find(conn, stored_uuid(&batch.product_id)?)?
                .ok_or_else(|| ApiError::internal("batch without product"))?;
            let today = today();
            // Valid stars only, with the day they lapse.
            let ocop = product
                .ocop_expires_on
                .filter(|until| *until >= today)
                .zip(product.ocop_stars.and_then(|s| u8::try_from(s).ok()))
                .map(|(until, stars)| (stars, until));
            // A GS1 label prints the GTIN its link carries.
            let gtin = (run.payload_format == PayloadFormat::Gs1.as_str())
                .then(|| product.gtin.clone())
                .flatten();
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
                    gtin: gtin.clone(),
                    best_before: batch.best_before,
                    net_content: product.unit.clone(),
                    ocop,
                })
                .collect())
        })
        .await?;
    // Rendered holding no database connection.
    let pdf = web::block(move || crate::labels::pdf::render(&layout, &options, labels))
        .await?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"labels-{id}.pdf\""),
        ))
        .body(pdf))
}
