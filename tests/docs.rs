//! The catalog, the rule docs and `pullcheck explain` agree: every rule has a doc with the
//! standard sections, no doc is orphaned, and each doc's example fires its rule while the fix
//! does not.

mod common;

use common::repo;
use pullcheck::config;
use pullcheck::engine::{LintOptions, Report, lint_memory};
use pullcheck::rules::CATALOG;

/// Lints a doc block; a first line `# .pullcheck.yaml: {…}` is the config to lint it with.
fn lint_block(name: &str, yaml: &str) -> Report {
    let cfg = yaml
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# .pullcheck.yaml:"))
        .map(|c| config::parse("doc", c.trim()).expect("doc config"))
        .unwrap_or_default();
    let opts = LintOptions {
        settings: cfg.settings(),
        severities: cfg.severities.clone(),
        ..LintOptions::default()
    };
    lint_memory(&[(name, yaml)], &opts).expect("lint runs")
}

const SECTIONS: &[&str] = &[
    "## What it does",
    "## Why the pull fails",
    "## Example",
    "## Fix",
    "## References",
];

/// The ```yaml blocks of one section.
fn yaml_blocks<'a>(doc: &'a str, section: &str) -> Vec<&'a str> {
    let Some(start) = doc.find(section) else {
        return Vec::new();
    };
    let body = &doc[start + section.len()..];
    let body = &body[..body.find("\n## ").unwrap_or(body.len())];
    body.split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect()
}

#[test]
fn every_rule_has_a_doc_with_the_standard_sections() {
    for rule in CATALOG {
        let path = repo().join("rules").join(format!("{}.md", rule.name));
        let on_disk = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("missing rules/{}.md", rule.name));
        assert_eq!(on_disk, rule.doc, "{} embeds a stale doc", rule.name);
        assert!(
            rule.doc.starts_with(&format!("# {}\n", rule.name)),
            "rules/{}.md must start with its name",
            rule.name
        );
        let severity_line = format!(
            "**Severity:** {} · **Category:** {}",
            rule.severity.as_str(),
            rule.category.as_str()
        );
        assert!(
            rule.doc.contains(&severity_line),
            "rules/{}.md must state `{severity_line}`",
            rule.name
        );
        for section in SECTIONS {
            assert!(
                rule.doc.contains(section),
                "rules/{}.md lacks {section}",
                rule.name
            );
        }
    }
}

#[test]
fn no_doc_without_a_rule() {
    for entry in std::fs::read_dir(repo().join("rules")).expect("rules/") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(rule) = name.strip_suffix(".md") {
            assert!(
                pullcheck::rules::find(rule).is_some(),
                "rules/{name} documents no rule"
            );
        }
    }
}

#[test]
fn doc_examples_fire_and_fixes_do_not() {
    for rule in CATALOG {
        for example in yaml_blocks(rule.doc, "## Example") {
            let report = lint_block("example.yaml", example);
            assert!(
                report.findings.iter().any(|f| f.rule == rule.name),
                "the example in rules/{}.md does not fire it",
                rule.name
            );
        }
        for fix in yaml_blocks(rule.doc, "## Fix") {
            let report = lint_block("fix.yaml", fix);
            assert!(
                !report.findings.iter().any(|f| f.rule == rule.name),
                "the fix in rules/{}.md still fires it",
                rule.name
            );
        }
    }
}

#[test]
fn readme_rule_table_matches_the_catalog() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    for rule in CATALOG {
        let row = format!("| `{}` | {} |", rule.name, rule.severity.as_str());
        assert!(
            readme.contains(&row),
            "README.md rule table lacks the row `{row}`"
        );
    }
}

/// The README's list of known kinds is generated from `rules/kinds.yaml`, never kept by hand:
/// `UPDATE_README=1 cargo test --test docs readme_kinds` rewrites it.
#[test]
fn readme_kinds_list_matches_the_table() {
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let table = pullcheck::model::KindTable::builtin();
    let want = pullcheck::model::kinds::markdown(table.builtin_entries());
    let begin = readme
        .find("<!-- kinds:begin")
        .and_then(|i| readme[i..].find("-->\n").map(|j| i + j + 4))
        .expect("README.md has a `<!-- kinds:begin … -->` marker");
    let end = readme
        .find("<!-- kinds:end -->")
        .expect("README.md has a `<!-- kinds:end -->` marker");
    let have = &readme[begin..end];
    if have != want && std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{}{}", &readme[..begin], want, &readme[end..]);
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    assert_eq!(
        have, want,
        "README.md's kinds list differs from rules/kinds.yaml; run UPDATE_README=1 cargo test --test docs readme_kinds"
    );
    for (group, kinds) in pullcheck::model::kinds::describe(table.builtin_entries()) {
        assert!(!kinds.is_empty(), "{group}");
    }
}
