//! Runs the composite steps of `action.yml` locally, the way the GitHub runner does, and checks
//! what a workflow would see: annotations, the log, step outputs, the job summary, the exit code.
//!
//! The harness (no YAML crate: the action is read with pullcheck's own `syntax` tree):
//! - `run:` steps run as `bash --noprofile --norc -eo pipefail FILE` (the runner's `shell: bash`)
//!   in `GITHUB_WORKSPACE`, with `GITHUB_ACTION_PATH` = this repository, and fresh
//!   `GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_PATH`, `GITHUB_STEP_SUMMARY` files per step, read back
//!   as the runner reads them (outputs and env in `k=v` and `k<<EOF` form).
//! - `${{ inputs.* }}`, `${{ steps.*.outputs.* }}`, `runner.*` and `github.*` expressions are
//!   substituted the way the runner does; any other expression fails the test, so the action
//!   cannot use something the harness does not model.
//! - `uses:` steps (actions/cache) are skipped, and `PULLCHECK_BIN` points the install step at
//!   the binary cargo just built instead of running `cargo install` (a documented input of that
//!   step). The release-download tests unset it and serve a release the test builds (archive,
//!   `SHA256SUMS`, `SOURCE-SHA256`) from a local HTTP server, through `PULLCHECK_RELEASE_URL`.
//! - Standard output is parsed as workflow commands, `::stop-commands::` included.

use crate::ci_support as support;

use pullcheck::syntax::{Cursor, ParseLimits, parse_stream};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, PartialEq)]
struct Annotation {
    level: String,
    props: BTreeMap<String, String>,
    message: String,
}

#[derive(Debug, Default)]
struct ActionRun {
    exit: i32,
    annotations: Vec<Annotation>,
    /// What the log shows (commands removed, as the runner does).
    log: String,
    outputs: BTreeMap<String, String>,
    summary: String,
    skipped: Vec<String>,
}

struct Step {
    id: Option<String>,
    uses: Option<String>,
    run: Option<String>,
    shell: Option<String>,
    env: Vec<(String, String)>,
}

struct Action {
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, String>,
    steps: Vec<Step>,
}

fn str_of(c: Option<Cursor<'_>>) -> Option<String> {
    c.and_then(|c| c.as_str()).map(str::to_string)
}

fn load_action() -> Action {
    let text = std::fs::read_to_string(support::repo_root().join("action.yml")).expect("read");
    let docs = parse_stream(&text, 0, &ParseLimits::default());
    let doc = match docs.into_iter().next() {
        Some(Ok(doc)) => doc,
        other => panic!("action.yml does not parse: {:?}", other.map(|d| d.err())),
    };
    let root = doc.root().expect("root");
    assert_eq!(
        root.path(&["runs", "using"]).and_then(|c| c.as_str()),
        Some("composite")
    );
    let mut inputs = BTreeMap::new();
    for (k, v) in root.get("inputs").expect("inputs").entries() {
        inputs.insert(
            k.as_str().expect("input name").to_string(),
            v.str_at("default").unwrap_or("").to_string(),
        );
    }
    let mut outputs = BTreeMap::new();
    for (k, v) in root.get("outputs").expect("outputs").entries() {
        outputs.insert(
            k.as_str().expect("output name").to_string(),
            v.str_at("value").expect("output value").to_string(),
        );
    }
    let steps = root
        .path(&["runs", "steps"])
        .expect("steps")
        .items()
        .map(|s| Step {
            id: str_of(s.get("id")),
            uses: str_of(s.get("uses")),
            run: str_of(s.get("run")),
            shell: str_of(s.get("shell")),
            env: s
                .get("env")
                .map(|e| {
                    e.entries()
                        .map(|(k, v)| {
                            (
                                k.as_str().expect("env name").to_string(),
                                v.as_str().unwrap_or("").to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    Action {
        inputs,
        outputs,
        steps,
    }
}

struct Context<'a> {
    inputs: &'a BTreeMap<String, String>,
    steps: &'a BTreeMap<String, BTreeMap<String, String>>,
    action_path: &'a Path,
    workspace: &'a Path,
    runner_temp: &'a Path,
}

/// Substitutes `${{ expr }}` as the runner does: a missing input or output is "".
fn expand(text: &str, ctx: &Context<'_>) -> String {
    let re = regex::Regex::new(r"\$\{\{\s*(.*?)\s*\}\}").expect("regex");
    re.replace_all(text, |caps: &regex::Captures<'_>| {
        let expr = &caps[1];
        let parts: Vec<&str> = expr.split('.').collect();
        match parts.as_slice() {
            ["inputs", name] => ctx.inputs.get(*name).cloned().unwrap_or_default(),
            ["steps", id, "outputs", name] => ctx
                .steps
                .get(*id)
                .and_then(|o| o.get(*name))
                .cloned()
                .unwrap_or_default(),
            ["runner", "os"] => "Linux".to_string(),
            ["runner", "arch"] => "X64".to_string(),
            ["runner", "temp"] => ctx.runner_temp.display().to_string(),
            ["github", "action_path"] => ctx.action_path.display().to_string(),
            ["github", "workspace"] => ctx.workspace.display().to_string(),
            _ => panic!("the harness does not model the expression `{expr}`"),
        }
    })
    .into_owned()
}

/// Reads a `GITHUB_OUTPUT`/`GITHUB_ENV` file: `k=v` lines and `k<<DELIM` … `DELIM` blocks.
fn read_kv_file(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((k, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(k.to_string(), value.join("\n"));
        } else if let Some((k, v)) = line.split_once('=') {
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

fn unescape_data(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

fn unescape_property(s: &str) -> String {
    unescape_data(&s.replace("%3A", ":").replace("%2C", ","))
}

/// Parses standard output as the runner does (`ActionCommand.TryParseV2`), honouring
/// `::stop-commands::TOKEN` … `::TOKEN::`.
fn process_stdout(stdout: &str, run: &mut ActionRun) {
    let mut stopped: Option<String> = None;
    for line in stdout.lines() {
        if let Some(token) = &stopped {
            if line.trim() == format!("::{token}::") {
                stopped = None;
            } else {
                run.log.push_str(line);
                run.log.push('\n');
            }
            continue;
        }
        let Some(rest) = line.trim_start().strip_prefix("::") else {
            run.log.push_str(line);
            run.log.push('\n');
            continue;
        };
        let Some((info, message)) = rest.split_once("::") else {
            run.log.push_str(line);
            run.log.push('\n');
            continue;
        };
        let (name, props) = info.split_once(' ').unwrap_or((info, ""));
        let props: BTreeMap<String, String> = props
            .split(',')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), unescape_property(v)))
            .collect();
        match name {
            "stop-commands" => stopped = Some(message.to_string()),
            "error" | "warning" | "notice" => run.annotations.push(Annotation {
                level: name.to_string(),
                props,
                message: unescape_data(message),
            }),
            _ => {}
        }
    }
}

fn run_action(workspace: &Path, inputs: &[(&str, &str)]) -> ActionRun {
    run_action_env(workspace, inputs, &[])
}

/// `run_action` with environment changes for every step: `Some(value)` sets, `None` removes.
fn run_action_env(
    workspace: &Path,
    inputs: &[(&str, &str)],
    env: &[(&str, Option<&str>)],
) -> ActionRun {
    let action = load_action();
    let mut values = action.inputs.clone();
    for (k, v) in inputs {
        assert!(values.contains_key(*k), "action.yml has no input `{k}`");
        values.insert((*k).to_string(), (*v).to_string());
    }
    let scratch = workspace.with_extension("runner");
    let _ = std::fs::remove_dir_all(&scratch);
    let runner_temp = scratch.join("temp");
    let home = scratch.join("home");
    std::fs::create_dir_all(&runner_temp).expect("mkdir");
    std::fs::create_dir_all(&home).expect("mkdir");
    let action_path = support::repo_root();
    let mut step_outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut job_env: BTreeMap<String, String> = BTreeMap::new();
    let mut extra_path: Vec<String> = Vec::new();
    let mut result = ActionRun::default();
    for (i, step) in action.steps.iter().enumerate() {
        if let Some(uses) = &step.uses {
            result.skipped.push(uses.clone());
            continue;
        }
        let script = step.run.as_ref().expect("a step has `uses` or `run`");
        assert_eq!(
            step.shell.as_deref(),
            Some("bash"),
            "composite run steps need shell: bash"
        );
        let ctx = Context {
            inputs: &values,
            steps: &step_outputs,
            action_path: &action_path,
            workspace,
            runner_temp: &runner_temp,
        };
        let file = |name: &str| scratch.join(format!("step{i}-{name}"));
        let script_path = file("script.sh");
        std::fs::write(&script_path, expand(script, &ctx)).expect("write script");
        for name in ["output", "env", "path", "summary"] {
            std::fs::write(file(name), "").expect("touch");
        }
        let path = extra_path
            .iter()
            .rev()
            .cloned()
            .chain(std::env::var("PATH").ok())
            .collect::<Vec<_>>()
            .join(":");
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_path)
            .current_dir(workspace)
            .envs(&job_env)
            .env("PATH", path)
            .env("HOME", &home)
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", &action_path)
            .env("GITHUB_WORKSPACE", workspace)
            .env("GITHUB_OUTPUT", file("output"))
            .env("GITHUB_ENV", file("env"))
            .env("GITHUB_PATH", file("path"))
            .env("GITHUB_STEP_SUMMARY", file("summary"))
            .env("RUNNER_TEMP", &runner_temp)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("PULLCHECK_BIN", support::pullcheck_bin())
            .env_remove("NO_COLOR");
        for (k, v) in &step.env {
            cmd.env(k, expand(v, &ctx));
        }
        for (k, v) in env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        let (code, stdout, stderr) = support::run(&mut cmd);
        process_stdout(&stdout, &mut result);
        result.log.push_str(&stderr);
        result
            .summary
            .push_str(&std::fs::read_to_string(file("summary")).unwrap_or_default());
        job_env.extend(read_kv_file(&file("env")));
        extra_path.extend(
            std::fs::read_to_string(file("path"))
                .unwrap_or_default()
                .lines()
                .map(str::to_string),
        );
        if let Some(id) = &step.id {
            step_outputs.insert(id.clone(), read_kv_file(&file("output")));
        }
        if code != 0 {
            // The runner stops a composite action at its first failing step.
            result.exit = code;
            break;
        }
    }
    let ctx = Context {
        inputs: &values,
        steps: &step_outputs,
        action_path: &action_path,
        workspace,
        runner_temp: &runner_temp,
    };
    result.outputs = action
        .outputs
        .iter()
        .map(|(k, v)| (k.clone(), expand(v, &ctx)))
        .collect();
    result
}

fn workspace(name: &str, tree: &str) -> PathBuf {
    let dir = support::temp_dir(name).join("workspace");
    support::copy_tree(
        &support::repo_root().join("tests/ci/trees").join(tree),
        &dir,
    );
    dir
}

fn json_summary(dir: &Path) -> serde_json::Value {
    let (_, stdout, _) = support::run(
        Command::new(support::pullcheck_bin())
            .args(["--format", "json", "."])
            .current_dir(dir),
    );
    serde_json::from_str::<serde_json::Value>(&stdout).expect("json")["summary"].clone()
}

#[test]
fn bad_tree_annotates_fails_and_summarizes() {
    let ws = workspace("action-bad", "bad");
    let expected = json_summary(&ws);
    let run = run_action(&ws, &[]);
    assert_eq!(
        run.exit, 1,
        "fail-on warning with findings fails the step\n{}",
        run.log
    );
    assert_eq!(run.skipped, ["actions/cache@v4"]);
    let count = |level: &str| run.annotations.iter().filter(|a| a.level == level).count();
    assert_eq!(count("error").to_string(), run.outputs["errors"]);
    assert_eq!(count("warning").to_string(), run.outputs["warnings"]);
    assert_eq!(run.outputs["errors"], expected["errors"].to_string());
    assert_eq!(run.outputs["warnings"], expected["warnings"].to_string());
    assert_eq!(run.outputs["findings"], run.annotations.len().to_string());
    assert_eq!(run.outputs["sarif-file"], "");
    assert!(run.annotations.len() >= 6, "{:?}", run.annotations);

    let missing_tag = run
        .annotations
        .iter()
        .find(|a| a.props.get("title").map(String::as_str) == Some("pullcheck missing-tag"))
        .expect("a missing-tag annotation");
    assert_eq!(missing_tag.level, "warning");
    assert_eq!(missing_tag.props["file"], "deploy/api.yaml");
    assert_eq!(missing_tag.props["line"], "12");
    assert_eq!(missing_tag.props["col"], "18");
    assert!(missing_tag.message.contains("has no tag"));
    assert!(missing_tag.message.contains("\nhelp: pin a version"));

    // The human report is in the log, and nothing in it became a command.
    assert!(run.log.contains("no tag or digest"), "{}", run.log);
    assert!(run.log.contains("checked"), "{}", run.log);
    assert!(run.summary.contains("## pullcheck"));
    assert!(
        run.summary.contains("| missing-tag | warning | 1 |"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("| warning | missing-tag | deploy/api.yaml:12 |")
    );
}

#[test]
fn good_tree_passes_quietly() {
    let ws = workspace("action-good", "good");
    let run = run_action(&ws, &[]);
    assert_eq!(run.exit, 0, "{}", run.log);
    assert!(run.annotations.is_empty(), "{:?}", run.annotations);
    assert_eq!(run.outputs["findings"], "0");
    assert_eq!(run.outputs["errors"], "0");
    assert_eq!(run.outputs["warnings"], "0");
    assert!(run.log.contains("0 errors, 0 warnings"), "{}", run.log);
    assert!(run.summary.contains("No image-pull problems found."));
}

#[test]
fn sarif_file_fail_on_and_paths_inputs() {
    let ws = workspace("action-inputs", "bad");
    let run = run_action(
        &ws,
        &[
            ("paths", "deploy/api.yaml"),
            ("fail-on", "never"),
            ("sarif-file", "out/pullcheck.sarif"),
        ],
    );
    assert_eq!(run.exit, 0, "fail-on never\n{}", run.log);
    assert_eq!(run.outputs["sarif-file"], "out/pullcheck.sarif");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.join("out/pullcheck.sarif")).unwrap())
            .expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len().to_string(), run.outputs["findings"]);
    // Only the named file was linted: no parse-error from broken.yaml.
    assert!(
        run.annotations
            .iter()
            .all(|a| a.props["file"] == "deploy/api.yaml")
    );

    let run = run_action(&ws, &[("fail-on", "error")]);
    assert_eq!(run.exit, 1, "the tree has errors");
    let run = run_action(
        &ws,
        &[("args", "--select missing-tag"), ("fail-on", "error")],
    );
    assert_eq!(run.exit, 0, "only a warning is left\n{}", run.log);
    assert_eq!(run.outputs["findings"], "1");
}

#[test]
fn other_formats_print_that_report_without_annotations() {
    let ws = workspace("action-short", "bad");
    let run = run_action(&ws, &[("format", "short")]);
    assert_eq!(run.exit, 1);
    assert!(run.annotations.is_empty(), "{:?}", run.annotations);
    assert!(
        run.log
            .contains("deploy/api.yaml:12:18: warning[missing-tag]"),
        "{}",
        run.log
    );
    assert_ne!(run.outputs["findings"], "0");

    let run = run_action(&ws, &[("format", "yaml")]);
    assert_eq!(run.exit, 2);
    assert_eq!(run.annotations.len(), 1);
    assert!(run.annotations[0].message.contains("unknown format"));
}

#[test]
fn config_input_is_passed_as_config() {
    let ws = workspace("action-config", "bad");
    std::fs::write(
        ws.join("ci-pullcheck.yaml"),
        "rules:\n  missing-tag: off\n  latest-tag: error\n",
    )
    .unwrap();
    let plain = run_action(&ws, &[("paths", "deploy/api.yaml")]);
    let configured = run_action(
        &ws,
        &[
            ("paths", "deploy/api.yaml"),
            ("config", "ci-pullcheck.yaml"),
        ],
    );
    let rule = |run: &ActionRun, rule: &str| {
        run.annotations
            .iter()
            .find(|a| a.props["title"] == format!("pullcheck {rule}"))
            .map(|a| a.level.clone())
    };
    assert_eq!(rule(&plain, "missing-tag").as_deref(), Some("warning"));
    assert_eq!(
        rule(&configured, "missing-tag"),
        None,
        "{:?}",
        configured.annotations
    );
    assert_eq!(rule(&configured, "latest-tag").as_deref(), Some("error"));

    let missing = run_action(&ws, &[("config", "no-such.yaml")]);
    assert_eq!(missing.exit, 2, "{}", missing.log);
}

#[test]
fn hostile_file_names_and_contents_cannot_forge_commands() {
    let ws = support::temp_dir("action-hostile").join("workspace");
    std::fs::create_dir_all(&ws).unwrap();
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    \
                    - name: a\n      image: \"::error title=forged::pwned%0A\"\n";
    for name in [
        "::error title=forged::pwned.yaml",
        "a,b:c %25.yaml",
        "new\n::error title=forged::line.yaml",
    ] {
        std::fs::write(ws.join(name), manifest).unwrap();
    }
    let run = run_action(&ws, &[]);
    assert_eq!(run.exit, 1, "{}", run.log);
    assert!(!run.annotations.is_empty());
    for a in &run.annotations {
        assert!(
            a.props
                .get("title")
                .is_some_and(|t| t.starts_with("pullcheck ")),
            "forged annotation: {a:?}"
        );
        assert!(a.props["file"].ends_with(".yaml"), "{a:?}");
    }
    let files: Vec<&str> = run
        .annotations
        .iter()
        .map(|a| a.props["file"].as_str())
        .collect();
    assert!(files.contains(&"a,b:c %25.yaml"), "{files:?}");
    assert!(
        files.contains(&"::error title=forged::pwned.yaml"),
        "{files:?}"
    );
    assert_eq!(run.outputs["findings"], run.annotations.len().to_string());
}

/// A release as `.github/workflows/release.yml` publishes it, built by the test: the archive
/// for the harness's runner (Linux X64) holding the binary cargo just built, `SOURCE-SHA256`
/// from `scripts/source-hash.sh`, and `SHA256SUMS` of both.
struct Release {
    dir: PathBuf,
    version: String,
    archive: String,
}

fn sha256_hex(path: &Path) -> String {
    let (code, stdout, stderr) = support::run(Command::new("sha256sum").arg(path));
    assert_eq!(code, 0, "{stderr}");
    stdout.split(' ').next().unwrap_or_default().to_string()
}

fn build_release(name: &str) -> Release {
    let version = env!("CARGO_PKG_VERSION").to_string();
    let target = "x86_64-unknown-linux-musl";
    let dir = support::temp_dir(&format!("{name}-assets")).join("release");
    let stage = dir
        .join("stage")
        .join(format!("pullcheck-{version}-{target}"));
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::copy(support::pullcheck_bin(), stage.join("pullcheck")).unwrap();
    let assets = dir.join(format!("v{version}"));
    std::fs::create_dir_all(&assets).unwrap();
    let archive = format!("pullcheck-{version}-{target}.tar.gz");
    let (code, _, stderr) = support::run(
        Command::new("tar")
            .arg("-czf")
            .arg(assets.join(&archive))
            .arg("-C")
            .arg(dir.join("stage"))
            .arg(format!("pullcheck-{version}-{target}")),
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, source, stderr) = support::run(&mut Command::new(
        support::repo_root().join("scripts/source-hash.sh"),
    ));
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(assets.join("SOURCE-SHA256"), source).unwrap();
    let release = Release {
        dir,
        version,
        archive,
    };
    write_sums(&release);
    release
}

fn write_sums(release: &Release) {
    let assets = release.dir.join(format!("v{}", release.version));
    let sums: String = [release.archive.as_str(), "SOURCE-SHA256"]
        .iter()
        .map(|f| format!("{}  {f}\n", sha256_hex(&assets.join(f))))
        .collect();
    std::fs::write(assets.join("SHA256SUMS"), sums).unwrap();
}

/// Serves `root` on 127.0.0.1 the way GitHub serves release assets: `GET /v…/NAME` answers with
/// a redirect to `/objects/v…/NAME`, which has the bytes (404 when absent). Records each
/// request path. Stops after `max` connections or 120 s.
fn serve(root: PathBuf, max: usize) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = log.clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            if std::time::Instant::now() > deadline {
                break;
            }
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            // Skip the headers.
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                line.clear();
            }
            let path = request.split(' ').nth(1).unwrap_or("/").to_string();
            seen.lock().unwrap().push(path.clone());
            let response: Vec<u8> = if let Some(object) = path.strip_prefix("/objects/") {
                match std::fs::read(root.join(object)) {
                    Ok(body) if !object.contains("..") => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend(body);
                        r
                    }
                    _ => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                }
            } else {
                format!(
                    "HTTP/1.1 302 Found\r\nLocation: /objects{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                .into_bytes()
            };
            let _ = stream.write_all(&response);
        }
    });
    (format!("http://{addr}"), log)
}

/// PATH without cargo: a download that is not used would have to build, and cannot.
fn path_without_cargo() -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|d| !d.join("cargo").exists())
        .collect();
    std::env::join_paths(kept).unwrap().into_string().unwrap()
}

fn run_with_release(name: &str, release: &Release) -> (ActionRun, Vec<String>) {
    let ws = workspace(name, "bad");
    let (url, requests) = serve(release.dir.clone(), 20);
    let path = path_without_cargo();
    let run = run_action_env(
        &ws,
        &[],
        &[
            ("PULLCHECK_BIN", None),
            ("PULLCHECK_RELEASE_URL", Some(&url)),
            ("PATH", Some(&path)),
        ],
    );
    let requests = requests.lock().unwrap().clone();
    (run, requests)
}

#[test]
fn release_binary_is_downloaded_verified_and_used() {
    let release = build_release("action-release");
    let (run, requests) = run_with_release("action-release", &release);
    assert_eq!(run.exit, 1, "the bad tree has findings\n{}", run.log);
    assert!(
        run.log.contains(&format!(
            "downloaded release v{} for x86_64-unknown-linux-musl (SHA-256 verified)",
            release.version
        )),
        "{}",
        run.log
    );
    assert!(!run.log.contains("cargo is not installed"), "{}", run.log);
    // The downloaded binary ran the lint, as before.
    assert!(
        run.annotations
            .iter()
            .any(|a| a.props.get("title").map(String::as_str) == Some("pullcheck missing-tag")),
        "{:?}",
        run.annotations
    );
    let v = &release.version;
    for file in ["SHA256SUMS", "SOURCE-SHA256", release.archive.as_str()] {
        assert!(requests.contains(&format!("/v{v}/{file}")), "{requests:?}");
        assert!(
            requests.contains(&format!("/objects/v{v}/{file}")),
            "redirect followed: {requests:?}"
        );
    }
}

#[test]
fn tampered_archive_is_refused_and_the_action_builds_instead() {
    let release = build_release("action-tampered");
    // The archive changes after SHA256SUMS was written: one byte appended.
    let archive = release
        .dir
        .join(format!("v{}", release.version))
        .join(&release.archive);
    let mut bytes = std::fs::read(&archive).unwrap();
    bytes.push(0);
    std::fs::write(&archive, bytes).unwrap();
    let (run, _) = run_with_release("action-tampered", &release);
    assert_eq!(run.exit, 1, "{}", run.log);
    let warning = run
        .annotations
        .iter()
        .find(|a| a.level == "warning")
        .expect("a checksum warning");
    assert!(warning.message.contains("SHA-256 checksum"), "{warning:?}");
    assert!(warning.message.contains(&release.archive), "{warning:?}");
    // It fell back to building, which needs cargo (not on PATH here).
    let error = run
        .annotations
        .iter()
        .find(|a| a.level == "error")
        .expect("an error");
    assert!(
        error.message.contains("cargo is not installed"),
        "{error:?}"
    );
    assert!(!run.log.contains("downloaded release"), "{}", run.log);
}

#[test]
fn release_of_other_sources_or_missing_release_is_not_used() {
    // Same version, other code (an action pinned to a commit after the release).
    let release = build_release("action-other-source");
    let assets = release.dir.join(format!("v{}", release.version));
    std::fs::write(assets.join("SOURCE-SHA256"), "0".repeat(64)).unwrap();
    write_sums(&release);
    let (run, _) = run_with_release("action-other-source", &release);
    assert_eq!(run.exit, 1);
    assert!(run.log.contains("built from other sources"), "{}", run.log);
    assert!(
        run.annotations
            .iter()
            .any(|a| a.level == "error" && a.message.contains("cargo is not installed"))
    );

    // No release of this version at all: a 404 after the redirect.
    std::fs::remove_dir_all(&assets).unwrap();
    let (run, requests) = run_with_release("action-no-release", &release);
    assert_eq!(run.exit, 1);
    assert!(run.log.contains("no release v"), "{}", run.log);
    assert!(!requests.is_empty());
    assert!(
        run.annotations
            .iter()
            .any(|a| a.level == "error" && a.message.contains("cargo is not installed"))
    );
}

/// The targets the release workflow builds are the ones the action knows how to download, and
/// the archive names agree.
#[test]
fn action_downloads_what_the_release_workflow_builds() {
    let text = std::fs::read_to_string(support::repo_root().join(".github/workflows/release.yml"))
        .expect("release.yml");
    let docs = parse_stream(&text, 0, &ParseLimits::default());
    let doc = docs
        .into_iter()
        .next()
        .expect("a document")
        .expect("release.yml parses");
    let root = doc.root().expect("root");
    let built: std::collections::BTreeSet<String> = root
        .path(&["jobs", "build", "strategy", "matrix", "include"])
        .expect("matrix")
        .items()
        .map(|i| i.str_at("target").expect("target").to_string())
        .collect();
    let action = load_action();
    let install = action
        .steps
        .iter()
        .find(|s| s.id.as_deref() == Some("install"))
        .and_then(|s| s.run.clone())
        .expect("install step");
    let re = regex::Regex::new(r"\btarget=([a-z0-9_]+-[a-z0-9_-]+)").unwrap();
    let downloaded: std::collections::BTreeSet<String> = re
        .captures_iter(&install)
        .map(|c| c[1].to_string())
        .collect();
    assert_eq!(built, downloaded);
    assert_eq!(built.len(), 5);
    // Same archive and checksum file names on both sides.
    assert!(text.contains(r#"name="pullcheck-$VERSION-$TARGET""#));
    assert!(text.contains(r#"assets/$name.zip""#) && text.contains(r#""assets/$name.tar.gz""#));
    assert!(install.contains(r#"archive="pullcheck-$version-$target.$ext""#));
    assert!(install.contains(r#"unpacked="$dl/x/pullcheck-$version-$target/$exe""#));
    for file in ["SHA256SUMS", "SOURCE-SHA256"] {
        assert!(
            text.contains(&format!("assets/{file}")) || text.contains(&format!(">{file}")),
            "{file}"
        );
        assert!(install.contains(file), "{file}");
    }
}

#[test]
fn by_default_the_action_refuses_a_config_that_names_a_program() {
    // A pull request adds a chart and points `render.helm` at a script of its own.
    let ws = workspace("action-untrusted", "bad");
    std::fs::create_dir_all(ws.join("chart/templates")).expect("mkdir");
    std::fs::write(
        ws.join("chart/Chart.yaml"),
        "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
    )
    .expect("write");
    let ran = ws.join("the-script-ran");
    std::fs::write(
        ws.join("evil.sh"),
        format!("#!/bin/sh\ntouch '{}'\necho '---'\n", ran.display()),
    )
    .expect("write");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(ws.join("evil.sh"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }
    std::fs::write(ws.join(".pullcheck.yaml"), "render:\n  helm: ./evil.sh\n").expect("write");

    let run = run_action(&ws, &[]);
    assert_eq!(run.exit, 2, "a usage error, not a lint result\n{}", run.log);
    assert!(!ran.exists(), "the pull request's script ran\n{}", run.log);
    assert!(run.log.contains("--untrusted"), "{}", run.log);

    // What the default prevents: the same tree, trusted, runs the script.
    let run = run_action(&ws, &[("untrusted", "false")]);
    assert!(
        ran.exists(),
        "with untrusted: false the config is followed\n{}",
        run.log
    );
}
