//! Every rule's fixtures: `fail/` fires the rule (in every file), `pass/` never does, and the
//! rendered diagnostics of `fail/` are snapshotted (human and JSON).

mod common;

use common::{files_under, human, json, lint_paths, repo};
use pullcheck::rules::CATALOG;

/// Fixture folders that are not about one rule.
const SHARED_FIXTURE_DIRS: &[&str] = &["kubectl", "hostile", "ci"];

/// Files in a `fail/` folder that support another file rather than fire on their own.
fn is_support_file(path: &std::path::Path) -> bool {
    path.file_name().is_some_and(|n| n == "Chart.yaml")
}

#[test]
fn every_rule_has_fail_and_pass_fixtures() {
    for rule in CATALOG {
        let dir = repo().join("fixtures").join(rule.name);
        for side in ["fail", "pass"] {
            assert!(
                dir.join(side).is_dir(),
                "rule {} has no fixtures/{}/{side}/",
                rule.name,
                rule.name
            );
        }
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

#[test]
fn fail_fixtures_fire_their_rule_in_every_file() {
    for rule in CATALOG {
        let dir = format!("fixtures/{}/fail", rule.name);
        let report = lint_paths(&[&dir]);
        for file in files_under(&repo().join(&dir)) {
            if is_support_file(&file) {
                continue;
            }
            let rel = file
                .strip_prefix(repo())
                .expect("under repo")
                .to_string_lossy()
                .into_owned();
            let fired = report.findings.iter().any(|f| {
                f.rule == rule.name
                    && report
                        .sources
                        .get(f.span.file)
                        .is_some_and(|s| s.name == rel)
            });
            assert!(
                fired,
                "{rel} does not fire {}:\n{}",
                rule.name,
                human(&report)
            );
        }
    }
}

#[test]
fn pass_fixtures_never_fire_their_rule() {
    for rule in CATALOG {
        let dir = format!("fixtures/{}/pass", rule.name);
        let report = lint_paths(&[&dir]);
        assert!(
            !report.findings.iter().any(|f| f.rule == rule.name),
            "{dir} fires {}:\n{}",
            rule.name,
            human(&report)
        );
    }
}

#[test]
fn fail_fixture_snapshots() {
    for rule in CATALOG {
        let dir = format!("fixtures/{}/fail", rule.name);
        let report = lint_paths(&[&dir]);
        insta::assert_snapshot!(format!("{}-human", rule.name), human(&report));
        insta::assert_snapshot!(format!("{}-json", rule.name), json(&report));
    }
}
