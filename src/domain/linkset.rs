//! RFC 9264 linksets with GS1's link types: what a resolver tells a machine
//! about an identifier (where its product page, traceability data and
//! recall status are), and how a `linkType` request picks one link.

use serde_json::{Map, Value, json};

/// The GS1 Web Vocabulary's base for link types.
pub const GS1_VOC: &str = "https://gs1.org/voc/";

/// The link types this resolver serves, as `gs1:` CURIEs.
pub const LINK_TYPES: &[&str] = &[
    "gs1:defaultLink",
    "gs1:pip",
    "gs1:traceability",
    "gs1:recallStatus",
    "gs1:locationInfo",
];

/// One link of an identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// A `gs1:` link type.
    pub link_type: &'static str,
    pub href: String,
    pub title: String,
    /// Media type of the target.
    pub media_type: &'static str,
    pub hreflang: &'static [&'static str],
}

/// What a request's `linkType` (or its `Accept`) asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkRequest {
    /// The resolver's own answer (the default link).
    Default,
    /// The whole linkset (`linkType=all` or `linkset`, or
    /// `Accept: application/linkset+json`).
    Linkset,
    /// One link type, as a `gs1:` CURIE or a full GS1 vocabulary URI.
    Type(String),
}

impl LinkRequest {
    pub fn of(link_type: Option<&str>, accept: Option<&str>) -> Self {
        match link_type {
            Some("all" | "linkset") => Self::Linkset,
            Some(t) => Self::Type(curie(t)),
            None if accept.is_some_and(|a| a.contains("application/linkset+json")) => Self::Linkset,
            None => Self::Default,
        }
    }
}

/// `https://gs1.org/voc/pip` → `gs1:pip`; a CURIE stays as it is.
fn curie(link_type: &str) -> String {
    match link_type.strip_prefix(GS1_VOC) {
        Some(name) => format!("gs1:{name}"),
        None => link_type.to_owned(),
    }
}

/// The link of a requested type, if the identifier has one.
pub fn pick<'a>(links: &'a [Link], link_type: &str) -> Option<&'a Link> {
    links.iter().find(|l| l.link_type == link_type)
}

/// The RFC 9264 JSON document (`application/linkset+json`) of `anchor`:
/// relation types as GS1 vocabulary URIs, each with its target objects.
pub fn linkset(anchor: &str, links: &[Link]) -> Value {
    let mut context = Map::new();
    context.insert("anchor".into(), Value::String(anchor.to_owned()));
    for link in links {
        let relation = link.link_type.replacen("gs1:", GS1_VOC, 1);
        let target = json!({
            "href": link.href,
            "title": link.title,
            "type": link.media_type,
            "hreflang": link.hreflang,
        });
        match context.get_mut(&relation) {
            Some(Value::Array(targets)) => targets.push(target),
            _ => {
                context.insert(relation, Value::Array(vec![target]));
            }
        }
    }
    json!({ "linkset": [Value::Object(context)] })
}

/// The `Link` header value every resolution carries: where its linkset is.
pub fn link_header(anchor: &str) -> String {
    let separator = if anchor.contains('?') { '&' } else { '?' };
    format!(
        "<{anchor}{separator}linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\""
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> Vec<Link> {
        vec![
            Link {
                link_type: "gs1:pip",
                href: "https://t.vn/01/08936012340020".into(),
                title: "Mật ong".into(),
                media_type: "application/json",
                hreflang: &["vi", "en"],
            },
            Link {
                link_type: "gs1:pip",
                href: "https://t.vn/p.html".into(),
                title: "Mật ong".into(),
                media_type: "text/html",
                hreflang: &["vi"],
            },
        ]
    }

    #[test]
    fn a_linkset_has_one_context_object_with_its_anchor_and_relations() {
        let set = linkset("https://t.vn/01/08936012340020", &links());
        let contexts = set["linkset"].as_array().expect("array");
        assert_eq!(contexts.len(), 1);
        assert_eq!(contexts[0]["anchor"], "https://t.vn/01/08936012340020");
        let targets = contexts[0]["https://gs1.org/voc/pip"]
            .as_array()
            .expect("targets");
        assert_eq!(targets.len(), 2);
        assert_eq!(targets[1]["type"], "text/html");
        assert_eq!(targets[0]["hreflang"], json!(["vi", "en"]));
    }

    #[test]
    fn link_requests() {
        assert_eq!(LinkRequest::of(Some("all"), None), LinkRequest::Linkset);
        assert_eq!(
            LinkRequest::of(None, Some("application/linkset+json")),
            LinkRequest::Linkset
        );
        assert_eq!(
            LinkRequest::of(Some("https://gs1.org/voc/pip"), None),
            LinkRequest::Type("gs1:pip".into())
        );
        assert_eq!(
            LinkRequest::of(None, Some("text/html")),
            LinkRequest::Default
        );
        assert_eq!(
            link_header("https://t.vn/01/1?lang=en"),
            "<https://t.vn/01/1?lang=en&linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\""
        );
    }
}
