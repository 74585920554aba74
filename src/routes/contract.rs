//! Rules of path and query values that the contract states once, by
//! parameter name, wherever such a parameter appears: the same parsers
//! answer every operation that takes it, so one pattern fits them all. What
//! no pattern can say (a check character, a GTIN's check digit, a range of
//! dates) stays with the parsers; `docs/TESTING.md` lists where the contract
//! fuzzing allows for it.

use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::{Object, RefOr, Schema, Type};

use crate::domain::code;

/// GTIN-8, -12, -13 or -14 (the check digit is checked by the parser).
const GTIN: &str = "^(?:[0-9]{8}|[0-9]{12,14})$";
/// GS1 AI 414, a GLN (N13).
const GLN: &str = "^[0-9]{13}$";
/// GS1's CSET 82, as a Digital Link path carries it after percent-decoding.
const CSET_82: &str = r#"[!"%&'()*+,./0-9:;<=>?A-Z_a-z-]"#;

/// The rules of a parameter named `name` at `location` on `path`, if any.
fn rule(path: &str, location: &ParameterIn, name: &str) -> Option<Rule> {
    let gs1_path = path.starts_with("/01/") || path.starts_with("/414/");
    match (location, name) {
        (ParameterIn::Path, "gtin") | (ParameterIn::Query, "gtin") => {
            Some(Rule::Pattern(GTIN.into()))
        }
        (ParameterIn::Path, "gln") => Some(Rule::Pattern(GLN.into())),
        // A GS1 serial (AI 21) is any CSET 82 value, not only one of our
        // codes: one that is not ours walks up (307), as GS1's resolver
        // standard has it, so the contract takes what the GS1 check takes.
        (ParameterIn::Path, "lot" | "cpv" | "extension" | "code") if gs1_path => {
            Some(Rule::Pattern(format!("^{CSET_82}{{1,20}}$")))
        }
        (ParameterIn::Path, "tpx") => Some(Rule::Pattern(format!("^{CSET_82}{{1,28}}$"))),
        // The landing's form takes what a person typed (blank: the form
        // again), and verification answers `unknown` for anything: no pattern.
        (ParameterIn::Query, "code") if path == "/" || path == "/c/" => None,
        _ if path.starts_with("/api/v1/verify/") => None,
        (_, "code") => Some(Rule::Pattern(code::PATTERN.into())),
        (ParameterIn::Query, "farming_area_code") => {
            Some(Rule::Pattern(crate::domain::site::SITE_CODE_PATTERN.into()))
        }
        (ParameterIn::Query, "target_market") => Some(Rule::Market),
        (ParameterIn::Query, name)
            if ["GE_", "LT_"].iter().any(|p| name.starts_with(p)) && name.ends_with("Time") =>
        {
            Some(Rule::DateTime)
        }
        (ParameterIn::Path, _) => Some(Rule::Length(1, 200)),
        _ => None,
    }
}

enum Rule {
    Pattern(String),
    Length(usize, usize),
    /// One of the markets, listed once in `components/schemas/Market`.
    Market,
    DateTime,
}

/// `domestic`, `EU` and every country code, as the parser writes them.
fn markets() -> Vec<String> {
    let mut all = vec!["domestic".to_owned()];
    all.extend(crate::domain::site::market_codes().map(str::to_owned));
    all
}

/// What a created resource leads to: from each create operation (by id)
/// to the operations that take the new resource's `id` in their path. A
/// client (or a fuzzer's stateful phase) follows them: create → get →
/// update → …
const LINKS: &[(&str, &[&str])] = &[
    (
        "create_product",
        &[
            "get_product",
            "update_product",
            "archive_product",
            "list_product_ratings",
            "create_rating",
            "delete_product_image",
        ],
    ),
    (
        "create_batch",
        &[
            "get_batch",
            "update_batch",
            "close_batch",
            "list_code_runs",
            "create_code_run",
            "recall_batch",
        ],
    ),
    (
        "create_code_run",
        &["get_code_run", "export_codes", "labels_pdf"],
    ),
    (
        "create_certification",
        &["get_certification", "update_certification"],
    ),
    (
        "create_farming_area",
        &[
            "get_farming_area",
            "update_farming_area",
            "farming_area_history",
            "link_farming_area_producer",
            "change_farming_area_status",
        ],
    ),
    (
        "create_packing_facility",
        &[
            "get_packing_facility",
            "update_packing_facility",
            "packing_facility_history",
            "link_packing_facility_producer",
            "change_packing_facility_status",
        ],
    ),
    (
        "create_organization",
        &["get_organization", "list_api_keys", "create_api_key"],
    ),
    ("create_api_key", &["revoke_api_key"]),
    (
        "create_subscription",
        &["list_deliveries", "delete_subscription"],
    ),
];

/// Adds [`LINKS`] to the 201 answers of the create operations.
pub fn state_links(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::link::LinkBuilder;
    for item in doc.paths.paths.values_mut() {
        let Some(op) = item.post.as_mut() else {
            continue;
        };
        let Some((_, targets)) = LINKS
            .iter()
            .find(|(from, _)| op.operation_id.as_deref() == Some(*from))
        else {
            continue;
        };
        let Some(RefOr::T(created)) = op.responses.responses.get_mut("201") else {
            continue;
        };
        for target in *targets {
            let link = LinkBuilder::new()
                .operation_id(*target)
                .parameter("id", "$response.body#/id")
                .build();
            created.links.insert((*target).to_owned(), RefOr::T(link));
        }
    }
}

/// Applies [`rule`] to every parameter of every operation.
pub fn state_parameter_rules(doc: &mut utoipa::openapi::OpenApi) {
    let market = utoipa::openapi::ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "`domestic`, `EU` or an ISO 3166-1 alpha-2 country code",
        ))
        .enum_values(Some(markets()))
        .build();
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .insert("Market".into(), RefOr::T(Schema::Object(market)));
    for (path, item) in &mut doc.paths.paths {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in operations.into_iter().flatten() {
            apply_to_operation(path, op);
        }
    }
}

fn apply_to_operation(path: &str, op: &mut Operation) {
    for parameter in op.parameters.iter_mut().flatten() {
        if let RefOr::T(parameter) = parameter {
            apply(path, parameter);
        }
    }
}

fn apply(path: &str, parameter: &mut Parameter) {
    let Some(rule) = rule(path, &parameter.parameter_in, &parameter.name) else {
        return;
    };
    let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut() else {
        return;
    };
    if !is_string(schema) {
        return;
    }
    match rule {
        Rule::Pattern(pattern) => schema.pattern = Some(pattern),
        Rule::Length(min, max) => {
            schema.min_length = Some(min);
            schema.max_length = Some(max);
        }
        Rule::DateTime => {
            schema.format = Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            ));
        }
        Rule::Market => {
            parameter.schema = Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Market")));
        }
    }
}

fn is_string(schema: &Object) -> bool {
    use utoipa::openapi::schema::SchemaType;
    match &schema.schema_type {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(types) => types.contains(&Type::String),
        SchemaType::AnyValue => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_link_names_operations_that_exist_and_take_an_id() {
        let doc = crate::routes::openapi();
        let operations: Vec<(String, bool)> = doc
            .paths
            .paths
            .iter()
            .flat_map(|(path, item)| {
                [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                    .into_iter()
                    .flatten()
                    .map(move |op| {
                        (
                            op.operation_id.clone().unwrap_or_default(),
                            path.contains("{id}"),
                        )
                    })
            })
            .collect();
        for (from, targets) in LINKS {
            for name in std::iter::once(from).chain(targets.iter()) {
                let found = operations.iter().find(|(id, _)| id == name);
                assert!(found.is_some(), "{name} is not an operation");
            }
            for target in *targets {
                assert!(
                    operations
                        .iter()
                        .any(|(id, has_id)| id == target && *has_id),
                    "{target} takes no id"
                );
            }
        }
    }

    #[test]
    fn the_patterns_are_what_the_parsers_accept() {
        let gtin = regex::Regex::new(GTIN).expect("gtin");
        for ok in ["09520123456788", "8936012340020", "96385074"] {
            assert!(gtin.is_match(ok), "{ok}");
        }
        for bad in ["0952012345678X", "123", ""] {
            assert!(!gtin.is_match(bad), "{bad}");
        }
        let lot = regex::Regex::new(&format!("^{CSET_82}{{1,20}}$")).expect("cset82");
        assert!(lot.is_match("ABC-123/x"));
        assert!(!lot.is_match("ABC 123"), "space is outside CSET 82");
        assert!(!lot.is_match(&"A".repeat(21)));
        assert!(markets().iter().any(|m| m == "EU") && markets().iter().any(|m| m == "JP"));
        let site = regex::Regex::new(crate::domain::site::SITE_CODE_PATTERN).expect("site");
        for raw in ["VN-HBHO-0007", " pb.33.01.01.001\t", "ß", "", "VN HB"] {
            assert_eq!(
                site.is_match(raw),
                crate::domain::site::parse_site_code("c", raw).is_ok(),
                "{raw:?}"
            );
        }
    }
}
