use proptest::prelude::*;

use super::*;

/// GS1's own vectors (see the file's header for their source).
const VECTORS: &str = include_str!("../../../tests/vectors/gs1-digital-link-uris.tsv");

#[test]
fn gs1_published_vectors() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in VECTORS.lines().filter(|l| !l.starts_with('#')) {
        let mut columns = line.splitn(3, '\t');
        let (Some(valid), Some(uri), Some(expected)) =
            (columns.next(), columns.next(), columns.next())
        else {
            panic!("malformed vector line {line:?}");
        };
        checked += 1;
        match (valid, parse_uri(uri)) {
            ("1", Ok(link)) if link.unbracketed() == expected => {}
            ("1", Ok(link)) => failures.push(format!(
                "{uri}: got {}, want {expected}",
                link.unbracketed()
            )),
            ("1", Err(e)) => failures.push(format!("{uri}: refused ({e}), want {expected}")),
            ("0", Ok(link)) => failures.push(format!("{uri}: accepted as {}", link.unbracketed())),
            _ => {}
        }
    }
    assert!(checked >= 100, "only {checked} vectors");
    assert!(
        failures.is_empty(),
        "{} of {checked} vectors fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_element_string_and_back() {
    let link = parse_uri(
        "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426&linkType=gs1:pip",
    )
    .expect("valid");
    assert_eq!(
        link.element_string(),
        "(01)09520123456788(10)ABC1(21)12345(17)180426"
    );
    assert_eq!(
        link.other_params,
        [("linkType".to_owned(), "gs1:pip".to_owned())]
    );
    let again = from_element_string(&link.element_string(), "https://id.gs1.org").expect("back");
    assert_eq!(
        again.to_uri("https://id.gs1.org"),
        "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426"
    );
    // Qualifiers go to the path in the dictionary's order, whatever the input's.
    let reordered =
        from_element_string("(21)X1(01)09520123456788(10)L%2", "https://e.vn").expect("valid");
    assert_eq!(
        reordered.to_uri("https://e.vn"),
        "https://e.vn/01/09520123456788/10/L%252/21/X1"
    );
}

#[test]
fn rules_a_resolver_relies_on() {
    let refused = |uri: &str| parse_uri(uri).expect_err(uri);
    // GTIN-8/12/13 become GTIN-14.
    let short = parse_uri("https://e.vn/01/8934563123451/21/ABC").expect("GTIN-13");
    assert_eq!(short.key.value, "08934563123451");
    // A wrong check digit names the AI.
    assert_eq!(
        refused("https://e.vn/01/08934563123452").ai.as_deref(),
        Some("01")
    );
    // Out of order, or mixed alternatives.
    assert_eq!(
        refused("https://e.vn/01/09520123456788/21/X/10/L")
            .ai
            .as_deref(),
        Some("10")
    );
    assert!(parse_uri("https://e.vn/01/09520123456788/22/A/235/T").is_err());
    // Dates: (15) allows day 00, (7007) does not; 13th month never.
    assert!(parse_uri("https://e.vn/01/09520123456788?15=261100").is_ok());
    assert_eq!(
        refused("https://e.vn/01/09520123456788?15=261300")
            .ai
            .as_deref(),
        Some("15")
    );
    // (21) is a key qualifier, not a data attribute.
    assert_eq!(
        refused("https://e.vn/01/09520123456788?21=X").ai.as_deref(),
        Some("21")
    );
    // req=: (02) needs (37); ex=: (01) not with (37)… (37) requires (00) or (02) first.
    assert!(parse_uri("https://e.vn/00/952012345678912345?02=09520123456788").is_err());
    // (254) only with (414).
    assert!(parse_uri("https://e.vn/414/9520123456788/254/A1").is_ok());
    // SSCC.
    assert!(parse_uri("https://e.vn/00/952012345678912345").is_ok());
    // Any input at all: an error, never a panic.
    assert!(parse_uri(&"/01".repeat(3000)).is_err());
    assert!(parse_path_and_query("/01/09520123456788/10/%FF%FE").is_err());
}

#[test]
fn a_label_claim_fits_only_its_own_product_and_lot() {
    let link =
        parse_uri("https://e.vn/01/8936012340020/10/MOHT%2D2604/21/00ABCDEFGHJK7").expect("valid");
    let claim = LabelClaim::of(&link).expect("a serial");
    assert_eq!(claim.serial, "00ABCDEFGHJK7");
    assert!(claim.fits(Some("08936012340020"), "MOHT-2604"));
    assert!(
        !claim.fits(Some("08936012340037"), "MOHT-2604"),
        "another product's GTIN"
    );
    assert!(
        !claim.fits(Some("08936012340020"), "MOHT-2605"),
        "another lot"
    );
    assert!(!claim.fits(None, "MOHT-2604"), "a product without a GTIN");
    let no_lot = parse_uri("https://e.vn/01/08936012340020/21/00ABCDEFGHJK7").expect("valid");
    assert!(
        LabelClaim::of(&no_lot)
            .expect("claim")
            .fits(Some("08936012340020"), "ANY")
    );
    assert!(LabelClaim::of(&parse_uri("https://e.vn/01/08936012340020").expect("valid")).is_none());
}

fn gtin() -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, 13).prop_map(|body| {
        let check = crate::domain::gs1::gs1_check_digit(&body);
        body.iter()
            .chain(std::iter::once(&check))
            .map(|d| char::from(b'0' + d))
            .collect()
    })
}

/// CSET 82 text without `(` and `)`, which a bracketed element string
/// cannot tell from its brackets.
fn cset82_text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9!\"%&'*+,./:;<=>?_-]{{1,{max}}}"))
        .expect("a valid regex")
}

proptest! {
    #[test]
    fn uri_to_element_string_to_uri(
        gtin in gtin(),
        lot in proptest::option::of(cset82_text(20)),
        serial in proptest::option::of(cset82_text(20)),
        day in 1u32..29,
    ) {
        let mut elements = format!("(01){gtin}");
        if let Some(lot) = &lot { elements.push_str(&format!("(10){lot}")); }
        if let Some(serial) = &serial { elements.push_str(&format!("(21){serial}")); }
        elements.push_str(&format!("(17)2611{day:02}"));
        let link = from_element_string(&elements, "https://id.example.vn").expect("valid element string");
        let uri = link.to_uri("https://id.example.vn");
        let parsed = parse_uri(&uri).expect("its URI parses");
        prop_assert_eq!(parsed.element_string(), elements);
        prop_assert_eq!(parsed.to_uri("https://id.example.vn"), uri);
    }

    #[test]
    fn any_path_is_an_answer_never_a_panic(path in "[ -~]{0,200}") {
        let _ = parse_path_and_query(&path);
        let _ = parse_uri(&format!("https://e.vn{path}"));
    }
}
