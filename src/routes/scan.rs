//! The public scan: what a consumer's phone opens from the QR code. Every
//! view is recorded (group commit) before it is answered.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use std::sync::Arc;

use super::clone_watch::{self, CodeOwner};
use super::scan_view::{self, CodeFacts, ScanContext, ScanView, Verdict};
use super::{AppState, today};
use crate::db::scans::{NewScanEvent, ScanKind};
use crate::domain::clone::{CloneRule, GeoPoint, LocatedScan, time_to_count_clients};
use crate::domain::code::TraceCode;
use crate::domain::ocop::{RatingLevel, RatingStatus};
use crate::domain::scan::{
    ClientHash, Lang, client_hash, coarse_location, pick_language, ua_family,
};
use crate::domain::site::SiteStatus;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScanQuery {
    /// `vi` (default) or `en`; otherwise from `Accept-Language`.
    pub lang: Option<String>,
    /// `json` for the JSON answer without an `Accept` header.
    pub format: Option<String>,
}

/// What a scan answers in: the page, or JSON.
fn wants_json(req: &HttpRequest, format: Option<&str>) -> bool {
    if let Some(f) = format {
        return f.eq_ignore_ascii_case("json");
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/html")
}

fn fmt_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

#[derive(Template)]
#[template(path = "scan.html")]
struct ScanPage {
    style: &'static str,
    script: &'static str,
    lang: &'static str,
    title: String,
    province: String,
    other_lang: &'static str,
    other_lang_label: &'static str,
    other_lang_href: String,
    verdict_class: &'static str,
    verdict_text: &'static str,
    warnings: Vec<(&'static str, String)>,
    product_name: String,
    producer_line: String,
    image_url: Option<String>,
    stars: Option<(String, String)>,
    ocop_line: String,
    sections: Vec<Section>,
    story_title: &'static str,
    story: Vec<String>,
    journey_title: &'static str,
    journey: Vec<(String, String, String)>,
    code_title: &'static str,
    code_grouped: String,
    scans_line: String,
    location_button: &'static str,
    location_href: String,
    location_thanks: &'static str,
    location_unavailable: &'static str,
    footer: &'static str,
}

struct Section {
    title: &'static str,
    rows: Vec<(String, String)>,
}

fn site_status(status: SiteStatus, en: bool) -> &'static str {
    match (status, en) {
        (SiteStatus::Active, false) => "Đang hiệu lực",
        (SiteStatus::Active, true) => "Active",
        (SiteStatus::Suspended, false) => "TẠM ĐÌNH CHỈ",
        (SiteStatus::Suspended, true) => "SUSPENDED",
        (SiteStatus::Revoked, false) => "ĐÃ THU HỒI",
        (SiteStatus::Revoked, true) => "REVOKED",
    }
}

fn market(m: &str, en: bool) -> String {
    match (m, en) {
        ("domestic", false) => "Trong nước".into(),
        ("domestic", true) => "Domestic".into(),
        (other, false) => format!("Xuất khẩu: {other}"),
        (other, true) => format!("Export: {other}"),
    }
}

fn page(v: &ScanView, base_path: &str) -> ScanPage {
    let en = v.language == Lang::En;
    let pick = |vi: &'static str, en_text: &'static str| if en { en_text } else { vi };
    let (verdict_class, verdict_text) = match v.verdict {
        Verdict::Authentic => (
            "ok",
            pick(
                "✓ Mã truy xuất hợp lệ — sản phẩm đã được đăng ký",
                "✓ Valid trace code — a registered product",
            ),
        ),
        Verdict::Recalled => (
            "bad",
            pick(
                "✗ SẢN PHẨM BỊ THU HỒI — không sử dụng",
                "✗ PRODUCT RECALLED — do not use",
            ),
        ),
        Verdict::SuspectedClone => (
            "bad",
            pick(
                "! Cảnh báo: mã có thể bị sao chép",
                "! Warning: this code may have been copied",
            ),
        ),
        Verdict::AreaSuspended | Verdict::RatingExpired => (
            "warn",
            pick(
                "! Mã hợp lệ, nhưng cần lưu ý",
                "! Valid code, with a warning",
            ),
        ),
    };
    let warnings = v
        .warnings
        .iter()
        .map(|w| {
            (
                if w.kind == Verdict::Recalled {
                    "recalled"
                } else {
                    ""
                },
                w.message.clone(),
            )
        })
        .collect();
    let (stars, ocop_line) = match &v.ocop {
        Some(r) if r.status == RatingStatus::Valid => {
            let n = r.stars.unwrap_or(0);
            let level = match (r.level, en) {
                (RatingLevel::National, false) => "cấp quốc gia",
                (RatingLevel::National, true) => "national level",
                (RatingLevel::Provincial, false) => "cấp tỉnh",
                (RatingLevel::Provincial, true) => "provincial level",
            };
            (
                Some((
                    "★".repeat(usize::from(n)),
                    format!("{n} {}", pick("sao", "stars")),
                )),
                if en {
                    format!(
                        "{n}-star OCOP product ({level}), certificate {}, valid until {}",
                        r.certificate_number,
                        fmt_date(r.expires_on)
                    )
                } else {
                    format!(
                        "Sản phẩm OCOP {n} sao ({level}), quyết định số {}, hiệu lực đến {}",
                        r.certificate_number,
                        fmt_date(r.expires_on)
                    )
                },
            )
        }
        Some(r) => (
            None,
            if en {
                format!(
                    "OCOP certificate {} EXPIRED on {}: no stars are held now.",
                    r.certificate_number,
                    fmt_date(r.expires_on)
                )
            } else {
                format!(
                    "Chứng nhận OCOP số {} đã HẾT HẠN ngày {}: hiện không được công nhận sao.",
                    r.certificate_number,
                    fmt_date(r.expires_on)
                )
            },
        ),
        None => (
            None,
            pick(
                "Sản phẩm chưa được xếp hạng OCOP.",
                "The product has no OCOP rating.",
            )
            .into(),
        ),
    };
    let p = &v.producer;
    let address = [
        p.commune.clone(),
        p.district.clone(),
        Some(p.province.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let row = |label: &'static str, value: String| (label.to_owned(), value);
    let mut producer_rows = vec![
        row(pick("Tên", "Name"), p.name.clone()),
        row(pick("Địa chỉ", "Address"), address.clone()),
    ];
    if let Some(phone) = &p.phone {
        producer_rows.push(row(pick("Điện thoại", "Phone"), phone.clone()));
    }
    let a = &v.farming_area;
    let mut area_rows = vec![
        row(pick("Mã vùng trồng", "Area code"), a.code.clone()),
        row(pick("Tên", "Name"), a.name.clone()),
        row(
            pick("Trạng thái", "Status"),
            site_status(a.status, en).into(),
        ),
        row(pick("Thị trường", "Market"), market(&a.target_market, en)),
    ];
    if let Some(crop) = &a.crop {
        area_rows.push(row(pick("Cây trồng, vật nuôi", "Crop"), crop.clone()));
    }
    let b = &v.batch;
    let mut batch_rows = vec![row(pick("Số lô", "Lot"), b.lot.clone())];
    for (label, date) in [
        (pick("Ngày thu hoạch", "Harvested"), b.harvest_date),
        (pick("Ngày sản xuất", "Produced"), b.production_date),
        (pick("Hạn sử dụng", "Best before"), b.best_before),
    ] {
        if let Some(d) = date {
            batch_rows.push(row(label, fmt_date(d)));
        }
    }
    if let Some(f) = &v.packing_facility {
        batch_rows.push(row(
            pick("Cơ sở đóng gói", "Packed at"),
            format!("{} ({})", f.name, f.code),
        ));
    }
    let mut sections = vec![
        Section {
            title: pick("Nhà sản xuất", "Producer"),
            rows: producer_rows,
        },
        Section {
            title: pick("Vùng trồng", "Farming area"),
            rows: area_rows,
        },
        Section {
            title: pick("Lô hàng", "Batch"),
            rows: batch_rows,
        },
    ];
    if !v.certifications.is_empty() {
        sections.push(Section {
            title: pick("Tiêu chuẩn, chứng nhận", "Standards and certificates"),
            rows: v
                .certifications
                .iter()
                .map(|c| {
                    let state = match (c.status, en) {
                        (crate::domain::certification::CertStatus::Valid, false) => {
                            "còn hiệu lực đến"
                        }
                        (crate::domain::certification::CertStatus::Valid, true) => "valid until",
                        (_, false) => "HẾT HIỆU LỰC",
                        (_, true) => "NOT VALID",
                    };
                    let text = match c.status {
                        crate::domain::certification::CertStatus::Valid => {
                            format!("{} — {state} {}", c.number, fmt_date(c.valid_until))
                        }
                        _ => format!("{} — {state}", c.number),
                    };
                    (c.scheme_label.clone(), text)
                })
                .collect(),
        });
    }
    ScanPage {
        style: SCAN_CSS,
        script: SCAN_JS,
        lang: v.language.as_str(),
        title: format!(
            "{} — {}",
            v.product.name,
            pick("Truy xuất nguồn gốc", "Product origin")
        ),
        province: p.province.clone(),
        other_lang: if en { "vi" } else { "en" },
        other_lang_label: if en { "Tiếng Việt" } else { "English" },
        other_lang_href: format!("{base_path}?lang={}", if en { "vi" } else { "en" }),
        verdict_class,
        verdict_text,
        warnings,
        product_name: v.product.name.clone(),
        producer_line: format!("{} · {address}", p.name),
        image_url: v.product.image_url.clone(),
        stars,
        ocop_line,
        sections,
        story_title: pick("Câu chuyện sản phẩm", "The product's story"),
        story: v
            .product
            .description
            .as_deref()
            .unwrap_or("")
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        journey_title: pick("Hành trình sản phẩm", "The product's journey"),
        journey: v
            .journey
            .iter()
            .map(|s| {
                let place = match (&s.place, &s.place_code) {
                    (Some(p), Some(c)) => format!("{p} ({c})"),
                    (Some(p), None) => p.clone(),
                    (None, Some(c)) => c.clone(),
                    (None, None) => String::new(),
                };
                (fmt_date(s.date), s.label.clone(), place)
            })
            .collect(),
        code_title: pick("Mã truy xuất", "Trace code"),
        code_grouped: v.code_grouped.clone(),
        scans_line: if en {
            format!("Scanned {} time(s)", v.scans.views)
        } else {
            format!("Đã quét {} lần", v.scans.views)
        },
        location_button: pick(
            "📍 Chia sẻ vị trí mua (giúp phát hiện hàng giả)",
            "📍 Share where you bought it (helps spot fakes)",
        ),
        location_href: format!("/c/{}/location", v.code),
        location_thanks: pick("Cảm ơn bạn!", "Thank you!"),
        location_unavailable: pick("Không lấy được vị trí.", "Location not available."),
        footer: pick(
            "Dữ liệu do nhà sản xuất và cơ quan quản lý OCOP cung cấp. Giờ Việt Nam (GMT+7).",
            "Data from the producer and the OCOP authority. Times in Vietnam (GMT+7).",
        ),
    }
}

#[derive(Template)]
#[template(path = "scan_not_found.html")]
struct NotFoundPage {
    style: &'static str,
    lang: &'static str,
    title: &'static str,
    other_lang_href: String,
    other_lang_label: &'static str,
    headline: &'static str,
    explanation: &'static str,
    code: String,
    what_to_do_title: &'static str,
    what_to_do: Vec<&'static str>,
}

fn not_found(lang: Lang, raw: &str, base_path: &str, json: bool) -> HttpResponse {
    let en = lang == Lang::En;
    let pick = |vi: &'static str, en_text: &'static str| if en { en_text } else { vi };
    let explanation = pick(
        "Mã này không có trong hệ thống truy xuất. Sản phẩm có thể là hàng giả, hoặc mã bị in, nhập sai.",
        "This code is not registered. The product may be counterfeit, or the code was printed or typed wrongly.",
    );
    if json {
        use actix_web::ResponseError;
        return ApiError::NotFound(explanation.into()).error_response();
    }
    let page = NotFoundPage {
        style: NOT_FOUND_CSS,
        lang: lang.as_str(),
        title: pick("Mã không hợp lệ", "Unknown code"),
        other_lang_href: format!("{base_path}?lang={}", if en { "vi" } else { "en" }),
        other_lang_label: if en { "Tiếng Việt" } else { "English" },
        headline: pick(
            "✗ Mã không có trong hệ thống",
            "✗ This code is not registered",
        ),
        explanation,
        code: raw.chars().take(40).collect(),
        what_to_do_title: pick("Bạn nên làm gì?", "What to do"),
        what_to_do: if en {
            vec![
                "Check the code printed under the QR symbol and scan again.",
                "Do not eat or use the product until its origin is clear.",
                "Tell the shop, and report it to the provincial Department of Agriculture or market surveillance.",
            ]
        } else {
            vec![
                "Kiểm tra mã in dưới mã QR và quét lại.",
                "Chưa sử dụng sản phẩm khi chưa rõ nguồn gốc.",
                "Báo cho cửa hàng và báo cơ quan quản lý thị trường hoặc Sở Nông nghiệp tỉnh.",
            ]
        },
    };
    html(
        actix_web::http::StatusCode::NOT_FOUND,
        page.render(),
        &NOT_FOUND_CSP,
    )
}

/// The pages' style and script, inline (one request on a slow phone) and
/// allowed by their hashes alone: the pages load nothing from anywhere.
const SCAN_CSS: &str = include_str!("../../templates/scan.css");
const SCAN_JS: &str = include_str!("../../templates/scan.js");
const NOT_FOUND_CSS: &str = include_str!("../../templates/scan_not_found.css");

fn csp_hash(inline: &str) -> String {
    use base64::Engine;
    let digest = Sha256::digest(inline.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Nothing but the page's own inline style and script, images from this
/// service, and the location post back to it; never framed, no forms.
fn content_security_policy(style: &str, script: Option<&str>) -> String {
    let script = script.map_or_else(|| "'none'".to_owned(), csp_hash);
    format!(
        "default-src 'none'; style-src {}; script-src {script}; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        csp_hash(style)
    )
}

static SCAN_CSP: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| content_security_policy(SCAN_CSS, Some(SCAN_JS)));
static NOT_FOUND_CSP: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| content_security_policy(NOT_FOUND_CSS, None));

fn html(
    status: actix_web::http::StatusCode,
    rendered: askama::Result<String>,
    csp: &str,
) -> HttpResponse {
    match rendered {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, csp))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::VARY, "Accept, Accept-Language"))
            .body(body),
        Err(e) => {
            use actix_web::ResponseError;
            ApiError::Internal(format!("template: {e}")).error_response()
        }
    }
}

/// What a scan event says besides who and which code.
struct ScanRecord {
    kind: ScanKind,
    lang: Lang,
    at: chrono::NaiveDateTime,
    location: Option<(f64, f64)>,
    client: Option<ClientHash>,
}

/// The salted daily hash of a client's address: all that is kept of it.
fn client_of(state: &AppState, addr: Option<std::net::IpAddr>) -> Option<ClientHash> {
    let salt = state
        .daily_salt
        .for_day(state.settings.scan_salt_secret.expose(), today());
    addr.map(|a| client_hash(&salt, a))
}

/// Record a scan event and wait for its commit. Of the client only the
/// salted daily hash of its address and its browser family are kept.
async fn record_scan(
    state: &AppState,
    req: &HttpRequest,
    code: &TraceCode,
    event: ScanRecord,
) -> Result<(), ApiError> {
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    state
        .scan_writer
        .record(NewScanEvent {
            code: *code,
            kind: event.kind,
            scanned_at: event.at,
            lang: event.lang,
            ua_family: ua_family(user_agent),
            client_hash: event.client,
            latitude: event.location.map(|l| l.0),
            longitude: event.location.map(|l| l.1),
        })
        .await
}

/// What a scan shows of a code: the run's registry facts and the code's own
/// events and alerts.
pub struct CodeView {
    pub context: Arc<ScanContext>,
    pub facts: Arc<CodeFacts>,
}

/// The facts behind a code: from memory when they are current, otherwise
/// read and remembered. None: no such code. A code seen for the first time
/// costs a point read (its run and views: on SQLite right on the event loop,
/// on PostgreSQL through the blocking pool); its run's facts
/// are usually cached already, and its own events and alerts are read only
/// when its batch has any.
pub async fn scan_context(state: &AppState, code: TraceCode) -> Result<Option<CodeView>, ApiError> {
    let version = state.db.registry_version();
    let cache = &state.scan_cache;
    let cached = cache.get(&code, version);
    if let (Some(context), Some(facts)) = (&cached.context, &cached.facts) {
        return Ok(Some(CodeView {
            context: context.clone(),
            facts: facts.clone(),
        }));
    }
    let run = match cached.run {
        Some(run) => run,
        None => {
            let read = move |conn: &mut crate::db::DbConnection| scan_view::load_code(conn, &code);
            let found = match state.db.sqlite_here(read) {
                Some(found) => found?,
                None => state.db.run(read).await?,
            };
            let Some((run, (views, first))) = found else {
                return Ok(None);
            };
            let run = Arc::new(run);
            cache.put_code(code, run.clone(), views, first);
            run
        }
    };
    // The run's facts may be cached even when this code is new to us.
    let context = match cached.context.or_else(|| cache.context(&run.id, version)) {
        Some(context) => context,
        None => {
            let for_read = run.clone();
            let context = Arc::new(
                state
                    .db
                    .run(move |conn| scan_view::load_context(conn, &for_read))
                    .await?,
            );
            cache.put_context(&run.id, version, context.clone());
            context
        }
    };
    let facts = match cached.facts {
        Some(facts) => facts,
        None if !context.codes_have_facts => Arc::new(CodeFacts::default()),
        None => Arc::new(
            state
                .db
                .run(move |conn| scan_view::load_facts_of(conn, &code))
                .await?,
        ),
    };
    cache.put_current(&code, version, context.clone(), facts.clone());
    Ok(Some(CodeView { context, facts }))
}

/// Beyond the threshold of views, now and then, apply the view rule, in the
/// background after the scan's commit: the answer does not wait for it.
fn check_scan_count(
    state: &AppState,
    found: &CodeView,
    code: TraceCode,
    client: Option<ClientHash>,
    views: i64,
) {
    let thresholds = state.settings.clone_thresholds();
    let settled = found
        .facts
        .alerts
        .iter()
        .any(|a| a.rule == CloneRule::ScanCount.as_str() && a.status != "watch");
    if settled || views <= thresholds.max_views {
        return;
    }
    let cap = usize::try_from(thresholds.max_views + 1).unwrap_or(usize::MAX);
    let clients = state.viewers.note(&code, client, cap);
    if !time_to_count_clients(views, thresholds.max_views) {
        return;
    }
    let clients = i64::try_from(clients).unwrap_or(i64::MAX);
    let db = state.db.clone();
    let context = &found.context;
    let (producer_id, batch_id) = (context.batch.producer_id.clone(), context.batch.id.clone());
    actix_web::rt::spawn(async move {
        let code = code.to_string();
        let looked = code.clone();
        let finding = db
            .run(move |conn| clone_watch::views_finding(conn, &looked, views, clients, &thresholds))
            .await;
        let changed = match finding {
            Ok(Some(finding)) => {
                db.transaction_quiet(move |conn| {
                    let owner = CodeOwner {
                        code: &code,
                        producer_id: &producer_id,
                        batch_id: &batch_id,
                    };
                    clone_watch::record(conn, &owner, &finding, &thresholds)
                })
                .await
            }
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        };
        match changed {
            // A watch changes nothing consumers see: the caches stay.
            Ok(Some(alert)) if clone_watch::shown(&alert) => db.registry_changed(),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "clone alert not raised"),
        }
    });
}

/// Answer a scan of `raw_code` (from any of the URL forms).
async fn answer_scan(
    state: &AppState,
    req: &HttpRequest,
    raw_code: &str,
    query: ScanQuery,
) -> Result<HttpResponse, ApiError> {
    let addr = state.limiter.client_addr(req);
    if let Some(addr) = addr {
        state.limiter.check(addr)?;
    }
    let accept_language = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = pick_language(query.lang.as_deref(), accept_language);
    let json = wants_json(req, query.format.as_deref());
    let base_path = req.path().to_owned();
    let Ok(code) = TraceCode::parse(raw_code) else {
        return Ok(not_found(lang, raw_code, &base_path, json));
    };
    let today = today();
    let now = crate::db::now();
    let (found, views, first_viewed) =
        match state
            .scan_cache
            .view(&code, state.db.registry_version(), now)
        {
            Some(hit) => (
                CodeView {
                    context: hit.context,
                    facts: hit.facts,
                },
                hit.views,
                Some(hit.first_viewed),
            ),
            None => {
                let Some(found) = scan_context(state, code).await? else {
                    return Ok(not_found(lang, raw_code, &base_path, json));
                };
                let (views, first) = state.scan_cache.count_view(&code, now);
                (found, views, first)
            }
        };
    let client = client_of(state, addr);
    let event = ScanRecord {
        kind: ScanKind::View,
        lang,
        at: now,
        location: None,
        client,
    };
    let this_scan = scan_view::OneScan {
        context: &found.context,
        facts: &found.facts,
        code: &code,
        lang,
        today,
        views,
        first_viewed,
    };
    if json {
        let body = this_scan
            .json()
            .map_err(|e| ApiError::Internal(format!("scan JSON: {e}")))?;
        record_scan(state, req, &code, event).await?;
        check_scan_count(state, &found, code, client, views);
        return Ok(HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::VARY, "Accept, Accept-Language"))
            .body(body));
    }
    let view = this_scan.view();
    record_scan(state, req, &code, event).await?;
    check_scan_count(state, &found, code, client, views);
    Ok(html(
        actix_web::http::StatusCode::OK,
        page(&view, &base_path).render(),
        &SCAN_CSP,
    ))
}

/// The scan of a code (public). Records the scan, then answers with the
/// product's page (Vietnamese by default) or, for `Accept: application/json`,
/// the same facts as JSON. An unknown code answers 404: the product may be
/// counterfeit.
#[utoipa::path(
    tag = "public",
    params(("code" = String, Path, description = "The trace code, any case, hyphens and O/I/L allowed"), ScanQuery),
    responses(
        (status = 200, description = "The product's page (text/html) or its facts (application/json)",
            content((String = "text/html"), (ScanView = "application/json"))),
        (status = 404, description = "Not a registered code: the product may be counterfeit", content_type = "text/html", body = String),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[get("/c/{code}")]
pub async fn scan(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    query: ApiQuery<ScanQuery>,
) -> Result<HttpResponse, ApiError> {
    answer_scan(&state, &req, &code, query.into_inner()).await
}

/// The same scan, from an upper-case QR payload (`HTTPS://HOST/C/CODE`).
#[utoipa::path(
    tag = "public",
    params(("code" = String, Path), ScanQuery),
    responses(
        (status = 200, description = "As GET /c/{code}", content((String = "text/html"), (ScanView = "application/json"))),
        (status = 404, description = "Unknown code", content_type = "text/html", body = String),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[get("/C/{code}")]
pub async fn scan_upper(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    query: ApiQuery<ScanQuery>,
) -> Result<HttpResponse, ApiError> {
    answer_scan(&state, &req, &code, query.into_inner()).await
}

/// The same scan, from a GS1 Digital Link payload with the code as serial (AI 21).
#[utoipa::path(
    tag = "public",
    params(("gtin" = String, Path), ("lot" = String, Path), ("code" = String, Path), ScanQuery),
    responses(
        (status = 200, description = "As GET /c/{code}", content((String = "text/html"), (ScanView = "application/json"))),
        (status = 404, description = "Unknown code", content_type = "text/html", body = String),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[get("/01/{gtin}/10/{lot}/21/{code}")]
pub async fn scan_gs1(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    query: ApiQuery<ScanQuery>,
) -> Result<HttpResponse, ApiError> {
    let (_gtin, _lot, code) = path.into_inner();
    answer_scan(&state, &req, &code, query.into_inner()).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharedLocation {
    #[schema(example = 20.8172)]
    pub latitude: f64,
    #[schema(example = 105.3376)]
    pub longitude: f64,
}

/// Where the consumer scanned, if they chose to share it (public, rate-limited:
/// per client, and at most two locations per client and code at once, one
/// more each half hour). Kept rounded to about a kilometre; helps spot copied
/// labels. The body must be sent as `application/json` (415 otherwise), so a
/// web page can't make its visitors' browsers post it.
#[utoipa::path(
    tag = "public",
    params(("code" = String, Path)),
    request_body = SharedLocation,
    responses(
        (status = 204, description = "Recorded"),
        (status = 404, response = crate::error::ProblemResponse),
        (status = 415, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
        (status = 429, response = crate::error::ProblemResponse),
    )
)]
#[post("/c/{code}/location")]
pub async fn share_location(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    body: ApiJson<SharedLocation>,
) -> Result<HttpResponse, ApiError> {
    let addr = state.limiter.client_addr(&req);
    if let Some(addr) = addr {
        state.limiter.check(addr)?;
    }
    let code =
        TraceCode::parse(&code).map_err(|_| ApiError::not_found("this code is not registered"))?;
    let loc = body.into_inner();
    let (lat, lon) = coarse_location(loc.latitude, loc.longitude).ok_or_else(|| {
        ApiError::invalid(
            "latitude",
            "latitude must be -90..90 and longitude -180..180",
        )
    })?;
    let Some(found) = scan_context(&state, code).await? else {
        return Err(ApiError::not_found("this code is not registered"));
    };
    if let Some(addr) = addr {
        state.limiter.check_location(addr, code)?;
    }
    let at = crate::db::now();
    let client = client_of(&state, addr);
    let event = ScanRecord {
        kind: ScanKind::Location,
        lang: Lang::Vi,
        at,
        location: Some((lat, lon)),
        client,
    };
    record_scan(&state, &req, &code, event).await?;
    let sales = found.context.sales(&found.facts);
    let (producer_id, batch_id) = (
        found.context.batch.producer_id.clone(),
        found.context.batch.id.clone(),
    );
    let thresholds = state.settings.clone_thresholds();
    let new = LocatedScan {
        at,
        point: GeoPoint {
            latitude: lat,
            longitude: lon,
        },
        client: crate::db::scans::stored_client(client.as_ref()).to_owned(),
    };
    let checked = state
        .db
        .transaction_quiet(move |conn| {
            let code = code.to_string();
            let owner = CodeOwner {
                code: &code,
                producer_id: &producer_id,
                batch_id: &batch_id,
            };
            clone_watch::check_located(conn, &owner, &sales, &new, &thresholds)
        })
        .await;
    match checked {
        // The page shows a confirmed alert from the next scan on.
        Ok(changed) if changed.iter().any(clone_watch::shown) => state.db.registry_changed(),
        Ok(_) => {}
        // The location is recorded; the rules look again at the next one.
        Err(e) => tracing::warn!(error = %e, "clone rules not checked after a shared location"),
    }
    Ok(HttpResponse::NoContent().finish())
}
