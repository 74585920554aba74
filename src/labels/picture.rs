//! Product pictures: what a producer uploads is checked (a real PNG or JPEG
//! of sensible size) and re-encoded here, so the scan page shows a small
//! JPEG from this service (no other host learns who scans the product) and
//! nothing of the original file (camera EXIF, GPS position) is kept.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

/// Largest upload taken.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// Largest side of the picture as served (a phone screen, twice over).
const MAX_SIDE: u32 = 1024;
/// Largest side of an upload that is decoded at all.
const MAX_DECODED_SIDE: u32 = 8000;
const JPEG_QUALITY: u8 = 82;

/// A picture ready to store and serve.
#[derive(Debug, Clone)]
pub struct Picture {
    pub jpeg: Vec<u8>,
    /// Hex SHA-256 of `jpeg`: its version in URLs and its ETag.
    pub sha256: String,
    pub width: u32,
    pub height: u32,
}

/// Check and re-encode an upload sent as `content_type`.
pub fn prepare(bytes: &[u8], content_type: &str) -> Result<Picture, String> {
    let declared = match content_type {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        other => return Err(format!("send image/png or image/jpeg, not {other}")),
    };
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(format!("at most {MAX_UPLOAD_BYTES} bytes"));
    }
    let found = image::guess_format(bytes).map_err(|_| "is not a PNG or JPEG image".to_owned())?;
    if found != declared {
        return Err(format!(
            "the content is {found:?}, not the {declared:?} declared"
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), declared);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let decoded = reader
        .decode()
        .map_err(|e| format!("can't be read as an image: {e}"))?;
    let fitted = if decoded.width() > MAX_SIDE || decoded.height() > MAX_SIDE {
        decoded.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle)
    } else {
        decoded
    };
    let rgb = fitted.to_rgb8();
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| format!("can't be re-encoded: {e}"))?;
    Ok(Picture {
        sha256: hex::encode(Sha256::digest(&jpeg)),
        width: rgb.width(),
        height: rgb.height(),
        jpeg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(width, height, image::Rgba([30, 120, 60, 255]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("png");
        out
    }

    #[test]
    fn a_large_png_comes_back_as_a_small_jpeg() {
        let picture = prepare(&png(2048, 1024), "image/png").expect("picture");
        assert_eq!((picture.width, picture.height), (1024, 512));
        assert_eq!(
            image::guess_format(&picture.jpeg).ok(),
            Some(ImageFormat::Jpeg)
        );
        assert_eq!(picture.sha256.len(), 64);
    }

    #[test]
    fn what_is_not_the_declared_image_is_refused() {
        assert!(prepare(&png(10, 10), "image/jpeg").is_err());
        assert!(prepare(b"<svg onload=alert(1)>", "image/png").is_err());
        assert!(prepare(&png(10, 10), "image/svg+xml").is_err());
        let mut truncated = png(64, 64);
        truncated.truncate(60);
        assert!(prepare(&truncated, "image/png").is_err());
    }

    proptest::proptest! {
        /// Whatever bytes arrive, the answer is a picture or a reason, never a panic.
        #[test]
        fn any_bytes_are_answered(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let _ = prepare(&bytes, "image/png");
            let _ = prepare(&bytes, "image/jpeg");
        }
    }
}
