//! Every rule's fixtures. A case is a direct child of `fixtures/<rule>/fail/` or `pass/`: a file,
//! or a directory of files linted together (a Pod in one file, its ServiceAccount and Secret in
//! others), with its `.pullcheck.yaml` as config when it has one. Every `fail` case fires its
//! rule and its human and JSON output are snapshotted; every `pass` case (a near miss) stays
//! silent for that rule.

use crate::common;

use common::{cases_in, human, json, needs_renderer, renderers_available, repo, run_case};
use pullcheck::rules::CATALOG;
use std::path::{Path, PathBuf};

/// Fixture folders that are not about one rule.
const SHARED_FIXTURE_DIRS: &[&str] = &["kubectl", "hostile", "ci", "kinds", "render", "silent"];

/// The cases of `fixtures/<rule>/<side>`, as paths relative to the repository.
fn cases(rule: &str, side: &str) -> Vec<PathBuf> {
    cases_in(&Path::new("fixtures").join(rule).join(side))
}

fn case_name(case: &Path) -> String {
    case.file_name()
        .map(|n| n.to_string_lossy().replace('.', "_"))
        .unwrap_or_default()
}

#[test]
fn every_rule_has_fixtures_and_every_fixture_a_rule() {
    for rule in CATALOG {
        cases(rule.name, "fail");
        cases(rule.name, "pass");
    }
    for entry in std::fs::read_dir(repo().join("fixtures")).expect("fixtures/") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        assert!(
            SHARED_FIXTURE_DIRS.contains(&name.as_str()) || pullcheck::rules::find(&name).is_some(),
            "fixtures/{name} does not belong to any rule"
        );
    }
}

/// The registry check's rules need `--online` and a registry: `tests/it/online.rs` runs their
/// fixtures against a real one. Offline they must stay silent (no connection is ever made).
fn online_rule(rule: &pullcheck::finding::RuleMeta) -> bool {
    rule.category == pullcheck::finding::Category::Registry
}

#[test]
fn online_rules_are_silent_offline() {
    for rule in CATALOG.iter().filter(|r| online_rule(r)) {
        for side in ["fail", "pass"] {
            for case in cases(rule.name, side) {
                let report = run_case(&case);
                assert!(
                    !report.findings.iter().any(|f| f.rule == rule.name),
                    "{} fires {} offline",
                    case.display(),
                    rule.name
                );
            }
        }
    }
}

#[test]
fn fail_cases_fire_their_rule_and_are_snapshotted() {
    for rule in CATALOG.iter().filter(|r| !online_rule(r)) {
        for case in cases(rule.name, "fail") {
            if needs_renderer(&case) && !renderers_available(&case.display().to_string()) {
                continue;
            }
            let report = run_case(&case);
            assert!(
                report.findings.iter().any(|f| f.rule == rule.name),
                "{} does not fire {}:\n{}",
                case.display(),
                rule.name,
                human(&report)
            );
            let name = format!("{}__{}", rule.name, case_name(&case));
            insta::assert_snapshot!(format!("{name}__human"), human(&report));
            insta::assert_snapshot!(format!("{name}__json"), json(&report));
        }
    }
}

#[test]
fn pass_cases_never_fire_their_rule() {
    for rule in CATALOG.iter().filter(|r| !online_rule(r)) {
        for case in cases(rule.name, "pass") {
            if needs_renderer(&case) && !renderers_available(&case.display().to_string()) {
                continue;
            }
            let report = run_case(&case);
            assert!(
                !report.findings.iter().any(|f| f.rule == rule.name),
                "{} fires {}:\n{}",
                case.display(),
                rule.name,
                human(&report)
            );
        }
    }
}
