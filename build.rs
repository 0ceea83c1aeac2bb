//! Tells `pullcheck --version` which build it is: `0.1.0 (1a2b3c4d5e6f 2026-11-25)`.
//!
//! The commit comes from, in order:
//! 1. `git`, when the crate's own directory is a git checkout (a `.git` directory, or the `.git`
//!    file of a worktree, right here: a crate unpacked inside some other repository must not
//!    report that repository's commit);
//! 2. `.cargo_vcs_info.json`, which `cargo package` writes into the published crate, so
//!    `cargo install pullcheck` still names the commit it was packaged from;
//! 3. nothing: the version alone (git missing, no `.git`, a tarball without the file).
//!
//! Every failure falls back to the next source; the build never fails for want of git.
//! `tests/version.rs` runs these functions on directories it makes.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A commit: full hash and, from git, the committer date (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub hash: String,
    pub date: Option<String>,
}

impl Commit {
    /// `1a2b3c4d5e6f 2026-11-25`: twelve hex digits, like `cargo --version`'s nine plus margin.
    pub fn describe(&self) -> String {
        let short: String = self.hash.chars().take(12).collect();
        match &self.date {
            Some(date) => format!("{short} {date}"),
            None => short,
        }
    }
}

/// The version string clap prints after the program name.
pub fn version_string(version: &str, commit: Option<&Commit>) -> String {
    match commit {
        Some(c) => format!("{version} ({})", c.describe()),
        None => version.to_string(),
    }
}

fn is_hash(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn git_output(git: &Path, dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(git)
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string())
}

/// The commit of the checkout at `dir`, if `dir` itself holds `.git` and `git` answers.
pub fn from_git(git: &Path, dir: &Path) -> Option<Commit> {
    if !dir.join(".git").exists() {
        return None;
    }
    let line = git_output(git, dir, &["log", "-1", "--format=%H %cs", "HEAD"])?;
    let (hash, date) = line.split_once(' ')?;
    let date_ok = date.len() == 10 && date.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    is_hash(hash).then(|| Commit {
        hash: hash.to_string(),
        date: date_ok.then(|| date.to_string()),
    })
}

/// The commit recorded by `cargo package` in `.cargo_vcs_info.json`
/// (`{"git": {"sha1": "…"}, "path_in_vcs": ""}`), read without a JSON parser.
pub fn from_vcs_info(dir: &Path) -> Option<Commit> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let after = text.split_once("\"sha1\"")?.1;
    let value = after.trim_start().strip_prefix(':')?.trim_start();
    let hash = value.strip_prefix('"')?.split('"').next()?;
    is_hash(hash).then(|| Commit {
        hash: hash.to_string(),
        date: None,
    })
}

/// Files whose change means HEAD moved: HEAD itself, the branch it points to, packed refs.
fn git_watch_list(git: &Path, dir: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let mut add = |p: Option<String>| {
        if let Some(p) = p.filter(|p| !p.is_empty()) {
            let path = PathBuf::from(p);
            let path = if path.is_absolute() {
                path
            } else {
                dir.join(path)
            };
            if path.exists() {
                paths.push(path);
            }
        }
    };
    add(git_output(git, dir, &["rev-parse", "--git-path", "HEAD"]));
    add(git_output(
        git,
        dir,
        &["rev-parse", "--git-path", "packed-refs"],
    ));
    if let Some(branch) = git_output(git, dir, &["symbolic-ref", "-q", "HEAD"]) {
        add(git_output(git, dir, &["rev-parse", "--git-path", &branch]));
    }
    paths
}

#[allow(dead_code)] // `tests/version.rs` includes this file for the functions above.
fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let git = PathBuf::from(std::env::var_os("GIT").unwrap_or_else(|| "git".into()));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=GIT");
    let commit = match from_git(&git, &dir) {
        Some(c) => {
            for path in git_watch_list(&git, &dir) {
                println!("cargo:rerun-if-changed={}", path.display());
            }
            Some(c)
        }
        None => {
            if dir.join(".cargo_vcs_info.json").exists() {
                println!("cargo:rerun-if-changed=.cargo_vcs_info.json");
            }
            from_vcs_info(&dir)
        }
    };
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!(
        "cargo:rustc-env=PULLCHECK_VERSION={}",
        version_string(&version, commit.as_ref())
    );
    println!(
        "cargo:rustc-env=PULLCHECK_COMMIT={}",
        commit.as_ref().map_or("", |c| c.hash.as_str())
    );
    println!(
        "cargo:rustc-env=PULLCHECK_COMMIT_DATE={}",
        commit
            .as_ref()
            .and_then(|c| c.date.as_deref())
            .unwrap_or("")
    );
}
