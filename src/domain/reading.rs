//! Reading a JSON body so that every field that cannot be read is reported at
//! once, together with the rules the readable fields break.
//!
//! serde stops at the first value it cannot read (a month 13), so the client
//! would fix one field per round trip and never learn that `stars: 6` in the
//! same body is wrong too. When the typed read fails, the body is read again
//! as a JSON tree; each failing field is recorded and replaced by a stand-in
//! of a type that reads (a date, a number, the first allowed variant, …), and
//! the read is retried until it succeeds. The rules then run on the value
//! with stand-ins, and their verdicts on stand-in fields are dropped (see
//! [`Read::check`]). Only failing requests pay for this.

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

use super::validation::FieldError;

/// A body read as `T`, with the fields that could not be read. When
/// `unreadable` is not empty, `value` holds stand-ins for them and must not
/// be acted on.
#[derive(Debug)]
pub struct Read<T> {
    value: T,
    unreadable: Vec<FieldError>,
}

/// Why a body could not be read at all.
#[derive(Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// Not JSON: the reason, with its position.
    Syntax(String),
    /// JSON whose fields could not all be read, and no stand-in made it
    /// readable: every field found so far.
    Fields(Vec<FieldError>),
}

/// At most this many failing fields are reported, and the reads retried
/// cover at most `RETRY_BUDGET` bytes in all (at most `MAX_ATTEMPTS`
/// reads), so a large or hostile body costs little.
const MAX_FIELDS: usize = 50;
const MAX_ATTEMPTS: usize = 200;
const RETRY_BUDGET: usize = 64 * 1024 * 1024;

impl<T> Read<T> {
    /// The value, or every field that could not be read.
    pub fn into_value(self) -> Result<T, Vec<FieldError>> {
        if self.unreadable.is_empty() {
            Ok(self.value)
        } else {
            Err(self.unreadable)
        }
    }

    /// Apply the rules of `check` and report their violations together with
    /// the unreadable fields. A rule's verdict on a stand-in (or on a field
    /// inside one) is dropped: it judges our stand-in, not the client's value.
    pub fn check<U>(
        self,
        check: impl FnOnce(&T) -> Result<U, Vec<FieldError>>,
    ) -> Result<U, Vec<FieldError>> {
        let verdict = check(&self.value);
        if self.unreadable.is_empty() {
            return verdict;
        }
        let mut errors = self.unreadable;
        if let Err(broken) = verdict {
            let judged_stand_in = |e: &FieldError| {
                errors.iter().any(|u| {
                    e.field == u.field
                        || e.field.starts_with(&format!("{}.", u.field))
                        || e.field.starts_with(&format!("{}[", u.field))
                })
            };
            let kept: Vec<FieldError> =
                broken.into_iter().filter(|e| !judged_stand_in(e)).collect();
            errors.extend(kept);
        }
        Err(errors)
    }
}

/// Read `bytes` as `T`, reporting every field that cannot be read.
pub fn read_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<Read<T>, Unreadable> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let first = match serde_path_to_error::deserialize::<_, T>(&mut *de) {
        Ok(value) => {
            // One value and nothing after it: `{}xyz` is not JSON.
            de.end().map_err(|e| Unreadable::Syntax(e.to_string()))?;
            return Ok(Read {
                value,
                unreadable: Vec::new(),
            });
        }
        Err(err) => err,
    };
    // serde_json calls some type errors syntax errors (null for an enum), so
    // whether the text is JSON at all is decided by reading it as a tree.
    let mut tree: Value =
        serde_json::from_slice(bytes).map_err(|e| Unreadable::Syntax(e.to_string()))?;
    if !tree.is_object() {
        // Every body is an object; serde would also take a struct as an
        // array, which only leads to noise.
        return Err(Unreadable::Fields(vec![FieldError::new(
            "",
            "the body must be a JSON object",
        )]));
    }
    let mut unreadable: Vec<FieldError> = Vec::new();
    // The field being given stand-ins and how many it has had.
    let mut current: Option<(String, usize)> = None;
    let attempts = (RETRY_BUDGET / bytes.len().max(1)).clamp(2, MAX_ATTEMPTS);
    for _ in 0..attempts {
        let err = match serde_path_to_error::deserialize::<_, T>(&tree) {
            // Read as a tree, a duplicated key keeps its last value; serde
            // refused it from the text, so the text's error stands.
            Ok(_) if unreadable.is_empty() => break,
            Ok(value) => return Ok(Read { value, unreadable }),
            Err(err) => err,
        };
        let failure = Failure::of(&err);
        let tried = match &current {
            Some((field, tried)) if *field == failure.field => *tried,
            _ => {
                if unreadable.len() >= MAX_FIELDS {
                    break;
                }
                unreadable.push(FieldError::new(failure.field.clone(), failure.reason()));
                0
            }
        };
        let Some(stand_in) = failure.stand_in(tried) else {
            break;
        };
        if !failure.patch(&mut tree, stand_in) {
            break;
        }
        current = Some((failure.field.clone(), tried + 1));
    }
    if unreadable.is_empty() {
        let failure = Failure::of(&first);
        unreadable.push(FieldError::new(failure.field.clone(), failure.reason()));
    }
    Err(Unreadable::Fields(unreadable))
}

/// One failed read: where, and serde's words.
struct Failure {
    /// Path of the object holding the field (for a missing field) or of the
    /// field itself.
    segments: Vec<Segment>,
    /// The field's path as the client wrote it, e.g. `items[0].day`.
    field: String,
    message: String,
    /// The key that must be added (`missing field`) or removed (`unknown field`).
    missing: Option<String>,
    unknown: bool,
}

fn path_text(segments: &[Segment]) -> String {
    let mut text = String::new();
    for segment in segments {
        match segment {
            Segment::Seq { index } => text.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Segment::Unknown => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push('?');
            }
        }
    }
    text
}

/// The first name in backquotes after `after` in a serde message.
fn quoted_after<'a>(message: &'a str, after: &str) -> Option<&'a str> {
    let rest = &message[message.find(after)? + after.len()..];
    let start = rest.find('`')? + 1;
    let len = rest[start..].find('`')?;
    Some(&rest[start..start + len])
}

impl Failure {
    fn of(err: &serde_path_to_error::Error<serde_json::Error>) -> Self {
        let segments: Vec<Segment> = err.path().iter().cloned().collect();
        let message = {
            let text = err.inner().to_string();
            // Read from a tree, serde_json has no position to add; keep it
            // clean either way.
            match text.rfind(" at line ") {
                Some(pos) => text[..pos].to_owned(),
                None => text,
            }
        };
        let missing = message
            .starts_with("missing field")
            .then(|| quoted_after(&message, "missing field").map(str::to_owned))
            .flatten();
        let unknown = message.starts_with("unknown field");
        let mut field = path_text(&segments);
        if let Some(key) = &missing {
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(key);
        }
        Self {
            segments,
            field,
            message,
            missing,
            unknown,
        }
    }

    /// What the client is told.
    fn reason(&self) -> String {
        match self.message.as_str() {
            // chrono's words for a date or time it cannot read.
            "input is out of range"
            | "input contains invalid characters"
            | "premature end of input"
            | "trailing input"
            | "input is not enough for unique date and time"
            | "no possible date and time matching input"
            | "bad or unsupported format string" => {
                format!("not a valid date or time ({})", self.message)
            }
            _ => self.message.clone(),
        }
    }

    /// The `tried`-th value to put in the failing field's place, or `None`
    /// when every kind has been tried (or the key must go).
    fn stand_in(&self, tried: usize) -> Option<Value> {
        if self.unknown {
            return (tried == 0).then_some(Value::Null);
        }
        // An enum names what it allows: that is the stand-in, however many
        // were tried before the field's error changed to say so.
        if self.message.starts_with("unknown variant")
            && let Some(allowed) = quoted_after(&self.message, "expected")
        {
            return Some(Value::from(allowed));
        }
        let kinds = [
            Value::from("2000-01-01"),
            Value::from(0),
            Value::from(""),
            Value::Bool(false),
            Value::Null,
            Value::Array(Vec::new()),
            Value::Object(serde_json::Map::new()),
            Value::from("00000000-0000-0000-0000-000000000000"),
            Value::from("2000-01-01T00:00:00Z"),
            Value::from(1),
            Value::from(0.5),
        ];
        kinds.into_iter().nth(tried)
    }

    /// Put `stand_in` in the failing field's place (or remove an unknown
    /// key). False when the path cannot be followed in the tree.
    fn patch(&self, tree: &mut Value, stand_in: Value) -> bool {
        let (parent_path, last) = match (&self.missing, self.segments.split_last()) {
            (Some(key), _) => (&self.segments[..], Some(key.clone())),
            (None, Some((Segment::Map { key }, parent))) => (parent, Some(key.clone())),
            (None, Some((Segment::Seq { index }, parent))) => {
                let Some(Value::Array(items)) = follow(tree, parent) else {
                    return false;
                };
                return match items.get_mut(*index) {
                    Some(item) => {
                        *item = stand_in;
                        true
                    }
                    None => false,
                };
            }
            // The body as a whole (or an enum's variant) is wrong: nothing
            // to stand in for.
            _ => return false,
        };
        let (Some(Value::Object(map)), Some(key)) = (follow(tree, parent_path), last) else {
            return false;
        };
        if self.unknown {
            return map.shift_remove(&key).is_some();
        }
        map.insert(key, stand_in);
        true
    }
}

fn follow<'a>(tree: &'a mut Value, segments: &[Segment]) -> Option<&'a mut Value> {
    let mut node = tree;
    for segment in segments {
        node = match segment {
            Segment::Seq { index } => node.get_mut(*index)?,
            Segment::Map { key } | Segment::Enum { variant: key } => node.get_mut(key.as_str())?,
            Segment::Unknown => return None,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use serde::Deserialize;

    use super::*;

    // The test types exist to be read; their fields are never looked at.
    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        FarmArea,
        Packing,
    }

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item {
        day: NaiveDate,
        count: u8,
    }

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Draft {
        stars: u8,
        name: String,
        kind: Kind,
        #[serde(default)]
        items: Vec<Item>,
        #[serde(default)]
        until: Option<NaiveDate>,
    }

    fn stars_rule(d: &Draft) -> Result<u8, Vec<FieldError>> {
        if (3..=5).contains(&d.stars) {
            Ok(d.stars)
        } else {
            Err(vec![FieldError::new("stars", "must be 3, 4 or 5")])
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_good_body_reads_at_once() {
        let read = read_json::<Draft>(br#"{"stars":4,"name":"Mat ong","kind":"packing"}"#)
            .expect("readable");
        assert_eq!(read.check(stars_rule), Ok(4));
    }

    #[test]
    fn text_after_the_object_is_not_json() {
        let good = r#"{"stars":4,"name":"Mat ong","kind":"packing"}"#;
        for after in ["xyz", " {}", "]"] {
            let text = format!("{good}{after}");
            assert!(
                matches!(
                    read_json::<Draft>(text.as_bytes()),
                    Err(Unreadable::Syntax(_))
                ),
                "{text}"
            );
        }
        assert!(
            read_json::<Draft>(format!("{good}\n ").as_bytes()).is_ok(),
            "white space may follow"
        );
    }

    #[test]
    fn every_unreadable_field_and_every_broken_rule_are_reported_together() {
        let body = br#"{"stars":6,"name":7,"kind":"farm","until":"2026-13-01",
            "items":[{"day":"2026-12-01","count":1},{"day":"x","count":-1,"extra":true},{"count":2}],
            "colour":"red"}"#;
        let read = read_json::<Draft>(body).expect("readable with stand-ins");
        let errors = read.check(stars_rule).expect_err("invalid");
        let mut got = fields(&errors);
        got.sort_unstable();
        assert_eq!(
            got,
            [
                "colour",
                "items[1].count",
                "items[1].day",
                "items[1].extra",
                "items[2].day",
                "kind",
                "name",
                "stars",
                "until"
            ]
        );
        let until = errors.iter().find(|e| e.field == "until").expect("until");
        assert!(
            until.reason.starts_with("not a valid date"),
            "{}",
            until.reason
        );
        let kind = errors.iter().find(|e| e.field == "kind").expect("kind");
        assert!(kind.reason.contains("farm_area"), "{}", kind.reason);
    }

    #[test]
    fn a_rule_about_a_stand_in_is_not_reported() {
        // stars could not be read: the rule's verdict on the stand-in 0 is noise.
        let read = read_json::<Draft>(br#"{"stars":"four","name":"x","kind":"packing"}"#)
            .expect("readable with stand-ins");
        let errors = read.check(stars_rule).expect_err("invalid");
        assert_eq!(fields(&errors), ["stars"]);
        assert!(
            errors[0].reason.contains("expected u8"),
            "{}",
            errors[0].reason
        );
    }

    #[test]
    fn a_missing_field_is_named_with_its_path() {
        let read = read_json::<Draft>(br#"{"stars":4}"#).expect("readable with stand-ins");
        let errors = read.into_value().expect_err("invalid");
        assert_eq!(fields(&errors), ["name", "kind"]);
        assert_eq!(errors[0].reason, "missing field `name`");
    }

    #[test]
    fn a_duplicated_key_stays_refused() {
        let errors =
            match read_json::<Draft>(br#"{"stars":4,"stars":5,"name":"x","kind":"packing"}"#) {
                Err(Unreadable::Fields(errors)) => errors,
                other => panic!("{other:?}"),
            };
        assert_eq!(errors[0].reason, "duplicate field `stars`");
    }

    #[test]
    fn not_json_is_a_syntax_error() {
        assert!(matches!(
            read_json::<Draft>(b"{\"stars\":"),
            Err(Unreadable::Syntax(_))
        ));
        assert!(matches!(
            read_json::<Draft>(b""),
            Err(Unreadable::Syntax(_))
        ));
    }

    #[test]
    fn a_body_of_the_wrong_shape_is_one_error() {
        for body in [&b"[1,2]"[..], b"7", b"null"] {
            match read_json::<Draft>(body) {
                Err(Unreadable::Fields(errors)) => {
                    assert_eq!(
                        errors,
                        [FieldError::new("", "the body must be a JSON object")]
                    );
                }
                other => panic!("{other:?}"),
            }
        }
    }

    proptest! {
        // Any JSON at all: an answer (never a panic, never an endless loop),
        // and a readable answer only when serde itself reads the body.
        #[test]
        fn any_json_gets_an_answer(value in any_json()) {
            let bytes = serde_json::to_vec(&value).expect("json");
            let direct = serde_json::from_slice::<Draft>(&bytes).is_ok();
            match read_json::<Draft>(&bytes) {
                Ok(read) => {
                    let clean = read.into_value().is_ok();
                    prop_assert_eq!(clean, direct);
                }
                Err(Unreadable::Fields(errors)) => {
                    prop_assert!(!direct);
                    prop_assert!(!errors.is_empty() && errors.len() <= MAX_FIELDS);
                }
                Err(Unreadable::Syntax(_)) => prop_assert!(false, "valid JSON called a syntax error"),
            }
        }
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-z0-9_-]{0,12}".prop_map(Value::from),
            Just(Value::from("2026-02-30")),
            Just(Value::from("farm_area")),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        prop_oneof![
                            Just("stars".to_owned()),
                            Just("name".to_owned()),
                            Just("kind".to_owned()),
                            Just("items".to_owned()),
                            Just("day".to_owned()),
                            Just("count".to_owned()),
                            Just("until".to_owned()),
                            "[a-z]{1,5}"
                        ],
                        inner
                    ),
                    0..6
                )
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }
}
