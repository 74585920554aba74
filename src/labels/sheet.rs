//! Where labels go on a sheet, and where the QR and the lines go on a
//! label: pure geometry, in millimetres on the sheet and points inside a
//! label, so it can be checked without drawing.

use serde::Deserialize;
use utoipa::ToSchema;

pub const PT_PER_MM: f32 = 72.0 / 25.4;
pub const A4_MM: (f32, f32) = (210.0, 297.0);

/// Common A4 self-adhesive (decal) sheets sold in Vietnam, by labels per
/// sheet: the grid, the label size and where the first label starts, as the
/// manufacturers print them (Tomy / Avery-compatible layouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum Preset {
    /// 5 × 13 labels of 38.1 × 21.2 mm (small jars, sachets).
    #[serde(rename = "a4-65")]
    A4x65,
    /// 4 × 10 labels of 48.5 × 25.4 mm.
    #[serde(rename = "a4-40")]
    A4x40,
    /// 3 × 8 labels of 63.5 × 33.9 mm.
    #[serde(rename = "a4-24")]
    A4x24,
    /// 3 × 7 labels of 63.5 × 38.1 mm (bottles, boxes).
    #[serde(rename = "a4-21")]
    A4x21,
}

impl Preset {
    pub const ALL: [Preset; 4] = [Self::A4x65, Self::A4x40, Self::A4x24, Self::A4x21];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::A4x65 => "a4-65",
            Self::A4x40 => "a4-40",
            Self::A4x24 => "a4-24",
            Self::A4x21 => "a4-21",
        }
    }

    pub fn layout(self) -> SheetLayout {
        // (columns, rows, width, height, left, top, gap across, gap down)
        let (columns, rows, w, h, left, top, gap_x, gap_y) = match self {
            Self::A4x65 => (5, 13, 38.1, 21.2, 4.65, 10.7, 2.5, 0.0),
            Self::A4x40 => (4, 10, 48.5, 25.4, 8.0, 21.5, 0.0, 0.0),
            Self::A4x24 => (3, 8, 63.5, 33.9, 6.45, 12.9, 2.5, 0.0),
            Self::A4x21 => (3, 7, 63.5, 38.1, 6.45, 15.15, 2.5, 0.0),
        };
        SheetLayout {
            page_width_mm: A4_MM.0,
            page_height_mm: A4_MM.1,
            columns,
            rows,
            label_width_mm: w,
            label_height_mm: h,
            left_mm: left,
            top_mm: top,
            gap_x_mm: gap_x,
            gap_y_mm: gap_y,
        }
    }
}

/// A page and its grid of labels, in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SheetLayout {
    pub page_width_mm: f32,
    pub page_height_mm: f32,
    pub columns: u32,
    pub rows: u32,
    pub label_width_mm: f32,
    pub label_height_mm: f32,
    /// Where the first column starts, from the page's left edge.
    pub left_mm: f32,
    /// Where the first row starts, from the page's top edge.
    pub top_mm: f32,
    /// Space between two columns, and between two rows.
    pub gap_x_mm: f32,
    pub gap_y_mm: f32,
}

impl SheetLayout {
    /// A custom grid on A4: `columns` × `rows` labels inside `margin_mm`,
    /// filling the page unless the label size is given (then centred).
    pub fn a4(
        columns: u32,
        rows: u32,
        margin_mm: f32,
        label: Option<(f32, f32)>,
    ) -> Result<Self, (String, String)> {
        let (pw, ph) = A4_MM;
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
        if !(15.0..=280.0).contains(&lh) {
            return Err((
                "label_height_mm".into(),
                "must be between 15 and 280 mm".into(),
            ));
        }
        let (grid_w, grid_h) = (lw * columns as f32, lh * rows as f32);
        if margin_mm * 2.0 + grid_w > pw + 0.01 {
            return Err((
                "label_width_mm".into(),
                format!("{columns} labels of {lw} mm do not fit across A4"),
            ));
        }
        if margin_mm * 2.0 + grid_h > ph + 0.01 {
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
            label_width_mm: lw,
            label_height_mm: lh,
            left_mm: (pw - grid_w) / 2.0,
            top_mm: (ph - grid_h) / 2.0,
            gap_x_mm: 0.0,
            gap_y_mm: 0.0,
        })
    }

    pub fn per_page(&self) -> u32 {
        self.columns * self.rows
    }

    /// The top-left corner of the label in `slot` (row by row), in mm.
    pub fn label_origin_mm(&self, slot: u32) -> (f32, f32) {
        let (col, row) = ((slot % self.columns) as f32, (slot / self.columns) as f32);
        (
            self.left_mm + col * (self.label_width_mm + self.gap_x_mm),
            self.top_mm + row * (self.label_height_mm + self.gap_y_mm),
        )
    }

    /// The grid's outer edges (left, top, right, bottom), in mm.
    pub fn grid_mm(&self) -> (f32, f32, f32, f32) {
        let (right, bottom) = self.label_origin_mm(self.per_page() - 1);
        (
            self.left_mm,
            self.top_mm,
            right + self.label_width_mm,
            bottom + self.label_height_mm,
        )
    }

    /// Every label edge across (x) and down (y), each once, in mm: where
    /// cut marks go.
    pub fn edges_mm(&self) -> (Vec<f32>, Vec<f32>) {
        let edges = |start: f32, size: f32, gap: f32, count: u32| {
            let mut found: Vec<f32> = Vec::new();
            for i in 0..count {
                let a = start + i as f32 * (size + gap);
                for edge in [a, a + size] {
                    if found.last().is_none_or(|last| (edge - last).abs() > 0.01) {
                        found.push(edge);
                    }
                }
            }
            found
        };
        (
            edges(
                self.left_mm,
                self.label_width_mm,
                self.gap_x_mm,
                self.columns,
            ),
            edges(self.top_mm, self.label_height_mm, self.gap_y_mm, self.rows),
        )
    }
}

/// A rectangle inside a label, in points from its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Area {
    pub fn contains(&self, other: &Area) -> bool {
        const SLACK: f32 = 0.01;
        other.x >= self.x - SLACK
            && other.y >= self.y - SLACK
            && other.x + other.width <= self.x + self.width + SLACK
            && other.y + other.height <= self.y + self.height + SLACK
    }
}

/// How the QR and the text sit together on a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrangement {
    /// Text to the right of the QR (labels much wider than tall).
    Beside,
    /// Text centred under the QR.
    Below,
}

/// A label's plan: the QR's square (quiet zone included) and one box per
/// text line, the code's line first; all inside the label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelPlan {
    pub arrangement: Arrangement,
    pub qr: Area,
    /// Font size of the code's line and of the others, in points.
    pub code_size: f32,
    pub line_size: f32,
    /// Each line's box (its width is the line's measured width, fitted).
    pub lines: Vec<Area>,
    /// The widest a line may be (a code wider than the plan's is set
    /// smaller to fit it).
    pub text_room: f32,
}

/// Padding inside a label's edge (printers drift by about a millimetre).
const PAD_MM: f32 = 1.5;
/// Space between the QR and the text.
const GAP_MM: f32 = 1.0;
const LINE_SPACING: f32 = 1.2;
/// Readable on a label when there is room, and no bigger than useful.
const MIN_SIZE: f32 = 4.5;
/// Below this a line is fine print only a magnifier reads: a plan giving
/// its text less loses to one that does not.
const READABLE_SIZE: f32 = 3.5;
const MAX_SIZE: f32 = 11.0;

/// Plan a label of `width_mm` × `height_mm` holding the code's line and
/// `detail_lines` more; `measure(line, size)` gives a line's width in points
/// (line 0 is the code). Lines wider than their room are fitted by the
/// caller to the width the plan gives them.
pub fn plan_label(
    width_mm: f32,
    height_mm: f32,
    detail_lines: usize,
    measure: impl Fn(usize, f32) -> f32,
) -> LabelPlan {
    let room = Room::of(width_mm, height_mm, detail_lines);
    let beside = plan_beside(&room, &measure);
    let below = plan_below(&room, &measure);
    // The larger QR scans from further and prints more forgivingly; text
    // below a readable size does not count.
    let readable = |p: &LabelPlan| p.line_size >= READABLE_SIZE;
    let beside_wins = match (readable(&beside), readable(&below)) {
        (true, false) => true,
        (false, true) => false,
        (true, true) => beside.qr.width > below.qr.width,
        (false, false) => beside.line_size > below.line_size,
    };
    if beside_wins { beside } else { below }
}

#[derive(Clone, Copy)]
struct Room {
    pad: f32,
    gap: f32,
    inner_w: f32,
    inner_h: f32,
    count: usize,
}

impl Room {
    fn of(width_mm: f32, height_mm: f32, detail_lines: usize) -> Self {
        let (w, h) = (width_mm * PT_PER_MM, height_mm * PT_PER_MM);
        let pad = PAD_MM * PT_PER_MM;
        Self {
            pad,
            gap: GAP_MM * PT_PER_MM,
            inner_w: w - 2.0 * pad,
            inner_h: h - 2.0 * pad,
            count: detail_lines + 1,
        }
    }

    /// The code a little larger and bold; the rest at `size`.
    fn block_height(&self, size: f32) -> f32 {
        size * LINE_SPACING * (self.count as f32 + 0.15)
    }
}

/// The size at which the lines fit across `room`: the code always (never
/// cut, made smaller instead); the others by shrinking down to a readable
/// size, and past that they are cut with an ellipsis.
fn fit_lines(size: f32, room: f32, count: usize, measure: &impl Fn(usize, f32) -> f32) -> f32 {
    let code_at_one = measure(0, 1.0) * 1.15;
    let mut size = size.min(room / code_at_one);
    let widest = (1..count).map(|i| measure(i, 1.0)).fold(0.0_f32, f32::max);
    if widest * size > room {
        // Not below readable size for their sake: past that, they are cut.
        let floor = READABLE_SIZE.min(size);
        size = (room / widest).max(floor).min(size);
    }
    size
}

fn plan_beside(room: &Room, measure: &impl Fn(usize, f32) -> f32) -> LabelPlan {
    let &Room {
        pad,
        gap,
        inner_w,
        inner_h,
        count,
    } = room;
    let side = inner_h;
    let text_w = inner_w - side - gap;
    // As large as the height allows (many lines on a small label make
    // small text: the lines are the sheet's choice).
    let mut size = (inner_h / (LINE_SPACING * (count as f32 + 0.15))).min(MAX_SIZE);
    size = fit_lines(size, text_w, count, measure);
    let widths: Vec<f32> = (0..count)
        .map(|i| {
            let s = if i == 0 { size * 1.15 } else { size };
            measure(i, s).min(text_w)
        })
        .collect();
    let widest = widths.iter().copied().fold(0.0_f32, f32::max);
    // QR and text centred together as one block.
    let x0 = pad + ((inner_w - (side + gap + widest)) / 2.0).max(0.0);
    let text_h = room.block_height(size).min(inner_h);
    let mut y = pad + (inner_h - text_h) / 2.0;
    let lines = widths
        .iter()
        .enumerate()
        .map(|(i, width)| {
            let line_h = if i == 0 { size * 1.15 } else { size } * LINE_SPACING;
            let area = Area {
                x: x0 + side + gap,
                y,
                width: *width,
                height: line_h,
            };
            y += line_h;
            area
        })
        .collect();
    LabelPlan {
        arrangement: Arrangement::Beside,
        qr: Area {
            x: x0,
            y: pad,
            width: side,
            height: side,
        },
        code_size: size * 1.15,
        line_size: size,
        lines,
        text_room: text_w,
    }
}

fn plan_below(room: &Room, measure: &impl Fn(usize, f32) -> f32) -> LabelPlan {
    let &Room {
        pad,
        gap,
        inner_w,
        inner_h,
        count,
    } = room;
    let block_height = |size: f32| room.block_height(size);
    // Below: the text takes what it needs at a size that grows with the
    // label, the QR the rest, the whole block centred.
    let mut size = (inner_w / 24.0).clamp(MIN_SIZE, MAX_SIZE);
    size = fit_lines(size, inner_w, count, measure);
    // Never let the text squeeze the QR below half the label's height.
    let most = (inner_h / 2.0 - gap).max(0.0);
    if block_height(size) > most {
        size = most / (LINE_SPACING * (count as f32 + 0.15));
    }
    let text_h = block_height(size);
    let side = (inner_h - text_h - gap).min(inner_w);
    let top = pad + (inner_h - (side + gap + text_h)) / 2.0;
    let mut y = top + side + gap;
    let lines = (0..count)
        .map(|i| {
            let s = if i == 0 { size * 1.15 } else { size };
            let width = measure(i, s).min(inner_w);
            let area = Area {
                x: pad + (inner_w - width) / 2.0,
                y,
                width,
                height: s * LINE_SPACING,
            };
            y += s * LINE_SPACING;
            area
        })
        .collect();
    LabelPlan {
        arrangement: Arrangement::Below,
        qr: Area {
            x: pad + (inner_w - side) / 2.0,
            y: top,
            width: side,
            height: side,
        },
        code_size: size * 1.15,
        line_size: size,
        lines,
        text_room: inner_w,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// About DejaVu Sans: 0.6 em a character.
    fn measure(lines: &[usize]) -> impl Fn(usize, f32) -> f32 + '_ {
        move |i, size| lines[i] as f32 * 0.6 * size
    }

    #[test]
    fn presets_fit_a4_and_their_labels_do_not_overlap() {
        for preset in Preset::ALL {
            let sheet = preset.layout();
            let (left, top, right, bottom) = sheet.grid_mm();
            assert!(left >= 0.0 && top >= 0.0, "{preset:?}");
            assert!(
                right <= 210.0 + 0.01 && bottom <= 297.0 + 0.01,
                "{preset:?}: {right} {bottom}"
            );
            let expected = match preset {
                Preset::A4x65 => 65,
                Preset::A4x40 => 40,
                Preset::A4x24 => 24,
                Preset::A4x21 => 21,
            };
            assert_eq!(sheet.per_page(), expected);
            let (across, down) = sheet.edges_mm();
            assert!(across.windows(2).all(|w| w[0] < w[1]) && down.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn custom_grid_rules() {
        let l = SheetLayout::a4(4, 8, 10.0, None).expect("default grid");
        assert_eq!(l.per_page(), 32);
        assert!((l.label_width_mm - 47.5).abs() < 0.01);
        assert!(SheetLayout::a4(0, 8, 10.0, None).is_err());
        assert!(SheetLayout::a4(4, 8, 10.0, Some((60.0, 30.0))).is_err());
        // A given size is centred on the page.
        let l = SheetLayout::a4(2, 2, 10.0, Some((50.0, 30.0))).expect("fits");
        assert!((l.left_mm - 55.0).abs() < 0.01 && (l.top_mm - 118.5).abs() < 0.01);
    }

    #[test]
    fn wide_labels_put_the_text_beside_tall_ones_below() {
        let lines = [16, 21, 14, 30];
        let small = plan_label(38.1, 21.2, 3, measure(&lines));
        assert_eq!(small.arrangement, Arrangement::Beside);
        let big = plan_label(63.5, 80.0, 3, measure(&lines));
        assert_eq!(big.arrangement, Arrangement::Below);
        // Text grows with the label.
        let bigger = plan_label(100.0, 140.0, 3, measure(&lines));
        assert!(
            bigger.line_size > big.line_size,
            "{} {}",
            bigger.line_size,
            big.line_size
        );
        // Below: lines centred on the QR's axis.
        let axis = big.qr.x + big.qr.width / 2.0;
        for line in &big.lines {
            assert!((line.x + line.width / 2.0 - axis).abs() < 0.01);
        }
    }

    proptest! {
        #[test]
        fn everything_stays_inside_its_label(
            width in 15.0_f32..200.0,
            height in 15.0_f32..280.0,
            lines in proptest::collection::vec(4_usize..60, 1..7),
        ) {
            let mut all = vec![16];
            all.extend(&lines);
            let plan = plan_label(width, height, lines.len(), measure(&all));
            let label = Area { x: 0.0, y: 0.0, width: width * PT_PER_MM, height: height * PT_PER_MM };
            prop_assert!(label.contains(&plan.qr), "qr {:?} in {:?}", plan.qr, label);
            prop_assert!(plan.qr.width > 0.0);
            for line in &plan.lines {
                prop_assert!(label.contains(line), "line {:?} in {:?}", line, label);
                prop_assert!(line.y >= plan.qr.y + plan.qr.height - 0.01 || line.x >= plan.qr.x + plan.qr.width - 0.01,
                    "line {:?} overlaps the qr {:?}", line, plan.qr);
            }
        }
    }
}
