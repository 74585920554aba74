//! The identifiers EPCIS events name, read both ways: EPC URNs
//! (`urn:epc:id:sgtin:…`, `urn:epc:class:lgtin:…`, `urn:epc:id:sgln:…`),
//! GS1 Digital Link URIs on any host, and our own scan URLs. Our codes are
//! the serials: which identifiers name one of them is read here.

use super::super::code::TraceCode;
use super::super::digital_link::{self, DigitalLink, percent_decode};
use super::super::gs1;

/// What an identifier names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// One item: a GTIN (when the form says) and its serial.
    Item {
        gtin: Option<String>,
        serial: String,
    },
    /// A class of items: a GTIN, maybe one lot of it.
    Class { gtin: String, lot: Option<String> },
    /// A place: a GLN, maybe an extension.
    Place {
        gln: String,
        extension: Option<String>,
    },
    /// Something else (another scheme, another key).
    Other,
}

/// Read an identifier in any of the forms EPCIS allows.
pub fn read(value: &str) -> Identifier {
    let value = value.trim();
    if let Some(rest) = value.strip_prefix("urn:epc:") {
        return read_urn(rest).unwrap_or(Identifier::Other);
    }
    if let Some(code) = scan_url_code(value) {
        return Identifier::Item {
            gtin: None,
            serial: code.to_owned(),
        };
    }
    match digital_link::parse_uri(value) {
        Ok(link) => read_link(&link),
        Err(_) => Identifier::Other,
    }
}

/// The trace code an identifier names as its serial, if it is in our format
/// (whether it was issued is for the registry to say).
pub fn trace_code(value: &str) -> Option<TraceCode> {
    match read(value) {
        Identifier::Item { serial, .. } => TraceCode::parse(&serial).ok(),
        _ => None,
    }
}

/// `…/c/{code}` or `…/C/{CODE}`: our own labels' URL.
fn scan_url_code(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let path = &rest[rest.find('/')?..];
    let code = path
        .strip_prefix("/c/")
        .or_else(|| path.strip_prefix("/C/"))?;
    (!code.is_empty() && !code.contains(['/', '?', '#'])).then_some(code)
}

fn read_link(link: &DigitalLink) -> Identifier {
    let qualifier = |ai: &str| {
        link.qualifiers
            .iter()
            .find(|q| q.ai == ai)
            .map(|q| q.value.clone())
    };
    match link.key.ai.as_str() {
        "01" => match qualifier("21") {
            Some(serial) => Identifier::Item {
                gtin: Some(link.key.value.clone()),
                serial,
            },
            None => Identifier::Class {
                gtin: link.key.value.clone(),
                lot: qualifier("10"),
            },
        },
        "414" => Identifier::Place {
            gln: link.key.value.clone(),
            extension: qualifier("254"),
        },
        _ => Identifier::Other,
    }
}

/// `id:sgtin:…`, `class:lgtin:…`, `idpat:sgtin:…`, `id:sgln:…` (after `urn:epc:`).
fn read_urn(rest: &str) -> Option<Identifier> {
    let (kind, fields) = rest.rsplit_once(':')?;
    let parts: Vec<&str> = fields.split('.').collect();
    match (kind, parts.as_slice()) {
        ("id:sgtin", [prefix, item, serial]) => Some(Identifier::Item {
            gtin: Some(gtin_of(prefix, item)?),
            serial: percent_decode(serial, false).ok()?,
        }),
        ("class:lgtin", [prefix, item, lot]) => Some(Identifier::Class {
            gtin: gtin_of(prefix, item)?,
            lot: Some(percent_decode(lot, false).ok()?),
        }),
        ("idpat:sgtin", [prefix, item, "*"]) => Some(Identifier::Class {
            gtin: gtin_of(prefix, item)?,
            lot: None,
        }),
        ("id:sgln", [prefix, location, extension]) => {
            let body = format!("{prefix}{location}");
            Some(Identifier::Place {
                gln: with_check_digit(&body, 12)?,
                extension: (*extension != "0").then(|| (*extension).to_owned()),
            })
        }
        _ => None,
    }
}

/// An SGTIN's company prefix and item reference (indicator digit first) as
/// a GTIN-14.
fn gtin_of(prefix: &str, item: &str) -> Option<String> {
    let (indicator, reference) = item.split_at_checked(1)?;
    with_check_digit(&format!("{indicator}{prefix}{reference}"), 13)
}

fn with_check_digit(body: &str, len: usize) -> Option<String> {
    (body.len() == len)
        .then(|| gs1::with_check_digit(body))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urns_links_and_our_urls() {
        assert_eq!(
            read("urn:epc:id:sgtin:0614141.107346.2017"),
            Identifier::Item {
                gtin: Some("10614141073464".into()),
                serial: "2017".into()
            }
        );
        assert_eq!(
            read("urn:epc:class:lgtin:4012345.012345.998877"),
            Identifier::Class {
                gtin: "04012345123456".into(),
                lot: Some("998877".into())
            }
        );
        assert_eq!(
            read("urn:epc:id:sgln:0614141.00777.0"),
            Identifier::Place {
                gln: "0614141007776".into(),
                extension: None
            }
        );
        assert_eq!(
            read("https://id.gs1.org/01/09520123456788/21/12345"),
            Identifier::Item {
                gtin: Some("09520123456788".into()),
                serial: "12345".into()
            }
        );
        assert_eq!(
            read("https://id.gs1.org/01/09520123456788/10/L1"),
            Identifier::Class {
                gtin: "09520123456788".into(),
                lot: Some("L1".into())
            }
        );
        let code = TraceCode::random();
        assert_eq!(trace_code(&format!("https://ocop.vn/c/{code}")), Some(code));
        assert_eq!(
            trace_code(&format!(
                "https://id.example.vn/01/08936012340020/10/L/21/{code}"
            )),
            Some(code)
        );
        assert_eq!(read("urn:uuid:1234"), Identifier::Other);
        assert_eq!(read("urn:epc:id:sgtin:0614141.107346"), Identifier::Other);
    }
}
