//! `--format github` (workflow commands, job summary) and `--format gitlab` (Code Quality).

use crate::ci_support as support;

use pullcheck::emit::github::{escape_data, escape_property};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const HOSTILE_NAMES: &[&str] = &[
    "a,b:c.yaml",
    "pct %0A %25.yaml",
    "nl\n::error title=forged::x.yaml",
    "pipe | [link](x) <img src=x> `code` *em*.yaml",
];

/// A tree whose file names and image strings try to forge commands and break Markdown.
fn hostile_tree(name: &str) -> PathBuf {
    let dir = support::temp_dir(name);
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    \
                    - name: a\n      image: \"bad::error title=forged::pwned\\r\\n::warning::x|y\"\n    \
                    - name: b\n      image: nginx\n";
    for n in HOSTILE_NAMES {
        std::fs::write(dir.join(n), manifest).expect("write");
    }
    dir
}

fn pullcheck(dir: &Path, args: &[&str], summary: Option<&Path>) -> (i32, String) {
    let mut cmd = Command::new(support::pullcheck_bin());
    cmd.args(args)
        .current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY");
    if let Some(s) = summary {
        cmd.env("GITHUB_STEP_SUMMARY", s);
    }
    let (code, stdout, stderr) = support::run(&mut cmd);
    assert!(code == 0 || code == 1, "{stderr}");
    (code, stdout)
}

/// The runner's parse of one command line: (command, properties, message), unescaped.
fn parse_command(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line.strip_prefix("::").expect("a command");
    let (info, message) = rest.split_once("::").expect("`::` ends the properties");
    let (name, props) = info.split_once(' ').unwrap_or((info, ""));
    let unescape = |s: &str| {
        s.replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%25", "%")
    };
    let props = props
        .split(',')
        .map(|p| {
            let (k, v) = p.split_once('=').expect("key=value");
            (k.to_string(), unescape(v))
        })
        .collect();
    (name.to_string(), props, unescape(message))
}

#[test]
fn escaping_follows_the_runner() {
    assert_eq!(escape_data("100%"), "100%25");
    assert_eq!(escape_data("a\r\nb"), "a%0D%0Ab");
    assert_eq!(
        escape_data("x::error::y"),
        "x::error::y",
        "`::` in a message is harmless"
    );
    assert_eq!(escape_property("a,b:c"), "a%2Cb%3Ac");
    assert_eq!(escape_property("%0A\n"), "%250A%0A");
}

#[test]
fn hostile_names_and_messages_stay_one_command_each() {
    let dir = hostile_tree("github-hostile");
    let (code, out) = pullcheck(&dir, &["--format", "github", "."], None);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    // Two containers per file: invalid-reference and missing-tag.
    assert_eq!(lines.len(), HOSTILE_NAMES.len() * 2, "{out}");
    let mut files = Vec::new();
    for line in &lines {
        assert!(
            line.starts_with("::error ") || line.starts_with("::warning "),
            "{line}"
        );
        let (_, props, message) = parse_command(line);
        let keys: Vec<&str> = props.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            ["file", "line", "endLine", "col", "endColumn", "title"],
            "{line}"
        );
        let title = &props[5].1;
        assert!(title.starts_with("pullcheck "), "{line}");
        assert!(message.contains("more: pullcheck explain"), "{message}");
        files.push(props[0].1.clone());
    }
    // Every file name round-trips (control characters shown escaped, not raw).
    for n in HOSTILE_NAMES {
        let shown = n.replace('\n', "\\n");
        assert!(files.contains(&shown), "{shown:?} not in {files:?}");
    }
    let invalid = lines
        .iter()
        .map(|l| parse_command(l))
        .find(|(_, p, _)| p[5].1 == "pullcheck invalid-reference")
        .expect("invalid-reference");
    assert!(
        invalid
            .2
            .contains("bad::error title=forged::pwned\\r\\n::warning::x|y")
    );
    assert_eq!(invalid.1[1].1, "8");
    assert_eq!(invalid.1[3].1, "14");
}

#[test]
fn job_summary_counts_rules_and_escapes_cells() {
    let dir = hostile_tree("github-summary");
    let summary = dir.with_extension("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let (_, out) = pullcheck(
        &dir,
        &[
            "--output",
            "github=annotations.txt",
            "--color",
            "never",
            ".",
        ],
        Some(&summary),
    );
    assert!(out.contains("error[invalid-reference]") || out.contains("invalid-reference"));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n## pullcheck"),
        "appended:\n{md}"
    );
    assert!(
        md.contains("**4 error(s), 4 warning(s), 0 note(s)** in 4 file(s)"),
        "{md}"
    );
    assert!(md.contains("| invalid-reference | error | 4 |"), "{md}");
    assert!(md.contains("| missing-tag | warning | 4 |"), "{md}");
    // Every table row has exactly its columns: escaped pipes do not split cells.
    for row in md.lines().filter(|l| l.starts_with("| ")) {
        let unescaped = row.replace("\\|", "");
        let cells = unescaped.matches('|').count();
        assert!(cells == 4 || cells == 5, "{row}");
    }
    assert!(
        md.contains("pipe \\| \\[link\\](x) &lt;img src=x&gt; \\`code\\` \\*em\\*"),
        "{md}"
    );
    assert!(!md.contains("<img"));
    assert!(!md.lines().any(|l| l.starts_with("::")), "{md}");
    assert_eq!(
        std::fs::read_to_string(dir.join("annotations.txt"))
            .unwrap()
            .lines()
            .count(),
        8
    );

    // A clean run says so; without GITHUB_STEP_SUMMARY nothing is written anywhere.
    let good = support::repo_root().join("tests/ci/trees/good");
    let clean = dir.with_extension("clean.md");
    let (code, out) = pullcheck(&good, &["--format", "github", "."], Some(&clean));
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(
        std::fs::read_to_string(&clean)
            .unwrap()
            .contains("No image-pull problems found.")
    );
}

#[test]
fn gitlab_code_quality_shape_and_unique_fingerprints() {
    let dir = hostile_tree("gitlab");
    support::copy_tree(
        &support::repo_root().join("tests/ci/trees/bad"),
        &dir.join("bad"),
    );
    let (_, out) = pullcheck(&dir, &["--format", "gitlab", "."], None);
    let issues: Vec<Value> = serde_json::from_str(&out).expect("a JSON array");
    assert!(issues.len() >= 15, "{}", issues.len());
    let severities = ["info", "minor", "major", "critical", "blocker"];
    let mut fingerprints = Vec::new();
    for i in &issues {
        assert!(!i["description"].as_str().unwrap().is_empty());
        assert!(pullcheck::rules::find(i["check_name"].as_str().unwrap()).is_some());
        assert!(severities.contains(&i["severity"].as_str().unwrap()), "{i}");
        let path = i["location"]["path"].as_str().unwrap();
        assert!(!path.starts_with('/') && !path.starts_with("./"), "{path}");
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        fingerprints.push(i["fingerprint"].as_str().unwrap().to_string());
    }
    let n = fingerprints.len();
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), n, "fingerprints are unique");

    let find = |rule: &str| {
        issues
            .iter()
            .find(|i| i["check_name"] == rule && i["location"]["path"] == "bad/deploy/api.yaml")
            .unwrap_or_else(|| panic!("{rule}"))
    };
    assert_eq!(find("missing-tag")["severity"], "major");
    assert_eq!(find("missing-tag")["location"]["lines"]["begin"], 12);
    assert_eq!(find("invalid-pull-policy")["severity"], "critical");
    assert_eq!(find("tag-and-digest")["severity"], "info");

    // The same content twice in one file (two identical documents): still unique.
    let twice = support::temp_dir("gitlab-twice");
    let doc =
        "kind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: a\n    image: nginx\n";
    std::fs::write(twice.join("x.yaml"), format!("{doc}---\n{doc}")).unwrap();
    let (_, out) = pullcheck(&twice, &["--format", "gitlab", "."], None);
    let issues: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(issues.len(), 2);
    assert_ne!(issues[0]["fingerprint"], issues[1]["fingerprint"]);
}
