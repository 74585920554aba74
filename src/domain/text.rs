//! Text rules shared by every resource: Unicode NFC, trimming, search folding.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::validation::FieldError;

/// NFC-normalise, trim and collapse inner runs of white space.
///
/// Vietnamese arrives both precomposed and decomposed (macOS, some phones);
/// storing NFC makes equal names equal bytes.
pub fn normalize(input: &str) -> String {
    let nfc: String = input.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower-case and strip diacritics, so "mat ong" finds "Mật ong".
pub fn fold_for_search(input: &str) -> String {
    let folded: String = input
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A required, normalised text of 1..=max characters.
pub fn required(field: &str, input: &str, max_chars: usize) -> Result<String, FieldError> {
    let text = normalize(input);
    if text.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    check_length(field, text, max_chars)
}

/// An optional text: absent or blank becomes `None`.
pub fn optional(
    field: &str,
    input: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    match input.map(normalize) {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => check_length(field, text, max_chars).map(Some),
    }
}

fn check_length(field: &str, text: String, max_chars: usize) -> Result<String, FieldError> {
    if text.chars().count() > max_chars {
        return Err(FieldError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(text)
}

/// An optional long text (a story): keeps line breaks, NFC, trims each line.
pub fn optional_multiline(
    field: &str,
    input: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    let Some(input) = input else { return Ok(None) };
    let nfc: String = input.nfc().collect();
    let text = nfc
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max_chars {
        return Err(FieldError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_to_nfc_and_trims() {
        let decomposed = "Ma\u{0323}\u{0302}t  ong ";
        assert_eq!(normalize(decomposed), "Mật ong");
        assert_eq!(normalize(decomposed), normalize("Mật ong"));
    }

    #[test]
    fn folds_vietnamese_for_search() {
        assert_eq!(fold_for_search("Mật ong Hưng Thi"), "mat ong hung thi");
        assert_eq!(fold_for_search("ĐẶC SẢN Đà Bắc"), "dac san da bac");
    }

    #[test]
    fn required_rejects_blank_and_long() {
        assert!(required("name", "   ", 10).is_err());
        assert!(required("name", "abcdefghijk", 10).is_err());
        assert_eq!(
            required("name", " Chè  Sông Bôi ", 50).as_deref(),
            Ok("Chè Sông Bôi")
        );
    }

    #[test]
    fn optional_blank_is_none() {
        assert_eq!(optional("x", Some("  "), 10), Ok(None));
        assert_eq!(optional("x", None, 10), Ok(None));
    }
}
