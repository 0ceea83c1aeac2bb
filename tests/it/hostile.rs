//! Inputs that try to crash, hang or trick the linter. Each must give a finding (or be skipped
//! with one) while the rest is still linted. No timing assertions: a hang shows as a test timeout.

use crate::common;

use common::{human, lint_text, rules_fired};
use pullcheck::engine::{LintOptions, lint};

fn billion_laughs() -> String {
    let mut s = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10 {
        let prev = (b'a' + i - 1) as char;
        let cur = (b'a' + i) as char;
        s.push_str(&format!("{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
    }
    s
}

#[test]
fn alias_bomb_is_not_expanded() {
    let mut text = billion_laughs();
    text.push_str("---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: nginx}\n");
    let report = lint_text("bomb.yaml", &text);
    assert_eq!(rules_fired(&report), vec!["missing-tag"]);
}

#[test]
fn alias_bomb_inside_a_pod_spec_is_still_cheap() {
    // Containers reached through aliases: each alias is visited once, not expanded.
    let text = "x: &c {name: a, image: nginx:latest}\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [*c, *c, *c]\n";
    let report = lint_text("aliases.yaml", text);
    assert_eq!(rules_fired(&report), vec!["latest-tag"; 3]);
    let out = human(&report);
    assert!(
        out.contains("value defined here, at `&c`") || out.contains("*c"),
        "{out}"
    );
}

#[test]
fn deep_nesting_is_a_finding_not_a_stack_overflow() {
    for text in [
        "[".repeat(100_000),
        "a:\n".to_string() + &"- ".repeat(100_000),
        "{\"a\":".repeat(100_000),
    ] {
        let report = lint_text("deep.yaml", &text);
        assert_eq!(
            rules_fired(&report),
            vec!["parse-error"],
            "{}",
            human(&report)
        );
    }
}

#[test]
fn empty_and_whitespace_inputs() {
    for text in ["", "\n\n", "   ", "# c\n", "---\n---\n", "\u{feff}"] {
        let report = lint_text("e.yaml", text);
        assert_eq!(rules_fired(&report), vec!["empty-input"], "{text:?}");
    }
    // A null document next to a real one is fine.
    let report = lint_text("n.yaml", "~\n---\nkind: ConfigMap\n");
    assert!(report.findings.is_empty());
}

#[test]
fn garbage_never_panics() {
    let mut rng = common::Rng(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"apiVersion: kind Pod spec containers - image \"'{}[],&*!|>#%@`\n\t\r :";
    for _ in 0..2000 {
        let len = rng.below(300);
        let s: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())] as char)
            .collect();
        let report = lint_text("g.yaml", &s);
        let _ = human(&report);
    }
}

#[test]
fn ansi_escapes_in_names_and_values_are_escaped() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: \"nginx\\e[31m:1\"}\n";
    let opts = LintOptions::default();
    let report =
        pullcheck::engine::lint_memory(&[("evil\u{1b}[2J.yaml", text)], &opts).expect("lint");
    let out = human(&report);
    assert!(!out.contains('\u{1b}'), "raw escape in output: {out:?}");
    assert!(out.contains("\\u{1b}"), "{out}");
}

#[cfg(unix)]
#[test]
fn fifo_symlink_loop_and_unreadable_files_do_not_stop_the_run() {
    let dir = std::env::temp_dir().join(format!("pullcheck-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
    std::fs::write(dir.join("ok.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: nginx:latest}\n").expect("write");
    std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).expect("symlink loop");
    std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd.yaml")).expect("symlink out");
    let fifo = dir.join("pipe.yaml");
    let made_fifo = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let opts = LintOptions {
        paths: vec![dir.clone()],
        ..LintOptions::default()
    };
    let report = lint(&opts).expect("lint");
    let fired = rules_fired(&report);
    assert!(fired.contains(&"latest-tag"), "{fired:?}");
    assert!(fired.contains(&"skipped-input"), "{fired:?}");
    assert!(!human(&report).contains("root:"), "read outside the tree");
    if made_fifo {
        // Walking skips non-regular files: the FIFO is never opened (it would block).
        assert!(
            !report
                .sources
                .iter()
                .any(|(_, s)| s.name.ends_with("pipe.yaml"))
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
