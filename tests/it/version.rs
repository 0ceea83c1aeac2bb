//! `pullcheck --version`: the version, and the commit for builds from a git checkout or from a
//! packaged crate. The build script's functions run here on directories the test makes: a git
//! checkout, a crate with `.cargo_vcs_info.json`, a plain tarball, a crate unpacked inside
//! another repository, and a machine without git.

#[path = "../../build.rs"]
#[allow(dead_code)]
mod build_script;

use build_script::{Commit, from_git, from_vcs_info, version_string};
use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    crate::ci_support::temp_dir(&format!("version-{name}"))
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_DATE", "2026-03-04T05:06:07Z")
        .env("GIT_AUTHOR_DATE", "2026-03-04T05:06:07Z")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn have_git() -> bool {
    Command::new("git").arg("--version").output().is_ok()
}

#[test]
fn binary_prints_version_and_this_checkout_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_pullcheck"))
        .arg("--version")
        .output()
        .expect("run");
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(line.starts_with(&format!("pullcheck {version}")), "{line}");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if have_git() && manifest.join(".git").exists() {
        let head = git(manifest, &["rev-parse", "HEAD"]);
        let date = git(manifest, &["log", "-1", "--format=%cs", "HEAD"]);
        assert_eq!(
            line.trim_end(),
            format!("pullcheck {version} ({} {date})", &head[..12]),
            "the build names HEAD (rebuild if HEAD moved since)"
        );
    } else {
        eprintln!("not a git checkout: the version line is {line:?}");
    }
    // -V is the same line.
    let short = Command::new(env!("CARGO_BIN_EXE_pullcheck"))
        .arg("-V")
        .output()
        .expect("run");
    assert_eq!(String::from_utf8(short.stdout).unwrap(), line);
}

#[test]
fn git_checkout_gives_hash_and_date() {
    if !have_git() {
        eprintln!("skipping: git is not installed");
        return;
    }
    let dir = scratch("checkout");
    git(&dir, &["init", "-q"]);
    // No commit yet: nothing to name.
    assert_eq!(from_git(Path::new("git"), &dir), None);
    std::fs::write(dir.join("f"), "x").unwrap();
    git(&dir, &["add", "f"]);
    git(&dir, &["commit", "-qm", "one"]);
    let head = git(&dir, &["rev-parse", "HEAD"]);
    let commit = from_git(Path::new("git"), &dir).expect("a commit");
    assert_eq!(commit.hash, head);
    assert_eq!(commit.date.as_deref(), Some("2026-03-04"));
    assert_eq!(
        version_string("1.2.3", Some(&commit)),
        format!("1.2.3 ({} 2026-03-04)", &head[..12])
    );

    // A crate unpacked inside that repository (no .git of its own) does not take its commit.
    let inner = dir.join("vendor").join("pullcheck-1.2.3");
    std::fs::create_dir_all(&inner).unwrap();
    assert_eq!(from_git(Path::new("git"), &inner), None);
}

#[test]
fn no_git_or_no_checkout_falls_back_to_the_version() {
    let dir = scratch("tarball");
    // A .git that git cannot read, and a git that does not exist: still no failure.
    std::fs::write(dir.join(".git"), "gitdir: /nonexistent\n").unwrap();
    assert_eq!(from_git(Path::new("git"), &dir), None);
    assert_eq!(
        from_git(
            Path::new("/nonexistent/bin/git"),
            Path::new(env!("CARGO_MANIFEST_DIR"))
        ),
        None
    );
    assert_eq!(from_vcs_info(&dir), None);
    assert_eq!(version_string("1.2.3", None), "1.2.3");
}

#[test]
fn packaged_crate_names_its_commit_from_cargo_vcs_info() {
    let dir = scratch("packaged");
    let sha = "0123456789abcdef0123456789abcdef01234567";
    std::fs::write(
        dir.join(".cargo_vcs_info.json"),
        format!("{{\n  \"git\": {{\n    \"sha1\": \"{sha}\"\n  }},\n  \"path_in_vcs\": \"\"\n}}"),
    )
    .unwrap();
    let commit = from_vcs_info(&dir).expect("a commit");
    assert_eq!(
        commit,
        Commit {
            hash: sha.to_string(),
            date: None
        }
    );
    assert_eq!(
        version_string("1.2.3", Some(&commit)),
        "1.2.3 (0123456789ab)"
    );

    // Malformed files are ignored, never trusted.
    for bad in [
        "",
        "{}",
        "{\"git\": {\"sha1\": 12}}",
        "{\"git\": {\"sha1\": \"not-a-hash\"}}",
        "{\"git\": {\"sha1\": \"0123\"}}",
        "{\"git\": {\"sha1\": \"0123456789abcdef0123456789abcdef0123456\u{e9}\"}}",
        "{\"git\": {\"sha1\"",
    ] {
        std::fs::write(dir.join(".cargo_vcs_info.json"), bad).unwrap();
        assert_eq!(from_vcs_info(&dir), None, "{bad:?}");
    }
}
