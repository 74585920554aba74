//! What a QR code carries: a URL ending in the trace code.
//!
//! The part before the code is fixed when a run is issued and stored with it,
//! so correcting a product later (even its GTIN) or moving the service never
//! changes what printed labels say.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::code::TraceCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayloadFormat {
    /// `{base}/c/{CODE}`.
    Url,
    /// `{BASE}/C/{CODE}` in upper case: QR alphanumeric mode, a smaller symbol.
    UrlUpper,
    /// GS1 Digital Link `{base}/01/{gtin14}/10/{lot}/21/{CODE}`; needs a GTIN.
    Gs1,
}

impl PayloadFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Url => "url",
            Self::UrlUpper => "url_upper",
            Self::Gs1 => "gs1",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "url" => Some(Self::Url),
            "url_upper" => Some(Self::UrlUpper),
            "gs1" => Some(Self::Gs1),
            _ => None,
        }
    }
}

/// The fixed part of every payload of a run; the code is appended to it.
pub fn payload_prefix(
    format: PayloadFormat,
    base_url: &str,
    gtin14: Option<&str>,
    lot: &str,
) -> Option<String> {
    let base = base_url.trim_end_matches('/');
    match format {
        PayloadFormat::Url => Some(format!("{base}/c/")),
        PayloadFormat::UrlUpper => {
            // Scheme and host are case-insensitive; a path below the host is
            // not, so only a bare origin is upper-cased.
            let after_scheme = base.find("://").map_or(0, |i| i + 3);
            let has_path = base[after_scheme..].contains('/');
            let origin = if has_path {
                base.to_owned()
            } else {
                base.to_ascii_uppercase()
            };
            Some(format!("{origin}/C/"))
        }
        PayloadFormat::Gs1 => gtin14.map(|gtin| {
            format!(
                "{base}/01/{gtin}/10/{}/21/",
                super::digital_link::percent_encode(lot)
            )
        }),
    }
}

pub fn payload(prefix: &str, code: &TraceCode) -> String {
    format!("{prefix}{code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(
            payload_prefix(PayloadFormat::Url, "https://ocop.vn/", None, "L"),
            Some("https://ocop.vn/c/".into())
        );
        assert_eq!(
            payload_prefix(PayloadFormat::UrlUpper, "https://ocop.vn", None, "L"),
            Some("HTTPS://OCOP.VN/C/".into())
        );
        assert_eq!(
            payload_prefix(PayloadFormat::UrlUpper, "https://x.vn/trace", None, "L"),
            Some("https://x.vn/trace/C/".into())
        );
        assert_eq!(
            payload_prefix(
                PayloadFormat::Gs1,
                "https://ocop.vn",
                Some("08936012340013"),
                "A/B 1"
            ),
            Some("https://ocop.vn/01/08936012340013/10/A%2FB%201/21/".into())
        );
        assert_eq!(
            payload_prefix(PayloadFormat::Gs1, "https://ocop.vn", None, "L"),
            None
        );
    }
}
