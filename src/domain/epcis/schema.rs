//! GS1's EPCIS 2.0 JSON Schema (`assets/EPCIS-JSON-Schema.json`, from the
//! gs1/EPCIS repository), embedded and compiled once: every captured
//! document is checked against it, and every document we emit is too.

use std::sync::LazyLock;

use serde_json::Value;

/// One way a document breaks the schema: where (a JSON pointer into the
/// document) and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SchemaViolation {
    /// JSON pointer to the offending value (`""` is the whole document).
    pub pointer: String,
    pub reason: String,
}

/// At most this many violations are reported for one document.
const MAX_REPORTED: usize = 100;

static VALIDATOR: LazyLock<Result<jsonschema::Validator, String>> = LazyLock::new(|| {
    let schema: Value =
        serde_json::from_str(include_str!("../../../assets/EPCIS-JSON-Schema.json"))
            .map_err(|e| format!("the EPCIS schema is not JSON: {e}"))?;
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| format!("the EPCIS schema does not compile: {e}"))
});

/// Does the document follow GS1's EPCIS 2.0 schema? Every violation (up to
/// a hundred), each with its JSON pointer.
pub fn check_document(document: &Value) -> Result<(), Vec<SchemaViolation>> {
    let validator = VALIDATOR.as_ref().map_err(|why| {
        vec![SchemaViolation {
            pointer: String::new(),
            reason: why.clone(),
        }]
    })?;
    let violations: Vec<SchemaViolation> = validator
        .iter_errors(document)
        .take(MAX_REPORTED)
        .map(|e| SchemaViolation {
            pointer: e.instance_path.to_string(),
            reason: e.to_string(),
        })
        .collect();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations)
    }
}
