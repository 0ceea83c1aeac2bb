//! `.pre-commit-hooks.yaml` with the real pre-commit: `pre-commit try-repo <this repo> pullcheck
//! --files …` in a temporary git repository fails with the diagnostic on a bad manifest and
//! passes on a good one.
//!
//! try-repo clones this repository (uncommitted changes to tracked files go in through a
//! temporary commit; a new, untracked hooks file does not) into a fresh store every time, and
//! `language: rust` builds the hook there with `cargo install` — a release build from scratch,
//! minutes on two cores. To keep `cargo test` bearable the test shares one `CARGO_TARGET_DIR`
//! between those builds (dependencies compile once and stay in `target/`) and builds at
//! `opt-level = 0` (`CARGO_PROFILE_RELEASE_OPT_LEVEL`): the same code, checked for behaviour,
//! not speed.

use crate::ci_support as support;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn git(dir: &Path, args: &[&str]) {
    let (code, out, err) = support::run(Command::new("git").args(args).current_dir(dir));
    assert_eq!(code, 0, "git {args:?}: {out}{err}");
}

fn try_repo(tool: &Path, dir: &Path, file: &str) -> (i32, String) {
    let target = support::repo_root().join("target/ci-tools/pre-commit-cargo-target");
    let started = Instant::now();
    let (code, stdout, stderr) = support::run(
        Command::new(tool)
            .args(["try-repo"])
            .arg(support::repo_root())
            .args(["pullcheck", "--files", file])
            .current_dir(dir)
            .env("PRE_COMMIT_HOME", dir.with_extension("pre-commit-home"))
            .env("CARGO_TARGET_DIR", target)
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .env("CARGO_TERM_COLOR", "never")
            // try-repo commits uncommitted changes into its clone: give git an identity.
            .env("GIT_AUTHOR_NAME", "pullcheck tests")
            .env("GIT_AUTHOR_EMAIL", "tests@pullcheck.invalid")
            .env("GIT_COMMITTER_NAME", "pullcheck tests")
            .env("GIT_COMMITTER_EMAIL", "tests@pullcheck.invalid"),
    );
    eprintln!(
        "pre-commit try-repo … --files {file}: exit {code} after {:.1}s",
        started.elapsed().as_secs_f64()
    );
    (code, format!("{stdout}{stderr}"))
}

#[test]
fn hook_fails_on_a_bad_manifest_and_passes_on_a_good_one() {
    let Some(tool) = support::client("PULLCHECK_PRE_COMMIT") else {
        return;
    };
    let dir = support::temp_dir("pre-commit").join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    let trees = support::repo_root().join("tests/ci/trees");
    std::fs::copy(trees.join("bad/deploy/api.yaml"), dir.join("bad.yaml")).unwrap();
    std::fs::copy(trees.join("good/deploy/api.yaml"), dir.join("good.yaml")).unwrap();
    // Not a manifest: selected by `types_or: [yaml]`, and silent.
    std::fs::write(
        dir.join("compose.yml"),
        "services:\n  web:\n    image: nginx:1.27\n",
    )
    .unwrap();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(
        &dir,
        &[
            "-c",
            "user.name=pullcheck tests",
            "-c",
            "user.email=tests@pullcheck.invalid",
            "commit",
            "-qm",
            "manifests",
        ],
    );

    let (code, out) = try_repo(&tool, &dir, "bad.yaml");
    eprintln!("{out}");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("pullcheck....") && out.contains("Failed"),
        "{out}"
    );
    assert!(out.contains("- exit code: 1"), "{out}");
    assert!(out.contains("╭─[bad.yaml:12:"), "the diagnostic: {out}");
    assert!(out.contains("no tag or digest"), "{out}");
    assert!(out.contains("imagePullPolicy \"always\""), "{out}");

    let (code, out) = try_repo(&tool, &dir, "good.yaml");
    eprintln!("{out}");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Passed"), "{out}");

    let (code, out) = try_repo(&tool, &dir, "compose.yml");
    assert_eq!(code, 0, "{out}");
}
