//! Issue 11: kubectl output printed by the REAL kubectl client (`fixtures/kubectl/rendered/`,
//! made by `scripts/render-kubectl-fixtures.sh` against the stand-in API server in
//! `tests/kubectl-standin/`). Each scenario's `expected.tsv` (written by hand) says what every
//! file must be diagnosed as; when kubectl is installed, the fixtures are rendered again and must
//! still be what kubectl prints (docs/kubectl-output.md).
//!
//! Issue 22: the same scenarios as kubectl 1.22 … 1.35 print them. `fixtures/kubectl/versions/`
//! holds each text that differs from every text stored before it (1.31's in `rendered/` first,
//! then the versions oldest first), and its `manifest.tsv` says which stored file each version
//! prints for each scenario and command.

use crate::common::{files_under, human, lint_paths, repo};
use pullcheck::engine::Report;
use pullcheck::rules::{CATALOG, Category};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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

/// What is wrong with the diagnosis of `path` (relative to the repository), if anything, by
/// the scenario's expectations for its file name.
fn misdiagnosed(path: &str, want: &BTreeMap<String, Vec<Row>>) -> Option<String> {
    let file = path.rsplit('/').next().unwrap_or(path);
    let mut expected = want
        .get(file)
        .or_else(|| want.get("*"))
        .cloned()
        .unwrap_or_default();
    expected.sort();
    let got = diagnoses(&lint_paths(&[path]));
    (got != expected).then(|| format!("{path}\n  expected {expected:?}\n  got      {got:?}"))
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
            wrong.extend(misdiagnosed(&rel(&path), &want));
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

/// A pattern compiled once: the matrix compares thousands of files (and the test profile does
/// not optimise the regex crate, whose compilation is then the cost).
fn pattern(cell: &'static OnceLock<Regex>, re: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(re).expect("regex"))
}

/// Timestamps are the render's clock (the stand-in keeps every age fixed, not the dates).
fn without_times(text: &str) -> String {
    static RFC3339: OnceLock<Regex> = OnceLock::new();
    static RFC1123: OnceLock<Regex> = OnceLock::new();
    let rfc3339 = pattern(&RFC3339, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z");
    // describe's Start Time / Started (Go's RFC1123Z).
    let rfc1123 = pattern(
        &RFC1123,
        r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}",
    );
    let text = rfc3339.replace_all(text, "<time>");
    rfc1123.replace_all(&text, "<time>").into_owned()
}

/// Looser still: an age one second off (a render slowed down by a busy machine) and the column
/// widths it moves. Used only to tell that drift from a real difference.
fn without_ages(text: &str) -> String {
    static AGE: OnceLock<Regex> = OnceLock::new();
    static SPACES: OnceLock<Regex> = OnceLock::new();
    let text = without_times(text);
    let text = pattern(&AGE, r"\b\d+[smhdy](\d+[smh])?\b").replace_all(&text, "<age>");
    pattern(&SPACES, r" +").replace_all(&text, " ").into_owned()
}

/// `1.26` of a release `1.26.4`.
fn minor(release: &str) -> String {
    release.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// `fixtures/kubectl/versions/`: the texts other kubectl versions print differently.
fn versions_dir() -> PathBuf {
    repo().join("fixtures/kubectl/versions")
}

/// `versions/manifest.tsv`: for each kubectl release (the columns) and each `scenario/file`
/// (the rows), the folder under `fixtures/kubectl/` that holds what it prints (`rendered`,
/// `versions/1.22`, …), or `-` where that version has no such command.
struct Manifest {
    releases: Vec<String>,
    rows: Vec<(String, Vec<Option<String>>)>,
}

impl Manifest {
    fn read() -> Self {
        let path = versions_dir().join("manifest.tsv");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut lines = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
        let header: Vec<&str> = lines.next().expect("manifest header").split('\t').collect();
        assert_eq!(header.first(), Some(&"file"), "manifest header: {header:?}");
        let releases: Vec<String> = header[1..].iter().map(|r| r.to_string()).collect();
        let rows = lines
            .map(|line| {
                let cols: Vec<&str> = line.split('\t').collect();
                assert_eq!(cols.len(), releases.len() + 1, "manifest row: {line:?}");
                let cells = cols[1..]
                    .iter()
                    .map(|c| (*c != "-").then(|| c.to_string()))
                    .collect();
                (cols[0].to_string(), cells)
            })
            .collect();
        Manifest { releases, rows }
    }

    /// The column of a release (`1.26.4`): the same minor version.
    fn column(&self, release: &str) -> Option<usize> {
        self.releases
            .iter()
            .position(|r| minor(r) == minor(release))
    }

    fn write(&self) {
        let mut out = String::from(
            "# What each kubectl version prints, by the committed file that holds it (issue 22): the\n\
             # folder under fixtures/kubectl/ (`rendered` is kubectl 1.31's), `-` where the version has\n\
             # no such command. Written by `UPDATE_KUBECTL_VERSIONS=1 scripts/test.sh --test it\n\
             # kubectl_still_prints`; docs/kubectl-output.md says what differs.\n",
        );
        out.push_str(&format!("file\t{}\n", self.releases.join("\t")));
        for (file, cells) in &self.rows {
            let cells: Vec<&str> = cells.iter().map(|c| c.as_deref().unwrap_or("-")).collect();
            out.push_str(&format!("{file}\t{}\n", cells.join("\t")));
        }
        std::fs::write(versions_dir().join("manifest.tsv"), out).expect("write manifest.tsv");
    }
}

/// Each version, each file of the manifest, diagnosed against its scenario's `expected.tsv`
/// (each stored text once: most versions print most files as another version does).
#[test]
fn every_kubectl_version_is_diagnosed_as_expected() {
    let manifest = Manifest::read();
    assert!(manifest.releases.len() >= 14, "{:?}", manifest.releases);
    let mut verdict: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (file, cells) in &manifest.rows {
        let scenario = file.split('/').next().expect("scenario/file");
        let want = expectations(&rendered().join(scenario));
        for folder in cells.iter().flatten() {
            let path = format!("fixtures/kubectl/{folder}/{file}");
            if !verdict.contains_key(&path) {
                assert!(
                    repo().join(&path).is_file(),
                    "manifest.tsv names {path}, which is not there"
                );
                verdict.insert(path.clone(), misdiagnosed(&path, &want));
            }
        }
    }
    // Every stored version file is some version's.
    let stored: BTreeSet<String> = files_under(&versions_dir())
        .iter()
        .map(|p| rel(p))
        .filter(|p| !p.ends_with("manifest.tsv"))
        .collect();
    let unused: Vec<&String> = stored
        .iter()
        .filter(|p| !verdict.contains_key(*p))
        .collect();
    assert!(
        unused.is_empty(),
        "in no version of manifest.tsv: {unused:?}"
    );
    // The per-version report, which docs/kubectl-output.md gives as a table.
    let doc = std::fs::read_to_string(repo().join("docs/kubectl-output.md"))
        .expect("docs/kubectl-output.md");
    let mut stale = Vec::new();
    for (i, release) in manifest.releases.iter().enumerate() {
        let (mut files, mut exact, mut own) = (0, 0, 0);
        for (file, cells) in &manifest.rows {
            let Some(folder) = &cells[i] else { continue };
            files += 1;
            exact += usize::from(verdict[&format!("fixtures/kubectl/{folder}/{file}")].is_none());
            own += usize::from(folder != "rendered");
        }
        eprintln!(
            "kubectl {release}: {files} files, {exact} diagnosed exactly, {own} printed unlike 1.31"
        );
        let row = format!(
            "| {} | {release} | {files} | {exact} | {own} |",
            minor(release)
        );
        if !doc.contains(&row) {
            stale.push(row);
        }
    }
    assert!(
        stale.is_empty(),
        "docs/kubectl-output.md's table of versions lacks: {stale:#?}"
    );
    let wrong: Vec<&String> = verdict.values().flatten().collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Where the clients to render with come from: `PULLCHECK_KUBECTL_MATRIX` (kubectl 1.22 …
/// 1.35, scripts/install-kubectl-matrix.sh) and `PULLCHECK_KUBECTL` (1.31, or the user's own).
fn clients() -> Option<String> {
    let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
    let matrix = var("PULLCHECK_KUBECTL_MATRIX");
    if std::env::var_os("PULLCHECK_REQUIRE_CLIENTS").is_some() {
        assert!(
            matrix.is_some(),
            "PULLCHECK_KUBECTL_MATRIX is not set but PULLCHECK_REQUIRE_CLIENTS is: scripts/install-kubectl-matrix.sh failed"
        );
        assert!(
            var("PULLCHECK_KUBECTL").is_some(),
            "PULLCHECK_KUBECTL is not set but PULLCHECK_REQUIRE_CLIENTS is: scripts/install-renderers.sh failed"
        );
    }
    let list: Vec<String> = [matrix, var("PULLCHECK_KUBECTL")]
        .into_iter()
        .flatten()
        .collect();
    (!list.is_empty()).then(|| list.join(":"))
}

/// The committed files still are what each kubectl prints: a fresh render of every scenario
/// with every client (each release once, several at a time: scripts/render-kubectl-fixtures.sh
/// --matrix), compared with the file `manifest.tsv` names for its version. A client of a
/// version the manifest does not list is compared with 1.31's (`rendered/`).
/// `UPDATE_KUBECTL_VERSIONS=1` writes `versions/` and `manifest.tsv` from the render instead.
#[test]
fn kubectl_still_prints_the_committed_fixtures() {
    let Some(clients) = clients() else {
        eprintln!(
            "skipping: set PULLCHECK_KUBECTL_MATRIX and/or PULLCHECK_KUBECTL (scripts/test.sh installs them)"
        );
        return;
    };
    let out = std::env::temp_dir().join(format!("pullcheck-rendered-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let started = std::time::Instant::now();
    let status = std::process::Command::new(repo().join("scripts/render-kubectl-fixtures.sh"))
        .arg("--matrix")
        .arg(&out)
        .env("PULLCHECK_KUBECTL_MATRIX", &clients)
        .status()
        .expect("scripts/render-kubectl-fixtures.sh runs");
    assert!(status.success(), "render script: {status}");
    eprintln!("rendered in {:.0?}", started.elapsed());
    let mut releases: Vec<String> = std::fs::read_dir(&out)
        .expect("the render's folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    // Oldest first (1.9 < 1.10): the order in which new texts are stored.
    releases.sort_by_key(|r| {
        r.split('.')
            .map(|n| n.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    let result = if std::env::var_os("UPDATE_KUBECTL_VERSIONS").is_some() {
        update_versions(&out, &releases);
        Vec::new()
    } else {
        compare_with_manifest(&out, &releases)
    };
    let _ = std::fs::remove_dir_all(&out);
    assert!(
        result.is_empty(),
        "kubectl now prints these differently (run scripts/render-kubectl-fixtures.sh for 1.31's, \
         `UPDATE_KUBECTL_VERSIONS=1 scripts/test.sh --test it kubectl_still_prints` for the \
         others, and review the diff): {result:#?}"
    );
}

/// Same text, but for the render's clock; an age one second off is said and let through.
fn same_render(committed: &str, fresh: &str, what: &str) -> bool {
    if without_times(committed) == without_times(fresh) {
        return true;
    }
    if without_ages(committed) == without_ages(fresh) {
        eprintln!("{what}: an age moved by a second (slow render); same content");
        return true;
    }
    false
}

/// Each scenario's files: 1.31's committed file and its `scenario/file` name.
fn scenario_files() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for dir in scenarios() {
        let name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        out.extend(
            FILES
                .iter()
                .map(|file| (dir.join(file), format!("{name}/{file}"))),
        );
    }
    out
}

fn compare_with_manifest(out: &Path, releases: &[String]) -> Vec<String> {
    let manifest = Manifest::read();
    let mut wrong = Vec::new();
    for release in releases {
        let column = manifest.column(release);
        if column.is_none() {
            eprintln!(
                "kubectl {release} is not in versions/manifest.tsv: compared with 1.31's files"
            );
        }
        for (_, key) in scenario_files() {
            let fresh = std::fs::read_to_string(out.join(release).join(&key)).ok();
            let stored = match column {
                Some(i) => manifest
                    .rows
                    .iter()
                    .find(|(f, _)| *f == key)
                    .and_then(|(_, cells)| cells[i].clone()),
                None => Some("rendered".to_string()),
            };
            let same = match (&stored, &fresh) {
                (None, None) => true,
                (Some(folder), Some(fresh)) => {
                    let committed = std::fs::read_to_string(
                        repo().join("fixtures/kubectl").join(folder).join(&key),
                    )
                    .unwrap_or_default();
                    same_render(&committed, fresh, &format!("{release} {key}"))
                }
                _ => false,
            };
            if !same {
                wrong.push(format!(
                    "{release} {key} (committed: {})",
                    stored.as_deref().unwrap_or("none")
                ));
            }
        }
    }
    wrong
}

/// Stores each text not stored before (1.31's `rendered/` first, then oldest version first) as
/// `versions/<minor>/<scenario>/<file>`, keeping a committed file whose text did not change
/// (no churn of dates), and writes the manifest.
fn update_versions(out: &Path, releases: &[String]) {
    assert!(
        releases.len() >= 14,
        "UPDATE_KUBECTL_VERSIONS needs every client (PULLCHECK_KUBECTL_MATRIX): {releases:?}"
    );
    let mut keep: BTreeSet<PathBuf> = BTreeSet::new();
    let mut rows = Vec::new();
    for (reference, key) in scenario_files() {
        // (folder, text without times) of each text stored so far.
        let mut stored: Vec<(String, String)> = vec![(
            "rendered".to_string(),
            without_times(&std::fs::read_to_string(reference).unwrap_or_default()),
        )];
        let mut cells = Vec::new();
        for release in releases {
            let Ok(fresh) = std::fs::read_to_string(out.join(release).join(&key)) else {
                cells.push(None);
                continue;
            };
            let text = without_times(&fresh);
            if let Some((folder, _)) = stored.iter().find(|(_, t)| *t == text) {
                cells.push(Some(folder.clone()));
                continue;
            }
            assert!(
                !stored
                    .iter()
                    .any(|(_, t)| without_ages(t) == without_ages(&fresh)),
                "{release} {key}: an age moved by a second during the render; run it again"
            );
            let folder = format!("versions/{}", minor(release));
            assert!(
                minor(release) != "1.31",
                "kubectl {release} prints {key} unlike fixtures/kubectl/rendered/: run scripts/render-kubectl-fixtures.sh first"
            );
            let path = repo().join("fixtures/kubectl").join(&folder).join(&key);
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            if without_times(&committed) != text {
                std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
                std::fs::write(&path, &fresh).expect("write a version's file");
            }
            keep.insert(path);
            stored.push((folder.clone(), text));
            cells.push(Some(folder));
        }
        rows.push((key, cells));
    }
    for path in files_under(&versions_dir()) {
        if !keep.contains(&path) && !path.ends_with("manifest.tsv") {
            std::fs::remove_file(&path).expect("remove a file no version prints");
        }
    }
    Manifest {
        releases: releases.to_vec(),
        rows,
    }
    .write();
}
