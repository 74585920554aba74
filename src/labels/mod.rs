//! Rendering labels: QR symbols (PNG, SVG, module matrices) and PDF sheets.

pub mod pdf;
pub mod picture;
mod print_check;
pub mod qr;
pub mod sheet;
pub mod text;
