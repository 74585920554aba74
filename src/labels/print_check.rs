//! What a sheet adds around its labels: cut marks in the margins, and the
//! page that checks the printer prints at actual size.

use krilla::geom::Point;
use krilla::surface::Surface;

use super::pdf::{Drawer, Label, LabelLines, black, fill_rects};
use super::qr::Matrix;
use super::sheet::{PT_PER_MM, SheetLayout};
use super::text::Shaper;
use crate::i18n;

/// Cut marks: short lines in the margins in line with every label edge,
/// never inside the grid.
pub(super) fn cut_marks(surface: &mut Surface<'_>, layout: &SheetLayout) {
    const THICK: f32 = 0.25;
    let mm = PT_PER_MM;
    let (left, top, right, bottom) = layout.grid_mm();
    let (across, down) = layout.edges_mm();
    let (page_w, page_h) = (layout.page_width_mm, layout.page_height_mm);
    // A mark runs from 1 mm off the grid for up to 4 mm, staying 1 mm
    // inside the page; no room, no mark.
    let span = |room: f32| (room - 2.0).min(4.0);
    let mut marks = Vec::new();
    for x in across {
        if span(top) > 0.5 {
            marks.push((
                x * mm - THICK / 2.0,
                (top - 1.0 - span(top)) * mm,
                THICK,
                span(top) * mm,
            ));
        }
        let below = page_h - bottom;
        if span(below) > 0.5 {
            marks.push((
                x * mm - THICK / 2.0,
                (bottom + 1.0) * mm,
                THICK,
                span(below) * mm,
            ));
        }
    }
    for y in down {
        if span(left) > 0.5 {
            marks.push((
                (left - 1.0 - span(left)) * mm,
                y * mm - THICK / 2.0,
                span(left) * mm,
                THICK,
            ));
        }
        let beside = page_w - right;
        if span(beside) > 0.5 {
            marks.push((
                (right + 1.0) * mm,
                y * mm - THICK / 2.0,
                span(beside) * mm,
                THICK,
            ));
        }
    }
    fill_rects(surface, marks);
}

/// One line of text with its baseline at (`x`, `y`) points.
fn draw_line(
    surface: &mut Surface<'_>,
    shaper: &mut Shaper,
    line: &str,
    size: f32,
    x: f32,
    y: f32,
) {
    let glyphs = shaper.line(line);
    surface.draw_glyphs(
        Point::from_xy(x, y),
        &glyphs,
        shaper.font.clone(),
        line,
        size,
        false,
    );
}

/// The printer check: steps, a 100 mm ruler and one sample label framed
/// at its actual size.
pub(super) fn print_check_page(
    surface: &mut Surface<'_>,
    drawer: &mut Drawer,
    layout: &SheetLayout,
    sample: &Label,
    matrix: &Matrix,
    lines: LabelLines,
) {
    let mm = PT_PER_MM;
    let left = 20.0 * mm;
    let title = format!(
        "{} — {}",
        i18n::PRINT_CHECK_TITLE.vi,
        i18n::PRINT_CHECK_TITLE.en
    );
    surface.set_fill(Some(black()));
    let text =
        |surface: &mut Surface<'_>, shaper: &mut Shaper, line: &str, size: f32, y_mm: f32| {
            draw_line(surface, shaper, line, size, left, y_mm * mm);
        };
    text(surface, &mut drawer.bold, &title, 14.0, 25.0);
    let mut y = 36.0;
    for step in [
        i18n::PRINT_CHECK_STEP_SIZE,
        i18n::PRINT_CHECK_STEP_RULER,
        i18n::PRINT_CHECK_STEP_SCAN,
    ] {
        text(surface, &mut drawer.regular, step.vi, 9.0, y);
        text(surface, &mut drawer.regular, step.en, 8.0, y + 4.5);
        y += 11.0;
    }
    // The ruler: a 100 mm bar, a tick each millimetre, longer each 5 and 10.
    let bar_y = 90.0;
    let mut rects = vec![(left, bar_y * mm, 100.0 * mm, 0.6)];
    for tick in 0..=100 {
        let length = match tick {
            t if t % 10 == 0 => 5.0,
            t if t % 5 == 0 => 3.5,
            _ => 2.0,
        };
        rects.push((
            left + tick as f32 * mm - 0.2,
            (bar_y - length) * mm,
            0.4,
            length * mm,
        ));
    }
    fill_rects(surface, rects);
    for tick in (0..=100).step_by(10) {
        let number = tick.to_string();
        let x = left + tick as f32 * mm - drawer.regular.width(&number, 7.0) / 2.0;
        draw_line(
            surface,
            &mut drawer.regular,
            &number,
            7.0,
            x,
            (bar_y + 4.0) * mm,
        );
    }
    let (w, h) = (layout.label_width_mm, layout.label_height_mm);
    let caption = format!(
        "{} {w:.1} × {h:.1} mm · {}",
        i18n::PRINT_CHECK_SAMPLE.vi,
        sample.code_grouped
    );
    text(surface, &mut drawer.regular, &caption, 9.0, 108.0);
    // The sample's frame (outside the label, as a die-cut edge would be).
    let (x0, y0) = (left, 114.0 * mm);
    let (fw, fh) = (w * mm, h * mm);
    fill_rects(
        surface,
        [
            (x0 - 0.3, y0 - 0.3, fw + 0.6, 0.3),
            (x0 - 0.3, y0 + fh, fw + 0.6, 0.3),
            (x0 - 0.3, y0, 0.3, fh),
            (x0 + fw, y0, 0.3, fh),
        ],
    );
    drawer.label(surface, x0, y0, sample, matrix, lines);
}
