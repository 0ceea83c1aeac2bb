//! The rendered diagnoses (human and JSON) of every kubectl paste in `fixtures/kubectl/`, each
//! named explicitly as a user would (`pullcheck saved/describe.txt`), plus the docs' pasted
//! examples.

use crate::common;

use common::{files_under, human, json, lint_paths, lint_text, repo};
use pullcheck::rules::{CATALOG, Category, RuleMeta};

/// The diagnosis rules (`pull-*` causes; the `pull-secret-*` rules are about manifests).
fn diagnosis_rules() -> impl Iterator<Item = &'static &'static RuleMeta> {
    CATALOG.iter().filter(|r| r.category == Category::Diagnosis)
}

/// Each direct child of `fixtures/kubectl/`: a paste, or a folder of files linted together
/// (pastes next to the manifests that deploy their images), every file named explicitly.
#[test]
fn kubectl_fixture_snapshots() {
    let mut cases: Vec<_> = std::fs::read_dir(repo().join("fixtures/kubectl"))
        .expect("fixtures/kubectl")
        .flatten()
        .map(|e| e.path())
        // The kubectl-rendered scenarios (1.31's and other versions') have their own table test
        // and snapshots (kubectl_rendered.rs): one case of 200 files would be one unreadable
        // snapshot.
        .filter(|p| !p.ends_with("rendered") && !p.ends_with("versions"))
        .collect();
    cases.sort();
    for case in cases {
        let rel = |p: &std::path::Path| {
            p.strip_prefix(repo())
                .expect("under repo")
                .to_string_lossy()
                .into_owned()
        };
        let files: Vec<String> = if case.is_dir() {
            files_under(&case).iter().map(|p| rel(p)).collect()
        } else {
            vec![rel(&case)]
        };
        let paths: Vec<&str> = files.iter().map(String::as_str).collect();
        let stem = case
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        let report = lint_paths(&paths);
        insta::assert_snapshot!(format!("kubectl-{stem}-human"), human(&report));
        insta::assert_snapshot!(format!("kubectl-{stem}-json"), json(&report));
    }
}

/// A diagnosis points at the manifest that deploys its image, with the line that explains it.
#[test]
fn diagnoses_link_to_the_manifests_in_the_run() {
    let report = lint_paths(&[
        "fixtures/kubectl/with-manifests/events.txt",
        "fixtures/kubectl/with-manifests/deploy.yaml",
    ]);
    let yaml = report
        .sources
        .iter()
        .find(|(_, s)| s.name.ends_with("deploy.yaml"))
        .map(|(id, s)| (id, s.raw_text().to_string()))
        .expect("deploy.yaml");
    let labels = |rule: &str| -> Vec<String> {
        let f = report
            .findings
            .iter()
            .find(|f| f.rule == rule)
            .unwrap_or_else(|| panic!("no {rule}"));
        f.secondary
            .iter()
            .filter(|l| l.span.file == yaml.0)
            .map(|l| format!("{} @ {}", l.text, &yaml.1[l.span.range()]))
            .collect()
    };
    assert_eq!(
        labels("pull-never-not-present"),
        [
            "Deployment/hello deploys this image @ hello-app:dev",
            "imagePullPolicy: Never: the kubelet never pulls @ Never"
        ]
    );
    assert_eq!(
        labels("pull-not-found"),
        [
            "Deployment/web deploys this image @ nginx:1.999",
            "the registry has no manifest for this @ 1.999"
        ]
    );
    let unauthorized = labels("pull-unauthorized");
    assert_eq!(
        unauthorized.first().map(String::as_str),
        Some("Deployment/api deploys this image @ registry.example.com/team/api:1.4")
    );
    assert!(
        unauthorized
            .iter()
            .any(|l| l.starts_with("see private-registry-without-pull-secret here @ ")),
        "{unauthorized:?}"
    );
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
        // No cause shown, or the kubelet's own throttle that it retries past: warnings.
        let expected = if c.rule == "pull-failed" || c.rule == "pull-qps-exceeded" {
            "warning"
        } else {
            "error"
        };
        assert_eq!(rule.severity.as_str(), expected, "{}", c.rule);
    }
}
