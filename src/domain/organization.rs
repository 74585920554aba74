//! Organizations: who acts in the service, and the rules for their records.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text;
use super::validation::{FieldError, Violations};

/// The one kind an organization has; it decides the role of its API keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Operator of the service.
    Admin,
    /// Provincial OCOP council / Department of Agriculture.
    Authority,
    /// Cooperative, enterprise or household business.
    Producer,
    /// Supermarket system.
    Retailer,
}

impl OrgKind {
    pub const ALL: [OrgKind; 4] = [Self::Admin, Self::Authority, Self::Producer, Self::Retailer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Authority => "authority",
            Self::Producer => "producer",
            Self::Retailer => "retailer",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProducerType {
    Cooperative,
    Enterprise,
    Household,
}

impl ProducerType {
    pub const ALL: [ProducerType; 3] = [Self::Cooperative, Self::Enterprise, Self::Household];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cooperative => "cooperative",
            Self::Enterprise => "enterprise",
            Self::Household => "household",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Postal address, Vietnamese administrative levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
pub struct Address {
    /// Province or centrally-run city (tỉnh / thành phố).
    #[schema(example = "Hòa Bình")]
    pub province: String,
    /// District (huyện); optional since the 2025 reform removed the level in places.
    #[schema(example = "Kim Bôi")]
    #[serde(default)]
    pub district: Option<String>,
    /// Commune or ward (xã / phường).
    #[schema(example = "Xã Kim Bôi")]
    #[serde(default)]
    pub commune: Option<String>,
    /// Street address or village (thôn / xóm).
    #[serde(default)]
    pub street: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
pub struct Contact {
    #[serde(default)]
    pub name: Option<String>,
    /// Vietnamese phone number, `0…` or `+84…`.
    #[schema(example = "0912345678")]
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// What a client sends to create an organization.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationDraft {
    #[schema(example = "Hợp tác xã Măng Kim Bôi")]
    pub name: String,
    pub kind: OrgKind,
    /// Required for producers, absent for every other kind.
    #[serde(default)]
    pub producer_type: Option<ProducerType>,
    /// Vietnamese tax code (mã số thuế): 10 digits, 10 digits + `-` + 3 for a
    /// branch, or a 12-digit personal ID for household businesses.
    #[schema(example = "5400512345")]
    #[serde(default)]
    pub tax_code: Option<String>,
    pub address: Address,
    #[serde(default)]
    pub contact: Option<Contact>,
}

/// An organization that passed every rule, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganization {
    pub name: String,
    pub kind: OrgKind,
    pub producer_type: Option<ProducerType>,
    pub tax_code: Option<String>,
    pub address: Address,
    pub contact: Contact,
}

pub const NAME_MAX: usize = 200;
pub const PLACE_MAX: usize = 100;

pub fn parse_tax_code(field: &str, raw: &str) -> Result<String, FieldError> {
    let code: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let valid = match code.split_once('-') {
        Some((main, branch)) => digits(main, 10) && digits(branch, 3),
        None => digits(&code, 10) || digits(&code, 12),
    };
    if valid {
        Ok(code)
    } else {
        Err(FieldError::new(
            field,
            "must be 10 digits, 10 digits-3 digits (branch) or a 12-digit personal ID",
        ))
    }
}

pub fn parse_phone(field: &str, raw: &str) -> Result<String, FieldError> {
    let compact: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let national = compact
        .strip_prefix("+84")
        .map(|rest| format!("0{rest}"))
        .unwrap_or_else(|| compact.clone());
    let ok = national.starts_with('0')
        && (10..=11).contains(&national.len())
        && national.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(national)
    } else {
        Err(FieldError::new(
            field,
            "must be a Vietnamese phone number such as 0912345678 or +84912345678",
        ))
    }
}

pub fn parse_email(field: &str, raw: &str) -> Result<String, FieldError> {
    let email = raw.trim().to_lowercase();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
                && email.len() <= 254
        }
        None => false,
    };
    if valid {
        Ok(email)
    } else {
        Err(FieldError::new(field, "must be an e-mail address"))
    }
}

pub fn parse_address(prefix: &str, raw: &Address, v: &mut Violations) -> Address {
    let field = |name: &str| format!("{prefix}.{name}");
    Address {
        province: v
            .check(text::required(&field("province"), &raw.province, PLACE_MAX))
            .unwrap_or_default(),
        district: v
            .check(text::optional(
                &field("district"),
                raw.district.as_deref(),
                PLACE_MAX,
            ))
            .flatten(),
        commune: v
            .check(text::optional(
                &field("commune"),
                raw.commune.as_deref(),
                PLACE_MAX,
            ))
            .flatten(),
        street: v
            .check(text::optional(
                &field("street"),
                raw.street.as_deref(),
                NAME_MAX,
            ))
            .flatten(),
    }
}

fn parse_contact(raw: Option<&Contact>, v: &mut Violations) -> Contact {
    let Some(raw) = raw else {
        return Contact::default();
    };
    let optional = |v: &mut Violations,
                    field: &str,
                    value: Option<&str>,
                    parse: fn(&str, &str) -> Result<String, FieldError>| {
        match value.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => v.check(parse(field, s)),
        }
    };
    Contact {
        name: v
            .check(text::optional(
                "contact.name",
                raw.name.as_deref(),
                NAME_MAX,
            ))
            .flatten(),
        phone: optional(v, "contact.phone", raw.phone.as_deref(), parse_phone),
        email: optional(v, "contact.email", raw.email.as_deref(), parse_email),
    }
}

/// Apply every rule to a draft; all violations are reported together.
pub fn parse_new_organization(
    draft: &OrganizationDraft,
) -> Result<NewOrganization, Vec<FieldError>> {
    let mut v = Violations::new();
    let name = v.check(text::required("name", &draft.name, NAME_MAX));
    match (draft.kind, draft.producer_type) {
        (OrgKind::Producer, None) => v.add(
            "producer_type",
            "is required for producers (cooperative, enterprise or household)",
        ),
        (kind, Some(_)) if kind != OrgKind::Producer => {
            v.add("producer_type", "is only for producers");
        }
        _ => {}
    }
    let tax_code = match draft.tax_code.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => v.check(parse_tax_code("tax_code", raw)),
    };
    let address = parse_address("address", &draft.address, &mut v);
    let contact = parse_contact(draft.contact.as_ref(), &mut v);
    match name {
        Some(name) if v.is_empty() => Ok(NewOrganization {
            name,
            kind: draft.kind,
            producer_type: draft.producer_type,
            tax_code,
            address,
            contact,
        }),
        _ => Err(v.into_errors()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> OrganizationDraft {
        OrganizationDraft {
            name: "Hợp tác xã Măng Kim Bôi".into(),
            kind: OrgKind::Producer,
            producer_type: Some(ProducerType::Cooperative),
            tax_code: Some("5400512345".into()),
            address: Address {
                province: "Hòa Bình".into(),
                district: Some("Kim Bôi".into()),
                commune: None,
                street: None,
            },
            contact: None,
        }
    }

    #[test]
    fn accepts_a_valid_producer() {
        let org = parse_new_organization(&draft()).expect("valid");
        assert_eq!(org.tax_code.as_deref(), Some("5400512345"));
    }

    #[test]
    fn producer_needs_a_type_and_others_must_not_have_one() {
        let mut d = draft();
        d.producer_type = None;
        let errs = parse_new_organization(&d).expect_err("invalid");
        assert_eq!(errs[0].field, "producer_type");

        let mut d = draft();
        d.kind = OrgKind::Retailer;
        let errs = parse_new_organization(&d).expect_err("invalid");
        assert_eq!(errs[0].field, "producer_type");
    }

    #[test]
    fn reports_every_violation() {
        let mut d = draft();
        d.name = " ".into();
        d.address.province = String::new();
        d.tax_code = Some("12ab".into());
        let fields: Vec<_> = parse_new_organization(&d)
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "tax_code", "address.province"]);
    }

    #[test]
    fn tax_codes() {
        assert!(parse_tax_code("t", "5400512345").is_ok());
        assert!(parse_tax_code("t", "5400512345-001").is_ok());
        assert!(parse_tax_code("t", "001204012345").is_ok());
        assert!(parse_tax_code("t", "54005123").is_err());
        assert!(parse_tax_code("t", "5400512345-1").is_err());
    }

    #[test]
    fn phones() {
        assert_eq!(
            parse_phone("p", "+84 912 345 678").as_deref(),
            Ok("0912345678")
        );
        assert_eq!(
            parse_phone("p", "0218.3852.123").as_deref(),
            Ok("02183852123")
        );
        assert!(parse_phone("p", "12345").is_err());
    }
}
