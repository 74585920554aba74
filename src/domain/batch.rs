//! Batches (lots): what one production run of a product is, and where from.

use chrono::NaiveDate;

use super::time::check_day;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::gs1::LotNumber;
use super::site::parse_site_code;
use super::text;
use super::validation::{FieldError, Violations};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Active,
    Recalled,
    Closed,
}

impl BatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Recalled => "recalled",
            Self::Closed => "closed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(Self::Active),
            "recalled" => Some(Self::Recalled),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

pub const MAX_FARMING_AREAS: usize = 20;

/// What a producer sends to register a batch.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchDraft {
    pub product_id: Uuid,
    /// GS1 AI 10: 1–20 characters of the GS1 character set 82; unique per product.
    #[schema(example = "CP2611-A")]
    pub lot: String,
    /// Codes of the farming areas the batch comes from (active, linked to you).
    #[schema(example = json!(["VN-HBOR-0012"]))]
    pub farming_area_codes: Vec<String>,
    /// Code of the packing facility (active, linked to you).
    #[serde(default)]
    pub packing_facility_code: Option<String>,
    #[serde(default)]
    pub harvest_date: Option<NaiveDate>,
    #[serde(default)]
    pub production_date: Option<NaiveDate>,
    #[serde(default)]
    pub best_before: Option<NaiveDate>,
    #[schema(example = 500.0)]
    pub quantity: f64,
    #[schema(example = "kg")]
    pub unit: String,
}

/// Corrections to a batch's dates and quantity; the lot, product and areas
/// are printed on labels and never change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchPatch {
    pub harvest_date: Option<NaiveDate>,
    pub production_date: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BatchDates {
    pub harvest_date: Option<NaiveDate>,
    pub production_date: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewBatch {
    pub product_id: Uuid,
    pub lot: LotNumber,
    pub farming_area_codes: Vec<String>,
    pub packing_facility_code: Option<String>,
    pub dates: BatchDates,
    pub quantity: f64,
    pub unit: String,
}

/// Is the batch past its best-before day? Good through the whole of that
/// day (Vietnam time), past it from the next.
pub fn past_best_before(best_before: Option<NaiveDate>, today: NaiveDate) -> bool {
    best_before.is_some_and(|b| b < today)
}

/// Harvest ≤ production ≤ best-before; nothing harvested or made in the future.
pub fn check_dates(v: &mut Violations, d: &BatchDates, today: NaiveDate) {
    for (field, day) in [
        ("harvest_date", d.harvest_date),
        ("production_date", d.production_date),
        ("best_before", d.best_before),
    ] {
        if let Some(day) = day {
            v.check(check_day(field, day));
        }
    }
    if d.harvest_date.is_some_and(|h| h > today) {
        v.add("harvest_date", "must not be in the future");
    }
    if d.production_date.is_some_and(|p| p > today) {
        v.add("production_date", "must not be in the future");
    }
    if let (Some(h), Some(p)) = (d.harvest_date, d.production_date)
        && p < h
    {
        v.add("production_date", "must not be before harvest_date");
    }
    let made = d.production_date.or(d.harvest_date);
    if let (Some(m), Some(b)) = (made, d.best_before)
        && b <= m
    {
        v.add(
            "best_before",
            "must be after the production (or harvest) date",
        );
    }
}

fn check_quantity(v: &mut Violations, quantity: f64) {
    if !quantity.is_finite() || quantity <= 0.0 || quantity > 1e12 {
        v.add("quantity", "must be a positive number");
    }
}

pub fn parse_new_batch(d: &BatchDraft, today: NaiveDate) -> Result<NewBatch, Vec<FieldError>> {
    let mut v = Violations::new();
    let lot = v.check(LotNumber::parse("lot", &d.lot));
    if d.farming_area_codes.is_empty() || d.farming_area_codes.len() > MAX_FARMING_AREAS {
        v.add("farming_area_codes", "must list 1 to 20 farming area codes");
    }
    let mut codes: Vec<String> = Vec::with_capacity(d.farming_area_codes.len());
    for (i, raw) in d.farming_area_codes.iter().enumerate() {
        if let Some(code) = v.check(parse_site_code(&format!("farming_area_codes[{i}]"), raw)) {
            if codes.contains(&code) {
                v.add(format!("farming_area_codes[{i}]"), "is listed twice");
            } else {
                codes.push(code);
            }
        }
    }
    let packing_facility_code = match d.packing_facility_code.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => v.check(parse_site_code("packing_facility_code", c)),
    };
    let dates = BatchDates {
        harvest_date: d.harvest_date,
        production_date: d.production_date,
        best_before: d.best_before,
    };
    check_dates(&mut v, &dates, today);
    check_quantity(&mut v, d.quantity);
    let unit = v.check(text::required("unit", &d.unit, 30));
    match (lot, unit) {
        (Some(lot), Some(unit)) if v.is_empty() => Ok(NewBatch {
            product_id: d.product_id,
            lot,
            farming_area_codes: codes,
            packing_facility_code,
            dates,
            quantity: d.quantity,
            unit,
        }),
        _ => Err(v.into_errors()),
    }
}

/// The batch's dates, quantity and unit after a patch, checked as on create.
pub fn apply_batch_patch(
    dates: &BatchDates,
    quantity: f64,
    unit: &str,
    p: &BatchPatch,
    today: NaiveDate,
) -> Result<(BatchDates, f64, String), Vec<FieldError>> {
    let mut v = Violations::new();
    let next = BatchDates {
        harvest_date: p.harvest_date.or(dates.harvest_date),
        production_date: p.production_date.or(dates.production_date),
        best_before: p.best_before.or(dates.best_before),
    };
    check_dates(&mut v, &next, today);
    let quantity = p.quantity.unwrap_or(quantity);
    check_quantity(&mut v, quantity);
    let unit = match &p.unit {
        Some(u) => v.check(text::required("unit", u, 30)),
        None => Some(unit.to_owned()),
    };
    match unit {
        Some(unit) if v.is_empty() => Ok((next, quantity, unit)),
        _ => Err(v.into_errors()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn good_through_the_best_before_day() {
        let best = Some(date(2026, 11, 20));
        assert!(!past_best_before(best, date(2026, 11, 20)));
        assert!(past_best_before(best, date(2026, 11, 21)));
        assert!(!past_best_before(None, date(2099, 1, 1)));
    }

    fn draft() -> BatchDraft {
        BatchDraft {
            product_id: Uuid::nil(),
            lot: "CP2611-A".into(),
            farming_area_codes: vec!["vn-hbor-0012".into()],
            packing_facility_code: None,
            harvest_date: Some(date(2026, 11, 1)),
            production_date: Some(date(2026, 11, 3)),
            best_before: Some(date(2027, 5, 3)),
            quantity: 500.0,
            unit: "kg".into(),
        }
    }

    #[test]
    fn valid_batch() {
        let b = parse_new_batch(&draft(), date(2026, 11, 23)).expect("valid");
        assert_eq!(b.farming_area_codes, ["VN-HBOR-0012"]);
    }

    #[test]
    fn dates_must_be_in_order() {
        let mut d = draft();
        d.production_date = Some(date(2026, 10, 1));
        d.best_before = Some(date(2026, 9, 1));
        let fields: Vec<_> = parse_new_batch(&d, date(2026, 11, 23))
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["production_date", "best_before"]);
    }

    #[test]
    fn areas_required_unique_and_quantity_positive() {
        let mut d = draft();
        d.farming_area_codes = vec!["A-1".into(), "a-1".into()];
        d.quantity = 0.0;
        let fields: Vec<_> = parse_new_batch(&d, date(2026, 11, 23))
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["farming_area_codes[1]", "quantity"]);
        let mut d = draft();
        d.farming_area_codes.clear();
        assert!(parse_new_batch(&d, date(2026, 11, 23)).is_err());
    }
}
