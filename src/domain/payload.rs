//! What a QR code carries: a URL ending in the trace code.
//!
//! The part before the code is fixed when a run is issued and stored with it,
//! so correcting a product later (even its GTIN) or moving the service never
//! changes what printed labels say.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::code::TraceCode;
use super::validation::FieldError;
use super::webhook::is_public_host;

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

/// The origin a producer's GS1 labels name instead of ours, e.g. a
/// cooperative's own `https://id.example.vn`: a scheme and host (and port),
/// nothing else, returned without a trailing slash. `https` only, and a
/// public host, unless `allow_private` (a closed network, tests).
pub fn parse_link_domain(
    field: &str,
    raw: &str,
    allow_private: bool,
) -> Result<String, FieldError> {
    let bad = |why: &str| FieldError::new(field, why.to_owned());
    let raw = raw.trim();
    if raw.len() > 200 {
        return Err(bad("must be at most 200 characters"));
    }
    let url = url::Url::parse(raw).map_err(|e| bad(&format!("is not a valid URL ({e})")))?;
    let https = url.scheme() == "https";
    if !(https || allow_private && url.scheme() == "http") {
        return Err(bad("must start with https://"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry a user name or password"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "must be a bare domain such as https://id.example.vn (no path, query or #)",
        ));
    }
    let Some(host) = url.host() else {
        return Err(bad("has no host"));
    };
    if !allow_private && !is_public_host(&host) {
        return Err(bad(
            "must not point at a private, loopback or reserved address",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

pub fn payload(prefix: &str, code: &TraceCode) -> String {
    format!("{prefix}{code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_domains() {
        let ok = |raw| parse_link_domain("link_domain", raw, false);
        assert_eq!(
            ok(" https://ID.Example.vn/ ").as_deref(),
            Ok("https://id.example.vn")
        );
        assert_eq!(
            ok("https://id.example.vn:8443").as_deref(),
            Ok("https://id.example.vn:8443")
        );
        for bad in [
            "http://id.example.vn",
            "https://id.example.vn/gs1",
            "https://id.example.vn/?a=1",
            "https://u:p@id.example.vn",
            "https://127.0.0.1",
            "https://localhost",
            "id.example.vn",
        ] {
            assert!(ok(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_link_domain("d", "http://127.0.0.1:8080", true).as_deref(),
            Ok("http://127.0.0.1:8080")
        );
    }

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
