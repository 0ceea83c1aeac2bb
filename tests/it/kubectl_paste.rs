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

#[test]
fn never_a_silent_pass_on_any_fixture_sample_or_wrap_of_it() {
    let marker = marker();
    let mut silent = Vec::new();
    let mut cases = 0;
    for (rel, text) in everything_with_a_marker() {
        if MENTIONS.contains(&rel.as_str()) {
            continue;
        }
        let name = file_name(&rel);
        cases += 1;
        if diagnoses(&lint_text(name, &text)).is_empty() {
            silent.push(format!("{rel} as written"));
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
                        silent.push(format!("{rel} width {width} {style:?} indent {indent:?}"));
                    }
                }
            }
        }
    }
    assert!(cases > 1000, "only {cases} cases");
    assert!(
        silent.is_empty(),
        "{} of {cases} inputs with a pull-failure marker gave no diagnosis:\n{}",
        silent.len(),
        silent.join("\n")
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
