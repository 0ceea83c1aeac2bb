//! One minimal input per place where pullcheck's YAML reader follows libyaml (go-yaml v2, so
//! `kubectl apply`) instead of the YAML 1.2 spec (`src/syntax/saphyr/PULLCHECK-PATCH.md`).
//! Each accepted one also checks that a value after the construct still has the right bytes:
//! diagnostics point at spans. What kubectl does with each input was checked with the oracle
//! of `yaml_differential.rs`.

use pullcheck::syntax::{Document, ParseLimits, SyntaxError, parse_stream};

fn read(text: &str) -> Vec<Result<Document<'_>, SyntaxError>> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    parse_stream(text, bom, &ParseLimits::default())
}

/// The only document of `text`, which must be accepted.
fn accepted(text: &str) -> Document<'_> {
    let mut docs = read(text);
    assert_eq!(docs.len(), 1, "{text:?}: {docs:?}");
    match docs.remove(0) {
        Ok(doc) => doc,
        Err(e) => panic!("{text:?} is refused: {e:?}"),
    }
}

fn refused(text: &str) -> SyntaxError {
    read(text)
        .into_iter()
        .find_map(Result::err)
        .unwrap_or_else(|| panic!("{text:?} is accepted"))
}

/// The value of `key` in the root mapping, and the bytes its span covers.
fn value_and_span<'t>(doc: &Document, text: &'t str, key: &str) -> (String, &'t str) {
    let node = doc.root().and_then(|r| r.get(key)).expect("the key");
    let value = node.as_str().expect("a string").to_string();
    (value, &text[node.value_range()])
}

fn root_str(doc: &Document) -> String {
    doc.root()
        .and_then(|r| r.as_str().map(str::to_string))
        .expect("a scalar root")
}

#[test]
fn a_byte_order_mark_inside_a_document_is_an_ordinary_character() {
    let text = "name: re\u{feff}# c\nimage: nginx:1\n";
    let doc = accepted(text);
    assert_eq!(
        value_and_span(&doc, text, "name"),
        ("re\u{feff}# c".into(), "re\u{feff}# c")
    );
    assert_eq!(
        value_and_span(&doc, text, "image"),
        ("nginx:1".into(), "nginx:1")
    );
    // Even at the start of a line: part of a key, and no comment starts after it.
    let text = "a: 1\n\u{feff}b: 2\n";
    assert_eq!(value_and_span(&accepted(text), text, "\u{feff}b").0, "2");
    refused("a: 1\n\u{feff}# c\nb: 2\n");
    // A document that starts with one (after `---`) reads as if it did not.
    let text = "a: 1\n---\n\u{feff}image: nginx:1\n";
    let docs = read(text);
    let doc = docs[1].as_ref().expect("accepted");
    assert_eq!(
        value_and_span(doc, text, "image"),
        ("nginx:1".into(), "nginx:1")
    );
}

#[test]
fn a_comment_ends_a_plain_scalar_and_go_yaml_reads_no_further_than_the_first_document() {
    let text = "word1  # comment\nword2\n";
    assert_eq!(root_str(&accepted(text)), "word1");
}

#[test]
fn a_dash_before_a_flow_indicator_is_a_plain_scalar() {
    let text = "args: [-, -]\nimage: nginx:1\n";
    let doc = accepted(text);
    let args: Vec<_> = doc.root().unwrap().get("args").unwrap().items().collect();
    assert_eq!(args.len(), 2);
    assert_eq!(args[0].as_str(), Some("-"));
    assert_eq!(
        value_and_span(&doc, text, "image"),
        ("nginx:1".into(), "nginx:1")
    );
}

#[test]
fn a_tag_ends_only_at_white_space() {
    let text = "a: !foo, bar\nimage: nginx:1\n";
    let doc = accepted(text);
    assert_eq!(value_and_span(&doc, text, "a"), ("bar".into(), "!foo, bar"));
    assert_eq!(
        value_and_span(&doc, text, "image"),
        ("nginx:1".into(), "nginx:1")
    );
    // A flow indicator is part of the tag, so the sequence is not closed.
    refused("a: [!foo]\n");
}

#[test]
fn content_after_a_closing_quote_is_the_next_token() {
    assert_eq!(root_str(&accepted("\"a\" b\n")), "a");
    // Where that token does not fit, the parser refuses it as go-yaml does.
    refused("image: \"nginx\" 1\nname: x\n");
}

#[test]
fn a_block_scalar_line_indented_less_than_blank_lines_before_it_ends_the_scalar() {
    let text = "data: >\n \n   \n # comment\nimage: nginx:1\n";
    let doc = accepted(text);
    assert_eq!(value_and_span(&doc, text, "data").0, "");
    assert_eq!(
        value_and_span(&doc, text, "image"),
        ("nginx:1".into(), "nginx:1")
    );
}

#[test]
fn a_tab_in_a_block_scalars_indentation_is_refused() {
    let err = refused("data: |\n\tx\nimage: nginx:1\n");
    assert_eq!(
        err.message,
        "found a tab character where an indentation space is expected"
    );
}

#[test]
fn content_after_a_document_end_marker_is_never_read() {
    let text = "image: nginx:1\n... invalid\n";
    let doc = accepted(text);
    assert_eq!(
        value_and_span(&doc, text, "image"),
        ("nginx:1".into(), "nginx:1")
    );
    assert_eq!(accepted("[a, b]]\n").root().unwrap().items().count(), 2);
}

#[test]
fn a_document_end_marker_before_any_document_is_refused() {
    let err = refused("# empty\n...\n");
    assert!(
        err.message.contains("did not find expected node content"),
        "{err:?}"
    );
}

#[test]
fn double_quoted_escapes_are_libyamls() {
    let text = "a: \"it\\'s\"\nimage: nginx:1\n";
    let doc = accepted(text);
    assert_eq!(
        value_and_span(&doc, text, "a"),
        ("it's".into(), "\"it\\'s\"")
    );
    assert_eq!(
        value_and_span(&doc, text, "image"),
        ("nginx:1".into(), "nginx:1")
    );
    refused("a: \"\\/\"\n");
}

#[test]
fn the_files_first_separator_line_is_yaml_for_go_yaml() {
    // Its reader keeps a `---` read while nothing is buffered: a directive after it is content
    // (a null document), and `---#note` is a scalar.
    assert!(read("---\n%YAML 1.2\n").iter().all(Result::is_ok));
    let text = "---#note\n";
    assert_eq!(root_str(&accepted(text)), "---#note");
    // After a document, the separator is not handed to go-yaml.
    let docs = read("a: 1\n---\n%YAML 1.2\n");
    assert!(docs[1].is_err(), "{docs:?}");
}

// What kubectl refuses and pullcheck now refuses too (`parse-error` before deploy time).

#[test]
fn a_key_in_a_flow_mapping_cannot_span_lines() {
    refused("a: { \"image\"\n  : nginx }\n");
    refused("a: { image\n  : nginx }\n");
    let text = "a: { image: nginx,\n  name: web }\n";
    let doc = accepted(text);
    let name = doc.root().unwrap().get("a").unwrap().get("name").unwrap();
    assert_eq!(&text[name.value_range()], "web");
}

#[test]
fn a_directive_before_the_files_first_separator_is_refused() {
    // kubectl's reader cuts the file at `---` before go-yaml sees it, so the directive's
    // document has no `---`: "did not find expected <document start>".
    let docs = read("%YAML 1.1\n---\nimage: nginx:1\n");
    assert!(docs[0].is_err(), "{docs:?}");
    assert!(docs[1].is_ok(), "{docs:?}");
    let err = refused("%FOO bar\n---\na: 1\n");
    assert!(err.message.contains("unknown directive name"), "{err:?}");
    refused("%YAML 1.1 extra\n---\na: 1\n");
}

#[test]
fn anchor_names_are_letters_digits_underscores_and_dashes() {
    let text = "base: &web-labels_1 {app: web}\nlabels: *web-labels_1\nimage: nginx:1\n";
    let doc = accepted(text);
    assert_eq!(
        value_and_span(&doc, text, "image"),
        ("nginx:1".into(), "nginx:1")
    );
    refused("base: &web.labels {app: web}\n");
    refused("base: &wéb {app: web}\n");
    refused("a: &x: 1\n");
}

#[test]
fn in_a_flow_question_marks_and_colons_are_indicators_as_in_libyaml() {
    // `?` ends a plain scalar in a flow (and starts a key); `:` ends one only before white
    // space, and always starts a value.
    refused("a: [x?y, z]\n");
    refused("a: [x, :y]\n");
    let text = "a: [x:, http://h/p]\nimage: nginx:1\n";
    let doc = accepted(text);
    let items: Vec<_> = doc.root().unwrap().get("a").unwrap().items().collect();
    assert_eq!(items[0].as_str(), Some("x:"));
    assert_eq!(&text[items[1].value_range()], "http://h/p");
    assert_eq!(
        value_and_span(&doc, text, "image"),
        ("nginx:1".into(), "nginx:1")
    );
    let text = "a: {\"k\":v}\n";
    let doc = accepted(text);
    let v = doc.root().unwrap().get("a").unwrap().get("k").unwrap();
    assert_eq!(&text[v.value_range()], "v");
}

#[test]
fn a_control_character_in_a_comment_only_document_is_refused() {
    let err = refused("a: 1\n---\n# \u{1}\n");
    assert_eq!(err.message, "control characters are not allowed");
}

#[test]
fn tabs_where_libyaml_reads_indentation_are_refused() {
    // After `-` a simple key may start: a tab there cannot start a token.
    let err = refused("args:\n- -\tx\n");
    assert_eq!(err.message, "found character that cannot start any token");
    refused("args:\n-\tx\n");
    // On the otherwise empty line after a plain scalar.
    let err = refused("a: 1\n\t\nb: 2\n");
    assert_eq!(
        err.message,
        "found a tab character that violates indentation"
    );
    // After a key's `:` a tab separates, as a space does.
    let text = "image:\tnginx:1\n";
    assert_eq!(
        value_and_span(&accepted(text), text, "image"),
        ("nginx:1".into(), "nginx:1")
    );
}
