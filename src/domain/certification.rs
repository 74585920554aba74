//! Certifications (VietGAP, HACCP, organic…) held by a producer or a product.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::text;
use super::time::check_day;
use super::validation::{FieldError, Violations};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertScheme {
    Vietgap,
    Globalgap,
    Haccp,
    Organic,
    Fsc,
    Iso22000,
    Other,
}

impl CertScheme {
    pub const ALL: [Self; 7] = [
        Self::Vietgap,
        Self::Globalgap,
        Self::Haccp,
        Self::Organic,
        Self::Fsc,
        Self::Iso22000,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vietgap => "vietgap",
            Self::Globalgap => "globalgap",
            Self::Haccp => "haccp",
            Self::Organic => "organic",
            Self::Fsc => "fsc",
            Self::Iso22000 => "iso22000",
            Self::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// How the scheme is written on a certificate.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Vietgap => "VietGAP",
            Self::Globalgap => "GlobalG.A.P.",
            Self::Haccp => "HACCP",
            Self::Organic => "Hữu cơ / Organic",
            Self::Fsc => "FSC",
            Self::Iso22000 => "ISO 22000",
            Self::Other => "Khác / Other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertStatus {
    NotYetValid,
    Valid,
    Expired,
}

pub fn cert_status(valid_from: NaiveDate, valid_until: NaiveDate, today: NaiveDate) -> CertStatus {
    if today < valid_from {
        CertStatus::NotYetValid
    } else if today > valid_until {
        CertStatus::Expired
    } else {
        CertStatus::Valid
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationDraft {
    /// The certified product; leave out for a certification of the producer.
    #[serde(default)]
    pub product_id: Option<Uuid>,
    /// The certified producer. A producer leaves it out (itself); the
    /// authority names it unless `product_id` says it.
    #[serde(default)]
    pub producer_id: Option<Uuid>,
    pub scheme: CertScheme,
    /// Name of the scheme when `scheme` is `other`.
    #[serde(default)]
    pub scheme_name: Option<String>,
    #[schema(example = "VietGAP-TT-12-34-0056")]
    pub number: String,
    #[schema(example = "Trung tâm Chứng nhận Phù hợp (QUACERT)")]
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCertification {
    pub scheme: CertScheme,
    pub scheme_name: Option<String>,
    pub number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

pub fn parse_certification(d: &CertificationDraft) -> Result<NewCertification, Vec<FieldError>> {
    let mut v = Violations::new();
    let scheme_name = v
        .check(text::optional("scheme_name", d.scheme_name.as_deref(), 100))
        .flatten();
    if d.scheme == CertScheme::Other && scheme_name.is_none() {
        v.add("scheme_name", "is required when scheme is 'other'");
    }
    let number = v.check(text::required("number", &d.number, 100));
    let issuer = v.check(text::required("issuer", &d.issuer, 200));
    v.check(check_day("valid_from", d.valid_from));
    v.check(check_day("valid_until", d.valid_until));
    if d.valid_until <= d.valid_from {
        v.add("valid_until", "must be after valid_from");
    }
    match (number, issuer) {
        (Some(number), Some(issuer)) if v.is_empty() => Ok(NewCertification {
            scheme: d.scheme,
            scheme_name,
            number,
            issuer,
            valid_from: d.valid_from,
            valid_until: d.valid_until,
        }),
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
    fn other_needs_a_name_and_dates_in_order() {
        let d = CertificationDraft {
            product_id: None,
            producer_id: None,
            scheme: CertScheme::Other,
            scheme_name: None,
            number: "X-1".into(),
            issuer: "QUACERT".into(),
            valid_from: date(2026, 1, 1),
            valid_until: date(2025, 1, 1),
        };
        let fields: Vec<_> = parse_certification(&d)
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["scheme_name", "valid_until"]);
    }

    #[test]
    fn status() {
        let (from, until) = (date(2025, 1, 1), date(2027, 1, 1));
        assert_eq!(
            cert_status(from, until, date(2024, 12, 31)),
            CertStatus::NotYetValid
        );
        assert_eq!(
            cert_status(from, until, date(2026, 11, 23)),
            CertStatus::Valid
        );
        assert_eq!(
            cert_status(from, until, date(2027, 1, 2)),
            CertStatus::Expired
        );
    }
}
