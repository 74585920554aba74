//! Checking an AI's value against its dictionary entry: each component's
//! character set and length, then its linters (check digits, dates, times…).

use chrono::NaiveDate;

use super::dictionary::{AiEntry, Charset, Component};
use crate::domain::gs1::{gs1_check_digit, is_cset82};

/// The linters this module runs. Others named by the dictionary (country
/// and currency codes, coupon structures, IBAN…) are not checked yet;
/// `docs/STANDARDS.md` lists them.
pub const CHECKED_LINTERS: &[&str] = &[
    "csum",
    "yymmd0",
    "yymmdd",
    "yyyymmdd",
    "hhmi",
    "hh",
    "mi",
    "ss",
    "nonzero",
    "zero",
    "yesno",
    "nozeroprefix",
    "hasnondigit",
    "pieceoftotal",
    "latitude",
    "longitude",
];

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

fn digits(part: &str) -> Option<Vec<u8>> {
    part.bytes()
        .map(|b| b.is_ascii_digit().then(|| b - b'0'))
        .collect()
}

fn number(part: &str) -> Option<u32> {
    part.parse().ok()
}

/// Run one named linter on a component's characters.
fn lint(linter: &str, part: &str) -> Result<(), String> {
    let ok = match linter {
        "csum" => digits(part).is_some_and(|d| {
            d.split_last()
                .is_some_and(|(check, body)| gs1_check_digit(body) == *check)
        }),
        "yymmd0" => yymmdd(part, true),
        "yymmdd" => yymmdd(part, false),
        "yyyymmdd" => {
            part.len() == 8
                && number(&part[..4])
                    .zip(number(&part[4..6]).zip(number(&part[6..])))
                    .is_some_and(|(y, (m, d))| {
                        i32::try_from(y)
                            .ok()
                            .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
                            .is_some()
                    })
        }
        "hhmi" => {
            part.len() == 4
                && number(&part[..2]).is_some_and(|h| h < 24)
                && number(&part[2..]).is_some_and(|m| m < 60)
        }
        "hh" => number(part).is_some_and(|h| h < 24),
        "mi" | "ss" => number(part).is_some_and(|m| m < 60),
        "nonzero" => digits(part).is_some_and(|d| d.iter().any(|x| *x != 0)),
        "zero" => part.chars().all(|c| c == '0'),
        "yesno" => part == "0" || part == "1",
        "nozeroprefix" => part == "0" || !part.starts_with('0'),
        "hasnondigit" => part.chars().any(|c| !c.is_ascii_digit()),
        "pieceoftotal" => {
            let half = part.len() / 2;
            part.len().is_multiple_of(2)
                && number(&part[..half])
                    .zip(number(&part[half..]))
                    .is_some_and(|(piece, total)| piece >= 1 && piece <= total)
        }
        // Latitude and longitude are stored offset: 0 to 180 and 0 to 360 degrees.
        "latitude" => number(part).is_some_and(|v| v <= 1_800_000_000),
        "longitude" => number(part).is_some_and(|v| v <= 3_600_000_000),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(lint_reason(linter, part))
    }
}

fn lint_reason(linter: &str, part: &str) -> String {
    match linter {
        "csum" => format!("{part} has a wrong check digit"),
        "yymmd0" => format!("{part} is not a date YYMMDD (day 00 allowed)"),
        "yymmdd" => format!("{part} is not a date YYMMDD"),
        "yyyymmdd" => format!("{part} is not a date YYYYMMDD"),
        "hhmi" => format!("{part} is not a time HHMM"),
        other => format!("{part} fails the {other} check"),
    }
}

/// A GS1 six-digit date; `day_zero`: day 00 means "the month's last day".
fn yymmdd(part: &str, day_zero: bool) -> bool {
    if part.len() != 6 {
        return false;
    }
    let (Some(yy), Some(mm), Some(dd)) =
        (number(&part[..2]), number(&part[2..4]), number(&part[4..]))
    else {
        return false;
    };
    // Any century will do for the calendar check; 2000 is a leap year.
    let year = 2000 + i32::try_from(yy).unwrap_or(0);
    if dd == 0 {
        return day_zero && (1..=12).contains(&mm);
    }
    NaiveDate::from_ymd_opt(year, mm, dd).is_some()
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
