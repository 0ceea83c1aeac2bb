//! Suppressions in manifests: annotations and comments silence exactly what they name, and a
//! suppression that silences nothing (or names an unknown rule) is reported.

use pullcheck::engine::{LintOptions, Report, lint};
use std::path::PathBuf;

fn lint_text(name: &str, text: &str) -> Report {
    let dir = std::env::temp_dir().join(format!("pullcheck-supp-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("in.yaml");
    std::fs::write(&path, text).unwrap();
    let opts = LintOptions {
        paths: vec![PathBuf::from(&path)],
        jobs: 1,
        ..LintOptions::default()
    };
    let report = lint(&opts).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    report
}

fn rules(r: &Report) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.rule).collect()
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:latest\n";

#[test]
fn unsuppressed_baseline() {
    assert_eq!(rules(&lint_text("base", POD)), ["latest-tag"]);
}

#[test]
fn trailing_comment_suppresses_its_line() {
    let text = POD.replace(
        "nginx:latest",
        "nginx:latest # pullcheck: ignore[latest-tag]",
    );
    assert!(rules(&lint_text("trailing", &text)).is_empty());
}

#[test]
fn comment_on_the_line_above_suppresses_the_next_line() {
    let text = POD.replace(
        "      image: nginx:latest",
        "      # pullcheck: ignore[ latest-tag , missing-tag ]\n      image: nginx:latest",
    );
    let r = lint_text("above", &text);
    // latest-tag is suppressed; missing-tag named nothing there.
    assert_eq!(rules(&r), ["unused-suppression"]);
    assert!(r.findings[0].message.contains("`missing-tag`"));
}

#[test]
fn a_comment_two_lines_above_does_not_reach() {
    let text = POD.replace(
        "    - name: web\n",
        "    # pullcheck: ignore[latest-tag]\n    - name: web\n",
    );
    let r = lint_text("far", &text);
    assert!(rules(&r).contains(&"latest-tag"));
    assert!(rules(&r).contains(&"unused-suppression"));
}

#[test]
fn annotation_suppresses_the_whole_object() {
    let text = POD.replace(
        "  name: web\n",
        "  name: web\n  annotations:\n    pullcheck.dev/ignore: \"latest-tag,private-registry-without-pull-secret\"\n",
    );
    let r = lint_text("annotation", &text);
    // latest-tag used; the other suppresses nothing (nginx is public).
    assert_eq!(rules(&r), ["unused-suppression"]);
    let f = &r.findings[0];
    let src = r.sources.get(f.span.file).unwrap();
    assert_eq!(
        src.raw_text().get(f.span.range()).unwrap_or(""),
        "private-registry-without-pull-secret"
    );
}

#[test]
fn unknown_rules_are_reported_with_a_suggestion() {
    let text = POD.replace(
        "nginx:latest",
        "nginx:latest # pullcheck: ignore[latest-tag, lates-tag]",
    );
    let r = lint_text("unknown", &text);
    assert_eq!(rules(&r), ["unused-suppression"]);
    assert!(r.findings[0].message.contains("unknown rule \"lates-tag\""));
    assert!(
        r.findings[0]
            .help
            .as_deref()
            .unwrap()
            .contains("latest-tag")
    );
}

#[test]
fn cross_object_findings_are_suppressible() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n    - name: api\n      image: registry.example.com/a/b:1.0.0 # pullcheck: ignore[private-registry-without-pull-secret]\n";
    assert!(rules(&lint_text("cross", text)).is_empty());
}

#[test]
fn hash_inside_a_quoted_value_is_not_a_suppression() {
    let text = POD.replace(
        "nginx:latest",
        "\"nginx:latest\" # real comment\n      args: [\"# pullcheck: ignore[latest-tag]\"]",
    );
    assert_eq!(rules(&lint_text("quoted", &text)), ["latest-tag"]);
}
