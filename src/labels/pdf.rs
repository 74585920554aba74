//! Printable label sheets: a grid of labels per page (a custom grid or a
//! common A4 decal sheet), each a vector QR code (one rectangle per run of
//! dark modules) with the grouped code and the sheet's chosen lines beside
//! or under it, as one block; optional cut marks and a first page to check
//! that the printer does not scale.
//!
//! Labels are taken in chunks: their QR symbols are encoded on every core,
//! then drawn and dropped, so a long run never holds its symbols in memory;
//! only the compressed pages stay. Text is shaped once per line (see
//! `text`).

use chrono::NaiveDate;
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;

use super::qr::{Ecc, Matrix};
use super::sheet::{Area, Arrangement, LabelPlan, PT_PER_MM, SheetLayout, plan_label};
use super::text::{Shaper, width};
use crate::i18n;

/// DejaVu Sans covers Vietnamese (and ★); Bitstream Vera licence, which
/// allows redistribution (assets/fonts/LICENSE-DejaVu.txt).
static FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

const QUIET_ZONE_MODULES: f32 = 2.0;
/// Labels whose symbols are encoded together before being drawn.
const CHUNK: usize = 512;

/// The optional lines a sheet prints under the product and lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelLines {
    /// "HSD dd/mm/yyyy": the lot's best-before day.
    pub best_before: bool,
    /// The product's unit, e.g. "chai 500 ml".
    pub net_content: bool,
    /// "OCOP ★★★★ đến MM/YYYY": the stars with the month they lapse, so a
    /// label never claims stars past their validity.
    pub ocop: bool,
    /// "Quét mã để truy xuất nguồn gốc".
    pub prompt: bool,
}

impl Default for LabelLines {
    fn default() -> Self {
        Self {
            best_before: false,
            net_content: false,
            ocop: true,
            prompt: true,
        }
    }
}

impl LabelLines {
    pub const NAMES: [&'static str; 4] = ["best_before", "net_content", "ocop", "prompt"];

    /// A comma-separated choice (`none` for no optional line).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut lines = Self {
            best_before: false,
            net_content: false,
            ocop: false,
            prompt: false,
        };
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "best_before" => lines.best_before = true,
                "net_content" => lines.net_content = true,
                "ocop" => lines.ocop = true,
                "prompt" => lines.prompt = true,
                "none" => {}
                other => {
                    return Err(format!(
                        "{other:?} is not a line; choose from {} (comma-separated) or none",
                        Self::NAMES.join(", ")
                    ));
                }
            }
        }
        Ok(lines)
    }
}

/// What one label shows.
#[derive(Debug, Clone)]
pub struct Label {
    pub payload: String,
    pub code_grouped: String,
    pub product_name: String,
    pub lot: String,
    /// GS1 labels: the GTIN (14 digits), printed with the lot as GS1's
    /// human-readable line `(01) … (10) …`.
    pub gtin: Option<String>,
    pub best_before: Option<NaiveDate>,
    pub net_content: Option<String>,
    /// Valid OCOP stars and the rating's last day; an expired rating prints
    /// none.
    pub ocop: Option<(u8, NaiveDate)>,
}

impl Label {
    /// The lines under (or beside) the code: the product, the lot (as GS1's
    /// human-readable line on a GS1 label), then the chosen ones it has.
    pub fn detail_lines(&self, chosen: LabelLines) -> Vec<String> {
        let mut lines = vec![self.product_name.clone()];
        lines.push(match &self.gtin {
            Some(gtin) => format!("(01) {gtin} (10) {}", self.lot),
            None => format!("{} {}", i18n::LABEL_LOT.vi, self.lot),
        });
        if chosen.best_before
            && let Some(day) = self.best_before
        {
            lines.push(format!(
                "{} {}",
                i18n::LABEL_BEST_BEFORE.vi,
                i18n::date(day)
            ));
        }
        if chosen.net_content
            && let Some(content) = &self.net_content
        {
            lines.push(content.clone());
        }
        if chosen.ocop
            && let Some((stars, until)) = self.ocop
        {
            lines.push(format!(
                "OCOP {} {} {}",
                "★".repeat(usize::from(stars)),
                i18n::LABEL_UNTIL.vi,
                until.format("%m/%Y")
            ));
        }
        if chosen.prompt {
            lines.push(i18n::LABEL_PROMPT.vi.to_owned());
        }
        lines
    }
}

/// How a sheet is printed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SheetOptions {
    pub ecc: Ecc,
    pub lines: LabelLines,
    /// Thin marks in the margins where the labels' edges are, for cutting
    /// plain paper.
    pub cut_marks: bool,
    /// A first page with a 100 mm ruler and one sample label, to check the
    /// printer prints at actual size.
    pub print_check: bool,
}

pub(super) fn black() -> Fill {
    Fill {
        paint: rgb::Color::new(0, 0, 0).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

/// Filled rectangles (x, y, w, h in points) as one path.
pub(super) fn fill_rects(
    surface: &mut Surface<'_>,
    rects: impl IntoIterator<Item = (f32, f32, f32, f32)>,
) {
    let mut pb = PathBuilder::new();
    for (x, y, w, h) in rects {
        if let Some(rect) = Rect::from_xywh(x, y, w, h) {
            pb.push_rect(rect);
        }
    }
    if let Some(path) = pb.finish() {
        surface.set_fill(Some(black()));
        surface.draw_path(&path);
    }
}

/// The fonts and the sheet's plan, set once per document.
pub(super) struct Drawer {
    pub(super) regular: Shaper,
    pub(super) bold: Shaper,
    plan: LabelPlan,
    /// Lines cut to their room, by their full text.
    fitted: std::collections::HashMap<String, String>,
}

impl Drawer {
    fn new(layout: &SheetLayout, first: &Label, lines: LabelLines) -> Result<Self, String> {
        let mut regular = Shaper::new(FONT_REGULAR)?;
        let mut bold = Shaper::new(FONT_BOLD)?;
        // A sheet holds one run's labels: the first tells the lines and the
        // code's width (every code has the same length).
        let details = first.detail_lines(lines);
        let mut at_one = vec![width(&bold.code(&first.code_grouped), 1.0)];
        at_one.extend(details.iter().map(|l| regular.width(l, 1.0)));
        let plan = plan_label(
            layout.label_width_mm,
            layout.label_height_mm,
            details.len(),
            |i, size| at_one[i] * size,
        );
        Ok(Self {
            regular,
            bold,
            plan,
            fitted: std::collections::HashMap::new(),
        })
    }

    /// One label with its top-left corner at (`x0`, `y0`) points.
    pub(super) fn label(
        &mut self,
        surface: &mut Surface<'_>,
        x0: f32,
        y0: f32,
        label: &Label,
        matrix: &Matrix,
        lines: LabelLines,
    ) {
        let qr = self.plan.qr;
        let module = qr.width / (matrix.width as f32 + 2.0 * QUIET_ZONE_MODULES);
        // Drawn in module units: the page's content is then short integers
        // ("12 5 3 1 re"), which is most of a sheet's bytes and so most of
        // the time spent compressing it.
        surface.push_transform(&Transform::from_row(
            module,
            0.0,
            0.0,
            module,
            x0 + qr.x + QUIET_ZONE_MODULES * module,
            y0 + qr.y + QUIET_ZONE_MODULES * module,
        ));
        fill_rects(
            surface,
            matrix
                .dark_runs()
                .map(|(x, y, len)| (x as f32, y as f32, len as f32, 1.0)),
        );
        surface.pop();
        surface.set_fill(Some(black()));
        let code = self.bold.code(&label.code_grouped);
        let first = self.plan.lines[0];
        // Codes differ in width (a proportional font): one wider than the
        // room is set smaller, never cut.
        let code_size = self
            .plan
            .code_size
            .min(self.plan.text_room / width(&code, 1.0).max(0.01));
        let code_w = width(&code, code_size);
        let code_x = match self.plan.arrangement {
            // Centred on the QR's axis.
            Arrangement::Below => x0 + self.plan.qr.x + (self.plan.qr.width - code_w) / 2.0,
            Arrangement::Beside => x0 + first.x,
        };
        surface.draw_glyphs(
            Point::from_xy(code_x, y0 + baseline(&first, self.plan.code_size)),
            &code,
            self.bold.font.clone(),
            &label.code_grouped,
            code_size,
            false,
        );
        let size = self.plan.line_size;
        for (line, area) in label.detail_lines(lines).iter().zip(&self.plan.lines[1..]) {
            let text = match self.fitted.get(line) {
                Some(text) => text.clone(),
                None => {
                    // The plan gave the line its measured width, or less.
                    let text = self.regular.fit(line, size, area.width + 0.01);
                    self.fitted.insert(line.clone(), text.clone());
                    text
                }
            };
            let glyphs = self.regular.line(&text);
            let x = match self.plan.arrangement {
                Arrangement::Below => x0 + area.x + (area.width - width(&glyphs, size)) / 2.0,
                Arrangement::Beside => x0 + area.x,
            };
            surface.draw_glyphs(
                Point::from_xy(x, y0 + baseline(area, size)),
                &glyphs,
                self.regular.font.clone(),
                &text,
                size,
                false,
            );
        }
    }
}

/// Where the baseline of a line of `size` sits in its box (DejaVu's ascent
/// is 0.93 em; the box adds 0.2 em of leading, half above).
fn baseline(area: &Area, size: f32) -> f32 {
    area.y + size * (0.1 + 0.93)
}

/// Encode every label's symbol, on every core.
fn encode_all(labels: &[Label], ecc: Ecc) -> Result<Vec<Matrix>, String> {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, 8);
    let per_worker = labels.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = labels
            .chunks(per_worker)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|l| Matrix::encode(&l.payload, ecc))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(labels.len());
        for handle in handles {
            all.extend(handle.join().map_err(|_| "a QR encoder failed")??);
        }
        Ok(all)
    })
}

/// Render labels onto as many pages as they need.
pub fn render<I>(layout: &SheetLayout, options: &SheetOptions, labels: I) -> Result<Vec<u8>, String>
where
    I: IntoIterator<Item = Label>,
{
    let page_settings = PageSettings::from_wh(
        layout.page_width_mm * PT_PER_MM,
        layout.page_height_mm * PT_PER_MM,
    )
    .ok_or("invalid page size")?;
    let mut labels = labels.into_iter().peekable();
    let Some(first) = labels.peek().cloned() else {
        return Err("no labels to print".into());
    };
    let mut drawer = Drawer::new(layout, &first, options.lines)?;
    let mut document = Document::new();
    if options.print_check {
        let matrix = Matrix::encode(&first.payload, options.ecc)?;
        let mut page = document.start_page_with(page_settings.clone());
        let mut surface = page.surface();
        super::print_check::print_check_page(
            &mut surface,
            &mut drawer,
            layout,
            &first,
            &matrix,
            options.lines,
        );
        surface.finish();
        page.finish();
    }
    let per_page = layout.per_page() as usize;
    // Whole pages per chunk, so a chunk's labels fill its pages.
    let chunk = (CHUNK / per_page).max(1) * per_page;
    loop {
        let part: Vec<Label> = labels.by_ref().take(chunk).collect();
        if part.is_empty() {
            break;
        }
        let matrices = encode_all(&part, options.ecc)?;
        for (labels, matrices) in part.chunks(per_page).zip(matrices.chunks(per_page)) {
            let mut page = document.start_page_with(page_settings.clone());
            let mut surface = page.surface();
            for (slot, (label, matrix)) in labels.iter().zip(matrices).enumerate() {
                let (x, y) = layout.label_origin_mm(slot as u32);
                drawer.label(
                    &mut surface,
                    x * PT_PER_MM,
                    y * PT_PER_MM,
                    label,
                    matrix,
                    options.lines,
                );
            }
            if options.cut_marks {
                super::print_check::cut_marks(&mut surface, layout);
            }
            surface.finish();
            page.finish();
        }
    }
    document
        .finish()
        .map_err(|e| format!("can't write the PDF: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(i: usize) -> Label {
        Label {
            payload: format!("https://ocop.vn/c/CODE{i}"),
            code_grouped: "ABCD-EFGH-JKMN-P".into(),
            product_name: "Mật ong rừng Hưng Thi".into(),
            lot: "MOHT-2604".into(),
            gtin: None,
            best_before: NaiveDate::from_ymd_opt(2028, 4, 27),
            net_content: Some("chai 500 ml".into()),
            ocop: NaiveDate::from_ymd_opt(2028, 8, 9).map(|d| (4, d)),
        }
    }

    fn options(print_check: bool) -> SheetOptions {
        SheetOptions {
            ecc: Ecc::M,
            lines: LabelLines::default(),
            cut_marks: true,
            print_check,
        }
    }

    #[test]
    fn renders_pages_for_all_labels_and_the_check_page() {
        let layout = SheetLayout::a4(3, 4, 10.0, None).expect("layout");
        let pdf = render(&layout, &options(false), (0..13).map(label)).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"));
        // 13 labels at 12 a page: 2 pages; with the check page, 3.
        let doc = lopdf::Document::load_mem(&pdf).expect("parse pdf");
        assert_eq!(doc.get_pages().len(), 2);
        let pdf = render(&layout, &options(true), (0..13).map(label)).expect("pdf");
        let doc = lopdf::Document::load_mem(&pdf).expect("parse pdf");
        assert_eq!(doc.get_pages().len(), 3);
        assert!(render(&layout, &options(false), std::iter::empty()).is_err());
    }

    #[test]
    fn a_label_prints_the_lines_chosen() {
        let mut l = label(1);
        assert_eq!(
            l.detail_lines(LabelLines::default()),
            [
                "Mật ong rừng Hưng Thi",
                "Lô MOHT-2604",
                "OCOP ★★★★ đến 08/2028",
                "Quét mã để truy xuất nguồn gốc"
            ]
        );
        let all = LabelLines::parse("best_before, net_content,ocop,prompt").expect("all");
        assert_eq!(l.detail_lines(all).len(), 6);
        assert_eq!(l.detail_lines(all)[2], "HSD 27/04/2028");
        assert_eq!(l.detail_lines(all)[3], "chai 500 ml");
        l.gtin = Some("08936012340020".into());
        l.ocop = None;
        let none = LabelLines::parse("none").expect("none");
        assert_eq!(
            l.detail_lines(none),
            [
                "Mật ong rừng Hưng Thi",
                "(01) 08936012340020 (10) MOHT-2604"
            ]
        );
        // An expired rating prints no stars, even when chosen.
        assert_eq!(
            l.detail_lines(all)
                .iter()
                .filter(|x| x.contains('★'))
                .count(),
            0
        );
        assert!(LabelLines::parse("ocop,colour").is_err());
    }
}
