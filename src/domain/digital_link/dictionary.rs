//! GS1's Barcode Syntax Dictionary, embedded at build time and parsed once:
//! every AI's format, check routines ("linters"), Digital Link flags and
//! pairing rules come from it, never from a hand-copied table.

use std::sync::LazyLock;

/// The dictionary as GS1 publishes it (`assets/gs1-syntax-dictionary.txt`).
pub const SOURCE: &str = include_str!("../../../assets/gs1-syntax-dictionary.txt");

/// The character set of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Digits.
    N,
    /// CSET 82.
    X,
    /// CSET 39.
    Y,
    /// CSET 64 (base64url).
    Z,
}

/// One part of an AI's value: its characters, length and checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub charset: Charset,
    pub min: usize,
    pub max: usize,
    pub optional: bool,
    pub linters: Vec<String>,
}

/// An AI pattern in `req=`/`ex=`: digits, with `n` standing for any digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(pub String);

impl Pattern {
    pub fn matches(&self, ai: &str) -> bool {
        self.0.len() == ai.len()
            && self
                .0
                .chars()
                .zip(ai.chars())
                .all(|(p, c)| p == 'n' || p == c)
    }
}

/// One entry: a single AI or a range of them (`3100-3105`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiEntry {
    pub first: String,
    pub last: String,
    /// `*`: a predefined length, no FNC1 separator after it.
    pub fixed_length: bool,
    /// `?`: permitted as a Digital Link data attribute (query parameter).
    pub dl_attribute: bool,
    pub components: Vec<Component>,
    /// Each `req=`: one of its groups (AIs joined with `+`) must be present.
    pub requires: Vec<Vec<Vec<Pattern>>>,
    /// `ex=`: none of these may be present.
    pub excludes: Vec<Pattern>,
    /// `dlpkey`: a Digital Link primary key, with its alternative ordered
    /// qualifier sequences (empty: no qualifiers).
    pub dl_primary_key: Option<Vec<Vec<String>>>,
    pub title: String,
}

impl AiEntry {
    pub fn covers(&self, ai: &str) -> bool {
        ai.len() == self.first.len()
            && ai.chars().all(|c| c.is_ascii_digit())
            && self.first.as_str() <= ai
            && ai <= self.last.as_str()
    }

    /// The longest value the AI takes.
    pub fn max_length(&self) -> usize {
        self.components.iter().map(|c| c.max).sum()
    }
}

/// Every AI of the dictionary, indexed by AI (a range is indexed under
/// each of its AIs: every scan of a Digital Link looks several up).
#[derive(Debug)]
pub struct Dictionary {
    entries: Vec<AiEntry>,
    /// Entry index + 1 (0: none) at [`slot`] of each AI: a lookup is an
    /// array read, no hashing (a resolved scan looks up about ten).
    by_ai: Vec<u16>,
}

/// Where an AI of 2 to 4 digits sits in the index: each width has its own
/// range (`01` and `001` are different AIs).
fn slot(ai: &str) -> Option<usize> {
    let bytes = ai.as_bytes();
    if !(2..=4).contains(&bytes.len()) || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = bytes
        .iter()
        .fold(0usize, |n, b| n * 10 + usize::from(b - b'0'));
    Some(match bytes.len() {
        2 => n,
        3 => 100 + n,
        _ => 1_100 + n,
    })
}

impl Dictionary {
    fn new(entries: Vec<AiEntry>) -> Self {
        let mut by_ai = vec![0u16; 11_100];
        for (i, entry) in entries.iter().enumerate() {
            let (Ok(first), Ok(last)) = (entry.first.parse::<u32>(), entry.last.parse::<u32>())
            else {
                continue;
            };
            let width = entry.first.len();
            for n in first..=last {
                if let (Some(at), Ok(index)) = (slot(&format!("{n:0width$}")), u16::try_from(i + 1))
                {
                    by_ai[at] = index;
                }
            }
        }
        Self { entries, by_ai }
    }

    /// The entry of an AI (2 to 4 digits), if the dictionary has it.
    pub fn entry(&self, ai: &str) -> Option<&AiEntry> {
        let index = *self.by_ai.get(slot(ai)?)?;
        self.entries.get(usize::from(index).checked_sub(1)?)
    }

    /// The AI an element string's `data` starts with (AIs are prefix-free:
    /// at most one matches).
    pub fn ai_prefix<'a>(&self, data: &'a str) -> Option<(&'a str, &AiEntry)> {
        (2..=4)
            .filter_map(|n| {
                let ai = data.get(..n)?;
                self.entry(ai).map(|e| (ai, e))
            })
            .next()
    }

    pub fn entries(&self) -> &[AiEntry] {
        &self.entries
    }
}

/// The parsed dictionary (parsed on first use; a failure is a build defect
/// that the unit tests catch).
pub static DICTIONARY: LazyLock<Dictionary> = LazyLock::new(|| match parse(SOURCE) {
    Ok(d) => d,
    Err(e) => {
        tracing::error!(error = %e, "the embedded GS1 syntax dictionary does not parse");
        Dictionary::new(Vec::new())
    }
});

/// Parse the dictionary's text.
pub fn parse(text: &str) -> Result<Dictionary, String> {
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        entries.push(parse_line(line).map_err(|e| format!("line {}: {e}: {line}", n + 1))?);
    }
    if entries.is_empty() {
        return Err("no entries".into());
    }
    Ok(Dictionary::new(entries))
}

fn parse_line(line: &str) -> Result<AiEntry, String> {
    let (body, title) = match line.split_once('#') {
        Some((body, title)) => (body, title.trim().to_owned()),
        None => (line, String::new()),
    };
    let mut tokens = body.split_whitespace().peekable();
    let ais = tokens.next().ok_or("no AI")?;
    let (first, last) = ais.split_once('-').unwrap_or((ais, ais));
    let numeric = |s: &str| (2..=4).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit());
    if !numeric(first) || !numeric(last) || first.len() != last.len() || first > last {
        return Err(format!("bad AI {ais:?}"));
    }
    let mut entry = AiEntry {
        first: first.to_owned(),
        last: last.to_owned(),
        fixed_length: false,
        dl_attribute: false,
        components: Vec::new(),
        requires: Vec::new(),
        excludes: Vec::new(),
        dl_primary_key: None,
        title,
    };
    if let Some(flags) = tokens.next_if(|t| !t.starts_with(['N', 'X', 'Y', 'Z', '['])) {
        entry.fixed_length = flags.contains('*');
        entry.dl_attribute = flags.contains('?');
    }
    while let Some(component) = tokens.next_if(|t| t.starts_with(['N', 'X', 'Y', 'Z', '['])) {
        entry.components.push(parse_component(component)?);
    }
    for attribute in tokens {
        match attribute.split_once('=') {
            Some(("req", groups)) => entry.requires.push(
                groups
                    .split(',')
                    .map(|g| g.split('+').map(|p| Pattern(p.to_owned())).collect())
                    .collect(),
            ),
            Some(("ex", list)) => entry
                .excludes
                .extend(list.split(',').map(|p| Pattern(p.to_owned()))),
            Some(("dlpkey", alternatives)) => {
                entry.dl_primary_key = Some(
                    alternatives
                        .split('|')
                        .map(|seq| seq.split(',').map(str::to_owned).collect())
                        .collect(),
                );
            }
            None if attribute == "dlpkey" => entry.dl_primary_key = Some(vec![Vec::new()]),
            // Other keys (e.g. gcppos on components) need nothing here.
            _ => {}
        }
    }
    if entry.components.is_empty() {
        return Err("no format".into());
    }
    Ok(entry)
}

/// `N13,csum,gcppos1`, `X..20`, `[N..12]`, `[N4],hhmi`.
fn parse_component(token: &str) -> Result<Component, String> {
    let optional = token.starts_with('[');
    let cleaned: String = token.chars().filter(|c| !matches!(c, '[' | ']')).collect();
    let mut parts = cleaned.split(',');
    let format = parts.next().ok_or("empty component")?;
    let mut chars = format.chars();
    let charset = match chars.next() {
        Some('N') => Charset::N,
        Some('X') => Charset::X,
        Some('Y') => Charset::Y,
        Some('Z') => Charset::Z,
        _ => return Err(format!("bad type in {token:?}")),
    };
    let length = chars.as_str();
    let number = |s: &str| s.parse::<usize>().map_err(|e| format!("{token:?}: {e}"));
    let (min, max) = match length.strip_prefix("..") {
        Some(max) => (1, number(max)?),
        None => {
            let n = number(length)?;
            (n, n)
        }
    };
    Ok(Component {
        charset,
        min,
        max,
        optional,
        linters: parts.map(str::to_owned).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_dictionary_parses_with_every_entry() {
        let dictionary = parse(SOURCE).expect("parses");
        assert!(dictionary.entries().len() > 200);
        let gtin = dictionary.entry("01").expect("01");
        assert!(gtin.fixed_length && gtin.dl_attribute);
        assert_eq!(gtin.components[0].max, 14);
        assert_eq!(gtin.components[0].linters[0], "csum");
        assert_eq!(
            gtin.dl_primary_key,
            Some(vec![
                vec!["22".into(), "10".into(), "21".into()],
                vec!["235".into()]
            ])
        );
        let serial = dictionary.entry("21").expect("21");
        assert!(!serial.dl_attribute && !serial.fixed_length);
        assert_eq!(
            dictionary.entry("3103").expect("3103").title,
            "NET WEIGHT (kg)"
        );
        assert!(dictionary.entry("3106").is_none());
        let gdti = dictionary.entry("253").expect("253");
        assert!(gdti.components[1].optional);
        assert_eq!(gdti.max_length(), 30);
        assert_eq!(
            dictionary.entry("02").expect("02").requires[0][0][0],
            Pattern("37".into())
        );
    }

    #[test]
    fn patterns_match_digit_wildcards() {
        assert!(Pattern("310n".into()).matches("3103"));
        assert!(!Pattern("310n".into()).matches("3113"));
        assert!(!Pattern("01".into()).matches("010"));
    }

    #[test]
    fn an_element_string_splits_at_the_longest_known_ai() {
        let d = &*DICTIONARY;
        assert_eq!(d.ai_prefix("3103000195").map(|(ai, _)| ai), Some("3103"));
        assert_eq!(
            d.ai_prefix("0109520123456788").map(|(ai, _)| ai),
            Some("01")
        );
        assert!(d.ai_prefix("89ABC").is_none());
    }
}
