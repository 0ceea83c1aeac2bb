//! Expanding command-line paths into the list of inputs to read.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Component, Path, PathBuf};

pub struct WalkOptions {
    pub exclude: Vec<String>,
    /// Follow symlinks that point inside the walked tree (never outside it).
    pub follow_links: bool,
    /// Skip what `.gitignore`, `.ignore` and the global git excludes ignore (`--no-ignore`
    /// turns it off). Paths named on the command line are always read.
    pub respect_ignore: bool,
}

/// One input to read: its path and the name used in reports.
#[derive(Debug, Clone)]
pub struct InputPath {
    pub path: PathBuf,
    pub display: String,
    /// Named on the command line: read whatever the extension.
    pub explicit: bool,
}

/// A path that could not be walked; reported as a finding, and the run exits 2.
#[derive(Debug, Clone)]
pub struct WalkProblem {
    pub display: String,
    pub message: String,
    /// The user asked for something we could not read (exit code 2), as opposed to a file we
    /// chose to skip (a note).
    pub fatal: bool,
}

const MANIFEST_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

pub fn build_excludes(patterns: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| format!("invalid --exclude glob {p:?}: {e}"))?;
        builder.add(glob);
        // A bare name like `vendor` excludes it at any depth, as users expect from .gitignore.
        if !p.contains('/')
            && let Ok(g) = Glob::new(&format!("**/{p}"))
        {
            builder.add(g);
        }
    }
    builder.build().map_err(|e| e.to_string())
}

/// Expands `paths` (files and directories) into inputs, sorted within each directory so the
/// order — and so the output — is deterministic.
pub fn collect_inputs(
    paths: &[PathBuf],
    opts: &WalkOptions,
) -> Result<(Vec<InputPath>, Vec<WalkProblem>), String> {
    let excludes = build_excludes(&opts.exclude)?;
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    for root in paths {
        let display_root = root.to_string_lossy().into_owned();
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                problems.push(WalkProblem {
                    display: display_root,
                    message: format!("cannot read this path: {e}"),
                    fatal: true,
                });
                continue;
            }
        };
        if !meta.is_dir() {
            inputs.push(InputPath {
                path: root.clone(),
                display: display_root,
                explicit: true,
            });
            continue;
        }
        walk_dir(root, opts, &excludes, &mut inputs, &mut problems);
    }
    Ok((inputs, problems))
}

fn walk_dir(
    root: &Path,
    opts: &WalkOptions,
    excludes: &GlobSet,
    inputs: &mut Vec<InputPath>,
    problems: &mut Vec<WalkProblem>,
) {
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    // Config globs are made absolute (relative to the config file): match those against the
    // absolute path too. Only then, so a plain run builds no extra path per entry.
    let absolute_globs = opts.exclude.iter().any(|g| g.starts_with('/'));
    let absolute_root = comparable(root);
    let skipped = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let filter = {
        let (root, excludes, skipped) = (root.to_path_buf(), excludes.clone(), skipped.clone());
        move |e: &ignore::DirEntry| {
            if e.depth() == 0 {
                return true;
            }
            let rel = e.path().strip_prefix(&root).unwrap_or(e.path());
            // Globs match the path below the walked directory or the path as given.
            if is_hidden(e.file_name())
                || excludes.is_match(rel)
                || excludes.is_match(e.path())
                || (absolute_globs && excludes.is_match(absolute_root.join(rel)))
            {
                return false;
            }
            if e.path_is_symlink() {
                // Never read outside the tree we were pointed at (hostile pull requests can
                // add `evil.yaml -> /etc/shadow`), nor into its `.git` (`-> .git/config`,
                // where CI keeps a token).
                let inside = std::fs::canonicalize(e.path()).is_ok_and(|target| {
                    target
                        .strip_prefix(&canonical_root)
                        .is_ok_and(|below| !below.components().any(|c| is_vcs(c.as_os_str())))
                });
                if !inside {
                    if let Ok(mut list) = skipped.lock() {
                        list.push(WalkProblem {
                            display: e.path().to_string_lossy().into_owned(),
                            message: "symlink points outside the linted tree, into .git, or \
                                      nowhere; not followed"
                                .into(),
                            fatal: false,
                        });
                    }
                    return false;
                }
            }
            true
        }
    };
    // What the repository ignores (`.gitignore`, `.ignore`, the global git excludes) is not
    // walked, as ripgrep and ruff do: `node_modules/`, build output (issue 24). Hidden entries
    // are left out by the filter above, as before.
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .git_ignore(opts.respect_ignore)
        .git_global(opts.respect_ignore)
        .git_exclude(opts.respect_ignore)
        .ignore(opts.respect_ignore)
        .parents(opts.respect_ignore)
        .follow_links(opts.follow_links)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(filter)
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let display = error_path(&e)
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_else(|| root.to_string_lossy().into_owned());
                let (message, fatal) = if is_loop(&e) {
                    (
                        "symlink loop: this directory links back to one of its parents; not followed"
                            .to_string(),
                        false,
                    )
                } else {
                    (format!("cannot walk this path: {e}"), true)
                };
                problems.push(WalkProblem {
                    display,
                    message,
                    fatal,
                });
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let ext_ok = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
            // Kustomize's extension-less name: a root marker, linted through the build.
            || entry.file_name() == "Kustomization";
        if ext_ok {
            inputs.push(InputPath {
                path: path.to_path_buf(),
                display: display_name(root, path),
                explicit: false,
            });
        }
    }
    if let Ok(mut list) = skipped.lock() {
        problems.append(&mut list);
    }
}

/// Whether a walk error is a symlink loop (the `ignore` crate wraps errors in context).
fn is_loop(e: &ignore::Error) -> bool {
    match e {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        ignore::Error::Partial(errs) => errs.iter().any(is_loop),
        _ => false,
    }
}

/// The path a walk error is about, if it names one.
fn error_path(e: &ignore::Error) -> Option<&Path> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// Directories nothing may be read from, through a link or a renderer: a checkout's credentials
/// live there (actions/checkout writes the job's token into `.git/config`).
pub const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".bzr"];

pub fn is_vcs(name: &std::ffi::OsStr) -> bool {
    VCS_DIRS.iter().any(|d| name == *d)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
}

/// `deploy/app.yaml` for a file found under `deploy/`; `.` is not repeated in front of names.
fn display_name(root: &Path, path: &Path) -> String {
    if root == Path::new(".")
        && let Ok(rel) = path.strip_prefix(root)
    {
        return rel.to_string_lossy().into_owned();
    }
    path.to_string_lossy().into_owned()
}

/// An absolute, lexically normalised path for comparisons (`a/./b/../c` → `/cwd/a/c`).
pub fn comparable(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    normalize(&abs)
}

/// Lexical normalisation: drops `.`, resolves `..` against the path itself.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            // A leading `..` stays (`../../x` is not `x`); `/..` is `/`.
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::path::{Path, PathBuf};

    #[test]
    fn normalize_keeps_every_leading_parent() {
        let n = |p: &str| normalize(Path::new(p));
        assert_eq!(
            n("overlays/prod/../../base/x.yaml"),
            PathBuf::from("base/x.yaml")
        );
        assert_eq!(
            n("../../values/x.yaml"),
            PathBuf::from("../../values/x.yaml")
        );
        assert_eq!(n("./a/../../b"), PathBuf::from("../b"));
        assert_eq!(n("/../etc"), PathBuf::from("/etc"));
    }
}
