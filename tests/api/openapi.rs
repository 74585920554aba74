//! The committed openapi.yaml is the contract: it must equal what the code generates.

use crate::helpers::TestApp;

#[test]
fn committed_openapi_matches_the_code() {
    let generated = ocop_trace::routes::openapi_yaml();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(path, &generated).expect("write openapi.yaml");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi.yaml differs from the code; regenerate it with \
         `cargo run -- openapi > openapi.yaml` (or UPDATE_OPENAPI=1 cargo test openapi)"
    );
}

#[test]
fn every_schema_reference_resolves() {
    let doc = ocop_trace::routes::openapi();
    let text = serde_json::to_string(&doc).expect("json");
    let schemas = doc
        .components
        .as_ref()
        .map(|c| c.schemas.clone())
        .unwrap_or_default();
    let prefix = "#/components/schemas/";
    let mut missing: Vec<String> = text
        .match_indices(prefix)
        .map(|(i, _)| {
            text[i + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !schemas.contains_key(name))
        .collect();
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "dangling schema references: {missing:?}"
    );
}

async fn served_document(app: &TestApp) -> String {
    let answer = app.get("/openapi.yaml", None).await;
    answer.assert_status(200);
    assert!(answer.content_type().starts_with("application/yaml"));
    answer.text
}

api_test!(async fn serves_the_contract_with_every_route(app) {
    let served = served_document(&app).await;
    assert_eq!(served, ocop_trace::routes::openapi_yaml());
    for path in [
        "/healthz:",
        "/readyz:",
        "/openapi.yaml:",
        "/api/v1/auth/token:",
        "/api/v1/me:",
        "/api/v1/organizations:",
        "/api/v1/organizations/{id}:",
        "/api/v1/organizations/{id}/api-keys:",
        "/api/v1/api-keys/{id}/revoke:",
    ] {
        assert!(served.contains(path), "{path} missing from openapi.yaml");
    }
});

/// The pattern the contract gives a path parameter of one operation.
fn path_pattern(doc: &serde_json::Value, path: &str, name: &str) -> regex::Regex {
    let parameters = doc["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{path} has parameters"));
    let parameter = parameters
        .iter()
        .find(|p| p["name"] == name && p["in"] == "path")
        .unwrap_or_else(|| panic!("{path} has {name}"));
    regex::Regex::new(parameter["schema"]["pattern"].as_str().expect("a pattern")).expect("regex")
}

// Found by the contract fuzzing (ST201): the GS1 serial was given our code's
// pattern, so `/21/0` was "invalid" by the contract, yet the resolver
// rightly walks it up (307), as any serial GS1 allows
// (resolver_walk_up.rs). The contract takes what the GS1 check takes.
#[test]
fn a_gs1_serial_is_any_serial_gs1_allows() {
    let doc = serde_json::to_value(ocop_trace::routes::openapi()).expect("json");
    for path in [
        "/01/{gtin}/10/{lot}/21/{code}",
        "/01/{gtin}/21/{code}",
        "/01/{gtin}/22/{cpv}/10/{lot}/21/{code}",
        "/01/{gtin}/22/{cpv}/21/{code}",
    ] {
        let serial = path_pattern(&doc, path, "code");
        for walks_up in ["0", "ABC123", "MKB-2610-01", "K7QF-M2XD-93HA-4"] {
            assert!(serial.is_match(walks_up), "{path}: {walks_up}");
        }
        // Beyond GS1's 20 characters or its character set: a 400 naming the AI.
        for refused in ["", "A B", "~", "ABCDEFGHIJKLMNOPQRSTU"] {
            assert!(!serial.is_match(refused), "{path}: {refused:?}");
        }
    }
}
