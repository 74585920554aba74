//! Bare CBV values (`"bizStep": "shipping"`) written out as the web
//! vocabulary IRIs they stand for (`https://ref.gs1.org/cbv/BizStep-shipping`),
//! the way the event-hash reference does it: expand the document with
//! JSON-LD against GS1's EPCIS context, keep the expanded values under
//! `https://ref.gs1.org/cbv` or `https://gs1.org/voc`, then replace every
//! string of the document that exactly one of them ends with (after `-` or
//! `/`). Only as much JSON-LD as that needs is done here: term definitions
//! (scoped ones included), compact IRIs, and `@vocab` / `@id` coercion;
//! remote contexts other than GS1's are not fetched.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use serde_json::{Map, Value};

/// How a property's string values expand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coercion {
    /// `@type: @vocab`: a term of the active context, else an IRI.
    Vocab,
    /// `@type: @id` (and the `@id` keyword): an IRI, terms not applied.
    Id,
    /// The `@type` keyword: expanded as vocabulary.
    Type,
    /// A plain value, kept as it is.
    Literal,
}

#[derive(Debug)]
struct Term {
    /// What the term stands for as written (`cbv:BizStep-shipping`, `@type`).
    iri: Option<String>,
    coercion: Coercion,
    /// A property-scoped context, applied to the term's values.
    scoped: Option<Context>,
}

#[derive(Debug, Default)]
struct Context {
    terms: HashMap<String, Term>,
}

impl Context {
    /// A context from its JSON: an object of definitions or a list of them.
    fn parse(value: &Value) -> Context {
        let mut context = Context::default();
        match value {
            Value::Object(definitions) => context.add(definitions),
            Value::Array(items) => {
                for item in items {
                    if let Value::Object(definitions) = item {
                        context.add(definitions);
                    }
                }
            }
            _ => {}
        }
        context
    }

    fn add(&mut self, definitions: &Map<String, Value>) {
        for (name, definition) in definitions {
            if name.starts_with('@') {
                continue;
            }
            let term = match definition {
                Value::String(iri) => Term {
                    iri: Some(iri.clone()),
                    coercion: if iri == "@type" {
                        Coercion::Type
                    } else if iri == "@id" {
                        Coercion::Id
                    } else {
                        Coercion::Literal
                    },
                    scoped: None,
                },
                Value::Object(fields) => {
                    let iri = fields.get("@id").and_then(Value::as_str).map(str::to_owned);
                    let coercion =
                        match (iri.as_deref(), fields.get("@type").and_then(Value::as_str)) {
                            (Some("@type"), _) => Coercion::Type,
                            (Some("@id"), _) | (_, Some("@id")) => Coercion::Id,
                            (_, Some("@vocab")) => Coercion::Vocab,
                            _ => Coercion::Literal,
                        };
                    Term {
                        iri,
                        coercion,
                        scoped: fields.get("@context").map(Context::parse),
                    }
                }
                _ => continue,
            };
            self.terms.insert(name.clone(), term);
        }
    }
}

/// GS1's EPCIS 2.0 context (`assets/epcis-context.jsonld`, the copy the
/// reference ships), for both addresses it has been published at.
/// (A failure is a build defect the unit tests catch: logged, and no term expands.)
static EPCIS: LazyLock<Context> = LazyLock::new(|| {
    match serde_json::from_str::<Value>(include_str!("../../../../assets/epcis-context.jsonld")) {
        Ok(document) => Context::parse(&document["@context"]),
        Err(e) => {
            tracing::error!(error = %e, "the bundled EPCIS context does not parse");
            Context::default()
        }
    }
});

fn is_epcis_context(url: &str) -> bool {
    url.contains("ref.gs1.org/standards/epcis") || url.contains("gs1.github.io/EPCIS")
}

/// The active context: layers, the innermost last.
struct Scope<'a> {
    layers: Vec<&'a Context>,
}

impl<'a> Scope<'a> {
    fn term(&self, name: &str) -> Option<&'a Term> {
        self.layers
            .iter()
            .rev()
            .find_map(|layer| layer.terms.get(name))
    }

    fn with(&self, layer: Option<&'a Context>) -> Scope<'a> {
        let mut layers = self.layers.clone();
        layers.extend(layer);
        Scope { layers }
    }

    /// An IRI as JSON-LD expands it; `vocab`: terms apply.
    fn expand(&self, value: &str, vocab: bool, depth: u8) -> String {
        if depth > 8 || value.starts_with('@') {
            return value.to_owned();
        }
        if vocab
            && let Some(iri) = self.term(value).and_then(|t| t.iri.as_deref())
            && iri != value
        {
            return self.expand(iri, false, depth + 1);
        }
        if let Some((prefix, suffix)) = value.split_once(':') {
            if suffix.starts_with("//") {
                return value.to_owned();
            }
            if let Some(iri) = self.term(prefix).and_then(|t| t.iri.as_deref())
                && iri != value
                && !iri.starts_with('@')
            {
                return format!("{}{suffix}", self.expand(iri, false, depth + 1));
            }
        }
        value.to_owned()
    }
}

/// Which of the document's values are vocabulary IRIs, once expanded.
fn vocabulary_values(document: &Value) -> BTreeSet<String> {
    let own = Context::parse(&Value::Array(match &document["@context"] {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }));
    let uses_epcis = match &document["@context"] {
        Value::Array(items) => items
            .iter()
            .any(|i| i.as_str().is_some_and(is_epcis_context)),
        Value::String(url) => is_epcis_context(url),
        _ => false,
    };
    let mut layers: Vec<&Context> = Vec::new();
    if uses_epcis {
        layers.push(&EPCIS);
    }
    layers.push(&own);
    let mut found = BTreeSet::new();
    walk_object(document, &Scope { layers }, &mut found);
    found.retain(|v| {
        v.starts_with("https://ref.gs1.org/cbv") || v.starts_with("https://gs1.org/voc")
    });
    found
}

fn walk_object(node: &Value, scope: &Scope, found: &mut BTreeSet<String>) {
    let Value::Object(fields) = node else {
        return;
    };
    let embedded = fields.get("@context").map(Context::parse);
    let scope = scope.with(embedded.as_ref());
    for (key, value) in fields {
        if key == "@context" {
            continue;
        }
        let (coercion, scoped) = match scope.term(key) {
            Some(term) => (term.coercion, term.scoped.as_ref()),
            None if key == "@type" => (Coercion::Type, None),
            None if key == "@id" => (Coercion::Id, None),
            None if key.starts_with('@') || key.contains(':') => (Coercion::Literal, None),
            // Neither a term nor an IRI: JSON-LD drops the key and its value.
            None => continue,
        };
        walk_value(value, coercion, &scope.with(scoped), found);
    }
}

fn walk_value(value: &Value, coercion: Coercion, scope: &Scope, found: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            found.insert(match coercion {
                Coercion::Vocab | Coercion::Type => scope.expand(s, true, 0),
                Coercion::Id => scope.expand(s, false, 0),
                Coercion::Literal => s.clone(),
            });
        }
        Value::Array(items) => {
            for item in items {
                walk_value(item, coercion, scope, found);
            }
        }
        Value::Object(_) => walk_object(value, scope, found),
        _ => {}
    }
}

/// The document with its bare vocabulary values written out in full.
pub fn write_out_bare_values(document: &Value) -> Value {
    let vocabulary = vocabulary_values(document);
    let mut document = document.clone();
    replace_strings(&mut document, &vocabulary);
    document
}

fn replace_strings(value: &mut Value, vocabulary: &BTreeSet<String>) {
    match value {
        Value::String(s) => {
            // `v` ends with "-{s}" or "/{s}" (without building either).
            let ends_with_term = |v: &&String| {
                v.len() > s.len()
                    && v.ends_with(s.as_str())
                    && matches!(v.as_bytes()[v.len() - s.len() - 1], b'-' | b'/')
            };
            let mut matches = vocabulary.iter().filter(ends_with_term);
            // Only an unambiguous match is replaced, as in the reference.
            if let (Some(only), None) = (matches.next(), matches.next()) {
                *s = only.clone();
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|i| replace_strings(i, vocabulary)),
        Value::Object(fields) => fields
            .values_mut()
            .for_each(|v| replace_strings(v, vocabulary)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::write_out_bare_values;

    #[test]
    fn bare_values_become_web_vocabulary() {
        let document = json!({
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "epcisBody": {"eventList": [{
                "type": "ObjectEvent",
                "bizStep": "shipping",
                "disposition": "in_transit",
                "bizTransactionList": [{"type": "po", "bizTransaction": "urn:x:1"}],
                "sensorElementList": [{"sensorReport": [{"type": "Temperature", "exception": "ALARM_CONDITION"}]}],
                "action": "OBSERVE"
            }]}
        });
        let written = write_out_bare_values(&document);
        let event = &written["epcisBody"]["eventList"][0];
        assert_eq!(event["bizStep"], "https://ref.gs1.org/cbv/BizStep-shipping");
        assert_eq!(
            event["disposition"],
            "https://ref.gs1.org/cbv/Disp-in_transit"
        );
        assert_eq!(
            event["bizTransactionList"][0]["type"],
            "https://ref.gs1.org/cbv/BTT-po"
        );
        let report = &event["sensorElementList"][0]["sensorReport"][0];
        assert_eq!(report["type"], "https://gs1.org/voc/Temperature");
        assert_eq!(report["exception"], "https://gs1.org/voc/ALARM_CONDITION");
        assert_eq!(event["type"], "ObjectEvent");
        assert_eq!(event["action"], "OBSERVE");
    }
}
