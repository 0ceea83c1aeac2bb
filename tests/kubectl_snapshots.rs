//! The rendered diagnoses (human and JSON) of every kubectl paste in `fixtures/kubectl/`, each
//! named explicitly as a user would (`pullcheck saved/describe.txt`), plus the docs' pasted
//! examples.

mod common;

use common::{files_under, human, json, lint_paths, lint_text, repo};
use pullcheck::rules::{CATALOG, Category, RuleMeta};

/// The diagnosis rules (`pull-*` causes; the `pull-secret-*` rules are about manifests).
fn diagnosis_rules() -> impl Iterator<Item = &'static &'static RuleMeta> {
    CATALOG.iter().filter(|r| r.category == Category::Diagnosis)
}

#[test]
fn kubectl_fixture_snapshots() {
    for file in files_under(&repo().join("fixtures/kubectl")) {
        let rel = file
            .strip_prefix(repo())
            .expect("under repo")
            .to_string_lossy()
            .into_owned();
        let stem = file
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        let report = lint_paths(&[&rel]);
        insta::assert_snapshot!(format!("kubectl-{stem}-human"), human(&report));
        insta::assert_snapshot!(format!("kubectl-{stem}-json"), json(&report));
    }
}

#[test]
fn kubectl_text_is_diagnosed_not_parsed_as_yaml() {
    let report = lint_paths(&["fixtures/kubectl/describe-many-pods.txt"]);
    let diagnosis = |rule: &str| {
        pullcheck::rules::find(rule).is_some_and(|r| r.category == Category::Diagnosis)
    };
    assert!(report.findings.iter().all(|f| diagnosis(f.rule)));
    assert_eq!(report.findings.len(), 2);
}

/// The ```text examples of the `pull-*` docs fire their rule, like the YAML ones do.
#[test]
fn pull_doc_text_examples_fire_their_rule() {
    for rule in diagnosis_rules() {
        let example = &rule.doc[rule.doc.find("## Example").expect("example")..];
        let block = example
            .split("```text\n")
            .nth(1)
            .and_then(|b| b.split("```").next())
            .unwrap_or_else(|| panic!("rules/{}.md has no ```text example", rule.name));
        let report = lint_text("pasted.txt", block);
        let fired: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
        assert_eq!(fired, [rule.name], "rules/{}.md text example", rule.name);
    }
}

/// Every cause of `rules/causes.yaml` is a catalog rule and every `pull-*` rule is a cause.
#[test]
fn causes_and_catalog_agree() {
    let causes: Vec<&str> = pullcheck::kubectl::causes()
        .iter()
        .map(|c| c.rule.as_str())
        .collect();
    let rules: Vec<&str> = diagnosis_rules().map(|r| r.name).collect();
    assert_eq!(causes, rules);
    for c in pullcheck::kubectl::causes() {
        let rule = pullcheck::rules::find(&c.rule).expect("in the catalog");
        let expected = if c.rule == "pull-failed" {
            "warning"
        } else {
            "error"
        };
        assert_eq!(rule.severity.as_str(), expected, "{}", c.rule);
    }
}
