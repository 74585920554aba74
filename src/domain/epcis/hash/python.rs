//! The two value rewrites the event-hash reference gets from Python itself,
//! reproduced: numbers go through `float()` and back (`2.50` → `2.5`,
//! `26.0` → `26`, `0614141` → `614141`), and timestamps become UTC with
//! milliseconds, rounded half to even from the microseconds `dateutil` keeps.

use chrono::{DateTime, Duration, Timelike, Utc};

/// `float(text)` of Python: ASCII digits, underscores between digits,
/// `inf`/`nan`; `None` where Python raises.
fn python_float(text: &str) -> Option<f64> {
    let t = text.trim();
    let bytes = t.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'_' {
            let digit_before = i > 0 && bytes[i - 1].is_ascii_digit();
            let digit_after = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !digit_before || !digit_after {
                return None;
            }
        }
    }
    t.replace('_', "").parse::<f64>().ok()
}

/// The decimal digits of an integral `f64`, exactly (Python's `str(int(x))`).
fn exact_integer(x: f64) -> String {
    if x.abs() < 1e30 {
        return format!("{}", x as i128);
    }
    // x = mantissa · 2^exponent with exponent > 0 here.
    let bits = x.abs().to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32 - 1075;
    let mantissa = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    // Little-endian base 10⁹ limbs.
    let mut limbs: Vec<u64> = vec![mantissa % 1_000_000_000, mantissa / 1_000_000_000];
    for _ in 0..exponent {
        let mut carry = 0;
        for limb in &mut limbs {
            let doubled = *limb * 2 + carry;
            *limb = doubled % 1_000_000_000;
            carry = doubled / 1_000_000_000;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    while limbs.len() > 1 && limbs.last() == Some(&0) {
        limbs.pop();
    }
    let mut digits = String::from(if x < 0.0 { "-" } else { "" });
    let mut rest = limbs.iter().rev();
    if let Some(first) = rest.next() {
        digits.push_str(&first.to_string());
    }
    for limb in rest {
        digits.push_str(&format!("{limb:09}"));
    }
    digits
}

/// Python's `repr` of a float that is not integral (so |x| < 2⁵³).
fn python_repr(x: f64) -> String {
    if x.abs() >= 1e-4 {
        return format!("{x}");
    }
    let scientific = format!("{x:e}");
    match scientific.split_once('e') {
        Some((mantissa, exponent)) => {
            let exponent: i32 = exponent.parse().unwrap_or(0);
            let sign = if exponent < 0 { '-' } else { '+' };
            format!("{mantissa}e{sign}{:02}", exponent.abs())
        }
        None => scientific,
    }
}

/// The reference's `_try_format_numeric`: a number written the way Python
/// prints it; other text (and NaN, and the infinities Python cannot make an
/// integer of) unchanged.
pub fn numeric(text: &str) -> String {
    match python_float(text) {
        Some(x) if x.is_finite() && x.fract() == 0.0 => exact_integer(x),
        Some(x) if x.is_finite() => python_repr(x),
        _ => text.to_owned(),
    }
}

/// The reference's `_fix_time_stamp_format`: UTC, milliseconds, `Z`. Text
/// that is not a timestamp stays as it is.
pub fn timestamp(text: &str) -> String {
    let Ok(parsed) = DateTime::parse_from_rfc3339(text) else {
        return text.to_owned();
    };
    let utc = parsed.with_timezone(&Utc);
    // dateutil keeps six digits of the fraction (truncating), then Python's
    // round(µs, -3) rounds half to even.
    let micros = utc.nanosecond() / 1000 % 1_000_000;
    let (mut millis, rest) = (micros / 1000, micros % 1000);
    if rest > 500 || (rest == 500 && millis % 2 == 1) {
        millis += 1;
    }
    let whole = utc.with_nanosecond(0).unwrap_or(utc);
    // 999.5 ms rounds up into the next second (where the reference would raise).
    let Some(time) = whole.checked_add_signed(Duration::milliseconds(i64::from(millis))) else {
        return text.to_owned();
    };
    format!("{}.{:03}Z", time.format("%Y-%m-%dT%H:%M:%S"), millis % 1000)
}

#[cfg(test)]
mod tests {
    use super::{numeric, timestamp};

    #[test]
    fn numbers_as_python_prints_them() {
        for (input, expected) in [
            ("26", "26"),
            ("26.0", "26"),
            ("+2.50", "2.5"),
            ("0614141", "614141"),
            ("1_000", "1000"),
            ("1__0", "1__0"),
            ("0.00001", "1e-05"),
            ("0.0001", "0.0001"),
            ("1e16", "10000000000000000"),
            ("12345678901234567890", "12345678901234567168"),
            (
                "1298074214633706907132624082305024",
                "1298074214633706907132624082305024",
            ),
            ("-0.0", "0"),
            ("nan", "nan"),
            ("inf", "inf"),
            ("+01:00", "+01:00"),
            ("OBSERVE", "OBSERVE"),
        ] {
            assert_eq!(numeric(input), expected, "{input}");
        }
    }

    #[test]
    fn timestamps_to_utc_milliseconds() {
        for (input, expected) in [
            (
                "2022-02-16T20:33:31.116000-06:00",
                "2022-02-17T02:33:31.116Z",
            ),
            ("2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"),
            ("2023-02-02T11:04:03.1414Z", "2023-02-02T11:04:03.141Z"),
            ("2023-02-02T11:04:03.1425Z", "2023-02-02T11:04:03.142Z"),
            ("2023-02-02T11:04:03.14250001Z", "2023-02-02T11:04:03.142Z"),
            ("2023-01-11T12:00:00+01:00", "2023-01-11T11:00:00.000Z"),
            ("2023-12-31T23:59:59.9995Z", "2024-01-01T00:00:00.000Z"),
            ("not a time", "not a time"),
        ] {
            assert_eq!(timestamp(input), expected, "{input}");
        }
    }
}
