//! OCOP (Decision 148/QĐ-TTg, 2023): the six product groups and star ratings.

use chrono::{Months, NaiveDate};

use super::time::check_day;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::validation::{FieldError, Violations};

/// The six OCOP product groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OcopGroup {
    /// Thực phẩm.
    Food,
    /// Đồ uống.
    Beverages,
    /// Thảo dược (herbs and medicinal products).
    Herbs,
    /// Vải và may mặc.
    Textiles,
    /// Lưu niệm – nội thất – trang trí (handicrafts, souvenirs, decoration).
    Handicrafts,
    /// Dịch vụ du lịch cộng đồng, du lịch nông thôn và điểm du lịch.
    RuralTourism,
}

impl OcopGroup {
    pub const ALL: [Self; 6] = [
        Self::Food,
        Self::Beverages,
        Self::Herbs,
        Self::Textiles,
        Self::Handicrafts,
        Self::RuralTourism,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Food => "food",
            Self::Beverages => "beverages",
            Self::Herbs => "herbs",
            Self::Textiles => "textiles",
            Self::Handicrafts => "handicrafts",
            Self::RuralTourism => "rural_tourism",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == value)
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            Self::Food => "Thực phẩm",
            Self::Beverages => "Đồ uống",
            Self::Herbs => "Thảo dược",
            Self::Textiles => "Vải và may mặc",
            Self::Handicrafts => "Lưu niệm – nội thất – trang trí",
            Self::RuralTourism => "Dịch vụ du lịch cộng đồng và nông thôn",
        }
    }
}

/// Who awarded the stars: the provincial council (3–4★) or the national one (5★).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    Provincial,
    National,
}

impl RatingLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provincial => "provincial",
            Self::National => "national",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "provincial" => Some(Self::Provincial),
            "national" => Some(Self::National),
            _ => None,
        }
    }

    /// The level that awards this many stars.
    pub fn for_stars(stars: u8) -> Self {
        if stars >= 5 {
            Self::National
        } else {
            Self::Provincial
        }
    }
}

/// Whether a rating may be shown as stars today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingStatus {
    Valid,
    Expired,
}

/// Ratings are valid for 36 months unless the certificate says otherwise.
pub const DEFAULT_VALIDITY_MONTHS: u32 = 36;

/// What the authority sends to award stars.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingDraft {
    /// 3, 4 or 5.
    #[schema(minimum = 3, maximum = 5, example = 4)]
    pub stars: u8,
    /// Number of the certificate (Quyết định công nhận).
    #[schema(example = "1234/QĐ-UBND")]
    pub certificate_number: String,
    /// Defaults from the stars: provincial for 3–4★, national for 5★.
    #[serde(default)]
    pub level: Option<RatingLevel>,
    pub issued_on: NaiveDate,
    /// Defaults to 36 months after `issued_on`.
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRating {
    pub stars: u8,
    pub certificate_number: String,
    pub level: RatingLevel,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
}

pub fn parse_rating(draft: &RatingDraft, today: NaiveDate) -> Result<NewRating, Vec<FieldError>> {
    let mut v = Violations::new();
    if !(3..=5).contains(&draft.stars) {
        v.add("stars", "must be 3, 4 or 5");
    }
    let certificate_number = v.check(super::text::required(
        "certificate_number",
        &draft.certificate_number,
        100,
    ));
    let expected = RatingLevel::for_stars(draft.stars);
    let level = draft.level.unwrap_or(expected);
    if level != expected {
        v.add(
            "level",
            match level {
                RatingLevel::Provincial => {
                    "a provincial council awards 3 or 4 stars; 5 stars are national"
                }
                RatingLevel::National => {
                    "the national level awards 5 stars; 3–4 stars are provincial"
                }
            },
        );
    }
    v.check(check_day("issued_on", draft.issued_on));
    if let Some(expires_on) = draft.expires_on {
        v.check(check_day("expires_on", expires_on));
    }
    if draft.issued_on > today {
        v.add("issued_on", "must not be in the future");
    }
    let expires_on = draft.expires_on.unwrap_or_else(|| {
        draft
            .issued_on
            .checked_add_months(Months::new(DEFAULT_VALIDITY_MONTHS))
            .unwrap_or(draft.issued_on)
    });
    if expires_on <= draft.issued_on {
        v.add("expires_on", "must be after issued_on");
    }
    match certificate_number {
        Some(certificate_number) if v.is_empty() => Ok(NewRating {
            stars: draft.stars,
            certificate_number,
            level,
            issued_on: draft.issued_on,
            expires_on,
        }),
        _ => Err(v.into_errors()),
    }
}

/// Valid through the whole of its expiry day (Vietnam time), expired after.
pub fn rating_status(expires_on: NaiveDate, today: NaiveDate) -> RatingStatus {
    if today > expires_on {
        RatingStatus::Expired
    } else {
        RatingStatus::Valid
    }
}

/// Where a product's current rating stands, for the authority planning
/// re-evaluations: `expiring` is still valid but ends within the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingStanding {
    Current,
    Expiring,
    Expired,
}

/// The window `expiring` looks ahead by default, in days.
pub const DEFAULT_EXPIRING_WINDOW_DAYS: u32 = 90;
/// The longest window: a rating lasts 36 months.
pub const MAX_EXPIRING_WINDOW_DAYS: u32 = 1095;

/// Where a rating expiring on `expires_on` stands today with a window of
/// `days`.
pub fn standing(expires_on: NaiveDate, today: NaiveDate, days: u32) -> RatingStanding {
    if today > expires_on {
        RatingStanding::Expired
    } else if expires_on <= today + chrono::Days::new(u64::from(days)) {
        RatingStanding::Expiring
    } else {
        RatingStanding::Current
    }
}

/// The expiry days of the ratings that stand as `wanted` (all of them for
/// `None`), as an inclusive range whose open sides are `None`: what a
/// query selects by, agreeing with [`standing`].
pub fn expiry_days(
    wanted: Option<RatingStanding>,
    today: NaiveDate,
    days: u32,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let window_end = today + chrono::Days::new(u64::from(days));
    match wanted {
        None => (None, None),
        Some(RatingStanding::Expired) => (None, today.pred_opt()),
        Some(RatingStanding::Expiring) => (Some(today), Some(window_end)),
        Some(RatingStanding::Current) => (window_end.succ_opt(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn draft(stars: u8, level: Option<RatingLevel>) -> RatingDraft {
        RatingDraft {
            stars,
            certificate_number: "1234/QĐ-UBND".into(),
            level,
            issued_on: date("2025-03-01"),
            expires_on: None,
        }
    }

    #[test]
    fn a_ratings_standing_is_the_range_its_list_selects() {
        let today = date("2026-12-03");
        for offset in -400_i64..400 {
            let expires_on = today + chrono::Duration::days(offset);
            let found = standing(expires_on, today, 90);
            for wanted in [
                RatingStanding::Current,
                RatingStanding::Expiring,
                RatingStanding::Expired,
            ] {
                let (from, until) = expiry_days(Some(wanted), today, 90);
                let selected =
                    from.is_none_or(|f| expires_on >= f) && until.is_none_or(|u| expires_on <= u);
                assert_eq!(selected, found == wanted, "{expires_on} {wanted:?}");
            }
        }
        assert_eq!(standing(today, today, 90), RatingStanding::Expiring);
        assert_eq!(
            standing(date("2026-12-02"), today, 90),
            RatingStanding::Expired
        );
        assert_eq!(
            standing(date("2027-03-03"), today, 90),
            RatingStanding::Expiring
        );
        assert_eq!(
            standing(date("2027-03-04"), today, 90),
            RatingStanding::Current
        );
    }

    #[test]
    fn level_follows_stars_and_validity_defaults_to_36_months() {
        let r = parse_rating(&draft(5, None), date("2026-11-23")).expect("valid");
        assert_eq!(r.level, RatingLevel::National);
        assert_eq!(r.expires_on, date("2028-03-01"));
        let r = parse_rating(&draft(3, None), date("2026-11-23")).expect("valid");
        assert_eq!(r.level, RatingLevel::Provincial);
    }

    #[test]
    fn rejects_mismatched_level_and_bad_stars() {
        let errs = parse_rating(&draft(5, Some(RatingLevel::Provincial)), date("2026-11-23"))
            .expect_err("5 stars at provincial");
        assert_eq!(errs[0].field, "level");
        let errs = parse_rating(&draft(2, None), date("2026-11-23")).expect_err("2 stars");
        assert_eq!(errs[0].field, "stars");
        let errs = parse_rating(&draft(4, Some(RatingLevel::National)), date("2026-11-23"))
            .expect_err("4 stars national");
        assert_eq!(errs[0].field, "level");
    }

    #[test]
    fn future_issue_and_backwards_expiry_rejected() {
        let mut d = draft(4, None);
        d.issued_on = date("2027-01-01");
        assert_eq!(
            parse_rating(&d, date("2026-11-23")).expect_err("future")[0].field,
            "issued_on"
        );
        let mut d = draft(4, None);
        d.expires_on = Some(date("2024-01-01"));
        assert_eq!(
            parse_rating(&d, date("2026-11-23")).expect_err("backwards")[0].field,
            "expires_on"
        );
    }

    #[test]
    fn status_and_window() {
        let today = date("2026-11-23");
        assert_eq!(
            rating_status(date("2026-11-23"), today),
            RatingStatus::Valid
        );
        assert_eq!(
            rating_status(date("2026-11-22"), today),
            RatingStatus::Expired
        );
        assert_eq!(
            standing(date("2026-12-23"), today, 30),
            RatingStanding::Expiring
        );
        assert_eq!(
            standing(date("2026-12-24"), today, 30),
            RatingStanding::Current
        );
        assert_eq!(
            standing(date("2026-11-22"), today, 30),
            RatingStanding::Expired
        );
    }
}
