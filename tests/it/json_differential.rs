//! Differential test of the JSON reader (`src/syntax/json.rs`) against kubectl's own reading of
//! a stream that starts with `{`: encoding/json's value stream, then sigs.k8s.io/json's
//! unstructured decoding (the Go oracle `tests/oracle/jsonoracle.go`, whose header cites the
//! kubectl 1.31 source it reproduces).
//!
//! ```sh
//! PULLCHECK_JSON_ORACLE=$(scripts/build-json-oracle.sh) cargo test --test it json_differential -- --nocapture
//! ```
//!
//! pullcheck reads the bytes as the engine does (`source::decode`, then `syntax::parse_stream`)
//! and must agree with kubectl on how the stream splits into values, which are rejected, and
//! the values the rules read (the comparison of `yaml_differential`, which also says which value
//! of a duplicate key wins). Inputs: every `.json` file of `fixtures/`, `../shared/corpus/`
//! (skipped with a message when absent), every fuzz corpus input that kubectl reads as JSON, and
//! generated mutations of kubectl-style JSON manifests. A difference must be listed in the JSON
//! section of `src/syntax/DIFFERENCES.md` with its reason, and pullcheck never rejects a stream
//! kubectl accepts. `PULLCHECK_JSON_DIFF_REPORT=1` prints the figures and every difference
//! without failing.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pullcheck::syntax::{ParseLimits, parse_json_stream, parse_stream};

use crate::common;
use crate::common::Rng;
use crate::yaml_differential::{
    Doc, Kind, compare, differences_not_allowed, is_null_document, known_differences, project,
    unquote,
};

struct Input {
    set: &'static str,
    name: String,
    bytes: Vec<u8>,
}

// ---------------------------------------------------------------------------------------------
// The inputs

fn json_files(set: &'static str, root: &Path) -> Vec<Input> {
    common::files_under(root)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
            Some(Input { set, name, bytes })
        })
        .collect()
}

/// Fuzz corpus inputs of every target that kubectl would read as JSON (first non-space `{`).
fn fuzz_inputs() -> Vec<Input> {
    let root = common::repo().join("fuzz/corpus");
    common::files_under(&root)
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let first = String::from_utf8_lossy(bytes.get(..4096).unwrap_or(&bytes))
                .trim_start()
                .starts_with('{');
            let name = p.strip_prefix(&root).unwrap_or(&p).display().to_string();
            first.then_some(Input {
                set: "json-fuzz",
                name,
                bytes,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The mutation generator: kubectl-style JSON with what encoding/json and a hand-written reader
// could disagree on.

const BASES: &[&str] = &[
    r#"{
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "namespace": "shop",
        "labels": {
            "app": "web"
        }
    },
    "spec": {
        "replicas": 2,
        "template": {
            "spec": {
                "serviceAccountName": "web",
                "imagePullSecrets": [
                    {
                        "name": "regcred"
                    }
                ],
                "initContainers": [
                    {
                        "name": "init",
                        "image": "busybox:1.36"
                    }
                ],
                "containers": [
                    {
                        "name": "web",
                        "image": "registry.example.com/shop/web:1.2.3",
                        "imagePullPolicy": "IfNotPresent",
                        "ports": [
                            {
                                "containerPort": 8080
                            }
                        ]
                    },
                    {
                        "name": "sidecar",
                        "image": "nginx:1.25"
                    }
                ]
            }
        }
    }
}
"#,
    r#"{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "api-7d9f",
                "namespace": "prod"
            },
            "spec": {
                "containers": [
                    {
                        "image": "ghcr.io/acme/api@sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b",
                        "imagePullPolicy": "Always",
                        "name": "api"
                    }
                ],
                "imagePullSecrets": [
                    {
                        "name": "ghcr"
                    }
                ]
            },
            "status": {
                "containerStatuses": [
                    {
                        "image": "ghcr.io/acme/api:2.0",
                        "ready": false,
                        "restartCount": 0,
                        "state": {
                            "waiting": {
                                "message": "Back-off pulling image",
                                "reason": "ImagePullBackOff"
                            }
                        }
                    }
                ]
            }
        },
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": "builder",
                "namespace": "ci"
            },
            "imagePullSecrets": [
                {
                    "name": "quay"
                }
            ]
        }
    ],
    "kind": "List",
    "metadata": {
        "resourceVersion": ""
    }
}
"#,
    r#"{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"report"},"spec":{"schedule":"0 * * * *","jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"report","image":"quay.io/acme/report:2024.1","imagePullPolicy":"Never"}],"restartPolicy":"OnFailure"}}}}}}
{"apiVersion":"v1","kind":"Secret","metadata":{"name":"regcred"},"type":"kubernetes.io/dockerconfigjson","data":{".dockerconfigjson":"eyJhdXRocyI6e319"}}
"#,
    r#"{"kind": "Node", "apiVersion": "v1", "metadata": {"name": "n1"}, "status": {"images": [{"names": ["docker.io/library/nginx@sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b", "docker.io/library/nginx:1.25"], "sizeBytes": 70000000}]}}"#,
];

/// Keys whose string values the rules read: the places an escape or a duplicate matters most.
const KEYS: &[&str] = &[
    "image",
    "name",
    "imagePullPolicy",
    "namespace",
    "kind",
    "serviceAccountName",
    "apiVersion",
    "type",
];

/// Byte ranges of the string values of `"key": "..."` in `text` (no escapes in the bases).
fn string_values(text: &[u8], key: &str) -> Vec<std::ops::Range<usize>> {
    let needle = format!("\"{key}\":");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = find(text, needle.as_bytes(), from) {
        let mut i = at + needle.len();
        while text.get(i) == Some(&b' ') {
            i += 1;
        }
        if text.get(i) == Some(&b'"')
            && let Some(end) = find(text, b"\"", i + 1)
        {
            out.push(i + 1..end);
        }
        from = at + 1;
    }
    out
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn splice(text: &mut Vec<u8>, range: std::ops::Range<usize>, with: &[u8]) {
    if range.end <= text.len() && range.start <= range.end {
        text.splice(range, with.iter().copied());
    }
}

/// A random key's string value, if the text has one.
fn some_value(rng: &mut Rng, text: &[u8]) -> Option<std::ops::Range<usize>> {
    let key = rng.pick(KEYS);
    let values = string_values(text, key);
    (!values.is_empty()).then(|| values[rng.below(values.len())].clone())
}

/// Offsets right after a `{` (where a new member can be written first).
fn object_starts(text: &[u8]) -> Vec<usize> {
    let mut in_string = false;
    let mut escaped = false;
    let mut out = Vec::new();
    for (i, &b) in text.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b'{' {
            out.push(i + 1);
        }
    }
    out
}

const ESCAPES: &[&str] = &[
    r"\u0061",
    r"\u00E9",
    r"\u00e9",
    r"\/",
    r"\ud83d\ude00",
    r"\uD83D\uDE00",
    r"\ud800",
    r"\udc00",
    r"\ud800\u0041",
    r"\ud800\ud800",
    r"\udbff\udfff",
    r"\u0000",
    r"\u001f",
    r"\u2028",
    r"\ufeff",
    r"\t",
    r"\b\f\r\n",
    r#"\""#,
    r"\\",
    r"\x",
    r"\u12",
    r"\uZZZZ",
    "\t",
    "\u{7f}",
    "é",
    "😀",
];

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "1e400",
    "-1e400",
    "1e-400",
    "1E+2",
    "2.5e-3",
    "123456789012345678901234567890",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1.0",
    "1.7976931348623157e308",
    "1.7976931348623159e308",
    "01",
    "1.",
    ".5",
    "-",
    "+1",
    "0x10",
    "NaN",
    "Infinity",
    "-Infinity",
    "1_000",
];

const INVALID_UTF8: &[&[u8]] = &[
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xc0\xaf",
    b"\x80\x80",
];

const WHITESPACE: &[&str] = &[
    " ", "\t", "\r\n", "\n\n", "\r", "\u{a0}", "\u{2028}", "\u{b}", "\u{c}", "\u{85}", "\u{feff}",
];

fn mutate(rng: &mut Rng, base: &str) -> Vec<u8> {
    let mut text = base.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        match rng.below(16) {
            // A key the rules read, written with an escape: the same key to encoding/json (so
            // a repeat of it is a duplicate, and the last one wins).
            0 if rng.chance(40) => {
                let key = rng.pick(KEYS);
                let spelled = format!(
                    "\"{}\\u{:04x}{}\":",
                    &key[..1],
                    key.as_bytes()[1],
                    &key[2..]
                );
                let needle = format!("\"{key}\":");
                let at: Vec<usize> = (0..text.len())
                    .filter(|&i| text[i..].starts_with(needle.as_bytes()))
                    .collect();
                if !at.is_empty() {
                    let i = at[rng.below(at.len())];
                    splice(&mut text, i..i + needle.len(), spelled.as_bytes());
                }
            }
            // Escapes (and a few raw characters) inside a value the rules read.
            0 | 1 => {
                if let Some(v) = some_value(rng, &text) {
                    let at = v.start + rng.below(v.len() + 1);
                    let escape = rng.pick(ESCAPES).as_bytes();
                    splice(&mut text, at..at, escape);
                }
            }
            // Numbers of every shape, as a new first member of some object.
            2 => {
                let starts = object_starts(&text);
                if !starts.is_empty() {
                    let at = starts[rng.below(starts.len())];
                    let member = format!("\"replicas\": {}, ", rng.pick(NUMBERS));
                    splice(&mut text, at..at, member.as_bytes());
                }
            }
            // A key written again, at any depth: right after itself or as the object's first
            // member; sometimes with another case (a different key to kubectl).
            3 | 4 => {
                let key = rng.pick(KEYS);
                let values = string_values(&text, key);
                if !values.is_empty() {
                    let v = values[rng.below(values.len())].clone();
                    let shown = if rng.chance(15) {
                        key.to_uppercase()
                    } else {
                        key.to_string()
                    };
                    let again = format!(", \"{shown}\": \"other-{}\"", rng.below(100));
                    splice(&mut text, v.end + 1..v.end + 1, again.as_bytes());
                }
            }
            5 => {
                let starts = object_starts(&text);
                if !starts.is_empty() {
                    let at = starts[rng.below(starts.len())];
                    let member = rng.pick(&[
                        "\"kind\": \"ConfigMap\", ",
                        "\"metadata\": {\"name\": \"first\"}, ",
                        "\"containers\": [{\"name\": \"c\", \"image\": \"first:1\"}], ",
                        "\"imagePullSecrets\": null, ",
                        "\"image\": 42, ",
                        "\"name\": true, ",
                    ]);
                    splice(&mut text, at..at, member.as_bytes());
                }
            }
            // Trailing commas, comments, single quotes, bare words: YAML flow syntax, not JSON.
            6 => {
                let close: Vec<usize> = text
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| matches!(b, b'}' | b']'))
                    .map(|(i, _)| i)
                    .collect();
                if !close.is_empty() {
                    let at = close[rng.below(close.len())];
                    splice(&mut text, at..at, b",");
                }
            }
            7 => {
                let starts = object_starts(&text);
                if !starts.is_empty() {
                    let at = starts[rng.below(starts.len())];
                    let what = rng.pick(&[
                        "// comment\n",
                        "/* comment */",
                        "# comment\n",
                        "'kind': 'Pod', ",
                        "kind: \"Pod\", ",
                        "\"a\": NaN, ",
                        "\"a\": undefined, ",
                        "\"a\": True, ",
                        "\"a\": nul, ",
                    ]);
                    splice(&mut text, at..at, what.as_bytes());
                }
            }
            // Deep nesting around Go's cap of 10000 and pullcheck's YAML cap of 1000.
            8 => {
                let starts = object_starts(&text);
                if let Some(&at) = starts.first() {
                    let depth = [998, 999, 1000, 1001, 9997, 9998, 9999, 10000][rng.below(8)];
                    let member = format!("\"deep\": {}{}, ", "[".repeat(depth), "]".repeat(depth));
                    splice(&mut text, at..at, member.as_bytes());
                }
            }
            // Several values in one stream, with and without whitespace between them.
            9 | 10 => {
                let sep = rng.pick(&["", "\n", " ", "\r\n", "\t", "\n---\n", "\n\u{a0}", ","]);
                let base = BASES[rng.below(BASES.len())];
                let next = rng.pick(&[
                    "{\"kind\": \"Secret\", \"metadata\": {\"name\": \"s\"}}",
                    "null",
                    "[]",
                    "\"x\"",
                    "1",
                    "{}",
                    "true",
                    base,
                    "kind: Pod\n",
                ]);
                text.extend_from_slice(sep.as_bytes());
                text.extend_from_slice(next.as_bytes());
            }
            // Whitespace: JSON's four, and Unicode spaces JSON does not allow.
            11 => {
                let spaces: Vec<usize> = text
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| matches!(b, b' ' | b'\n'))
                    .map(|(i, _)| i)
                    .collect();
                if !spaces.is_empty() {
                    let at = spaces[rng.below(spaces.len())];
                    let with = rng.pick(WHITESPACE);
                    splice(&mut text, at..at + 1, with.as_bytes());
                }
            }
            12 => {
                let lead = rng.pick(&["\n", "  \t\r\n", "\u{a0}", "\u{2028}", "\u{feff}", "\u{b}"]);
                splice(&mut text, 0..0, lead.as_bytes());
            }
            // A truncated stream (possibly inside a UTF-8 sequence).
            13 => {
                let keep = rng.below(text.len());
                text.truncate(keep);
            }
            // Invalid UTF-8: inside a string value, or between tokens.
            14 => {
                let bad = INVALID_UTF8[rng.below(INVALID_UTF8.len())];
                if rng.chance(70)
                    && let Some(v) = some_value(rng, &text)
                {
                    let at = v.start + rng.below(v.len() + 1);
                    splice(&mut text, at..at, bad);
                } else {
                    let starts = object_starts(&text);
                    if !starts.is_empty() {
                        let at = starts[rng.below(starts.len())];
                        splice(&mut text, at..at, bad);
                    }
                }
            }
            // CRLF line ends throughout, or every indentation in tabs.
            _ => {
                let from: &[u8] = if rng.chance(50) { b"\n" } else { b"    " };
                let to: &[u8] = if from == b"\n" { b"\r\n" } else { b"\t" };
                let mut out = Vec::with_capacity(text.len() + text.len() / 8);
                let mut i = 0;
                while i < text.len() {
                    if text[i..].starts_with(from) {
                        out.extend_from_slice(to);
                        i += from.len();
                    } else {
                        out.push(text[i]);
                        i += 1;
                    }
                }
                text = out;
            }
        }
    }
    if rng.chance(5) {
        splice(&mut text, 0..0, "\u{feff}".as_bytes());
    }
    text
}

const MUTATIONS: usize = 3000;

fn mutation_inputs() -> Vec<Input> {
    let mut rng = Rng(0x5eed_0016);
    (0..MUTATIONS)
        .map(|i| Input {
            set: "json-mutations",
            name: format!("{i}"),
            bytes: mutate(&mut rng, BASES[i % BASES.len()]),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The two sides

/// pullcheck's reading, as the engine does it: the source layer turns bytes into text (or
/// reports `unreadable-input`, a rejection), a leading BOM is skipped, then `parse_stream`.
/// `None` when pullcheck reads the file as kubectl output.
fn ours(bytes: &[u8]) -> Option<Vec<Doc>> {
    let text = match pullcheck::source::decode(bytes.to_vec()) {
        Ok(text) => text,
        Err(problem) => return Some(vec![Doc::Rejected(problem.to_string(), None)]),
    };
    if pullcheck::kubectl::looks_like_kubectl_output(&text) {
        return None;
    }
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let docs = parse_stream(&text, bom, &ParseLimits::default())
        .into_iter()
        .filter_map(|d| match d {
            Ok(doc) if is_null_document(&doc) => None,
            Ok(doc) => Some(Doc::Accepted(project(&doc))),
            Err(e) => Some(Doc::Rejected(e.message, e.kubectl)),
        })
        .collect();
    Some(docs)
}

/// The oracle's reading: `None` for a stream kubectl reads as YAML (`yaml_differential`'s).
fn theirs_from(lines: Vec<String>) -> Option<Vec<Doc>> {
    let mut docs = Vec::new();
    for line in lines {
        let (tag, rest) = line.split_once('\t').unwrap_or((line.as_str(), ""));
        match tag {
            "YAML" => return None,
            "ERR" => docs.push(Doc::Rejected(unquote(rest), None)),
            "DOC" => {
                let json = unquote(rest);
                // The value as kubectl decoded it, through the same model. It is canonical JSON
                // within Go's nesting cap, so the JSON reader reads it whatever pullcheck's caps.
                let parsed = parse_json_stream(&json, 0, &ParseLimits { max_depth: 20_000 });
                match parsed.first() {
                    Some(Ok(doc)) if is_null_document(doc) => {}
                    Some(Ok(doc)) => docs.push(Doc::Accepted(project(doc))),
                    other => panic!(
                        "the oracle's JSON does not parse: {}: {other:?}",
                        clip(&json)
                    ),
                }
            }
            _ => panic!("unexpected oracle line: {line:?}"),
        }
    }
    Some(docs)
}

fn run_oracle(oracle: &std::ffi::OsStr, inputs: &[Input]) -> Vec<Option<Vec<Doc>>> {
    let mut child = Command::new(oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the Go oracle (PULLCHECK_JSON_ORACLE)");
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let payload: String = inputs
        .iter()
        .map(|i| {
            i.bytes
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
                + "\n"
        })
        .collect();
    // Write from another thread so a full stdout pipe cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(payload.as_bytes()));
    let stdout = child.stdout.take().expect("oracle stdout");
    let mut results = Vec::new();
    let mut current = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("oracle output is UTF-8");
        if line == "END" {
            results.push(theirs_from(std::mem::take(&mut current)));
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

/// At most 600 characters of a long text (a deeply nested input makes pages of brackets).
fn clip(text: &str) -> String {
    match text.char_indices().nth(600) {
        Some((at, _)) => format!("{}… ({} bytes)", &text[..at], text.len()),
        None => text.to_string(),
    }
}

#[derive(Default)]
struct Tally {
    inputs: usize,
    compared: usize,
    agree: usize,
    values: usize,
    rejected: usize,
    by_kind: BTreeMap<&'static str, usize>,
}

#[test]
fn pullcheck_reads_json_as_kubectl_does() {
    let Some(oracle) = std::env::var_os("PULLCHECK_JSON_ORACLE") else {
        // scripts/test.sh (and so CI) builds the oracle: there a missing one is a failure.
        assert!(
            std::env::var_os("PULLCHECK_REQUIRE_CLIENTS").is_none(),
            "PULLCHECK_JSON_ORACLE is not set but PULLCHECK_REQUIRE_CLIENTS is: scripts/build-json-oracle.sh failed"
        );
        let _ = writeln!(
            std::io::stderr(),
            "skipping: set PULLCHECK_JSON_ORACLE (see scripts/build-json-oracle.sh)"
        );
        return;
    };
    let report_only = std::env::var_os("PULLCHECK_JSON_DIFF_REPORT").is_some();
    let mut inputs = json_files("json-fixtures", &common::repo().join("fixtures"));
    let corpus: PathBuf = common::repo().join("../shared/corpus");
    if corpus.is_dir() {
        inputs.extend(json_files("json-corpus", &corpus));
    } else {
        let _ = writeln!(
            std::io::stderr(),
            "skipping json-corpus: {} is absent (the ../shared checkout beside the repository)",
            corpus.display()
        );
    }
    inputs.extend(fuzz_inputs());
    inputs.extend(mutation_inputs());
    let verdicts = run_oracle(&oracle, &inputs);
    let known = known_differences();

    let mut tallies: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let mut found: BTreeMap<String, (Kind, String)> = BTreeMap::new();
    for (input, theirs) in inputs.iter().zip(verdicts) {
        let tally = tallies.entry(input.set).or_default();
        tally.inputs += 1;
        let (Some(ours), Some(theirs)) = (ours(&input.bytes), theirs) else {
            continue;
        };
        tally.compared += 1;
        tally.values += theirs.len();
        tally.rejected += usize::from(theirs.iter().any(|d| matches!(d, Doc::Rejected(..))));
        match compare(&ours, &theirs) {
            None => tally.agree += 1,
            Some((kind, detail)) => {
                *tally.by_kind.entry(kind.name()).or_default() += 1;
                if let Some(dir) = std::env::var_os("PULLCHECK_JSON_DIFF_DUMP") {
                    let file = Path::new(&dir)
                        .join(format!("{}-{}", input.set, input.name).replace('/', "_"));
                    let _ = std::fs::write(file, &input.bytes);
                }
                found.insert(
                    format!("{}/{}", input.set, input.name),
                    (kind, clip(&detail)),
                );
            }
        }
    }

    let mut summary = String::new();
    for (set, t) in &tallies {
        summary += &format!(
            "{set}: {} inputs, {} compared ({} kubectl values, {} streams kubectl rejects), {} agree ({:.1} %), differences {:?}\n",
            t.inputs,
            t.compared,
            t.values,
            t.rejected,
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
        differences_not_allowed(&found, &known, |set| tallies.contains_key(set), "stream");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}\n{summary}",
        problems.len(),
        problems.join("\n")
    );
    // The sets must really be there (a silently empty set would pass).
    for (set, minimum) in [("json-fuzz", 20), ("json-mutations", MUTATIONS)] {
        let compared = tallies.get(set).map_or(0, |t| t.compared);
        assert!(
            compared * 10 >= minimum * 9,
            "{set}: only {compared} inputs compared"
        );
    }
}
