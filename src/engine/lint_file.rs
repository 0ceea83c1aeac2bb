//! Linting one input: read it, tell kubectl output from manifests, parse, extract the facts,
//! run the container rules, collect suppressions, and keep the text only when a finding needs
//! it (Secret values masked).

use super::attach::{name_container, object_ref};
use super::inputs::Input;
use super::options::LintOptions;
use super::rule_set::RuleSet;
use crate::finding::Finding;
use crate::model::{ObjectFacts, extract_object, extract_objects};
use crate::rules::{self, ContainerCheck, InputEvent};
use crate::source::{FileId, Origin, ReadProblem, SourceFile, Span, next_char_end};
use crate::suppression::{self, Suppression};
use crate::syntax::{Document, ListEvent, ParseLimits, Streamed, parse_stream, parse_stream_items};

/// Everything one file contributes to the run.
#[derive(Default)]
pub(super) struct FileResult {
    pub(super) documents: usize,
    pub(super) findings: Vec<Finding>,
    pub(super) objects: Vec<ObjectFacts>,
    pub(super) suppressions: Vec<Suppression>,
    pub(super) input_failed: bool,
    /// Long base64-like tokens of unparsable documents that look like Secrets.
    pub(super) unparsed_secret_values: Vec<std::ops::Range<usize>>,
    /// The file had no finding of its own, so its text (of this length) was not kept; see
    /// [`rehydrate`].
    pub(super) text_dropped: Option<usize>,
    /// A rendered chart or root: its own problems and how to trace findings to its sources.
    pub(super) render: Option<Box<RenderPart>>,
}

/// What a rendered chart or root hands the end of the run.
pub(super) struct RenderPart {
    pub(super) problems: Vec<crate::render::Problem>,
    pub(super) tracer: Option<crate::render::Tracer>,
}

pub(super) fn process_input(
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
        Input::Render(job) => return process_render(id, job, opts, ruleset, limits),
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
            let event = if *fatal {
                InputEvent::Unreadable(message)
            } else {
                InputEvent::Skipped(message)
            };
            let result = FileResult {
                findings: rules::input_finding(&event, span).into_iter().collect(),
                input_failed: *fatal,
                ..FileResult::default()
            };
            return (file, result);
        }
    };
    match read {
        Ok(text) => {
            let file = FileInfo {
                origin: &origin,
                explicit,
                named_as_data: named_as_data(&name),
            };
            let mut result = lint_file(id, &text, &file, ruleset, limits, opts);
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
            let message = problem.to_string();
            let event = InputEvent::Unreadable(&message);
            let result = FileResult {
                findings: rules::input_finding(&event, Span::new(id, 0..0))
                    .into_iter()
                    .collect(),
                input_failed: fatal,
                ..FileResult::default()
            };
            (file, result)
        }
    }
}

/// What a file's name and place say about how to read it.
struct FileInfo<'a> {
    origin: &'a Origin,
    /// Named on the command line (or stdin): read whatever the extension.
    explicit: bool,
    /// Named `.yaml`, `.yml` or `.json`: its author means it to parse.
    named_as_data: bool,
}

fn named_as_data(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// Parses one file and runs the per-container rules on it.
fn lint_file(
    id: FileId,
    text: &str,
    file: &FileInfo<'_>,
    ruleset: &RuleSet,
    limits: &ParseLimits,
    opts: &LintOptions,
) -> FileResult {
    let (origin, explicit) = (file.origin, file.explicit);
    let mut result = FileResult::default();
    // Saved or pasted kubectl output (describe, get pods, events, logs) is not a manifest: it
    // is diagnosed (issue 4), never linted as YAML. A file named as YAML or JSON that does not
    // parse says so as well: a paste diagnosis never hides a syntax error (issue 27).
    if crate::kubectl::looks_like_kubectl_output(text) {
        result.documents = 1;
        let diagnoses = crate::kubectl::diagnose(text);
        result.findings = rules::pull_diagnosis::findings(&diagnoses, id, text);
        if file.named_as_data {
            let bom_len = if text.starts_with('\u{feff}') { 3 } else { 0 };
            for e in parse_stream(text, bom_len, limits)
                .into_iter()
                .filter_map(Result::err)
            {
                result.findings.extend(syntax_finding(id, text, &e));
            }
        }
        return result;
    }
    let bom_len = if text.starts_with('\u{feff}') { 3 } else { 0 };
    // The items of a `List` (a cluster dump) are checked as they are read and dropped, so the
    // tree never holds more than one; what they yield waits here for their document.
    let mut lists: Vec<StreamedList> = Vec::new();
    let mut on_item = |event: ListEvent<'_>| match event {
        ListEvent::Item { document, item } => {
            if lists.last().is_none_or(|l| l.document != document) {
                lists.push(StreamedList::new(document));
            }
            if let Some(list) = lists.last_mut() {
                list.item(id, text, &item, ruleset, opts);
            }
        }
    };
    let mut docs = parse_stream_items(text, bom_len, limits, &mut on_item);
    // The reader streams any root `items` sequence; only a `List` reads its items so. Where
    // the items seen one by one may not be what the whole tree gives, read it all again.
    if !docs.iter().flatten().all(streamed_as_read) {
        lists.clear();
        docs = parse_stream(text, bom_len, limits);
    }
    if docs.is_empty() {
        result.findings.extend(rules::input_finding(
            &InputEvent::Empty,
            Span::new(id, 0..0),
        ));
        return result;
    }
    let template_error = docs.iter().find_map(|d| {
        let e = d.as_ref().err()?;
        let doc = text.get(e.document.clone())?;
        doc.find("{{").map(|i| e.document.start + i)
    });
    if let Some(at) = template_error {
        let why = "the file does not parse as YAML because of template syntax";
        result.findings.extend(rules::input_finding(
            &InputEvent::Template(why),
            Span::new(id, at..at + 2),
        ));
        return result;
    }
    result.documents = docs.len();
    let structured = |d: &Result<crate::syntax::Document, _>| {
        d.as_ref().map_or(true, |doc| {
            doc.root().is_some_and(|r| r.is_map() || r.is_seq())
        })
    };
    // YAML that holds no object but has kubectl output's shape (a pod status or an Event
    // list that a terminal or a chat window broke, a fragment of one) is a paste (issue 11,
    // never a silent pass): read it as kubectl output. A marker in another tool's document (a
    // PromQL expression, a workflow's script, a template) or in a comment is not (issue 27).
    // Otherwise it is input that was not recognised. Syntax errors are reported all the same.
    // Only a file that may hold no object is read for a paste: every document parsed and
    // declared an object (a plain manifest) needs none, and the reading costs more than the
    // rest of a small file's run (issue 24).
    let declares_object = |d: &Result<crate::syntax::Document, _>| {
        d.as_ref().is_ok_and(|doc| {
            doc.root().is_some_and(|r| {
                r.str_at("kind").is_some() || r.items().any(|i| i.str_at("kind").is_some())
            })
        })
    };
    let paste = if docs.iter().all(declares_object) {
        None
    } else {
        crate::kubectl::paste_reading(text, &docs)
    };
    let as_paste = |result: &mut FileResult| {
        let mut diagnoses = crate::kubectl::diagnose(text);
        if let Some(crate::kubectl::PasteReading::Unsure(why)) = &paste {
            for d in &mut diagnoses {
                d.doubt.get_or_insert_with(|| why.clone());
            }
        }
        result
            .findings
            .extend(rules::pull_diagnosis::findings(&diagnoses, id, text));
    };
    let marker = paste.is_some();
    let no_object = |mut result: FileResult| {
        if marker {
            as_paste(&mut result);
        } else {
            result.findings.extend(rules::input_finding(
                &InputEvent::NotRecognised,
                Span::new(id, 0..next_char_end(text, 0)),
            ));
        }
        result
    };
    if explicit && !docs.iter().any(structured) {
        return no_object(result);
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
        return no_object(result);
    }
    let mut diagnosed = false;
    let mut unparsed = false;
    for doc in docs {
        match doc {
            Err(e) => {
                unparsed = true;
                result.findings.extend(syntax_finding(id, text, &e));
                // A Secret that does not parse still must not show its values in a snippet.
                if let Some(doc) = text.get(e.document.clone()) {
                    result
                        .unparsed_secret_values
                        .extend(secret_like_tokens(doc, e.document.start));
                }
            }
            Ok(doc) => {
                for duplicate in &doc.duplicate_keys {
                    let event = InputEvent::DuplicateKey {
                        key: &duplicate.key,
                        first: &duplicate.first,
                    };
                    let span = Span::new(id, duplicate.again.clone());
                    result.findings.extend(rules::input_finding(&event, span));
                }
                let streamed = (doc.streamed == Streamed::Items)
                    .then(|| lists.iter().position(|l| l.document == doc.range.start))
                    .flatten()
                    .map(|i| lists.swap_remove(i));
                // `kubectl get pod -o yaml` is a manifest and a pod status: lint both.
                let mut diagnoses = crate::kubectl::diagnose_document(&doc);
                let objects = extract_objects(&doc, &opts.kinds);
                // A streamed `List` yields the same, in the same order, as its whole tree would:
                // diagnoses, then each object's container findings.
                let (streamed_objects, streamed_findings) = match streamed {
                    Some(list) => {
                        diagnoses.extend(list.diagnoser.finish());
                        (list.objects, list.findings)
                    }
                    None => Default::default(),
                };
                diagnosed |= !diagnoses.is_empty();
                result
                    .findings
                    .extend(rules::pull_diagnosis::findings(&diagnoses, id, text));
                for object in &objects {
                    check_object(id, text, object, ruleset, opts, &mut result.findings);
                }
                result.findings.extend(streamed_findings);
                result.objects.extend(objects);
                result.objects.extend(streamed_objects);
            }
        }
    }
    // A pod status or an Event list that a terminal wrapped is no YAML anymore (or YAML of no
    // object), but still a failed pull: read it as pasted output (the lenient fragment
    // reader) rather than report only the syntax error (issue 11, never a silent pass).
    if (unparsed || result.objects.is_empty()) && !diagnosed && marker {
        as_paste(&mut result);
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

/// What the items of one streamed `List` yield, in item order.
struct StreamedList {
    /// Where its document starts.
    document: usize,
    diagnoser: crate::kubectl::ListDiagnoser,
    objects: Vec<ObjectFacts>,
    findings: Vec<Finding>,
}

impl StreamedList {
    fn new(document: usize) -> StreamedList {
        StreamedList {
            document,
            diagnoser: Default::default(),
            objects: Vec::new(),
            findings: Vec::new(),
        }
    }

    /// What `extract_objects`, `diagnose_document` and the container rules do for each item of
    /// a `List`, for one item.
    fn item(
        &mut self,
        id: FileId,
        text: &str,
        item: &crate::syntax::Cursor<'_>,
        ruleset: &RuleSet,
        opts: &LintOptions,
    ) {
        self.diagnoser.item(item);
        if let Some(object) = extract_object(item, &opts.kinds) {
            check_object(id, text, &object, ruleset, opts, &mut self.findings);
            self.objects.push(object);
        }
    }
}

/// Whether a document whose items went to the hook one by one is a `List` whose items the
/// whole tree would give the same way: `kind` ending in `List` (as `extract_objects` and
/// `diagnose_document` read it), its `items` the sequence that was streamed, and no merge key
/// at the root that could bring in another.
fn streamed_as_read(doc: &Document<'_>) -> bool {
    match doc.streamed {
        Streamed::No => true,
        Streamed::Unfaithful => false,
        Streamed::Items => doc.root().is_some_and(|root| {
            root.str_at("kind").is_some_and(|k| k.ends_with("List"))
                && root.get("items").is_some_and(|i| i.is_seq())
                && !root.entries().any(|(k, _)| k.is_merge_key())
        }),
    }
}

/// Renders a chart or root and lints the result; the text is always kept (findings are traced
/// through it after the cross-object rules).
fn process_render(
    id: FileId,
    job: &crate::render::Job,
    opts: &LintOptions,
    ruleset: &RuleSet,
    limits: &ParseLimits,
) -> (SourceFile, FileResult) {
    let output = crate::render::render(job, &opts.render, &opts.settings.default_namespace);
    let name = format!("{} (rendered by {})", job.display, job.kind.as_str());
    let text = output.text.unwrap_or_default();
    let mut result = if text.is_empty() {
        FileResult::default()
    } else {
        let file = FileInfo {
            origin: &Origin::Rendered,
            explicit: false,
            named_as_data: true,
        };
        lint_file(id, &text, &file, ruleset, limits, opts)
    };
    if let Some(tracer) = &output.tracer
        && ruleset.is_enabled(&rules::numeric_tag::META)
    {
        for object in &result.objects {
            let Some(pod) = &object.pod else { continue };
            for container in &pod.containers {
                let Some(image) = &container.image else {
                    continue;
                };
                let sources: Vec<rules::numeric_tag::NumberSource<'_>> = tracer
                    .numeric_sources(&image.text)
                    .into_iter()
                    .map(|leaf| rules::numeric_tag::NumberSource {
                        path: &leaf.path,
                        written: &leaf.written,
                        rendered: &leaf.rendered,
                    })
                    .collect();
                let start = result.findings.len();
                let span = Span::new(id, image.span.clone());
                rules::numeric_tag::check(span, &image.text, &sources, &mut result.findings);
                for f in result.findings.iter_mut().skip(start) {
                    f.object = Some(object_ref(object, &opts.settings.default_namespace));
                    f.container = container.name_text().map(str::to_string);
                    f.image = Some(image.text.clone());
                }
                // One root problem per container: the number is why the reference is invalid
                // (`repo:%!s(float64=2.1)`, `repo:4.4526276e+07`), so it is the one reported.
                if result.findings.len() > start {
                    let image_span = image.span.clone();
                    let mut i = 0;
                    result.findings.retain(|f| {
                        let keep = i >= start
                            || f.rule != rules::invalid_reference::META.name
                            || f.span.range().start < image_span.start
                            || f.span.range().end > image_span.end;
                        i += 1;
                        keep
                    });
                }
            }
        }
    }
    if output.tracer.is_some() && !text.is_empty() {
        result.suppressions = suppression::collect(id, &text, &result.objects);
    }
    let mut file = SourceFile::new(name, Origin::Rendered, text, false);
    let secret_values: Vec<std::ops::Range<usize>> = result
        .objects
        .iter()
        .flat_map(|o| o.redacted_spans().iter().cloned())
        .chain(result.unparsed_secret_values.drain(..))
        .collect();
    file.redact(&secret_values);
    result.render = Some(Box::new(RenderPart {
        problems: output.problems,
        tracer: output.tracer,
    }));
    (file, result)
}

/// The `parse-error` finding of a document that does not parse.
fn syntax_finding(id: FileId, text: &str, e: &crate::syntax::SyntaxError) -> Option<Finding> {
    // An error at the end of input ("did not find expected node content") is about the last
    // thing written: point there, not at an empty last line.
    let content_end = text.trim_end().len();
    let offset = if e.offset >= content_end {
        text.get(..content_end)
            .and_then(|t| t.char_indices().last())
            .map_or(0, |(i, _)| i)
    } else {
        e.offset
    };
    let end = next_char_end(text, offset);
    rules::input_finding(
        &InputEvent::Syntax {
            message: &e.message,
            kubectl: e.kubectl.as_deref(),
        },
        Span::new(id, offset..end),
    )
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
    let object_ref = object_ref(object, &opts.settings.default_namespace);
    for container in &pod.containers {
        let check = ContainerCheck {
            file: id,
            source,
            object,
            container,
            image: rules::image_state(container),
        };
        let start = out.len();
        for rule in &ruleset.container_rules {
            rule(&check, out);
        }
        for f in out.iter_mut().skip(start) {
            f.object = Some(object_ref.clone());
            name_container(f, container);
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
