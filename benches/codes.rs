//! Hot functions of issuance and printing: making and checking codes,
//! encoding QR symbols and rendering them. Run with `cargo bench`.

// A benchmark that cannot set up fails at once, like a test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ocop_trace::domain::code::TraceCode;
use ocop_trace::domain::digital_link;
use ocop_trace::domain::epcis;
use ocop_trace::domain::payload::{PayloadFormat, payload, payload_prefix};
use ocop_trace::labels::pdf::{Label, LabelLines, SheetOptions, render};
use ocop_trace::labels::qr::{self, Ecc, Matrix};
use ocop_trace::labels::sheet::{Preset, SheetLayout};

fn codes(c: &mut Criterion) {
    c.bench_function("code/random", |b| b.iter(TraceCode::random));
    let code = TraceCode::random();
    let typed = code.grouped().to_lowercase();
    c.bench_function("code/parse_grouped_lowercase", |b| {
        b.iter(|| TraceCode::parse(black_box(&typed)));
    });
    let prefix = payload_prefix(
        PayloadFormat::UrlUpper,
        "https://ocop.hoabinh.gov.vn",
        None,
        "L",
    )
    .unwrap_or_default();
    c.bench_function("code/payload", |b| {
        b.iter(|| payload(black_box(&prefix), black_box(&code)));
    });
    // What the resolver adds to a scan: the whole GS1 link checked, and
    // the linkset's anchor made.
    let link = format!("/01/08936012340020/10/MOHT-2604/21/{code}");
    c.bench_function("resolver/parse_link", |b| {
        b.iter(|| digital_link::parse_path_and_query(black_box(&link)));
    });
    let parsed = digital_link::parse_path_and_query(&link).expect("a link");
    c.bench_function("resolver/anchor", |b| {
        b.iter(|| black_box(&parsed).identifier_uri("https://ocop.hoabinh.gov.vn", |_| true));
    });
    // GS1's event hash of one captured event (GS1's sensor example: URNs,
    // bare CBV values, a sensor report), per event of a capture.
    let sensor: serde_json::Value = serde_json::from_str(include_str!(
        "../tests/vectors/epcis-hash/epcisDocWithSensorDataObjectEvent.jsonld"
    ))
    .expect("the vector is JSON");
    c.bench_function("epcis/event_hash", |b| {
        b.iter(|| epcis::hash::event_hashes(black_box(&sensor)));
    });
}

fn qr_rendering(c: &mut Criterion) {
    let code = TraceCode::random();
    let lower = format!("https://ocop.hoabinh.gov.vn/c/{code}");
    let upper = format!("HTTPS://OCOP.HOABINH.GOV.VN/C/{code}");
    c.bench_function("qr/encode_url_m", |b| {
        b.iter(|| Matrix::encode(black_box(&lower), Ecc::M));
    });
    c.bench_function("qr/encode_url_upper_m", |b| {
        b.iter(|| Matrix::encode(black_box(&upper), Ecc::M));
    });
    let matrix = Matrix::encode(&upper, Ecc::M).expect("encode");
    c.bench_function("qr/png_8px", |b| {
        b.iter(|| qr::png(black_box(&matrix), 8, 4));
    });
    c.bench_function("qr/svg", |b| b.iter(|| qr::svg(black_box(&matrix), 8, 4)));
    c.bench_function("qr/encode_and_png", |b| {
        b.iter(|| {
            qr::png(
                &Matrix::encode(black_box(&upper), Ecc::M).expect("encode"),
                8,
                4,
            )
        });
    });
}

fn pdf(c: &mut Criterion) {
    let label = |_| {
        let code = TraceCode::random();
        Label {
            payload: format!("HTTPS://OCOP.HOABINH.GOV.VN/C/{code}"),
            code_grouped: code.grouped(),
            product_name: "Mật ong rừng Hưng Thi".into(),
            lot: "MOHT-2604".into(),
            gtin: None,
            best_before: chrono::NaiveDate::from_ymd_opt(2028, 4, 27),
            net_content: Some("chai 500 ml".into()),
            ocop: chrono::NaiveDate::from_ymd_opt(2028, 8, 9).map(|d| (4, d)),
        }
    };
    let options = SheetOptions {
        ecc: Ecc::M,
        lines: LabelLines::parse("best_before,net_content,ocop,prompt").expect("lines"),
        cut_marks: true,
        print_check: false,
    };
    let mut group = c.benchmark_group("pdf");
    group.sample_size(10);
    let page: Vec<Label> = (0..32).map(label).collect();
    let layout = SheetLayout::a4(4, 8, 10.0, None).expect("layout");
    group.bench_function("a4_page_32_labels", |b| {
        b.iter(|| render(&layout, &options, page.clone()));
    });
    // A run's sheet as a shop prints it: 2,000 labels on 65-label decals.
    let run: Vec<Label> = (0..2000).map(label).collect();
    let decals = Preset::A4x65.layout();
    group.bench_function("a4_65_sheets_2000_labels", |b| {
        b.iter(|| render(&decals, &options, run.clone()));
    });
    group.finish();
}

criterion_group!(benches, codes, qr_rendering, pdf);
criterion_main!(benches);
