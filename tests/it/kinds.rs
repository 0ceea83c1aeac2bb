//! Images wherever the kubelet pulls them: every kind of `rules/kinds.yaml` has a fail and a
//! pass fixture under `fixtures/kinds/<Kind>/`, a user-declared kind works through
//! `.pullcheck.yaml`, bad `kinds` entries are config errors that point into the config, and the
//! examples the projects publish (`fixtures/kinds/upstream/`) lint with the findings checked by
//! hand in their snapshots.

use crate::common;

use common::{cases_in, files_under, human, lint_text, repo, run_case};
use pullcheck::config;
use pullcheck::engine::Report;
use pullcheck::model::KindTable;
use std::path::{Path, PathBuf};

/// `file:line:col rule object container message` per finding: what the snapshot reviews.
fn short(report: &Report) -> String {
    let mut out = Vec::new();
    pullcheck::emit::short::write(report, &mut out).expect("render");
    let text = String::from_utf8(out).expect("utf-8");
    let objects: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            let o = f.object.as_ref();
            format!(
                "  object={}/{} container={} image={}",
                o.map_or("", |o| o.kind.as_str()),
                o.map_or("", |o| o.name.as_str()),
                f.container.as_deref().unwrap_or("-"),
                f.image.as_deref().unwrap_or("-"),
            )
        })
        .collect();
    text.lines()
        .zip(
            objects
                .iter()
                .map(String::as_str)
                .chain(std::iter::repeat("")),
        )
        .map(|(l, o)| format!("{l}\n{o}\n"))
        .collect()
}

/// Every container and image the kinds table finds in a file, with its line: proof that each
/// path was reached (a silent file is silent because its images are fine, not unseen).
fn images_seen(path: &Path, kinds: &KindTable) -> String {
    let text = std::fs::read_to_string(repo().join(path)).expect("fixture");
    let line = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    let mut out = String::from("images seen:\n");
    for doc in pullcheck::syntax::parse_stream(&text, 0, &Default::default())
        .into_iter()
        .flatten()
    {
        for o in pullcheck::model::extract_objects(&doc, kinds) {
            for c in o.pod.iter().flat_map(|p| &p.containers) {
                let image = c.image.as_ref();
                out.push_str(&format!(
                    "  {}/{} {:?} {} line {} policy={}\n",
                    o.kind,
                    o.name.as_deref().unwrap_or(""),
                    c.kind,
                    c.name_text().unwrap_or("-"),
                    line(image.map_or(c.span.start, |i| i.span.start)),
                    c.pull_policy.as_ref().map_or("-", |p| p.text.as_str()),
                ));
                out.push_str(&format!(
                    "    {}\n",
                    image.map_or("<no image>", |i| i.text.as_str())
                ));
            }
            if let Some(p) = &o.pod {
                let secrets: Vec<String> = p
                    .image_pull_secrets
                    .iter()
                    .map(|r| match r {
                        pullcheck::model::PullSecretRef::Named(n) => n.text.clone(),
                        pullcheck::model::PullSecretRef::Malformed(_) => "<malformed>".into(),
                    })
                    .collect();
                out.push_str(&format!(
                    "  {}/{} pullSecrets={secrets:?} serviceAccount={}\n",
                    o.kind,
                    o.name.as_deref().unwrap_or(""),
                    p.service_account.as_ref().map_or("-", |s| s.text.as_str())
                ));
            }
        }
    }
    out
}

fn cases(dir: &Path) -> Vec<PathBuf> {
    cases_in(dir)
}

fn table_kinds() -> Vec<String> {
    let table = KindTable::builtin();
    let mut kinds: Vec<String> = table
        .builtin_entries()
        .iter()
        .flat_map(|e| e.kinds.iter().cloned())
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

#[test]
fn every_kind_of_the_table_has_fail_and_pass_fixtures() {
    let kinds = table_kinds();
    assert!(kinds.len() >= 30, "{kinds:?}");
    for kind in &kinds {
        let dir = Path::new("fixtures/kinds").join(kind);
        for case in cases(&dir.join("fail")) {
            let report = run_case(&case);
            assert!(
                report
                    .findings
                    .iter()
                    .any(|f| f.object.as_ref().is_some_and(|o| &o.kind == kind)),
                "{} has no finding on a {kind}:\n{}",
                case.display(),
                human(&report)
            );
            let name = format!("kinds__{kind}__fail");
            let seen = images_seen(&case, &KindTable::builtin());
            insta::assert_snapshot!(name, format!("{}\n{seen}", short(&report)));
        }
        for case in cases(&dir.join("pass")) {
            let report = run_case(&case);
            assert!(
                images_seen(&case, &KindTable::builtin()).lines().count() > 2,
                "{} holds no image the table finds",
                case.display()
            );
            assert!(
                report.findings.is_empty(),
                "{} is not clean:\n{}",
                case.display(),
                human(&report)
            );
        }
    }
    // And no fixture folder for a kind the table does not know.
    for entry in std::fs::read_dir(repo().join("fixtures/kinds")).expect("fixtures/kinds") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        assert!(
            kinds.contains(&name) || ["user-declared", "upstream"].contains(&name.as_str()),
            "fixtures/kinds/{name} is not a kind of rules/kinds.yaml"
        );
    }
}

#[test]
fn a_user_declared_kind_is_checked_like_a_deployment() {
    for side in ["fail", "pass"] {
        for case in cases(&Path::new("fixtures/kinds/user-declared").join(side)) {
            let report = run_case(&case);
            if side == "pass" {
                assert!(
                    report.findings.is_empty(),
                    "{}:\n{}",
                    case.display(),
                    human(&report)
                );
            } else {
                assert!(
                    report
                        .findings
                        .iter()
                        .any(|f| f.object.as_ref().is_some_and(|o| o.kind == "Runner")),
                    "{}:\n{}",
                    case.display(),
                    human(&report)
                );
                let name = case
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .replace('.', "_");
                insta::assert_snapshot!(format!("kinds__user_declared__{name}"), short(&report));
            }
        }
    }
}

#[test]
fn without_the_config_the_user_kind_is_not_checked() {
    let text = std::fs::read_to_string(
        repo().join("fixtures/kinds/user-declared/fail/runner/runner.yaml"),
    )
    .expect("fixture");
    let report = lint_text("runner.yaml", &text);
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.object.as_ref().is_none_or(|o| o.kind != "Runner")),
        "{}",
        human(&report)
    );
}

/// The same image problem gives the same rules, spans and object names in a Workflow as in a
/// Deployment.
#[test]
fn a_custom_kind_reports_like_a_deployment() {
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n          image: alpine\n          imagePullPolicy: always\n";
    let wf = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: web\nspec:\n  templates:\n    - name: t\n      containerSet:\n        containers:\n        - name: main\n          image: alpine\n          imagePullPolicy: always\n";
    let a = lint_text("x.yaml", deploy);
    let b = lint_text("x.yaml", wf);
    let view = |r: &Report, text: &str| -> Vec<(String, String, String, String)> {
        r.findings
            .iter()
            .map(|f| {
                (
                    f.rule.to_string(),
                    text[f.span.start as usize..f.span.end as usize].to_string(),
                    f.object
                        .as_ref()
                        .map(|o| o.name.clone())
                        .unwrap_or_default(),
                    f.container.clone().unwrap_or_default(),
                )
            })
            .collect()
    };
    assert!(!a.findings.is_empty());
    assert_eq!(view(&a, deploy), view(&b, wf));
    assert_eq!(b.findings[0].object.as_ref().unwrap().kind, "Workflow");
}

/// A kind's entry matches by API group: a core `Service` or an unrelated group's `Task` holds
/// no images.
#[test]
fn kinds_match_by_api_group() {
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: alpine}]\n---\napiVersion: example.com/v1\nkind: Task\nmetadata:\n  name: t\nspec:\n  steps:\n    - image: alpine\n";
    let report = lint_text("x.yaml", text);
    // The core Service still falls back to the generic pod template (as before); the Task of
    // another group is not Tekton's.
    let kinds: Vec<&str> = report
        .findings
        .iter()
        .filter_map(|f| f.object.as_ref().map(|o| o.kind.as_str()))
        .collect();
    assert_eq!(kinds, ["Service"], "{}", human(&report));
}

fn config_err(text: &str) -> (String, String, String) {
    let e = config::parse(".pullcheck.yaml", text).expect_err("must be rejected");
    let at = text.get(e.span.clone()).unwrap_or("").to_string();
    (e.message.clone(), at, e.help.clone().unwrap_or_default())
}

#[test]
fn bad_kinds_entries_are_config_errors_pointing_into_the_config() {
    let base = "kinds:\n  - apiVersion: acme.io/v1\n    kind: Runner\n";
    // A bad path points at the bad segment.
    let (msg, at, _) = config_err(&format!("{base}    containers: [spec..steps]\n"));
    assert!(
        msg.contains("`containers` path \"spec..steps\": empty key"),
        "{msg}"
    );
    assert_eq!(at, ".");
    let (msg, at, _) = config_err(&format!("{base}    images:\n      - spec.steps[0].image\n"));
    assert!(msg.contains("only `[]`"), "{msg}");
    assert_eq!(at, "[0]");
    let (msg, at, _) = config_err(&format!(
        "{base}    images:\n      - \"spec.st*ps.image\"\n"
    ));
    assert!(msg.contains("`*` stands alone"), "{msg}");
    assert_eq!(at, "st*ps");
    let (msg, at, _) = config_err(&format!(
        "{base}    images: [spec.image]\n    pullSecrets: spec.secrets[]\n"
    ));
    assert!(msg.contains("must end on a key"), "{msg}");
    assert_eq!(at, "spec.secrets[]");
    // Kinds and apiVersions.
    let (msg, at, _) = config_err(
        "kinds:\n  - apiVersion: acme.io/v1\n    kind: runner\n    images: [spec.image]\n",
    );
    assert!(msg.contains("not a Kubernetes kind"), "{msg}");
    assert_eq!(at, "runner");
    let (msg, at, _) =
        config_err("kinds:\n  - apiVersion: Acme/v1\n    kind: Runner\n    images: [spec.image]\n");
    assert!(msg.contains("not an API group"), "{msg}");
    assert_eq!(at, "Acme/v1");
    let (msg, _, help) = config_err("kinds:\n  - kind: Runner\n    images: [spec.image]\n");
    assert!(msg.contains("must name its `apiVersion`"), "{msg}");
    assert!(help.contains("acme.io/v1"), "{help}");
    let (msg, _, _) = config_err("kinds:\n  - apiVersion: acme.io/v1\n    images: [spec.image]\n");
    assert!(msg.contains("must name its `kind`"), "{msg}");
    let (msg, _, _) = config_err(base);
    assert!(
        msg.contains("names no `podSpecs`, `containers` or `images`"),
        "{msg}"
    );
    // Keys, shapes and duplicates.
    let (msg, at, help) = config_err(&format!("{base}    image: [spec.image]\n"));
    assert!(msg.contains("unknown key \"image\""), "{msg}");
    assert_eq!(at, "image");
    assert!(help.contains("did you mean `images`"), "{help}");
    let (msg, at, _) = config_err("kinds:\n  apiVersion: acme.io/v1\n");
    assert!(msg.contains("must be a list"), "{msg}");
    assert!(at.starts_with("apiVersion"), "{at}");
    let (msg, at, _) = config_err("kinds:\n  - Runner\n");
    assert!(msg.contains("must be a mapping"), "{msg}");
    assert_eq!(at, "Runner");
    let (msg, _, _) = config_err(&format!(
        "{base}    images: [spec.image]\n  - apiVersion: acme.io/v1\n    kind: [Other, Runner]\n    images: [spec.x]\n"
    ));
    assert!(msg.contains("declares Runner twice"), "{msg}");
    let (msg, at, _) = config_err(&format!("{base}    images: [\"\"]\n"));
    assert!(msg.contains("non-empty string"), "{msg}");
    assert_eq!(at, "\"\"");
    let (msg, _, _) = config_err(&format!(
        "{base}    images: [{}]\n",
        vec!["a"; 40].join(".")
    ));
    assert!(msg.contains("at most 32 segments"), "{msg}");
}

#[test]
fn the_cli_reports_a_bad_kinds_entry_and_exits_2() {
    let dir = std::env::temp_dir().join(format!("pullcheck-kinds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("bad.yaml");
    std::fs::write(
        &cfg,
        "kinds:\n  - apiVersion: acme.io/v1\n    kind: Runner\n    containers:\n      - spec.jobs[x]\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pullcheck"))
        .arg("--config")
        .arg(&cfg)
        .arg(dir.join("none.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.yaml:5:18"), "{stderr}");
    assert!(stderr.contains("only `[]`"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rules_lists_the_known_kinds_and_the_users() {
    let dir = std::env::temp_dir().join(format!("pullcheck-kinds-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(".pullcheck.yaml"),
        "kinds:\n  - apiVersion: ci.acme.io\n    kind: [Runner, RunnerSet]\n    containers:\n      - spec.jobs[].container\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pullcheck"))
        .arg("rules")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("  argoproj.io: Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow, Rollout"), "{stdout}");
    assert!(
        stdout.contains(
            "  tekton.dev: Task, ClusterTask, TaskRun, Pipeline, PipelineRun, StepAction"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("Kinds declared in ./.pullcheck.yaml:")
            || stdout.contains(".pullcheck.yaml:\n  ci.acme.io: Runner, RunnerSet"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  ci.acme.io: Runner, RunnerSet"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Hostile shapes under known kinds: wrong types, aliases fanned out, deep lists. Findings or
/// silence, never a crash, and bounded work.
#[test]
fn hostile_shapes_under_known_kinds() {
    let mut alias_bomb = String::from(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n  x: &s [{taskSpec: {steps: [{image: alpine}]}}]\n  tasks: &a [",
    );
    alias_bomb.push_str(&vec!["*s"; 200].join(", "));
    alias_bomb.push_str("]\n  finally: [");
    alias_bomb.push_str(&vec!["*a"; 200].join(", "));
    alias_bomb.push_str("]\n");
    for text in [
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nspec:\n  templates: 5\n",
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nspec:\n  templates: [1, [2], {container: [x]}, {container: {image: [a]}}, {sidecars: {a: b}}]\n",
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps: [{image: {a: b}}, {image: null}, {image: ''}, {image: 42}]\n",
        "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\nmetadata: {name: s}\nspec:\n  image: 'spark:3'\n  imagePullSecrets: regcred\n  driver: [1]\n",
        "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\nmetadata: {name: s}\nspec:\n  image: 'spark:3'\n  imagePullSecrets: [{name: a}, '', null]\n",
        "apiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\nmetadata: {name: k}\nspec: [1, 2]\n",
        "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: {name: i}\nspec:\n  predictor: {model: {image: 7}, containers: 3}\n",
        alias_bomb.as_str(),
    ] {
        let start = std::time::Instant::now();
        let report = lint_text("hostile.yaml", text);
        assert!(start.elapsed().as_secs() < 5, "too slow on:\n{text}");
        assert!(
            report.findings.iter().all(|f| f.rule != "parse-error"),
            "{}",
            human(&report)
        );
    }
    // The alias bomb is bounded: 200 × 200 paths to one step, not 40,000 findings.
    let report = lint_text("bomb.yaml", &alias_bomb);
    assert!(report.findings.len() <= 20_000, "{}", report.findings.len());
}

#[test]
fn upstream_examples_lint_with_the_findings_checked_by_hand() {
    let root = repo().join("fixtures/kinds/upstream");
    let sources = std::fs::read_to_string(root.join("SOURCES.tsv")).expect("SOURCES.tsv");
    let files: Vec<PathBuf> = files_under(&root)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    assert!(files.len() >= 10, "{}", files.len());
    for file in files {
        let rel = file.strip_prefix(repo()).unwrap().to_path_buf();
        let rel_upstream = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            sources
                .lines()
                .any(|l| l.starts_with(&format!("{rel_upstream}\t"))),
            "{rel_upstream} has no line in SOURCES.tsv"
        );
        let report = run_case(&rel);
        let name = format!("kinds__upstream__{}", rel_upstream.replace(['/', '.'], "_"));
        let seen = images_seen(&rel, &KindTable::builtin());
        insta::assert_snapshot!(name, format!("{}\n{seen}", short(&report)));
    }
}
