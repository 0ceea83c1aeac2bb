//! The docs of the cross-object rules: the format, and their Example fires while their Fix does
//! not. A block whose first line is `# .pullcheck.yaml: {…}` is linted with that config.

use pullcheck::config;
use pullcheck::engine::{LintOptions, lint};
use pullcheck::rules;

const RULES: &[&str] = &[
    "never-without-prepull",
    "private-registry-without-pull-secret",
    "pull-secret-not-found",
    "pull-secret-wrong-type",
    "pull-secret-registry-mismatch",
    "pull-secret-malformed",
    "registry-not-allowed",
    "unused-suppression",
];

fn block_after<'a>(doc: &'a str, heading: &str) -> &'a str {
    let at = doc.find(heading).unwrap_or_else(|| panic!("no {heading}"));
    let rest = &doc[at..];
    let start = rest.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let end = rest[start..].find("```").expect("closed block");
    &rest[start..start + end]
}

fn fires(rule: &str, yaml: &str, tag: &str) -> bool {
    let cfg = yaml
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# .pullcheck.yaml:"))
        .map(|c| config::parse("doc", c.trim()).expect("doc config"))
        .unwrap_or_default();
    let dir =
        std::env::temp_dir().join(format!("pullcheck-doc-{}-{rule}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("example.yaml");
    std::fs::write(&path, yaml).unwrap();
    let opts = LintOptions {
        paths: vec![path],
        jobs: 1,
        settings: cfg.settings(),
        ..LintOptions::default()
    };
    let report = lint(&opts).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    report.findings.iter().any(|f| f.rule == rule)
}

#[test]
fn docs_follow_the_format_and_their_examples_are_right() {
    for name in RULES {
        let meta = rules::find(name).unwrap_or_else(|| panic!("{name} not in the catalog"));
        let doc = meta.doc;
        assert!(doc.starts_with(&format!("# {name}\n")), "{name}: title");
        assert!(
            doc.contains(&format!(
                "**Severity:** {} · **Category:** {}",
                meta.severity.as_str(),
                meta.category.as_str()
            )),
            "{name}: severity line"
        );
        for section in [
            "## What it does",
            "## Why the pull fails",
            "## Example",
            "## Fix",
            "## References",
        ] {
            assert!(doc.contains(section), "{name}: {section}");
        }
        assert!(
            fires(name, block_after(doc, "## Example"), "example"),
            "{name}: Example must fire"
        );
        assert!(
            !fires(name, block_after(doc, "## Fix"), "fix"),
            "{name}: Fix must not fire"
        );
    }
}
