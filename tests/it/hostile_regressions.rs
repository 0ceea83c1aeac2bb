//! Regression tests for what fuzzing and the performance work found: minimized crashers under
//! `fixtures/hostile/` must lint without panicking, oversized files are refused without being
//! read, and a file whose text the engine dropped (no finding of its own) is re-read, and its
//! Secret values masked again, when a cross-object finding points into it.

use crate::common;

use common::{human, json, repo, rules_fired};
use pullcheck::engine::{LintOptions, lint, lint_memory};
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pullcheck-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn lint_dir(dir: &std::path::Path, max_file_size: u64) -> pullcheck::engine::Report {
    let opts = LintOptions {
        paths: vec![dir.to_path_buf()],
        max_file_size,
        jobs: 2,
        ..LintOptions::default()
    };
    lint(&opts).expect("lint runs")
}

#[test]
fn every_hostile_fixture_lints_and_renders() {
    let dir = repo().join("fixtures/hostile");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures/hostile") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        // Crashers are stored as raw fuzzer input: the pipeline target splits at 0xff.
        let mut parts = bytes.splitn(2, |b| *b == 0xff);
        let a = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        let b = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        let report = lint_memory(
            &[("a.yaml", &a), ("dir/b.json", &b)],
            &LintOptions::default(),
        )
        .expect("lint runs");
        let _ = (human(&report), json(&report));
        seen += 1;
    }
    assert!(seen > 0, "no fixture in {}", dir.display());
}

#[test]
fn a_file_over_the_size_limit_is_a_finding_and_the_rest_is_linted() {
    let dir = temp_dir("max-size");
    let big = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata:\n  blob: \"{}\"\n",
        "x".repeat(4000)
    );
    std::fs::write(dir.join("big.yaml"), big).expect("write");
    std::fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx}]\n",
    )
    .expect("write");
    let report = lint_dir(&dir, 1024);
    assert_eq!(
        rules_fired(&report),
        vec!["unreadable-input", "missing-tag"]
    );
    assert!(
        report.findings[0]
            .message
            .contains("over the --max-file-size limit of 1024 bytes"),
        "{}",
        human(&report)
    );
    assert!(
        !report.input_failed,
        "a skipped big file is not an I/O failure"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_huge_sparse_file_is_refused_without_reading_it() {
    // 4 GiB of holes (past u32 offsets): reading it (or allocating its size) would take minutes or fail; the
    // size check happens on the metadata, before any allocation.
    let dir = temp_dir("sparse");
    let file = std::fs::File::create(dir.join("huge.yaml")).expect("create");
    if file.set_len(4 << 30).is_err() {
        return; // a filesystem without sparse files: nothing to test
    }
    let started = std::time::Instant::now();
    let report = lint_dir(&dir, 64 << 20);
    assert_eq!(rules_fired(&report), vec!["unreadable-input"]);
    assert!(report.findings[0].message.contains("4294967296 bytes"));
    assert!(
        started.elapsed().as_secs() < 5,
        "took {:?}",
        started.elapsed()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_dropped_file_is_read_again_and_masked_for_a_cross_object_finding() {
    // secrets.yaml has no finding of its own, so the engine drops its text after parsing; the
    // mismatch finding in pod.yaml points into it and its value sits in the snippet's context.
    let dir = temp_dir("rehydrate");
    std::fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  imagePullSecrets: [{name: hub}]\n  containers:\n  - {name: a, image: registry.example.com:5000/shop/api:1.4.2}\n",
    )
    .expect("write");
    let config = r#"{"auths":{"https://index.docker.io/v1/":{"auth":"Ym90Omh1bnRlcjI="}}}"#;
    let b64 = "eyJhdXRocyI6eyJodHRwczovL2luZGV4LmRvY2tlci5pby92MS8iOnsiYXV0aCI6IlltOTBPbWgxYm5SbGNqST0ifX19";
    assert!(config.len() > 10);
    std::fs::write(
        dir.join("secrets.yaml"),
        format!("apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\nmetadata:\n  name: hub\n  namespace: shop\ndata:\n  .dockerconfigjson: {b64}\n"),
    )
    .expect("write");
    let report = lint_dir(&dir, 64 << 20);
    let out = human(&report);
    assert!(
        rules_fired(&report).contains(&"pull-secret-registry-mismatch"),
        "{out}"
    );
    assert!(
        out.contains("related:") && out.contains("secrets.yaml"),
        "{out}"
    );
    assert!(
        out.contains("name: hub"),
        "the dropped file's snippet is shown again:\n{out}"
    );
    assert!(
        !out.contains(b64),
        "a Secret value reached the output:\n{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
