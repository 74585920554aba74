//! GS1's canonical EPCIS event hash (`ni:///sha-256;…?ver=CBV2.0`), as the
//! reference implementation computes it (github.com/RalphTro/
//! epcis-event-hash-generator, the algorithm GS1's EPCIS 2.0 and CBV 2.0
//! name for deduplication and for events without an `eventID`).
//!
//! The reference is a Python program whose output, not its prose, is what
//! other repositories compare hashes with; this is a port of it, step for
//! step: the document's bare vocabulary values are written out
//! ([`vocabulary`]), each event becomes a tree of (name, value, children)
//! shaped like its XML form, and the pre-hash string is read off that tree
//! in the canonical property order, then the remaining fields (user
//! extensions, ILMD, business transactions…) sorted. Checked against the
//! reference's published vectors (`tests/vectors/epcis-hash/`).
//!
//! Where the reference fails (a business transaction without `type`, a
//! timestamp rounding up to the next second, an infinite number), this
//! gives the evident answer instead of dropping the event.

mod normaliser;
mod python;
mod vocabulary;

use serde_json::Value;
use sha2::{Digest, Sha256};

pub use normaliser::normalise as constrained_digital_link;

/// One node of the reference's event tree: a field's name, its text, and
/// its children; or, in business transaction, source and destination
/// lists, a pair of (type, value) nodes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Node {
    Element(Element),
    Pair(Vec<Element>),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Element {
    name: String,
    value: String,
    children: Vec<Node>,
}

impl Element {
    fn new(name: impl Into<String>, value: impl Into<String>, children: Vec<Node>) -> Element {
        Element {
            name: name.into(),
            value: value.into(),
            children,
        }
    }
}

/// The canonical property order: a field, and the order of its children.
struct Order {
    name: &'static str,
    children: Option<&'static [Order]>,
}

const fn leaf(name: &'static str) -> Order {
    Order {
        name,
        children: None,
    }
}

const fn parent(name: &'static str, children: &'static [Order]) -> Order {
    Order {
        name,
        children: Some(children),
    }
}

const EPC: &[Order] = &[leaf("epc")];
const QUANTITY: &[Order] = &[parent(
    "quantityElement",
    &[leaf("epcClass"), leaf("quantity"), leaf("uom")],
)];
const ID: &[Order] = &[leaf("id")];
/// The reference orders these lists' children by a key that never matches
/// (a tuple), so they always end up with the remaining fields: kept so.
const NEVER: &[Order] = &[leaf("\u{0}never")];
const SENSOR_METADATA: &[Order] = &[
    leaf("time"),
    leaf("startTime"),
    leaf("endTime"),
    leaf("deviceID"),
    leaf("deviceMetadata"),
    leaf("rawData"),
    leaf("dataProcessingMethod"),
    leaf("bizRules"),
];
const SENSOR_REPORT: &[Order] = &[
    leaf("type"),
    leaf("exception"),
    leaf("deviceID"),
    leaf("deviceMetadata"),
    leaf("rawData"),
    leaf("dataProcessingMethod"),
    leaf("time"),
    leaf("microorganism"),
    leaf("chemicalSubstance"),
    leaf("value"),
    leaf("component"),
    leaf("stringValue"),
    leaf("booleanValue"),
    leaf("hexBinaryValue"),
    leaf("uriValue"),
    leaf("minValue"),
    leaf("maxValue"),
    leaf("meanValue"),
    leaf("sDev"),
    leaf("percRank"),
    leaf("percValue"),
    leaf("uom"),
    leaf("coordinateReferenceSystem"),
];
const PROPERTY_ORDER: &[Order] = &[
    leaf("eventTime"),
    leaf("eventTimeZoneOffset"),
    leaf("certificationInfo"),
    leaf("parentID"),
    parent("epcList", EPC),
    parent("inputEPCList", EPC),
    parent("childEPCs", EPC),
    parent("quantityList", QUANTITY),
    parent("childQuantityList", QUANTITY),
    parent("inputQuantityList", QUANTITY),
    parent("outputEPCList", EPC),
    parent("outputQuantityList", QUANTITY),
    leaf("action"),
    leaf("transformationID"),
    leaf("bizStep"),
    leaf("disposition"),
    parent("persistentDisposition", &[leaf("set"), leaf("unset")]),
    parent("readPoint", ID),
    parent("bizLocation", ID),
    parent("bizTransactionList", NEVER),
    parent("sourceList", NEVER),
    parent("destinationList", NEVER),
    parent(
        "sensorElementList",
        &[parent(
            "sensorElement",
            &[
                parent("sensorMetadata", SENSOR_METADATA),
                parent("sensorReport", SENSOR_REPORT),
            ],
        )],
    ),
];

/// Lists whose elements are (type, value) pairs.
const PAIRED_LISTS: [&str; 3] = ["sourceList", "destinationList", "bizTransactionList"];
const PAIRED_VALUES: [&str; 3] = ["bizTransaction", "source", "destination"];
/// Fields the hash leaves out.
const NOT_HASHED: [&str; 4] = ["recordTime", "eventID", "type", "errorDeclaration"];

/// The namespace of the reference's `ignoreFields` list: a document (or
/// query result) may name, under a prefix bound to it, the event fields a
/// repository added and the hash must not cover.
const IGNORE_FIELDS_NAMESPACE: &str = "https://repository-x.example.com/";

/// The `{namespace}` each prefix of the document's context stands for.
struct Namespaces(Vec<(String, String)>);

impl Namespaces {
    fn of(document: &Value) -> Namespaces {
        let mut found = Vec::new();
        let entries = match &document["@context"] {
            Value::Array(items) => items.clone(),
            Value::Null => Vec::new(),
            other => vec![other.clone()],
        };
        for entry in entries {
            match entry {
                Value::String(url) => found.push((url.clone(), url)),
                Value::Object(definitions) => {
                    for (prefix, iri) in definitions {
                        if let Value::String(iri) = iri {
                            found.push((prefix, iri));
                        }
                    }
                }
                _ => {}
            }
        }
        Namespaces(found)
    }

    fn get(&self, prefix: &str) -> Option<&str> {
        // A later definition of a prefix wins, as in the reference's dict.
        self.0
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, iri)| iri.as_str())
    }

    /// `ex:name` as `{https://ex.com/}name` (a key) or `https://ex.com/name` (a value).
    fn replace(&self, text: &str, is_value: bool) -> String {
        match text.split_once(':') {
            Some((prefix, rest)) => match self.get(prefix) {
                Some(iri) if is_value => format!("{iri}{rest}"),
                Some(iri) => format!("{{{iri}}}{rest}"),
                None => text.to_owned(),
            },
            None => text.to_owned(),
        }
    }
}

/// Python's `str()` of a JSON scalar.
fn scalar_text(value: &Value, namespaces: &Namespaces) -> String {
    match value {
        Value::String(s) => namespaces.replace(s, true),
        Value::Number(n) => n.to_string(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        _ => "None".to_owned(),
    }
}

/// The reference's `_json_to_py`: an object becomes an element named by its
/// `type`, with one child per field (a list field: one child per item).
fn tree_of(value: &Value, ignored: &[String], namespaces: &Namespaces) -> Element {
    let mut element = Element::default();
    let keep_order = match value {
        Value::Array(items) => {
            for item in items {
                element
                    .children
                    .push(Node::Element(tree_of(item, &[], namespaces)));
            }
            items
                .iter()
                .any(|i| i.as_str().is_some_and(|s| PAIRED_VALUES.contains(&s)))
        }
        Value::Object(fields) => {
            if let Some(kind) = fields.get("type") {
                element.name = match kind {
                    Value::String(s) => s.clone(),
                    other => scalar_text(other, namespaces),
                };
            }
            if let Some(Value::String(text)) = fields.get("#text") {
                element.value = text.clone();
            }
            for (key, field) in fields {
                if matches!(key.as_str(), "#text" | "rdfs:comment" | "comment")
                    || ignored.contains(key)
                {
                    continue;
                }
                let child = tree_of(field, &[], namespaces);
                let key = namespaces.replace(key, false);
                if field.is_array() {
                    for item in child.children {
                        if let Node::Element(item) = item {
                            element.children.push(Node::Element(Element::new(
                                key.clone(),
                                item.value,
                                item.children,
                            )));
                        }
                    }
                } else {
                    element.children.push(Node::Element(Element::new(
                        key,
                        child.value,
                        child.children,
                    )));
                }
            }
            PAIRED_VALUES.iter().any(|k| fields.contains_key(*k))
        }
        scalar => {
            element.value = scalar_text(scalar, namespaces);
            return element;
        }
    };
    if !keep_order {
        element.children.sort();
    }
    element
}

fn elements(nodes: &[Node]) -> impl Iterator<Item = &Element> {
    nodes.iter().filter_map(|n| match n {
        Node::Element(e) => Some(e),
        Node::Pair(_) => None,
    })
}

/// The reference's `deep_structure_correction`: the JSON tree reshaped as
/// the XML form is (`epcList` holds `epc` elements, quantity lists hold
/// `quantityElement`s, business transactions become pairs…).
fn xml_shape(element: Element) -> Element {
    let mut lists: Vec<(String, Vec<Element>)> = Vec::new();
    let mut child_epcs = Vec::new();
    let mut rest = Vec::new();
    for child in element.children {
        match child {
            Node::Element(e) if e.name.ends_with("List") => {
                let item = Element::new(&e.name[..e.name.len() - 4], e.value, e.children);
                match lists.iter_mut().find(|(name, _)| *name == e.name) {
                    Some((_, items)) => items.push(item),
                    None => lists.push((e.name, vec![item])),
                }
            }
            other => rest.push(other),
        }
    }
    for (name, items) in lists {
        if PAIRED_LISTS.contains(&name.as_str()) {
            let pairs = items
                .into_iter()
                .map(|item| Node::Pair(elements(&item.children).take(2).cloned().collect()))
                .collect();
            rest.push(Node::Element(Element::new(name, "", pairs)));
        } else {
            rest.push(Node::Element(Element::new(
                name,
                "",
                items.into_iter().map(Node::Element).collect(),
            )));
        }
    }
    let mut kept = Vec::new();
    for child in rest {
        match child {
            Node::Element(e) if e.name == "childEPCs" => {
                child_epcs.push(Node::Element(Element::new("epc", e.value, Vec::new())));
            }
            other => kept.push(other),
        }
    }
    if !child_epcs.is_empty() {
        kept.push(Node::Element(Element::new("childEPCs", "", child_epcs)));
    }
    let children: Vec<Node> = kept
        .into_iter()
        .map(|child| match child {
            Node::Element(e) if PAIRED_LISTS.contains(&e.name.as_str()) => Node::Element(e),
            Node::Element(e) => Node::Element(xml_shape(e)),
            pair => pair,
        })
        .collect();
    let name = match element.name.as_str() {
        "inputEPC" | "outputEPC" => "epc".to_owned(),
        "inputQuantity" | "outputQuantity" | "childQuantity" => "quantityElement".to_owned(),
        "quantity" if !children.is_empty() => "quantityElement".to_owned(),
        _ => element.name,
    };
    Element::new(name, element.value, children)
}

/// A value in canonical form: CBV URNs as web vocabulary, numbers as
/// Python prints them, GS1 identifiers as constrained Digital Links.
fn canonical(text: &str) -> String {
    let text = text
        .replace(
            "urn:epcglobal:cbv:bizstep:",
            "https://ref.gs1.org/cbv/BizStep-",
        )
        .replace("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-")
        .replace("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-")
        .replace("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-")
        .replace("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-");
    let text = python::numeric(&text);
    normaliser::normalise(&text).unwrap_or(text)
}

/// User extensions nested in a field (keys written `{namespace/}name`),
/// taken out to follow the field's ordered children.
fn take_user_extensions(children: &mut Vec<Node>) -> Vec<Node> {
    if children.len() <= 1
        || elements(children).any(|e| e.name.contains("eventTime") || e.name.contains("action"))
    {
        return Vec::new();
    }
    let (extensions, kept): (Vec<Node>, Vec<Node>) = children.drain(..).partition(
        |n| matches!(n, Node::Element(e) if e.name.contains('{') && e.name.contains("/}")),
    );
    *children = kept;
    extensions
}

/// The pre-hash of `children` in `order`; what it uses is taken out of
/// the tree (an element once all its children are used).
fn ordered(children: &mut Vec<Node>, order: &[Order]) -> String {
    let extensions = take_user_extensions(children);
    let mut pre_hash = String::new();
    for field in order {
        let mut values = Vec::new();
        let mut i = 0;
        while i < children.len() {
            let Node::Element(child) = &mut children[i] else {
                i += 1;
                continue;
            };
            if child.name != field.name {
                i += 1;
                continue;
            }
            let text = field_text(child, field.children);
            if !text.is_empty() {
                values.push(text);
            }
            if child.children.is_empty() {
                children.remove(i);
            } else {
                i += 1;
            }
        }
        values.sort();
        pre_hash.push_str(&values.concat());
    }
    if !extensions.is_empty() {
        pre_hash.push_str(&remaining(&extensions));
    }
    pre_hash
}

fn field_text(child: &mut Element, order: Option<&[Order]>) -> String {
    let nested = match order {
        Some(order) => ordered(&mut child.children, order),
        None => String::new(),
    };
    let mut text = String::new();
    if !child.value.is_empty() {
        let value = child.value.trim();
        let name = child.name.to_lowercase();
        let value = if name.contains("time") && !name.contains("offset") {
            python::timestamp(value)
        } else {
            canonical(value)
        };
        if !value.is_empty() {
            text = format!("={value}");
        }
    }
    if text.is_empty() && nested.is_empty() {
        return String::new();
    }
    format!("{}{text}{nested}", child.name)
}

/// The pre-hash of fields outside the canonical order: each `name=value`
/// followed by its children, sorted (but a pair keeps type before value).
fn remaining(children: &[Node]) -> String {
    let mut values: Vec<String> = children
        .iter()
        .map(|child| match child {
            Node::Pair(members) => {
                let members: Vec<Node> = members.iter().cloned().map(Node::Element).collect();
                remaining(&members)
            }
            Node::Element(e) => {
                let value = e.value.trim();
                let value = if value.is_empty() {
                    String::new()
                } else {
                    format!("={}", canonical(value))
                };
                format!("{}{value}{}", e.name, remaining(&e.children))
            }
        })
        .collect();
    let paired = elements(children).any(|e| PAIRED_VALUES.contains(&e.name.as_str()));
    if children.len() > 1 && !paired {
        values.sort();
    }
    values.concat()
}

/// The pre-hash string of each event of an EPCIS document (or query
/// document), in order.
pub fn pre_hashes(document: &Value) -> Vec<String> {
    let document = vocabulary::write_out_bare_values(document);
    let namespaces = Namespaces::of(&document);
    let body = &document["epcisBody"];
    let ignore_key = namespaces
        .0
        .iter()
        .rev()
        .find(|(_, iri)| iri == IGNORE_FIELDS_NAMESPACE)
        .map(|(prefix, _)| format!("{prefix}:ignoreFields"));
    let ignored_in = |holder: &Value| -> Vec<String> {
        ignore_key
            .as_ref()
            .and_then(|key| holder[key].as_array())
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (events, ignored): (Vec<&Value>, Vec<String>) =
        if let Some(list) = body["eventList"].as_array() {
            (list.iter().collect(), ignored_in(&document))
        } else if let Some(list) = body["queryResults"]["resultsBody"]["eventList"].as_array() {
            (list.iter().collect(), ignored_in(&body["queryResults"]))
        } else if body["event"].is_object() {
            (vec![&body["event"]], ignored_in(&document))
        } else {
            (Vec::new(), Vec::new())
        };
    events
        .into_iter()
        .map(|event| {
            let mut tree = xml_shape(tree_of(event, &ignored, &namespaces));
            let ordered_part = ordered(&mut tree.children, PROPERTY_ORDER);
            let rest: Vec<Node> = tree
                .children
                .into_iter()
                .filter(|n| !matches!(n, Node::Element(e) if NOT_HASHED.contains(&e.name.as_str())))
                .collect();
            format!("eventType={}{ordered_part}{}", tree.name, remaining(&rest))
        })
        .collect()
}

/// The hash of one pre-hash string, in GS1's `ni:` form.
pub fn hash_of(pre_hash: &str) -> String {
    format!(
        "ni:///sha-256;{:x}?ver=CBV2.0",
        Sha256::digest(pre_hash.as_bytes())
    )
}

/// GS1's event hash of each event of the document, in order.
pub fn event_hashes(document: &Value) -> Vec<String> {
    pre_hashes(document).iter().map(|p| hash_of(p)).collect()
}

#[cfg(test)]
mod tests;
