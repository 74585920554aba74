//! QR symbols as module matrices, PNG and SVG, with an exact quiet zone.

use std::io::Cursor;

use image::{ImageBuffer, ImageEncoder, Luma};
use qrcode::{Color, EcLevel, QrCode};
use serde::Deserialize;
use utoipa::ToSchema;

/// Error-correction level: L 7 %, M 15 %, Q 25 %, H 30 % of the symbol recoverable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Default)]
pub enum Ecc {
    L,
    #[default]
    M,
    Q,
    H,
}

impl Ecc {
    fn level(self) -> EcLevel {
        match self {
            Self::L => EcLevel::L,
            Self::M => EcLevel::M,
            Self::Q => EcLevel::Q,
            Self::H => EcLevel::H,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::L => "L",
            Self::M => "M",
            Self::Q => "Q",
            Self::H => "H",
        }
    }
}

/// The dark/light modules of a symbol, without quiet zone.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub width: usize,
    dark: Vec<bool>,
}

impl Matrix {
    pub fn encode(payload: &str, ecc: Ecc) -> Result<Self, String> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), ecc.level())
            .map_err(|e| format!("can't encode QR: {e}"))?;
        Ok(Self {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// Runs of dark modules per row: (x, y, length). Fewer shapes than one
    /// per module, for SVG and PDF.
    pub fn dark_runs(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        (0..self.width).flat_map(move |y| {
            let mut runs = Vec::new();
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((start, y, x - start));
                } else {
                    x += 1;
                }
            }
            runs
        })
    }
}

pub fn png(matrix: &Matrix, module_px: u32, quiet_zone: u32) -> Result<Vec<u8>, String> {
    let side_modules = matrix.width as u32 + 2 * quiet_zone;
    let side = side_modules * module_px;
    let img: ImageBuffer<Luma<u8>, Vec<u8>> = ImageBuffer::from_fn(side, side, |px, py| {
        let (mx, my) = (px / module_px, py / module_px);
        let dark = mx >= quiet_zone
            && my >= quiet_zone
            && mx < quiet_zone + matrix.width as u32
            && my < quiet_zone + matrix.width as u32
            && matrix.is_dark((mx - quiet_zone) as usize, (my - quiet_zone) as usize);
        Luma([if dark { 0 } else { 255 }])
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), side, side, image::ExtendedColorType::L8)
        .map_err(|e| format!("can't encode PNG: {e}"))?;
    Ok(out.into_inner())
}

/// An SVG in module units (viewBox), scaled to `module_px` per module.
pub fn svg(matrix: &Matrix, module_px: u32, quiet_zone: u32) -> String {
    let side = matrix.width as u32 + 2 * quiet_zone;
    let mut path = String::with_capacity(matrix.width * matrix.width * 4);
    for (x, y, len) in matrix.dark_runs() {
        path.push_str(&format!(
            "M{} {}h{}v1h-{}z",
            x as u32 + quiet_zone,
            y as u32 + quiet_zone,
            len,
            len
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}\" height=\"{w}\" \
         viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\" data-modules=\"{modules}\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/></svg>\n",
        w = side * module_px,
        modules = matrix.width,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_has_the_requested_size_and_decodes() {
        let payload = "HTTPS://OCOP.VN/C/0123456789ABC";
        let m = Matrix::encode(payload, Ecc::M).expect("encode");
        let bytes = png(&m, 4, 4).expect("png");
        let img = image::load_from_memory(&bytes)
            .expect("decode png")
            .to_luma8();
        assert_eq!(img.width(), (m.width as u32 + 8) * 4);
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().expect("decode qr");
        assert_eq!(content, payload);
    }

    #[test]
    fn svg_declares_its_modules() {
        let m = Matrix::encode("https://ocop.vn/c/X", Ecc::L).expect("encode");
        let text = svg(&m, 3, 2);
        assert!(text.contains(&format!("data-modules=\"{}\"", m.width)));
        assert!(text.contains(&format!("viewBox=\"0 0 {0} {0}\"", m.width + 4)));
    }
}
