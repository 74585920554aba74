//! The consumer's pages: a code's page (Vietnamese first, English on
//! request) and the page of a code that is not registered. Rendered from
//! the provenance read model's view; nothing here reads the database.

use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::domain::ocop::{RatingLevel, RatingStatus};
use crate::domain::scan::Lang;
use crate::domain::site::SiteStatus;
use crate::error::ApiError;
use crate::services::provenance::{ScanView, Verdict};

fn fmt_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The page of a registered code.
pub fn code_page(v: &ScanView, base_path: &str) -> HttpResponse {
    html(
        actix_web::http::StatusCode::OK,
        page(v, base_path).render(),
        &SCAN_CSP,
    )
}

#[derive(Template)]
#[template(path = "scan.html")]
pub struct ScanPage {
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

pub fn not_found(lang: Lang, raw: &str, base_path: &str, json: bool) -> HttpResponse {
    let en = lang == Lang::En;
    let pick = |vi: &'static str, en_text: &'static str| if en { en_text } else { vi };
    let explanation = pick(
        "Mã này không có trong hệ thống truy xuất. Sản phẩm có thể là hàng giả, hoặc mã bị in, nhập sai.",
        "This code is not registered. The product may be counterfeit, or the code was printed or typed wrongly.",
    );
    if json {
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
const SCAN_CSS: &str = include_str!("../../../templates/scan.css");
const SCAN_JS: &str = include_str!("../../../templates/scan.js");
const NOT_FOUND_CSS: &str = include_str!("../../../templates/scan_not_found.css");

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
        Err(e) => ApiError::internal(format!("template: {e}")).error_response(),
    }
}
