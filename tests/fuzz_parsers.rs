//! Parser fuzzing on the stable toolchain: every parser that reads what a
//! client sends (trace codes, GTINs, GLNs, lots, GS1 Digital Links, dates,
//! query strings, every JSON body) is given the committed corpus
//! (`tests/fuzz-corpus/`, interesting inputs found so far) and then random
//! and structured inputs by proptest. None may panic; what parses must
//! round-trip. `cargo test` runs a short round (proptest's 256 cases each);
//! a long run: `PROPTEST_CASES=200000 cargo test --release --test fuzz_parsers`
//! (docs/TESTING.md). A failure proptest finds is saved under
//! `proptest-regressions/` and replayed first from then on: commit it, and
//! add the input to the corpus.

// Test code: a failed expectation is the test failing.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use chrono::NaiveDate;
use ocop_trace::domain::batch::{BatchDraft, parse_new_batch};
use ocop_trace::domain::certification::{CertificationDraft, parse_certification};
use ocop_trace::domain::code::TraceCode;
use ocop_trace::domain::counterfeit::{ReportDraft, parse_report};
use ocop_trace::domain::digital_link::{parse_path_and_query, parse_uri, percent_decode};
use ocop_trace::domain::gs1::{Gln, Gtin, LotNumber};
use ocop_trace::domain::ocop::{RatingDraft, parse_rating};
use ocop_trace::domain::organization::{OrganizationDraft, parse_new_organization};
use ocop_trace::domain::product::{ProductDraft, parse_new_product};
use ocop_trace::domain::reading::read_json;
use ocop_trace::domain::site::{SiteDraft, SiteKind, parse_new_site};
use ocop_trace::extract::parse_query;
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).expect("a day")
}

/// The corpus file's inputs: comments and blank lines skipped, escapes
/// (`\t`, `\n`, `\0`, `\u{…}`) unescaped.
fn corpus(name: &str) -> Vec<String> {
    let path = format!("{}/tests/fuzz-corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("corpus file");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(unescape)
        .collect()
}

fn unescape(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("\\u{").or_else(|| rest.find('\\')) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(hex) = tail.strip_prefix("\\u{").and_then(|t| t.split_once('}')) {
            let c = u32::from_str_radix(hex.0, 16).ok().and_then(char::from_u32);
            out.push(c.unwrap_or('\u{FFFD}'));
            rest = hex.1;
            continue;
        }
        let (c, skip) = match tail.as_bytes().get(1) {
            Some(b't') => ('\t', 2),
            Some(b'n') => ('\n', 2),
            Some(b'0') => ('\0', 2),
            _ => ('\\', 1),
        };
        out.push(c);
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out
}

fn code_parsers(input: &str) {
    if let Ok(code) = TraceCode::parse(input) {
        assert_eq!(TraceCode::parse(&code.grouped()), Ok(code), "{input:?}");
    }
}

fn gs1_parsers(input: &str) {
    if let Ok(gtin) = Gtin::parse("gtin", input) {
        assert_eq!(Gtin::parse("gtin", gtin.as_str()).as_ref(), Ok(&gtin));
    }
    let _ = Gln::parse("gln", input);
    let _ = LotNumber::parse("lot", input);
    let _ = percent_decode(input, true);
    let _ = parse_path_and_query(input);
    if let Ok(link) = parse_uri(input) {
        // What parsed once parses again from its own text.
        let base = "https://id.gs1.org";
        let uri = link.to_uri(base);
        let again = parse_uri(&uri).expect("a link's own URI parses");
        assert_eq!(again.to_uri(base), uri, "{input:?}");
    }
}

/// Every query type of the API, from one query string.
fn query_parsers(query: &str) {
    use ocop_trace::routes::*;
    let _ = parse_query::<alerts::AlertListQuery>(query);
    let _ = parse_query::<analytics::ScanAnalyticsQuery>(query);
    let _ = parse_query::<audit::AuditQuery>(query);
    let _ = parse_query::<batches::BatchListQuery>(query);
    let _ = parse_query::<certifications::CertificationListQuery>(query);
    let _ = parse_query::<code_runs::ExportQuery>(query);
    let _ = parse_query::<code_runs::LabelsQuery>(query);
    let _ = parse_query::<codes::QrQuery>(query);
    let _ = parse_query::<epcis::EpcisQuery>(query);
    let _ = parse_query::<events::EventListQuery>(query);
    let _ = parse_query::<landing::LandingQuery>(query);
    let _ = parse_query::<organizations::OrganizationListQuery>(query);
    let _ = parse_query::<products::ProductListQuery>(query);
    let _ = parse_query::<ratings::RatingListQuery>(query);
    let _ = parse_query::<report::ReportQuery>(query);
    let _ = parse_query::<scan::ScanQuery>(query);
    let _ = parse_query::<sites::SiteListQuery>(query);
    let _ = parse_query::<verify::VerifyQuery>(query);
    let _ = parse_query::<webhooks::DeliveryListQuery>(query);
    let _ = parse_query::<ocop_trace::domain::pagination::PageQuery>(query)
        .map(|page| page.validate(false));
}

/// Every JSON body type, read as the API reads it and then checked by its rules.
fn body_parsers(bytes: &[u8]) {
    if let Ok(read) = read_json::<ProductDraft>(bytes) {
        let _ = read.check(parse_new_product);
    }
    if let Ok(read) = read_json::<BatchDraft>(bytes) {
        let _ = read.check(|d| parse_new_batch(d, today()));
    }
    if let Ok(read) = read_json::<CertificationDraft>(bytes) {
        let _ = read.check(parse_certification);
    }
    if let Ok(read) = read_json::<RatingDraft>(bytes) {
        let _ = read.check(|d| parse_rating(d, today()));
    }
    if let Ok(read) = read_json::<OrganizationDraft>(bytes) {
        let _ = read.check(parse_new_organization);
    }
    for kind in [SiteKind::FarmingArea, SiteKind::PackingFacility] {
        if let Ok(read) = read_json::<SiteDraft>(bytes) {
            let _ = read.check(|d| parse_new_site(kind, d, today()));
        }
    }
    if let Ok(read) = read_json::<ReportDraft>(bytes) {
        let _ = read.check(|d| parse_report(d).map_err(|_| Vec::new()));
    }
    if let Ok(tree) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let _ = ocop_trace::domain::epcis::events_of(&tree);
    }
}

#[test]
fn the_corpus_parses_without_panics() {
    for input in corpus("codes.txt") {
        code_parsers(&input);
    }
    for input in corpus("gs1.txt") {
        gs1_parsers(&input);
    }
    for input in corpus("queries.txt") {
        query_parsers(&input);
    }
    for input in corpus("bodies.txt") {
        body_parsers(input.as_bytes());
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    body_parsers(deep.as_bytes());
    query_parsers(&"a[".repeat(10_000));
}

/// Text like what arrives: mostly the symbols of codes and links, with
/// separators, percent escapes and now and then anything at all.
fn typed_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[-0-9A-Za-z ]{0,20}",
        "[-0-9A-Za-z%/?&=.:()]{0,60}",
        "(https://id\\.gs1\\.org)?(/(01|10|21|22|235|414|254|17|15)/[0-9A-Za-z%]{0,16}){0,5}(\\?[0-9]{2,4}=[0-9A-Z]{0,8}(&[0-9]{2,4}=[0-9A-Z]{0,8}){0,3})?",
        any::<String>(),
    ]
}

/// A JSON object whose keys are those of the bodies, with values of any kind.
fn json_body() -> impl Strategy<Value = Vec<u8>> {
    let keys = prop::sample::select(vec![
        "name_vi",
        "name_en",
        "group",
        "gtin",
        "unit",
        "product_id",
        "lot",
        "farming_area_codes",
        "harvest_date",
        "production_date",
        "best_before",
        "quantity",
        "stars",
        "issued_on",
        "expires_on",
        "certificate_number",
        "scheme",
        "number",
        "issuer",
        "valid_from",
        "valid_until",
        "code",
        "name",
        "province",
        "farming",
        "target_market",
        "kind",
        "producer_type",
        "address",
        "contact",
        "where_bought",
        "what_looked_wrong",
        "phone",
        "events",
        "codes",
        "biz_step",
        "url",
    ]);
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}".prop_map(serde_json::Value::from),
        any::<String>().prop_map(serde_json::Value::from),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(keys, value, 0..8).prop_map(|m| {
        let object: serde_json::Map<String, serde_json::Value> =
            m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        serde_json::to_vec(&object).expect("json")
    })
}

proptest! {
    #[test]
    fn codes_never_panic(input in typed_text()) {
        code_parsers(&input);
    }

    #[test]
    fn gs1_never_panics(input in typed_text()) {
        gs1_parsers(&input);
    }

    #[test]
    fn queries_never_panic(input in "([a-z_A-Z]{1,16}=[-0-9A-Za-z%+.:]{0,24}&?){0,6}") {
        query_parsers(&input);
    }

    #[test]
    fn bodies_never_panic(body in json_body()) {
        body_parsers(&body);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        body_parsers(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            query_parsers(text);
            gs1_parsers(text);
            code_parsers(text);
        }
    }
}
