//! Trace codes: 12 random Crockford base32 characters (60 bits) and one
//! Crockford check character (value mod 37).
//!
//! Accepted in any case, with hyphens or spaces, and with Crockford's aliases
//! (O→0, I and L→1); stored and printed in canonical upper case; shown grouped
//! `XXXX-XXXX-XXXX-C` on labels.

use std::fmt;

use rand::RngCore;

/// Crockford's 32 data symbols, then the 5 extra check symbols (values 32–36).
const SYMBOLS: &[u8; 37] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";
pub const DATA_LEN: usize = 12;
pub const CODE_LEN: usize = DATA_LEN + 1;

/// What [`TraceCode::parse`] can accept, as the contract states it (an
/// ECMA-262 pattern): 12 data symbols (Crockford's, any case, with its
/// aliases; no U) and a check symbol, hyphens and spaces anywhere. Whether
/// the check symbol matches is beyond a pattern.
pub const PATTERN: &str = r"^[- ]*(?:[0-9A-TV-Za-tv-z][- ]*){12}[0-9A-Za-z*~$=][- ]*$";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceCode([u8; CODE_LEN]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a code has 13 characters (12 + a check character), got {0}")]
    Length(usize),
    #[error("character {0:?} is not used in codes")]
    Symbol(char),
    #[error("the check character does not match: mistyped or not a real code")]
    Check,
}

fn value_of(c: u8, allow_check_symbols: bool) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        b'O' => b'0',
        b'I' | b'L' => b'1',
        other => other,
    };
    let limit = if allow_check_symbols { 37 } else { 32 };
    SYMBOLS[..limit]
        .iter()
        .position(|s| *s == c)
        .map(|p| p as u8)
}

/// The 60-bit number of the data characters, mod 37.
fn check_value(data: &[u8]) -> u8 {
    let mut rem: u32 = 0;
    for v in data {
        rem = (rem * 32 + u32::from(*v)) % 37;
    }
    rem as u8
}

impl TraceCode {
    /// A new random code from the OS-seeded CSPRNG.
    ///
    /// Codes whose check would be `*`, `~`, `$` or `=` are drawn again, so
    /// every issued code is letters and digits only: `~` and `=` are outside
    /// the QR alphanumeric set, and all four get cut off by chat apps' link
    /// detection or mangled by shells. This costs log2(37/33) ≈ 0.17 bits;
    /// parsing still accepts every Crockford check symbol.
    pub fn random() -> Self {
        let mut rng = rand::rng();
        loop {
            let bits = rng.next_u64() & ((1u64 << 60) - 1);
            let mut data = [0u8; DATA_LEN];
            for (i, slot) in data.iter_mut().enumerate() {
                *slot = ((bits >> (5 * (DATA_LEN - 1 - i))) & 31) as u8;
            }
            let check = check_value(&data);
            if (32..=35).contains(&check) {
                continue;
            }
            let mut code = [0u8; CODE_LEN];
            for (out, v) in code
                .iter_mut()
                .zip(data.iter().chain(std::iter::once(&check)))
            {
                *out = SYMBOLS[usize::from(*v)];
            }
            return Self(code);
        }
    }

    /// Parse what a person typed or a scanner read.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let cleaned: Vec<u8> = input
            .bytes()
            .filter(|b| !matches!(b, b'-' | b' '))
            .collect();
        if cleaned.len() != CODE_LEN {
            return Err(CodeError::Length(
                input.chars().filter(|c| !matches!(c, '-' | ' ')).count(),
            ));
        }
        let mut values = [0u8; CODE_LEN];
        for (i, b) in cleaned.iter().enumerate() {
            values[i] = value_of(*b, i == DATA_LEN).ok_or(CodeError::Symbol(char::from(*b)))?;
        }
        if check_value(&values[..DATA_LEN]) != values[DATA_LEN] {
            return Err(CodeError::Check);
        }
        let mut code = [0u8; CODE_LEN];
        for (out, v) in code.iter_mut().zip(values) {
            *out = SYMBOLS[usize::from(v)];
        }
        Ok(Self(code))
    }

    /// Canonical form: 13 upper-case characters, no hyphens (stored, in URLs).
    pub fn as_str(&self) -> &str {
        // Only ASCII symbols are ever written into the array.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// `XXXX-XXXX-XXXX-C`, as printed under a QR code.
    pub fn grouped(&self) -> String {
        let s = self.as_str();
        format!("{}-{}-{}-{}", &s[0..4], &s[4..8], &s[8..12], &s[12..])
    }
}

impl fmt::Display for TraceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn random_codes_parse_and_differ() {
        let a = TraceCode::random();
        let b = TraceCode::random();
        assert_ne!(a, b);
        assert_eq!(TraceCode::parse(a.as_str()), Ok(a));
        assert_eq!(a.grouped().len(), 16);
    }

    /// Each code carries 60 random bits, every data position its own
    /// five: with fewer (overlapping or unused bits) codes of one run would
    /// collide, or a position would never change. The chance that a sound
    /// generator fails this is about 2^-40.
    #[test]
    fn random_codes_use_every_bit() {
        let codes: Vec<TraceCode> = (0..2_000).map(|_| TraceCode::random()).collect();
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), codes.len(), "two random codes collided");
        for position in 0..DATA_LEN {
            let symbols: std::collections::HashSet<u8> = codes
                .iter()
                .map(|c| c.as_str().as_bytes()[position])
                .collect();
            assert_eq!(
                symbols.len(),
                32,
                "position {position} used {} symbols",
                symbols.len()
            );
        }
    }

    #[test]
    fn aliases_case_and_hyphens() {
        let code = TraceCode::random();
        let sloppy = code
            .grouped()
            .to_lowercase()
            .replace('0', "o")
            .replace('1', "l");
        assert_eq!(TraceCode::parse(&sloppy), Ok(code));
    }

    #[test]
    fn rejects_wrong_length_and_symbols() {
        assert_eq!(TraceCode::parse("ABC"), Err(CodeError::Length(3)));
        assert_eq!(
            TraceCode::parse("ABCDEFGHJKM*0"),
            Err(CodeError::Symbol('*'))
        );
    }

    #[test]
    fn generated_codes_are_letters_and_digits_only() {
        for _ in 0..5000 {
            let code = TraceCode::random();
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            );
        }
    }

    fn any_code() -> impl Strategy<Value = TraceCode> {
        proptest::collection::vec(0u8..32, DATA_LEN).prop_map(|data| {
            let check = check_value(&data);
            let mut code = [0u8; CODE_LEN];
            for (out, v) in code
                .iter_mut()
                .zip(data.iter().chain(std::iter::once(&check)))
            {
                *out = SYMBOLS[usize::from(*v)];
            }
            TraceCode(code)
        })
    }

    proptest! {
        #[test]
        fn parse_display_round_trip(code in any_code()) {
            prop_assert_eq!(TraceCode::parse(&code.to_string()), Ok(code));
            prop_assert_eq!(TraceCode::parse(&code.grouped()), Ok(code));
        }

        #[test]
        fn every_single_substitution_is_rejected(code in any_code(), pos in 0usize..CODE_LEN, sym in 0usize..37) {
            let mut bytes = code.0;
            let limit = if pos == DATA_LEN { 37 } else { 32 };
            let replacement = SYMBOLS[sym % limit];
            prop_assume!(replacement != bytes[pos]);
            bytes[pos] = replacement;
            let text = String::from_utf8(bytes.to_vec()).expect("ascii");
            prop_assert!(TraceCode::parse(&text).is_err());
        }

        #[test]
        fn whatever_parses_matches_the_contract_pattern(
            code in any_code(),
            noise in proptest::collection::vec((0usize..14, prop_oneof![Just('-'), Just(' ')]), 0..4),
            lower in any::<bool>(),
            junk in "[-0-9A-Za-z*~$= ]{0,16}",
        ) {
            let pattern = regex::Regex::new(PATTERN).expect("pattern");
            let mut typed: Vec<char> = code.as_str().chars().collect();
            for (at, c) in noise {
                typed.insert(at.min(typed.len()), c);
            }
            let mut typed: String = typed.into_iter().collect();
            if lower {
                typed = typed.to_lowercase();
            }
            prop_assert!(pattern.is_match(&typed), "{typed}");
            // And nothing outside the pattern parses.
            if !pattern.is_match(&junk) {
                prop_assert!(TraceCode::parse(&junk).is_err(), "{junk}");
            }
        }

        #[test]
        fn every_adjacent_transposition_is_rejected(code in any_code(), pos in 0usize..DATA_LEN) {
            let mut bytes = code.0;
            prop_assume!(bytes[pos] != bytes[pos + 1]);
            bytes.swap(pos, pos + 1);
            let text = String::from_utf8(bytes.to_vec()).expect("ascii");
            prop_assert!(TraceCode::parse(&text).is_err());
        }
    }
}
