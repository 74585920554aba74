//! The demo products' pictures: simple drawings made here, so the scan page
//! shows a photo slot filled without shipping anyone's photographs (no
//! licence to track) and the repository stays small. Each drawing is a few
//! shapes described by their signed distance, painted back to front with
//! one pixel of soft edge.

use image::{ImageFormat, Rgb, RgbImage};

/// What a demo product's picture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drawing {
    BambooShoots,
    Oranges,
    HoneyJar,
    GreenTea,
    HillChicken,
}

const WIDTH: u32 = 480;
const HEIGHT: u32 = 360;

type Colour = [u8; 3];

/// A shape: its signed distance (negative inside) at a point, in pixels.
type Shape = Box<dyn Fn(f32, f32) -> f32>;

fn circle(cx: f32, cy: f32, r: f32) -> Shape {
    Box::new(move |x, y| (x - cx).hypot(y - cy) - r)
}

/// An ellipse turned by `angle` radians (distance approximated by scaling,
/// exact enough for a one-pixel edge).
fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32, angle: f32) -> Shape {
    let (sin, cos) = angle.sin_cos();
    Box::new(move |x, y| {
        let (dx, dy) = (x - cx, y - cy);
        let (u, v) = (dx * cos + dy * sin, -dx * sin + dy * cos);
        ((u / rx).hypot(v / ry) - 1.0) * rx.min(ry)
    })
}

/// A box centred on (cx, cy) with half sizes and rounded corners.
fn rounded_box(cx: f32, cy: f32, half_w: f32, half_h: f32, radius: f32) -> Shape {
    Box::new(move |x, y| {
        let qx = (x - cx).abs() - half_w + radius;
        let qy = (y - cy).abs() - half_h + radius;
        qx.max(0.0).hypot(qy.max(0.0)) + qx.max(qy).min(0.0) - radius
    })
}

/// A thick line from a to b with round ends.
fn capsule(ax: f32, ay: f32, bx: f32, by: f32, r: f32) -> Shape {
    Box::new(move |x, y| {
        let (px, py, dx, dy) = (x - ax, y - ay, bx - ax, by - ay);
        let t = ((px * dx + py * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
        (px - dx * t).hypot(py - dy * t) - r
    })
}

/// A ring (a cup's handle).
fn ring(cx: f32, cy: f32, r: f32, width: f32) -> Shape {
    Box::new(move |x, y| ((x - cx).hypot(y - cy) - r).abs() - width)
}

/// Paint `layers` back to front over `background` as a PNG.
fn paint(background: Colour, layers: &[(Colour, Shape)]) -> Result<Vec<u8>, image::ImageError> {
    let mut picture = RgbImage::from_pixel(WIDTH, HEIGHT, Rgb(background));
    for (x, y, pixel) in picture.enumerate_pixels_mut() {
        let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
        for (colour, shape) in layers {
            let cover = (0.5 - shape(px, py)).clamp(0.0, 1.0);
            if cover > 0.0 {
                for (channel, target) in pixel.0.iter_mut().zip(colour) {
                    let mixed = f32::from(*channel) * (1.0 - cover) + f32::from(*target) * cover;
                    *channel = mixed.round() as u8;
                }
            }
        }
    }
    let mut png = Vec::new();
    picture.write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)?;
    Ok(png)
}

const LEAF: Colour = [76, 140, 60];
const DARK_LEAF: Colour = [52, 108, 44];
const SHADOW: Colour = [214, 204, 186];

/// The drawing as a PNG.
pub fn draw(drawing: Drawing) -> Result<Vec<u8>, image::ImageError> {
    let ground = |colour| (colour, ellipse(240.0, 318.0, 190.0, 22.0, 0.0));
    match drawing {
        Drawing::BambooShoots => {
            let mut layers = vec![
                ground(SHADOW),
                ([150, 98, 52], rounded_box(240.0, 255.0, 150.0, 60.0, 24.0)),
                ([176, 120, 66], rounded_box(240.0, 222.0, 158.0, 14.0, 10.0)),
            ];
            for (i, (x, tilt)) in [
                (150.0, -0.5),
                (200.0, -0.2),
                (250.0, 0.1),
                (300.0, 0.35),
                (345.0, 0.6),
            ]
            .into_iter()
            .enumerate()
            {
                let shade: Colour = if i % 2 == 0 {
                    [222, 184, 98]
                } else {
                    [204, 160, 74]
                };
                layers.push((shade, ellipse(x, 170.0, 22.0, 70.0, tilt)));
                layers.push((
                    [120, 150, 60],
                    ellipse(x + tilt * 60.0, 108.0, 9.0, 18.0, tilt),
                ));
            }
            paint([246, 238, 220], &layers)
        }
        Drawing::Oranges => paint(
            [255, 244, 224],
            &[
                ground(SHADOW),
                ([226, 120, 20], circle(320.0, 215.0, 80.0)),
                ([240, 138, 28], circle(205.0, 200.0, 105.0)),
                ([250, 176, 80], circle(175.0, 165.0, 30.0)),
                ([110, 72, 40], capsule(205.0, 98.0, 212.0, 74.0, 5.0)),
                (LEAF, ellipse(250.0, 78.0, 42.0, 16.0, -0.35)),
                (DARK_LEAF, capsule(214.0, 88.0, 286.0, 66.0, 1.5)),
            ],
        ),
        Drawing::HoneyJar => paint(
            [253, 243, 208],
            &[
                ground(SHADOW),
                ([214, 140, 20], rounded_box(240.0, 205.0, 95.0, 110.0, 30.0)),
                ([236, 172, 44], rounded_box(215.0, 205.0, 55.0, 90.0, 24.0)),
                ([122, 74, 28], rounded_box(240.0, 88.0, 85.0, 22.0, 8.0)),
                ([250, 236, 200], rounded_box(240.0, 220.0, 70.0, 40.0, 10.0)),
                ([214, 140, 20], circle(240.0, 220.0, 22.0)),
                ([214, 140, 20], capsule(290.0, 110.0, 290.0, 140.0, 9.0)),
            ],
        ),
        Drawing::GreenTea => paint(
            [238, 246, 230],
            &[
                ground(SHADOW),
                ([178, 186, 168], ring(318.0, 215.0, 34.0, 12.0)),
                ([236, 236, 228], ring(318.0, 215.0, 34.0, 8.0)),
                ([178, 186, 168], rounded_box(230.0, 220.0, 99.0, 84.0, 38.0)),
                ([250, 250, 244], rounded_box(230.0, 220.0, 95.0, 80.0, 36.0)),
                ([196, 200, 120], ellipse(230.0, 150.0, 86.0, 14.0, 0.0)),
                (LEAF, ellipse(110.0, 110.0, 48.0, 20.0, -0.6)),
                (DARK_LEAF, ellipse(150.0, 80.0, 42.0, 17.0, 0.4)),
                (LEAF, ellipse(380.0, 100.0, 46.0, 19.0, 0.5)),
            ],
        ),
        Drawing::HillChicken => paint(
            [243, 240, 230],
            &[
                ([150, 186, 96], rounded_box(240.0, 335.0, 260.0, 40.0, 0.0)),
                ([90, 60, 36], ellipse(150.0, 170.0, 60.0, 38.0, -0.8)),
                ([168, 92, 44], ellipse(245.0, 200.0, 110.0, 78.0, 0.0)),
                ([140, 72, 34], ellipse(235.0, 210.0, 60.0, 36.0, 0.2)),
                ([208, 160, 60], capsule(225.0, 275.0, 220.0, 315.0, 5.0)),
                ([208, 160, 60], capsule(265.0, 275.0, 270.0, 315.0, 5.0)),
                ([168, 92, 44], ellipse(310.0, 165.0, 30.0, 45.0, 0.5)),
                ([176, 100, 48], circle(335.0, 130.0, 36.0)),
                ([206, 40, 40], circle(328.0, 92.0, 11.0)),
                ([206, 40, 40], circle(344.0, 90.0, 10.0)),
                ([206, 40, 40], ellipse(362.0, 160.0, 8.0, 13.0, 0.0)),
                ([236, 170, 40], ellipse(375.0, 132.0, 16.0, 7.0, 0.2)),
                ([30, 24, 20], circle(348.0, 122.0, 4.5)),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_drawing_is_a_picture_the_upload_accepts() {
        for drawing in [
            Drawing::BambooShoots,
            Drawing::Oranges,
            Drawing::HoneyJar,
            Drawing::GreenTea,
            Drawing::HillChicken,
        ] {
            let png = draw(drawing).expect("drawn");
            let picture = crate::labels::picture::prepare(&png, "image/png").expect("accepted");
            assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
            // Something is drawn: not one flat colour.
            let decoded = image::load_from_memory(&png).expect("png").to_rgb8();
            let first = decoded.get_pixel(0, 0);
            let differing = decoded.pixels().filter(|p| *p != first).count();
            assert!(differing > 20_000, "{drawing:?}: {differing}");
        }
    }
}
