//! Which directories are charts and Kustomize roots, and which raw files their rendering
//! replaces. Works on the list of files the walk already found (no second walk), plus the
//! ancestors of paths named on the command line (pre-commit passes changed files).

use super::{Job, Kind, display_dir, kustomize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub const KUSTOMIZATION_FILES: &[&str] =
    &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// What to render, and which files not to lint raw.
#[derive(Debug, Default)]
pub struct Plan {
    pub jobs: Vec<Job>,
    /// Directories whose files are linted through a render (chart dirs, kustomization dirs).
    covered_dirs: Vec<PathBuf>,
    /// Files outside those that a kustomization lists as resources.
    covered_files: BTreeSet<PathBuf>,
    /// Chart directories: every link in them is checked again before rendering.
    chart_dirs: Vec<PathBuf>,
}

impl Plan {
    /// Whether a walked file is linted through a chart or root rather than raw.
    pub fn covers(&self, path: &Path) -> bool {
        if self.jobs.is_empty() {
            return false;
        }
        let p = comparable(path);
        self.covered_files.contains(&p) || self.covered_dirs.iter().any(|d| p.starts_with(d))
    }

    /// Whether a path lies in a chart that is rendered: a link there that the walk did not
    /// follow is reported by the render (`render-refused`), not twice.
    pub fn in_chart(&self, path: &Path) -> bool {
        let p = comparable(path);
        self.chart_dirs.iter().any(|d| p.starts_with(d))
    }
}

pub use crate::source::{comparable, normalize};

fn is_chart_dir(dir: &Path) -> bool {
    dir.join("Chart.yaml").is_file()
}

pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// A subchart (`parent/charts/sub`) renders only with its parent: the outermost chart.
fn outermost_chart(dir: &Path) -> PathBuf {
    let mut chart = dir.to_path_buf();
    loop {
        let parent_chart = chart
            .parent()
            .filter(|p| p.file_name().is_some_and(|n| n == "charts"))
            .and_then(Path::parent)
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            });
        match parent_chart {
            Some(p) if is_chart_dir(p) => chart = p.to_path_buf(),
            _ => return chart,
        }
    }
}

/// The chart or root enclosing a path named on the command line, if any.
pub fn enclosing(path: &Path) -> Option<(Kind, PathBuf)> {
    let start = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let dirs = std::iter::successors(Some(start), |d| {
        d.parent().map(|p| {
            if p.as_os_str().is_empty() && d != Path::new(".") && !d.is_absolute() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        })
    });
    for dir in dirs {
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        if is_chart_dir(&dir) {
            return Some((Kind::Helm, outermost_chart(&dir)));
        }
        if let Some(file) = kustomization_file(&dir)
            && !kustomize::is_component_file(&file)
        {
            return Some((Kind::Kustomize, dir));
        }
        if dir == Path::new(".") {
            break;
        }
    }
    None
}

/// Builds the plan from the files the walk found (`walked`), and the command-line paths
/// (`named`, files or directories; a path inside a chart or root selects it).
pub fn plan(walked: &[PathBuf], named: &[PathBuf]) -> Plan {
    let mut charts: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    let mut kustomizations: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    let mut forced: BTreeSet<PathBuf> = BTreeSet::new();
    for file in walked {
        let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let dir = file
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .unwrap_or(Path::new("."));
        if name == "Chart.yaml" {
            let chart = outermost_chart(dir);
            charts.insert(comparable(&chart), chart);
        } else if KUSTOMIZATION_FILES.contains(&name) {
            kustomizations.insert(comparable(dir), dir.to_path_buf());
        }
    }
    for path in named {
        if path.as_os_str() == "-" {
            continue;
        }
        match enclosing(path) {
            Some((Kind::Helm, dir)) => {
                charts.insert(comparable(&dir), dir);
            }
            Some((Kind::Kustomize, dir)) => {
                let key = comparable(&dir);
                forced.insert(key.clone());
                kustomizations.insert(key, dir);
            }
            None => {}
        }
    }
    let mut plan = Plan::default();
    let enclosing_dirs: Vec<PathBuf> = named
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .filter_map(|p| enclosing(p).map(|(_, dir)| dir))
        .collect();
    let tree = std::sync::Arc::new(super::confine::Tree::of(named, &enclosing_dirs));
    for (key, dir) in &charts {
        plan.covered_dirs.push(key.clone());
        // A library chart only lends templates to other charts: `helm template` refuses it.
        if super::helm::ChartFile::read(&dir.join("Chart.yaml")).is_some_and(|c| c.library) {
            continue;
        }
        plan.chart_dirs.push(key.clone());
        plan.jobs.push(Job {
            kind: Kind::Helm,
            display: display_dir(dir),
            marker: dir.join("Chart.yaml"),
            dir: dir.clone(),
            tree: tree.clone(),
        });
    }
    // A kustomization consumed by another one of the run is linted through its consumers; a
    // Component is never built on its own.
    let mut consumed: BTreeSet<PathBuf> = BTreeSet::new();
    let mut components: BTreeSet<PathBuf> = BTreeSet::new();
    let mut edges: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for (key, dir) in &kustomizations {
        let Some(file) = kustomization_file(dir) else {
            continue;
        };
        let k = kustomize::Kustomization::read(&file);
        if k.as_ref().is_some_and(|k| k.component) {
            components.insert(key.clone());
        }
        plan.covered_dirs.push(key.clone());
        for reference in k.iter().flat_map(|k| k.local_references()) {
            let target = comparable(&dir.join(&reference));
            if target.is_dir() {
                consumed.insert(target.clone());
                edges.entry(key.clone()).or_default().push(target.clone());
                plan.covered_dirs.push(target);
            } else {
                plan.covered_files.insert(target);
            }
        }
    }
    // Kustomizations that only consume each other (a cycle) have no consumer outside: build
    // them anyway, so Kustomize reports the cycle instead of the run passing silently.
    let mut reached: BTreeSet<PathBuf> = BTreeSet::new();
    let mut stack: Vec<PathBuf> = kustomizations
        .keys()
        .filter(|k| !consumed.contains(*k))
        .cloned()
        .collect();
    while let Some(k) = stack.pop() {
        if reached.insert(k.clone()) {
            stack.extend(edges.get(&k).into_iter().flatten().cloned());
        }
    }
    for (key, dir) in &kustomizations {
        let consumed_by_a_root = consumed.contains(key) && reached.contains(key);
        if components.contains(key) || (consumed_by_a_root && !forced.contains(key)) {
            continue;
        }
        if charts.keys().any(|c| key.starts_with(c)) {
            continue;
        }
        let Some(marker) = kustomization_file(dir) else {
            continue;
        };
        plan.jobs.push(Job {
            kind: Kind::Kustomize,
            display: display_dir(dir),
            marker,
            dir: dir.clone(),
            tree: tree.clone(),
        });
    }
    plan
}
