//! Helm charts and Kustomize trees, through the real renderers (issue 9).
//!
//! This stage sits beside `source`: it turns a chart or a Kustomize root into rendered text that
//! the rest of the pipeline lints like any manifest, and keeps what is needed to point each
//! finding back at the bytes a user edits (a values file, a kustomization's `images:` entry, a
//! template line). It never runs rules and never decides severity.
//!
//! - [`discover`]: which directories are charts and roots, which raw files they replace.
//! - [`confine`]: what a renderer may read: the linted tree, never a link out of it or `.git`.
//! - [`exec`]: running `helm` / `kustomize` / `kubectl` without network, in a minimal
//!   environment, under a timeout and an output cap.
//! - [`helm`] and [`kustomize`]: the command lines, the pre-checks (missing dependencies,
//!   remote resources) and the renderers' error messages.
//! - [`cache`]: rendered output kept between runs, keyed by every input.
//! - [`trace`]: from a span in the rendered text back to the source file and line.

pub mod cache;
pub mod confine;
pub mod discover;
pub mod exec;
pub mod helm;
pub mod kustomize;
pub mod place;
pub mod trace;
pub mod values;

pub use discover::{Plan, plan};
pub use trace::{PinPlace, Tracer};

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use crate::rules::render_problems::Kind;

/// A string value of a Chart.yaml or a kustomization, and where it is written.
#[derive(Clone, Debug)]
pub struct Written {
    pub text: String,
    pub span: std::ops::Range<usize>,
}

/// A chart or a Kustomize root to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub kind: Kind,
    /// The directory, as walked or given (relative paths stay relative).
    pub dir: PathBuf,
    /// How reports name it (`charts/web`).
    pub display: String,
    /// `Chart.yaml` or the kustomization file.
    pub marker: PathBuf,
    /// What the renderer may read (the directories named on the command line).
    pub tree: Arc<confine::Tree>,
}

/// One `--set`-style override from the config: `image.tag: "2.10"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetValue {
    /// Dotted path (`image.tag`).
    pub path: String,
    /// The value as Helm will see it (typed as YAML types it).
    pub json: serde_json::Value,
    /// As written in the config.
    pub written: String,
    pub is_number: bool,
    /// Byte range of the value in the config file.
    pub span: Range<usize>,
}

/// Per-chart settings from `.pullcheck.yaml` (`charts:`), paths already resolved against the
/// config file's directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChartSettings {
    pub dir: PathBuf,
    /// Where `path` is written in the config file.
    pub path_span: Range<usize>,
    pub values: Vec<PathBuf>,
    /// Where each of `values` is written in the config file (same order).
    pub values_spans: Vec<Range<usize>>,
    pub set: Vec<SetValue>,
    pub release: Option<String>,
    pub namespace: Option<String>,
    /// The config file the `set` spans point into.
    pub config_file: Option<PathBuf>,
}

/// How charts and roots are rendered in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderSettings {
    /// `--helm PATH` (else `helm` on PATH).
    pub helm: Option<PathBuf>,
    /// `--kustomize PATH`: a `kustomize` or a `kubectl` binary (else `kustomize`, then
    /// `kubectl`, on PATH).
    pub kustomize: Option<PathBuf>,
    /// `--values FILE`, in order, for every chart of the run.
    pub values: Vec<PathBuf>,
    pub release: String,
    /// Namespace passed to `helm template` (`None`: the run's default namespace).
    pub namespace: Option<String>,
    pub charts: Vec<ChartSettings>,
    pub timeout: Duration,
    /// Bytes of rendered output read at most (`--max-file-size`): past it the renderer is
    /// stopped and the chart or root reported.
    pub max_output: u64,
    /// The render cache's directory (`<cache root>/render`); `None`: render every time.
    pub cache: Option<PathBuf>,
}

impl Default for RenderSettings {
    fn default() -> Self {
        RenderSettings {
            helm: None,
            kustomize: None,
            values: Vec::new(),
            release: "release-name".to_string(),
            namespace: None,
            charts: Vec::new(),
            timeout: Duration::from_secs(120),
            max_output: 64 * 1024 * 1024,
            cache: None,
        }
    }
}

impl RenderSettings {
    pub fn limits(&self) -> exec::Limits {
        exec::Limits {
            timeout: self.timeout,
            max_output: self.max_output,
        }
    }

    /// The config's entry for a chart directory, if any.
    pub fn chart(&self, dir: &Path) -> Option<&ChartSettings> {
        let want = discover::comparable(dir);
        self.charts
            .iter()
            .find(|c| discover::comparable(&c.dir) == want)
    }
}

/// A file of the user's tree that a finding points into (values file, template, Chart.yaml).
#[derive(Debug)]
pub struct SourceText {
    pub display: String,
    pub path: PathBuf,
    pub text: Arc<str>,
}

impl SourceText {
    pub fn read(path: &Path) -> Option<Arc<SourceText>> {
        let text = crate::source::read_file(path, 16 * 1024 * 1024).ok()?;
        Some(Arc::new(SourceText {
            display: display_path(path),
            path: path.to_path_buf(),
            text: text.into(),
        }))
    }
}

/// Where a finding goes in the user's tree.
#[derive(Clone, Debug)]
pub struct Place {
    pub file: Arc<SourceText>,
    pub range: Range<usize>,
}

impl Place {
    /// A path shown by its name alone, its content never read: a link that leaves the tree.
    pub fn named(path: &Path) -> Place {
        Place {
            file: Arc::new(SourceText {
                display: display_path(path),
                path: path.to_path_buf(),
                text: Arc::from(""),
            }),
            range: 0..0,
        }
    }
}

pub use crate::finding::Rendered as RenderedInfo;

/// A finding about a chart or root itself (not rendered, failed), already placed.
pub struct Problem {
    pub finding: crate::finding::Finding,
    pub place: Place,
}

impl Problem {
    /// A renderer that ran past the timeout (`what` names the run: "`helm template`") or could
    /// not be started: the same findings for Helm and Kustomize, on the whole chart or root.
    pub(crate) fn unfinished(
        kind: Kind,
        root: &str,
        what: &str,
        timeout: std::time::Duration,
        whole: Place,
    ) -> Problem {
        let message = format!("{what} did not finish within {}s", timeout.as_secs());
        Problem {
            finding: crate::rules::render_problems::render_failed(kind, root, &message),
            place: whole,
        }
    }

    pub(crate) fn too_large(kind: Kind, root: &str, limit: u64, whole: Place) -> Problem {
        Problem {
            finding: crate::rules::render_problems::render_too_large(kind, root, limit),
            place: whole,
        }
    }

    /// A chart or root not rendered because of `refusal`: one finding per path that leaves the
    /// tree, at that path (a link is shown by its name only: its target is never read), else
    /// one at `whole`.
    pub(crate) fn refused(
        kind: Kind,
        root: &str,
        refusal: confine::Refusal,
        whole: impl Fn() -> Place,
    ) -> Vec<Problem> {
        use crate::rules::render_problems::render_refused;
        match refusal {
            confine::Refusal::Escapes(escapes) => escapes
                .into_iter()
                .map(|e| {
                    let target = if e.target.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", e.target)
                    };
                    Problem {
                        finding: render_refused(
                            kind,
                            root,
                            &format!("this symlink points {}{target}", e.why.describe()),
                            "commit the file itself instead of a link, or link only to files \
                             inside the repository",
                        ),
                        place: Place::named(&e.path),
                    }
                })
                .collect(),
            confine::Refusal::TooLarge(why) => vec![Problem {
                finding: render_refused(
                    kind,
                    root,
                    &format!("too large to copy for rendering: {why}"),
                    "render it yourself and pipe the output: `helm template rel DIR | pullcheck -`",
                ),
                place: whole(),
            }],
            confine::Refusal::Io(why) => vec![Problem {
                finding: crate::rules::render_problems::render_failed(kind, root, &why),
                place: whole(),
            }],
        }
    }

    pub(crate) fn not_run(
        kind: Kind,
        root: &str,
        program: &Path,
        why: &str,
        whole: Place,
    ) -> Problem {
        let message = format!("{} could not be run: {why}", program.display());
        Problem {
            finding: crate::rules::render_problems::renderer_missing(kind, root, &message),
            place: whole,
        }
    }
}

/// What rendering one job gave.
pub struct Output {
    /// The rendered manifests; `None` when rendering did not happen or failed.
    pub text: Option<String>,
    pub problems: Vec<Problem>,
    /// How to trace findings in `text` back to the sources.
    pub tracer: Option<Tracer>,
    /// Wall time of the renderer itself.
    pub render_time: Duration,
}

/// Renders one job: never panics, never fetches, never passes silently.
pub fn render(job: &Job, settings: &RenderSettings, default_namespace: &str) -> Output {
    match job.kind {
        Kind::Helm => helm::render(job, settings, default_namespace),
        Kind::Kustomize => kustomize::render(job, settings),
    }
}

/// The name reports use for a path: as given, without a leading `./`; an absolute path (a
/// config's resolved paths) relative to the working directory, with `..` when it lies beside
/// it (a config above the working directory naming `values/prod.yaml`), as every other path of
/// the report is (docs/ci.md).
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let relative = if path.is_absolute() {
        relative_to(path, &cwd)
    } else {
        None
    };
    // `overlays/prod/../../base/x.yaml` is shown as `base/x.yaml` (the file is read by the
    // path as written).
    let normal = crate::source::normalize(relative.as_deref().unwrap_or(path));
    let s = normal.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// `path` relative to `base` (both absolute), climbing with `..`; `None` when they share no
/// directory but the root (`/etc/x` from `/home/me`: the absolute name says more) or when
/// `path` is `base` itself.
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let path = crate::source::normalize(path);
    let base = crate::source::normalize(base);
    let mut ours = path.components().peekable();
    let mut theirs = base.components().peekable();
    let mut shared_dirs = 0;
    while let (Some(a), Some(b)) = (ours.peek(), theirs.peek()) {
        if a != b {
            break;
        }
        if matches!(a, Component::Normal(_)) {
            shared_dirs += 1;
        }
        ours.next();
        theirs.next();
    }
    if shared_dirs == 0 {
        return None;
    }
    let mut out: PathBuf = theirs.map(|_| Component::ParentDir).collect();
    out.extend(ours);
    (!out.as_os_str().is_empty()).then_some(out)
}

/// A one-line name for a root in messages: `charts/web`, or `.` for the working directory.
pub fn display_dir(path: &Path) -> String {
    let s = display_path(path);
    if s.is_empty() { ".".to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::relative_to;
    use std::path::{Path, PathBuf};

    #[test]
    fn absolute_paths_are_named_from_the_working_directory() {
        let rel = |p: &str, base: &str| relative_to(Path::new(p), Path::new(base));
        assert_eq!(
            rel("/repo/deploy/web/values.yaml", "/repo/deploy"),
            Some(PathBuf::from("web/values.yaml"))
        );
        assert_eq!(
            rel("/repo/values/prod.yaml", "/repo/deploy/web"),
            Some(PathBuf::from("../../values/prod.yaml"))
        );
        assert_eq!(
            rel("/repo/a/../values/prod.yaml", "/repo/deploy"),
            Some(PathBuf::from("../values/prod.yaml"))
        );
        assert_eq!(rel("/etc/values.yaml", "/home/me"), None);
        assert_eq!(rel("/repo", "/repo"), None);
    }
}
