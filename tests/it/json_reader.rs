//! The JSON reader (`syntax::parse_json_stream`, what kubectl's JSON path reads) against the YAML
//! reader it replaces for JSON input: on every JSON input both accept, the same tree (every node,
//! in the same order, with the same spans), the same document range and the same duplicate
//! keys; and against serde_json for which inputs are JSON at all. Inputs: every `.json` file of
//! `fixtures/`, `../shared/corpus/` (skipped with a message when absent) and
//! kubectl-shaped hand cases. One difference is allowed: a key's span, which saphyr stretches over the
//! blanks before its `:`. Where Go's `encoding/json` differs from serde_json (a lone surrogate
//! escape is U+FFFD, not an error) the unit tests of `src/syntax/json.rs` hold hand cases.

use crate::common;
use pullcheck::syntax::{
    Document, NodeId, ParseLimits, is_json, parse_json_stream, parse_yaml_stream,
};
use std::path::Path;

/// Every node of a document as read through its public API: what it is (value, style,
/// children), its span and its anchor. `trim_keys` drops the blanks saphyr's span of a flow
/// key runs over before its `:` (`"kind" : 1`), where the JSON reader's is the key as written.
fn nodes(text: &str, doc: &Document<'_>, trim_keys: bool) -> Vec<String> {
    (0..doc.len())
        .map(|i| {
            let id = NodeId(i as u32);
            let mut range = doc.node(id).map_or(0..0, |n| n.range());
            if trim_keys {
                let written = text.get(range.clone()).map_or(0, |t| t.trim_end().len());
                range.end = range.start + written;
            }
            format!(
                "{:?} {range:?} anchor={:?}",
                doc.kind(id),
                doc.anchor_at(id)
            )
        })
        .collect()
}

fn shape(docs: &[Result<Document<'_>, pullcheck::syntax::SyntaxError>]) -> Vec<String> {
    docs.iter()
        .map(|d| match d {
            Ok(d) => format!(
                "{} nodes root={:?} range={:?} dups={:?}",
                d.len(),
                d.root,
                d.range,
                d.duplicate_keys
            ),
            Err(e) => format!("error at {}: {}", e.offset, e.message),
        })
        .collect()
}

/// Returns whether the YAML reader accepted `text` (and so the trees were compared).
fn compare(name: &str, text: &str) -> bool {
    let limits = ParseLimits::default();
    let json = parse_json_stream(text, 0, &limits);
    let yaml = parse_yaml_stream(text, 0, &limits);
    let serde_ok = serde_json::Deserializer::from_str(text)
        .into_iter::<serde_json::Value>()
        .all(|v| v.is_ok());
    assert_eq!(
        json.iter().all(Result::is_ok),
        serde_ok,
        "{name}: the JSON reader and serde_json disagree on whether this is JSON: {:?}",
        shape(&json).last()
    );
    if !json.iter().all(Result::is_ok) || !yaml.iter().all(Result::is_ok) {
        return false;
    }
    assert_eq!(json.len(), yaml.len(), "{name}: document count differs");
    for (j, y) in json.iter().flatten().zip(yaml.iter().flatten()) {
        let (j, y) = (nodes(text, j, true), nodes(text, y, true));
        if let Some(i) = j.iter().zip(&y).position(|(a, b)| a != b) {
            panic!(
                "{name}: node {i} differs:\n json: {:?}\n yaml: {:?}",
                j.get(i),
                y.get(i)
            );
        }
        assert_eq!(j.len(), y.len(), "{name}: node count differs");
    }
    assert_eq!(shape(&json), shape(&yaml), "{name}: trees differ");
    true
}

fn json_files(dir: &Path) -> Vec<std::path::PathBuf> {
    common::files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect()
}

#[test]
fn json_reader_builds_the_yaml_readers_tree_on_fixtures_and_corpus() {
    let mut dirs = vec![common::repo().join("fixtures")];
    let corpus = common::repo().join("../shared/corpus");
    if corpus.is_dir() {
        dirs.push(corpus);
    } else {
        eprintln!("skipping ../shared/corpus: not present");
    }
    let (mut seen, mut compared) = (0, 0);
    for dir in dirs {
        for path in json_files(&dir) {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if !is_json(&text) {
                continue;
            }
            seen += 1;
            compared += usize::from(compare(&path.display().to_string(), &text));
        }
    }
    assert!(
        seen > 5 && compared > 5,
        "{seen} JSON inputs, {compared} compared"
    );
}

#[test]
fn json_reader_builds_the_yaml_readers_tree_on_kubectl_shaped_text() {
    let cases = [
        // kubectl -o json layout, escapes, numbers of every shape, empty containers.
        "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n            \"kind\": \"Pod\",\n            \"metadata\": {\"name\": \"w\\u00e9b\", \"labels\": {}},\n            \"spec\": {\"containers\": [{\"image\": \"nginx:1.0\", \"ports\": [{\"containerPort\": 80}], \"args\": []}]},\n            \"status\": {\"x\": [0, -1, 1.5, 2e10, -3.25E-2, true, false, null, \"\"]}\n        }\n    ],\n    \"kind\": \"List\"\n}\n",
        // (`\/` is a JSON escape only: go-yaml, and so the YAML reader, refuses it.)
        "{\"a\":\"é\\n\\t\\\"\\\\\",\"b\":[[],[{}],{\"c\":[1]}]}",
        "[1, \"two\", {\"three\": 3}]",
        "{\"image\": \"a\", \"image\": \"b\"}",
        "  {\"a\": \"x\"}\n\n",
    ];
    for (i, text) in cases.iter().enumerate() {
        assert!(
            compare(&format!("case {i}"), text),
            "case {i}: the YAML reader refused it"
        );
    }
}

#[test]
fn a_json_stream_is_read_as_kubectl_1_31_reads_it_errors_included() {
    use pullcheck::syntax::parse_stream;
    let limits = ParseLimits::default();
    // A trailing comma: YAML flow syntax takes it, kubectl's JSON decoder does not.
    let docs = parse_stream("{\"a\": 1,}", 0, &limits);
    assert!(
        docs.iter().any(|d| d
            .as_ref()
            .is_err_and(|e| e.message.contains("looking for beginning of object key"))),
        "{:?}",
        shape(&docs)
    );
    // Broken for both readers: encoding/json's error (the YAML reader's text would claim a
    // kubectl message kubectl does not print), and the values before it are still read.
    let broken = "{\"kind\": \"Pod\"}\n{\"a\": [1, 2}";
    assert_eq!(
        shape(&parse_stream(broken, 0, &limits)),
        shape(&parse_json_stream(broken, 0, &limits))
    );
    let docs = parse_stream(broken, 0, &limits);
    assert!(docs[0].is_ok() && docs.len() == 2);
    assert!(docs[1].as_ref().is_err_and(|e| e.kubectl.is_none()));
    // Two objects in a row: a JSON stream, two documents, as kubectl reads it.
    let docs = parse_stream("{\"kind\": \"Pod\"}\n{\"kind\": \"Secret\"}\n", 0, &limits);
    assert_eq!(docs.len(), 2);
    assert!(docs.iter().all(Result::is_ok));
    // A BOM first: YAML to kubectl (hasJSONPrefix trims spaces only), so YAML here.
    let docs = parse_stream("\u{feff}{\"a\": 1,}", 3, &limits);
    assert!(docs.iter().all(Result::is_ok), "{:?}", shape(&docs));
}
