//! Rendering labels: QR symbols (PNG, SVG, module matrices) and PDF sheets.

pub mod pdf;
pub mod picture;
pub mod qr;
