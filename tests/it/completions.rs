//! `pullcheck completions SHELL` and `pullcheck man`: each completion script loads in its real
//! shell and completes a rule name after `--select` (and `--ignore`, `explain`); the lists come
//! from the rule catalog. bash, zsh and fish are installed by `scripts/install-shells.sh`
//! (Debian packages, run by `scripts/test.sh`); a missing shell skips its test with a message,
//! and fails it under `PULLCHECK_REQUIRE_CLIENTS=1` or `CI`.

use crate::ci_support::{self as support, run};
use pullcheck::rules::CATALOG;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> PathBuf {
    support::pullcheck_bin()
}

fn scratch(name: &str) -> PathBuf {
    support::temp_dir(&format!("completions-{name}"))
}

/// The shell's path, or `None` (skip) when it is not installed and no client is required.
fn shell(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let required = ["PULLCHECK_REQUIRE_CLIENTS", "CI"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
        assert!(
            !required,
            "{name} is not installed: run scripts/install-shells.sh (scripts/test.sh does)"
        );
        eprintln!("skipping: {name} is not installed; scripts/install-shells.sh installs it");
    }
    found
}

/// Writes `pullcheck completions SHELL` into `dir` and returns the file.
fn script(shell: &str, dir: &Path) -> PathBuf {
    let (code, stdout, stderr) = run(Command::new(bin()).args(["completions", shell]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let file = dir.join(format!("pullcheck.{shell}"));
    std::fs::write(&file, stdout).expect("write script");
    file
}

fn all_rules() -> BTreeSet<String> {
    CATALOG.iter().map(|r| r.name.to_string()).collect()
}

fn rules_with_prefix(prefix: &str) -> BTreeSet<String> {
    all_rules()
        .into_iter()
        .filter(|r| r.starts_with(prefix))
        .collect()
}

fn formats() -> BTreeSet<String> {
    ["human", "short", "json", "sarif", "github", "gitlab"]
        .map(String::from)
        .into()
}

/// bash: source the script, then call its completion function the way `complete -F` does.
fn bash_complete(bash: &Path, file: &Path, words: &[&str]) -> BTreeSet<String> {
    let line = words.join(" ");
    let program = format!(
        "set -u\nsource \"$1\"\ncomplete -p pullcheck >/dev/null || exit 7\n\
         COMP_WORDS=({words})\nCOMP_CWORD={cword}\nCOMP_LINE={line:?}\nCOMP_POINT=${{#COMP_LINE}}\n\
         _pullcheck pullcheck {cur:?} {prev:?}\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words = words
            .iter()
            .map(|w| format!("{w:?}"))
            .collect::<Vec<_>>()
            .join(" "),
        cword = words.len() - 1,
        cur = words.last().copied().unwrap_or(""),
        prev = words
            .get(words.len().wrapping_sub(2))
            .copied()
            .unwrap_or(""),
    );
    let (code, stdout, stderr) = run(Command::new(bash)
        .args(["--noprofile", "--norc", "-c", &program, "bash"])
        .arg(file));
    assert_eq!(code, 0, "bash: {stderr}");
    assert!(
        stderr.is_empty(),
        "bash printed errors loading the script: {stderr}"
    );
    stdout.lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_rule_names() {
    let Some(bash) = shell("bash") else { return };
    let dir = scratch("bash");
    let file = script("bash", &dir);
    assert_eq!(
        bash_complete(&bash, &file, &["pullcheck", "--select", ""]),
        all_rules()
    );
    assert_eq!(
        bash_complete(&bash, &file, &["pullcheck", "--select", "pull-secret-"]),
        rules_with_prefix("pull-secret-")
    );
    assert_eq!(
        bash_complete(
            &bash,
            &file,
            &["pullcheck", "deploy/", "--ignore", "missing-"]
        ),
        rules_with_prefix("missing-")
    );
    assert_eq!(
        bash_complete(&bash, &file, &["pullcheck", "explain", "latest"]),
        rules_with_prefix("latest")
    );
    // Not a rule list everywhere: --format offers the formats.
    assert_eq!(
        bash_complete(&bash, &file, &["pullcheck", "--format", ""]),
        formats()
    );
}

/// zsh: `tests/shells/zsh-complete.zsh` types the line and a Tab in an interactive zsh.
fn zsh_complete(zsh: &Path, file: &Path, line: &str) -> BTreeSet<String> {
    let helper = support::repo_root().join("tests/shells/zsh-complete.zsh");
    let (code, stdout, stderr) = run(Command::new("timeout")
        .arg("60")
        .arg(zsh)
        .arg("-f")
        .arg(&helper)
        .arg(file)
        .arg(line)
        .env("TMPDIR", file.parent().expect("dir")));
    assert_eq!(code, 0, "zsh completion of {line:?} failed: {stderr}");
    stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn zsh_completes_rule_names() {
    let Some(zsh) = shell("zsh") else { return };
    let dir = scratch("zsh");
    let file = script("zsh", &dir);
    assert_eq!(
        zsh_complete(&zsh, &file, "pullcheck --select "),
        all_rules()
    );
    assert_eq!(
        zsh_complete(&zsh, &file, "pullcheck --select pull-secret-"),
        rules_with_prefix("pull-secret-")
    );
    assert_eq!(
        zsh_complete(&zsh, &file, "pullcheck --ignore missing-"),
        rules_with_prefix("missing-")
    );
    assert_eq!(zsh_complete(&zsh, &file, "pullcheck --format "), formats());
}

/// fish: `complete -C LINE` prints what fish would offer, `value<TAB>description` per line.
fn fish_complete(fish: &Path, file: &Path, line: &str) -> BTreeSet<String> {
    let (code, stdout, stderr) = run(Command::new(fish)
        .args([
            "--no-config",
            "-c",
            "source $argv[1]; or exit 7; complete -C $argv[2]",
        ])
        .arg(file)
        .arg(line));
    assert_eq!(code, 0, "fish: {stderr}");
    assert!(
        stderr.is_empty(),
        "fish printed errors loading the script: {stderr}"
    );
    stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap_or(l).to_string())
        .collect()
}

#[test]
fn fish_completes_rule_names() {
    let Some(fish) = shell("fish") else { return };
    let dir = scratch("fish");
    let file = script("fish", &dir);
    assert_eq!(
        fish_complete(&fish, &file, "pullcheck --select "),
        all_rules()
    );
    assert_eq!(
        fish_complete(&fish, &file, "pullcheck --select pull-secret-"),
        rules_with_prefix("pull-secret-")
    );
    assert_eq!(
        fish_complete(&fish, &file, "pullcheck --select=pull-secret-"),
        rules_with_prefix("pull-secret-")
            .into_iter()
            .map(|r| format!("--select={r}"))
            .collect()
    );
    assert_eq!(
        fish_complete(&fish, &file, "pullcheck --ignore missing-"),
        rules_with_prefix("missing-")
    );
    assert_eq!(
        fish_complete(&fish, &file, "pullcheck explain latest"),
        rules_with_prefix("latest")
    );
    assert_eq!(
        fish_complete(&fish, &file, "pullcheck --format "),
        formats()
    );
}

#[test]
fn every_shell_gets_a_script_and_unknown_shells_are_refused() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, stdout, stderr) = run(Command::new(bin()).args(["completions", shell]));
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(stdout.contains("pullcheck"), "{shell}");
        assert!(stdout.contains("select"), "{shell}: --select is completed");
    }
    let (code, _, stderr) = run(Command::new(bin()).args(["completions", "tcsh"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("possible values"), "{stderr}");
}

#[test]
fn completions_and_man_ignore_a_broken_config() {
    let dir = scratch("broken-config");
    std::fs::write(dir.join(".pullcheck.yaml"), "rules: [unclosed\n").unwrap();
    for args in [&["completions", "bash"][..], &["man"][..]] {
        let (code, stdout, stderr) = run(Command::new(bin()).args(args).current_dir(&dir));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(!stdout.is_empty());
    }
    // The linter itself still refuses it.
    let (code, _, _) = run(Command::new(bin()).current_dir(&dir));
    assert_eq!(code, 2);
}

#[test]
fn man_page_lists_every_rule_and_renders() {
    let (code, page, stderr) = run(Command::new(bin()).arg("man"));
    assert_eq!(code, 0, "{stderr}");
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
    assert!(page.contains(".TH pullcheck 1 "));
    for section in [
        "NAME",
        "SYNOPSIS",
        "OPTIONS",
        "RULES",
        "EXIT STATUS",
        "EXAMPLES",
    ] {
        assert!(
            page.contains(&format!(".SH {section}\n"))
                || page.contains(&format!(".SH \"{section}\"\n")),
            "section {section}"
        );
    }
    for rule in CATALOG {
        let escaped = rule.name.replace('-', "\\-");
        assert!(
            page.contains(&format!("\\fB{escaped}\\fR")),
            "{}",
            rule.name
        );
    }
    // man(1) renders it without warnings, when installed.
    let Ok(out) = Command::new("man").arg("--version").output() else {
        eprintln!("skipping the man(1) rendering check: man is not installed");
        return;
    };
    if !out.status.success() {
        return;
    }
    let dir = scratch("man");
    let file = dir.join("pullcheck.1");
    std::fs::write(&file, &page).unwrap();
    let (code, text, stderr) = run(Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANWIDTH", "100")
        .env("MAN_KEEP_FORMATTING", "")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.trim().is_empty(), "man warned: {stderr}");
    assert!(
        text.contains("pull-secret-registry-mismatch (error)"),
        "{text}"
    );
}
