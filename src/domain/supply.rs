//! Supply-chain events, shaped as EPCIS 2.0 ObjectEvents: what (codes, a
//! whole batch or a code run), when, where, why (CBV 2.0 bizStep and
//! disposition). Which role may record which step, and the checks on a draft.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::code::TraceCode;
use super::organization::OrgKind;
use super::text::optional;
use super::validation::{FieldError, Violations};

/// Events in one request, and codes named one by one across them.
pub const MAX_EVENTS_PER_REQUEST: usize = 10_000;
pub const MAX_CODES_PER_REQUEST: usize = 50_000;
/// Clocks of handheld scanners drift; an event may be this far in the future.
const FUTURE_SLACK_MINUTES: i64 = 10;

/// CBV 2.0 business steps used in the OCOP supply chain (`recalling` is
/// recorded by the recall action itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BizStep {
    Commissioning,
    Packing,
    Shipping,
    Receiving,
    Storing,
    Stocking,
    RetailSelling,
    Inspecting,
    Holding,
    Destroying,
    Recalling,
}

impl BizStep {
    pub const ALL: [BizStep; 11] = [
        Self::Commissioning,
        Self::Packing,
        Self::Shipping,
        Self::Receiving,
        Self::Storing,
        Self::Stocking,
        Self::RetailSelling,
        Self::Inspecting,
        Self::Holding,
        Self::Destroying,
        Self::Recalling,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Commissioning => "commissioning",
            Self::Packing => "packing",
            Self::Shipping => "shipping",
            Self::Receiving => "receiving",
            Self::Storing => "storing",
            Self::Stocking => "stocking",
            Self::RetailSelling => "retail_selling",
            Self::Inspecting => "inspecting",
            Self::Holding => "holding",
            Self::Destroying => "destroying",
            Self::Recalling => "recalling",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// What the goods are after the step, when the recorder does not say.
    pub fn default_disposition(self) -> Disposition {
        match self {
            Self::Commissioning => Disposition::Active,
            Self::Packing | Self::Receiving => Disposition::InProgress,
            Self::Shipping => Disposition::InTransit,
            Self::Storing => Disposition::SellableNotAccessible,
            Self::Stocking => Disposition::SellableAccessible,
            Self::RetailSelling => Disposition::RetailSold,
            Self::Inspecting => Disposition::Conformant,
            Self::Holding => Disposition::NonSellableOther,
            Self::Destroying => Disposition::Destroyed,
            Self::Recalling => Disposition::Recalled,
        }
    }

    /// The steps a role may record through `POST /events`.
    pub fn allowed_for(self, role: OrgKind) -> bool {
        use BizStep::*;
        match role {
            OrgKind::Admin => self != Recalling,
            OrgKind::Producer => matches!(
                self,
                Commissioning
                    | Packing
                    | Shipping
                    | Receiving
                    | Storing
                    | Inspecting
                    | Holding
                    | Destroying
            ),
            OrgKind::Retailer => matches!(
                self,
                Receiving
                    | Storing
                    | Stocking
                    | RetailSelling
                    | Shipping
                    | Inspecting
                    | Holding
                    | Destroying
            ),
            OrgKind::Authority => matches!(self, Inspecting | Holding | Destroying),
        }
    }

    /// May this role record the step for a whole batch or run at once? A shop
    /// sells or destroys the packages in its hands, one code each: a batch-wide
    /// sale or destruction by a retailer would relabel packages it never held.
    pub fn may_name_whole_lots(self, role: OrgKind) -> bool {
        !(role == OrgKind::Retailer && matches!(self, Self::RetailSelling | Self::Destroying))
    }
}

/// CBV 2.0 dispositions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Active,
    Inactive,
    InProgress,
    InTransit,
    SellableAccessible,
    SellableNotAccessible,
    NonSellableOther,
    RetailSold,
    Recalled,
    Destroyed,
    Damaged,
    Expired,
    Conformant,
    NonConformant,
    Returned,
}

impl Disposition {
    pub const ALL: [Disposition; 15] = [
        Self::Active,
        Self::Inactive,
        Self::InProgress,
        Self::InTransit,
        Self::SellableAccessible,
        Self::SellableNotAccessible,
        Self::NonSellableOther,
        Self::RetailSold,
        Self::Recalled,
        Self::Destroyed,
        Self::Damaged,
        Self::Expired,
        Self::Conformant,
        Self::NonConformant,
        Self::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::InProgress => "in_progress",
            Self::InTransit => "in_transit",
            Self::SellableAccessible => "sellable_accessible",
            Self::SellableNotAccessible => "sellable_not_accessible",
            Self::NonSellableOther => "non_sellable_other",
            Self::RetailSold => "retail_sold",
            Self::Recalled => "recalled",
            Self::Destroyed => "destroyed",
            Self::Damaged => "damaged",
            Self::Expired => "expired",
            Self::Conformant => "conformant",
            Self::NonConformant => "non_conformant",
            Self::Returned => "returned",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == value)
    }
}

/// Where an event happened, besides the recording organization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventLocation {
    /// The shop, warehouse or packing house, e.g. `WinMart Hòa Bình`.
    pub name: Option<String>,
    pub province: Option<String>,
    /// Coordinates of the place; a sale with coordinates lets the clone
    /// rules spot the same code scanned far away afterwards.
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pub longitude: Option<f64>,
}

/// One supply-chain event as a client sends it. Name exactly one of
/// `codes`, `batch_id`, `code_run_id`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventDraft {
    pub biz_step: BizStep,
    /// Defaults from the step (shipping → in_transit, retail_selling → retail_sold…).
    pub disposition: Option<Disposition>,
    /// When it happened, with its offset, e.g. `2026-11-20T08:30:00+07:00`.
    #[schema(value_type = String, format = DateTime)]
    pub event_time: DateTime<FixedOffset>,
    /// Trace codes, one per package (any case, hyphens allowed).
    pub codes: Option<Vec<String>>,
    /// A whole batch (every code of it).
    pub batch_id: Option<Uuid>,
    /// A whole code run.
    pub code_run_id: Option<Uuid>,
    pub location: Option<EventLocation>,
    /// Shipping: the organization the goods go to.
    pub destination_org_id: Option<Uuid>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsRequest {
    /// 1 to 10,000 events, recorded all together or not at all.
    #[schema(min_items = 1, max_items = 10000)]
    pub events: Vec<EventDraft>,
}

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventWhat {
    Codes(Vec<TraceCode>),
    Batch(Uuid),
    Run(Uuid),
}

/// A draft that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEvent {
    pub biz_step: BizStep,
    pub disposition: Disposition,
    /// UTC.
    pub event_time: NaiveDateTime,
    pub what: EventWhat,
    pub location: EventLocation,
    pub destination_org_id: Option<Uuid>,
    pub note: Option<String>,
}

/// Check a request's events for a role at `now`; every violation is
/// reported with its path (`events[3].codes[7]`).
pub fn parse_events(
    role: OrgKind,
    request: &EventsRequest,
    now: DateTime<Utc>,
) -> Result<Vec<ParsedEvent>, Vec<FieldError>> {
    let mut v = Violations::new();
    if request.events.is_empty() || request.events.len() > MAX_EVENTS_PER_REQUEST {
        v.add(
            "events",
            format!("send 1 to {MAX_EVENTS_PER_REQUEST} events"),
        );
        return Err(v.into_errors());
    }
    let total_codes: usize = request
        .events
        .iter()
        .map(|e| e.codes.as_ref().map_or(0, Vec::len))
        .sum();
    if total_codes > MAX_CODES_PER_REQUEST {
        v.add(
            "events",
            format!(
                "{total_codes} codes named one by one; at most {MAX_CODES_PER_REQUEST} per request (name a whole batch or code run instead)"
            ),
        );
        return Err(v.into_errors());
    }
    let mut parsed = Vec::with_capacity(request.events.len());
    for (i, draft) in request.events.iter().enumerate() {
        if let Some(event) = parse_event(role, draft, now, &format!("events[{i}]"), &mut v) {
            parsed.push(event);
        }
    }
    if v.is_empty() {
        Ok(parsed)
    } else {
        Err(v.into_errors())
    }
}

fn parse_event(
    role: OrgKind,
    d: &EventDraft,
    now: DateTime<Utc>,
    at: &str,
    v: &mut Violations,
) -> Option<ParsedEvent> {
    let errors_before = v.len();
    if d.biz_step == BizStep::Recalling {
        v.add(
            format!("{at}.biz_step"),
            "a recall is recorded by POST /api/v1/batches/{id}/recall",
        );
    } else if !d.biz_step.allowed_for(role) {
        v.add(
            format!("{at}.biz_step"),
            format!(
                "the {} role may not record {}",
                role.as_str(),
                d.biz_step.as_str()
            ),
        );
    }
    let event_time = d.event_time.with_timezone(&Utc);
    if event_time > now + Duration::minutes(FUTURE_SLACK_MINUTES) {
        v.add(format!("{at}.event_time"), "must not be in the future");
    }
    if event_time.date_naive() < chrono::NaiveDate::from_ymd_opt(2000, 1, 1)? {
        v.add(format!("{at}.event_time"), "must be after 2000-01-01");
    }
    let what = match (&d.codes, d.batch_id, d.code_run_id) {
        (Some(codes), None, None) => parse_codes(codes, &format!("{at}.codes"), v),
        (None, Some(batch), None) => Some(EventWhat::Batch(batch)),
        (None, None, Some(run)) => Some(EventWhat::Run(run)),
        _ => {
            v.add(
                format!("{at}.codes"),
                "name exactly one of codes, batch_id, code_run_id",
            );
            None
        }
    };
    if let Some(what @ (EventWhat::Batch(_) | EventWhat::Run(_))) = &what
        && !d.biz_step.may_name_whole_lots(role)
    {
        let field = match what {
            EventWhat::Run(_) => "code_run_id",
            _ => "batch_id",
        };
        v.add(
            format!("{at}.{field}"),
            format!(
                "a {} records {} per package: name the codes",
                role.as_str(),
                d.biz_step.as_str()
            ),
        );
    }
    let location = d.location.clone().unwrap_or_default();
    let location = EventLocation {
        name: v
            .check(optional(
                &format!("{at}.location.name"),
                location.name.as_deref(),
                200,
            ))
            .flatten(),
        province: v
            .check(optional(
                &format!("{at}.location.province"),
                location.province.as_deref(),
                100,
            ))
            .flatten(),
        ..location
    };
    match (location.latitude, location.longitude) {
        (None, None) => {}
        (Some(lat), Some(lon))
            if lat.is_finite()
                && lon.is_finite()
                && (-90.0..=90.0).contains(&lat)
                && (-180.0..=180.0).contains(&lon) => {}
        (Some(_), Some(_)) => v.add(
            format!("{at}.location.latitude"),
            "latitude must be -90..90 and longitude -180..180",
        ),
        _ => v.add(
            format!("{at}.location.latitude"),
            "give both latitude and longitude, or neither",
        ),
    }
    if d.destination_org_id.is_some() && d.biz_step != BizStep::Shipping {
        v.add(
            format!("{at}.destination_org_id"),
            "only a shipping event has a destination",
        );
    }
    let note = v
        .check(optional(&format!("{at}.note"), d.note.as_deref(), 500))
        .flatten();
    if v.len() > errors_before {
        return None;
    }
    Some(ParsedEvent {
        biz_step: d.biz_step,
        disposition: d
            .disposition
            .unwrap_or_else(|| d.biz_step.default_disposition()),
        event_time: event_time.naive_utc(),
        what: what?,
        location,
        destination_org_id: d.destination_org_id,
        note,
    })
}

fn parse_codes(codes: &[String], at: &str, v: &mut Violations) -> Option<EventWhat> {
    if codes.is_empty() {
        v.add(at, "name at least one code");
        return None;
    }
    let mut parsed = Vec::with_capacity(codes.len());
    let mut bad = false;
    for (j, raw) in codes.iter().enumerate() {
        match TraceCode::parse(raw) {
            Ok(code) => parsed.push(code),
            Err(e) => {
                bad = true;
                v.add(format!("{at}[{j}]"), format!("not a trace code: {e}"));
            }
        }
    }
    parsed.sort_unstable();
    parsed.dedup();
    (!bad).then_some(EventWhat::Codes(parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(step: BizStep) -> EventDraft {
        EventDraft {
            biz_step: step,
            disposition: None,
            event_time: DateTime::parse_from_rfc3339("2026-11-20T08:30:00+07:00").expect("time"),
            codes: Some(vec![TraceCode::random().to_string()]),
            batch_id: None,
            code_run_id: None,
            location: None,
            destination_org_id: None,
            note: None,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z")
            .expect("time")
            .with_timezone(&Utc)
    }

    fn one(role: OrgKind, d: EventDraft) -> Result<Vec<ParsedEvent>, Vec<FieldError>> {
        parse_events(role, &EventsRequest { events: vec![d] }, now())
    }

    #[test]
    fn roles_record_their_own_steps() {
        assert!(one(OrgKind::Retailer, draft(BizStep::RetailSelling)).is_ok());
        assert!(one(OrgKind::Producer, draft(BizStep::Shipping)).is_ok());
        let err = one(OrgKind::Producer, draft(BizStep::RetailSelling)).expect_err("producer");
        assert_eq!(err[0].field, "events[0].biz_step");
        assert_eq!(
            err[0].reason,
            "the producer role may not record retail_selling"
        );
        assert!(one(OrgKind::Retailer, draft(BizStep::Commissioning)).is_err());
        for step in [BizStep::RetailSelling, BizStep::Destroying] {
            let mut whole = draft(step);
            whole.codes = None;
            whole.batch_id = Some(Uuid::nil());
            let err = one(OrgKind::Retailer, whole.clone()).expect_err("per package");
            assert_eq!(err[0].field, "events[0].batch_id");
            assert!(
                one(
                    OrgKind::Producer,
                    EventDraft {
                        biz_step: BizStep::Destroying,
                        ..whole
                    }
                )
                .is_ok()
            );
        }
        assert!(one(OrgKind::Authority, draft(BizStep::Inspecting)).is_ok());
        assert!(one(OrgKind::Admin, draft(BizStep::Recalling)).is_err());
    }

    #[test]
    fn time_is_utc_and_not_in_the_future() {
        let ok = one(OrgKind::Retailer, draft(BizStep::Receiving)).expect("ok");
        assert_eq!(ok[0].event_time.to_string(), "2026-11-20 01:30:00");
        assert_eq!(ok[0].disposition, Disposition::InProgress);
        let mut late = draft(BizStep::Receiving);
        late.event_time = DateTime::parse_from_rfc3339("2026-11-24T08:30:00+07:00").expect("t");
        assert_eq!(
            one(OrgKind::Retailer, late).expect_err("future")[0].field,
            "events[0].event_time"
        );
    }

    #[test]
    fn exactly_one_what_and_codes_are_checked() {
        let mut both = draft(BizStep::Receiving);
        both.batch_id = Some(Uuid::nil());
        assert!(one(OrgKind::Retailer, both).is_err());
        let mut bad = draft(BizStep::Receiving);
        bad.codes = Some(vec!["ABC".into(), TraceCode::random().to_string()]);
        let err = one(OrgKind::Retailer, bad).expect_err("bad code");
        assert_eq!(err[0].field, "events[0].codes[0]");
        let mut dup = draft(BizStep::Receiving);
        let code = TraceCode::random();
        dup.codes = Some(vec![code.to_string(), code.grouped().to_lowercase()]);
        let ok = one(OrgKind::Retailer, dup).expect("dup");
        assert_eq!(ok[0].what, EventWhat::Codes(vec![code]));
    }

    #[test]
    fn locations_need_both_coordinates_in_range() {
        let mut half = draft(BizStep::RetailSelling);
        half.location = Some(EventLocation {
            latitude: Some(20.8),
            ..Default::default()
        });
        assert!(one(OrgKind::Retailer, half).is_err());
        let mut far = draft(BizStep::RetailSelling);
        far.location = Some(EventLocation {
            latitude: Some(120.0),
            longitude: Some(105.0),
            ..Default::default()
        });
        assert!(one(OrgKind::Retailer, far).is_err());
    }

    #[test]
    fn request_limits() {
        let empty = EventsRequest { events: vec![] };
        assert!(parse_events(OrgKind::Retailer, &empty, now()).is_err());
        let mut big = draft(BizStep::Receiving);
        big.codes = Some(vec!["x".into(); MAX_CODES_PER_REQUEST + 1]);
        let err = one(OrgKind::Retailer, big).expect_err("too many");
        assert_eq!(err[0].field, "events");
    }
}
