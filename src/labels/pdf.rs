//! Printable label sheets: a grid of labels per page, each a vector QR code
//! (one rectangle per run of dark modules) with the grouped code, the product
//! name, the lot and the OCOP stars under it.
//!
//! Labels are drawn one at a time and their QR matrices dropped at once, so a
//! long run never holds its symbols in memory; only the compressed pages stay.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::text::{Font, TextDirection};

use super::qr::{Ecc, Matrix};

/// DejaVu Sans covers Vietnamese (and ★); Bitstream Vera licence, which
/// allows redistribution (assets/fonts/LICENSE-DejaVu.txt).
static FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

const PT_PER_MM: f32 = 72.0 / 25.4;
const QUIET_ZONE_MODULES: f32 = 2.0;

/// Page and grid, in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SheetLayout {
    pub page_width_mm: f32,
    pub page_height_mm: f32,
    pub columns: u32,
    pub rows: u32,
    pub margin_mm: f32,
    pub label_width_mm: f32,
    pub label_height_mm: f32,
}

impl SheetLayout {
    pub const A4: (f32, f32) = (210.0, 297.0);

    /// A grid that fills an A4 page inside the margins, unless label sizes are given.
    pub fn a4(
        columns: u32,
        rows: u32,
        margin_mm: f32,
        label: Option<(f32, f32)>,
    ) -> Result<Self, (String, String)> {
        let (pw, ph) = Self::A4;
        if !(1..=10).contains(&columns) {
            return Err(("columns".into(), "must be between 1 and 10".into()));
        }
        if !(1..=20).contains(&rows) {
            return Err(("rows".into(), "must be between 1 and 20".into()));
        }
        if !(0.0..=30.0).contains(&margin_mm) {
            return Err(("margin_mm".into(), "must be between 0 and 30".into()));
        }
        let (lw, lh) = label.unwrap_or((
            (pw - 2.0 * margin_mm) / columns as f32,
            (ph - 2.0 * margin_mm) / rows as f32,
        ));
        if !(15.0..=200.0).contains(&lw) {
            return Err((
                "label_width_mm".into(),
                "must be between 15 and 200 mm".into(),
            ));
        }
        if !(20.0..=280.0).contains(&lh) {
            return Err((
                "label_height_mm".into(),
                "must be between 20 and 280 mm".into(),
            ));
        }
        if margin_mm * 2.0 + lw * columns as f32 > pw + 0.01 {
            return Err((
                "label_width_mm".into(),
                format!("{columns} labels of {lw} mm do not fit across A4"),
            ));
        }
        if margin_mm * 2.0 + lh * rows as f32 > ph + 0.01 {
            return Err((
                "label_height_mm".into(),
                format!("{rows} labels of {lh} mm do not fit down A4"),
            ));
        }
        Ok(Self {
            page_width_mm: pw,
            page_height_mm: ph,
            columns,
            rows,
            margin_mm,
            label_width_mm: lw,
            label_height_mm: lh,
        })
    }

    pub fn per_page(&self) -> u32 {
        self.columns * self.rows
    }
}

/// What one label shows.
#[derive(Debug, Clone)]
pub struct Label {
    pub payload: String,
    pub code_grouped: String,
    pub product_name: String,
    pub lot: String,
    /// Valid OCOP stars only; an expired rating prints none.
    pub stars: Option<u8>,
    /// GS1 labels: the GTIN (14 digits), printed with the lot as GS1's
    /// human-readable line `(01) … (10) …`.
    pub gtin: Option<String>,
}

impl Label {
    /// The small lines under the code: the product, then the lot (as GS1's
    /// human-readable line on a GS1 label) and the OCOP stars.
    pub fn detail_lines(&self) -> Vec<String> {
        let stars = self
            .stars
            .map(|s| format!("OCOP {}", "★".repeat(usize::from(s))));
        let lot = crate::i18n::LABEL_LOT.vi;
        let mut lines = vec![self.product_name.clone()];
        match &self.gtin {
            Some(gtin) => {
                lines.push(format!("(01) {gtin} (10) {}", self.lot));
                lines.extend(stars);
            }
            None => lines.push(match stars {
                Some(stars) => format!("{lot} {} · {stars}", self.lot),
                None => format!("{lot} {}", self.lot),
            }),
        }
        lines
    }
}

fn black() -> Fill {
    Fill {
        paint: rgb::Color::new(0, 0, 0).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

/// Cut text to what fits in `width_pt` at `size` (DejaVu Sans averages ~0.6 em).
fn fit(text: &str, width_pt: f32, size: f32) -> String {
    let max = ((width_pt / (size * 0.6)).floor() as usize).max(4);
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

/// Render labels onto as many pages as they need.
pub fn render<I>(layout: &SheetLayout, ecc: Ecc, labels: I) -> Result<Vec<u8>, String>
where
    I: IntoIterator<Item = Label>,
{
    let regular = Font::new(FONT_REGULAR.into(), 0).ok_or("the label font could not be loaded")?;
    let bold = Font::new(FONT_BOLD.into(), 0).ok_or("the label font could not be loaded")?;
    let page_settings = PageSettings::from_wh(
        layout.page_width_mm * PT_PER_MM,
        layout.page_height_mm * PT_PER_MM,
    )
    .ok_or("invalid page size")?;
    let label_w = layout.label_width_mm * PT_PER_MM;
    let label_h = layout.label_height_mm * PT_PER_MM;
    let margin = layout.margin_mm * PT_PER_MM;
    let pad = 1.5 * PT_PER_MM;
    let mut labels = labels.into_iter().peekable();
    // The code and the lines under it (a GS1 label has one more); a sheet
    // holds one run's labels, so the first tells.
    let lines = labels.peek().map_or(2, |l| l.detail_lines().len()) + 1;
    let text_block = lines as f32 * 7.0 + 2.0;
    let qr_side = (label_w - 2.0 * pad).min(label_h - 2.0 * pad - text_block);

    let mut document = Document::new();
    while labels.peek().is_some() {
        let mut page = document.start_page_with(page_settings.clone());
        let mut surface = page.surface();
        for slot in 0..layout.per_page() {
            let Some(label) = labels.next() else { break };
            let col = (slot % layout.columns) as f32;
            let row = (slot / layout.columns) as f32;
            let x0 = margin + col * label_w + pad;
            let y0 = margin + row * label_h + pad;

            let matrix = Matrix::encode(&label.payload, ecc)?;
            let module = qr_side / (matrix.width as f32 + 2.0 * QUIET_ZONE_MODULES);
            let origin = (x0 + (label_w - 2.0 * pad - qr_side) / 2.0, y0);
            let mut pb = PathBuilder::new();
            for (x, y, len) in matrix.dark_runs() {
                let rect = Rect::from_xywh(
                    origin.0 + (x as f32 + QUIET_ZONE_MODULES) * module,
                    origin.1 + (y as f32 + QUIET_ZONE_MODULES) * module,
                    len as f32 * module,
                    module,
                )
                .ok_or("invalid module size")?;
                pb.push_rect(rect);
            }
            if let Some(path) = pb.finish() {
                surface.set_fill(Some(black()));
                surface.draw_path(&path);
            }

            let text_w = label_w - 2.0 * pad;
            let mut baseline = y0 + qr_side + 7.5;
            surface.set_fill(Some(black()));
            surface.draw_text(
                Point::from_xy(x0, baseline),
                bold.clone(),
                7.0,
                &label.code_grouped,
                false,
                TextDirection::Auto,
            );
            for line in label.detail_lines() {
                baseline += 7.0;
                surface.draw_text(
                    Point::from_xy(x0, baseline),
                    regular.clone(),
                    6.0,
                    &fit(&line, text_w, 6.0),
                    false,
                    TextDirection::Auto,
                );
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| format!("can't write the PDF: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_rules() {
        let l = SheetLayout::a4(4, 8, 10.0, None).expect("default grid");
        assert_eq!(l.per_page(), 32);
        assert!((l.label_width_mm - 47.5).abs() < 0.01);
        assert!(SheetLayout::a4(0, 8, 10.0, None).is_err());
        assert!(SheetLayout::a4(4, 8, 10.0, Some((60.0, 30.0))).is_err());
    }

    #[test]
    fn renders_pages_for_all_labels() {
        let layout = SheetLayout::a4(3, 4, 10.0, None).expect("layout");
        let labels = (0..13).map(|i| Label {
            payload: format!("https://ocop.vn/c/CODE{i}"),
            code_grouped: "ABCD-EFGH-JKMN-P".into(),
            product_name: "Mật ong rừng Hưng Thi".into(),
            lot: "MOHT-2604".into(),
            stars: Some(4),
            gtin: None,
        });
        let pdf = render(&layout, Ecc::M, labels).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"));
        // 13 labels at 12 a page: 2 pages.
        let doc = lopdf::Document::load_mem(&pdf).expect("parse pdf");
        assert_eq!(doc.get_pages().len(), 2);
    }

    #[test]
    fn a_gs1_label_prints_its_gtin_and_lot_as_gs1_does() {
        let mut label = Label {
            payload: "https://id.example.vn/01/08936012340020/10/MOHT-2604/21/X".into(),
            code_grouped: "ABCD-EFGH-JKMN-P".into(),
            product_name: "Mật ong rừng Hưng Thi".into(),
            lot: "MOHT-2604".into(),
            stars: Some(4),
            gtin: Some("08936012340020".into()),
        };
        assert_eq!(
            label.detail_lines(),
            [
                "Mật ong rừng Hưng Thi",
                "(01) 08936012340020 (10) MOHT-2604",
                "OCOP ★★★★"
            ]
        );
        label.gtin = None;
        assert_eq!(
            label.detail_lines(),
            ["Mật ong rừng Hưng Thi", "Lô MOHT-2604 · OCOP ★★★★"]
        );
    }
}
