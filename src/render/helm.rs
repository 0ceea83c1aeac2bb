//! Helm charts: dependency pre-check, `helm template` with the run's values, and Helm's error
//! messages turned into positioned findings.

use super::exec::{self, Outcome, Scratch};
use super::{Job, Output, Place, Problem, RenderSettings, SourceText, Written};
use crate::rules::render_problems;
use crate::syntax::{ParseLimits, parse_stream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A `dependencies:` entry of Chart.yaml (or, for `apiVersion: v1` charts, requirements.yaml).
#[derive(Clone, Debug)]
pub struct Dependency {
    pub name: Written,
    pub alias: Option<String>,
    pub repository: Option<String>,
    /// The file that lists it.
    pub file: Arc<SourceText>,
}

/// What the run needs from Chart.yaml.
#[derive(Clone, Debug)]
pub struct ChartFile {
    pub file: Arc<SourceText>,
    pub name: Option<String>,
    pub dependencies: Vec<Dependency>,
    /// `type: library`: templates for other charts, nothing to render on its own.
    pub library: bool,
}

/// The `dependencies:` list of a Chart.yaml or requirements.yaml.
fn dependencies_in(file: &Arc<SourceText>) -> Vec<Dependency> {
    let docs = parse_stream(&file.text, 0, &ParseLimits::default());
    let Some(Ok(doc)) = docs.into_iter().next() else {
        return Vec::new();
    };
    let Some(root) = doc.root() else {
        return Vec::new();
    };
    root.get("dependencies")
        .into_iter()
        .flat_map(|l| l.items().collect::<Vec<_>>())
        .filter_map(|d| {
            let n = d.get("name")?;
            Some(Dependency {
                name: Written {
                    text: n.as_str()?.to_string(),
                    span: n.value_range(),
                },
                alias: d.str_at("alias").map(str::to_string),
                repository: d.str_at("repository").map(str::to_string),
                file: file.clone(),
            })
        })
        .collect()
}

impl ChartFile {
    pub fn read(path: &Path) -> Option<ChartFile> {
        let file = SourceText::read(path)?;
        let docs = parse_stream(&file.text, 0, &ParseLimits::default());
        let (name, library, v1) = match docs.into_iter().next() {
            Some(Ok(doc)) => {
                let root = doc.root();
                let library = root
                    .as_ref()
                    .and_then(|r| r.str_at("type"))
                    .is_some_and(|t| t == "library");
                let name = root
                    .as_ref()
                    .and_then(|r| r.str_at("name"))
                    .map(str::to_string);
                let v1 = root
                    .as_ref()
                    .and_then(|r| r.str_at("apiVersion"))
                    .is_some_and(|v| v == "v1");
                (name, library, v1)
            }
            _ => (None, false, false),
        };
        let mut dependencies = dependencies_in(&file);
        // Helm 3 still reads a v1 chart's dependencies from requirements.yaml.
        if v1
            && dependencies.is_empty()
            && let Some(requirements) = path
                .parent()
                .and_then(|dir| SourceText::read(&dir.join("requirements.yaml")))
        {
            dependencies = dependencies_in(&requirements);
        }
        Some(ChartFile {
            file,
            name,
            dependencies,
            library,
        })
    }
}

/// Names of the charts vendored under `charts/` (directories by their Chart.yaml name, archives
/// by their file name `name-version.tgz`).
fn vendored(chart: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(chart.join("charts")) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            if let Some(name) = ChartFile::read(&path.join("Chart.yaml")).and_then(|c| c.name) {
                names.push(name);
            }
        } else if let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".tgz"))
        {
            // `name-1.2.3.tgz` (names hold `-` too): the name is what precedes `-<digit>`.
            let cut = stem
                .char_indices()
                .find(|(i, c)| {
                    *c == '-'
                        && stem
                            .get(i + 1..)
                            .is_some_and(|r| r.starts_with(|d: char| d.is_ascii_digit()))
                })
                .map_or(stem.len(), |(i, _)| i);
            names.push(stem.get(..cut).unwrap_or(stem).to_string());
        }
    }
    names
}

fn helm_program(settings: &RenderSettings) -> Result<PathBuf, String> {
    match &settings.helm {
        Some(p) if exec::is_executable(p) => Ok(p.clone()),
        Some(p) => Err(format!(
            "--helm {} is not an executable file",
            super::display_path(p)
        )),
        None => exec::which("helm").ok_or_else(|| "`helm` is not on PATH".to_string()),
    }
}

/// The values files of a run, in Helm's order (later wins): the config's, then `--values`.
pub fn values_files(job: &Job, settings: &RenderSettings) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = settings
        .chart(&job.dir)
        .map(|c| c.values.clone())
        .unwrap_or_default();
    files.extend(settings.values.iter().cloned());
    files
}

/// One chart's `helm template` command, kept so that tracing can render the chart again with
/// a sentinel value (issue 23: a tie between values keys is decided by rendering).
#[derive(Debug)]
pub struct HelmRun {
    program: PathBuf,
    release: String,
    namespace: String,
    values: Vec<PathBuf>,
    set: Vec<super::SetValue>,
    limits: exec::Limits,
}

impl HelmRun {
    /// `template RELEASE COPY --namespace NS --values …`, then the config's `set:` as a values
    /// file, then `extra` (a sentinel) as the last one, so that it wins.
    fn args(
        &self,
        copy: &Path,
        scratch: &Scratch,
        extra: Option<&serde_json::Value>,
    ) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = vec![
            "template".into(),
            self.release.clone().into(),
            copy.as_os_str().to_owned(),
            "--namespace".into(),
            self.namespace.clone().into(),
        ];
        for v in &self.values {
            args.push("--values".into());
            args.push(v.clone().into_os_string());
        }
        // The config's `set:` goes in last, as a values file: typed as written in YAML, so a
        // number stays a number, exactly as a values file would give it.
        let set = (!self.set.is_empty()).then(|| super::values::set_document(&self.set));
        for (name, doc) in [
            ("pullcheck-set.json", set.as_ref()),
            ("pullcheck-sentinel.json", extra),
        ] {
            let Some(doc) = doc else { continue };
            let file = scratch.dir.join(name);
            if std::fs::write(&file, doc.to_string()).is_ok() {
                args.push("--values".into());
                args.push(file.into_os_string());
            }
        }
        args
    }

    /// The chart rendered again with `extra` as the last values file, from a fresh private
    /// copy; `None` when that does not render.
    pub fn rerender(&self, job: &Job, extra: &serde_json::Value) -> Option<String> {
        let scratch = Scratch::new().ok()?;
        let copy = scratch.dir.join("chart");
        job.tree.copy_chart(&job.dir, &copy).ok()?;
        let args = self.args(&copy, &scratch, Some(extra));
        match exec::run(&self.program, &args, &scratch, self.limits) {
            Outcome::Ok { stdout } => Some(stdout),
            _ => None,
        }
    }
}

pub fn render(job: &Job, settings: &RenderSettings, default_namespace: &str) -> Output {
    let mut out = Output {
        text: None,
        problems: Vec::new(),
        tracer: None,
        render_time: Duration::ZERO,
    };
    let kind = super::Kind::Helm;
    // Before anything of the chart is read or shown: Chart.yaml itself may be a link out.
    let scratch = match Scratch::new() {
        Ok(s) => s,
        Err(e) => {
            out.problems.push(Problem {
                finding: render_problems::render_failed(
                    kind,
                    &job.display,
                    &format!("cannot create a scratch directory: {e}"),
                ),
                place: Place::named(&job.marker),
            });
            return out;
        }
    };
    // Helm renders a private copy that holds only what the tree may show (issue 25).
    let copy = scratch.dir.join("chart");
    if let Err(refusal) = job.tree.copy_chart(&job.dir, &copy) {
        out.problems
            .extend(Problem::refused(kind, &job.display, refusal, || {
                Place::named(&job.marker)
            }));
        return out;
    }
    let Some(chart) = ChartFile::read(&job.marker) else {
        return out;
    };
    let whole = Place {
        file: chart.file.clone(),
        range: 0..0,
    };
    let have = vendored(&job.dir);
    let missing: Vec<&Dependency> = chart
        .dependencies
        .iter()
        .filter(|d| !have.contains(&d.name.text))
        .collect();
    for d in &missing {
        out.problems.push(Problem {
            finding: render_problems::dependencies_missing(
                &job.display,
                &d.name.text,
                d.repository.as_deref(),
            ),
            place: Place {
                file: d.file.clone(),
                range: d.name.span.clone(),
            },
        });
    }
    let chart_settings = settings.chart(&job.dir);
    out.problems
        .extend(values_outside_the_tree(job, chart_settings));
    if !out.problems.is_empty() {
        return out;
    }
    let program = match helm_program(settings) {
        Ok(p) => p,
        Err(why) => {
            out.problems.push(Problem {
                finding: render_problems::renderer_missing(kind, &job.display, &why),
                place: whole,
            });
            return out;
        }
    };
    if let Err(why) = safe_helm(&program, settings.cache.as_deref()) {
        out.problems.push(Problem {
            finding: render_problems::render_refused(
                kind,
                &job.display,
                &why,
                "install Helm 3.11 or later (older Helm resolves host names from templates)",
            ),
            place: whole,
        });
        return out;
    }
    let release = chart_settings
        .and_then(|c| c.release.clone())
        .unwrap_or_else(|| settings.release.clone());
    let namespace = chart_settings
        .and_then(|c| c.namespace.clone())
        .or_else(|| settings.namespace.clone())
        .unwrap_or_else(|| default_namespace.to_string());
    let values = values_files(job, settings);
    let run = HelmRun {
        program,
        release,
        namespace,
        values: values.clone(),
        set: chart_settings.map(|c| c.set.clone()).unwrap_or_default(),
        limits: settings.limits(),
    };
    let args = run.args(&copy, &scratch, None);
    let program = run.program.clone();
    let start = Instant::now();
    let (outcome, _) = super::cache::run(
        settings.cache.as_deref(),
        &program,
        &args,
        Some(&[]),
        &scratch,
        settings.limits(),
    );
    out.render_time = start.elapsed();
    match outcome {
        Outcome::Ok { stdout } => {
            out.text = Some(stdout);
            out.tracer = Some(super::Tracer::helm(
                job,
                &chart,
                &values,
                chart_settings,
                run,
            ));
        }
        Outcome::Failed { stderr } => {
            // Helm names the chart by the path it was given: the copy's, shown as the user's.
            let copy_prefix = format!("{}", copy.display());
            let message = helm_message(&stderr).replace(&copy_prefix, &job.display);
            let place = error_place(job, chart.name.as_deref(), &message)
                .or_else(|| values_error_place(job, &values, &message))
                .unwrap_or(whole);
            out.problems.push(Problem {
                finding: render_problems::render_failed(kind, &job.display, &message),
                place,
            });
        }
        Outcome::TimedOut => out.problems.push(Problem::unfinished(
            kind,
            &job.display,
            "`helm template`",
            settings.timeout,
            whole,
        )),
        Outcome::TooLarge { limit } => {
            out.problems
                .push(Problem::too_large(kind, &job.display, limit, whole));
        }
        Outcome::NotRun(e) => {
            out.problems
                .push(Problem::not_run(kind, &job.display, &program, &e, whole))
        }
    }
    out
}

/// Values files named in `.pullcheck.yaml` that resolve outside the tree: a pull request can
/// edit the config, so they could name `~/.docker/config.json` (JSON is YAML) for a template to
/// print. Files named with `--values` on the command line are the user's own choice.
fn values_outside_the_tree(job: &Job, chart: Option<&super::ChartSettings>) -> Vec<Problem> {
    let Some(chart) = chart else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (i, file) in chart.values.iter().enumerate() {
        let why = match job.tree.resolve(file) {
            Ok(_) => continue,
            // A values file that does not exist is Helm's to report, in its words.
            Err(super::confine::Why::Nowhere) if std::fs::symlink_metadata(file).is_err() => {
                continue;
            }
            Err(why) => why,
        };
        let place = chart
            .config_file
            .as_deref()
            .and_then(SourceText::read)
            .zip(chart.values_spans.get(i).cloned())
            .map_or_else(|| Place::named(file), |(file, range)| Place { file, range });
        problems.push(Problem {
            finding: render_problems::render_refused(
                super::Kind::Helm,
                &job.display,
                &format!(
                    "the config's values file `{}` resolves {}",
                    super::display_path(file),
                    why.describe()
                ),
                "name values files inside the repository in .pullcheck.yaml; pass any other with \
                 `--values FILE` on the command line",
            ),
            place,
        });
    }
    problems
}

/// Helm older than 3.11 evaluates `getHostByName` in templates, so a chart could send what it
/// reads out through DNS queries, which no proxy stops. Asked once per program and run.
fn safe_helm(program: &Path, cache: Option<&Path>) -> Result<(), String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, Result<(), String>>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Mutex::default);
    if let Some(known) = seen.lock().ok().and_then(|m| m.get(program).cloned()) {
        return known;
    }
    let verdict = match super::cache::version(cache, program, || helm_version(program)) {
        Some(v) if helm_is_safe(&v) => Ok(()),
        Some(v) => Err(format!(
            "{} is Helm {v}, which resolves host names from templates (`getHostByName`); \
             pullcheck needs Helm 3.11 or later",
            program.display()
        )),
        None => Err(format!(
            "{} did not say its version (`helm version`); pullcheck needs Helm 3.11 or later",
            program.display()
        )),
    };
    if let Ok(mut m) = seen.lock() {
        m.insert(program.to_path_buf(), verdict.clone());
    }
    verdict
}

fn helm_version(program: &Path) -> Option<String> {
    let scratch = Scratch::new().ok()?;
    let args = ["version".into(), "--template".into(), "{{.Version}}".into()];
    let limits = exec::Limits {
        timeout: Duration::from_secs(30),
        max_output: 4096,
    };
    match exec::run(program, &args, &scratch, limits) {
        Outcome::Ok { stdout } => Some(stdout.trim().to_string()).filter(|v| !v.is_empty()),
        _ => None,
    }
}

/// `v3.11.0`, `v3.17.3`, `v4.1.4`: at least 3.11.
pub fn helm_is_safe(version: &str) -> bool {
    let v = version.trim().trim_start_matches('v');
    let mut parts = v.split(['.', '-', '+']);
    let major = parts.next().and_then(|p| p.parse::<u64>().ok());
    let minor = parts.next().and_then(|p| p.parse::<u64>().ok());
    matches!((major, minor), (Some(m), _) if m > 3)
        || matches!((major, minor), (Some(3), Some(n)) if n >= 11)
}

/// Helm's message on one line, without its `Error: ` prefix, the `--debug` hint and its own
/// `WARNING:` lines (about the environment, not the chart). Lines after one ending in `:` are
/// its items (`… in the following chart(s): c: - a.b: Invalid type`); other lines are
/// separate messages (`; `).
fn helm_message(stderr: &str) -> String {
    let mut out = String::new();
    for line in stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Use --debug flag"))
        .filter(|l| !l.starts_with("WARNING:") && !l.starts_with("walk.go:"))
        .map(|l| l.strip_prefix("Error: ").unwrap_or(l))
    {
        if !out.is_empty() {
            out.push_str(if out.ends_with(':') { " " } else { "; " });
        }
        // Helm 4 puts a template error's place alone on the first line (`web/t.yaml:6:15`, the
        // rest indented below); Helm 3 writes `template: web/t.yaml:6:15: executing …`. One
        // form, so the message and its place do not depend on the Helm that rendered.
        if out.is_empty() && is_template_place(line) {
            out.push_str(&format!("template: {line}:"));
            continue;
        }
        out.push_str(line);
    }
    out
}

/// `chart/templates/x.yaml:6:15`: a path, a line and a column, nothing else.
fn is_template_place(line: &str) -> bool {
    let mut parts = line.rsplitn(3, ':');
    let (Some(column), Some(row), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    number(column) && number(row) && path.contains('/') && !path.contains(char::is_whitespace)
}

/// Where a message about the values points: a values file Helm could not parse
/// (`failed to parse FILE: … yaml: line N: …`) at that line, or a value the chart's schema
/// refuses (`- image.tag: Invalid type…`) at the last file that sets it.
fn values_error_place(job: &Job, values: &[PathBuf], message: &str) -> Option<Place> {
    if let Some(rest) = message.split("failed to parse ").nth(1) {
        let (file, after) = rest.split_once(": ")?;
        let path = values.iter().find(|v| v.as_os_str() == file)?;
        let source = SourceText::read(path)?;
        let line = after
            .split("line ")
            .nth(1)
            .and_then(|l| l.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<usize>().ok());
        let offset = line.map_or(0, |l| offset_of(&source.text, l, 1));
        let end = crate::source::next_char_end(&source.text, offset);
        return Some(Place {
            file: source,
            range: offset..end,
        });
    }
    if !message.contains("schema") {
        return None;
    }
    // `- a.b: Invalid type…` (Helm 3) or `- at '/a/b': got number…` (Helm 4, a JSON
    // pointer): the first key path the schema names.
    let key = message
        .split("- ")
        .skip(1)
        .filter_map(|item| item.split_once(": ").map(|(k, _)| k.trim()))
        .map(
            |k| match k.strip_prefix("at '/").and_then(|p| p.strip_suffix('\'')) {
                Some(pointer) => pointer
                    .split('/')
                    .map(|s| s.replace("~1", "/").replace("~0", "~"))
                    .collect::<Vec<_>>()
                    .join("."),
                None => k.to_string(),
            },
        )
        .find(|k| !k.is_empty() && !k.starts_with('(') && !k.contains(' '))?;
    let key = key.as_str();
    let mut files: Vec<PathBuf> = vec![job.dir.join("values.yaml")];
    files.extend(values.iter().cloned());
    files.iter().rev().find_map(|path| {
        let source = SourceText::read(path)?;
        let leaves = super::values::leaves(&source, "");
        let leaf = leaves.iter().find(|l| l.path == key).or_else(|| {
            leaves
                .iter()
                .find(|l| l.path.starts_with(&format!("{key}.")))
        })?;
        Some(Place {
            file: leaf.file.clone(),
            range: leaf.span.clone(),
        })
    })
}

/// The file a `# Source:` or error path (`web/templates/deploy.yaml`, first component the
/// chart's name) names, under the chart directory. A subchart appears under its alias
/// (`web/charts/backend/…` for `name: api, alias: backend`): map it back to its directory.
pub fn chart_file(dir: &Path, source: &str) -> Option<PathBuf> {
    let (_, rest) = source.split_once('/')?;
    let mut path = dir.to_path_buf();
    let mut parts = rest.split('/').peekable();
    while let Some(part) = parts.next() {
        if part == ".." || part.is_empty() {
            return None;
        }
        path.push(part);
        if part == "charts"
            && let Some(sub) = parts.next()
        {
            let direct = path.join(sub);
            if direct.is_dir() {
                path = direct;
            } else {
                let chart = ChartFile::read(&path.with_file_name("Chart.yaml"))?;
                let name = chart
                    .dependencies
                    .iter()
                    .find(|d| d.alias.as_deref() == Some(sub))
                    .map(|d| d.name.text.clone())?;
                path.push(name);
            }
        }
    }
    path.is_file().then_some(path)
}

/// Where Helm's message points: `template: web/templates/x.yaml:12:3:`,
/// `parse error at (web/templates/x.yaml:1):`, `YAML parse error on web/templates/x.yaml:`.
pub fn error_place(job: &Job, chart_name: Option<&str>, message: &str) -> Option<Place> {
    let (source, line, column) = parse_error_location(message)?;
    if let Some(name) = chart_name
        && !source.starts_with(&format!("{name}/"))
    {
        return None;
    }
    let path = chart_file(&job.dir, &source)?;
    let file = SourceText::read(&path)?;
    let offset = match line {
        Some(line) => offset_of(&file.text, line, column.unwrap_or(1)),
        None => 0,
    };
    let end = crate::source::next_char_end(&file.text, offset);
    Some(Place {
        file,
        range: offset..end,
    })
}

type Location = (String, Option<usize>, Option<usize>);

pub fn parse_error_location(message: &str) -> Option<Location> {
    for prefix in ["template: ", "parse error at (", "YAML parse error on "] {
        let Some(at) = message.find(prefix) else {
            continue;
        };
        let rest = message.get(at + prefix.len()..)?;
        let end = rest
            .find(|c: char| c == ')' || c.is_whitespace())
            .unwrap_or(rest.len());
        let token = rest.get(..end)?.trim_end_matches(':');
        let mut parts = token.split(':');
        let path = parts.next()?.to_string();
        if path.is_empty() {
            continue;
        }
        let line = parts.next().and_then(|n| n.parse::<usize>().ok());
        let column = parts.next().and_then(|n| n.parse::<usize>().ok());
        // A YAML error names the rendered output's line, not the template's: the file only.
        if prefix == "YAML parse error on " {
            return Some((path, None, None));
        }
        return Some((path, line, column));
    }
    None
}

/// Byte offset of 1-based (line, column), clamped to the text.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text.get(start..).and_then(|r| r.find('\n')) {
            Some(i) => start += i + 1,
            None => return start.min(text.len()),
        }
    }
    let line_end = text
        .get(start..)
        .and_then(|r| r.find('\n'))
        .map_or(text.len(), |i| start + i);
    let mut at = start;
    for (n, (i, _)) in text
        .get(start..line_end)
        .unwrap_or("")
        .char_indices()
        .enumerate()
    {
        at = start + i;
        if n + 1 >= column {
            break;
        }
    }
    at.min(line_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_error_locations() {
        assert_eq!(
            parse_error_location(
                "template: web/templates/bad.yaml:1:13: executing \"web/templates/bad.yaml\" at <.Values.nope.deeper>: nil pointer"
            ),
            Some(("web/templates/bad.yaml".into(), Some(1), Some(13)))
        );
        assert_eq!(
            parse_error_location("parse error at (web/templates/bad.yaml:4): missing value for if"),
            Some(("web/templates/bad.yaml".into(), Some(4), None))
        );
        assert_eq!(
            parse_error_location(
                "YAML parse error on web/templates/bad.yaml: error converting YAML to JSON: yaml: line 2: x"
            ),
            Some(("web/templates/bad.yaml".into(), None, None))
        );
        assert_eq!(parse_error_location("something else"), None);
    }

    #[test]
    fn helm_versions_that_keep_dns_off() {
        for safe in ["v3.11.0", "v3.17.3+g8f0d2c1", "v4.1.4", "3.20.0", "v10.0.0"] {
            assert!(helm_is_safe(safe), "{safe}");
        }
        for old in ["v3.10.3", "v3.9.0", "v2.17.0", "", "vX", "v3"] {
            assert!(!helm_is_safe(old), "{old}");
        }
    }

    #[test]
    fn helm_4_template_errors_read_as_helm_3_s() {
        let four = "Error: web/templates/configmap.yaml:6:15\n  executing \"web/templates/configmap.yaml\" at <.Values.missing.deeper>:\n    nil pointer evaluating interface {}.deeper\n\nUse --debug flag to render out invalid YAML\n";
        let three = "Error: template: web/templates/configmap.yaml:6:15: executing \"web/templates/configmap.yaml\" at <.Values.missing.deeper>: nil pointer evaluating interface {}.deeper\n\nUse --debug flag to render out invalid YAML\n";
        assert_eq!(helm_message(four), helm_message(three));
        assert!(!is_template_place("Error: x:1:2"));
        assert!(!is_template_place("web/t.yaml:6"));
    }

    #[test]
    fn helm_messages_are_one_line_without_helm_s_warnings() {
        let stderr = "WARNING: Kubernetes configuration file is group-readable. This is insecure.\n\
            Error: values don't meet the specifications of the schema(s) in the following chart(s):\n\
            web:\n- image.tag: Invalid type. Expected: string, given: number\n\n\
            Use --debug flag to render out invalid YAML\n";
        assert_eq!(
            helm_message(stderr),
            "values don't meet the specifications of the schema(s) in the following chart(s): \
             web: - image.tag: Invalid type. Expected: string, given: number"
        );
        assert_eq!(helm_message("Error: a\nb\n"), "a; b");
    }

    #[test]
    fn offsets_clamp() {
        let t = "ab\ncdé\n";
        assert_eq!(offset_of(t, 2, 1), 3);
        assert_eq!(offset_of(t, 2, 3), 5);
        assert_eq!(offset_of(t, 9, 9), t.len());
    }
}
