//! Products: what a producer makes, in Vietnamese first.

use serde::Deserialize;
use utoipa::ToSchema;

use super::gs1::Gtin;
use super::ocop::OcopGroup;
use super::text;
use super::validation::{FieldError, Violations};

pub const NAME_MAX: usize = 200;
pub const STORY_MAX: usize = 5000;

/// What a producer sends to register a product.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductDraft {
    #[schema(example = "Mật ong rừng Hưng Thi")]
    pub name_vi: String,
    #[serde(default)]
    #[schema(example = "Hung Thi forest honey")]
    pub name_en: Option<String>,
    pub group: OcopGroup,
    /// GTIN-8/12/13/14 with a correct check digit; stored as GTIN-14.
    #[serde(default)]
    #[schema(example = "8934563123451")]
    pub gtin: Option<String>,
    /// The product's story, shown on the scan page.
    #[serde(default)]
    pub description_vi: Option<String>,
    #[serde(default)]
    pub description_en: Option<String>,
    /// Sales unit, e.g. "chai 500 ml".
    #[serde(default)]
    #[schema(example = "chai 500 ml")]
    pub unit: Option<String>,
}

/// Changes to a product. A field left out stays; an empty string clears an
/// optional text (and the GTIN).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    pub name_vi: Option<String>,
    pub name_en: Option<String>,
    pub group: Option<OcopGroup>,
    pub gtin: Option<String>,
    pub description_vi: Option<String>,
    pub description_en: Option<String>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductFields {
    pub name_vi: String,
    pub name_en: Option<String>,
    pub group: OcopGroup,
    pub gtin: Option<Gtin>,
    pub description_vi: Option<String>,
    pub description_en: Option<String>,
    /// This service's address of the product's picture (uploaded, checked
    /// and re-encoded here), never another host's.
    pub image_url: Option<String>,
    pub unit: Option<String>,
}

fn optional_gtin(v: &mut Violations, raw: Option<&str>) -> Option<Gtin> {
    match raw.map(str::trim) {
        None | Some("") => None,
        Some(g) => v.check(Gtin::parse("gtin", g)),
    }
}

pub fn parse_new_product(d: &ProductDraft) -> Result<ProductFields, Vec<FieldError>> {
    let mut v = Violations::new();
    let name_vi = v.check(text::required("name_vi", &d.name_vi, NAME_MAX));
    let name_en = v
        .check(text::optional("name_en", d.name_en.as_deref(), NAME_MAX))
        .flatten();
    let gtin = optional_gtin(&mut v, d.gtin.as_deref());
    let description_vi = v
        .check(text::optional_multiline(
            "description_vi",
            d.description_vi.as_deref(),
            STORY_MAX,
        ))
        .flatten();
    let description_en = v
        .check(text::optional_multiline(
            "description_en",
            d.description_en.as_deref(),
            STORY_MAX,
        ))
        .flatten();
    let unit = v
        .check(text::optional("unit", d.unit.as_deref(), 50))
        .flatten();
    match name_vi {
        Some(name_vi) if v.is_empty() => Ok(ProductFields {
            name_vi,
            name_en,
            group: d.group,
            gtin,
            description_vi,
            description_en,
            image_url: None,
            unit,
        }),
        _ => Err(v.into_errors()),
    }
}

pub fn apply_product_patch(
    current: &ProductFields,
    p: &ProductPatch,
) -> Result<ProductFields, Vec<FieldError>> {
    let mut v = Violations::new();
    let mut next = current.clone();
    if let Some(name) = &p.name_vi
        && let Some(name) = v.check(text::required("name_vi", name, NAME_MAX))
    {
        next.name_vi = name;
    }
    if let Some(name) = &p.name_en {
        next.name_en = v
            .check(text::optional("name_en", Some(name), NAME_MAX))
            .flatten();
    }
    if let Some(group) = p.group {
        next.group = group;
    }
    if p.gtin.is_some() {
        next.gtin = optional_gtin(&mut v, p.gtin.as_deref());
    }
    if let Some(d) = &p.description_vi {
        next.description_vi = v
            .check(text::optional_multiline(
                "description_vi",
                Some(d),
                STORY_MAX,
            ))
            .flatten();
    }
    if let Some(d) = &p.description_en {
        next.description_en = v
            .check(text::optional_multiline(
                "description_en",
                Some(d),
                STORY_MAX,
            ))
            .flatten();
    }
    if let Some(unit) = &p.unit {
        next.unit = v.check(text::optional("unit", Some(unit), 50)).flatten();
    }
    if v.is_empty() {
        Ok(next)
    } else {
        Err(v.into_errors())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ProductDraft {
        ProductDraft {
            name_vi: "Mật ong rừng".into(),
            name_en: None,
            group: OcopGroup::Food,
            gtin: Some("8934563123451".into()),
            description_vi: Some("Dòng 1\nDòng 2".into()),
            description_en: None,
            unit: Some("chai 500 ml".into()),
        }
    }

    #[test]
    fn valid_product_keeps_story_lines_and_pads_gtin() {
        let p = parse_new_product(&draft()).expect("valid");
        assert_eq!(p.gtin.as_ref().map(Gtin::as_str), Some("08934563123451"));
        assert_eq!(p.description_vi.as_deref(), Some("Dòng 1\nDòng 2"));
    }

    #[test]
    fn bad_gtin_and_url_are_named() {
        let mut d = draft();
        d.gtin = Some("8934563123452".into());
        d.name_vi = " ".into();
        let fields: Vec<_> = parse_new_product(&d)
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name_vi", "gtin"]);
    }

    #[test]
    fn patch_clears_gtin_with_empty_string() {
        let current = parse_new_product(&draft()).expect("valid");
        let next = apply_product_patch(
            &current,
            &ProductPatch {
                gtin: Some(String::new()),
                ..Default::default()
            },
        )
        .expect("valid patch");
        assert_eq!(next.gtin, None);
        assert_eq!(next.name_vi, current.name_vi);
    }
}
