use super::*;

/// GS1's example documents (`tests/vectors/epcis`), by name.
pub(crate) fn gs1_examples() -> Vec<(String, Value)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/epcis");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .expect("the examples folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            let doc = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, doc)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn gs1_examples_follow_the_schema_and_are_read_whole() {
    let examples = gs1_examples();
    assert!(examples.len() >= 30, "{} examples", examples.len());
    let mut types = std::collections::BTreeSet::new();
    for (name, doc) in &examples {
        check_document(doc).unwrap_or_else(|v| panic!("{name}: {v:?}"));
        let events = events_of(doc).unwrap_or_else(|v| panic!("{name}: {v:?}"));
        assert!(!events.is_empty(), "{name}");
        for e in &events {
            types.insert(e.event_type.clone());
            assert_eq!(e.body["type"], e.event_type.as_str());
        }
    }
    assert_eq!(types.len(), 5, "all five event types: {types:?}");
}

#[test]
fn broken_documents_name_each_violation() {
    let doc = serde_json::json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-20T08:00:00Z",
        "epcisBody": {"eventList": [
            {"type": "ObjectEvent", "eventTime": "not a time", "eventTimeZoneOffset": "+07:00",
             "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"], "action": "SHOUT"}
        ]}
    });
    let violations = check_document(&doc).expect_err("invalid");
    let pointers: Vec<&str> = violations.iter().map(|v| v.pointer.as_str()).collect();
    assert!(
        pointers.contains(&"/epcisBody/eventList/0/eventTime"),
        "{violations:?}"
    );
    assert!(
        pointers.contains(&"/epcisBody/eventList/0/action"),
        "{violations:?}"
    );
}

#[test]
fn cbv_values_in_any_form() {
    for form in [
        "shipping",
        "https://ref.gs1.org/cbv/BizStep-shipping",
        "cbv:BizStep-shipping",
        "urn:epcglobal:cbv:bizstep:shipping",
    ] {
        assert_eq!(cbv_bare(form, "BizStep", "bizstep"), "shipping", "{form}");
    }
    assert_eq!(
        cbv_bare("https://example.com/steps/weigh", "BizStep", "bizstep"),
        "https://example.com/steps/weigh"
    );
}

#[test]
fn what_we_emit_follows_the_schema() {
    let (_, doc) = gs1_examples()
        .into_iter()
        .find(|(n, _)| n == "Example_9.6.1-ObjectEvent.json")
        .expect("example");
    let events: Vec<Value> = events_of(&doc)
        .expect("events")
        .into_iter()
        .map(|e| e.body)
        .collect();
    let out = query_document(events, extra_contexts(&doc), chrono::Utc::now());
    check_document(&out).unwrap_or_else(|v| panic!("{v:?}\n{out}"));
}
