//! GS1 identifiers: GTIN and GLN (with check digit) and AI 10 batch/lot numbers.

use super::validation::FieldError;

/// A GTIN stored as GTIN-14: GTIN-8/12/13 are left-padded with zeros, as GS1
/// Digital Link and the GS1 General Specifications do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Gtin(String);

/// GS1 mod-10 check digit of the digits before it (weights 3,1,3,… from the right).
pub fn gs1_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// These digits with their GS1 check digit appended (`None` if they are
/// not all digits): a GLN from 12 digits, a GTIN-14 from 13.
pub fn with_check_digit(body: &str) -> Option<String> {
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    Some(format!("{body}{}", gs1_check_digit(&digits)))
}

/// Does the last of these (non-empty, ASCII) digits check the others?
fn check_digit_fits(field: &str, digits: &str) -> Result<(), FieldError> {
    let digits: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
    let Some((check, body)) = digits.split_last() else {
        return Err(FieldError::new(field, "is empty"));
    };
    let expected = gs1_check_digit(body);
    if expected == *check {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("check digit is wrong (expected {expected} for these digits)"),
        ))
    }
}

impl Gtin {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let text: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if !matches!(text.len(), 8 | 12 | 13 | 14) || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(
                field,
                "must be a GTIN of 8, 12, 13 or 14 digits",
            ));
        }
        check_digit_fits(field, &text)?;
        Ok(Self(format!("{text:0>14}")))
    }

    /// The 14-digit form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Made with a Vietnamese GS1 company prefix (893)?
    pub fn is_vietnamese(&self) -> bool {
        self.0[1..].starts_with("893")
    }
}

/// A GS1 Global Location Number (AI 414): 13 digits, the last a check digit.
/// It names a place (a farming area, a packing facility) worldwide.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Gln(String);

impl Gln {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let text: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if text.len() != 13 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(field, "must be a GLN of 13 digits"));
        }
        check_digit_fits(field, &text)?;
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// GS1 AI 10 batch/lot: 1–20 characters of GS1 character set 82.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LotNumber(String);

/// GS1 AI encodable character set 82 (General Specifications, figure 7.11-1).
pub fn is_cset82(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '"'
                | '%'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | '+'
                | ','
                | '-'
                | '.'
                | '/'
                | ':'
                | ';'
                | '<'
                | '='
                | '>'
                | '?'
                | '_'
        )
}

impl LotNumber {
    pub const MAX_LEN: usize = 20;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let lot = raw.trim();
        if lot.is_empty() || lot.chars().count() > Self::MAX_LEN {
            return Err(FieldError::new(field, "must be 1 to 20 characters"));
        }
        if let Some(bad) = lot.chars().find(|c| !is_cset82(*c)) {
            return Err(FieldError::new(
                field,
                format!(
                    "character {bad:?} is not allowed in a GS1 lot number \
                     (use A–Z, a–z, 0–9 and !\"%&'()*+,-./:;<=>?_)"
                ),
            ));
        }
        Ok(Self(lot.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_gtins() {
        // EAN-13 of a Vietnamese product (prefix 893) and a GTIN-8.
        let g = Gtin::parse("gtin", "8934563123451").expect("valid EAN-13");
        assert_eq!(g.as_str(), "08934563123451");
        assert!(g.is_vietnamese());
        assert!(Gtin::parse("gtin", "96385074").is_ok());
        assert!(Gtin::parse("gtin", "8934563123458").is_err());
        assert!(Gtin::parse("gtin", "89345631234").is_err());
        assert!(Gtin::parse("gtin", "893456312345a").is_err());
    }

    #[test]
    fn glns() {
        assert_eq!(
            Gln::parse("gln", " 8934563 000011 ").map(Gln::into_string),
            Ok("8934563000011".to_owned())
        );
        assert!(Gln::parse("gln", "8934563000018").is_err(), "check digit");
        assert!(Gln::parse("gln", "893456300001").is_err(), "12 digits");
        assert!(Gln::parse("gln", "893456300001x").is_err());
    }

    #[test]
    fn lots() {
        assert!(LotNumber::parse("lot", "CP-2026/11.A").is_ok());
        assert!(LotNumber::parse("lot", "").is_err());
        assert!(LotNumber::parse("lot", "LÔ-1").is_err());
        assert!(LotNumber::parse("lot", "A B").is_err());
        assert!(LotNumber::parse("lot", &"A".repeat(21)).is_err());
    }

    fn digits(n: usize) -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(0u8..10, n)
    }

    proptest! {
        #[test]
        fn every_gtin_with_its_check_digit_parses(body in digits(12)) {
            let check = gs1_check_digit(&body);
            let text: String = body.iter().chain(std::iter::once(&check)).map(|d| char::from(b'0' + d)).collect();
            let gtin = Gtin::parse("gtin", &text).expect("valid");
            prop_assert_eq!(gtin.as_str().len(), 14);
            prop_assert!(gtin.as_str().ends_with(&text));
        }

        #[test]
        fn a_single_wrong_digit_is_caught(body in digits(12), pos in 0usize..13, delta in 1u8..10) {
            let check = gs1_check_digit(&body);
            let mut all: Vec<u8> = body.clone();
            all.push(check);
            all[pos] = (all[pos] + delta) % 10;
            let text: String = all.iter().map(|d| char::from(b'0' + d)).collect();
            prop_assert!(Gtin::parse("gtin", &text).is_err());
        }

        #[test]
        fn lots_of_cset82_parse(lot in "[!\"%&'()*+,./0-9:;<=>?A-Z_a-z-]{1,20}") {
            prop_assert!(LotNumber::parse("lot", &lot).is_ok());
        }
    }
}
