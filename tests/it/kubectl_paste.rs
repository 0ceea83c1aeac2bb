//! Issue 11: a paste with a pull-failure marker never passes silently; manifests that merely
//! mention the words stay silent; stdin that holds nothing recognised says so.

use crate::common::{files_under, kubectl_sample_pastes, lint_text, repo};
use crate::kubectl_wrapping::{Style, wrap};
use pullcheck::engine::Report;
use regex::Regex;
use std::path::{Path, PathBuf};

/// The markers listed in issue 11, written independently of the reader's own list.
fn marker() -> Regex {
    Regex::new(
        r"Failed to pull image|failed to pull and unpack|ErrImagePull|ImagePullBackOff|Back-off pulling image|ErrImageNeverPull|InvalidImageName|ImageInspectError",
    )
    .expect("regex")
}

fn diagnoses(report: &Report) -> Vec<&pullcheck::finding::Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("pull-") && !f.rule.starts_with("pull-secret-"))
        .collect()
}

/// Every kubectl fixture, every `.txt` fail fixture and every shared sample.
fn pastes() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = files_under(&repo().join("fixtures/kubectl"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    for entry in std::fs::read_dir(repo().join("fixtures"))
        .expect("fixtures/")
        .flatten()
    {
        out.extend(
            files_under(&entry.path().join("fail"))
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "txt")),
        );
    }
    out.extend(kubectl_sample_pastes());
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn every_paste_with_a_marker_gets_a_diagnosis() {
    let marker = marker();
    let mut checked = 0;
    for path in pastes() {
        let text = read(&path);
        if !marker.is_match(&text) {
            continue;
        }
        checked += 1;
        let report = lint_text("paste.txt", &text);
        assert!(
            !diagnoses(&report).is_empty(),
            "{}: a pull-failure marker but no diagnosis",
            path.display()
        );
    }
    assert!(checked >= 20, "only {checked} pastes checked");
}

#[test]
fn every_marker_line_alone_gets_a_diagnosis() {
    // Each line that carries a marker, pasted on its own, still gives a diagnosis.
    let marker = marker();
    for path in pastes() {
        for line in read(&path).lines().filter(|l| marker.is_match(l)) {
            let report = lint_text("line.txt", line);
            assert!(
                !diagnoses(&report).is_empty(),
                "{}: no diagnosis for the line {line:?}",
                path.display()
            );
        }
    }
}

/// Manifests that merely mention a marker (an alerting rule that matches
/// `reason="ImagePullBackOff"`, a runbook in a ConfigMap): not pastes, so silent.
const MENTIONS: &[&str] = &[
    "fixtures/pull-failed/pass/alerting-rule.yaml",
    "fixtures/pull-failed/pass/runbook-configmap.yaml",
    "fixtures/templated-file/pass/prometheus-rule.yaml",
];

/// Where the files that mention a marker without being kubectl output live (issue 27).
const SILENT: &str = "fixtures/silent";

/// The scenario expectations beside the rendered kubectl fixtures: their markers are in
/// comments, and they are no input anyone lints.
fn is_expectation(rel: &str) -> bool {
    rel.ends_with("/expected.tsv")
}

/// Every file under `fixtures/` (any extension: pastes, Event lists, Pods with a status, …)
/// and every shared sample that carries a marker, with its path relative to the repository.
fn everything_with_a_marker() -> Vec<(String, String)> {
    let marker = marker();
    let mut files = files_under(&repo().join("fixtures"));
    files.extend(kubectl_sample_pastes());
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let rel = p.strip_prefix(repo()).unwrap_or(&p).display().to_string();
            marker.is_match(&text).then_some((rel, text))
        })
        .collect()
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// The must-stay-silent side: every file of `fixtures/silent/` that `pullcheck .` would read
/// (YAML, JSON) and the manifests of `MENTIONS`.
fn silent_corpus() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = files_under(&repo().join(SILENT))
        .into_iter()
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        })
        .map(|p| {
            let rel = p.strip_prefix(repo()).unwrap_or(&p).display().to_string();
            (rel, read(&p))
        })
        .collect();
    out.extend(
        MENTIONS
            .iter()
            .map(|rel| (rel.to_string(), read(&repo().join(rel)))),
    );
    out
}

fn lint_paths(paths: Vec<PathBuf>) -> Report {
    let opts = pullcheck::engine::LintOptions {
        paths,
        ..Default::default()
    };
    pullcheck::engine::lint(&opts).expect("lint")
}

/// Issue 11 and issue 27 in one test, so that neither can give way to the other: every paste
/// (fixture, shared sample, and each re-wrapped as a terminal or a chat window shows it) is
/// diagnosed, and every file that only mentions a failed pull (an alert rule, a dashboard, a
/// workflow, a template, a comment) is not.
#[test]
fn every_paste_diagnosed_and_every_mention_silent() {
    let marker = marker();
    let mut problems = Vec::new();

    // Silent: no finding at all walked (`pullcheck .` in CI) or named, no diagnosis on stdin.
    let silent = silent_corpus();
    for (rel, text) in &silent {
        assert!(marker.is_match(text), "{rel} must mention a marker");
        let named = lint_paths(vec![repo().join(rel)]);
        if !named.findings.is_empty() {
            problems.push(format!(
                "{rel} named: {:?}",
                crate::common::rules_fired(&named)
            ));
        }
        let stdin = lint_text("<stdin>", text);
        if !diagnoses(&stdin).is_empty() {
            problems.push(format!(
                "{rel} on stdin: {:?}",
                crate::common::rules_fired(&stdin)
            ));
        }
    }
    let walked = lint_paths(vec![repo().join(SILENT)]);
    for f in &walked.findings {
        problems.push(format!("{SILENT} walked: {} {}", f.rule, f.message));
    }

    // Diagnosed: everything else with a marker, as written and re-wrapped.
    let mut cases = 0;
    for (rel, text) in everything_with_a_marker() {
        if rel.starts_with(SILENT) || MENTIONS.contains(&rel.as_str()) || is_expectation(&rel) {
            continue;
        }
        let name = file_name(&rel);
        cases += 1;
        if diagnoses(&lint_text(name, &text)).is_empty() {
            problems.push(format!("{rel} as written: no diagnosis"));
        }
        // The same text as a narrower terminal or a chat window shows it: still a paste with a
        // marker, whatever the wrap did to its shape (a wrapped Event list is no YAML anymore).
        for width in (40..=200).step_by(16) {
            for style in [Style::Hard, Style::Words] {
                for (indent, eol) in [("", "\n"), ("  ", "\r\n")] {
                    let wrapped = wrap(&text, width, style, indent, eol);
                    // A cut through the only marker (`ErrImageN⏎everPull`) leaves none: the
                    // wrapping test holds such a text to the same answer as the original.
                    if wrapped == text || !marker.is_match(&wrapped) {
                        continue;
                    }
                    cases += 1;
                    if diagnoses(&lint_text(name, &wrapped)).is_empty() {
                        problems.push(format!(
                            "{rel} width {width} {style:?} indent {indent:?}: no diagnosis"
                        ));
                    }
                }
            }
        }
    }
    assert!(silent.len() >= 10, "only {} silent files", silent.len());
    assert!(cases > 1000, "only {cases} pastes");
    assert!(
        problems.is_empty(),
        "{} of {} silent files and {cases} pastes went wrong:\n{}",
        problems.len(),
        silent.len(),
        problems.join("\n")
    );
}

#[test]
fn manifests_that_mention_the_words_stay_silent() {
    for rel in MENTIONS {
        let path = repo().join(rel);
        let name = file_name(rel);
        let text = read(&path);
        assert!(marker().is_match(&text), "{name} must mention a marker");
        let report = lint_text(name, &text);
        assert!(
            diagnoses(&report).is_empty(),
            "{name}: {:?}",
            crate::common::rules_fired(&report)
        );
        assert!(
            !crate::common::rules_fired(&report).contains(&"empty-input"),
            "{name} is a manifest"
        );
    }
}

#[test]
fn describe_excerpt_without_a_pod_header_is_diagnosed() {
    let report = lint_text(
        "<stdin>",
        "    State:          Waiting\n      Reason:       ImagePullBackOff\n",
    );
    let d = diagnoses(&report);
    assert_eq!(d.len(), 1, "{:?}", crate::common::rules_fired(&report));
    assert_eq!(d[0].rule, "pull-failed");
    let report = lint_text(
        "<stdin>",
        "State:          Waiting\n  Reason:       ErrImageNeverPull\n",
    );
    assert_eq!(
        crate::common::rules_fired(&report),
        ["pull-never-not-present"]
    );
}

#[test]
fn stdin_with_nothing_recognised_is_empty_input() {
    for text in [
        "hello: world\nlist:\n  - a\n",
        "State: Running\nReady: true\n",
        "[1, 2, 3]\n",
        "{\"status\": {\"phase\": \"Running\"}}\n",
    ] {
        let report = lint_text("<stdin>", text);
        assert_eq!(
            crate::common::rules_fired(&report),
            ["empty-input"],
            "{text:?}"
        );
    }
}

#[test]
fn files_in_a_walked_directory_without_objects_stay_silent() {
    // A CI config found while walking: not an explicit input, so no note.
    let dir = std::env::temp_dir().join(format!("pullcheck-walk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    std::fs::write(
        dir.join("ci.yaml"),
        "stages: [build]\nbuild:\n  script: make\n",
    )
    .expect("write");
    let opts = pullcheck::engine::LintOptions {
        paths: vec![dir.clone()],
        ..Default::default()
    };
    let report = pullcheck::engine::lint(&opts).expect("lint");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        report.findings.is_empty(),
        "{:?}",
        crate::common::rules_fired(&report)
    );
}

#[test]
fn a_mention_with_no_shape_is_a_note_that_says_why() {
    let report = lint_text(
        "<stdin>",
        "the pods sit in ImagePullBackOff since the upgrade\n",
    );
    let d = diagnoses(&report);
    assert_eq!(d.len(), 1, "{:?}", crate::common::rules_fired(&report));
    assert_eq!(d[0].severity, pullcheck::finding::Severity::Note);
    assert!(
        d[0].message
            .contains("read as kubectl output only because it says \"ImagePullBackOff\""),
        "{}",
        d[0].message
    );
}

#[test]
fn a_paste_diagnosis_never_hides_a_syntax_error() {
    // A broken alert rule that mentions the words, and a wrapped pod status saved as YAML:
    // whatever is read as a paste, a file named as YAML that does not parse says so.
    let rule = "groups:\n- name: pods\n  rules:\n  - alert: ImagePullFailing\n    expr: kube_pod_container_status_waiting_reason{reason=~\"ErrImagePull|ImagePullBackOff\"} > 0\n     for: 5m\n";
    let status = "status:\n  containerStatuses:\n  - name: web\n    image: registry.example.com/web:2.0\n    state:\n      waiting:\n        reason: ImagePullBackOff\n        message: Back-off pulling image \"registry.example.com/web:2.0\"\n     ready: false\n";
    for (name, text) in [("rule.yaml", rule), ("status.yaml", status)] {
        let report = crate::common::lint_text(name, text);
        let rules = crate::common::rules_fired(&report);
        assert!(rules.contains(&"parse-error"), "{name}: {rules:?}");
        // Never a failing diagnosis for the alert rule: a note at most.
        if name == "rule.yaml" {
            assert!(
                report
                    .findings
                    .iter()
                    .all(|f| f.rule == "parse-error"
                        || f.severity == pullcheck::finding::Severity::Note),
                "{}",
                crate::common::human(&report)
            );
        }
    }
    // Named as text, a paste is only a paste.
    let report = crate::common::lint_text("status.txt", status);
    assert!(!crate::common::rules_fired(&report).contains(&"parse-error"));
}
