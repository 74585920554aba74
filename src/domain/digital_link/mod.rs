//! GS1 Digital Link URIs (GS1 Digital Link standard 1.x, URI syntax): parse
//! and check one, turn it into the element string `(01)…(10)…(21)…` and
//! back. Pure: the resolver, the label printer and EPCIS use it.
//!
//! Every per-AI rule (format, character set, check digit, dates, which AIs
//! are primary keys and their qualifiers, which may be data attributes,
//! `req=`/`ex=` pairings) comes from GS1's syntax dictionary.

pub mod dictionary;
pub mod linters;
mod lists;
pub mod values;

use dictionary::{AiEntry, DICTIONARY};

/// One AI and its value (percent-decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub ai: String,
    pub value: String,
}

/// A checked Digital Link: where it points, its primary key, the key
/// qualifiers in the path, the data attributes in the query, and the other
/// query parameters (`linkType`, `lang`, `context`…) passed through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalLink {
    /// `https://host[/stem]`: everything before the primary key.
    pub base: String,
    pub key: Element,
    pub qualifiers: Vec<Element>,
    pub attributes: Vec<Element>,
    pub other_params: Vec<(String, String)>,
}

/// Why a URI is not a valid Digital Link, naming the AI when one is at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct DlError {
    pub ai: Option<String>,
    pub reason: String,
}

fn fail<T>(ai: Option<&str>, reason: impl Into<String>) -> Result<T, DlError> {
    Err(DlError {
        ai: ai.map(str::to_owned),
        reason: reason.into(),
    })
}

/// Characters a URI may hold (RFC 3986 unreserved, reserved and `%`).
fn is_uri_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

/// Parse and check a whole URI (`https://host/…`).
pub fn parse_uri(uri: &str) -> Result<DigitalLink, DlError> {
    if let Some(c) = uri.chars().find(|c| !is_uri_char(*c)) {
        return fail(None, format!("{c:?} may not appear in a URI"));
    }
    let rest = ["https://", "HTTPS://", "http://", "HTTP://"]
        .iter()
        .find_map(|scheme| uri.strip_prefix(scheme).map(|r| (*scheme, r)));
    let Some((scheme, rest)) = rest else {
        return fail(None, "a Digital Link starts with http:// or https://");
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, path_and_more) = rest.split_at(end);
    check_host(host)?;
    let link = parse_path_and_query(path_and_more)?;
    Ok(DigitalLink {
        base: format!("{}{host}{}", scheme.to_ascii_lowercase(), link.base),
        ..link
    })
}

fn check_host(host: &str) -> Result<(), DlError> {
    if host.is_empty() {
        return fail(None, "the URI has no host");
    }
    let (name, port) = match host.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((addr, port)) if !addr.contains('%') => ("v6", port),
            _ => return fail(None, "the host is not a usable IPv6 address"),
        },
        None => match host.rsplit_once(':') {
            Some((name, port)) => (name, port),
            None => (host, ""),
        },
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .unwrap_or(port)
            .chars()
            .all(|c| c.is_ascii_digit());
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if port_ok && name_ok {
        Ok(())
    } else {
        fail(None, format!("{host:?} is not a host name"))
    }
}

/// Parse and check the path and query of a Digital Link as a resolver
/// receives them (`/01/…/10/…?17=…`, percent-encoded); `base` is the stem
/// before the primary key.
pub fn parse_path_and_query(path_and_more: &str) -> Result<DigitalLink, DlError> {
    let without_fragment = path_and_more.split('#').next().unwrap_or_default();
    let (path, query) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
    if path.ends_with('/') {
        return fail(None, "the path may not end with /");
    }
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let (key_at, key_entry) = find_primary_key(&segments)?;
    let stem = segments[..key_at].join("/");
    let mut elements = Vec::new();
    for pair in segments[key_at..].chunks(2) {
        let [ai, raw] = pair else {
            return fail(None, "the path ends with an AI without its value");
        };
        let value = percent_decode(raw, false).or_else(|why| fail(Some(ai), why))?;
        elements.push(Element {
            ai: (*ai).to_owned(),
            value,
        });
    }
    let mut elements = elements.into_iter();
    let Some(mut key) = elements.next() else {
        return fail(None, "no primary key");
    };
    key.value = normalise_gtin(&key.ai, key.value);
    let qualifiers: Vec<Element> = elements.collect();
    let allowed = qualifier_sequence(key_entry, &key.ai, &qualifiers)?;
    let (attributes, other_params) = parse_query(query, &allowed)?;
    let link = DigitalLink {
        base: if stem.is_empty() {
            String::new()
        } else {
            format!("/{stem}")
        },
        key,
        qualifiers,
        attributes,
        other_params,
    };
    check_elements(&link.all_elements())?;
    Ok(link)
}

/// The rightmost pair of path segments whose AI is a primary key, and all
/// pairs after it: known AIs. A stem may hold anything before it.
fn find_primary_key(segments: &[&str]) -> Result<(usize, &'static AiEntry), DlError> {
    let mut at = segments.len();
    while at >= 2 {
        at -= 2;
        let ai = segments[at];
        let Some(entry) = DICTIONARY.entry(ai) else {
            break;
        };
        if entry.dl_primary_key.is_some() {
            return Ok((at, entry));
        }
    }
    fail(
        None,
        "the path holds no GS1 primary key (such as /01/{gtin})",
    )
}

/// GTIN-8, -12 and -13 in a Digital Link are GTIN-14 with leading zeros.
fn normalise_gtin(ai: &str, value: String) -> String {
    if ai == "01" && matches!(value.len(), 8 | 12 | 13) && value.bytes().all(|b| b.is_ascii_digit())
    {
        format!("{value:0>14}")
    } else {
        value
    }
}

/// Check the path's qualifiers against the key's allowed sequences; return
/// the AIs of the sequences they fit (those may not be data attributes).
fn qualifier_sequence<'a>(
    entry: &'a AiEntry,
    key: &str,
    qualifiers: &[Element],
) -> Result<Vec<&'a str>, DlError> {
    let sequences = entry.dl_primary_key.as_deref().unwrap_or_default();
    let fitting: Vec<&Vec<String>> = sequences
        .iter()
        .filter(|seq| in_order(seq, qualifiers))
        .collect();
    if fitting.is_empty() {
        let got: Vec<&str> = qualifiers.iter().map(|q| q.ai.as_str()).collect();
        let culprit = qualifiers.last().map(|q| q.ai.as_str());
        return fail(
            culprit,
            format!(
                "({}) {key} does not take the qualifiers {} in this order",
                key,
                got.join(", ")
            ),
        );
    }
    Ok(fitting.into_iter().flatten().map(String::as_str).collect())
}

/// Are the qualifiers a subsequence of `seq`, in its order?
fn in_order(seq: &[String], qualifiers: &[Element]) -> bool {
    let mut allowed = seq.iter();
    qualifiers
        .iter()
        .all(|q| allowed.by_ref().any(|a| *a == q.ai))
}

/// A query's data attributes and its other parameters.
type Query = (Vec<Element>, Vec<(String, String)>);

/// The query: numeric keys are AIs (data attributes), others pass through.
fn parse_query(query: &str, in_path_only: &[&str]) -> Result<Query, DlError> {
    let mut attributes = Vec::new();
    let mut others = Vec::new();
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let Some((name, raw)) = param.split_once('=') else {
            // A parameter without a value carries nothing.
            continue;
        };
        if !name.chars().all(|c| c.is_ascii_digit()) || name.is_empty() {
            let value = percent_decode(raw, true).or_else(|why| fail(None, why))?;
            others.push((name.to_owned(), value));
            continue;
        }
        let Some(entry) = DICTIONARY.entry(name) else {
            return fail(
                Some(name),
                format!("({name}) is not a GS1 Application Identifier"),
            );
        };
        if !entry.dl_attribute {
            return fail(
                Some(name),
                format!("({name}) may not be a Digital Link data attribute"),
            );
        }
        if in_path_only.contains(&name) {
            return fail(
                Some(name),
                format!("({name}) belongs in the path, as a key qualifier"),
            );
        }
        let value = percent_decode(raw, true).or_else(|why| fail(Some(name), why))?;
        attributes.push(Element {
            ai: name.to_owned(),
            value: normalise_gtin(name, value),
        });
    }
    Ok((attributes, others))
}

/// Percent-decode a path segment or (with `plus_is_space`) a query value.
pub fn percent_decode(raw: &str, plus_is_space: bool) -> Result<String, String> {
    // Most values are plain: nothing to decode.
    if !raw
        .bytes()
        .any(|b| b == b'%' || b == 0 || (plus_is_space && b == b'+'))
    {
        if raw.is_empty() {
            return Err("the value is empty".into());
        }
        return Ok(raw.to_owned());
    }
    let mut bytes = Vec::with_capacity(raw.len());
    let mut input = raw.bytes();
    while let Some(b) = input.next() {
        match b {
            b'%' => {
                let hex: Vec<u8> = input.by_ref().take(2).collect();
                let decoded = std::str::from_utf8(&hex)
                    .ok()
                    .filter(|h| h.len() == 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("{raw:?} has a broken %-escape"))?;
                bytes.push(decoded);
            }
            b'+' if plus_is_space => bytes.push(b' '),
            other => bytes.push(other),
        }
    }
    if bytes.contains(&0) {
        return Err("a value may not hold a NUL character".into());
    }
    if bytes.is_empty() {
        return Err("the value is empty".into());
    }
    String::from_utf8(bytes).map_err(|_| format!("{raw:?} is not UTF-8 once decoded"))
}

/// Each value against its AI, no AI twice, and the dictionary's pairings.
pub fn check_elements(elements: &[&Element]) -> Result<(), DlError> {
    for (i, element) in elements.iter().enumerate() {
        let ai = element.ai.as_str();
        let Some(entry) = DICTIONARY.entry(ai) else {
            return fail(
                Some(ai),
                format!("({ai}) is not a GS1 Application Identifier"),
            );
        };
        if elements[..i].iter().any(|e| e.ai == element.ai) {
            return fail(Some(ai), format!("({ai}) appears twice"));
        }
        values::check_value(entry, &element.value)
            .or_else(|why| fail(Some(ai), format!("({ai}) {why}")))?;
    }
    let present: Vec<&str> = elements.iter().map(|e| e.ai.as_str()).collect();
    for ai in &present {
        let Some(entry) = DICTIONARY.entry(ai) else {
            continue;
        };
        for requirement in &entry.requires {
            let met = requirement.iter().any(|group| {
                group
                    .iter()
                    .all(|pattern| present.iter().any(|p| pattern.matches(p)))
            });
            if !met {
                return fail(
                    Some(ai),
                    format!("({ai}) needs one of: {}", describe_groups(requirement)),
                );
            }
        }
        if let Some(other) = present
            .iter()
            .find(|p| **p != *ai && entry.excludes.iter().any(|pattern| pattern.matches(p)))
        {
            return fail(Some(ai), format!("({ai}) may not appear with ({other})"));
        }
    }
    Ok(())
}

fn describe_groups(groups: &[Vec<dictionary::Pattern>]) -> String {
    groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|p| format!("({})", p.0))
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl DigitalLink {
    /// Key, qualifiers, then data attributes, in the URI's order.
    pub fn all_elements(&self) -> Vec<&Element> {
        std::iter::once(&self.key)
            .chain(&self.qualifiers)
            .chain(&self.attributes)
            .collect()
    }

    /// The element string in human-readable form: `(01)…(10)…`.
    pub fn element_string(&self) -> String {
        self.all_elements()
            .iter()
            .map(|e| format!("({}){}", e.ai, e.value))
            .collect()
    }

    /// The element string as a barcode carries it: `^` for FNC1 first and
    /// after every AI of variable length that is not last.
    pub fn unbracketed(&self) -> String {
        let elements = self.all_elements();
        let mut out = String::from("^");
        for (i, e) in elements.iter().enumerate() {
            out.push_str(&e.ai);
            out.push_str(&e.value);
            let fixed = DICTIONARY.entry(&e.ai).is_some_and(|d| d.fixed_length);
            if !fixed && i + 1 < elements.len() {
                out.push('^');
            }
        }
        out
    }

    /// The URI of the identifier alone on `base`: the key and the
    /// qualifiers whose AI `keep` admits, no query (a resolver's anchor).
    pub fn identifier_uri(&self, base: &str, keep: impl Fn(&str) -> bool) -> String {
        let mut uri = base.trim_end_matches('/').to_owned();
        let qualifiers = self.qualifiers.iter().filter(|q| keep(&q.ai));
        for e in std::iter::once(&self.key).chain(qualifiers) {
            uri.push('/');
            uri.push_str(&e.ai);
            uri.push('/');
            uri.push_str(&percent_encode(&e.value));
        }
        uri
    }

    /// The URI on `base` (e.g. `https://id.gs1.org`), values percent-encoded.
    /// The same link with only the key qualifiers `keep` chooses (a walk up,
    /// in GS1's resolver terms); data attributes and parameters stay.
    pub fn keeping(&self, keep: impl Fn(&str) -> bool) -> Self {
        Self {
            qualifiers: self
                .qualifiers
                .iter()
                .filter(|q| keep(&q.ai))
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    /// A parameter that is not an AI (`linkType`, `lang`…), if given.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.other_params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The same link with parameter `name` set to `value` (replacing it).
    pub fn with_param(&self, name: &str, value: &str) -> Self {
        let mut link = self.clone();
        link.other_params.retain(|(k, _)| k != name);
        link.other_params.push((name.to_owned(), value.to_owned()));
        link
    }

    pub fn to_uri(&self, base: &str) -> String {
        let mut uri = self.identifier_uri(base, |_| true);
        let params: Vec<String> = self
            .attributes
            .iter()
            .map(|e| format!("{}={}", e.ai, percent_encode(&e.value)))
            .chain(
                self.other_params
                    .iter()
                    .map(|(k, v)| format!("{k}={}", percent_encode(v))),
            )
            .collect();
        if !params.is_empty() {
            uri.push('?');
            uri.push_str(&params.join("&"));
        }
        uri
    }
}

/// What a GS1 Digital Link label says of the trace code it carries as its
/// serial: the product's GTIN and, when printed, the lot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelClaim {
    /// GTIN-14.
    pub gtin: String,
    pub lot: Option<String>,
    /// The serial (AI 21): our trace code, as printed.
    pub serial: String,
}

impl LabelClaim {
    /// The claim of a link keyed by a GTIN with a serial; `None` otherwise.
    pub fn of(link: &DigitalLink) -> Option<Self> {
        if link.key.ai != "01" {
            return None;
        }
        let qualifier = |ai: &str| {
            link.qualifiers
                .iter()
                .find(|q| q.ai == ai)
                .map(|q| q.value.clone())
        };
        Some(Self {
            gtin: link.key.value.clone(),
            lot: qualifier("10"),
            serial: qualifier("21")?,
        })
    }

    /// Does the label fit the code's product (its GTIN-14, if it has one)
    /// and batch? A label may leave the lot out; it may not name another.
    pub fn fits(&self, product_gtin: Option<&str>, batch_lot: &str) -> bool {
        product_gtin == Some(self.gtin.as_str())
            && self.lot.as_deref().is_none_or(|lot| lot == batch_lot)
    }
}

/// Percent-encode everything but RFC 3986's unreserved characters.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parse a bracketed element string `(01)…(10)…` into a Digital Link on
/// `base`: the primary key first, its qualifiers in the path in the
/// dictionary's order, every other AI as a data attribute.
pub fn from_element_string(elements: &str, base: &str) -> Result<DigitalLink, DlError> {
    let mut parsed = Vec::new();
    let mut rest = elements;
    while !rest.is_empty() {
        let Some(after) = rest.strip_prefix('(') else {
            return fail(
                None,
                "an element string looks like (01)09520123456788(10)ABC",
            );
        };
        let Some((ai, tail)) = after.split_once(')') else {
            return fail(None, "an AI's ( has no )");
        };
        let end = tail.find('(').unwrap_or(tail.len());
        parsed.push(Element {
            ai: ai.to_owned(),
            value: tail[..end].to_owned(),
        });
        rest = &tail[end..];
    }
    let Some(key_at) = parsed.iter().position(|e| {
        DICTIONARY
            .entry(&e.ai)
            .is_some_and(|d| d.dl_primary_key.is_some())
    }) else {
        return fail(None, "the element string holds no GS1 primary key");
    };
    let key = parsed.remove(key_at);
    let sequences = DICTIONARY
        .entry(&key.ai)
        .and_then(|d| d.dl_primary_key.clone())
        .unwrap_or_default();
    // The sequence that takes the most of the element string's AIs.
    let best = sequences
        .iter()
        .max_by_key(|seq| parsed.iter().filter(|e| seq.contains(&e.ai)).count())
        .cloned()
        .unwrap_or_default();
    let mut qualifiers = Vec::new();
    for ai in &best {
        if let Some(i) = parsed.iter().position(|e| &e.ai == ai) {
            qualifiers.push(parsed.remove(i));
        }
    }
    let link = DigitalLink {
        base: base.trim_end_matches('/').to_owned(),
        key,
        qualifiers,
        attributes: parsed,
        other_params: Vec::new(),
    };
    for attribute in &link.attributes {
        let ai = attribute.ai.as_str();
        if !DICTIONARY.entry(ai).is_some_and(|d| d.dl_attribute) {
            return fail(
                Some(ai),
                format!("({ai}) may not be a Digital Link data attribute"),
            );
        }
    }
    check_elements(&link.all_elements())?;
    Ok(link)
}

#[cfg(test)]
mod tests;
