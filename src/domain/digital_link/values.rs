//! Checking an AI's value against its dictionary entry: each component's
//! character set and length, then its linters (check digits, dates, times…).

use super::dictionary::{AiEntry, Charset, Component};
use super::linters::lint;
use crate::domain::gs1::is_cset82;

/// Why a value does not fit its AI.
pub fn check_value(entry: &AiEntry, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("is empty".into());
    }
    let mut rest = value;
    for component in &entry.components {
        if rest.is_empty() {
            if component.optional {
                break;
            }
            return Err(format!(
                "is too short (at least {} characters)",
                min_length(entry)
            ));
        }
        let take = rest
            .char_indices()
            .nth(component.max)
            .map_or(rest.len(), |(i, _)| i);
        let (part, after) = rest.split_at(take);
        if part.chars().count() < component.min {
            return Err(format!(
                "is too short (at least {} characters)",
                min_length(entry)
            ));
        }
        check_charset(component.charset, part)?;
        for linter in &component.linters {
            lint(linter, part)?;
        }
        rest = after;
    }
    if rest.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "is too long (at most {} characters)",
            entry.max_length()
        ))
    }
}

fn min_length(entry: &AiEntry) -> usize {
    entry
        .components
        .iter()
        .filter(|c| !c.optional)
        .map(|c: &Component| c.min)
        .sum()
}

fn check_charset(charset: Charset, part: &str) -> Result<(), String> {
    let (fits, name): (fn(char) -> bool, &str) = match charset {
        Charset::N => (|c| c.is_ascii_digit(), "digits only"),
        Charset::X => (is_cset82, "GS1 character set 82"),
        Charset::Y => (is_cset39, "GS1 character set 39"),
        Charset::Z => (is_cset64, "GS1 character set 64 (base64url)"),
    };
    match part.chars().find(|c| !fits(*c)) {
        None => Ok(()),
        Some(c) => Err(format!("has {c:?}, outside {name}")),
    }
}

/// GS1 AI encodable character set 39.
pub fn is_cset39(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '#' | '-' | '/')
}

/// GS1 AI encodable character set 64 (the base64url alphabet and `=`).
pub fn is_cset64(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::digital_link::dictionary::DICTIONARY;

    fn check(ai: &str, value: &str) -> Result<(), String> {
        check_value(DICTIONARY.entry(ai).expect("known AI"), value)
    }

    #[test]
    fn values_follow_their_format_and_linters() {
        assert!(check("01", "09520123456788").is_ok());
        assert!(
            check("01", "09520123456789")
                .unwrap_err()
                .contains("check digit")
        );
        assert!(
            check("01", "0952012345678")
                .unwrap_err()
                .contains("too short")
        );
        assert!(check("10", "ABC-123/x").is_ok());
        assert!(check("10", "ABC 123").is_err(), "space is outside CSET 82");
        assert!(
            check("10", &"A".repeat(21))
                .unwrap_err()
                .contains("too long")
        );
        // (15) best before: day 00 allowed; (7007) harvest date: yymmdd, not.
        assert!(check("15", "261100").is_ok());
        assert!(check("15", "261300").is_err());
        assert!(check("7007", "261100").is_err());
        assert!(check("7007", "261115").is_ok());
        assert!(check("17", "250229").is_err(), "2025 is no leap year");
        assert!(check("17", "240229").is_ok());
        // (253) GDTI: N13 with check digit, then up to 17 optional characters.
        assert!(check("253", "1231231231232").is_ok());
        assert!(check("253", "1231231231232TEST5678901234567").is_ok());
        assert!(check("253", "1231231231232TEST56789012345678").is_err());
        // (8008) date and time of production: an optional hh/mi/ss part.
        assert!(check("8008", "26111508").is_ok());
        assert!(check("8008", "26111525").is_err());
        assert!(check("3103", "000195").is_ok());
        assert!(check("3103", "00019").is_err());
    }

    #[test]
    fn character_sets() {
        assert!(is_cset39('#') && !is_cset39('a'));
        assert!(is_cset64('_') && !is_cset64('+'));
    }
}
