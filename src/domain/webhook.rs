//! Webhooks: what can be subscribed to, where deliveries may go, how they
//! are signed and when a failed one is tried again.

use std::net::IpAddr;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

use super::validation::FieldError;

/// Attempts before a delivery is given up (marked failed).
pub const MAX_ATTEMPTS: i32 = 10;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookEvent {
    /// A batch was recalled.
    Recall,
    /// A code looks cloned.
    CloneAlert,
    /// A product's OCOP rating expired.
    RatingExpired,
}

impl WebhookEvent {
    pub const ALL: [WebhookEvent; 3] = [Self::Recall, Self::CloneAlert, Self::RatingExpired];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recall => "recall",
            Self::CloneAlert => "clone_alert",
            Self::RatingExpired => "rating_expired",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == value)
    }
}

/// Events as stored: a comma-separated list.
pub fn join_events(events: &[WebhookEvent]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn split_events(stored: &str) -> Vec<WebhookEvent> {
    stored.split(',').filter_map(WebhookEvent::parse).collect()
}

/// A subscription URL: http(s) with a host. Unless `allow_private` (tests,
/// a closed network), literal loopback, private and link-local addresses and
/// `localhost` are refused, so the service can't be aimed at its own network.
pub fn check_url(raw: &str, allow_private: bool) -> Result<String, FieldError> {
    let url = raw.trim();
    let bad = |why: &str| FieldError::new("url", why.to_owned());
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("must start with https:// or http://"))?;
    if url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(
            "must be a URL of at most 2,000 characters without spaces",
        ));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    if !allow_private {
        let private = host.eq_ignore_ascii_case("localhost")
            || host.parse::<IpAddr>().is_ok_and(|ip| match ip {
                IpAddr::V4(v4) => {
                    v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified()
                }
                IpAddr::V6(v6) => v6.is_loopback() || v6.is_unspecified(),
            });
        if private {
            return Err(bad("must not point at a private or loopback address"));
        }
    }
    Ok(url.to_owned())
}

/// `sha256=<hex>`: HMAC-SHA256 of the exact body bytes with the
/// subscription's secret, as sent in the `X-OCOP-Signature` header.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The wait after the `attempt`-th failure (1-based): base, 2×, 4×… up to an hour.
pub fn backoff(attempt: i32, base: Duration) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    base.saturating_mul(2u32.saturating_pow(exponent))
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(check_url("https://hooks.winmart.vn/ocop", false).is_ok());
        assert!(check_url("ftp://x", false).is_err());
        assert!(check_url("https://", false).is_err());
        assert!(check_url("http://127.0.0.1:9000/h", false).is_err());
        assert!(check_url("http://10.1.2.3/h", false).is_err());
        assert!(check_url("http://[::1]:80/h", false).is_err());
        assert!(check_url("http://localhost/h", false).is_err());
        assert!(check_url("http://127.0.0.1:9000/h", true).is_ok());
    }

    #[test]
    fn signature_is_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(10);
        assert_eq!(backoff(1, base), Duration::from_secs(10));
        assert_eq!(backoff(2, base), Duration::from_secs(20));
        assert_eq!(backoff(4, base), Duration::from_secs(80));
        assert_eq!(backoff(30, base), Duration::from_secs(3600));
    }

    #[test]
    fn events_round_trip() {
        let all = WebhookEvent::ALL;
        assert_eq!(split_events(&join_events(&all)), all);
    }
}
