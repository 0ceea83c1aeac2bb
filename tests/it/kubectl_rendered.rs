//! Issue 11: kubectl output printed by the REAL kubectl client (`fixtures/kubectl/rendered/`,
//! made by `scripts/render-kubectl-fixtures.sh` against the stand-in API server in
//! `tests/kubectl-standin/`). Each scenario's `expected.tsv` (written by hand) says what every
//! file must be diagnosed as; when kubectl is installed, the fixtures are rendered again and must
//! still be what kubectl prints (docs/kubectl-output.md).

use crate::common::{human, lint_paths, repo};
use pullcheck::engine::Report;
use pullcheck::rules::{CATALOG, Category};
use regex::Regex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every command the render script runs, by the file it writes.
pub(crate) const FILES: &[&str] = &[
    "get-pods.txt",
    "get-pods-wide.txt",
    "get-pods-A.txt",
    "describe-pod.txt",
    "get-events.txt",
    "get-events-wide.txt",
    "get-events-A.txt",
    "events.txt",
    "events-A.txt",
    "get-pod.yaml",
    "get-pod.json",
    "get-events.yaml",
    "get-events.json",
    "events.yaml",
];

fn rendered() -> PathBuf {
    repo().join("fixtures/kubectl/rendered")
}

pub(crate) fn scenarios() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(rendered())
        .expect("fixtures/kubectl/rendered")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

pub(crate) type Row = (String, String, String);

/// `expected.tsv`: file (or `*`) → the (pod, image or `-`, rule) rows; rule `none` says the
/// file gives no diagnosis.
pub(crate) fn expectations(dir: &Path) -> BTreeMap<String, Vec<Row>> {
    let path = dir.join("expected.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "{}: {line:?}", path.display());
        for file in cols[0].split(',') {
            let rows = out.entry(file.to_string()).or_default();
            // `none`: this file must give no diagnosis at all.
            if cols[3] == "none" {
                continue;
            }
            rows.push((
                cols[1].to_string(),
                cols[2].to_string(),
                cols[3].to_string(),
            ));
        }
    }
    out
}

/// The diagnoses of a report as (pod, image or `-`, rule), sorted.
pub(crate) fn diagnoses(report: &Report) -> Vec<Row> {
    let mut out: Vec<Row> = report
        .findings
        .iter()
        .filter(|f| {
            CATALOG
                .iter()
                .any(|r| r.name == f.rule && r.category == Category::Diagnosis)
        })
        .map(|f| {
            let pod = f
                .extra
                .iter()
                .find(|(k, _)| *k == "pod")
                .map_or("-".to_string(), |(_, v)| v.clone());
            let image = f.image.clone().unwrap_or_else(|| "-".to_string());
            (pod, image, f.rule.to_string())
        })
        .collect();
    out.sort();
    out
}

fn rel(p: &Path) -> String {
    p.strip_prefix(repo())
        .expect("under repo")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn every_rendered_file_is_diagnosed_as_expected() {
    let dirs = scenarios();
    assert!(dirs.len() >= 15, "{} scenarios", dirs.len());
    let mut wrong = Vec::new();
    for dir in &dirs {
        let want = expectations(dir);
        for file in FILES {
            let path = dir.join(file);
            assert!(path.is_file(), "{} was not rendered", rel(&path));
            let mut expected = want
                .get(*file)
                .or_else(|| want.get("*"))
                .cloned()
                .unwrap_or_default();
            expected.sort();
            let got = diagnoses(&lint_paths(&[&rel(&path)]));
            if got != expected {
                wrong.push(format!(
                    "{}\n  expected {expected:?}\n  got      {got:?}",
                    rel(&path)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The rows a file must give, by how much they say: rows naming a cause, then rows naming an
/// image, then rows.
pub(crate) fn informed(rows: &[Row]) -> (usize, usize, usize) {
    (
        rows.iter().filter(|r| r.2 != "pull-failed").count(),
        rows.iter().filter(|r| r.1 != "-").count(),
        rows.len(),
    )
}

/// Issue 26: every pair of files of one run (pods.json + events.json, a describe and the events
/// pasted apart) merges every view of a pod: for each pod, the rows of the best single view of
/// it, never two rows for one container.
#[test]
fn every_pair_of_rendered_files_merges_into_the_best_view() {
    let mut wrong = Vec::new();
    let mut pairs = 0;
    for dir in &scenarios() {
        let want = expectations(dir);
        let rows_of = |file: &str| {
            let mut rows = want
                .get(file)
                .or_else(|| want.get("*"))
                .cloned()
                .unwrap_or_default();
            rows.sort();
            rows
        };
        for (i, a) in FILES.iter().enumerate() {
            for b in FILES.iter().skip(i + 1) {
                let (ra, rb) = (rows_of(a), rows_of(b));
                // Per pod (a `get pods -A` shows pods that `get pod NAME` does not).
                let pods: std::collections::BTreeSet<&String> =
                    ra.iter().chain(&rb).map(|r| &r.0).collect();
                let mut expected = Vec::new();
                for pod in pods {
                    let of = |rows: &[Row]| -> Vec<Row> {
                        rows.iter().filter(|r| &r.0 == pod).cloned().collect()
                    };
                    let (pa, pb) = (of(&ra), of(&rb));
                    expected.extend(if informed(&pb) > informed(&pa) {
                        pb
                    } else {
                        pa
                    });
                }
                expected.sort();
                let pa = rel(&dir.join(a));
                let pb = rel(&dir.join(b));
                let got = diagnoses(&lint_paths(&[&pa, &pb]));
                pairs += 1;
                if got != expected {
                    wrong.push(format!(
                        "{pa} + {b}\n  expected {expected:?}\n  got      {got:?}"
                    ));
                }
            }
        }
    }
    assert!(pairs >= 15 * 91, "{pairs} pairs");
    assert!(
        wrong.is_empty(),
        "{} of {pairs} pairs:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// What an on-call engineer reads for a few of them.
#[test]
fn rendered_human_output() {
    for case in [
        "missing-pull-secret/describe-pod.txt",
        "two-containers-interleaved/events.txt",
        "crio-init-unauthorized/get-events-wide.txt",
        "containerd-timeout-kubelet133/get-pod.yaml",
        "many-pods-all-namespaces/get-pods-A.txt",
    ] {
        let path = format!("fixtures/kubectl/rendered/{case}");
        let name = case.replace(['/', '.'], "-");
        insta::assert_snapshot!(format!("rendered-{name}"), human(&lint_paths(&[&path])));
    }
}

/// Timestamps are the render's clock (the stand-in keeps every age fixed, not the dates).
fn without_times(text: &str) -> String {
    let rfc3339 = Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z").expect("regex");
    // describe's Start Time / Started (Go's RFC1123Z).
    let rfc1123 = Regex::new(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}")
        .expect("regex");
    let text = rfc3339.replace_all(text, "<time>");
    rfc1123.replace_all(&text, "<time>").into_owned()
}

/// Looser still: an age one second off (a render slowed down by a busy machine) and the column
/// widths it moves. Used only to tell that drift from a real difference.
fn without_ages(text: &str) -> String {
    let age = Regex::new(r"\b\d+[smhdy](\d+[smh])?\b").expect("regex");
    let spaces = Regex::new(r" +").expect("regex");
    let text = without_times(text);
    let text = age.replace_all(&text, "<age>");
    spaces.replace_all(&text, " ").into_owned()
}

#[test]
fn kubectl_still_prints_the_committed_fixtures() {
    let Some(kubectl) = std::env::var_os("PULLCHECK_KUBECTL").filter(|p| Path::new(p).is_file())
    else {
        assert!(
            std::env::var_os("PULLCHECK_REQUIRE_CLIENTS").is_none(),
            "PULLCHECK_KUBECTL is not set but PULLCHECK_REQUIRE_CLIENTS is: scripts/install-renderers.sh failed"
        );
        eprintln!("skipping: set PULLCHECK_KUBECTL (scripts/test.sh installs kubectl)");
        return;
    };
    let out = std::env::temp_dir().join(format!("pullcheck-rendered-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let status = std::process::Command::new(repo().join("scripts/render-kubectl-fixtures.sh"))
        .arg(&out)
        .env("PULLCHECK_KUBECTL", &kubectl)
        .status()
        .expect("scripts/render-kubectl-fixtures.sh runs");
    assert!(status.success(), "render script: {status}");
    let mut wrong = Vec::new();
    for dir in scenarios() {
        let name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for file in FILES {
            let committed = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
            let fresh = std::fs::read_to_string(out.join(&name).join(file)).unwrap_or_default();
            if without_times(&committed) == without_times(&fresh) {
                continue;
            }
            if without_ages(&committed) == without_ages(&fresh) {
                eprintln!("{name}/{file}: an age moved by a second (slow render); same content");
                continue;
            }
            wrong.push(format!("{name}/{file}"));
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    assert!(
        wrong.is_empty(),
        "kubectl now prints these differently (run scripts/render-kubectl-fixtures.sh and review the diff): {wrong:?}"
    );
}
