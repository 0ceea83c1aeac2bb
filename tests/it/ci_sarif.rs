//! `--format sarif`, checked by the Microsoft SARIF multitool (`validate --rule-kind "Sarif;Gh"`,
//! the SARIF spec rules plus GitHub code scanning's ingestion rules) and by shape tests.

use crate::ci_support as support;

use pullcheck::engine::{LintOptions, lint};
use pullcheck::rules::CATALOG;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn sarif_of(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = Command::new(support::pullcheck_bin());
    cmd.args(["--format", "sarif"]).args(args).current_dir(dir);
    let out = match stdin {
        None => cmd.output().expect("run pullcheck"),
        Some(text) => {
            use std::io::Write;
            let mut child = cmd
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("spawn");
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write");
            child.wait_with_output().expect("wait")
        }
    };
    String::from_utf8(out.stdout).expect("utf-8")
}

/// A tree with every kind of finding we have, hostile file names included.
fn bad_tree(name: &str) -> PathBuf {
    let dir = support::temp_dir(name).join("workspace");
    support::copy_tree(&support::repo_root().join("tests/ci/trees/bad"), &dir);
    let manifest = std::fs::read_to_string(dir.join("deploy/api.yaml")).expect("read");
    std::fs::create_dir_all(dir.join("odd dir")).expect("mkdir");
    std::fs::write(dir.join("odd dir/a,b:c %25 é#?.yaml"), &manifest).expect("write");
    std::fs::write(dir.join("empty.yaml"), "# nothing\n").expect("write");
    dir
}

/// Runs the multitool on `files`; returns its exit code, console output and the results it
/// found at the given levels.
fn validate(tool: &Path, files: &[PathBuf], levels: &str) -> (i32, String, Vec<Value>) {
    let out = files[0].with_extension("validation.sarif");
    let _ = std::fs::remove_file(&out);
    let (code, stdout, stderr) = support::run(
        Command::new(tool)
            .args([
                "validate",
                "--rule-kind",
                "Sarif;Gh",
                "--level",
                levels,
                "-o",
            ])
            .arg(&out)
            .args(files),
    );
    let log: Value = serde_json::from_str(
        &std::fs::read_to_string(&out)
            .unwrap_or_else(|e| panic!("the multitool wrote no log ({e}):\n{stdout}\n{stderr}")),
    )
    .expect("the multitool's log is JSON");
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    (code, format!("{stdout}{stderr}"), results)
}

#[test]
fn multitool_finds_no_errors_or_warnings() {
    let Some(tool) = support::client("PULLCHECK_SARIF_MULTITOOL") else {
        return;
    };
    let dir = bad_tree("sarif-validate");
    let tree = dir.join("tree.sarif");
    std::fs::write(&tree, sarif_of(&dir, &["."], None)).expect("write");
    let stdin = dir.join("stdin.sarif");
    let live = std::fs::read_to_string(dir.join("deploy/api.yaml")).expect("read");
    std::fs::write(
        &stdin,
        sarif_of(&dir, &["--stdin-filename", "live.yaml", "-"], Some(&live)),
    )
    .expect("write");
    let clean = dir.join("clean.sarif");
    let good = support::repo_root().join("tests/ci/trees/good");
    std::fs::write(&clean, sarif_of(&good, &["."], None)).expect("write");

    let files = [tree.clone(), stdin, clean];
    let (code, console, results) = validate(&tool, &files, "Error;Warning");
    eprintln!("{console}");
    assert!(
        results.is_empty(),
        "the SARIF multitool reported problems:\n{}",
        serde_json::to_string_pretty(&results).unwrap_or_default()
    );
    assert_eq!(code, 0, "{console}");
    assert!(
        console.contains("Analysis completed successfully"),
        "{console}"
    );

    // What we validated has findings of several rules and the hostile names.
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&tree).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() >= 10, "{}", results.len());
    // Fixes (SARIF §3.55) are validated too: `imagePullPolicy: always` has a safe one.
    assert!(
        results.iter().any(
            // The edit is the one changed byte: `a` → `A`.
            |r| r["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"]
                == "A"
                && r["fixes"][0]["description"]["text"] == "write `Always`."
                && r["fixes"][0]["properties"]["applicability"] == "safe"
        ),
        "no fix in the SARIF log"
    );
    assert!(results.iter().any(|r| {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "odd%20dir/a%2Cb%3Ac%20%2525%20%C3%A9%23%3F.yaml"
    }));
}

/// The multitool is really checking: a log with a known defect is reported.
#[test]
fn multitool_reports_a_broken_log() {
    let Some(tool) = support::client("PULLCHECK_SARIF_MULTITOOL") else {
        return;
    };
    let dir = bad_tree("sarif-negative");
    let mut log: Value = serde_json::from_str(&sarif_of(&dir, &["."], None)).unwrap();
    // GitHub needs a region with a start line (GH1003), and the spec wants sentences (SARIF2001).
    let result = &mut log["runs"][0]["results"][0];
    result["message"]["text"] = Value::from("no period");
    result["locations"][0]["physicalLocation"]["region"] = serde_json::json!({"endLine": 3});
    let file = dir.join("broken.sarif");
    std::fs::write(&file, serde_json::to_string_pretty(&log).unwrap()).unwrap();
    let (_, console, results) = validate(&tool, &[file], "Error;Warning");
    assert!(
        !results.is_empty(),
        "the multitool accepted a broken log:\n{console}"
    );
}

fn lint_sarif(path: &Path) -> Value {
    let report = lint(&LintOptions {
        paths: vec![path.to_path_buf()],
        jobs: 1,
        ..LintOptions::default()
    })
    .expect("lint");
    pullcheck::emit::sarif::to_value(&report)
}

fn fingerprints_and_lines(log: &Value) -> Vec<(String, String, u64)> {
    log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap_or("").to_string(),
                r["partialFingerprints"][pullcheck::emit::sarif::FINGERPRINT_KEY]
                    .as_str()
                    .expect("fingerprint")
                    .to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .expect("line"),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_unrelated_lines_moving() {
    let dir = support::temp_dir("sarif-fingerprints");
    let file = dir.join("api.yaml");
    let original =
        std::fs::read_to_string(support::repo_root().join("tests/ci/trees/bad/deploy/api.yaml"))
            .expect("read");
    std::fs::write(&file, &original).unwrap();
    let before = fingerprints_and_lines(&lint_sarif(&file));

    let moved = original.replacen(
        "metadata:\n  name: api\n",
        "metadata:\n  name: api\n  labels:\n    team: shop\n    tier: backend\n",
        1,
    );
    assert_ne!(moved, original);
    std::fs::write(&file, moved).unwrap();
    let after = fingerprints_and_lines(&lint_sarif(&file));

    assert_eq!(before.len(), after.len());
    assert!(before.len() >= 6);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.0, a.0);
        assert_eq!(b.1, a.1, "{} moved from line {} to {}", b.0, b.2, a.2);
        assert_eq!(a.2, b.2 + 3, "the finding really moved");
    }
    let mut unique: Vec<&String> = after.iter().map(|x| &x.1).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), after.len(), "fingerprints are unique");

    // Changing the flagged text changes the fingerprint.
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("team/api\n", "team/api2\n");
    std::fs::write(&file, edited).unwrap();
    let changed = fingerprints_and_lines(&lint_sarif(&file));
    assert_eq!(changed.len(), after.len());
    let edited_line = after[0].2;
    for (c, a) in changed.iter().zip(&after) {
        if a.2 == edited_line {
            assert_ne!(c.1, a.1, "{} on the edited line", a.0);
        } else {
            assert_eq!(c, a);
        }
    }
}

#[test]
fn shape_matches_what_code_scanning_reads() {
    let dir = bad_tree("sarif-shape");
    let log: Value = serde_json::from_str(&sarif_of(&dir, &["."], None)).expect("json");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "pullcheck");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    // The repository named in Cargo.toml, not a placeholder.
    assert_eq!(driver["informationUri"], env!("CARGO_PKG_REPOSITORY"));
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://github.com/")
    );
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), CATALOG.len());
    for (rule, meta) in rules.iter().zip(CATALOG) {
        assert_eq!(rule["id"], meta.name);
        assert_eq!(rule["help"]["markdown"], meta.doc);
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            meta.severity.as_str()
        );
        assert!(
            rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .ends_with('.')
        );
    }
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    for r in run["results"].as_array().unwrap() {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.starts_with("./"), "{uri}");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    let missing_tag = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "missing-tag")
        .unwrap();
    let region = &missing_tag["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 12);
    assert_eq!(region["startColumn"], 18);
    assert_eq!(region["endColumn"], 52);
    assert_eq!(
        region["snippet"]["text"],
        "registry.example.com:5000/team/api"
    );
    // stale-if-not-present has a second label: a related location.
    let stale = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "stale-if-not-present")
        .unwrap();
    assert!(
        stale["relatedLocations"]
            .as_array()
            .is_some_and(|l| !l.is_empty()),
        "{stale}"
    );

    let stdin = sarif_of(
        &dir,
        &["-"],
        Some("kind: Pod\nspec:\n  containers:\n  - image: nginx\n"),
    );
    let stdin: Value = serde_json::from_str(&stdin).unwrap();
    let uri = &stdin["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, "stdin");
}
