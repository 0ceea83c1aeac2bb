//! One run: inputs → parsed documents → facts → rules → sorted findings.
//!
//! Files are read, parsed and checked in parallel by `jobs` workers that pull the next file from
//! a shared counter; each worker keeps its own results, so nothing serialises on a lock.

use crate::finding::{Finding, ObjectRef, Severity};
use crate::index::{Index, RunSettings};
use crate::model::{ObjectFacts, extract_objects};
use crate::rules::{self, CONTAINER_RULES, CROSS_RULES, ContainerCheck, RuleMeta};
use crate::source::{
    FileId, Origin, ReadProblem, SourceFile, SourceMap, Span, WalkOptions, collect_inputs,
};
use crate::suppression::{self, Suppression};
use crate::syntax::{ParseLimits, parse_stream};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What to lint and how; built by the CLI or by tests.
#[derive(Clone, Debug)]
pub struct LintOptions {
    /// Files and directories; `-` is standard input. Empty means `.`.
    pub paths: Vec<PathBuf>,
    /// The name stdin is reported under.
    pub stdin_filename: Option<String>,
    pub exclude: Vec<String>,
    /// When non-empty, only these rules run.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// Severity overrides (`None` = off).
    pub severities: HashMap<String, Option<Severity>>,
    pub jobs: usize,
    pub max_file_size: u64,
    pub follow_links: bool,
    /// What the cross-object rules know about the run: default namespace, registry lists,
    /// pre-pulled images, `--require-secrets`.
    pub settings: RunSettings,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            paths: Vec::new(),
            stdin_filename: None,
            exclude: Vec::new(),
            select: Vec::new(),
            ignore: Vec::new(),
            severities: HashMap::new(),
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_file_size: 64 * 1024 * 1024,
            follow_links: true,
            settings: RunSettings::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

/// The result of a run: every file read (for rendering) and the findings, sorted.
#[derive(Debug)]
pub struct Report {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// A path the user named could not be read: exit code 2.
    pub input_failed: bool,
}

impl Report {
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Which rules run, and the severity a user set for them (`None`: the rule's own, which for a
/// few rules depends on the finding, e.g. a cloud registry is only a note).
pub struct RuleSet {
    enabled: HashMap<&'static str, Option<Severity>>,
}

impl RuleSet {
    pub fn new(opts: &LintOptions) -> Result<RuleSet, String> {
        for name in opts.select.iter().chain(&opts.ignore) {
            if rules::find(name).is_none() {
                return Err(format!(
                    "unknown rule {name:?}; `pullcheck rules` lists them"
                ));
            }
        }
        let enabled = rules::CATALOG
            .iter()
            .filter(|r| opts.select.is_empty() || opts.select.iter().any(|s| s == r.name))
            .filter(|r| !opts.ignore.iter().any(|s| s == r.name))
            .filter_map(|r| match opts.severities.get(r.name) {
                Some(None) => None,
                Some(Some(sev)) => Some((r.name, Some(*sev))),
                None => Some((r.name, None)),
            })
            .collect();
        Ok(RuleSet { enabled })
    }

    pub fn is_enabled(&self, rule: &RuleMeta) -> bool {
        self.enabled.contains_key(rule.name)
    }

    pub fn is_enabled_name(&self, rule: &str) -> bool {
        self.enabled.contains_key(rule)
    }

    /// Drops findings of disabled rules and applies severity overrides.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        findings.retain_mut(|f| match self.enabled.get(f.rule) {
            Some(sev) => {
                if let Some(sev) = sev {
                    f.severity = *sev;
                }
                true
            }
            None => false,
        });
    }
}

/// Everything one file contributes to the run.
#[derive(Default)]
struct FileResult {
    documents: usize,
    findings: Vec<Finding>,
    objects: Vec<ObjectFacts>,
    suppressions: Vec<Suppression>,
    input_failed: bool,
    /// Long base64-like tokens of unparsable documents that look like Secrets.
    unparsed_secret_values: Vec<std::ops::Range<usize>>,
    /// The file had no finding of its own, so its text (of this length) was not kept; see
    /// [`rehydrate`].
    text_dropped: Option<usize>,
}

enum Input {
    Path {
        path: PathBuf,
        display: String,
        explicit: bool,
    },
    Stdin,
    /// Text handed in by a caller (tests, fuzzing, editors).
    Memory {
        name: String,
        text: String,
    },
    /// A walk problem reported against a path that is not read.
    Problem {
        display: String,
        message: String,
        fatal: bool,
    },
}

pub fn lint(opts: &LintOptions) -> Result<Report, String> {
    let inputs = gather_inputs(opts)?;
    lint_inputs(inputs, opts)
}

/// Lints in-memory files `(name, text)` as if they had been read from disk.
pub fn lint_memory(files: &[(&str, &str)], opts: &LintOptions) -> Result<Report, String> {
    let inputs = files
        .iter()
        .map(|(name, text)| Input::Memory {
            name: (*name).to_string(),
            text: (*text).to_string(),
        })
        .collect();
    lint_inputs(inputs, opts)
}

fn lint_inputs(inputs: Vec<Input>, opts: &LintOptions) -> Result<Report, String> {
    let ruleset = RuleSet::new(opts)?;
    let limits = ParseLimits::default();
    let results = run_parallel(&inputs, opts, &ruleset, &limits);
    let mut sources = SourceMap::default();
    sources.reserve_exact(results.len());
    let mut findings = Vec::new();
    let mut summary = Summary::default();
    let mut input_failed = false;
    // Facts stay in their per-file vectors (indexed by file id, which is the input position):
    // concatenating them into one vector held a second copy of every object at the peak.
    let mut objects: Vec<Vec<ObjectFacts>> = Vec::with_capacity(results.len());
    let mut suppressions = Vec::new();
    let mut dropped = Vec::new();
    for (i, (file, result)) in results.into_iter().flatten().enumerate() {
        // File ids are input positions, assigned before the parallel work, so facts of one
        // file can be pointed at by findings about another.
        let id = sources.add(file);
        debug_assert_eq!(id, file_id(i));
        dropped.push(result.text_dropped);
        summary.files += 1;
        summary.documents += result.documents;
        input_failed |= result.input_failed;
        findings.extend(result.findings);
        objects.push(result.objects);
        suppressions.extend(result.suppressions);
    }
    let located: Vec<(FileId, &ObjectFacts)> = objects
        .iter()
        .enumerate()
        .flat_map(|(i, list)| list.iter().map(move |o| (file_id(i), o)))
        .collect();
    let index = Index::build(located.iter().copied(), &opts.settings);
    let mut cross = run_cross_rules(&index, &ruleset, opts.jobs);
    attach_objects(&mut cross, &objects, &opts.settings.default_namespace);
    findings.extend(cross);
    ruleset.apply(&mut findings);
    let mut unused = suppression::apply(&suppressions, &mut findings, &|r| {
        ruleset.is_enabled_name(r)
    });
    attach_objects(&mut unused, &objects, &opts.settings.default_namespace);
    ruleset.apply(&mut unused);
    findings.extend(unused);
    // Diagnoses of kubectl output point into the manifests that deploy their image, reading
    // those manifests' text: give it back to every dropped file with a pod first (kubectl
    // output in a run is rare; a manifest-only run skips this).
    if findings.iter().any(|f| {
        rules::pull_diagnosis::RULES
            .iter()
            .any(|r| r.name == f.rule)
    }) {
        let with_pods = located
            .iter()
            .filter(|(_, o)| o.pod.is_some())
            .map(|(id, _)| *id);
        rehydrate(
            &mut sources,
            &mut dropped,
            with_pods,
            &inputs,
            &objects,
            opts,
        );
        // Without a diagnosis there is nothing to link (and indexing every container's image
        // for it was 2 % of a manifest-only run).
        rules::pull_diagnosis::link_manifests(&mut findings, &located, &sources);
    }
    let referenced = findings
        .iter()
        .flat_map(|f| std::iter::once(f.span.file).chain(f.secondary.iter().map(|l| l.span.file)));
    rehydrate(
        &mut sources,
        &mut dropped,
        referenced,
        &inputs,
        &objects,
        opts,
    );
    mask_secrets(&sources, &mut findings);
    sort_findings(&sources, &mut findings);
    for f in &findings {
        match f.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Note => summary.notes += 1,
        }
    }
    Ok(Report {
        sources,
        findings,
        summary,
        input_failed,
    })
}

fn gather_inputs(opts: &LintOptions) -> Result<Vec<Input>, String> {
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let mut inputs = Vec::new();
    let walk = WalkOptions {
        exclude: opts.exclude.clone(),
        follow_links: opts.follow_links,
    };
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let (found, problems) = collect_inputs(std::slice::from_ref(&path), &walk)?;
        inputs.extend(found.into_iter().map(|i| Input::Path {
            path: i.path,
            display: i.display,
            explicit: i.explicit,
        }));
        inputs.extend(problems.into_iter().map(|p| Input::Problem {
            display: p.display,
            message: p.message,
            fatal: p.fatal,
        }));
    }
    Ok(inputs)
}

fn run_parallel(
    inputs: &[Input],
    opts: &LintOptions,
    ruleset: &RuleSet,
    limits: &ParseLimits,
) -> Vec<Option<(SourceFile, FileResult)>> {
    let next = AtomicUsize::new(0);
    let jobs = opts.jobs.clamp(1, inputs.len().max(1));
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(input) = inputs.get(i) else {
                break;
            };
            mine.push((i, process_input(file_id(i), input, opts, ruleset, limits)));
        }
        mine
    };
    // Every result goes straight to its input's slot: no vector grown by doubling, no sorted
    // copy (each was a few MB of the peak at 20,000 files).
    let mut all: Vec<Option<(SourceFile, FileResult)>> = Vec::with_capacity(inputs.len());
    if jobs == 1 {
        all.extend(
            inputs
                .iter()
                .enumerate()
                .map(|(i, input)| Some(process_input(file_id(i), input, opts, ruleset, limits))),
        );
        return all;
    }
    all.resize_with(inputs.len(), || None);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs).map(|_| s.spawn(work)).collect();
        for h in handles {
            for (i, result) in h.join().unwrap_or_default() {
                if let Some(slot) = all.get_mut(i) {
                    *slot = Some(result);
                }
            }
        }
    });
    all
}

/// Runs the enabled cross-object rules, each on its own worker when there are several jobs
/// (they only read the index), and returns their findings in catalog order whatever the
/// thread count.
fn run_cross_rules(index: &Index<'_>, ruleset: &RuleSet, jobs: usize) -> Vec<Finding> {
    let rules: Vec<_> = CROSS_RULES
        .iter()
        .filter(|(meta, _)| ruleset.is_enabled(meta))
        .map(|(_, rule)| *rule)
        .collect();
    let jobs = jobs.clamp(1, rules.len().max(1));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(rule) = rules.get(i) else {
                break;
            };
            let mut out = Vec::new();
            rule(index, &mut out);
            mine.push((i, out));
        }
        mine
    };
    if jobs == 1 {
        return work().into_iter().flat_map(|(_, f)| f).collect();
    }
    let mut per_rule: Vec<(usize, Vec<Finding>)> = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs).map(|_| s.spawn(work)).collect();
        for h in handles {
            per_rule.extend(h.join().unwrap_or_default());
        }
    });
    per_rule.sort_by_key(|(i, _)| *i);
    per_rule.into_iter().flat_map(|(_, f)| f).collect()
}

/// The id of the `i`th input: ids are input positions.
fn file_id(i: usize) -> FileId {
    FileId(u32::try_from(i).unwrap_or(u32::MAX))
}

fn process_input(
    id: FileId,
    input: &Input,
    opts: &LintOptions,
    ruleset: &RuleSet,
    limits: &ParseLimits,
) -> (SourceFile, FileResult) {
    let (name, origin, explicit, read) = match input {
        Input::Stdin => {
            let name = opts
                .stdin_filename
                .clone()
                .unwrap_or_else(|| "<stdin>".to_string());
            let read = crate::source::read_stdin(opts.max_file_size);
            (name, Origin::Stdin, true, read)
        }
        Input::Memory { name, text } => (name.clone(), Origin::Stdin, true, Ok(text.clone())),
        Input::Path {
            path,
            display,
            explicit,
        } => (
            display.clone(),
            Origin::Path(path.clone()),
            *explicit,
            crate::source::read_file(path, opts.max_file_size),
        ),
        Input::Problem {
            display,
            message,
            fatal,
        } => {
            let file = SourceFile::new(display.clone(), Origin::Stdin, String::new(), true);
            let span = Span::new(id, 0..0);
            let finding = if *fatal {
                rules::unreadable_input::finding(span, message.clone())
            } else {
                rules::skipped_input::finding(span, message.clone())
            };
            let result = FileResult {
                findings: vec![finding],
                input_failed: *fatal,
                ..FileResult::default()
            };
            return (file, result);
        }
    };
    match read {
        Ok(text) => {
            let mut result = lint_file(id, &text, &origin, explicit, ruleset, limits, opts);
            result.suppressions = suppression::collect(id, &text, &result.objects);
            // What outlives the file is what the cross-object stage reads: pod specs, Secrets,
            // ServiceAccounts and Nodes (cross-object findings point only into those). Other
            // objects (Services, ConfigMaps) are kept only where a suppression may need them
            // for an "unused suppression" finding.
            if result.suppressions.is_empty() {
                result.objects.retain(|o| {
                    o.pod.is_some()
                        || o.secret.is_some()
                        || o.service_account.is_some()
                        || o.node.is_some()
                });
                result.objects.shrink_to_fit();
            }
            // Only files with findings are rendered: keep the text (and build its line index)
            // for those alone, so memory follows the findings, not the size of the tree. A
            // cross-object finding can still point into a dropped file: `rehydrate` reads it
            // again. stdin cannot be read twice, so it is always kept.
            if result.findings.is_empty() && !matches!(input, Input::Stdin) {
                result.text_dropped = Some(text.len());
                let file = SourceFile::new(name, origin, String::new(), explicit);
                return (file, result);
            }
            let mut file = SourceFile::new(name, origin, text, explicit);
            let secret_values: Vec<std::ops::Range<usize>> = result
                .objects
                .iter()
                .flat_map(|o| o.redacted_spans().iter().cloned())
                .chain(result.unparsed_secret_values.drain(..))
                .collect();
            file.redact(&secret_values);
            (file, result)
        }
        Err(problem) => {
            let fatal = matches!(problem, ReadProblem::Io(_));
            let file = SourceFile::new(name, origin, String::new(), explicit);
            let finding =
                rules::unreadable_input::finding(Span::new(id, 0..0), problem.to_string());
            let result = FileResult {
                findings: vec![finding],
                input_failed: fatal,
                ..FileResult::default()
            };
            (file, result)
        }
    }
}

/// Parses one file and runs the per-container rules on it.
fn lint_file(
    id: FileId,
    text: &str,
    origin: &Origin,
    explicit: bool,
    ruleset: &RuleSet,
    limits: &ParseLimits,
    opts: &LintOptions,
) -> FileResult {
    let mut result = FileResult::default();
    if let Origin::Path(path) = origin
        && in_helm_templates_dir(path)
    {
        let (at, end) = text
            .find("{{")
            .map_or((0, next_char_end(text, 0)), |at| (at, at + 2));
        result.findings.push(rules::templated_file::file_skipped(
            Span::new(id, at..end),
            "this file is in a Helm chart's `templates/` directory",
        ));
        return result;
    }
    // Saved or pasted kubectl output (describe, get pods, events, logs) is not a manifest: it
    // is diagnosed (issue 4), never parsed as YAML.
    if crate::kubectl::looks_like_kubectl_output(text) {
        result.documents = 1;
        let diagnoses = crate::kubectl::diagnose(text);
        result.findings = rules::pull_diagnosis::findings(&diagnoses, id, text);
        return result;
    }
    let bom_len = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let docs = parse_stream(text, bom_len, limits);
    if docs.is_empty() {
        result
            .findings
            .push(rules::empty_input::finding(Span::new(id, 0..0)));
        return result;
    }
    let template_error = docs.iter().find_map(|d| {
        let e = d.as_ref().err()?;
        let doc = text.get(e.document.clone())?;
        doc.find("{{").map(|i| e.document.start + i)
    });
    if let Some(at) = template_error {
        result.findings.push(rules::templated_file::file_skipped(
            Span::new(id, at..at + 2),
            "the file does not parse as YAML because of template syntax",
        ));
        return result;
    }
    result.documents = docs.len();
    let structured = |d: &Result<crate::syntax::Document, _>| {
        d.as_ref().map_or(true, |doc| {
            doc.root().is_some_and(|r| r.is_map() || r.is_seq())
        })
    };
    if explicit && !docs.iter().any(structured) {
        result
            .findings
            .push(rules::empty_input::not_recognised(Span::new(
                id,
                0..next_char_end(text, 0),
            )));
        return result;
    }
    // Input read from stdin that holds no Kubernetes object (a YAML map of something else)
    // would otherwise pass silently: say it was not recognised (issue 11).
    let holds_object = |d: &Result<crate::syntax::Document, _>| {
        d.as_ref().map_or(true, |doc| {
            doc.root().is_some_and(|r| {
                r.str_at("kind").is_some() || r.items().any(|i| i.str_at("kind").is_some())
            })
        })
    };
    if matches!(origin, Origin::Stdin) && !docs.iter().any(holds_object) {
        result
            .findings
            .push(rules::empty_input::not_recognised(Span::new(
                id,
                0..next_char_end(text, 0),
            )));
        return result;
    }
    for doc in docs {
        match doc {
            Err(e) => {
                // An error at the end of input ("did not find expected node content") is
                // about the last thing written: point there, not at an empty last line.
                let content_end = text.trim_end().len();
                let offset = if e.offset >= content_end {
                    text.get(..content_end)
                        .and_then(|t| t.char_indices().last())
                        .map_or(0, |(i, _)| i)
                } else {
                    e.offset
                };
                let end = next_char_end(text, offset);
                result.findings.push(rules::parse_error::finding(
                    Span::new(id, offset..end),
                    &e.message,
                ));
                // A Secret that does not parse still must not show its values in a snippet.
                if let Some(doc) = text.get(e.document.clone()) {
                    result
                        .unparsed_secret_values
                        .extend(secret_like_tokens(doc, e.document.start));
                }
            }
            Ok(doc) => {
                // `kubectl get pod -o yaml` is a manifest and a pod status: lint both.
                let diagnoses = crate::kubectl::diagnose_document(&doc);
                result
                    .findings
                    .extend(rules::pull_diagnosis::findings(&diagnoses, id, text));
                let objects = extract_objects(&doc);
                for object in &objects {
                    check_object(id, text, object, ruleset, opts, &mut result.findings);
                }
                result.objects.extend(objects);
            }
        }
    }
    // Facts outlive the file (the index reads them after every file is done): drop the spare
    // capacity of growing vectors, which was half of the peak memory (a one-object file held
    // room for four 624-byte `ObjectFacts`, a one-container pod for four containers).
    result.objects.shrink_to_fit();
    for object in &mut result.objects {
        if let Some(pod) = &mut object.pod {
            pod.containers.shrink_to_fit();
        }
    }
    result
}

fn next_char_end(text: &str, offset: usize) -> usize {
    text.get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(offset, |c| offset + c.len_utf8())
}

fn check_object(
    id: FileId,
    source: &str,
    object: &ObjectFacts,
    ruleset: &RuleSet,
    opts: &LintOptions,
    out: &mut Vec<Finding>,
) {
    let Some(pod) = &object.pod else {
        return;
    };
    let object_ref = crate::finding::ObjectRef {
        kind: object.kind.clone(),
        namespace: object
            .namespace_or(&opts.settings.default_namespace)
            .to_string(),
        name: object.name.clone().unwrap_or_default(),
    };
    for container in &pod.containers {
        let check = ContainerCheck {
            file: id,
            source,
            object,
            container,
            image: rules::image_state(container),
        };
        let start = out.len();
        for (meta, rule) in CONTAINER_RULES {
            if ruleset.is_enabled(meta) {
                rule(&check, out);
            }
        }
        for f in out.iter_mut().skip(start) {
            f.object = Some(object_ref.clone());
            f.container = container.name_text().map(str::to_string);
            f.image = container
                .image
                .as_ref()
                .filter(|i| !i.is_null())
                .map(|i| i.text.clone());
        }
    }
}

/// Gives back the text of the dropped files among `ids` (files with no finding of their own that
/// a cross-object finding, a secondary label such as "the Secret is defined here", or a
/// diagnosis points into), masking Secret values again. The file is read a second time: if it
/// is no longer a regular file or its length changed, it stays without text and emitters show
/// the finding without a snippet.
fn rehydrate(
    sources: &mut SourceMap,
    dropped: &mut [Option<usize>],
    ids: impl Iterator<Item = FileId>,
    inputs: &[Input],
    objects: &[Vec<ObjectFacts>],
    opts: &LintOptions,
) {
    let mut wanted: Vec<FileId> = ids
        .filter(|id| dropped.get(id.0 as usize).copied().flatten().is_some())
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    for id in wanted {
        let text = match inputs.get(id.0 as usize) {
            Some(Input::Memory { text, .. }) => Some(text.clone()),
            Some(Input::Path { path, .. }) => std::fs::metadata(path)
                .ok()
                .filter(std::fs::Metadata::is_file)
                .and_then(|_| crate::source::read_file(path, opts.max_file_size).ok()),
            _ => None,
        };
        let Some(slot) = dropped.get_mut(id.0 as usize) else {
            continue;
        };
        // Tried once: whatever happens, do not read it again.
        let expected = slot.take();
        let Some(text) = text.filter(|t| Some(t.len()) == expected) else {
            continue;
        };
        let Some(old) = sources.get(id) else {
            continue;
        };
        let mut file = SourceFile::new(old.name.clone(), old.origin.clone(), text, old.explicit);
        let secret_values: Vec<std::ops::Range<usize>> = objects
            .get(id.0 as usize)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .flat_map(|o| o.redacted_spans().iter().cloned())
            .collect();
        file.redact(&secret_values);
        sources.replace(id, file);
    }
}

/// Helm renders everything under a chart's `templates/`; linting it raw only produces noise.
fn in_helm_templates_dir(path: &Path) -> bool {
    path.ancestors().skip(1).any(|dir| {
        dir.file_name().is_some_and(|n| n == "templates")
            && dir
                .parent()
                .is_some_and(|chart| chart.join("Chart.yaml").is_file())
    })
}

/// Masks every string of every finding with the same rules as the snippets
/// ([`crate::source::redact`]), knowing the Secret values of every file still held.
fn mask_secrets(sources: &SourceMap, findings: &mut [Finding]) {
    let known: Vec<&str> = sources
        .iter()
        .flat_map(|(_, f)| f.secret_values())
        .collect();
    for f in findings {
        f.mask_texts(|s| match crate::source::redact::mask_str(s, &known) {
            std::borrow::Cow::Owned(masked) => Some(masked),
            std::borrow::Cow::Borrowed(_) => None,
        });
    }
}

fn sort_findings(sources: &SourceMap, findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let name = |f: &Finding| sources.get(f.span.file).map(|s| s.name.as_str());
        name(a)
            .cmp(&name(b))
            .then(a.span.start.cmp(&b.span.start))
            .then(a.span.end.cmp(&b.span.end))
            .then(a.rule.cmp(b.rule))
            .then(a.message.cmp(&b.message))
    });
}

/// Fills in `object`, `container` and `image` of cross-object findings from the object whose
/// span holds the finding's primary span.
fn attach_objects(findings: &mut [Finding], objects: &[Vec<ObjectFacts>], default_ns: &str) {
    for f in findings.iter_mut().filter(|f| f.object.is_none()) {
        let at = f.span.start as usize;
        // Look only at this file's objects (a scan of all of them per finding made the run
        // quadratic in the number of files).
        let Some(object) = objects
            .get(f.span.file.0 as usize)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|o| o.span.contains(&at))
            .min_by_key(|o| o.span.len())
        else {
            continue;
        };
        f.object = Some(ObjectRef {
            kind: object.kind.clone(),
            namespace: object.namespace_or(default_ns).to_string(),
            name: object.name.clone().unwrap_or_default(),
        });
        if let Some(c) = object
            .pod
            .iter()
            .flat_map(|p| &p.containers)
            .find(|c| c.span.contains(&at))
        {
            f.container = c.name_text().map(str::to_string);
            f.image = c
                .image
                .as_ref()
                .filter(|i| !i.is_null())
                .map(|i| i.text.clone());
        }
    }
}

/// For a document that failed to parse but mentions `Secret`: every value (what follows the
/// first `key:` of each line, or the whole line when it has no key), masked in snippets since
/// we cannot tell which values hold credentials.
fn secret_like_tokens(doc: &str, base: usize) -> Vec<std::ops::Range<usize>> {
    if !doc.contains("Secret") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut at = base;
    for line in doc.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start().len();
        let value_from = content
            .find(": ")
            .map(|i| i + 2)
            .or_else(|| content.ends_with(':').then_some(content.len()))
            .unwrap_or(indent);
        if value_from < content.len() {
            out.push(at + value_from..at + content.len());
        }
        at += line.len();
    }
    out
}
