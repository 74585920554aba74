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
    /// A batch passed its best-before day.
    BatchExpired,
    /// A shopper reported a package as a suspected fake.
    CounterfeitReport,
}

impl WebhookEvent {
    pub const ALL: [WebhookEvent; 5] = [
        Self::Recall,
        Self::CloneAlert,
        Self::RatingExpired,
        Self::BatchExpired,
        Self::CounterfeitReport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recall => "recall",
            Self::CloneAlert => "clone_alert",
            Self::RatingExpired => "rating_expired",
            Self::BatchExpired => "batch_expired",
            Self::CounterfeitReport => "counterfeit_report",
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

/// Most subscriptions an organization may hold at once.
pub const MAX_SUBSCRIPTIONS_PER_ORG: i64 = 20;

/// A subscription URL, parsed as the sender's HTTP client parses it (WHATWG
/// URL rules: `0x7f000001`, `127.1`, `0177.0.0.1` and `\\@` tricks all come
/// out as the address they really name). Returned normalised, which is what
/// is stored and what the sender requests.
///
/// Unless `allow_private` (tests, a closed network), a host that is a
/// non-public address or a `localhost` name is refused. Names are resolved
/// and checked again at connect time by the sender, so a name that points
/// inwards (now or after a DNS change) is refused there.
pub fn check_url(raw: &str, allow_private: bool) -> Result<String, FieldError> {
    let raw = raw.trim();
    let bad = |why: &str| FieldError::new("url", why.to_owned());
    if raw.len() > 2000 || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(
            "must be a URL of at most 2,000 characters without spaces",
        ));
    }
    let url = url::Url::parse(raw).map_err(|e| bad(&format!("is not a valid URL ({e})")))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(bad("must start with https:// or http://"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry a user name or password"));
    }
    let Some(host) = url.host() else {
        return Err(bad("has no host"));
    };
    if !allow_private && !is_public_host(&host) {
        return Err(bad(
            "must not point at a private, loopback or reserved address",
        ));
    }
    Ok(url.into())
}

/// May the sender connect to this host as written? Names other than
/// `localhost` pass here; their addresses are checked once resolved.
pub fn is_public_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            !(name.is_empty() || name == "localhost" || name.ends_with(".localhost"))
        }
        url::Host::Ipv4(v4) => is_public_address(IpAddr::V4(*v4)),
        url::Host::Ipv6(v6) => is_public_address(IpAddr::V6(*v6)),
    }
}

/// A globally routable unicast address, where a webhook may be delivered.
/// Everything that reaches inwards or nowhere is refused: loopback, private,
/// shared (100.64/10), link-local, benchmarking (198.18/15), documentation,
/// multicast, reserved, `0.0.0.0/8`; for IPv6 only global unicast
/// (`2000::/3`) outside the documentation, protocol-assignment and 6to4
/// blocks, so IPv4-mapped, -compatible and NAT64 forms of inner addresses,
/// unique-local (`fc00::/7`) and link-local (`fe80::/10`) never pass.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            let reserved = a == 0
                || a == 10
                || a == 127
                || (a == 100 && (64..128).contains(&b))
                || (a == 169 && b == 254)
                || (a == 172 && (16..32).contains(&b))
                || (a == 192 && b == 0 && (c == 0 || c == 2))
                || (a == 192 && b == 88 && c == 99)
                || (a == 192 && b == 168)
                || (a == 198 && (b == 18 || b == 19))
                || (a == 198 && b == 51 && c == 100)
                || (a == 203 && b == 0 && c == 113)
                || a >= 224;
            !reserved
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let global_unicast = (s[0] & 0xe000) == 0x2000;
            let documentation = (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] & 0xfff0) == 0x3ff0;
            let protocol_assignments = s[0] == 0x2001 && s[1] < 0x0200;
            let six_to_four = s[0] == 0x2002;
            global_unicast && !documentation && !protocol_assignments && !six_to_four
        }
    }
}

/// What the delivery log says of an attempt: nothing that would let a
/// subscriber map the network behind the sender (refused, timed out and
/// unreachable all read the same).
pub fn attempt_summary(status: Option<u16>) -> String {
    match status {
        Some(code) if (200..300).contains(&code) => "delivered".to_owned(),
        Some(code) => format!("failed (status {code})"),
        None => "failed (network)".to_owned(),
    }
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
        assert!(check_url("https://user:pw@hooks.example/h", false).is_err());
    }

    /// Every way the review found to write an inner address.
    #[test]
    fn inner_addresses_in_any_spelling_are_refused() {
        for url in [
            "http://localhost./",
            "http://foo.localhost/",
            "http://LOCALHOST/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://127.1/",
            "http://0177.0.0.1/",
            "http://0/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://[fd00:ec2::254]/",
            "http://[fe80::1]/",
            "http://[fc00::1]/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:7f00:1::]/",
            "http://[2001:db8::1]/",
            "http://100.64.0.1/",
            "http://198.18.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://192.0.2.1/",
            "http://127.0.0.1\\@example.com/",
        ] {
            assert!(check_url(url, false).is_err(), "{url} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass_and_urls_come_back_normalised() {
        for url in [
            "https://8.8.8.8/h",
            "https://[2606:4700::1111]/h",
            "https://hooks.winmart.vn/ocop",
            "http://198.20.0.1/",
            "http://100.128.0.1/",
        ] {
            assert!(check_url(url, false).is_ok(), "{url} must pass");
        }
        assert_eq!(
            check_url("HTTPS://Hooks.Example:443/a/../b", false).as_deref(),
            Ok("https://hooks.example/b")
        );
    }

    proptest::proptest! {
        /// Checking never panics, and a URL that passes passes again as stored.
        #[test]
        fn a_stored_url_checks_as_itself(raw in "(https?://)?[a-zA-Z0-9.:@\\\\/\\[\\]%-]{0,40}") {
            if let Ok(stored) = check_url(&raw, false) {
                proptest::prop_assert_eq!(check_url(&stored, false), Ok(stored.clone()));
            }
        }
    }

    #[test]
    fn attempts_read_without_network_detail() {
        assert_eq!(attempt_summary(Some(204)), "delivered");
        assert_eq!(attempt_summary(Some(404)), "failed (status 404)");
        assert_eq!(attempt_summary(None), "failed (network)");
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
