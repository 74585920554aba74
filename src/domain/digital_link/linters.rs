//! GS1's linters: the checks the syntax dictionary names per AI component
//! beyond character set and length (check digits, dates, times, country and
//! currency codes, IBANs…). Each follows GS1's reference implementation
//! (github.com/gs1/gs1-syntax-dictionary, `src/lint_*.c`); its published
//! unit tests run against these in `tests`.

use chrono::NaiveDate;

use super::lists;
use crate::domain::gs1::{gs1_check_digit, is_cset82};

/// The linters checked here.
pub const CHECKED_LINTERS: &[&str] = &[
    "csum",
    "csumalpha",
    "yymmd0",
    "yymmdd",
    "yyyymmd0",
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
    "posinseqslash",
    "latitude",
    "longitude",
    "iso3166",
    "iso3166999",
    "iso3166alpha2",
    "iso4217",
    "iso5218",
    "winding",
    "hyphen",
    "pcenc",
    "importeridx",
    "packagetype",
    "mediatype",
    "iban",
    "gcppos1",
    "gcppos2",
];

/// The linters the dictionary names that are not checked: coupon
/// structures (AIs 8110 and 8112, North American coupons). The value's
/// character set and length still are.
pub const UNCHECKED_LINTERS: &[&str] = &["couponcode", "couponposoffer"];

/// Run one named linter on a component's characters.
pub fn lint(linter: &str, part: &str) -> Result<(), String> {
    let ok = match linter {
        "csum" => digits(part).is_some_and(|d| {
            d.split_last()
                .is_some_and(|(check, body)| gs1_check_digit(body) == *check)
        }),
        "csumalpha" => check_pair(part),
        "yymmd0" => yymmdd(part, true),
        "yymmdd" => yymmdd(part, false),
        "yyyymmd0" => yyyymmdd(part, true),
        "yyyymmdd" => yyyymmdd(part, false),
        "hhmi" => {
            part.len() == 4
                && two_digits(&part[..2]).is_some_and(|h| h < 24)
                && two_digits(&part[2..]).is_some_and(|m| m < 60)
        }
        "hh" => two_digits(part).is_some_and(|h| h < 24),
        "mi" | "ss" => two_digits(part).is_some_and(|m| m < 60),
        "nonzero" => digits(part).is_some_and(|d| d.iter().any(|x| *x != 0)),
        "zero" => !part.is_empty() && part.chars().all(|c| c == '0'),
        "yesno" => part == "0" || part == "1",
        "nozeroprefix" => !part.starts_with('0') && part.bytes().all(|b| b.is_ascii_digit()),
        "hasnondigit" => part.chars().any(|c| !c.is_ascii_digit()),
        "pieceoftotal" => {
            let half = part.len() / 2;
            part.len().is_multiple_of(2)
                && number(&part[..half])
                    .zip(number(&part[half..]))
                    .is_some_and(|(piece, total)| piece >= 1 && piece <= total)
        }
        "posinseqslash" => position_in_sequence(part),
        // Latitude and longitude are stored offset: 0 to 180 and 0 to 360 degrees.
        "latitude" => part.len() == 10 && number(part).is_some_and(|v| v <= 1_800_000_000),
        "longitude" => part.len() == 10 && number(part).is_some_and(|v| v <= 3_600_000_000),
        "iso3166" => three_digits(part).is_some_and(|n| in_bits(lists::ISO3166, n)),
        "iso3166999" => {
            part == "999" || three_digits(part).is_some_and(|n| in_bits(lists::ISO3166, n))
        }
        "iso3166alpha2" => alpha2(part).is_some_and(|n| in_bits(lists::ISO3166ALPHA2, n)),
        "iso4217" => three_digits(part).is_some_and(|n| in_bits(lists::ISO4217, n)),
        "iso5218" => matches!(part, "0" | "1" | "2" | "9"),
        "winding" => matches!(part, "0" | "1" | "9"),
        "hyphen" => !part.is_empty() && part.chars().all(|c| c == '-'),
        "pcenc" => percent_encoded(part),
        "importeridx" => {
            part.len() == 1
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }
        "packagetype" => lists::PACKAGE_TYPES.contains(&part),
        "mediatype" => {
            part.len() == 2
                && two_digits(part).is_some_and(|n| {
                    let n = n as usize;
                    lists::MEDIATYPE
                        .get(n / 8)
                        .is_some_and(|byte| byte & (0x80 >> (n % 8)) != 0)
                })
        }
        "iban" => iban(part),
        // A GS1 Company Prefix starts here (at the second character for
        // gcppos2): at least its shortest length, four digits. Whether it
        // is assigned needs GS1's registry, which is not consulted.
        "gcppos1" => company_prefix_digits(part),
        "gcppos2" => part.len() >= 2 && company_prefix_digits(&part[1..]),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(reason(linter, part))
    }
}

fn reason(linter: &str, part: &str) -> String {
    match linter {
        "csum" => format!("{part} has a wrong check digit"),
        "csumalpha" => format!("{part} has a wrong check character pair"),
        "yymmd0" => format!("{part} is not a date YYMMDD (day 00 allowed)"),
        "yymmdd" => format!("{part} is not a date YYMMDD"),
        "yyyymmd0" => format!("{part} is not a date YYYYMMDD (day 00 allowed)"),
        "yyyymmdd" => format!("{part} is not a date YYYYMMDD"),
        "hhmi" => format!("{part} is not a time HHMM"),
        "iso3166" | "iso3166999" => format!("{part} is not an ISO 3166 numeric country code"),
        "iso3166alpha2" => format!("{part} is not an ISO 3166 two-letter country code"),
        "iso4217" => format!("{part} is not an ISO 4217 numeric currency code"),
        "iban" => format!("{part} is not a valid IBAN"),
        "packagetype" => format!("{part} is not a UN/ECE package type code"),
        "pcenc" => format!("{part} has a % not followed by two hex digits"),
        "gcppos1" | "gcppos2" => format!("{part} does not start with a GS1 Company Prefix"),
        other => format!("{part} fails the {other} check"),
    }
}

fn digits(part: &str) -> Option<Vec<u8>> {
    part.bytes()
        .map(|b| b.is_ascii_digit().then(|| b - b'0'))
        .collect()
}

fn number(part: &str) -> Option<u64> {
    (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        .then(|| part.parse().ok())
        .flatten()
}

fn two_digits(part: &str) -> Option<u32> {
    (part.len() == 2)
        .then(|| number(part))
        .flatten()
        .and_then(|n| u32::try_from(n).ok())
}

fn three_digits(part: &str) -> Option<usize> {
    (part.len() == 3)
        .then(|| number(part))
        .flatten()
        .and_then(|n| usize::try_from(n).ok())
}

/// `AA` is 0, `AB` 1 … `ZZ` 675.
fn alpha2(part: &str) -> Option<usize> {
    match part.as_bytes() {
        [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => {
            Some(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        }
        _ => None,
    }
}

/// GS1's bit fields: bit `n` counted from the most significant bit of the first word.
fn in_bits(field: &[u64], n: usize) -> bool {
    field
        .get(n / 64)
        .is_some_and(|word| word & (1u64 << 63 >> (n % 64)) != 0)
}

/// A GS1 six-digit date; `day_zero`: day 00 means "the month's last day".
fn yymmdd(part: &str, day_zero: bool) -> bool {
    // Any century will do for the calendar check; 2000 is a leap year.
    part.len() == 6 && date(&format!("20{part}"), day_zero)
}

fn yyyymmdd(part: &str, day_zero: bool) -> bool {
    part.len() == 8 && date(part, day_zero)
}

fn date(yyyymmdd: &str, day_zero: bool) -> bool {
    let (Some(year), Some(month), Some(day)) = (
        number(&yyyymmdd[..4]),
        number(&yyyymmdd[4..6]),
        number(&yyyymmdd[6..]),
    ) else {
        return false;
    };
    let (Ok(year), Ok(month), Ok(day)) = (
        i32::try_from(year),
        u32::try_from(month),
        u32::try_from(day),
    ) else {
        return false;
    };
    if day == 0 {
        return day_zero && (1..=12).contains(&month);
    }
    NaiveDate::from_ymd_opt(year, month, day).is_some()
}

/// `n/m` with `1 ≤ n ≤ m`, no leading zeros.
fn position_in_sequence(part: &str) -> bool {
    let Some((position, of)) = part.split_once('/') else {
        return false;
    };
    let well_formed =
        |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0');
    if !(well_formed(position) && well_formed(of)) {
        return false;
    }
    // Compared as digit strings: they may be longer than any integer.
    (position.len(), position) <= (of.len(), of)
}

fn percent_encoded(part: &str) -> bool {
    let bytes = part.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            match bytes.get(at + 1..at + 3) {
                Some([a, b]) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit() => at += 3,
                _ => return false,
            }
        } else {
            at += 1;
        }
    }
    true
}

fn company_prefix_digits(part: &str) -> bool {
    part.len() >= 4 && part.bytes().take(4).all(|b| b.is_ascii_digit())
}

/// GS1's check character pair (GS1 General Specifications 7.9.5): the CSET 82
/// values weighted by primes from the right, modulo 1021, as two CSET 32
/// characters.
fn check_pair(part: &str) -> bool {
    const PRIMES: [u32; 97] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
        97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181,
        191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281,
        283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397,
        401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503,
        509,
    ];
    const CSET32: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    /// CSET 82 in the order of its values.
    const CSET82: &[u8] =
        b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    let bytes = part.as_bytes();
    if bytes.len() < 2 || bytes.len() > PRIMES.len() + 2 || !part.chars().all(is_cset82) {
        return false;
    }
    let (data, pair) = bytes.split_at(bytes.len() - 2);
    let mut sum = 0u32;
    for (from_right, byte) in data.iter().rev().enumerate() {
        let Some(value) = CSET82.iter().position(|c| c == byte) else {
            return false;
        };
        sum += u32::try_from(value).unwrap_or(0) * PRIMES[from_right];
    }
    let sum = (sum % 1021) as usize;
    pair == [CSET32[sum >> 5], CSET32[sum & 31]]
}

/// ISO 13616: a country, two check digits, then the account; mod 97 of the
/// rearranged number is 1.
fn iban(part: &str) -> bool {
    let bytes = part.as_bytes();
    if !(11..=34).contains(&bytes.len())
        || alpha2(&part[..2]).is_none_or(|n| !in_bits(lists::ISO3166ALPHA2, n))
    {
        return false;
    }
    let mut checksum = 0u32;
    for byte in bytes[4..].iter().chain(&bytes[..4]) {
        let value = match byte {
            b'0'..=b'9' => u32::from(byte - b'0'),
            b'A'..=b'Z' => u32::from(byte - b'A') + 10,
            _ => return false,
        };
        checksum = (checksum * if value < 10 { 10 } else { 100 } + value) % 97;
    }
    checksum == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTORS: &str = include_str!("../../../tests/vectors/gs1-linters.tsv");

    /// GS1's own unit tests of its linters, each as published.
    #[test]
    fn gs1_linter_vectors() {
        let mut checked = 0;
        let mut wrong = Vec::new();
        for line in VECTORS.lines().filter(|l| !l.starts_with('#')) {
            let mut fields = line.split('\t');
            let (Some(linter), Some(input), Some(expected)) =
                (fields.next(), fields.next(), fields.next())
            else {
                panic!("bad vector line {line:?}");
            };
            assert!(CHECKED_LINTERS.contains(&linter), "{linter} is not checked");
            let passed = lint(linter, input).is_ok();
            if passed != (expected == "ok") {
                wrong.push(format!("{linter}({input:?}) should be {expected}"));
            }
            checked += 1;
        }
        assert!(
            wrong.is_empty(),
            "{} of {checked} wrong:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
        assert!(checked > 4000, "{checked} vectors");
    }

    /// A linter the dictionary names is checked or listed as not: a new
    /// dictionary release cannot add one that silently passes.
    #[test]
    fn every_linter_the_dictionary_names_is_known() {
        let dictionary = include_str!("../../../assets/gs1-syntax-dictionary.txt");
        for line in dictionary.lines() {
            let rules = line.split('#').next().unwrap_or_default();
            for word in rules.split_whitespace() {
                for linter in word.split(',').skip(1) {
                    if linter.starts_with(|c: char| c.is_ascii_lowercase()) {
                        assert!(
                            CHECKED_LINTERS.contains(&linter)
                                || UNCHECKED_LINTERS.contains(&linter),
                            "{linter} in {line}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn company_prefixes_start_with_four_digits() {
        assert!(lint("gcppos1", "8936").is_ok());
        assert!(lint("gcppos1", "893").is_err());
        assert!(lint("gcppos1", "893A5").is_err());
        assert!(lint("gcppos2", "08936").is_ok());
        assert!(lint("gcppos2", "0893").is_err());
    }
}
