//! The layering rules of `docs/ARCHITECTURE.md`, checked on the sources, so
//! a change that breaks one fails here with the file and line that did.

// Test code: a failed expectation is the test failing.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// A source file and its lines of code (comments left out: they may name
/// anything).
struct Source {
    path: String,
    lines: Vec<(usize, String)>,
    total_lines: usize,
}

fn sources(under: &str) -> Vec<Source> {
    read_sources(under, false)
}

/// Comments included: where even naming a thing in prose is a smell.
fn sources_with_comments(under: &str) -> Vec<Source> {
    read_sources(under, true)
}

fn read_sources(under: &str, keep_comments: bool) -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(&root.join(under), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("readable source");
            let lines = text
                .lines()
                .enumerate()
                .filter(|(_, l)| keep_comments || !l.trim_start().starts_with("//"))
                .map(|(i, l)| (i + 1, l.to_owned()))
                .collect();
            Source {
                path: file
                    .strip_prefix(root)
                    .expect("under the crate")
                    .display()
                    .to_string(),
                lines,
                total_lines: text.lines().count(),
            }
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every line of `files` that contains one of `needles`, as `path:line: text`.
fn offending<'a>(
    files: impl IntoIterator<Item = &'a Source>,
    needles: &[&str],
    allowed: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut found = Vec::new();
    for s in files {
        for (n, line) in &s.lines {
            if needles.iter().any(|needle| line.contains(needle)) && !allowed(line) {
                found.push(format!("{}:{n}: {}", s.path, line.trim()));
            }
        }
    }
    found
}

fn under<'a>(all: &'a [Source], dirs: &[&str]) -> Vec<&'a Source> {
    all.iter()
        .filter(|s| dirs.iter().any(|d| s.path.starts_with(d)))
        .collect()
}

#[test]
fn services_and_below_do_not_know_http() {
    // Comments too: a layer below the front doors has no reason to name
    // the web framework at all.
    let all = sources_with_comments("src");
    let below = under(
        &all,
        &[
            "src/services/",
            "src/db/",
            "src/domain/",
            "src/labels/",
            "src/jobs/",
            "src/demo/",
            "src/auth/principal.rs",
            "src/error.rs",
            "src/secret.rs",
            "src/i18n.rs",
        ],
    );
    assert!(below.len() > 40, "the layers were not found");
    let found = offending(below, &["actix", "askama", "HttpResponse"], |_| false);
    assert!(
        found.is_empty(),
        "HTTP below the front doors:\n{}",
        found.join("\n")
    );
}

#[test]
fn front_doors_do_not_touch_sql() {
    let all = sources("src");
    let routes = under(&all, &["src/routes/"]);
    // `db::schema` is diesel's table definitions (utoipa has a `schema` module too).
    let found = offending(routes, &["diesel", "sql_query", "db::schema"], |_| false);
    assert!(found.is_empty(), "SQL in routes:\n{}", found.join("\n"));
}

#[test]
fn only_startup_and_cli_reach_into_routes() {
    let all = sources("src");
    let outside: Vec<&Source> = all
        .iter()
        .filter(|s| {
            !s.path.starts_with("src/routes/")
                && !["src/startup.rs", "src/cli.rs"].contains(&s.path.as_str())
        })
        .collect();
    let found = offending(outside, &["crate::routes", "ocop_trace::routes"], |_| false);
    assert!(
        found.is_empty(),
        "routes used outside the front door:\n{}",
        found.join("\n")
    );
}

#[test]
fn route_files_do_not_import_each_other() {
    let all = sources("src");
    let siblings: Vec<String> = under(&all, &["src/routes/"])
        .iter()
        .filter_map(|s| {
            let rest = s.path.strip_prefix("src/routes/")?;
            let stem = rest.strip_suffix(".rs")?;
            (!stem.contains('/') && stem != "mod").then(|| stem.to_owned())
        })
        .collect();
    assert!(siblings.len() > 10, "the route files were not found");
    // The shared helpers every handler may use: problem rendering, pages
    // and the answer of a list (JSON or CSV).
    let shared = ["problem", "pages", "list_answer"];
    let needles: Vec<String> = siblings
        .iter()
        .filter(|s| !shared.contains(&s.as_str()))
        .flat_map(|s| [format!("super::{s}"), format!("crate::routes::{s}")])
        .collect();
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    let files = under(&all, &["src/routes/"])
        .into_iter()
        .filter(|s| s.path != "src/routes/mod.rs");
    // A whole module name: `super::resolver`, not `super::resolver_links`.
    let names_a_sibling = |line: &str| {
        needles.iter().any(|needle| {
            line.match_indices(needle).any(|(at, _)| {
                !line[at + needle.len()..]
                    .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            })
        })
    };
    let found = offending(files, &needles, |line| !names_a_sibling(line));
    assert!(
        found.is_empty(),
        "route files importing each other:\n{}",
        found.join("\n")
    );
}

#[test]
fn dependencies_point_down() {
    let all = sources("src");
    // domain: nothing of ours.
    let domain = under(&all, &["src/domain/"]);
    let found = offending(domain, &["crate::"], |l| {
        l.split("crate::")
            .skip(1)
            .all(|rest| rest.starts_with("domain"))
    });
    assert!(
        found.is_empty(),
        "domain importing other layers:\n{}",
        found.join("\n")
    );
    // db: only domain (and itself), and the metric names in monitoring (cross-cutting,
    // as tracing is).
    let db = under(&all, &["src/db/"]);
    let found = offending(db, &["crate::"], |l| {
        l.split("crate::").skip(1).all(|rest| {
            rest.starts_with("domain") || rest.starts_with("db") || rest.starts_with("monitoring")
        })
    });
    assert!(
        found.is_empty(),
        "db importing upper layers:\n{}",
        found.join("\n")
    );
    // the catalogue: only the domain's words.
    let i18n = under(&all, &["src/i18n.rs"]);
    let found = offending(i18n, &["crate::"], |l| {
        l.split("crate::")
            .skip(1)
            .all(|rest| rest.starts_with("domain"))
    });
    assert!(
        found.is_empty(),
        "i18n importing other layers:\n{}",
        found.join("\n")
    );
    // services: never a front door or a background job.
    let services = under(&all, &["src/services/"]);
    let found = offending(
        services,
        &[
            "crate::routes",
            "crate::jobs",
            "crate::startup",
            "crate::cli",
            "crate::extract",
        ],
        |_| false,
    );
    assert!(
        found.is_empty(),
        "services importing front doors:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_source_file_is_over_600_lines() {
    let mut all = sources("src");
    all.extend(sources("tests"));
    let long: Vec<String> = all
        .iter()
        .filter(|s| s.total_lines > 600)
        .map(|s| format!("{}: {} lines", s.path, s.total_lines))
        .collect();
    assert!(long.is_empty(), "split these files:\n{}", long.join("\n"));
}
