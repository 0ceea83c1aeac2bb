//! Keeping renderers inside the tree being linted (issue 25).
//!
//! pullcheck's own walker never follows a symlink out of the tree, but `helm template` does, and
//! it reads every file of a chart's directory: a chart in a pull request with
//! `data.txt -> /proc/self/environ` (or, for a chart at the root of a checkout, a plain
//! `.Files.Get ".git/config"`, where CI keeps its token) and that text in an image would have
//! pullcheck print it. So:
//! - a chart is rendered from a private copy that holds only its regular files, without any
//!   version-control directory, with in-tree links copied as what they point at, and refused
//!   (nothing rendered) when a link resolves outside the tree, into a `.git` directory, or
//!   nowhere;
//! - a Kustomize root is built in place (Kustomize's own load restrictor keeps file loads in each
//!   kustomization's directory, links resolved), after every path its kustomizations name has
//!   been checked the same way (bases may otherwise sit anywhere on the disk).
//!
//! "The tree" is what the user named: each command-line directory (a file's directory), widened
//! to the enclosing git work tree, so `pullcheck deploy/overlays/prod` may still build from
//! `deploy/base` of the same repository. Content inside the tree is content the author of a pull
//! request could have written into the chart anyway; the repository's `.git` directory is not.

use crate::source::is_vcs;
use std::path::{Path, PathBuf};

/// The directories a renderer may read from: canonical paths, symlinks resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    roots: Vec<PathBuf>,
}

/// How many entries of one chart are copied at most, and how many bytes: a chart bigger than
/// this is refused rather than rendered in part.
pub const MAX_ENTRIES: usize = 100_000;
pub const MAX_BYTES: u64 = 512 * 1024 * 1024;
/// Links within the tree may form loops (`a -> .`): directories deeper than this are refused.
const MAX_DEPTH: usize = 64;

/// Why a path may not be read by a renderer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// Resolves outside the tree.
    Outside,
    /// Resolves into a `.git` (or other version-control) directory.
    VersionControl,
    /// Does not resolve (a dangling link, a loop, unreadable).
    Nowhere,
}

impl Why {
    pub fn describe(self) -> &'static str {
        match self {
            Why::Outside => "outside the linted tree",
            Why::VersionControl => "into a version-control directory (.git)",
            Why::Nowhere => "nowhere (a dangling link or a loop)",
        }
    }
}

/// A path a renderer would have read that leaves the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Escape {
    /// The path as found (a link under the chart, a path a kustomization names).
    pub path: PathBuf,
    /// Where the link points, as written in it (never the target's content); empty for a
    /// named path that is not a link.
    pub target: String,
    pub why: Why,
}

/// Why a chart or root was not handed to its renderer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Escapes(Vec<Escape>),
    /// More than [`MAX_ENTRIES`] entries or [`MAX_BYTES`] bytes, or deeper than links allow.
    TooLarge(String),
    /// The private copy could not be written.
    Io(String),
}

impl Tree {
    /// The tree of a run over `named` (command-line paths; `-` is skipped) and `also`: the
    /// charts and roots that named paths lie in (pre-commit passes
    /// `charts/web/templates/deploy.yaml`, outside a git work tree too).
    pub fn of(named: &[PathBuf], also: &[PathBuf]) -> Tree {
        let mut roots = Vec::new();
        let named_dirs = named.iter().filter(|p| p.as_os_str() != "-").map(|path| {
            if path.is_dir() {
                path.clone()
            } else {
                match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                }
            }
        });
        for dir in named_dirs.chain(also.iter().cloned()) {
            let Ok(dir) = std::fs::canonicalize(&dir) else {
                continue;
            };
            roots.push(git_work_tree(&dir).unwrap_or(dir));
        }
        roots.sort();
        roots.dedup();
        Tree { roots }
    }

    /// Where `path` really is, if a renderer may read it: inside the tree (every symlink
    /// resolved) and not inside a version-control directory.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, Why> {
        let real = std::fs::canonicalize(path).map_err(|_| Why::Nowhere)?;
        let Some(root) = self.roots.iter().find(|r| real.starts_with(r)) else {
            return Err(Why::Outside);
        };
        let below = real.strip_prefix(root).unwrap_or(&real);
        if below.components().any(|c| is_vcs(c.as_os_str())) {
            return Err(Why::VersionControl);
        }
        Ok(real)
    }

    /// Copies the chart at `src` into `dest` (which must not exist): directories and regular
    /// files, links within the tree as what they point at, no version-control directory.
    /// Every link that leaves the tree is collected; with any, nothing is to be rendered.
    pub fn copy_chart(&self, src: &Path, dest: &Path) -> Result<(), Refusal> {
        let mut copy = Copy {
            tree: self,
            entries: 0,
            bytes: 0,
            escapes: Vec::new(),
        };
        // The chart directory itself may be a link the user named or walked to.
        let real = match self.resolve(src) {
            Ok(r) => r,
            Err(why) => {
                return Err(Refusal::Escapes(vec![Escape {
                    path: src.to_path_buf(),
                    target: read_link(src),
                    why,
                }]));
            }
        };
        copy.dir(src, &real, dest, 0)?;
        if copy.escapes.is_empty() {
            Ok(())
        } else {
            Err(Refusal::Escapes(copy.escapes))
        }
    }
}

struct Copy<'t> {
    tree: &'t Tree,
    entries: usize,
    bytes: u64,
    escapes: Vec<Escape>,
}

impl Copy<'_> {
    /// `shown` is the path as the user's tree names it (for messages), `real` where it is.
    fn dir(&mut self, shown: &Path, real: &Path, dest: &Path, depth: usize) -> Result<(), Refusal> {
        if depth > MAX_DEPTH {
            return Err(Refusal::TooLarge(format!(
                "{} is nested more than {MAX_DEPTH} directories deep (a symlink loop?)",
                shown.display()
            )));
        }
        std::fs::create_dir(dest).map_err(|e| Refusal::Io(e.to_string()))?;
        let mut entries: Vec<_> = std::fs::read_dir(real)
            .map_err(|e| Refusal::Io(format!("cannot read {}: {e}", shown.display())))?
            .flatten()
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            self.entries += 1;
            if self.entries > MAX_ENTRIES {
                return Err(Refusal::TooLarge(format!("more than {MAX_ENTRIES} files")));
            }
            let name = entry.file_name();
            if is_vcs(&name) {
                continue;
            }
            let shown = shown.join(&name);
            let dest = dest.join(&name);
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let (real, meta) = if kind.is_symlink() {
                match self.tree.resolve(&entry.path()) {
                    Ok(real) => match std::fs::metadata(&real) {
                        Ok(meta) => (real, meta),
                        Err(_) => continue,
                    },
                    Err(why) => {
                        self.escapes.push(Escape {
                            target: read_link(&entry.path()),
                            path: shown,
                            why,
                        });
                        continue;
                    }
                }
            } else {
                match entry.metadata() {
                    Ok(meta) => (entry.path(), meta),
                    Err(_) => continue,
                }
            };
            if meta.is_dir() {
                self.dir(&shown, &real, &dest, depth + 1)?;
            } else if meta.is_file() {
                self.bytes += meta.len();
                if self.bytes > MAX_BYTES {
                    return Err(Refusal::TooLarge(format!(
                        "more than {} MiB of files",
                        MAX_BYTES / 1024 / 1024
                    )));
                }
                std::fs::copy(&real, &dest)
                    .map_err(|e| Refusal::Io(format!("cannot copy {}: {e}", shown.display())))?;
            }
            // Sockets, FIFOs and devices are left out: a FIFO would hang the renderer, and git
            // stores none of them.
        }
        Ok(())
    }
}

/// Where a link points, as written, and, for a chain (it points at another link), where the
/// chain ends: `b.txt → /home/runner/.docker/config.json`. Paths only, never content.
fn read_link(path: &Path) -> String {
    let Ok(written) = std::fs::read_link(path) else {
        return String::new();
    };
    let next = path
        .parent()
        .map_or_else(|| written.clone(), |d| d.join(&written));
    let chain = std::fs::symlink_metadata(&next).is_ok_and(|m| m.file_type().is_symlink());
    match std::fs::canonicalize(path) {
        Ok(end) if chain => format!("{} → {}", written.display(), end.display()),
        _ => written.to_string_lossy().into_owned(),
    }
}

/// The git work tree holding `dir` (the nearest ancestor with a `.git` entry), if any.
fn git_work_tree(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pullcheck-confine-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    #[test]
    fn a_chart_copy_holds_in_tree_content_and_refuses_every_link_out() {
        let base = scratch("links");
        let outside = base.join("outside.txt");
        std::fs::write(&outside, "x").expect("write");
        let tree_dir = base.join("tree");
        let chart = tree_dir.join("chart");
        std::fs::create_dir_all(chart.join("files")).expect("mkdir");
        std::fs::create_dir_all(tree_dir.join(".git")).expect("mkdir");
        std::fs::write(tree_dir.join(".git/config"), "token").expect("write");
        std::fs::write(tree_dir.join("shared.txt"), "y").expect("write");
        std::fs::create_dir_all(chart.join(".git")).expect("mkdir");
        std::fs::write(chart.join(".git/config"), "token").expect("write");
        symlink(&outside, chart.join("files/out.txt")).expect("link");
        symlink("../../shared.txt", chart.join("files/in.txt")).expect("link");
        symlink("nowhere", chart.join("dangling")).expect("link");
        symlink("../.git/config", chart.join("git")).expect("link");
        // A chain: an in-tree link to a link that leaves.
        symlink("files/out.txt", chart.join("chain")).expect("link");
        let tree = Tree::of(std::slice::from_ref(&tree_dir), &[]);
        let dest = base.join("copy");
        let Err(Refusal::Escapes(found)) = tree.copy_chart(&chart, &dest) else {
            panic!("links leaving the tree must be refused");
        };
        let found: Vec<(String, Why)> = found
            .iter()
            .map(|e| {
                let rel = e.path.strip_prefix(&chart).expect("under the chart");
                (rel.display().to_string(), e.why)
            })
            .collect();
        assert_eq!(
            found,
            [
                ("chain".to_string(), Why::Outside),
                ("dangling".to_string(), Why::Nowhere),
                ("files/out.txt".to_string(), Why::Outside),
                ("git".to_string(), Why::VersionControl),
            ]
        );
    }

    #[test]
    fn in_tree_links_are_copied_as_their_targets_without_version_control() {
        let base = scratch("copy");
        let chart = base.join("chart");
        std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
        std::fs::create_dir_all(chart.join(".git")).expect("mkdir");
        std::fs::write(chart.join(".git/config"), "token").expect("write");
        std::fs::write(chart.join("templates/a.yaml"), "a").expect("write");
        symlink("templates/a.yaml", chart.join("b.yaml")).expect("link");
        let dest = base.join("copy");
        Tree::of(std::slice::from_ref(&base), &[])
            .copy_chart(&chart, &dest)
            .expect("an in-tree chart is copied");
        assert_eq!(
            std::fs::read_to_string(dest.join("b.yaml")).ok(),
            Some("a".into())
        );
        assert!(!dest.join("b.yaml").is_symlink());
        assert!(!dest.join(".git").exists());
        // A link loop within the tree ends in a refusal, not a hang.
        symlink(".", chart.join("templates/loop")).expect("link");
        let again = base.join("copy2");
        let result = Tree::of(std::slice::from_ref(&base), &[]).copy_chart(&chart, &again);
        assert!(matches!(result, Err(Refusal::TooLarge(_))), "{result:?}");
    }
}
