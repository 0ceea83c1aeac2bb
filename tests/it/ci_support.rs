//! Shared by the `tests/ci_*.rs` integration tests: finding the real clients, temp dirs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The client named by `var` (set by `scripts/test.sh`). Missing: a failure when
/// `PULLCHECK_REQUIRE_CLIENTS` or `CI` is set, else `None` (the caller skips).
pub fn client(var: &str) -> Option<PathBuf> {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(path) => Some(PathBuf::from(path)),
        None => {
            let required = ["PULLCHECK_REQUIRE_CLIENTS", "CI"]
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
            assert!(
                !required,
                "{var} is not set: this test needs the real client. Run scripts/test.sh, which \
                 installs it with scripts/install-ci-clients.sh and sets {var}."
            );
            eprintln!("skipping: {var} is not set; run scripts/test.sh");
            None
        }
    }
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn pullcheck_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pullcheck"))
}

/// A fresh directory under `target/ci-tests/` (kept after the test for inspection).
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = repo_root()
        .join("target")
        .join("ci-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Runs a command, returning (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
