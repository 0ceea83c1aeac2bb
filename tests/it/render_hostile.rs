//! Hostile charts and Kustomize roots, as a pull request could bring them (issue 25): links to a
//! file, a directory, `/proc/self/environ` and `.git/config`, a link chain, a values file and a
//! base outside the tree. Markers sit in every file outside the tree, in the checkout's
//! `.git/config` and in an environment variable of the pullcheck process; the test runs every
//! output format, `--output` files and the GitHub job summary, and asserts that no marker
//! appears anywhere and that every chart and root is reported — never passed silently.
//!
//! Everything is built under the system temp directory, outside this repository, so the linted
//! tree is exactly the directory the test names.

use crate::ci_support::{pullcheck_bin, run};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

const MARKERS: &[&str] = &[
    "MARKER-FILE-7f3a",
    "MARKER-DIR-19c2",
    "MARKER-VALUES-5d81",
    "MARKER-BASE-a6e0",
    "MARKER-GIT-0b44",
    "MARKER-ENV-c3d9",
];

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// A chart whose one container's image is `nginx:<template>:x`: whatever the template reads
/// ends up in an invalid reference, which pullcheck would quote.
fn chart(dir: &Path, template: &str) {
    write(
        &dir.join("Chart.yaml"),
        &format!(
            "apiVersion: v2\nname: {}\nversion: 0.1.0\n",
            dir.file_name().and_then(|n| n.to_str()).expect("name")
        ),
    );
    write(
        &dir.join("templates/pod.yaml"),
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: \"nginx:{template}:x\"\n"
        ),
    );
}

fn helm() -> Option<PathBuf> {
    crate::ci_support::client("PULLCHECK_HELM")
}

fn kubectl() -> Option<PathBuf> {
    crate::ci_support::client("PULLCHECK_KUBECTL")
}

/// The hostile tree: `base/tree` is linted, `base/outside` is what it must never reach.
fn hostile_tree(base: &Path) -> PathBuf {
    let outside = base.join("outside");
    write(&outside.join("secret.txt"), "MARKER-FILE-7f3a\n");
    write(&outside.join("dir/secret.txt"), "MARKER-DIR-19c2\n");
    write(&outside.join("values.yaml"), "leak: MARKER-VALUES-5d81\n");
    write(
        &outside.join("base/kustomization.yaml"),
        "resources:\n  - pod.yaml\n",
    );
    write(
        &outside.join("base/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\nspec:\n  containers:\n    - name: app\n      image: \"nginx:MARKER-BASE-a6e0:x\"\n",
    );
    let tree = base.join("tree");
    // The checkout's own `.git/config`, where actions/checkout keeps the job's token.
    write(
        &tree.join(".git/config"),
        "[http]\n\textraheader = AUTHORIZATION: basic MARKER-GIT-0b44\n",
    );
    write(&tree.join("shared/tag.txt"), "latest\n");

    let c = tree.join("charts/file-link");
    chart(&c, r#"{{ .Files.Get "files/data.txt" | trim }}"#);
    std::fs::create_dir_all(c.join("files")).expect("mkdir");
    symlink(outside.join("secret.txt"), c.join("files/data.txt")).expect("link");

    let c = tree.join("charts/dir-link");
    chart(&c, r#"{{ .Files.Get "files/secret.txt" | trim }}"#);
    symlink(outside.join("dir"), c.join("files")).expect("link");

    let c = tree.join("charts/environ");
    chart(
        &c,
        r#"{{ .Files.Get "env.txt" | replace "\x00" "," | trunc 4000 }}"#,
    );
    symlink("/proc/self/environ", c.join("env.txt")).expect("link");

    let c = tree.join("charts/chain");
    chart(&c, r#"{{ .Files.Get "a.txt" | trim }}"#);
    symlink("b.txt", c.join("a.txt")).expect("link");
    symlink("../../../outside/secret.txt", c.join("b.txt")).expect("link");

    let c = tree.join("charts/git-link");
    chart(&c, r#"{{ .Files.Get "cfg" | replace "\n" "," }}"#);
    symlink("../../.git/config", c.join("cfg")).expect("link");

    // Chart.yaml itself a link out: its text must not even be shown as a snippet.
    let c = tree.join("charts/chart-yaml-link");
    chart(&c, "1");
    std::fs::remove_file(c.join("Chart.yaml")).expect("rm");
    write(
        &outside.join("Chart.yaml"),
        "apiVersion: v2\nname: chart-yaml-link\nversion: 0.1.0\ndescription: MARKER-FILE-7f3a\n",
    );
    symlink(outside.join("Chart.yaml"), c.join("Chart.yaml")).expect("link");

    // A values file named by the (pull-request-controlled) config.
    let c = tree.join("charts/config-values");
    chart(&c, "{{ .Values.leak }}");
    write(
        &tree.join(".pullcheck.yaml"),
        &format!(
            "charts:\n  - path: charts/config-values\n    values: [{}]\n",
            outside.join("values.yaml").display()
        ),
    );

    // Kustomize: a base outside the tree, and a generator reading `.git/config` put into an
    // image by a replacement.
    let k = tree.join("kustomize/outside-base");
    write(
        &k.join("kustomization.yaml"),
        &format!("resources:\n  - {}\n", outside.join("base").display()),
    );
    let k = tree.join("kustomize/git-generator");
    write(
        &k.join("kustomization.yaml"),
        "resources:\n  - pod.yaml\nconfigMapGenerator:\n  - name: cfg\n    files:\n      - cfg=../../.git/config\n      - gitcfg\nreplacements:\n  - source: {kind: ConfigMap, name: cfg, fieldPath: data.gitcfg}\n    targets:\n      - select: {kind: Pod}\n        fieldPaths: [spec.containers.0.image]\n",
    );
    symlink("../../.git/config", k.join("gitcfg")).expect("link");
    write(
        &k.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: g\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27\n",
    );

    // A chart with an in-tree link renders as before.
    let c = tree.join("charts/in-tree");
    chart(&c, r#"{{ .Files.Get "files/tag.txt" | trim }}"#);
    std::fs::create_dir_all(c.join("files")).expect("mkdir");
    symlink("../../../shared/tag.txt", c.join("files/tag.txt")).expect("link");
    tree
}

fn run_all_formats(tree: &Path, helm: &Path, kubectl: &Path) -> (Vec<(String, String)>, String) {
    let out_dir = tree.parent().expect("base").join("out");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let summary = out_dir.join("step-summary.md");
    let mut outputs = Vec::new();
    for format in ["human", "short", "json", "sarif", "github", "gitlab"] {
        let mut cmd = Command::new(pullcheck_bin());
        cmd.current_dir(tree)
            .env("PULLCHECK_HOSTILE_SECRET", "MARKER-ENV-c3d9")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["--format", format, "--color", "never", "--fail-on", "never"])
            .arg("--helm")
            .arg(helm)
            .arg("--kustomize")
            .arg(kubectl);
        for (name, ext) in [
            ("json", "json"),
            ("sarif", "sarif"),
            ("gitlab", "json"),
            ("github", "txt"),
            ("short", "txt"),
        ] {
            cmd.arg("--output").arg(format!(
                "{name}={}",
                out_dir.join(format!("{format}-{name}.{ext}")).display()
            ));
        }
        cmd.arg(".");
        let (code, stdout, stderr) = run(&mut cmd);
        assert_eq!(code, 0, "--fail-on never: {format}\n{stdout}\n{stderr}");
        outputs.push((format!("stdout of --format {format}"), stdout));
        outputs.push((format!("stderr of --format {format}"), stderr));
    }
    let json = std::fs::read_to_string(out_dir.join("json-json.json")).expect("the JSON report");
    for entry in std::fs::read_dir(&out_dir).expect("out dir").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        outputs.push((entry.path().display().to_string(), text));
    }
    (outputs, json)
}

#[test]
fn no_renderer_reads_outside_the_tree_and_every_hostile_chart_is_reported() {
    let (Some(helm), Some(kubectl)) = (helm(), kubectl()) else {
        return;
    };
    let base = std::env::temp_dir().join(format!("pullcheck-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let tree = hostile_tree(&base);
    let (outputs, json) = run_all_formats(&tree, &helm, &kubectl);
    for (name, text) in &outputs {
        for marker in MARKERS {
            assert!(
                !text.contains(marker),
                "{marker} leaked into {name}:\n{text}"
            );
        }
    }

    let report: serde_json::Value = serde_json::from_str(&json).expect("json");
    let findings = report["findings"].as_array().expect("findings");
    let refused = |path: &str| {
        findings
            .iter()
            .filter(|f| f["rule"] == "render-refused" && f["file"].as_str() == Some(path))
            .count()
    };
    // Each hostile chart and root is reported where the user sees why: at the link, the
    // config entry or the kustomization entry.
    for link in [
        "charts/file-link/files/data.txt",
        "charts/dir-link/files",
        "charts/environ/env.txt",
        "charts/chain/a.txt",
        "charts/chain/b.txt",
        "charts/git-link/cfg",
        "charts/chart-yaml-link/Chart.yaml",
    ] {
        assert_eq!(refused(link), 1, "{link}: {json}");
    }
    assert_eq!(refused(".pullcheck.yaml"), 1, "config values: {json}");
    // The walk's own notes about links inside a chart are not repeated.
    assert!(
        !findings.iter().any(|f| f["rule"] == "skipped-input"
            && f["file"].as_str().is_some_and(|p| p.contains("charts/"))),
        "{json}"
    );
    assert_eq!(
        refused("kustomize/outside-base/kustomization.yaml"),
        1,
        "{json}"
    );
    assert_eq!(
        refused("kustomize/git-generator/kustomization.yaml"),
        2,
        "the generator file and the link: {json}"
    );
    // The in-tree link renders: its tag is linted as before.
    assert!(
        findings.iter().any(|f| f["rule"] == "invalid-reference"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains("nginx:latest:x"))),
        "the in-tree chart rendered: {json}"
    );
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn a_chart_at_the_checkout_root_renders_without_its_git_directory() {
    let (Some(helm), Some(kubectl)) = (helm(), kubectl()) else {
        return;
    };
    // No link at all: Helm reads every file of a chart's directory, `.git/config` included.
    let base = std::env::temp_dir().join(format!("pullcheck-hostile-root-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let tree = base.join("tree");
    write(
        &tree.join(".git/config"),
        "[http]\n\textraheader = AUTHORIZATION: basic MARKER-GIT-0b44\n",
    );
    chart(
        &tree,
        r#"{{ .Files.Get ".git/config" | replace "\n" "," }}"#,
    );
    let (outputs, json) = run_all_formats(&tree, &helm, &kubectl);
    for (name, text) in &outputs {
        assert!(
            !text.contains("MARKER-GIT-0b44"),
            "leaked into {name}:\n{text}"
        );
    }
    // It rendered (an empty file in the image, reported), not refused.
    assert!(json.contains("\"rule\": \"invalid-reference\""), "{json}");
    assert!(!json.contains("render-refused"), "{json}");
    let _ = std::fs::remove_dir_all(&base);
}
