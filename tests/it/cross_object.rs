//! Cross-object behaviour beyond the per-rule fixtures (tests/it/fixtures.rs): labels in other
//! files, namespace defaulting, `--require-secrets`, thread-count independence.

use crate::common;

use pullcheck::engine::{LintOptions, lint};
use std::path::{Path, PathBuf};

#[test]
fn a_multi_file_finding_points_into_the_other_files() {
    let report = common::run_case(Path::new(
        "fixtures/pull-secret-registry-mismatch/fail/pod-sa-secrets",
    ));
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "pull-secret-registry-mismatch")
        .unwrap();
    let primary = report.sources.get(f.span.file).unwrap();
    assert!(primary.name.ends_with("pod.yaml"));
    let files: Vec<&str> = f
        .secondary
        .iter()
        .map(|l| report.sources.get(l.span.file).unwrap().name.as_str())
        .collect();
    assert!(
        files.iter().any(|n| n.ends_with("secrets.yaml")),
        "{files:?}"
    );
    // Each secondary label sits on the Secret's name, not on its data.
    for l in &f.secondary {
        let file = report.sources.get(l.span.file).unwrap();
        let text = file.raw_text().get(l.span.range()).unwrap_or("");
        assert!(
            ["hub", "regcred", "imagePullSecrets"].contains(&text),
            "{text:?}"
        );
    }
    // The object is filled in for cross-object findings too.
    let o = f.object.as_ref().unwrap();
    assert_eq!(
        (o.kind.as_str(), o.namespace.as_str(), o.name.as_str()),
        ("Deployment", "shop", "api")
    );
    assert_eq!(f.container.as_deref(), Some("api"));
}

#[test]
fn namespace_defaults_to_the_flag() {
    // The Secret says `namespace: shop`, the Pod names none: they meet only when the run's
    // default namespace is `shop` (`--namespace shop` or the config's `namespace`).
    let mut opts = LintOptions {
        paths: vec![PathBuf::from(
            "fixtures/pull-secret-not-found/pass/namespace-flag",
        )],
        jobs: 1,
        ..LintOptions::default()
    };
    opts.settings.require_secrets = true;
    let not_found = |opts: &LintOptions| {
        lint(opts)
            .unwrap()
            .findings
            .iter()
            .any(|f| f.rule == "pull-secret-not-found")
    };
    assert!(not_found(&opts), "in `default`, the Secret is not found");
    opts.settings.default_namespace = "shop".into();
    assert!(!not_found(&opts), "in `shop`, it is");
}

#[test]
fn require_secrets_reports_unknown_secrets() {
    let mut opts = LintOptions {
        paths: vec![PathBuf::from(
            "fixtures/pull-secret-not-found/pass/no-secrets-in-run.yaml",
        )],
        jobs: 1,
        ..LintOptions::default()
    };
    assert!(
        lint(&opts)
            .unwrap()
            .findings
            .iter()
            .all(|f| f.rule != "pull-secret-not-found")
    );
    opts.settings.require_secrets = true;
    assert!(
        lint(&opts)
            .unwrap()
            .findings
            .iter()
            .any(|f| f.rule == "pull-secret-not-found")
    );
}
