//! Rules of the public scan: language, what to record of the client, and when
//! a code looks cloned. No raw client address ever leaves this module's callers.

use std::net::IpAddr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Vi, Self::En]
            .into_iter()
            .find(|l| l.as_str() == value)
    }

    /// The language a page links to for switching.
    pub fn other(self) -> Self {
        match self {
            Self::Vi => Self::En,
            Self::En => Self::Vi,
        }
    }
}

/// `?lang=` wins; then the first language in `Accept-Language` that we have;
/// Vietnamese by default.
pub fn pick_language(query: Option<&str>, accept_language: Option<&str>) -> Lang {
    let parse = |tag: &str| {
        let primary = tag
            .trim()
            .split(['-', '_', ';'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    };
    if let Some(lang) = query.and_then(parse) {
        return lang;
    }
    let Some(header) = accept_language else {
        return Lang::Vi;
    };
    let mut weighted: Vec<(f32, Lang)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let lang = parse(pieces.next()?)?;
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((q, lang))
        })
        .collect();
    // Stable sort keeps the header's order among equal weights.
    weighted.sort_by(|a, b| b.0.total_cmp(&a.0));
    weighted.first().map_or(Lang::Vi, |(_, l)| *l)
}

/// A coarse family of the user agent: enough for analytics, not a fingerprint.
pub fn ua_family(user_agent: Option<&str>) -> &'static str {
    let ua = user_agent.unwrap_or("").to_ascii_lowercase();
    if ua.is_empty() {
        "unknown"
    } else if ua.contains("zalo") {
        "zalo"
    } else if ua.contains("fban") || ua.contains("fbav") {
        "facebook"
    } else if ua.contains("edg/") {
        "edge"
    } else if ua.contains("samsungbrowser") {
        "samsung"
    } else if ua.contains("coc_coc") || ua.contains("coccoc") {
        "coccoc"
    } else if ua.contains("firefox") {
        "firefox"
    } else if ua.contains("chrome") || ua.contains("crios") {
        "chrome"
    } else if ua.contains("safari") {
        "safari"
    } else if ua.contains("curl")
        || ua.contains("wget")
        || ua.contains("python")
        || ua.contains("bot")
    {
        "tool"
    } else {
        "other"
    }
}

/// The salt of a Vietnamese day, derived from a secret: it changes every
/// day, so hashes can't be linked across days, and is never stored.
pub fn daily_salt(secret: &str, day: NaiveDate) -> [u8; 32] {
    Sha256::digest(format!("ocop-trace scan salt|{secret}|{day}").as_bytes()).into()
}

/// What is kept of a client's address: a salted hash, 16 hex characters
/// held inline (a scan event carries no heap data to the writer thread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientHash([u8; 16]);

impl ClientHash {
    pub fn as_str(&self) -> &str {
        // Only hex digits are ever written into the array.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

/// The network a client is counted as: its IPv4 address, or the /64 of an
/// IPv6 one. One subscriber line usually holds a whole /64, so keyed by the
/// full address one phone (or one script) would be a new client per request.
pub fn client_network(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The salted hash of a client's network (see [`client_network`]).
pub fn client_hash(salt: &[u8; 32], addr: IpAddr) -> ClientHash {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(client_network(addr).to_string().as_bytes());
    let mut hex_digits = [b'0'; 16];
    // Both sides have the fixed lengths 8 and 16: encoding cannot fail.
    let _ = hex::encode_to_slice(&hasher.finalize()[..8], &mut hex_digits);
    ClientHash(hex_digits)
}

/// A location the consumer chose to share, rounded to about a kilometre.
pub fn coarse_location(lat: f64, lon: f64) -> Option<(f64, f64)> {
    let ok = lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon);
    ok.then(|| ((lat * 100.0).round() / 100.0, (lon * 100.0).round() / 100.0))
}

/// Share of scans that were a code's first view (0 when there were none).
pub fn first_scan_ratio(first_scans: i64, scans: i64) -> f64 {
    if scans <= 0 {
        return 0.0;
    }
    // Rounded to 4 places: a ratio, not a measurement.
    ((first_scans as f64 / scans as f64) * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language() {
        assert_eq!(pick_language(None, None), Lang::Vi);
        assert_eq!(pick_language(Some("en"), Some("vi")), Lang::En);
        assert_eq!(
            pick_language(None, Some("en-US,en;q=0.9,vi;q=0.8")),
            Lang::En
        );
        assert_eq!(
            pick_language(None, Some("fr-FR,vi;q=0.5,en;q=0.4")),
            Lang::Vi
        );
        assert_eq!(pick_language(None, Some("fr")), Lang::Vi);
        assert_eq!(pick_language(Some("xx"), Some("en")), Lang::En);
    }

    #[test]
    fn hashes_hide_the_address_and_change_daily() {
        let addr: IpAddr = "203.113.1.7".parse().expect("ip");
        let d1 = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        let d2 = d1.succ_opt().expect("date");
        let h1 = client_hash(&daily_salt("s", d1), addr);
        assert!(!h1.as_str().contains("203"));
        assert_eq!(h1.as_str().len(), 16);
        assert!(h1.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(h1, client_hash(&daily_salt("s", d1), addr));
        assert_ne!(h1, client_hash(&daily_salt("s", d2), addr));
    }

    #[test]
    fn families_and_locations() {
        assert_eq!(
            ua_family(Some(
                "Mozilla/5.0 (Linux; Android 13) Chrome/120 Mobile Safari/537.36"
            )),
            "chrome"
        );
        assert_eq!(
            ua_family(Some(
                "Mozilla/5.0 (iPhone) Version/17 Mobile/15E148 Safari/604.1"
            )),
            "safari"
        );
        assert_eq!(ua_family(Some("curl/8.5")), "tool");
        assert_eq!(coarse_location(20.81717, 105.33759), Some((20.82, 105.34)));
        assert_eq!(coarse_location(91.0, 0.0), None);
    }

    #[test]
    fn first_scan_ratios() {
        assert_eq!(first_scan_ratio(0, 0), 0.0);
        assert_eq!(first_scan_ratio(1, 3), 0.3333);
        assert_eq!(first_scan_ratio(5, 5), 1.0);
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let a: IpAddr = "2001:ee0:4f1c:9a10:1111:2222:3333:4444"
            .parse()
            .expect("ip");
        let b: IpAddr = "2001:ee0:4f1c:9a10:ffff::1".parse().expect("ip");
        let other: IpAddr = "2001:ee0:4f1c:9a11::1".parse().expect("ip");
        assert_eq!(client_network(a), client_network(b));
        assert_ne!(client_network(a), client_network(other));
        let salt = [7u8; 32];
        assert_eq!(client_hash(&salt, a), client_hash(&salt, b));
        let mapped: IpAddr = "::ffff:203.113.45.67".parse().expect("ip");
        assert_eq!(
            client_network(mapped),
            "203.113.45.67".parse::<IpAddr>().expect("ip")
        );
        let v4: IpAddr = "203.113.45.67".parse().expect("ip");
        assert_eq!(client_network(v4), v4);
    }
}
