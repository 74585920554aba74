//! The reference implementation's published vectors.

use std::path::Path;

use serde_json::Value;

use super::{constrained_digital_link, event_hashes};

fn vectors() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/epcis-hash")
}

/// Every JSON-LD example of the reference (tests/examples), with the hashes
/// it publishes for it.
#[test]
fn hashes_match_the_reference_vectors() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(vectors())
        .expect("vectors directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonld"))
        .collect();
    names.sort();
    for path in names {
        let document: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).expect("JSON");
        let expected: Vec<String> = std::fs::read_to_string(path.with_extension("hashes"))
            .expect("hashes beside the example")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let actual = event_hashes(&document);
        if actual != expected {
            failures.push(format!(
                "{}:\n  expected {expected:?}\n  got      {actual:?}\n  pre-hashes {:?}",
                path.display(),
                super::pre_hashes(&document)
            ));
        }
        checked += expected.len();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 40, "only {checked} hashes checked");
}

/// The reference's normaliser tests (tests/dl_normaliser_test.py), with
/// what it answers for each input.
#[test]
fn digital_links_normalise_as_the_reference_does() {
    let table = std::fs::read_to_string(vectors().join("normaliser.tsv")).expect("normaliser.tsv");
    let mut checked = 0;
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let (input, expected) = line.split_once('\t').expect("two columns");
        let expected = (expected != "None").then_some(expected);
        assert_eq!(
            constrained_digital_link(input).as_deref(),
            expected,
            "{input}"
        );
        checked += 1;
    }
    assert!(checked >= 60);
}

/// GS1's own example documents, hashed by the reference program (its
/// answers kept in gs1-examples.tsv): sensor reports, all five event
/// types with every field, error declarations, Digital Link and URN forms.
#[test]
fn hashes_of_gs1_examples_match_the_reference() {
    let table =
        std::fs::read_to_string(vectors().join("gs1-examples.tsv")).expect("gs1-examples.tsv");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/epcis");
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let (file, hashes) = line.split_once('\t').expect("two columns");
        let expected: Vec<&str> = hashes.split(' ').collect();
        let document: Value = serde_json::from_str(
            &std::fs::read_to_string(examples.join(file)).expect("the example is kept"),
        )
        .expect("JSON");
        let actual = event_hashes(&document);
        if actual != expected {
            failures.push(format!(
                "{file}: expected {expected:?}, got {actual:?}\n  {:?}",
                super::pre_hashes(&document)
            ));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 40);
}

mod properties {
    use proptest::prelude::*;
    use serde_json::json;

    use super::super::{constrained_digital_link, event_hashes};

    proptest! {
        /// Any text: an answer, never a panic; what comes back is on id.gs1.org.
        #[test]
        fn the_normaliser_takes_any_text(text in "\\PC{0,80}") {
            if let Some(link) = constrained_digital_link(&text) {
                prop_assert!(link.starts_with("https://id.gs1.org/"));
            }
        }

        /// An SGTIN URN and its Digital Link hash alike, whatever the serial.
        #[test]
        fn urn_and_digital_link_hash_alike(serial in "[A-Za-z0-9_-]{1,20}", item in 0u32..100_000) {
            let event = |epc: String| json!({
                "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                "type": "EPCISDocument",
                "epcisBody": {"eventList": [{
                    "type": "ObjectEvent", "action": "OBSERVE",
                    "eventTime": "2026-11-20T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
                    "epcList": [epc], "bizStep": "shipping"
                }]}
            });
            let urn = format!("urn:epc:id:sgtin:8936000.0{item:05}.{serial}");
            // The item reference's first digit is the GTIN's indicator.
            let digits = format!("08936000{item:05}");
            let gtin = crate::domain::gs1::with_check_digit(&digits).expect("digits");
            let link = format!("https://ocop.example.vn/01/{gtin}/21/{serial}?x=1");
            prop_assert_eq!(event_hashes(&event(urn)), event_hashes(&event(link)));
        }

        /// Field order, time zone and the form of a CBV value do not change the hash.
        #[test]
        fn the_hash_is_canonical(shift in -12i32..=14) {
            let offset = format!("{}{:02}:00", if shift < 0 { '-' } else { '+' }, shift.abs());
            let local = chrono::DateTime::parse_from_rfc3339("2026-11-20T01:00:00Z")
                .expect("time")
                .with_timezone(&chrono::FixedOffset::east_opt(shift * 3600).expect("offset"))
                .to_rfc3339();
            let a = json!({"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                "epcisBody": {"eventList": [{"type": "ObjectEvent", "action": "OBSERVE",
                "eventTime": "2026-11-20T01:00:00Z", "eventTimeZoneOffset": offset,
                "bizStep": "receiving", "epcList": ["urn:epc:id:sscc:8936000.0000000001"]}]}});
            let b = json!({"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                "epcisBody": {"eventList": [{"epcList": ["urn:epc:id:sscc:8936000.0000000001"],
                "bizStep": "urn:epcglobal:cbv:bizstep:receiving", "eventTimeZoneOffset": offset,
                "eventTime": local, "action": "OBSERVE", "type": "ObjectEvent"}]}});
            prop_assert_eq!(event_hashes(&a), event_hashes(&b));
        }
    }
}
