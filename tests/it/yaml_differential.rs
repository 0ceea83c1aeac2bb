//! Differential test of the YAML layer against kubectl's own reading of a manifest file:
//! apimachinery's document split, then `sigs.k8s.io/yaml.YAMLToJSON` (go-yaml v2) per document
//! (the Go oracle `tests/oracle/yamloracle.go`).
//!
//! ```sh
//! PULLCHECK_YAML_ORACLE=$(scripts/build-yaml-oracle.sh) cargo test --test it yaml_differential -- --nocapture
//! ```
//!
//! For every input, pullcheck and kubectl must agree on how the file splits into documents,
//! which documents are rejected, and the values the rules read (kinds, names, namespaces,
//! images, pull policies, pull secrets, service accounts; for a duplicate key, the value
//! go-yaml keeps). Inputs: `../shared/corpus/`, `../shared/yaml-test-suite/` (skipped with a
//! message when `../shared` is absent), the fuzz corpus of `manifest_pipeline`, and generated
//! mutations of manifests. Every input where they do not agree must be listed, with its reason,
//! in `src/syntax/DIFFERENCES.md`, and none of those may be a document that pullcheck rejects
//! while kubectl accepts it. `PULLCHECK_YAML_DIFF_REPORT=1` prints the figures and every
//! difference without failing (to measure); `PULLCHECK_YAML_DIFF_DUMP=DIR` also writes each
//! differing input to DIR.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pullcheck::model::{ObjectFacts, PullSecretRef, Scalar, extract_objects};
use pullcheck::syntax::{
    Document, ParseLimits, is_plain_non_string, parse_stream, parse_yaml_stream, split_documents,
};

use crate::common;
use crate::common::Rng;

struct Input {
    set: &'static str,
    name: String,
    text: String,
}

/// What one side made of one document.
#[derive(Debug, PartialEq)]
pub(crate) enum Doc {
    /// Accepted: the rule-read values, one line each.
    Accepted(Vec<String>),
    /// The error, and (ours only) the text pullcheck says kubectl prints for it.
    Rejected(String, Option<String>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// pullcheck rejects a document that kubectl accepts: never allowed.
    PullcheckRejects,
    /// kubectl rejects a document that pullcheck reads.
    KubectlRejects,
    /// Both read the file, into a different number of documents.
    Split,
    /// Both accept, and a value the rules read differs.
    Values,
    /// Both reject, and the kubectl error text pullcheck quotes is not kubectl's.
    WrongKubectlText,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::PullcheckRejects => "pullcheck-rejects",
            Kind::KubectlRejects => "kubectl-rejects",
            Kind::Split => "split",
            Kind::Values => "values",
            Kind::WrongKubectlText => "wrong-kubectl-text",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The inputs

fn shared() -> PathBuf {
    common::repo().join("../shared")
}

fn files_with(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    common::files_under(dir)
        .into_iter()
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
        })
        .collect()
}

fn read_set(set: &'static str, root: &Path, files: Vec<PathBuf>) -> Vec<Input> {
    files
        .into_iter()
        .filter_map(|p| {
            // Not UTF-8: pullcheck reports `unreadable-input` before any YAML is read.
            let text = String::from_utf8(std::fs::read(&p).ok()?).ok()?;
            let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
            Some(Input { set, name, text })
        })
        .collect()
}

fn shared_inputs(messages: &mut Vec<String>) -> Vec<Input> {
    let root = shared();
    let mut inputs = Vec::new();
    for (set, dir) in [
        ("corpus", root.join("corpus")),
        ("yaml-test-suite", root.join("yaml-test-suite")),
    ] {
        if dir.is_dir() {
            inputs.extend(read_set(set, &root, files_with(&dir, &["yaml", "yml"])));
        } else {
            messages.push(format!(
                "skipping {set}: {} is absent (the ../shared checkout beside the repository)",
                dir.display()
            ));
        }
    }
    inputs
}

fn fuzz_inputs() -> Vec<Input> {
    let root = common::repo().join("fuzz/corpus");
    read_set(
        "fuzz",
        &root,
        common::files_under(&root.join("manifest_pipeline")),
    )
}

// ---------------------------------------------------------------------------------------------
// The mutation generator: real-looking manifests with the things go-yaml and the YAML spec
// disagree on.

const BASES: &[&str] = &[
    "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      serviceAccountName: web
      imagePullSecrets:
        - name: regcred
      initContainers:
        - name: init
          image: busybox:1.36
          command: [\"sh\", \"-c\", \"true\"]
      containers:
        - name: web
          image: registry.example.com/shop/web:1.2.3
          imagePullPolicy: IfNotPresent
          args:
            - --port=8080
          env:
            - name: MODE
              value: production
        - name: sidecar
          image: nginx:1.25
",
    "apiVersion: v1
kind: Pod
metadata:
  name: kafka-0
spec:
  containers:
  - name: kafka
    image: confluentinc/cp-kafka:7.5.0
    imagePullPolicy: Always
    command:
    - sh
    - -exc
    - \"export KAFKA_BROKER_ID=${HOSTNAME##*-} && \\
      exec /etc/confluent/docker/run\"
  imagePullSecrets:
  - name: dockerhub
",
    "apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ServiceAccount
    metadata:
      name: builder
      namespace: ci
    imagePullSecrets:
      - name: ghcr
  - apiVersion: batch/v1
    kind: Job
    metadata:
      name: build
      namespace: ci
    spec:
      template:
        spec:
          serviceAccountName: builder
          restartPolicy: Never
          containers:
            - name: build
              image: ghcr.io/acme/builder@sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b
              imagePullPolicy: Never
",
    "apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: \"0 * * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: \"quay.io/acme/report:2024.1\"
              imagePullPolicy: 'IfNotPresent'
          restartPolicy: OnFailure
---
apiVersion: v1
kind: Secret
metadata:
  name: regcred
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: eyJhdXRocyI6e319
",
];

/// The value part of a `key: value` line, as byte offsets of the line.
fn value_at(line: &str) -> Option<(usize, &str)> {
    let colon = line.find(": ")?;
    let value = line.get(colon + 2..)?;
    (!value.is_empty() && !value.starts_with(['#', '|', '>', '[', '{', '&', '*', '!']))
        .then_some((colon + 2, value))
}

fn mutate_line(rng: &mut Rng, line: &str) -> String {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let body = &line[indent..];
    match rng.below(16) {
        // Indentation shifts.
        0 => format!(" {line}"),
        1 if indent > 0 => line[1..].to_string(),
        2 => format!("{}{body}", " ".repeat(indent + 2)),
        // Tabs: in the indentation, after the colon, before a comment, at the end.
        3 => format!("\t{body}"),
        4 if indent > 0 => format!("{}\t{body}", " ".repeat(indent - 1)),
        5 => line.replacen(": ", ":\t", 1),
        6 => format!("{line}\t"),
        7 => format!("{line}\t# note"),
        // Comments: without a space before the `#`, after a space, on their own line.
        8 => format!("{line}#note"),
        9 => format!("{line} # note"),
        10 => format!("{}# comment\n{line}", " ".repeat(rng.below(8))),
        // Quoting styles of the value.
        11 | 12 => match value_at(line) {
            Some((at, value)) => {
                let key = &line[..at];
                let value = value.trim_matches(['"', '\'']);
                match rng.below(6) {
                    0 => format!("{key}'{value}'"),
                    1 => format!("{key}\"{value}\""),
                    2 => format!("{key}{value}"),
                    3 => format!("{key}\"{value}"),
                    4 => format!("{key}'it''s {value}'"),
                    _ => format!("{key}\"{}\\t{value}\"", value.len()),
                }
            }
            None => line.to_string(),
        },
        // Multi-line scalars: block scalars, and quoted or plain scalars continued on lines
        // indented less than (or as much as) their key.
        13 | 14 => match value_at(line) {
            Some((at, value)) => {
                let key = &line[..at];
                let value = value.trim_matches(['"', '\'']);
                let (head, tail) = value.split_at(value.len() / 2);
                let cont = " ".repeat(rng.below(indent + 3));
                match rng.below(6) {
                    0 => format!("{key}|\n{}{value}", " ".repeat(indent + 2)),
                    1 => format!(
                        "{key}>-\n{}{head}\n{}{tail}",
                        " ".repeat(indent + 2),
                        " ".repeat(indent + 2)
                    ),
                    2 => format!("{key}\"{head}\n{cont}{tail}\""),
                    3 => format!("{key}'{head}\n{cont}{tail}'"),
                    4 => format!("{key}{head}\n{cont}{tail}"),
                    _ => format!("{key}|{}\n{}{value}", rng.below(4), " ".repeat(indent + 1)),
                }
            }
            None => line.to_string(),
        },
        // Anchors and aliases on values.
        _ => match value_at(line) {
            Some((at, value)) => {
                let key = &line[..at];
                format!("{key}&v{} {value}", rng.below(3))
            }
            None => line.to_string(),
        },
    }
}

fn mutate_stream(rng: &mut Rng, base: &str) -> String {
    let mut lines: Vec<String> = base.lines().map(str::to_string).collect();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(lines.len());
        let line = lines[at].clone();
        match rng.below(12) {
            // Duplicate keys: the same key again with another value, next to it or further on.
            0 | 1 => {
                if let Some((value_at, _)) = value_at(&line) {
                    let again = format!("{}other-{}", &line[..value_at], rng.below(100));
                    let to = (at + 1 + rng.below(2)).min(lines.len());
                    lines.insert(to, again);
                }
            }
            // Document markers, with and without content after them.
            2 => {
                let marker = rng.pick(&[
                    "---",
                    "--- # next",
                    "---\t",
                    "--- |",
                    "--- !!map",
                    "---x",
                    "...",
                    "... # end",
                    "...\n---",
                    "--- >\n  folded",
                    "%YAML 1.1\n---",
                    "%YAML 1.2\n---",
                ]);
                lines.insert(at, marker.to_string());
            }
            // Merge keys: a shared mapping merged in, a merge of a non-mapping, an alias.
            3 => {
                let indent = line.len() - line.trim_start_matches(' ').len();
                let pad = " ".repeat(indent);
                let merge = rng.pick(&[
                    "<<: {imagePullPolicy: Always}",
                    "<<: [{name: merged}, {name: second}]",
                    "<<: *v0",
                    "<<: notamap",
                    "<<:",
                    "? complex\n: key",
                    "? [a, b]\n: flowkey",
                    "~: nullkey",
                    "!!str 3: tagged",
                ]);
                lines.insert(
                    at,
                    format!("{pad}{}", merge.replace('\n', &format!("\n{pad}"))),
                );
            }
            _ => lines[at] = mutate_line(rng, &line),
        }
    }
    let mut text = lines.join("\n") + "\n";
    if rng.chance(10) {
        text = format!("\u{feff}{text}");
    }
    if rng.chance(15) {
        text = text.replace('\n', "\r\n");
    }
    if rng.chance(5) {
        text.pop();
    }
    text
}

const MUTATIONS: usize = 3000;

fn mutation_inputs() -> Vec<Input> {
    let mut rng = Rng(0x5eed_0010);
    (0..MUTATIONS)
        .map(|i| {
            let base = BASES[i % BASES.len()];
            Input {
                set: "mutations",
                name: format!("mutation/{i}"),
                text: mutate_stream(&mut rng, base),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The two sides

/// One rule-read value: the text, or `<non-string>` for what Kubernetes' YAML 1.1 reading makes
/// a number, boolean or null (JSON numbers and booleans are plain scalars on the JSON side).
fn value(s: &Scalar) -> String {
    if is_plain_non_string(&s.text, s.style, s.str_tag) {
        format!("<non-string {}>", s.text.is_empty())
    } else {
        format!("{:?}", s.text)
    }
}

fn opt(s: Option<&Scalar>) -> String {
    s.map_or("-".into(), value)
}

fn secrets(refs: &[PullSecretRef]) -> String {
    refs.iter()
        .map(|r| match r {
            PullSecretRef::Named(s) => value(s),
            PullSecretRef::Malformed(_) => "<malformed>".into(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn project_object(o: &ObjectFacts, out: &mut Vec<String>) {
    out.push(format!(
        "object kind={:?} apiVersion={:?} name={:?} namespace={:?}",
        o.kind, o.api_version, o.name, o.namespace
    ));
    if let Some(pod) = &o.pod {
        out.push(format!(
            "  pod pullSecrets=[{}] serviceAccount={}",
            secrets(&pod.image_pull_secrets),
            opt(pod.service_account.as_ref())
        ));
        for c in &pod.containers {
            out.push(format!(
                "  {} name={} image={} pullPolicy={}",
                c.kind.field(),
                opt(c.name.as_ref()),
                opt(c.image.as_ref()),
                opt(c.pull_policy.as_deref())
            ));
        }
    }
    if let Some(sa) = &o.service_account {
        out.push(format!(
            "  serviceAccount pullSecrets=[{}]",
            secrets(&sa.image_pull_secrets)
        ));
    }
    if let Some(secret) = &o.secret {
        out.push(format!(
            "  secret type={} registries={:?}",
            opt(secret.secret_type.as_ref()),
            secret
                .registries
                .as_ref()
                .map(|r| r.iter().map(|k| format!("{k:?}")).count())
        ));
    }
    if let Some(node) = &o.node {
        let images: Vec<String> = node.images.iter().map(value).collect();
        out.push(format!("  node images={images:?}"));
    }
}

pub(crate) fn project(doc: &Document) -> Vec<String> {
    let mut out = Vec::new();
    for object in extract_objects(doc, &pullcheck::model::KindTable::builtin()) {
        project_object(&object, &mut out);
    }
    out
}

/// A document that is null (empty, `~`) is no object: kubectl skips it, and so does pullcheck.
pub(crate) fn is_null_document(doc: &Document) -> bool {
    doc.root().is_none_or(|r| r.is_null())
}

fn bom(text: &str) -> usize {
    if text.starts_with('\u{feff}') { 3 } else { 0 }
}

fn docs(parsed: Vec<Result<Document, pullcheck::syntax::SyntaxError>>) -> Vec<Doc> {
    parsed
        .into_iter()
        .filter_map(|d| match d {
            Ok(doc) if is_null_document(&doc) => None,
            Ok(doc) => Some(Doc::Accepted(project(&doc))),
            Err(e) => Some(Doc::Rejected(e.message, e.kubectl)),
        })
        .collect()
}

/// pullcheck's reading, as the engine does it (a leading BOM skipped). `None` when pullcheck
/// reads the file as kubectl output rather than YAML.
fn ours(text: &str) -> Option<Vec<Doc>> {
    if pullcheck::kubectl::looks_like_kubectl_output(text) {
        return None;
    }
    Some(docs(parse_stream(text, bom(text), &ParseLimits::default())))
}

/// The chunks kubectl's document reader (and pullcheck's) cuts a YAML stream into. Each is
/// compared on its own as well, so that a document pullcheck rejects cannot hide behind a
/// difference in the number of documents.
/// Past the file's first line, a chunk's `---` line ended the document before and is not
/// part of the next one (kubectl's reader keeps a separator only while nothing is buffered):
/// both sides get the chunk without it.
fn chunks(text: &str) -> Vec<&str> {
    let base = bom(text);
    split_documents(text, base)
        .into_iter()
        .filter_map(|r| {
            let chunk = text.get(r.clone())?;
            let first_line = chunk.split_inclusive('\n').next().unwrap_or("");
            let valid_separator = first_line.starts_with("---")
                && first_line[3..]
                    .trim()
                    .chars()
                    .next()
                    .is_none_or(|c| c == '#');
            if r.start > base && valid_separator {
                chunk.get(first_line.len()..)
            } else {
                Some(chunk)
            }
        })
        .collect()
}

/// What the oracle is given for one chunk: a chunk that starts with `{` would be JSON for
/// kubectl on its own, so it gets a comment line first (as in the stream, where it is not the
/// first line). A leading BOM stays first: go-yaml's reader drops it only at a stream's start.
fn oracle_chunk(chunk: &str) -> String {
    if chunk.trim_start().starts_with('{') {
        format!("#\n{chunk}")
    } else {
        chunk.to_string()
    }
}

/// The oracle's reading: `None` for a JSON stream (kubectl's JSON path, not compared here).
type Theirs = Option<Vec<Doc>>;

fn theirs_from(lines: Vec<String>) -> Theirs {
    let mut docs = Vec::new();
    for line in lines {
        let (tag, rest) = line.split_once('\t').unwrap_or((line.as_str(), ""));
        match tag {
            "JSON" => return None,
            "ERR" => docs.push(Doc::Rejected(unquote(rest), None)),
            "DOC" => {
                let json = unquote(rest);
                if json == "null" {
                    continue;
                }
                // The JSON goes through the same model: only the reading of YAML differs.
                let parsed = parse_stream(&json, 0, &ParseLimits::default());
                let values = match parsed.first() {
                    Some(Ok(doc)) => project(doc),
                    other => panic!("the oracle's JSON does not parse: {json:?}: {other:?}"),
                };
                docs.push(Doc::Accepted(values));
            }
            _ => panic!("unexpected oracle line: {line:?}"),
        }
    }
    Some(docs)
}

/// Go's `strconv.Quote` output back to text, escape by escape (a text replacement would read
/// the `\\x` of an escaped backslash followed by `x` as a `\x` escape). `\xHH` is only ever
/// an ASCII control here (the oracles quote valid UTF-8), so it is U+00HH.
pub(crate) fn unquote(quoted: &str) -> String {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(quoted);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let hex = |chars: &mut std::str::Chars<'_>, n: usize| {
            let digits: String = chars.take(n).collect();
            u32::from_str_radix(&digits, 16)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{FFFD}')
        };
        let decoded = match chars.next() {
            Some('a') => '\u{7}',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('v') => '\u{b}',
            Some('x') => hex(&mut chars, 2),
            Some('u') => hex(&mut chars, 4),
            Some('U') => hex(&mut chars, 8),
            Some(other) => other,
            None => break,
        };
        out.push(decoded);
    }
    out
}

fn run_oracle(oracle: &std::ffi::OsStr, inputs: &[&str]) -> Vec<Theirs> {
    oracle_lines(oracle, inputs)
        .into_iter()
        .map(theirs_from)
        .collect()
}

/// The oracle's answer for each input: its lines (`DOC\t…`, `ERR\t…`, `JSON`) before `END`.
pub(crate) fn oracle_lines(oracle: &std::ffi::OsStr, inputs: &[&str]) -> Vec<Vec<String>> {
    let mut child = Command::new(oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the Go oracle (PULLCHECK_YAML_ORACLE)");
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let payload: String = inputs
        .iter()
        .map(|i| i.bytes().map(|b| format!("{b:02x}")).collect::<String>() + "\n")
        .collect();
    // Write from another thread so a full stdout pipe cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(payload.as_bytes()));
    let stdout = child.stdout.take().expect("oracle stdout");
    let mut results = Vec::new();
    let mut current = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("oracle output is UTF-8");
        if line == "END" {
            results.push(std::mem::take(&mut current));
        } else {
            current.push(line);
        }
    }
    writer
        .join()
        .expect("writer thread")
        .expect("write to oracle");
    assert!(child.wait().expect("oracle exit").success());
    assert_eq!(results.len(), inputs.len(), "one oracle answer per input");
    results
}

// ---------------------------------------------------------------------------------------------
// Comparing

pub(crate) fn compare(ours: &[Doc], theirs: &[Doc]) -> Option<(Kind, String)> {
    let detail = || format!("pullcheck: {ours:?}\n    kubectl:   {theirs:?}");
    let rejected = |docs: &[Doc]| docs.iter().any(|d| matches!(d, Doc::Rejected(..)));
    if rejected(ours) && !rejected(theirs) {
        return Some((Kind::PullcheckRejects, detail()));
    }
    if ours.len() != theirs.len() {
        let kind = if rejected(theirs) && !rejected(ours) {
            Kind::KubectlRejects
        } else {
            Kind::Split
        };
        return Some((kind, detail()));
    }
    let mut worst: Option<Kind> = None;
    for (a, b) in ours.iter().zip(theirs) {
        let kind = match (a, b) {
            (Doc::Rejected(..), Doc::Accepted(_)) => Kind::PullcheckRejects,
            (Doc::Accepted(_), Doc::Rejected(..)) => Kind::KubectlRejects,
            // pullcheck quotes kubectl's error only where it is exactly kubectl's.
            (Doc::Rejected(_, Some(said)), Doc::Rejected(theirs, _))
                if said
                    .strip_prefix("error converting YAML to JSON: ")
                    .unwrap_or(said)
                    != theirs =>
            {
                Kind::WrongKubectlText
            }
            (Doc::Accepted(x), Doc::Accepted(y)) if x != y => Kind::Values,
            _ => continue,
        };
        worst = Some(worst.map_or(kind, |w| w.min(kind)));
    }
    worst.map(|k| (k, detail()))
}

/// The verdict of both differential tests (YAML and JSON): refusing what kubectl accepts, or
/// quoting an error kubectl does not print, is never allowed; any other difference must be
/// listed in src/syntax/DIFFERENCES.md, and a listed one that is gone must be removed.
/// `ran(set)` tells which input sets this run compared (a set may be skipped).
pub(crate) fn differences_not_allowed(
    found: &BTreeMap<String, (Kind, String)>,
    known: &BTreeMap<String, String>,
    ran: impl Fn(&str) -> bool,
    unit: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, (kind, detail)) in found {
        if *kind == Kind::PullcheckRejects {
            problems.push(format!(
                "{name}: pullcheck rejects a {unit} kubectl accepts (never allowed)\n    {detail}"
            ));
        } else if *kind == Kind::WrongKubectlText {
            problems.push(format!(
                "{name}: pullcheck quotes a kubectl error that kubectl does not print\n    {detail}"
            ));
        } else if known.get(name).map(String::as_str) != Some(kind.name()) {
            problems.push(format!(
                "{name}: `{}`, not listed so in src/syntax/DIFFERENCES.md\n    {detail}",
                kind.name()
            ));
        }
    }
    for name in known.keys() {
        let set = name.split('/').next().unwrap_or("");
        if ran(set) && !found.contains_key(name) {
            problems.push(format!(
                "{name}: listed in src/syntax/DIFFERENCES.md but pullcheck and kubectl agree now: remove it"
            ));
        }
    }
    problems
}

/// The table of `src/syntax/DIFFERENCES.md`: `| set/name | kind | reason |` rows.
pub(crate) fn known_differences() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(common::repo().join("src/syntax/DIFFERENCES.md"))
        .expect("src/syntax/DIFFERENCES.md");
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let input = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let kind = cells.get(2)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((input.to_string(), kind.to_string()))
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    inputs: usize,
    compared: usize,
    agree: usize,
    documents: usize,
    by_kind: BTreeMap<&'static str, usize>,
}

#[test]
fn pullcheck_reads_yaml_as_kubectl_does() {
    let Some(oracle) = std::env::var_os("PULLCHECK_YAML_ORACLE") else {
        // scripts/test.sh (and so CI) builds the oracle: there a missing one is a failure.
        assert!(
            std::env::var_os("PULLCHECK_REQUIRE_CLIENTS").is_none(),
            "PULLCHECK_YAML_ORACLE is not set but PULLCHECK_REQUIRE_CLIENTS is: scripts/build-yaml-oracle.sh failed"
        );
        let _ = writeln!(
            std::io::stderr(),
            "skipping: set PULLCHECK_YAML_ORACLE (see scripts/build-yaml-oracle.sh)"
        );
        return;
    };
    let report_only = std::env::var_os("PULLCHECK_YAML_DIFF_REPORT").is_some();
    let mut messages = Vec::new();
    let mut inputs = shared_inputs(&mut messages);
    inputs.extend(fuzz_inputs());
    inputs.extend(mutation_inputs());
    for m in &messages {
        let _ = writeln!(std::io::stderr(), "{m}");
    }
    let texts: Vec<&str> = inputs.iter().map(|i| i.text.as_str()).collect();
    let verdicts = run_oracle(&oracle, &texts);
    let input_chunks: Vec<Vec<&str>> = inputs.iter().map(|i| chunks(&i.text)).collect();
    let chunk_texts: Vec<String> = input_chunks
        .iter()
        .flatten()
        .map(|c| oracle_chunk(c))
        .collect();
    let chunk_texts: Vec<&str> = chunk_texts.iter().map(String::as_str).collect();
    let mut chunk_verdicts = run_oracle(&oracle, &chunk_texts).into_iter();
    let known = known_differences();

    let mut tallies: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let mut found: BTreeMap<String, (Kind, String)> = BTreeMap::new();
    for ((input, theirs), chunks) in inputs.iter().zip(verdicts).zip(&input_chunks) {
        let chunk_verdicts: Vec<Theirs> = chunk_verdicts.by_ref().take(chunks.len()).collect();
        let tally = tallies.entry(input.set).or_default();
        tally.inputs += 1;
        let (Some(ours), Some(theirs)) = (ours(&input.text), theirs) else {
            continue;
        };
        tally.compared += 1;
        tally.documents += theirs.len();
        // A chunk pullcheck rejects while kubectl accepts all of it outranks whatever the whole
        // stream shows (a different document count would hide it).
        let rejected_chunk = chunks.iter().zip(chunk_verdicts).find_map(|(chunk, theirs)| {
            let ours = docs(parse_yaml_stream(chunk, 0, &ParseLimits::default()));
            let theirs = theirs?;
            let rejected = |docs: &[Doc]| docs.iter().any(|d| matches!(d, Doc::Rejected(..)));
            (rejected(&ours) && !rejected(&theirs)).then(|| {
                (
                    Kind::PullcheckRejects,
                    format!("in the chunk {chunk:?}:\n    pullcheck: {ours:?}\n    kubectl:   {theirs:?}"),
                )
            })
        });
        match rejected_chunk.or_else(|| compare(&ours, &theirs)) {
            None => tally.agree += 1,
            Some((kind, detail)) => {
                *tally.by_kind.entry(kind.name()).or_default() += 1;
                if let Some(dir) = std::env::var_os("PULLCHECK_YAML_DIFF_DUMP") {
                    let file = Path::new(&dir)
                        .join(format!("{}-{}", input.set, input.name).replace('/', "_"));
                    let _ = std::fs::write(file, &input.text);
                }
                found.insert(format!("{}/{}", input.set, input.name), (kind, detail));
            }
        }
    }

    let mut summary = String::new();
    for (set, t) in &tallies {
        summary += &format!(
            "{set}: {} inputs, {} compared ({} kubectl documents), {} agree ({:.1} %), differences {:?}\n",
            t.inputs,
            t.compared,
            t.documents,
            t.agree,
            100.0 * t.agree as f64 / t.compared.max(1) as f64,
            t.by_kind
        );
    }
    let _ = writeln!(std::io::stderr(), "{summary}");
    if report_only {
        for (name, (kind, detail)) in &found {
            let _ = writeln!(std::io::stderr(), "{name}\t{}\n    {detail}", kind.name());
        }
        return;
    }

    let problems =
        differences_not_allowed(&found, &known, |set| tallies.contains_key(set), "document");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}\n{summary}",
        problems.len(),
        problems.join("\n")
    );
    // The sets must really be there (a silently empty set would pass).
    for (set, minimum) in [("fuzz", 500), ("mutations", MUTATIONS)] {
        let compared = tallies.get(set).map_or(0, |t| t.compared);
        assert!(
            compared * 10 >= minimum * 9,
            "{set}: only {compared} inputs compared"
        );
    }
}
