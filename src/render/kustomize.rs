//! Kustomize roots: reading a kustomization (its resources, components and `images:`), refusing
//! remote resources, and building with `kustomize build` or `kubectl kustomize`.

use super::exec::{self, Outcome, Scratch};
use super::{Job, Output, Place, Problem, RenderSettings, SourceText, Written};
use crate::rules::render_problems;
use crate::syntax::{Cursor, ParseLimits, ScalarStyle, parse_stream};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One `images:` entry.
#[derive(Clone, Debug, Default)]
pub struct ImageEntry {
    pub name: Option<Written>,
    pub new_name: Option<Written>,
    pub new_tag: Option<Written>,
    pub digest: Option<Written>,
}

/// A patch written in the kustomization itself (`patches[].patch`, `patchesJson6902[].patch`,
/// an inline `patchesStrategicMerge` entry): its text as Kustomize reads it, and how to find a
/// byte of that text in the kustomization file.
#[derive(Clone, Debug)]
pub struct InlinePatch {
    pub text: String,
    /// `target.kind` and `target.name`, when given.
    pub target_kind: Option<String>,
    pub target_name: Option<String>,
    /// A `target:` is given (it, not the patch's own kind and name, picks the objects).
    pub targeted: bool,
    /// The target selects by `labelSelector` or `annotationSelector`, which the rendered
    /// object alone cannot answer.
    pub by_selector: bool,
    /// Where each line of `text` starts in the kustomization file; `None` when the scalar is
    /// written so that its lines are not the file's (folded, escaped): then nothing in it can
    /// be pointed at, only the kustomization.
    lines: Option<Vec<usize>>,
}

impl InlinePatch {
    fn read(value: &Cursor<'_>, target: Option<Cursor<'_>>, file: &str) -> Option<InlinePatch> {
        let (text, style, _) = value.scalar()?;
        let range = value.value_range();
        let lines = match style {
            ScalarStyle::Literal => block_lines(file, range.start, text),
            ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
                if !text.contains('\n') =>
            {
                let quote = usize::from(style != ScalarStyle::Plain);
                Some(vec![range.start + quote])
            }
            _ => None,
        };
        Some(InlinePatch {
            text: text.to_string(),
            target_kind: target
                .as_ref()
                .and_then(|t| t.str_at("kind"))
                .map(str::to_string),
            target_name: target
                .as_ref()
                .and_then(|t| t.str_at("name"))
                .map(str::to_string),
            targeted: target.as_ref().is_some_and(Cursor::is_map),
            by_selector: target.as_ref().is_some_and(|t| {
                t.get("labelSelector").is_some() || t.get("annotationSelector").is_some()
            }),
            lines,
        })
    }

    /// Where `range` of the patch text is written in the kustomization file, checked against
    /// the file's own bytes.
    pub fn in_file(&self, file: &str, range: &Range<usize>) -> Option<Range<usize>> {
        let lines = self.lines.as_ref()?;
        let before = self.text.get(..range.start)?;
        let n = before.matches('\n').count();
        let col = range.start - before.rfind('\n').map_or(0, |i| i + 1);
        let start = lines.get(n)? + col;
        let out = start..start + range.len();
        (file.get(out.clone())? == self.text.get(range.clone())?).then_some(out)
    }
}

/// Where each line of a literal block scalar's `text` starts in `file`: the lines after the
/// `|` header, past the block's indentation. `from` is where the reader says the scalar
/// starts: its header, or its first line.
fn block_lines(file: &str, from: usize, text: &str) -> Option<Vec<usize>> {
    let after = file.get(from..)?;
    let mut at = if after.starts_with('|') {
        from + after.find('\n')? + 1
    } else {
        file.get(..from)?.rfind('\n').map_or(0, |i| i + 1)
    };
    let mut indent = None;
    let mut out = Vec::new();
    for line in text.split('\n') {
        let file_line = file.get(at..)?.split('\n').next()?;
        if indent.is_none() && !line.is_empty() {
            indent = Some(file_line.len() - file_line.trim_start_matches(' ').len());
        }
        out.push(at + if line.is_empty() { 0 } else { indent? });
        at += file_line.len() + 1;
    }
    Some(out)
}

#[derive(Clone, Debug)]
pub struct Kustomization {
    pub file: Arc<SourceText>,
    pub component: bool,
    /// `resources`, `bases` and `components` entries.
    pub references: Vec<Written>,
    pub images: Vec<ImageEntry>,
    /// `helmCharts` (Kustomize would fetch the chart): where it is written.
    pub helm_charts: Option<Range<usize>>,
    /// Local patch files (`patches[].path`, `patchesStrategicMerge`), applied after resources.
    pub patches: Vec<String>,
    /// Patches written in the kustomization, in the order listed.
    pub inline_patches: Vec<InlinePatch>,
    /// Every other file it names (generator inputs, patches, transformer configs, …), checked
    /// against the tree before a build.
    pub files: Vec<Written>,
}

fn written(c: &Cursor<'_>) -> Option<Written> {
    let (text, _, _) = c.scalar()?;
    Some(Written {
        text: text.to_string(),
        span: c.value_range(),
    })
}

impl Kustomization {
    pub fn read(path: &Path) -> Option<Kustomization> {
        let file = SourceText::read(path)?;
        let docs = parse_stream(&file.text, 0, &ParseLimits::default());
        let doc = docs.into_iter().next()?.ok()?;
        let root = doc.root()?;
        let component = root.str_at("kind") == Some("Component");
        let mut references = Vec::new();
        for key in ["resources", "bases", "components"] {
            if let Some(list) = root.get(key) {
                references.extend(list.items().filter_map(|i| written(&i)));
            }
        }
        let images = root
            .get("images")
            .into_iter()
            .flat_map(|l| l.items().collect::<Vec<_>>())
            .map(|e| ImageEntry {
                name: e.get("name").and_then(|c| written(&c)),
                new_name: e.get("newName").and_then(|c| written(&c)),
                new_tag: e.get("newTag").and_then(|c| written(&c)),
                digest: e.get("digest").and_then(|c| written(&c)),
            })
            .collect();
        let helm_charts = root
            .get_with_key("helmCharts")
            .map(|(k, _)| k.value_range());
        let mut patches: Vec<String> = root
            .get("patches")
            .into_iter()
            .flat_map(|l| l.items().collect::<Vec<_>>())
            .filter_map(|p| p.str_at("path").map(str::to_string))
            .collect();
        patches.extend(
            root.get("patchesStrategicMerge")
                .into_iter()
                .flat_map(|l| l.items().collect::<Vec<_>>())
                .filter_map(|p| p.as_str().filter(|t| !t.contains('\n')).map(str::to_string)),
        );
        let mut inline_patches = Vec::new();
        for key in ["patches", "patchesJson6902"] {
            for item in root
                .get(key)
                .into_iter()
                .flat_map(|l| l.items().collect::<Vec<_>>())
            {
                if let Some(p) = item
                    .get("patch")
                    .and_then(|v| InlinePatch::read(&v, item.get("target"), &file.text))
                {
                    inline_patches.push(p);
                }
            }
        }
        for item in root
            .get("patchesStrategicMerge")
            .into_iter()
            .flat_map(|l| l.items().collect::<Vec<_>>())
            .filter(|p| p.as_str().is_some_and(|t| t.contains('\n')))
        {
            if let Some(p) = InlinePatch::read(&item, None, &file.text) {
                inline_patches.push(p);
            }
        }
        let files = named_files(&root);
        drop(doc);
        Some(Kustomization {
            file,
            component,
            references,
            images,
            helm_charts,
            patches,
            inline_patches,
            files,
        })
    }

    /// Local resources, bases and components (paths relative to the kustomization's dir).
    pub fn local_references(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.references
            .iter()
            .filter(|r| !is_remote(&r.text))
            .map(|r| PathBuf::from(&r.text))
    }

    pub fn dir(&self) -> PathBuf {
        self.file
            .path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }
}

/// The file paths a kustomization names besides its resources: Kustomize loads each of them
/// (within the kustomization's directory, as its load restrictor allows).
fn named_files(root: &Cursor<'_>) -> Vec<Written> {
    let mut out = Vec::new();
    let mut list = |c: Option<Cursor<'_>>| {
        let Some(c) = c else { return };
        if c.is_seq() {
            out.extend(c.items().filter_map(|i| written(&i)));
        } else if let Some(w) = written(&c) {
            out.push(w);
        }
    };
    for key in [
        "crds",
        "configurations",
        "generators",
        "transformers",
        "validators",
        "patchesStrategicMerge",
    ] {
        list(root.get(key));
    }
    for key in ["patches", "patchesJson6902", "replacements"] {
        for item in root
            .get(key)
            .into_iter()
            .flat_map(|l| l.items().collect::<Vec<_>>())
        {
            list(item.get("path"));
        }
    }
    list(root.get("openapi").and_then(|o| o.get("path")));
    for key in ["configMapGenerator", "secretGenerator"] {
        for item in root
            .get(key)
            .into_iter()
            .flat_map(|l| l.items().collect::<Vec<_>>())
        {
            list(item.get("files"));
            list(item.get("envs"));
            list(item.get("env"));
        }
    }
    // Inline patches are YAML, not paths; `key=path` names the file after the `=`.
    out.retain(|w| !w.text.contains('\n'));
    for w in &mut out {
        if let Some((_, path)) = w.text.rsplit_once('=') {
            w.text = path.to_string();
        }
    }
    out
}

/// Every path the kustomizations of a build name (and the kustomization files themselves)
/// that resolves outside the tree or into `.git`: Kustomize keeps file loads inside each
/// kustomization's directory, but a base may sit anywhere on the disk, and a file inside the
/// directory may be `.git/config`.
fn escapes(job: &Job, tree: &[Kustomization]) -> Vec<Problem> {
    use super::confine::Why;
    let mut problems = Vec::new();
    let refuse = |why: String| {
        render_problems::render_refused(
            super::Kind::Kustomize,
            &job.display,
            &why,
            "refer only to files and bases inside the repository, outside `.git`; for a base in \
             another directory of the same tree, lint a directory that holds both \
             (`pullcheck deploy` rather than `pullcheck deploy/overlays/prod`)",
        )
    };
    for k in tree {
        // A base outside the tree is reported at the entry that names it, not again here.
        if job.tree.resolve(&k.dir()).is_err() {
            continue;
        }
        if let Err(why) = job.tree.resolve(&k.file.path) {
            problems.push(Problem {
                finding: refuse(format!("`{}` resolves {}", k.file.display, why.describe())),
                place: Place::named(&k.file.path),
            });
            continue;
        }
        let dir = k.dir();
        let named = k
            .references
            .iter()
            .filter(|r| !is_remote(&r.text))
            .chain(&k.files);
        for entry in named {
            let path = dir.join(entry.text.trim());
            // What does not exist is Kustomize's to report, in its words.
            if std::fs::symlink_metadata(&path).is_err() {
                continue;
            }
            let why = match job.tree.resolve(&path) {
                Ok(_) => continue,
                Err(why @ (Why::Outside | Why::VersionControl | Why::Nowhere)) => why,
            };
            problems.push(Problem {
                finding: refuse(format!(
                    "`{}` resolves {}",
                    entry.text.trim(),
                    why.describe()
                )),
                place: Place {
                    file: k.file.clone(),
                    range: entry.span.clone(),
                },
            });
        }
    }
    problems
}

pub fn is_component_file(path: &Path) -> bool {
    Kustomization::read(path).is_some_and(|k| k.component)
}

/// A resource Kustomize would fetch: a URL, a git or hosted-repository address.
pub fn is_remote(entry: &str) -> bool {
    let e = entry.trim();
    e.contains("://")
        || e.starts_with("git@")
        || e.contains("?ref=")
        || e.contains("?version=")
        || ["github.com/", "gitlab.com/", "bitbucket.org/"]
            .iter()
            .any(|h| e.starts_with(h))
}

/// Every kustomization a root builds from, the root first, then breadth first.
pub fn tree(root: &Path) -> Vec<Kustomization> {
    let mut out: Vec<Kustomization> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut queue = std::collections::VecDeque::from([root.to_path_buf()]);
    while let Some(dir) = queue.pop_front() {
        if out.len() >= 256 || !seen.insert(super::discover::comparable(&dir)) {
            continue;
        }
        let Some(file) = super::discover::kustomization_file(&dir) else {
            continue;
        };
        let Some(k) = Kustomization::read(&file) else {
            continue;
        };
        for r in k.local_references() {
            let target = dir.join(r);
            if target.is_dir() {
                queue.push_back(target);
            }
        }
        out.push(k);
    }
    out
}

/// Kustomizations a key follows at most; a root built from more is not cached.
const MAX_KUSTOMIZATIONS: usize = 256;

/// Everything `kustomize build root` may read, over-approximated: the directory of every
/// kustomization reached (its load restrictor keeps file loads there), and every path any
/// string of a kustomization names relative to its directory, whatever the field
/// (`resources`, `components`, `generators`, `transformers`, `configurations`, …, and fields a
/// later Kustomize adds): a directory is followed as a kustomization, a file is hashed. `None`
/// when the tree is too large to follow. Only paths inside `tree` are followed: what leaves
/// it is refused before rendering, and never read here.
fn cache_inputs<'t>(
    root: &Path,
    tree: &'t super::confine::Tree,
) -> Option<Vec<super::cache::Input<'t>>> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut queue = std::collections::VecDeque::from([root.to_path_buf()]);
    while let Some(dir) = queue.pop_front() {
        let Ok(real) = std::fs::canonicalize(&dir) else {
            continue;
        };
        if dirs.contains(&real) {
            continue;
        }
        if dirs.len() >= MAX_KUSTOMIZATIONS {
            return None;
        }
        dirs.push(real);
        let Some(file) = super::discover::kustomization_file(&dir) else {
            continue;
        };
        let text = crate::source::read_file(&file, 16 * 1024 * 1024).ok()?;
        let mut named = Vec::new();
        for doc in parse_stream(&text, 0, &ParseLimits::default())
            .iter()
            .flatten()
        {
            if let Some(root) = doc.root() {
                strings(&root, &mut named, 0);
            }
        }
        for name in named {
            if name.is_empty() || name.contains('\n') || name.len() > 4096 {
                continue;
            }
            let path = dir.join(name);
            // What leaves the tree is refused before rendering (and never read here).
            if tree.resolve(&path).is_err() {
                continue;
            }
            if path.is_dir() {
                queue.push_back(path);
            } else if path.is_file() {
                files.push(path);
            }
        }
    }
    dirs.sort();
    // A directory inside another is hashed with it.
    let mut outer: Vec<PathBuf> = Vec::new();
    for d in dirs {
        if !outer.iter().any(|o| d.starts_with(o)) {
            outer.push(d);
        }
    }
    files.sort();
    files.dedup();
    let dirs = outer.into_iter().map(|d| super::cache::Input::Dir(d, tree));
    Some(
        dirs.chain(files.into_iter().map(super::cache::Input::File))
            .collect(),
    )
}

/// Every scalar string of a document (keys left out), depth-bounded.
fn strings(node: &Cursor<'_>, out: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    if let Some(s) = node.as_str() {
        out.push(s.to_string());
    } else if node.is_seq() {
        for item in node.items() {
            strings(&item, out, depth + 1);
        }
    } else if node.is_map() {
        for (_, value) in node.entries() {
            strings(&value, out, depth + 1);
        }
    }
}

/// Which program builds, and how: `kustomize build DIR` or `kubectl kustomize DIR`.
fn builder(settings: &RenderSettings) -> Result<(PathBuf, bool), String> {
    let is_kubectl = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("kubectl"))
    };
    match &settings.kustomize {
        Some(p) if exec::is_executable(p) => Ok((p.clone(), is_kubectl(p))),
        Some(p) => Err(format!(
            "--kustomize {} is not an executable file",
            super::display_path(p)
        )),
        None => exec::which("kustomize")
            .map(|p| (p, false))
            .or_else(|| exec::which("kubectl").map(|p| (p, true)))
            .ok_or_else(|| "neither `kustomize` nor `kubectl` is on PATH".to_string()),
    }
}

pub fn render(job: &Job, settings: &RenderSettings) -> Output {
    let mut out = Output {
        text: None,
        problems: Vec::new(),
        tracer: None,
        render_time: Duration::ZERO,
    };
    let tree = tree(&job.dir);
    // Before the kustomization is shown anywhere: it may itself be a link out of the tree.
    out.problems.extend(escapes(job, &tree));
    if !out.problems.is_empty() {
        return out;
    }
    let marker = SourceText::read(&job.marker);
    // Never fetch: a remote resource anywhere in the tree stops the build, with its line.
    for k in &tree {
        for r in k.references.iter().filter(|r| is_remote(&r.text)) {
            out.problems.push(Problem {
                finding: render_problems::remote_resource(&job.display, &r.text, "resource"),
                place: Place {
                    file: k.file.clone(),
                    range: r.span.clone(),
                },
            });
        }
        if let Some(span) = &k.helm_charts {
            out.problems.push(Problem {
                finding: render_problems::remote_resource(&job.display, "helmCharts", "Helm chart"),
                place: Place {
                    file: k.file.clone(),
                    range: span.clone(),
                },
            });
        }
    }
    if !out.problems.is_empty() {
        return out;
    }
    let Some(marker) = marker else {
        return out;
    };
    let whole = Place {
        file: marker.clone(),
        range: 0..0,
    };
    let (program, kubectl) = match builder(settings) {
        Ok(b) => b,
        Err(why) => {
            out.problems.push(Problem {
                finding: render_problems::renderer_missing(
                    super::Kind::Kustomize,
                    &job.display,
                    &why,
                ),
                place: whole,
            });
            return out;
        }
    };
    let scratch = match Scratch::new() {
        Ok(s) => s,
        Err(e) => {
            out.problems.push(Problem {
                finding: render_problems::render_failed(
                    super::Kind::Kustomize,
                    &job.display,
                    &format!("cannot create a scratch directory: {e}"),
                ),
                place: whole,
            });
            return out;
        }
    };
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    args.push(if kubectl { "kustomize" } else { "build" }.into());
    args.push(job.dir.clone().into_os_string());
    let start = Instant::now();
    // Kustomize reads in place: what it may read is part of the cache's key.
    let inputs = settings
        .cache
        .as_ref()
        .and_then(|_| cache_inputs(&job.dir, &job.tree));
    let (outcome, _) = super::cache::run(
        settings.cache.as_deref(),
        &program,
        &args,
        inputs.as_deref(),
        &scratch,
        settings.limits(),
    );
    out.render_time = start.elapsed();
    match outcome {
        Outcome::Ok { stdout } => {
            out.text = Some(stdout);
            out.tracer = Some(super::Tracer::kustomize(job, tree));
        }
        Outcome::Failed { stderr } => {
            // Kustomize names files by absolute path: show them as the run names the root.
            let abs = super::discover::comparable(&job.dir);
            let cwd = std::env::current_dir().unwrap_or_default();
            let message = klog_free(&stderr);
            let mut message = message
                .trim()
                .trim_start_matches("error: ")
                .trim()
                .replace(&format!("{}/", abs.display()), &format!("{}/", job.display));
            if cwd.parent().is_some() {
                message = message.replace(&format!("{}/", cwd.display()), "");
            }
            // At the entry the message names (`accumulating resources from 'service.yaml'`).
            let place = tree
                .iter()
                .flat_map(|k| k.references.iter().map(move |r| (k, r)))
                .find(|(_, r)| message.contains(&format!("'{}'", r.text)))
                .map_or(whole, |(k, r)| Place {
                    file: k.file.clone(),
                    range: r.span.clone(),
                });
            out.problems.push(Problem {
                finding: render_problems::render_failed(
                    super::Kind::Kustomize,
                    &job.display,
                    &message,
                ),
                place,
            });
        }
        Outcome::TimedOut => out.problems.push(Problem::unfinished(
            super::Kind::Kustomize,
            &job.display,
            "the build",
            settings.timeout,
            whole,
        )),
        Outcome::TooLarge { limit } => out.problems.push(Problem::too_large(
            super::Kind::Kustomize,
            &job.display,
            limit,
            whole,
        )),
        Outcome::NotRun(e) => out.problems.push(Problem::not_run(
            super::Kind::Kustomize,
            &job.display,
            &program,
            &e,
            whole,
        )),
    }
    out
}

/// kubectl 1.31 wraps errors in a klog line with a timestamp and a pid
/// (`E1201 12:09:05.605638 31062 run.go:72] "command failed" err="…"`): keep the error only, so
/// the message is the same on every run.
fn klog_free(stderr: &str) -> String {
    let t = stderr.trim();
    match t.split_once("\"command failed\" err=\"") {
        Some((_, rest)) => rest
            .strip_suffix('"')
            .unwrap_or(rest)
            .replace("\\\"", "\"")
            .replace("\\\\", "\\"),
        None => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inline_patch_maps_back_to_the_kustomization_bytes() {
        let dir = std::env::temp_dir().join(format!("pc-inline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("kustomization.yaml");
        let text = "patches:\n  - patch: |-\n      - op: add\n\n        value: x:latest\n  - patch: '[{\"op\": \"add\", \"value\": \"y:1\"}]'\n";
        std::fs::write(&file, text).expect("write");
        let k = Kustomization::read(&file).expect("read");
        let _ = std::fs::remove_dir_all(&dir);
        let [block, flow] = k.inline_patches.as_slice() else {
            panic!("{:?}", k.inline_patches);
        };
        let at = block.text.find("x:latest").expect("in patch");
        let r = block.in_file(text, &(at..at + 8)).expect("mapped");
        assert_eq!(&text[r], "x:latest");
        let at = flow.text.find("y:1").expect("in patch");
        let r = flow.in_file(text, &(at..at + 3)).expect("mapped");
        assert_eq!(&text[r], "y:1");
        // A range whose bytes the file does not hold at that place is not mapped.
        let moved = InlinePatch {
            lines: Some(vec![0]),
            ..flow.clone()
        };
        assert_eq!(moved.in_file(text, &(at..at + 3)), None);
    }
}
