//! The binary as a user runs it: exit codes, stdin, formats, colour, subcommands.

use crate::common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn pullcheck(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pullcheck"));
    cmd.args(args)
        .current_dir(common::repo())
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn pullcheck");
    if let Some(mut pipe) = child.stdin.take() {
        // A run that fails early (a usage error) exits without reading stdin: that is fine.
        let _ = pipe.write_all(stdin.unwrap_or("").as_bytes());
    }
    child.wait_with_output().expect("wait")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const POD_LATEST: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: nginx:latest}\n";
const POD_PINNED: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: nginx:1.25.3}\n";

#[test]
fn stdin_with_a_name_and_exit_codes_follow_fail_on() {
    let o = pullcheck(
        &["--format", "short", "--stdin-filename", "live.yaml", "-"],
        Some(POD_LATEST),
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "live.yaml:6:28: warning[latest-tag] image \"nginx:latest\" uses the `latest` tag: nodes run whichever build they pulled last, and a rollback cannot go back\n"
    );
    let o = pullcheck(&["--fail-on", "error", "-"], Some(POD_LATEST));
    assert_eq!(o.status.code(), Some(0));
    let o = pullcheck(&["--fail-on", "never", "-"], Some(POD_LATEST));
    assert_eq!(o.status.code(), Some(0));
    let o = pullcheck(&["-"], Some(POD_PINNED));
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("1 file checked (1 document): 0 errors, 0 warnings, 0 notes"));
}

#[test]
fn select_and_ignore_take_rule_names() {
    let o = pullcheck(&["--ignore", "latest-tag", "-"], Some(POD_LATEST));
    assert_eq!(o.status.code(), Some(0));
    let o = pullcheck(
        &["--select", "missing-tag,invalid-reference", "-"],
        Some(POD_LATEST),
    );
    assert_eq!(o.status.code(), Some(0));
    let o = pullcheck(&["--select", "no-such-rule", "-"], Some(POD_LATEST));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown rule"));
}

#[test]
fn unreadable_paths_exit_2_but_the_rest_is_still_linted() {
    let o = pullcheck(
        &[
            "--format",
            "short",
            "does/not/exist.yaml",
            "fixtures/latest-tag/fail",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(
        out.contains("does/not/exist.yaml:1:1: error[unreadable-input]"),
        "{out}"
    );
    assert!(out.contains("warning[latest-tag]"), "{out}");
}

/// The README's exit-code table: a path that cannot be opened is exit 2 whatever `--fail-on`
/// says; a file opened but refused for its content is an error finding that follows it.
#[test]
fn refused_files_are_findings_that_follow_fail_on_and_missing_paths_are_exit_2() {
    let dir = crate::ci_support::temp_dir("refused-files");
    std::fs::write(dir.join("binary.yaml"), b"kind: Pod\n\0\0").expect("write");
    std::fs::write(dir.join("latin1.yaml"), b"kind: Pod # caf\xe9\n").expect("write");
    std::fs::write(dir.join("big.yaml"), POD_PINNED.repeat(4)).expect("write");
    for (file, says) in [
        ("binary.yaml", "binary file"),
        ("latin1.yaml", "not valid UTF-8"),
        ("big.yaml", "--max-file-size"),
    ] {
        let path = dir.join(file);
        let path = path.to_str().expect("UTF-8 temp path");
        let args = ["--format", "short", "--max-file-size", "100", path];
        let o = pullcheck(&args, None);
        assert_eq!(o.status.code(), Some(1), "{file}: {}", stdout(&o));
        assert!(
            stdout(&o).contains("error[unreadable-input]") && stdout(&o).contains(says),
            "{file}: {}",
            stdout(&o)
        );
        let never = [&["--fail-on", "never"], &args[..]].concat();
        assert_eq!(pullcheck(&never, None).status.code(), Some(0), "{file}");
    }
    let o = pullcheck(&["--fail-on", "never", "does/not/exist.yaml"], None);
    assert_eq!(o.status.code(), Some(2));
}

/// docs/json.md: `object.namespace` of an object that names none is `--namespace`, else
/// `default` (the config's `namespace` sits between: tests/it/config.rs).
#[test]
fn json_object_namespace_follows_the_namespace_flag() {
    let namespace = |args: &[&str]| {
        let o = pullcheck(
            &[&["--format", "json"], args, &["-"]].concat(),
            Some(POD_LATEST),
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        v["findings"][0]["object"]["namespace"].clone()
    };
    assert_eq!(namespace(&[]), "default");
    assert_eq!(namespace(&["--namespace", "prod"]), "prod");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let plain = pullcheck(&["-"], Some(POD_LATEST));
    assert!(
        !stdout(&plain).contains('\u{1b}'),
        "piped output must not be coloured"
    );
    let forced = pullcheck(&["--color", "always", "-"], Some(POD_LATEST));
    assert!(stdout(&forced).contains('\u{1b}'));
    let never = pullcheck(&["--color", "never", "-"], Some(POD_LATEST));
    assert!(!stdout(&never).contains('\u{1b}'));
}

#[test]
fn human_report_points_at_the_bytes_and_says_how_to_learn_more() {
    let o = pullcheck(&["--stdin-filename", "pod.yaml", "-"], Some(POD_LATEST));
    let out = stdout(&o);
    assert!(out.contains("[pod.yaml:6:28]"), "{out}");
    assert!(out.contains("mutable tag"), "{out}");
    assert!(out.contains("more: pullcheck explain latest-tag"), "{out}");
}

#[test]
fn json_contract_fields() {
    let o = pullcheck(&["--format", "json", "-"], Some(POD_LATEST));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["version"], 1);
    let f = &v["findings"][0];
    for key in [
        "rule",
        "severity",
        "message",
        "help",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "offset",
        "length",
        "object",
        "container",
        "image",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
    assert_eq!(f["file"], "<stdin>");
    assert_eq!(f["object"]["namespace"], "default");
    assert_eq!(f["object"]["kind"], "Pod");
    assert_eq!(f["container"], "a");
    let offset = f["offset"].as_u64().expect("offset") as usize;
    let length = f["length"].as_u64().expect("length") as usize;
    assert_eq!(&POD_LATEST[offset..offset + length], "latest");
    assert_eq!(v["summary"]["warnings"], 1);
}

#[test]
fn rules_and_explain() {
    let o = pullcheck(&["rules"], None);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for rule in pullcheck::rules::CATALOG {
        assert!(
            out.contains(rule.name),
            "`pullcheck rules` omits {}",
            rule.name
        );
    }
    let o = pullcheck(&["explain", "missing-tag"], None);
    assert_eq!(
        stdout(&o),
        format!(
            "{}\n{}\n",
            pullcheck::rules::find("missing-tag").expect("rule").doc,
            pullcheck::cli::explain_fix("missing-tag")
        )
    );
    // Every rule says whether and how `--fix` fixes it.
    for rule in pullcheck::rules::CATALOG {
        let fix = pullcheck::cli::explain_fix(rule.name);
        assert_eq!(
            fix.contains("`pullcheck --fix` fixes it"),
            pullcheck::rules::fix_summary(rule.name).is_some(),
            "{}",
            rule.name
        );
    }
    let o = pullcheck(&["explain", "numeric-tag"], None);
    assert!(stdout(&o).contains("## Automatic fix\n`pullcheck --fix` fixes it; safe: the number"));
    let o = pullcheck(&["explain", "missing"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing-tag"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pullcheck"))
        .args(["--format", "short", "fixtures"])
        .current_dir(common::repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("wait");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
}

#[test]
fn byte_offsets_and_columns_survive_bom_crlf_and_multibyte_text() {
    let text = "\u{feff}apiVersion: v1\r\nkind: Pod\r\nmetadata: {name: café, annotations: {a: \"日本\"}}\r\nspec:\r\n  containers:\r\n  - {name: a, image: \"ñ:latest\"}\r\n  - {name: b, image: nginx:latest}\r\n";
    let o = pullcheck(&["--format", "json", "-"], Some(text));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    let latest = findings
        .iter()
        .find(|f| f["rule"] == "latest-tag")
        .expect("latest-tag");
    let offset = latest["offset"].as_u64().expect("offset") as usize;
    let length = latest["length"].as_u64().expect("length") as usize;
    assert_eq!(&text.as_bytes()[offset..offset + length], b"latest");
    assert_eq!(
        (latest["line"].as_u64(), latest["column"].as_u64()),
        (Some(7), Some(28))
    );
    let invalid = findings
        .iter()
        .find(|f| f["rule"] == "invalid-reference")
        .expect("invalid-reference on ñ");
    let offset = invalid["offset"].as_u64().expect("offset") as usize;
    assert!(text[offset..].starts_with('ñ'));
    assert_eq!(invalid["column"].as_u64(), Some(23));
}

#[test]
fn exclude_skips_matching_paths_while_walking() {
    let o = pullcheck(
        &[
            "--format",
            "short",
            "--exclude",
            "fail",
            "fixtures/latest-tag",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = pullcheck(
        &[
            "--format",
            "short",
            "--exclude",
            "fixtures/latest-tag/pass/**",
            "fixtures/latest-tag",
        ],
        None,
    );
    assert!(stdout(&o).contains("latest-tag/fail/rollout.yaml"));
    assert!(!stdout(&o).contains("/pass/"));
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let one = pullcheck(&["--format", "json", "--jobs", "1", "fixtures"], None);
    let many = pullcheck(&["--format", "json", "--jobs", "4", "fixtures"], None);
    assert!(!one.stdout.is_empty());
    assert_eq!(stdout(&one), stdout(&many));
}

#[test]
fn untrusted_refuses_a_config_naming_a_program_with_exit_2() {
    let dir = crate::ci_support::temp_dir("cli-untrusted");
    std::fs::write(dir.join(".pullcheck.yaml"), "render:\n  helm: ./helm.sh\n").expect("write");
    std::fs::write(dir.join("pod.yaml"), POD_PINNED).expect("write");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pullcheck"))
            .args(extra)
            .arg(".")
            .current_dir(&dir)
            .output()
            .expect("run")
    };
    let o = run(&["--untrusted"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("`render.helm` names a program to run"),
        "{stderr}"
    );
    assert!(stdout(&o).is_empty(), "nothing was linted");
    // Without the flag the config is the user's own.
    let o = run(&[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_values_file_that_is_not_there_is_a_usage_error() {
    let o = pullcheck(
        &[
            "fixtures/render-failed/pass/chart",
            "--values",
            "no-such-values.yaml",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--values no-such-values.yaml: no such file"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn what_the_repository_ignores_is_not_walked_unless_named() {
    let dir = crate::ci_support::temp_dir("cli-ignore");
    let bad = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: nginx}\n";
    for sub in ["deploy", "node_modules/pkg", "build"] {
        std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
        std::fs::write(dir.join(sub).join("pod.yaml"), bad).expect("write");
    }
    // A git work tree whose .gitignore names node_modules, and an .ignore (read with or
    // without git) that names build.
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&dir)
        .status()
        .is_ok_and(|s| s.success());
    std::fs::write(dir.join(".gitignore"), "node_modules/\n").expect("write");
    std::fs::write(dir.join(".ignore"), "build/\n").expect("write");
    let files = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_pullcheck"))
            .args(["--format", "short", "--fail-on", "never"])
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("run");
        let mut seen: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.split(':').next().map(str::to_string))
            .filter(|f| f.ends_with(".yaml"))
            .collect();
        seen.sort();
        seen.dedup();
        seen
    };
    let mut expected = vec!["deploy/pod.yaml".to_string()];
    if !git {
        expected.push("node_modules/pkg/pod.yaml".to_string());
    }
    expected.sort();
    assert_eq!(files(&["."]), expected);
    assert_eq!(
        files(&["--no-ignore", "."]),
        [
            "build/pod.yaml",
            "deploy/pod.yaml",
            "node_modules/pkg/pod.yaml"
        ]
    );
    // Named on the command line, an ignored file is read all the same.
    assert_eq!(files(&["build/pod.yaml"]), ["build/pod.yaml"]);
}
