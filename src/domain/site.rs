//! Farming areas (growing-area codes) and packing facilities: registered by the
//! authority, used by producers' batches. Both have the same shape and rules.

use chrono::NaiveDate;

use super::time::check_day;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::gs1::Gln;
use super::organization::PLACE_MAX;
use super::text;
use super::validation::{FieldError, Violations};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    FarmingArea,
    PackingFacility,
}

impl SiteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FarmingArea => "farming_area",
            Self::PackingFacility => "packing_facility",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "farming_area" => Some(Self::FarmingArea),
            "packing_facility" => Some(Self::PackingFacility),
            _ => None,
        }
    }

    /// Words for messages and 404s.
    pub fn noun(self) -> &'static str {
        match self {
            Self::FarmingArea => "farming area",
            Self::PackingFacility => "packing facility",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SiteStatus {
    Active,
    Suspended,
    Revoked,
}

impl SiteStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            "revoked" => Some(Self::Revoked),
            _ => None,
        }
    }
}

/// Can a site go from `from` to `to`? Revocation is final.
pub fn check_status_change(from: SiteStatus, to: SiteStatus) -> Result<(), FieldError> {
    match (from, to) {
        (a, b) if a == b => Err(FieldError::new(
            "status",
            format!("is already {}", a.as_str()),
        )),
        (SiteStatus::Revoked, _) => Err(FieldError::new(
            "status",
            "a revoked code is final; issue a new code instead",
        )),
        _ => Ok(()),
    }
}

/// Codes differ by target market (`VN-HBOR-0012`, `PB.33.01.01.001`), so no
/// single pattern is forced: trimmed, upper-cased, letters, digits and `.-_/`.
/// The contract's pattern of what [`parse_site_code`] accepts.
pub const SITE_CODE_PATTERN: &str = r"^[\t\n\f\r ]*[A-Za-z0-9._/-]{1,40}[\t\n\f\r ]*$";

pub fn parse_site_code(field: &str, raw: &str) -> Result<String, FieldError> {
    // Checked before upper-casing: Unicode's upper case turns "ß" into "SS".
    let code = raw.trim_matches(|c: char| c.is_ascii_whitespace());
    if code.is_empty() || code.len() > 40 {
        return Err(FieldError::new(field, "must be 1 to 40 characters"));
    }
    if let Some(bad) = code
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/')))
    {
        return Err(FieldError::new(
            field,
            format!("character {bad:?} is not allowed (letters, digits and . - _ /)"),
        ));
    }
    Ok(code.to_ascii_uppercase())
}

/// Every ISO 3166-1 alpha-2 code (and EU) with its Vietnamese and English
/// name, from the Unicode CLDR (`scripts/countries` regenerates it).
const COUNTRIES: &str = include_str!("../../assets/countries.tsv");

/// The Vietnamese and English names of a market code (`CN`, `EU`), or
/// `None` for a code that is not a country.
pub fn country_names(code: &str) -> Option<(&'static str, &'static str)> {
    // Read once: every scan page names its farming area's market.
    static BY_CODE: std::sync::LazyLock<
        std::collections::HashMap<&'static str, (&'static str, &'static str)>,
    > = std::sync::LazyLock::new(|| {
        COUNTRIES
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let mut fields = line.split('\t');
                Some((fields.next()?, (fields.next()?, fields.next()?)))
            })
            .collect()
    });
    BY_CODE.get(code).copied()
}

/// Every market code but `domestic`: `EU` and the countries, as stored.
pub fn market_codes() -> impl Iterator<Item = &'static str> {
    COUNTRIES
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split('\t').next())
}

/// `domestic`, `EU`, or an ISO 3166-1 alpha-2 country code.
pub fn parse_market(field: &str, raw: &str) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.eq_ignore_ascii_case("domestic") {
        return Ok("domestic".into());
    }
    let upper = value.to_ascii_uppercase();
    if upper.len() == 2 && country_names(&upper).is_some() {
        return Ok(upper);
    }
    Err(FieldError::new(
        field,
        "must be 'domestic', 'EU' or an ISO 3166 country code such as CN, JP, US",
    ))
}

/// What a farming area farms: crops are grown there (a "vùng trồng");
/// livestock, bees and fish are raised (a "vùng nuôi").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Farming {
    Crops,
    Livestock,
    Bees,
    Aquaculture,
}

impl Farming {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Crops => "crops",
            Self::Livestock => "livestock",
            Self::Bees => "bees",
            Self::Aquaculture => "aquaculture",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Crops, Self::Livestock, Self::Bees, Self::Aquaculture]
            .into_iter()
            .find(|f| f.as_str() == s)
    }

    /// Are things raised here (animals, bees, fish) rather than grown?
    pub fn raises_animals(self) -> bool {
        self != Self::Crops
    }
}

/// What the authority sends to register a farming area or packing facility.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteDraft {
    /// The code as issued, e.g. `VN-HBOR-0012` or `PB.33.01.01.001`.
    #[schema(example = "VN-HBOR-0012")]
    pub code: String,
    #[schema(example = "Vùng trồng cam Cao Phong – đội 3")]
    pub name: String,
    #[schema(example = "Hòa Bình")]
    pub province: String,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub commune: Option<String>,
    /// Farming areas: what grows or is raised there.
    #[serde(default)]
    #[schema(example = "Cam Canh")]
    pub crop: Option<String>,
    /// Farming areas: `crops` (default), `livestock`, `bees` or
    /// `aquaculture`; the consumer's page calls a place that raises animals
    /// a "vùng nuôi".
    #[serde(default)]
    pub farming: Option<Farming>,
    /// Farming areas: surface in hectares.
    #[serde(default)]
    #[schema(example = 12.5)]
    pub area_ha: Option<f64>,
    /// `domestic` (default), `EU` or an ISO 3166 country code.
    #[serde(default)]
    pub target_market: Option<String>,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// Its GS1 Global Location Number, if it has one: the site's public page
    /// then resolves at `/414/{gln}`.
    #[serde(default)]
    #[schema(example = "8934563000011")]
    pub gln: Option<String>,
}

/// Changes to a site's description; the code itself never changes.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SitePatch {
    pub name: Option<String>,
    pub district: Option<String>,
    pub commune: Option<String>,
    pub crop: Option<String>,
    pub farming: Option<Farming>,
    pub area_ha: Option<f64>,
    pub target_market: Option<String>,
    pub valid_until: Option<NaiveDate>,
    /// A GLN given or corrected (13 digits with check digit).
    pub gln: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SiteFields {
    pub name: String,
    pub province: String,
    pub district: Option<String>,
    pub commune: Option<String>,
    pub crop: Option<String>,
    /// What a farming area farms; `None` for a packing facility.
    pub farming: Option<Farming>,
    pub area_ha: Option<f64>,
    pub target_market: String,
    pub valid_until: Option<NaiveDate>,
    pub gln: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewSite {
    pub kind: SiteKind,
    pub code: String,
    pub fields: SiteFields,
}

fn check_area(v: &mut Violations, kind: SiteKind, area: Option<f64>) {
    match area {
        Some(_) if kind == SiteKind::PackingFacility => {
            v.add("area_ha", "is only for farming areas");
        }
        Some(a) if !a.is_finite() || a <= 0.0 || a > 1_000_000.0 => {
            v.add("area_ha", "must be a positive number of hectares");
        }
        _ => {}
    }
}

fn check_crop(v: &mut Violations, kind: SiteKind, crop: Option<&str>) -> Option<String> {
    if kind == SiteKind::PackingFacility && crop.is_some_and(|c| !c.trim().is_empty()) {
        v.add("crop", "is only for farming areas");
        return None;
    }
    v.check(text::optional("crop", crop, PLACE_MAX)).flatten()
}

/// A farming area farms crops unless told otherwise; a packing facility
/// farms nothing.
fn check_farming(v: &mut Violations, kind: SiteKind, farming: Option<Farming>) -> Option<Farming> {
    match (kind, farming) {
        (SiteKind::PackingFacility, Some(_)) => {
            v.add("farming", "is only for farming areas");
            None
        }
        (SiteKind::PackingFacility, None) => None,
        (SiteKind::FarmingArea, farming) => Some(farming.unwrap_or(Farming::Crops)),
    }
}

pub fn parse_new_site(
    kind: SiteKind,
    d: &SiteDraft,
    today: NaiveDate,
) -> Result<NewSite, Vec<FieldError>> {
    let mut v = Violations::new();
    let code = v.check(parse_site_code("code", &d.code));
    let name = v.check(text::required("name", &d.name, 200));
    let province = v.check(text::required("province", &d.province, PLACE_MAX));
    let district = v
        .check(text::optional("district", d.district.as_deref(), PLACE_MAX))
        .flatten();
    let commune = v
        .check(text::optional("commune", d.commune.as_deref(), PLACE_MAX))
        .flatten();
    let crop = check_crop(&mut v, kind, d.crop.as_deref());
    let farming = check_farming(&mut v, kind, d.farming);
    check_area(&mut v, kind, d.area_ha);
    let target_market = match d.target_market.as_deref() {
        None => Some("domestic".to_owned()),
        Some(m) => v.check(parse_market("target_market", m)),
    };
    check_valid_until(&mut v, d.valid_until, today);
    let gln = d
        .gln
        .as_deref()
        .and_then(|g| v.check(Gln::parse("gln", g)))
        .map(Gln::into_string);
    match (code, name, province, target_market) {
        (Some(code), Some(name), Some(province), Some(target_market)) if v.is_empty() => {
            Ok(NewSite {
                kind,
                code,
                fields: SiteFields {
                    name,
                    province,
                    district,
                    commune,
                    crop,
                    farming,
                    area_ha: d.area_ha,
                    target_market,
                    valid_until: d.valid_until,
                    gln,
                },
            })
        }
        _ => Err(v.into_errors()),
    }
}

/// A registration's end: in the accepted range and not already past.
fn check_valid_until(v: &mut Violations, valid_until: Option<NaiveDate>, today: NaiveDate) {
    if let Some(until) = valid_until
        && v.check(check_day("valid_until", until)).is_some()
        && until < today
    {
        v.add("valid_until", "must not be in the past");
    }
}

/// Apply a patch to the current fields; every change is checked as on create.
pub fn apply_site_patch(
    kind: SiteKind,
    today: NaiveDate,
    current: &SiteFields,
    p: &SitePatch,
) -> Result<SiteFields, Vec<FieldError>> {
    let mut v = Violations::new();
    let mut next = current.clone();
    if let Some(name) = &p.name
        && let Some(n) = v.check(text::required("name", name, 200))
    {
        next.name = n;
    }
    if let Some(district) = &p.district {
        next.district = v
            .check(text::optional("district", Some(district), PLACE_MAX))
            .flatten();
    }
    if let Some(commune) = &p.commune {
        next.commune = v
            .check(text::optional("commune", Some(commune), PLACE_MAX))
            .flatten();
    }
    if p.crop.is_some() {
        next.crop = check_crop(&mut v, kind, p.crop.as_deref());
    }
    if p.farming.is_some() {
        next.farming = check_farming(&mut v, kind, p.farming);
    }
    if p.area_ha.is_some() {
        check_area(&mut v, kind, p.area_ha);
        next.area_ha = p.area_ha;
    }
    if let Some(m) = &p.target_market
        && let Some(m) = v.check(parse_market("target_market", m))
    {
        next.target_market = m;
    }
    if p.valid_until.is_some() {
        check_valid_until(&mut v, p.valid_until, today);
        next.valid_until = p.valid_until;
    }
    if let Some(g) = &p.gln
        && let Some(g) = v.check(Gln::parse("gln", g))
    {
        next.gln = Some(g.into_string());
    }
    if v.is_empty() {
        Ok(next)
    } else {
        Err(v.into_errors())
    }
}

/// May a batch or a code run use this site today?
pub fn site_usable(
    status: SiteStatus,
    valid_until: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), String> {
    match status {
        SiteStatus::Active if valid_until.is_some_and(|u| u < today) => {
            Err("its registration has expired".into())
        }
        SiteStatus::Active => Ok(()),
        other => Err(format!("it is {}", other.as_str())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    fn draft() -> SiteDraft {
        SiteDraft {
            code: " vn-hbor-0012 ".into(),
            name: "Vùng cam Cao Phong".into(),
            province: "Hòa Bình".into(),
            district: Some("Cao Phong".into()),
            commune: None,
            crop: Some("Cam".into()),
            farming: None,
            area_ha: Some(12.5),
            target_market: Some("cn".into()),
            valid_until: None,
            gln: Some("8934563000011".into()),
        }
    }

    #[test]
    fn codes_are_trimmed_and_upper_cased_in_any_format() {
        let site = parse_new_site(SiteKind::FarmingArea, &draft(), today()).expect("valid");
        assert_eq!(site.code, "VN-HBOR-0012");
        assert_eq!(site.fields.target_market, "CN");
        assert_eq!(site.fields.farming, Some(Farming::Crops));
        let facility = parse_new_site(
            SiteKind::PackingFacility,
            &SiteDraft {
                crop: None,
                area_ha: None,
                ..draft()
            },
            today(),
        )
        .expect("valid");
        assert_eq!(facility.fields.farming, None);
        assert_eq!(country_names("CN"), Some(("Trung Quốc", "China")));
        assert_eq!(country_names("EU").map(|n| n.1), Some("European Union"));
        assert_eq!(country_names("XX"), None);
        assert!(parse_market("m", "eu").is_ok() && parse_market("m", "xx").is_err());
        assert_eq!(
            parse_site_code("code", "PB.33.01.01.001").as_deref(),
            Ok("PB.33.01.01.001")
        );
        assert!(parse_site_code("code", "VN HB 1").is_err());
    }

    #[test]
    fn markets() {
        assert_eq!(parse_market("m", "Domestic").as_deref(), Ok("domestic"));
        assert_eq!(parse_market("m", "eu").as_deref(), Ok("EU"));
        assert!(parse_market("m", "XX").is_err());
        assert!(parse_market("m", "China").is_err());
    }

    #[test]
    fn packing_facilities_have_no_crop_or_area() {
        let errs =
            parse_new_site(SiteKind::PackingFacility, &draft(), today()).expect_err("invalid");
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["crop", "area_ha"]);
    }

    #[test]
    fn status_changes() {
        assert!(check_status_change(SiteStatus::Active, SiteStatus::Suspended).is_ok());
        assert!(check_status_change(SiteStatus::Suspended, SiteStatus::Active).is_ok());
        assert!(check_status_change(SiteStatus::Revoked, SiteStatus::Active).is_err());
        assert!(check_status_change(SiteStatus::Active, SiteStatus::Active).is_err());
    }

    #[test]
    fn usable_only_when_active_and_current() {
        assert!(site_usable(SiteStatus::Active, None, today()).is_ok());
        assert!(site_usable(SiteStatus::Suspended, None, today()).is_err());
        assert!(
            site_usable(
                SiteStatus::Active,
                NaiveDate::from_ymd_opt(2026, 1, 1),
                today()
            )
            .is_err()
        );
    }
}
