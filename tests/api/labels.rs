//! Label sheets as a print shop uses them: every preset's first page
//! rasterised, every QR on it decoded to its code's address, every mark of
//! ink inside a label; the lines chosen; the print-check page; the rules.

use std::collections::HashSet;

use ocop_trace::labels::sheet::{PT_PER_MM, Preset};

use crate::helpers::TestApp;

/// Pixels per millimetre the pages are rasterised at (about 300 dpi).
const PX_PER_MM: f32 = 12.0;

/// Page `index` (from 0) of a PDF, in grey, at `PX_PER_MM`.
fn rasterise(pdf: &[u8], index: usize) -> image::GrayImage {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::hayro_syntax::Pdf;
    use hayro::vello_cpu::color::palette::css::WHITE;
    let pdf = Pdf::new(pdf.to_vec()).expect("a PDF");
    let page = &pdf.pages()[index];
    let scale = PX_PER_MM / PT_PER_MM;
    let settings = hayro::RenderSettings {
        x_scale: scale,
        y_scale: scale,
        bg_color: WHITE,
        ..Default::default()
    };
    let pixmap = hayro::render(
        page,
        &hayro::RenderCache::new(),
        &InterpreterSettings::default(),
        &settings,
    );
    let (w, h) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    let rgba = pixmap.data_as_u8_slice();
    image::GrayImage::from_fn(w, h, |x, y| {
        let at = ((y * w + x) * 4) as usize;
        image::Luma([
            ((u16::from(rgba[at]) + u16::from(rgba[at + 1]) + u16::from(rgba[at + 2])) / 3) as u8,
        ])
    })
}

fn decode(cell: &image::GrayImage) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare(cell.clone());
    prepared
        .detect_grids()
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

async fn pdf(app: &TestApp, token: &str, run: &str, query: &str) -> Vec<u8> {
    // A fresh connection each time: rasterising the last page can outlast
    // the server's keep-alive, and a pooled connection would then be closed
    // under the request.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let answer = client
        .get(app.url(&format!("/api/v1/code-runs/{run}/labels.pdf?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("pdf");
    assert_eq!(answer.status().as_u16(), 200, "{query}");
    answer.bytes().await.expect("bytes").to_vec()
}

api_test!(async fn every_preset_prints_decodable_labels_with_their_ink_inside(app) {
    let chain = app.chain(65).await;
    let run_of_codes: HashSet<String> = chain.codes.iter().map(|c| format!("http://ocop.test/c/{c}")).collect();
    for preset in Preset::ALL {
        let sheet = preset.layout();
        let per_page = sheet.per_page() as usize;
        let query = format!("preset={}&to={per_page}&lines=best_before,net_content,ocop,prompt", preset.as_str());
        let bytes = pdf(&app, &chain.producer.token, &chain.run_id, &query).await;
        let page = rasterise(&bytes, 0);
        let px = |mm: f32| (mm * PX_PER_MM).round() as i64;
        let mut inside = vec![false; (page.width() * page.height()) as usize];
        let mut decoded = HashSet::new();
        for slot in 0..sheet.per_page() {
            let (x, y) = sheet.label_origin_mm(slot);
            let (x0, y0) = (px(x).max(0) as u32, px(y).max(0) as u32);
            let (w, h) = (px(sheet.label_width_mm) as u32, px(sheet.label_height_mm) as u32);
            let (w, h) = (w.min(page.width() - x0), h.min(page.height() - y0));
            let cell = image::imageops::crop_imm(&page, x0, y0, w, h).to_image();
            let found = decode(&cell);
            assert_eq!(found.len(), 1, "{preset:?} label {slot}: {found:?}");
            decoded.insert(found[0].clone());
            // The label's ink: its QR and, beside or below it, the lines.
            let dark = cell.pixels().filter(|p| p.0[0] < 128).count();
            assert!(dark > (w * h / 10) as usize, "{preset:?} label {slot} is nearly blank: {dark} of {}", w * h);
            for yy in y0..y0 + h {
                for xx in x0..x0 + w {
                    inside[(yy * page.width() + xx) as usize] = true;
                }
            }
        }
        assert_eq!(decoded.len(), per_page, "{preset:?}: every label its own code");
        assert!(decoded.is_subset(&run_of_codes), "{preset:?}: {decoded:?}");
        // Nothing is printed outside the labels: no line runs over an edge.
        let stray: Vec<(u32, u32)> = page
            .enumerate_pixels()
            .filter(|(x, y, p)| p.0[0] < 160 && !inside[(*y * page.width() + *x) as usize])
            .map(|(x, y, _)| (x, y))
            .collect();
        assert!(stray.is_empty(), "{preset:?}: ink outside the labels at {:?}", &stray[..stray.len().min(8)]);
    }
    // A custom grid on plain paper: cut marks, in the margins only.
    let bytes = pdf(&app, &chain.producer.token, &chain.run_id, "columns=3&rows=4&margin_mm=15&to=12").await;
    let page = rasterise(&bytes, 0);
    let grid = ocop_trace::labels::sheet::SheetLayout::a4(3, 4, 15.0, None).expect("grid").grid_mm();
    let in_grid = |x: u32, y: u32| {
        let (x, y) = (x as f32 / PX_PER_MM, y as f32 / PX_PER_MM);
        x >= grid.0 && x <= grid.2 && y >= grid.1 && y <= grid.3
    };
    let marks = page.enumerate_pixels().filter(|(x, y, p)| p.0[0] < 160 && !in_grid(*x, *y)).count();
    assert!(marks > 0, "cut marks in the margins");
    let near_edge = |v: f32, edges: &[f32]| edges.iter().any(|e| (v - e).abs() < 0.3);
    let (across, down) = ocop_trace::labels::sheet::SheetLayout::a4(3, 4, 15.0, None).expect("grid").edges_mm();
    for (x, y, p) in page.enumerate_pixels() {
        if p.0[0] < 160 && !in_grid(x, y) {
            let (xm, ym) = (x as f32 / PX_PER_MM, y as f32 / PX_PER_MM);
            assert!(near_edge(xm, &across) || near_edge(ym, &down), "a mark off the label edges at {xm} {ym} mm");
        }
    }
});

api_test!(async fn a_sheet_prints_the_lines_it_chose_and_a_print_check(app) {
    let chain = app.chain(8).await;
    let token = &chain.producer.token;
    let text_of = |bytes: &[u8], page: u32| {
        let doc = lopdf::Document::load_mem(bytes).expect("pdf");
        doc.extract_text(&[page]).expect("text")
    };
    let chosen = pdf(&app, token, &chain.run_id, "preset=a4-21&lines=best_before,net_content,ocop,prompt").await;
    let text = text_of(&chosen, 1);
    let today = ocop_trace::domain::time::today();
    let best_before = today + chrono::Duration::days(crate::helpers::FIXTURE_SHELF_DAYS);
    let rated = today + chrono::Duration::days(crate::helpers::FIXTURE_RATED_DAYS_AGO);
    let until = rated.checked_add_months(chrono::Months::new(36)).expect("date");
    assert!(text.contains(&format!("HSD {}", best_before.format("%d/%m/%Y"))), "best before: {text}");
    assert!(text.contains(&format!("OCOP ★★★★ đến {}", until.format("%m/%Y"))), "stars with their validity: {text}");
    assert!(text.contains("Quét mã để truy xuất nguồn gốc"), "{text}");
    assert!(text.contains(&TraceCodeGrouped::of(&chain.codes[0])), "the code in groups of four: {text}");
    let plain = pdf(&app, token, &chain.run_id, "preset=a4-21&lines=none").await;
    let text = text_of(&plain, 1);
    assert!(!text.contains("OCOP") && !text.contains("HSD") && text.contains("Cam Cao Phong"), "{text}");
    // The check page first: the ruler, the steps, one sample at its size.
    let checked = pdf(&app, token, &chain.run_id, "preset=a4-24&print_check=true").await;
    let doc = lopdf::Document::load_mem(&checked).expect("pdf");
    assert_eq!(doc.get_pages().len(), 2);
    let check = text_of(&checked, 1);
    assert!(check.contains("100 mm") && check.contains("63.5 × 33.9 mm"), "{check}");
    let page = rasterise(&checked, 0);
    let sample = image::imageops::crop_imm(&page, (20.0 * PX_PER_MM) as u32, (114.0 * PX_PER_MM) as u32,
        (63.5 * PX_PER_MM) as u32, (33.9 * PX_PER_MM) as u32).to_image();
    assert_eq!(decode(&sample), [format!("http://ocop.test/c/{}", chain.codes[0])]);
});

api_test!(async fn sheet_rules_are_checked(app) {
    let chain = app.chain(2).await;
    let token = &chain.producer.token;
    for (query, field) in [
        ("preset=a4-65&columns=3", "columns"),
        ("preset=a4-65&label_width_mm=30", "label_width_mm"),
        ("lines=ocop,colour", "lines"),
        ("label_width_mm=40", "label_height_mm"),
    ] {
        let answer = app.get(&format!("/api/v1/code-runs/{}/labels.pdf?{query}", chain.run_id), Some(token)).await;
        assert_eq!(answer.assert_problem(422)["field"], field, "{query}");
    }
    let answer = app.get(&format!("/api/v1/code-runs/{}/labels.pdf?preset=a4-99", chain.run_id), Some(token)).await;
    answer.assert_problem(400);
});

/// A code as printed under its QR.
struct TraceCodeGrouped;

impl TraceCodeGrouped {
    fn of(code: &str) -> String {
        ocop_trace::domain::code::TraceCode::parse(code)
            .expect("code")
            .grouped()
    }
}
