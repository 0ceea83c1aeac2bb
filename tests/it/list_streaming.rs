//! A `List`'s items are read one at a time and dropped (`syntax::parse_stream_items`, used by
//! the engine for cluster dumps): what they yield must be what the whole tree yields. Compared on
//! every YAML/JSON file of `fixtures/` and `../shared/corpus/` with a root `items` sequence, and
//! on hand cases where the engine has to read the file again (an alias across items, a kind
//! that is not a `List`).

use crate::common;
use pullcheck::kubectl::{ListDiagnoser, diagnose_document};
use pullcheck::model::{KindTable, extract_object, extract_objects};
use pullcheck::syntax::{ListEvent, ParseLimits, Streamed, parse_stream, parse_stream_items};

/// Per streamed document (by its start): the facts and diagnoses of its items.
type PerDocument = Vec<(usize, Vec<String>, ListDiagnoser)>;

/// Returns how many `List`s were compared.
fn compare(name: &str, text: &str) -> usize {
    let kinds = KindTable::builtin();
    let limits = ParseLimits::default();
    let mut seen: PerDocument = Vec::new();
    let mut hook = |e: ListEvent<'_>| match e {
        ListEvent::Item { document, item } => {
            if seen.last().is_none_or(|(d, _, _)| *d != document) {
                seen.push((document, Vec::new(), ListDiagnoser::default()));
            }
            if let Some((_, objects, diagnoser)) = seen.last_mut() {
                objects.extend(extract_object(&item, &kinds).map(|o| format!("{o:?}")));
                diagnoser.item(&item);
            }
        }
    };
    let streamed = parse_stream_items(text, 0, &limits, &mut hook);
    let whole = parse_stream(text, 0, &limits);
    assert_eq!(streamed.len(), whole.len(), "{name}: document count");
    let mut compared = 0;
    for (s, w) in streamed.iter().zip(&whole) {
        let (Ok(s), Ok(w)) = (s, w) else {
            assert_eq!(s.is_ok(), w.is_ok(), "{name}");
            continue;
        };
        assert_eq!(w.streamed, Streamed::No);
        let is_list = w
            .root()
            .and_then(|r| r.str_at("kind"))
            .is_some_and(|k| k.ends_with("List"));
        if s.streamed != Streamed::Items || !is_list {
            continue;
        }
        let (objects, diagnoser) = seen
            .iter_mut()
            .position(|(d, _, _)| *d == s.range.start)
            .map(|i| seen.swap_remove(i))
            .map_or_else(Default::default, |(_, o, d)| (o, d));
        let whole_objects: Vec<String> = extract_objects(w, &kinds)
            .iter()
            .map(|o| format!("{o:?}"))
            .collect();
        assert_eq!(objects, whole_objects, "{name}: objects differ");
        assert!(extract_objects(s, &kinds).is_empty(), "{name}: items left");
        let mut diagnoses = diagnose_document(s);
        diagnoses.extend(diagnoser.finish());
        assert_eq!(
            format!("{diagnoses:?}"),
            format!("{:?}", diagnose_document(w)),
            "{name}: diagnoses differ"
        );
        assert_eq!(s.duplicate_keys, w.duplicate_keys, "{name}");
        assert_eq!(s.range, w.range, "{name}");
        compared += 1;
    }
    compared
}

#[test]
fn streamed_lists_yield_what_their_whole_trees_yield() {
    let mut dirs = vec![common::repo().join("fixtures")];
    let corpus = common::repo().join("../shared/corpus");
    if corpus.is_dir() {
        dirs.push(corpus);
    } else {
        eprintln!("skipping ../shared/corpus: not present");
    }
    let mut compared = 0;
    for dir in dirs {
        for path in common::files_under(&dir) {
            let yaml_or_json = path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if yaml_or_json && !pullcheck::kubectl::looks_like_kubectl_output(&text) {
                compared += compare(&path.display().to_string(), &text);
            }
        }
    }
    assert!(compared >= 10, "only {compared} Lists compared");
}

const POD_A: &str = "- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec:\n    containers:\n    - name: c\n      image: &img Nginx:1\n";
const POD_B: &str = "- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec:\n    containers:\n    - name: c\n      image: *img\n";

#[test]
fn an_alias_across_items_is_read_from_the_whole_tree() {
    let list = format!("apiVersion: v1\nitems:\n{POD_A}{POD_B}kind: List\n");
    let report = common::lint_text("list.yaml", &list);
    let mut rules = common::rules_fired(&report);
    rules.sort_unstable();
    // The same list with the image written out in both pods: streamed, no fallback.
    let plain = list.replace("&img ", "").replace("*img", "Nginx:1");
    let mut expected = common::rules_fired(&common::lint_text("plain.yaml", &plain));
    expected.sort_unstable();
    assert!(!expected.is_empty());
    assert_eq!(rules, expected);
    let alias = list.find("*img").unwrap();
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.span.start as usize == alias),
        "the second pod's finding points at the alias"
    );
}

#[test]
fn items_of_a_kind_that_is_not_a_list_are_not_objects() {
    let items = format!("apiVersion: v1\nitems:\n{POD_A}{POD_B}");
    let list = common::lint_text("list.yaml", &format!("{items}kind: PodList\n"));
    let other = common::lint_text("other.yaml", &format!("{items}kind: Bundle\n"));
    assert!(!list.findings.is_empty());
    assert!(
        other.findings.iter().all(|f| f.object.is_none()),
        "{:?}",
        common::rules_fired(&other)
    );
}
