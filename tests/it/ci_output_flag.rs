//! `--output [FORMAT=]FILE`: reports to files, the human report on standard output.

use crate::ci_support as support;

use std::process::Command;

#[test]
fn output_writes_files_and_keeps_the_human_report_on_stdout() {
    let dir = support::temp_dir("output-flag");
    let bad = support::repo_root().join("tests/ci/trees/bad");
    let (code, stdout, stderr) = support::run(
        Command::new(support::pullcheck_bin())
            .args(["--format", "json", "--color", "never", "--output"])
            .arg(dir.join("report.json"))
            .arg("--output")
            .arg(format!("sarif={}", dir.join("report.sarif").display()))
            .arg("-o")
            .arg(format!("short={}", dir.join("short.txt").display()))
            .arg(&bad)
            .env_remove("GITHUB_STEP_SUMMARY"),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.contains("no tag or digest"),
        "human on stdout: {stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let short = std::fs::read_to_string(dir.join("short.txt")).unwrap();
    assert_eq!(
        short.lines().count(),
        json["findings"].as_array().unwrap().len()
    );
    assert!(!short.contains('\u{1b}'), "no colour in files");
}

#[test]
fn unknown_format_is_exit_2_and_a_path_with_a_directory_is_a_file_name() {
    let dir = support::temp_dir("output-flag-names");
    let good = support::repo_root().join("tests/ci/trees/good");
    // A typo of a format must not become a file holding the wrong report.
    let (code, _, stderr) = support::run(
        Command::new(support::pullcheck_bin())
            .args(["--output", "xml=o.xml"])
            .arg(&good)
            .current_dir(&dir),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("unknown format \"xml\"")
            && stderr.contains("human, short, json, sarif, github, gitlab"),
        "{stderr}"
    );
    assert!(!dir.join("xml=o.xml").exists());

    let (code, _, stderr) = support::run(
        Command::new(support::pullcheck_bin())
            .args(["--format", "gitlab", "--output", "./x=y.json"])
            .arg(&good)
            .current_dir(&dir),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("x=y.json"))
            .unwrap()
            .trim(),
        "[]"
    );
}

#[test]
fn unwritable_output_is_exit_2() {
    let dir = support::temp_dir("output-flag-unwritable");
    let good = support::repo_root().join("tests/ci/trees/good");
    let (code, _, stderr) = support::run(
        Command::new(support::pullcheck_bin())
            .args(["--output", "sarif=no/such/dir/x.sarif"])
            .arg(&good)
            .current_dir(&dir),
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot write no/such/dir/x.sarif"),
        "{stderr}"
    );
}
