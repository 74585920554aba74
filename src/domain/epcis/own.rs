//! Our own supply-chain events (shipping, receiving, selling, recall…) as
//! EPCIS 2.0 ObjectEvents, so one query returns them with the captured
//! ones. Our codes are named by their GS1 Digital Link when the product has
//! a GTIN, else by our scan URL.

use chrono::{FixedOffset, NaiveDateTime};
use serde_json::{Value, json};

use super::super::digital_link::percent_encode;

/// What an event is about, as EPCIS names it.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnWhat {
    /// Packages one by one (their identifiers).
    Items(Vec<String>),
    /// A quantity of a class (a lot): its URI and how many packages.
    Class { class: String, quantity: i64 },
}

/// One of our events, with what EPCIS needs of it.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnEvent {
    /// Our event's id (a UUID): its eventID is `urn:uuid:{id}`.
    pub id: String,
    /// Our bizStep and disposition (CBV names, but for `recalling`).
    pub biz_step: String,
    pub disposition: String,
    /// UTC.
    pub event_time: NaiveDateTime,
    pub record_time: NaiveDateTime,
    pub what: OwnWhat,
    /// The organization that recorded it, and where shipped goods go.
    pub recorder: String,
    pub destination: Option<String>,
}

/// A package's identifier: its Digital Link on our host when its product
/// has a GTIN, else its scan URL.
pub fn item_identifier(base: &str, gtin: Option<&str>, code: &str) -> String {
    match gtin {
        Some(gtin) => format!("{base}/01/{gtin}/21/{code}"),
        None => format!("{base}/c/{code}"),
    }
}

/// A lot's class: its Digital Link when the product has a GTIN, else the
/// batch's UUID.
pub fn lot_class(base: &str, gtin: Option<&str>, lot: &str, batch_id: &str) -> String {
    match gtin {
        Some(gtin) => format!("{base}/01/{gtin}/10/{}", percent_encode(lot)),
        None => format!("urn:uuid:{batch_id}"),
    }
}

/// Times are shown in Vietnam's offset, as our events are recorded there.
const VIETNAM: i32 = 7 * 3600;

/// The EPCIS ObjectEvent of one of our events. CBV has no `recalling`
/// step: a recall is `holding` with the disposition `recalled`.
pub fn object_event(event: &OwnEvent) -> Value {
    let utc = event.event_time.and_utc();
    let event_time = match FixedOffset::east_opt(VIETNAM) {
        Some(vietnam) => utc
            .with_timezone(&vietnam)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
        None => utc.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    };
    let (step, disposition) = match event.biz_step.as_str() {
        "recalling" => ("holding".to_owned(), "recalled".to_owned()),
        step => (step.to_owned(), event.disposition.clone()),
    };
    let mut out = json!({
        "type": "ObjectEvent",
        "eventID": format!("urn:uuid:{}", event.id),
        "eventTime": event_time,
        "eventTimeZoneOffset": "+07:00",
        "recordTime": event.record_time.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "action": if step == "commissioning" { "ADD" } else { "OBSERVE" },
        "bizStep": step,
        "disposition": disposition,
    });
    match &event.what {
        OwnWhat::Items(items) => out["epcList"] = json!(items),
        OwnWhat::Class { class, quantity } => {
            out["epcList"] = json!([]);
            out["quantityList"] = json!([{ "epcClass": class, "quantity": quantity }]);
        }
    }
    let party =
        |org: &str| json!({ "type": "possessing_party", "source": format!("urn:uuid:{org}") });
    if step == "shipping" {
        out["sourceList"] = json!([party(&event.recorder)]);
        if let Some(to) = &event.destination {
            out["destinationList"] =
                json!([{ "type": "possessing_party", "destination": format!("urn:uuid:{to}") }]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::epcis::check_document;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("time")
    }

    #[test]
    fn our_events_are_epcis_object_events() {
        let base = "https://ocop.example.vn";
        let shipped = OwnEvent {
            id: "0190f6c2-7b1e-7c00-8000-000000000001".into(),
            biz_step: "shipping".into(),
            disposition: "in_transit".into(),
            event_time: at("2026-11-20 00:00:00"),
            record_time: at("2026-11-20 00:05:00"),
            what: OwnWhat::Class {
                class: lot_class(base, Some("08936012340020"), "MOHT/26", "b"),
                quantity: 2500,
            },
            recorder: "0190f6c2-0000-7000-8000-00000000000a".into(),
            destination: Some("0190f6c2-0000-7000-8000-00000000000b".into()),
        };
        let recalled = OwnEvent {
            biz_step: "recalling".into(),
            disposition: "recalled".into(),
            what: OwnWhat::Items(vec![item_identifier(base, None, "ABCD")]),
            destination: None,
            ..shipped.clone()
        };
        let a = object_event(&shipped);
        assert_eq!(a["eventTime"], "2026-11-20T07:00:00.000+07:00");
        assert_eq!(
            a["quantityList"][0]["epcClass"],
            "https://ocop.example.vn/01/08936012340020/10/MOHT%2F26"
        );
        assert_eq!(
            a["destinationList"][0]["destination"],
            "urn:uuid:0190f6c2-0000-7000-8000-00000000000b"
        );
        let b = object_event(&recalled);
        assert_eq!(
            (b["bizStep"].as_str(), b["disposition"].as_str()),
            (Some("holding"), Some("recalled"))
        );
        assert_eq!(b["epcList"][0], "https://ocop.example.vn/c/ABCD");
        let doc = crate::domain::epcis::query_document(vec![a, b], Vec::new(), chrono::Utc::now());
        check_document(&doc).unwrap_or_else(|v| panic!("{v:?}"));
    }
}
