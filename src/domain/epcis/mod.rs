//! EPCIS 2.0 documents (GS1's event standard, JSON/JSON-LD binding): a
//! captured document checked against GS1's JSON Schema, its events read for
//! the fields they are found by (type, times, bizStep, disposition, places,
//! the identifiers they name), and the query document they are returned in.
//! Pure: the capture and query use cases are `services::epcis`.

pub mod hash;
pub mod identifiers;
pub mod own;
pub mod schema;

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::Value;

pub use schema::{SchemaViolation, check_document};

/// The EPCIS and CBV versions this service speaks (GS1-EPCIS-Version,
/// GS1-CBV-Version headers).
pub const EPCIS_VERSION: &str = "2.0.0";
pub const CBV_VERSION: &str = "2.0.0";
/// Events in one captured document, and its size in bytes (announced in
/// `GS1-EPCIS-Capture-Limit` and `GS1-EPCIS-Capture-File-Size-Limit`).
pub const CAPTURE_LIMIT: usize = 10_000;
pub const CAPTURE_FILE_SIZE_LIMIT: usize = 16 * 1024 * 1024;
/// The standard context every document we emit names first.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// The five event types of EPCIS 2.0.
pub const EVENT_TYPES: [&str; 5] = [
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
];

/// Where in an event an identifier stands: instance-level lists (and the
/// parent) name EPCs, quantity lists name classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpcRole {
    EpcList,
    ChildEpcs,
    ParentId,
    InputEpcList,
    OutputEpcList,
    QuantityList,
    ChildQuantityList,
    InputQuantityList,
    OutputQuantityList,
}

impl EpcRole {
    pub const ALL: [EpcRole; 9] = [
        Self::EpcList,
        Self::ChildEpcs,
        Self::ParentId,
        Self::InputEpcList,
        Self::OutputEpcList,
        Self::QuantityList,
        Self::ChildQuantityList,
        Self::InputQuantityList,
        Self::OutputQuantityList,
    ];

    /// The event's field this role is read from.
    pub fn field(self) -> &'static str {
        match self {
            Self::EpcList => "epcList",
            Self::ChildEpcs => "childEPCs",
            Self::ParentId => "parentID",
            Self::InputEpcList => "inputEPCList",
            Self::OutputEpcList => "outputEPCList",
            Self::QuantityList => "quantityList",
            Self::ChildQuantityList => "childQuantityList",
            Self::InputQuantityList => "inputQuantityList",
            Self::OutputQuantityList => "outputQuantityList",
        }
    }

    pub fn parse(field: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.field() == field)
    }

    /// A class of objects (`epcClass` in a quantity list), not one object.
    pub fn is_class(self) -> bool {
        matches!(
            self,
            Self::QuantityList
                | Self::ChildQuantityList
                | Self::InputQuantityList
                | Self::OutputQuantityList
        )
    }
}

/// One identifier an event names, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedEpc {
    pub role: EpcRole,
    pub value: String,
}

/// An event as captured, with what queries select it by.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedEvent {
    pub event_type: String,
    /// Its `eventID`: the document's, else (from [`events_of`]) its
    /// canonical event hash.
    pub event_id: Option<String>,
    /// The eventID is the event's hash: an event with the same one is the
    /// same event, however written (field order, comments, URN or link).
    pub id_from_hash: bool,
    /// With the offset it was written with.
    pub event_time: DateTime<FixedOffset>,
    pub action: Option<String>,
    /// CBV values in their bare form (`shipping`), others as given.
    pub biz_step: Option<String>,
    pub disposition: Option<String>,
    pub read_point: Option<String>,
    pub biz_location: Option<String>,
    pub epcs: Vec<NamedEpc>,
    /// The event exactly as it came, field for field.
    pub body: Value,
}

/// The events of a document that passed [`check_document`]: an
/// `EPCISDocument`'s `epcisBody.eventList`, or an `EPCISQueryDocument`'s
/// `epcisBody.queryResults.resultsBody.eventList`.
pub fn events_of(document: &Value) -> Result<Vec<IndexedEvent>, Vec<SchemaViolation>> {
    let body = &document["epcisBody"];
    let list = match document["type"].as_str() {
        Some("EPCISQueryDocument") => &body["queryResults"]["resultsBody"]["eventList"],
        _ => &body["eventList"],
    };
    let Some(events) = list.as_array() else {
        return Ok(Vec::new());
    };
    let mut indexed = Vec::with_capacity(events.len());
    let mut violations = Vec::new();
    for (i, event) in events.iter().enumerate() {
        match index_event(event) {
            Ok(e) => indexed.push(e),
            Err(reason) => violations.push(SchemaViolation {
                pointer: format!("/epcisBody/eventList/{i}"),
                reason,
            }),
        }
    }
    if !violations.is_empty() {
        return Err(violations);
    }
    // An event without eventID is named by its canonical hash (as GS1's
    // CBV 2.0 recommends), so capturing it twice stores it once.
    for (event, hash) in indexed.iter_mut().zip(hash::event_hashes(document)) {
        if event.event_id.is_none() {
            if let Value::Object(fields) = &mut event.body {
                fields.insert("eventID".to_owned(), Value::String(hash.clone()));
            }
            event.event_id = Some(hash);
            event.id_from_hash = true;
        }
    }
    Ok(indexed)
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

/// One event read for the fields queries select it by (`Err`: why not).
pub fn index_event(event: &Value) -> Result<IndexedEvent, String> {
    let event_type = text(&event["type"]).ok_or("has no type")?;
    let time = event["eventTime"].as_str().ok_or("has no eventTime")?;
    let event_time = DateTime::parse_from_rfc3339(time)
        .map_err(|e| format!("eventTime {time:?} is not a date-time: {e}"))?;
    let mut epcs = Vec::new();
    for role in EpcRole::ALL {
        let field = &event[role.field()];
        match (role, field) {
            (EpcRole::ParentId, Value::String(parent)) => epcs.push(NamedEpc {
                role,
                value: parent.clone(),
            }),
            (_, Value::Array(items)) => {
                for item in items {
                    let value = if role.is_class() {
                        text(&item["epcClass"])
                    } else {
                        text(item)
                    };
                    if let Some(value) = value {
                        epcs.push(NamedEpc { role, value });
                    }
                }
            }
            _ => {}
        }
    }
    Ok(IndexedEvent {
        event_type,
        event_id: text(&event["eventID"]),
        id_from_hash: false,
        event_time,
        action: text(&event["action"]),
        biz_step: text(&event["bizStep"]).map(|s| cbv_bare(&s, "BizStep", "bizstep")),
        disposition: text(&event["disposition"]).map(|s| cbv_bare(&s, "Disp", "disp")),
        read_point: text(&event["readPoint"]["id"]),
        biz_location: text(&event["bizLocation"]["id"]),
        epcs,
        body: event.clone(),
    })
}

/// A CBV value in its bare form, however it was written: `shipping`,
/// `https://ref.gs1.org/cbv/BizStep-shipping`, `cbv:BizStep-shipping` or
/// `urn:epcglobal:cbv:bizstep:shipping` are all `shipping`. Other values
/// (a company's own URI) stay as they are.
pub fn cbv_bare(value: &str, web_prefix: &str, urn_part: &str) -> String {
    let value = value.trim();
    for prefix in [
        format!("https://ref.gs1.org/cbv/{web_prefix}-"),
        format!("https://gs1.org/voc/{web_prefix}-"),
        format!("cbv:{web_prefix}-"),
        format!("gs1:{web_prefix}-"),
        format!("urn:epcglobal:cbv:{urn_part}:"),
    ] {
        if let Some(bare) = value.strip_prefix(&prefix) {
            return bare.to_owned();
        }
    }
    value.to_owned()
}

/// The `@context` entries of a document beyond the standard one: the
/// namespaces its user extensions are written in, kept so the events can be
/// returned readable.
pub fn extra_contexts(document: &Value) -> Vec<Value> {
    let standard = |v: &Value| {
        v.as_str().is_some_and(|s| {
            s.contains("gs1.github.io/EPCIS/epcis-context")
                || s.contains("ref.gs1.org/standards/epcis")
        })
    };
    match &document["@context"] {
        Value::Array(items) => items.iter().filter(|v| !standard(v)).cloned().collect(),
        Value::Object(_) => vec![document["@context"].clone()],
        _ => Vec::new(),
    }
}

/// An `EPCISQueryDocument` holding `events`; `contexts` are added after the
/// standard context (the namespaces of the events' extensions).
pub fn query_document(events: Vec<Value>, contexts: Vec<Value>, created: DateTime<Utc>) -> Value {
    let mut context = vec![Value::String(EPCIS_CONTEXT.to_owned())];
    for extra in contexts {
        if !context.contains(&extra) {
            context.push(extra);
        }
    }
    serde_json::json!({
        "@context": context,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": { "eventList": events }
            }
        }
    })
}

#[cfg(test)]
mod tests;
