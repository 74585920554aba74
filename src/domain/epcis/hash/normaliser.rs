//! GS1's "constrained canonical" Digital Link form of an identifier, as the
//! event-hash reference implementation (RalphTro/epcis-event-hash-generator,
//! `dl_normaliser.py`) computes it: EPC URNs, EPC class and pattern URNs and
//! Digital Link URIs on any host all become `https://id.gs1.org/…` with only
//! the finest key level (a serial drops its lot, a CPV is dropped) and no
//! query. Ported branch for branch, offsets included, because the hash must
//! be the reference's to the byte; `None` where the reference finds no
//! canonical form.

use std::sync::LazyLock;

use regex::Regex;

use super::super::super::gs1::with_check_digit;

/// A character of an EPC URN's serial, lot or extension (the reference's class).
const CH: &str = r#"(%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])"#;
/// A character of a CPI's component part reference.
const CPI_CH: &str = r"(%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])";
/// A character the final syntax check allows in a key qualifier.
const DL_CH: &str = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]";

/// A company prefix of 6 to 12 digits, a dot, and the rest of `total`
/// digits; `last` replaces the 12-digit alternative when the reference
/// writes it differently (`[0-9]{12}\.\.`).
fn split(total: usize, last: Option<&str>) -> String {
    let mut parts: Vec<String> = (6..12)
        .map(|g| format!(r"([0-9]{{{g}}}\.[0-9]{{{}}})", total - g))
        .collect();
    parts.push(match last {
        Some(last) => format!("({last})"),
        None => format!(r"([0-9]{{12}}\.[0-9]{{{}}})", total - 12),
    });
    format!("({})", parts.join("|"))
}

/// A company prefix of 6 to 12 digits, a dot, and up to `max - prefix`
/// characters of `class`.
fn prefixed(class: &str, max: usize) -> String {
    let parts: Vec<String> = (6..=12)
        .map(|g| format!(r"([0-9]{{{g}}}\.{class}{{1,{}}})", max - g))
        .collect();
    format!("({})", parts.join("|"))
}

fn re(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(pattern)
}

struct Patterns {
    sgtin: Regex,
    sscc: Regex,
    sgln: Regex,
    grai: Regex,
    giai: Regex,
    gsrn: Regex,
    gsrnp: Regex,
    gdti: Regex,
    cpi: Regex,
    sgcn: Regex,
    ginc: Regex,
    gsin: Regex,
    itip: Regex,
    upui: Regex,
    pgln: Regex,
    lgtin: Regex,
    pat_sgtin: Regex,
    pat_grai: Regex,
    pat_gdti: Regex,
    pat_sgcn: Regex,
    pat_cpi: Regex,
    pat_itip: Regex,
    pat_upui: Regex,
    link: Regex,
    canonical: Regex,
    gtin14: Regex,
    gtin13: Regex,
    gtin12: Regex,
    gtin8: Regex,
    cpv_last: Regex,
    cpv_then: Regex,
    lot_and_serial: Regex,
    valid: Vec<Regex>,
}

/// The patterns, compiled on first use (a failure is a build defect the
/// unit tests catch; it is logged and nothing normalises).
static PATTERNS: LazyLock<Option<Patterns>> = LazyLock::new(|| match patterns() {
    Ok(p) => Some(p),
    Err(e) => {
        tracing::error!(error = %e, "an identifier pattern of the event hash does not compile");
        None
    }
});

fn patterns() -> Result<Patterns, regex::Error> {
    let two_dots = Some(r"[0-9]{12}\.\.");
    Ok(Patterns {
        sgtin: re(&format!(
            r"^urn:epc:id:sgtin:{}\.{CH}{{1,20}}$",
            split(13, None)
        ))?,
        sscc: re(&format!(r"^urn:epc:id:sscc:{}$", split(17, None)))?,
        sgln: re(&format!(
            r"^urn:epc:id:sgln:{}\.{CH}{{1,20}}$",
            split(12, None)
        ))?,
        grai: re(&format!(
            r"^urn:epc:id:grai:{}\.{CH}{{1,16}}$",
            split(12, two_dots)
        ))?,
        giai: re(&format!(r"^urn:epc:id:giai:{}$", prefixed(CH, 30)))?,
        gsrn: re(&format!(r"^urn:epc:id:gsrn:{}$", split(17, None)))?,
        gsrnp: re(&format!(r"^urn:epc:id:gsrnp:{}$", split(17, None)))?,
        gdti: re(&format!(
            r"^urn:epc:id:gdti:{}{CH}{{1,20}}$",
            split(12, two_dots)
        ))?,
        cpi: re(&format!(
            r"^urn:epc:id:cpi:{}\.[0-9]{{1,12}}$",
            prefixed(CPI_CH, 30)
        ))?,
        sgcn: re(&format!(
            r"^urn:epc:id:sgcn:{}\.[0-9]{{1,12}}$",
            split(12, None)
        ))?,
        ginc: re(&format!(r"^urn:epc:id:ginc:{}$", prefixed(CH, 30)))?,
        gsin: re(&format!(r"^urn:epc:id:gsin:{}$", split(16, None)))?,
        itip: re(&format!(
            r"^urn:epc:id:itip:{}\.[0-9]{{2}}\.[0-9]{{2}}\.{CH}{{1,20}}$",
            split(13, None)
        ))?,
        upui: re(&format!(
            r"^urn:epc:id:upui:{}\.{CH}{{1,28}}$",
            split(13, None)
        ))?,
        pgln: re(&format!(r"^urn:epc:id:pgln:{}$", split(12, None)))?,
        lgtin: re(&format!(
            r"^urn:epc:class:lgtin:{}\.{CH}{{1,20}}$",
            split(13, None)
        ))?,
        pat_sgtin: re(&format!(r"^urn:epc:idpat:sgtin:{}\.\*$", split(13, None)))?,
        pat_grai: re(&format!(
            r"^urn:epc:idpat:grai:{}\.\*$",
            split(12, two_dots)
        ))?,
        pat_gdti: re(&format!(
            r"^urn:epc:idpat:gdti:{}\.\*$",
            split(12, two_dots)
        ))?,
        pat_sgcn: re(&format!(
            r"^urn:epc:idpat:sgcn:{}\.\*$",
            split(12, two_dots)
        ))?,
        pat_cpi: re(&format!(
            r"^urn:epc:idpat:cpi:{}\.\*$",
            prefixed(CPI_CH, 30)
        ))?,
        pat_itip: re(&format!(
            r"^urn:epc:idpat:itip:{}\.[0-9]{{2}}\.[0-9]{{2}}\.\*$",
            split(13, None)
        ))?,
        pat_upui: re(&format!(r"^urn:epc:idpat:upui:{}\.\*$", split(13, None)))?,
        link: re(concat!(
            r"^https?:(//((([^/?#]*)@)?([^/?#:]*)(:([^/?#]*))?))?((([^?#]*)(/(01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai)/)",
            r"([0-9]{4}[^/]+)(/[^/]+/[^/]+)?[/]?(\?([^?\n]*))?(#([^\n]*))?)|(/[A-Za-z_-]{10}$))"
        ))?,
        canonical: re(concat!(
            r"^(https://id.gs1.org/(01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)/([0-9]{4}[^/]+)(/[^/]+/[^/]+)?[/]?(\?([^?\n]*))?(#([^\n]*))?",
            r"|(/[A-Za-z_-]{10}$))"
        ))?,
        gtin14: re(r"^https://id.gs1.org/01/[0-9]{14}")?,
        gtin13: re(r"^https://id.gs1.org/01/[0-9]{13}")?,
        gtin12: re(r"^https://id.gs1.org/01/[0-9]{12}")?,
        gtin8: re(r"^https://id.gs1.org/01/[0-9]{8}")?,
        cpv_last: re(&format!(
            r"^(https://id.gs1.org/8006/[0-9]{{18}}/22/({DL_CH}{{0,20}})$|https://id.gs1.org/01/[0-9]{{14}}/22/({DL_CH}{{0,20}})$)"
        ))?,
        cpv_then: re(&format!(
            r"^(https://id.gs1.org/8006/[0-9]{{18}}/22/([\x2F]|{DL_CH}){{0,20}}$|https://id.gs1.org/01/[0-9]{{14}}/22/([\x2F]|{DL_CH}){{0,20}}$)"
        ))?,
        lot_and_serial: re(&format!(
            r"^(https://id.gs1.org/8006/[0-9]{{18}}/10/({DL_CH}{{0,20}})/21/({DL_CH}{{0,20}})$|https://id.gs1.org/01/([0-9]{{14}})/10/({DL_CH}{{0,20}})/21/({DL_CH}{{0,20}})$)"
        ))?,
        valid: [
            r"https://id.gs1.org/00/([0-9]{18})$".to_owned(),
            format!(r"https://id.gs1.org/01/([0-9]{{14}})/21/({DL_CH}{{0,20}})$"),
            format!(r"https://id.gs1.org/01/([0-9]{{14}})/10/({DL_CH}{{0,20}})$"),
            r"https://id.gs1.org/01/([0-9]{14})$".to_owned(),
            format!(r"https://id.gs1.org/01/([0-9]{{14}})/235/({DL_CH}{{0,28}})$"),
            format!(r"https://id.gs1.org/253/([0-9]{{13}})({DL_CH}{{0,17}})$"),
            r"https://id.gs1.org/255/([0-9]{13})([0-9]{0,12})$".to_owned(),
            format!(r"https://id.gs1.org/401/({DL_CH}{{0,30}})$"),
            r"https://id.gs1.org/402/([0-9]{17})$".to_owned(),
            r"https://id.gs1.org/414/([0-9]{13})$".to_owned(),
            format!(r"https://id.gs1.org/414/([0-9]{{13}})/254/({DL_CH}{{0,20}})$"),
            r"https://id.gs1.org/417/([0-9]{13})$".to_owned(),
            format!(r"https://id.gs1.org/8003/([0-9]{{14}})({DL_CH}{{0,16}})$"),
            format!(r"https://id.gs1.org/8004/({DL_CH}{{0,30}})$"),
            format!(r"https://id.gs1.org/8006/([0-9]{{18}})/21/({DL_CH}{{0,20}})$"),
            format!(r"https://id.gs1.org/8006/([0-9]{{18}})/10/({DL_CH}{{0,20}})$"),
            r"https://id.gs1.org/8006/([0-9]{18})$".to_owned(),
            r"https://id.gs1.org/8010/([\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30})/8011/([0-9]{0,12})$"
                .to_owned(),
            r"https://id.gs1.org/8010/([\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30})$".to_owned(),
            r"https://id.gs1.org/8017/([0-9]{18})$".to_owned(),
            r"https://id.gs1.org/8018/([0-9]{18})$".to_owned(),
        ]
        .iter()
        .map(|p| re(&format!("^{p}")))
        .collect::<Result<_, _>>()?,
    })
}

/// The characters GS1 Digital Link wants percent-encoded that an EPC URN
/// may hold as they are.
fn encode(value: &str) -> String {
    value
        .replace('!', "%21")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('*', "%2A")
        .replace('+', "%2B")
        .replace(',', "%2C")
        .replace(':', "%3A")
}

/// Python's `s[a:b]`, on the ASCII the patterns guarantee: clamped, never panics.
fn cut(s: &str, from: usize, to: usize) -> &str {
    let to = to.min(s.len());
    s.get(from.min(to)..to).unwrap_or("")
}

fn from(s: &str, from: usize) -> &str {
    cut(s, from, s.len())
}

/// A key's digits with their check digit.
fn checked(raw: &str) -> String {
    with_check_digit(raw).unwrap_or_else(|| raw.to_owned())
}

/// GTIN-14 digits from an EPC's company prefix and item reference (whose
/// first digit is the indicator).
fn gtin_of(uri: &str, prefix_at: usize, dot: usize) -> String {
    let prefix = cut(uri, prefix_at, dot);
    let item = cut(uri, dot + 1, dot + 1 + 13usize.saturating_sub(prefix.len()));
    checked(&format!("{}{prefix}{}", cut(item, 0, 1), from(item, 1)))
}

/// A 12-digit key (GLN, GDTI, GCN) from an EPC's prefix and reference.
fn key12_of(uri: &str, prefix_at: usize, dot: usize) -> String {
    let prefix = cut(uri, prefix_at, dot);
    let reference = cut(uri, dot + 1, dot + 1 + 12usize.saturating_sub(prefix.len()));
    checked(&format!("{prefix}{reference}"))
}

/// The constrained canonical Digital Link of `uri`, or `None` when it names
/// no GS1 key the reference knows.
pub fn normalise(uri: &str) -> Option<String> {
    let p = PATTERNS.as_ref()?;
    let dot = uri.find('.')?;
    const ID: &str = "https://id.gs1.org/";
    // Each pattern begins with its scheme: only that one is tried (most
    // values of an event are no identifier at all).
    let scheme = match uri.strip_prefix("urn:epc:") {
        // `id:sgtin`, `class:lgtin`, `idpat:grai`…: up to the second colon.
        Some(rest) => rest
            .match_indices(':')
            .nth(1)
            .map_or(rest, |(at, _)| &rest[..at]),
        None if uri.starts_with("http:") || uri.starts_with("https:") => "link",
        None => return None,
    };
    if scheme == "id:sgtin" && p.sgtin.is_match(uri) {
        return Some(format!(
            "{ID}01/{}/21/{}",
            gtin_of(uri, 17, dot),
            encode(from(uri, 32))
        ));
    }
    if scheme == "id:sscc" && p.sscc.is_match(uri) {
        let prefix = cut(uri, 16, dot);
        let raw = format!(
            "{}{prefix}{}",
            cut(uri, dot + 1, dot + 2),
            from(uri, dot + 2)
        );
        return Some(format!("{ID}00/{}", checked(&raw)));
    }
    if scheme == "id:sgln" && p.sgln.is_match(uri) {
        let gln = key12_of(uri, 16, dot);
        return Some(match from(uri, 30) {
            "0" => format!("{ID}414/{gln}"),
            extension => format!("{ID}414/{gln}/254/{}", encode(extension)),
        });
    }
    if scheme == "id:grai" && p.grai.is_match(uri) {
        let prefix = cut(uri, 16, dot);
        let asset = cut(uri, dot + 1, dot + 1 + 12usize.saturating_sub(prefix.len()));
        let raw = checked(&format!("0{prefix}{asset}"));
        return Some(format!("{ID}8003/{raw}{}", encode(from(uri, 30))));
    }
    if scheme == "id:giai" && p.giai.is_match(uri) {
        return Some(format!(
            "{ID}8004/{}{}",
            cut(uri, 16, dot),
            encode(from(uri, dot + 1))
        ));
    }
    if scheme == "id:gsrn" && p.gsrn.is_match(uri) {
        let raw = format!("{}{}", cut(uri, 16, dot), from(uri, dot + 1));
        return Some(format!("{ID}8018/{}", checked(&raw)));
    }
    if scheme == "id:gsrnp" && p.gsrnp.is_match(uri) {
        let raw = format!("{}{}", cut(uri, 17, dot), from(uri, dot + 1));
        return Some(format!("{ID}8017/{}", checked(&raw)));
    }
    if scheme == "id:gdti" && p.gdti.is_match(uri) {
        return Some(format!(
            "{ID}253/{}{}",
            key12_of(uri, 16, dot),
            encode(from(uri, 30))
        ));
    }
    if scheme == "id:cpi" && p.cpi.is_match(uri) {
        let last = uri.rfind('.').unwrap_or(dot);
        let raw = format!("{}{}", cut(uri, 15, dot), cut(uri, dot + 1, last));
        return Some(format!(
            "{ID}8010/{}/8011/{}",
            encode(&raw),
            from(uri, last + 1)
        ));
    }
    if scheme == "id:sgcn" && p.sgcn.is_match(uri) {
        return Some(format!(
            "{ID}255/{}{}",
            key12_of(uri, 16, dot),
            from(uri, 30)
        ));
    }
    if scheme == "id:ginc" && p.ginc.is_match(uri) {
        return Some(format!(
            "{ID}401/{}{}",
            cut(uri, 16, dot),
            encode(from(uri, dot + 1))
        ));
    }
    if scheme == "id:gsin" && p.gsin.is_match(uri) {
        let raw = format!("{}{}", cut(uri, 16, dot), from(uri, dot + 1));
        return Some(format!("{ID}402/{}", checked(&raw)));
    }
    if scheme == "id:itip" && p.itip.is_match(uri) {
        return Some(format!(
            "{ID}8006/{}{}{}/21/{}",
            gtin_of(uri, 16, dot),
            cut(uri, 31, 33),
            cut(uri, 34, 36),
            encode(from(uri, 37))
        ));
    }
    if scheme == "id:upui" && p.upui.is_match(uri) {
        return Some(format!(
            "{ID}01/{}/235/{}",
            gtin_of(uri, 16, dot),
            encode(from(uri, 31))
        ));
    }
    if scheme == "id:pgln" && p.pgln.is_match(uri) {
        return Some(format!("{ID}417/{}", key12_of(uri, 16, dot)));
    }
    if scheme == "class:lgtin" && p.lgtin.is_match(uri) {
        return Some(format!(
            "{ID}01/{}/10/{}",
            gtin_of(uri, 20, dot),
            encode(from(uri, 35))
        ));
    }
    if scheme == "idpat:sgtin" && p.pat_sgtin.is_match(uri) {
        return Some(format!("{ID}01/{}", gtin_of(uri, 20, dot)));
    }
    if scheme == "idpat:grai" && p.pat_grai.is_match(uri) {
        let prefix = cut(uri, 19, dot);
        let asset = cut(uri, dot + 1, dot + 1 + 12usize.saturating_sub(prefix.len()));
        return Some(format!(
            "{ID}8003/{}",
            checked(&format!("0{prefix}{asset}"))
        ));
    }
    if scheme == "idpat:gdti" && p.pat_gdti.is_match(uri) {
        return Some(format!("{ID}253/{}", key12_of(uri, 19, dot)));
    }
    if scheme == "idpat:sgcn" && p.pat_sgcn.is_match(uri) {
        return Some(format!("{ID}255/{}", key12_of(uri, 19, dot)));
    }
    if scheme == "idpat:cpi" && p.pat_cpi.is_match(uri) {
        let last = uri.rfind('.').unwrap_or(dot);
        let raw = format!("{}{}", cut(uri, 18, dot), cut(uri, dot + 1, last));
        return Some(format!("{ID}8010/{}", encode(&raw)));
    }
    if scheme == "idpat:itip" && p.pat_itip.is_match(uri) {
        return Some(format!(
            "{ID}8006/{}{}{}",
            gtin_of(uri, 19, dot),
            cut(uri, 34, 36),
            cut(uri, 37, 39)
        ));
    }
    if scheme == "idpat:upui" && p.pat_upui.is_match(uri) {
        return Some(format!("{ID}01/{}", gtin_of(uri, 19, dot)));
    }
    if scheme != "link" || !p.link.is_match(uri) {
        return None;
    }
    normalise_link(uri)
}

/// Short names to AIs, in the reference's order (it replaces every occurrence).
const SHORT_NAMES: [(&str, &str); 17] = [
    ("/gtin/", "/01/"),
    ("/itip/", "/8006/"),
    ("/cpid/", "/8010/"),
    ("/gln/", "/414/"),
    ("/party/", "/417/"),
    ("/gsrnp/", "/8017/"),
    ("/gsrn/", "/8018/"),
    ("/gcn/", "/255/"),
    ("/sscc/", "/00/"),
    ("/gdti/", "/253/"),
    ("/ginc/", "/401/"),
    ("/gsin/", "/402/"),
    ("/grai/", "/8003/"),
    ("/giai/", "/8004/"),
    ("/cpv/", "/22/"),
    ("/lot/", "/10/"),
    ("/ser/", "/21/"),
];

/// The primary keys in the order the reference looks for them when it
/// moves a link onto id.gs1.org.
const KEYS: [&str; 14] = [
    "/00/", "/01/", "/253/", "/255/", "/401/", "/402/", "/414/", "/417/", "/8003/", "/8004/",
    "/8006/", "/8010/", "/8017/", "/8018/",
];

fn normalise_link(uri: &str) -> Option<String> {
    let p = PATTERNS.as_ref()?;
    let mut uri = match uri.find('?') {
        Some(q) => uri[..q].to_owned(),
        None => uri.to_owned(),
    };
    for (short, ai) in SHORT_NAMES {
        uri = uri.replace(short, ai);
    }
    if !p.canonical.is_match(&uri)
        && let Some(at) = KEYS.iter().find_map(|key| uri.find(key))
    {
        uri = format!("https://id.gs1.org{}", &uri[at..]);
    }
    if !p.gtin14.is_match(&uri) {
        if p.gtin13.is_match(&uri) {
            uri = uri.replace("/01/", "/01/0");
        } else if p.gtin12.is_match(&uri) {
            uri = uri.replace("/01/", "/01/00");
        } else if p.gtin8.is_match(&uri) {
            uri = uri.replace("/01/", "/01/000000");
        }
    }
    // Python's slicing with find()'s -1 is kept: `x[-1:-1]` is empty and
    // `x[-1:]` the last character.
    let after_cpv = match uri.find("/22/") {
        Some(at) => uri[at + 4..].to_owned(),
        None => from(&uri, 3).to_owned(),
    };
    if p.cpv_last.is_match(&uri) {
        let tail = match after_cpv.find('/') {
            Some(slash) => cut(&after_cpv, slash, after_cpv.len().saturating_sub(1)).to_owned(),
            None => String::new(),
        };
        uri = format!("{}{tail}", &uri[..uri.find("/22/")?]);
    }
    if p.cpv_then.is_match(&uri) {
        let tail = match after_cpv.find('/') {
            Some(slash) => after_cpv[slash..].to_owned(),
            None => from(&after_cpv, after_cpv.len().saturating_sub(1)).to_owned(),
        };
        uri = format!("{}{tail}", &uri[..uri.find("/22/")?]);
    }
    if p.lot_and_serial.is_match(&uri) {
        let at = uri.find("/10/")?;
        let after_lot = &uri[at + 4..];
        let tail = match after_lot.find('/') {
            Some(slash) => after_lot[slash..].to_owned(),
            None => from(after_lot, after_lot.len().saturating_sub(1)).to_owned(),
        };
        uri = format!("{}{tail}", &uri[..at]);
    }
    p.valid.iter().any(|v| v.is_match(&uri)).then_some(uri)
}
