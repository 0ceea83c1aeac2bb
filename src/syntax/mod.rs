//! Text → spanned documents. YAML and JSON share one tree (JSON is YAML 1.2 flow syntax).

mod json;
mod kube_scalar;
pub mod saphyr;
mod split;
mod tree;
mod yaml;

use json::parse_json_stream_with;
pub use json::{is_json, parse_json_stream};
pub use kube_scalar::is_plain_non_string;
pub use split::split_documents;
pub use tree::{
    Cursor, Document, DuplicateKey, ListEvent, Node, NodeId, NodeKind, ScalarStyle, Streamed,
    is_null_text,
};
pub use yaml::{ParseLimits, SyntaxError, kubectl_yaml_error, parse_document};

/// Parses every document of a file, as kubectl reads it: as JSON when it starts with `{`
/// (see [`parse_json_stream`]), else as YAML ([`parse_yaml_stream`]). `base` skips a
/// byte-order mark.
pub fn parse_stream<'t>(
    text: &'t str,
    base: usize,
    limits: &ParseLimits,
) -> Vec<Result<Document<'t>, SyntaxError>> {
    parse_stream_with(text, base, limits, None)
}

/// [`parse_stream`], handing every item of a document's root `items` sequence (a `List`, as
/// `kubectl get -o json|yaml` prints it) to `hook` as soon as it is read, then dropping it: the
/// tree of a cluster dump never holds more than one item. The reader cannot know the document
/// is a `List` (`kind` comes after `items`, keys being sorted), so it streams any root `items`
/// sequence: see [`Document::streamed`] for when the caller must read the input again with
/// [`parse_stream`] instead. Documents that fail hand their items over too; the caller pairs
/// items with documents by [`Document::range`]`.start`.
pub fn parse_stream_items<'t>(
    text: &'t str,
    base: usize,
    limits: &ParseLimits,
    hook: &mut dyn FnMut(ListEvent<'_>),
) -> Vec<Result<Document<'t>, SyntaxError>> {
    parse_stream_with(text, base, limits, Some(hook))
}

fn parse_stream_with<'t>(
    text: &'t str,
    base: usize,
    limits: &ParseLimits,
    hook: tree::Hook<'_>,
) -> Vec<Result<Document<'t>, SyntaxError>> {
    // Sniffed from the first byte, not from `base`: a BOM is no space to kubectl, so a file
    // that starts with one is YAML to it, `{` or not.
    if !is_json(text) {
        return parse_yaml_stream_with(text, base, limits, hook);
    }
    // kubectl 1.31 reads the whole stream with encoding/json: the values before an error are
    // decoded (and linted here), the error is encoding/json's, and what only YAML accepts (a
    // trailing comma, a comment, single quotes) is an error. (kubectl 1.33 and later re-read a
    // stream as YAML when it fails before its second value: src/syntax/DIFFERENCES.md.)
    parse_json_stream_with(text, base, limits, hook)
}

/// Parses every YAML document of a file. Each document is parsed on its own, so a syntax error
/// in one does not hide the others. `base` skips a byte-order mark.
pub fn parse_yaml_stream<'t>(
    text: &'t str,
    base: usize,
    limits: &ParseLimits,
) -> Vec<Result<Document<'t>, SyntaxError>> {
    parse_yaml_stream_with(text, base, limits, None)
}

fn parse_yaml_stream_with<'t>(
    text: &'t str,
    base: usize,
    limits: &ParseLimits,
    mut hook: tree::Hook<'_>,
) -> Vec<Result<Document<'t>, SyntaxError>> {
    split_documents(text, base)
        .into_iter()
        .flat_map(|range| {
            let Some(chunk) = text.get(range.clone()) else {
                return Vec::new();
            };
            let mut out = Vec::new();
            let (chunk, start) = match separator_error(chunk, range.clone()) {
                Some((error, rest)) => {
                    out.push(Err(error));
                    (chunk.get(rest..).unwrap_or(""), range.start + rest)
                }
                // kubectl hands go-yaml the lines after a separator that ended a document, never
                // the separator itself (`---#note` is one for kubectl, a scalar for the YAML
                // spec). The file's first line is the exception: its reader keeps a separator
                // read while nothing is buffered, and go-yaml reads it as YAML.
                None if chunk.starts_with("---") && range.start > base => {
                    let rest = chunk.find('\n').map_or(chunk.len(), |i| i + 1);
                    (chunk.get(rest..).unwrap_or(""), range.start + rest)
                }
                None => (chunk, range.start),
            };
            // A directive alone still makes go-yaml read (and refuse) a document.
            if let Some(error) = version_error(chunk, start) {
                out.push(Err(error));
                return out;
            }
            // A chunk without a document still goes through go-yaml's reader, which refuses a
            // control character even in a comment.
            let parsed = if is_blank_yaml(chunk) {
                Ok(Vec::new())
            } else {
                yaml::parse_document_with(chunk, start, limits, tree::reborrow(&mut hook))
            };
            // go-yaml's reader refuses a control character when it reaches it: a syntax error
            // before it in the document is what kubectl reports instead.
            let control = control_character(chunk).map(|at| start + at);
            match (parsed, control) {
                (Err(e), Some(at)) if e.offset < at => out.push(Err(e)),
                (parsed, Some(at)) => {
                    const CONTROL: &str = "control characters are not allowed";
                    // With a syntax error after it too, go-yaml's reader may or may not have
                    // reached the character first (it decodes ahead): quote kubectl only when
                    // the rest of the document parses.
                    let kubectl = parsed.is_ok().then(|| yaml::kubectl_yaml_error(CONTROL));
                    out.push(Err(SyntaxError {
                        offset: at,
                        message: CONTROL.into(),
                        document: start..start + chunk.len(),
                        kubectl,
                    }));
                }
                (Ok(docs), None) => out.extend(docs.into_iter().map(Ok)),
                (Err(e), None) => out.push(Err(e)),
            }
            out
        })
        .collect()
}

/// A chunk whose `---` line carries content (`--- |`, `--- !tag`, `---x`): kubectl's document
/// reader refuses the line, then reads the lines after it as the next document. Returns the
/// error and where, in the chunk, those lines start. Only comments, blank lines and other
/// separators can come before it in a chunk (`split_documents` starts a chunk at each one
/// otherwise).
fn separator_error(chunk: &str, range: std::ops::Range<usize>) -> Option<(SyntaxError, usize)> {
    let mut offset = 0;
    for line in chunk.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if let Some((at, content)) = split::separator_content(line) {
            let message = format!("invalid Yaml document separator: {content}");
            let error = SyntaxError {
                offset: range.start + start + at,
                kubectl: Some(message.clone()),
                message,
                document: range.start + start..range.start + offset,
            };
            return Some((error, offset));
        }
        if !line.starts_with("---") && !is_blank_yaml(line) {
            return None;
        }
    }
    None
}

/// go-yaml reads YAML 1.1 only: a `%YAML` directive of another version makes the document
/// "incompatible" (parserc.go, `yaml_parser_process_directives`). Directives stand before the
/// document's first content.
fn version_error(chunk: &str, start: usize) -> Option<SyntaxError> {
    let mut offset = 0;
    for (line_number, line) in chunk.split_inclusive('\n').enumerate() {
        let at = offset;
        offset += line.len();
        // Directives after `---` or `...` are not the document's: go-yaml reads `---` as its
        // start, and never reads past a `...`.
        let directive = line.starts_with('%');
        if (!directive && !is_blank_yaml(line))
            || line.starts_with("---")
            || line.starts_with("...")
        {
            return None;
        }
        let Some(version) = line.strip_prefix("%YAML") else {
            continue;
        };
        let version = version.split('#').next().unwrap_or("").trim();
        let well_formed = version.split_once('.').is_some_and(|(major, minor)| {
            [major, minor]
                .iter()
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        if !well_formed || version == "1.1" {
            continue;
        }
        // Where the directive is the document's first line, go-yaml's error is exactly this;
        // after other lines its wording varies (the differential test showed), so it is not
        // quoted.
        let kubectl =
            (line_number == 0).then(|| kubectl_yaml_error("found incompatible YAML document"));
        return Some(SyntaxError {
            offset: start + at,
            message: format!(
                "%YAML {version}: Kubernetes' YAML decoder reads YAML 1.1 only and rejects \
                 the document"
            ),
            document: start..start + chunk.len(),
            kubectl,
        });
    }
    None
}

/// The offset of the first character go-yaml's reader refuses ("control characters are not
/// allowed", `yaml_parser_update_buffer` in readerc.go): anything outside tab, LF, CR,
/// U+0020..U+007E, U+0085, U+00A0..U+D7FF, U+E000..U+FFFD and U+10000 and up.
fn control_character(chunk: &str) -> Option<usize> {
    let bytes = chunk.as_bytes();
    let suspect = |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || *b >= 0x7f;
    // Most manifests are plain ASCII: only look at characters once a byte is suspect. Blocks of
    // 32 bytes are tested without an early exit (which the compiler vectorizes), and only a
    // block holding a suspect byte is searched.
    let blocks = bytes.chunks_exact(32);
    let tail = blocks.remainder();
    let any_suspect = |block: &[u8]| {
        // `suspect` as arithmetic on bytes, with no branch: outside U+0020..U+007E and not a
        // tab or line break.
        let mut any = 0u8;
        for &b in block {
            let outside = u8::from(b.wrapping_sub(0x20) >= 0x5f);
            let white = u8::from((b == b'\t') | (b == b'\n') | (b == b'\r'));
            any |= outside & !white;
        }
        any != 0
    };
    let block = blocks
        .enumerate()
        .find(|(_, block)| any_suspect(block))
        .map(|(i, _)| i * 32);
    let first = match block {
        Some(at) => at + bytes.get(at..)?.iter().position(suspect)?,
        None => bytes.len() - tail.len() + tail.iter().position(suspect)?,
    };
    chunk.get(first..)?.char_indices().find_map(|(i, c)| {
        let allowed = matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}')
            || ('\u{a0}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}';
        (!allowed).then_some(first + i)
    })
}

/// A chunk with only comments, blank lines and `---` holds no document. (Not `...`: before any
/// document, go-yaml refuses it; not a directive: kubectl's reader has cut the `---` that
/// would start its document into the next chunk, so go-yaml refuses it too.)
fn is_blank_yaml(chunk: &str) -> bool {
    // A lone `\r` ends a line for go-yaml too (not for kubectl's document split). Line ends are
    // found with memchr (this runs on every chunk).
    let mut rest = chunk;
    loop {
        let end = memchr::memchr2(b'\n', b'\r', rest.as_bytes()).unwrap_or(rest.len());
        let t = rest.get(..end).unwrap_or("").trim();
        if !(t.is_empty() || t.starts_with('#') || t == "---") {
            return false;
        }
        match rest.get(end + 1..) {
            Some(next) => rest = next,
            None => return true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<Document<'_>> {
        parse_stream(text, 0, &ParseLimits::default())
            .into_iter()
            .map(|d| d.expect("parses"))
            .collect()
    }

    #[test]
    fn scalar_spans_are_bytes_even_after_multibyte_text() {
        let text = "a: \"héllo\"\nimage: nginx:1\n";
        let d = &docs(text)[0];
        let image = d.root().unwrap().get("image").unwrap();
        assert_eq!(&text[image.value_range()], "nginx:1");
        let a = d.root().unwrap().get("a").unwrap();
        assert_eq!(&text[a.value_range()], "\"héllo\"");
    }

    #[test]
    fn alias_reports_the_alias_and_knows_the_anchor() {
        let text = "x: &img nginx\nc:\n  image: *img\n";
        let d = &docs(text)[0];
        let image = d.root().unwrap().path(&["c", "image"]).unwrap();
        assert_eq!(image.as_str(), Some("nginx"));
        assert_eq!(&text[image.report_range()], "*img");
        assert_eq!(&text[image.anchor_offset().unwrap()..][..4], "&img");
    }

    #[test]
    fn merge_keys_are_followed() {
        let text = "base: &b {image: x}\nc:\n  <<: *b\n  name: n\n";
        let d = &docs(text)[0];
        assert_eq!(
            d.root().unwrap().path(&["c", "image"]).unwrap().as_str(),
            Some("x")
        );
    }

    #[test]
    fn the_last_of_a_duplicate_key_wins_and_is_recorded() {
        let text = "image: a\nname: n\nimage: b\n\"1\": x\n1: y\n";
        let d = &docs(text)[0];
        assert_eq!(d.root().unwrap().str_at("image"), Some("b"));
        assert_eq!(d.duplicate_keys.len(), 1, "1 and \"1\" are different keys");
        let dup = &d.duplicate_keys[0];
        assert_eq!((&text[dup.first.clone()], dup.first.start), ("image", 0));
        assert_eq!(&text[dup.again.clone()], "image");
        assert_eq!(dup.key, "image");
    }

    #[test]
    fn a_merge_after_an_explicit_key_overrides_it_as_go_yaml_v2_does() {
        let text =
            "b: &b {image: merged}\nc:\n  image: own\n  <<: *b\nd:\n  <<: *b\n  image: own\n";
        let d = &docs(text)[0];
        let root = d.root().unwrap();
        assert_eq!(root.path(&["c", "image"]).unwrap().as_str(), Some("merged"));
        assert_eq!(root.path(&["d", "image"]).unwrap().as_str(), Some("own"));
        assert!(d.duplicate_keys.is_empty());
    }

    #[test]
    fn kubectl_refusals_are_errors_with_its_own_text_where_exact() {
        let all = parse_stream("a: 1\n--- |\n  x\n", 0, &ParseLimits::default());
        let e = all[1].as_ref().unwrap_err();
        assert_eq!(
            e.kubectl.as_deref(),
            Some("invalid Yaml document separator: |")
        );
        let all = parse_stream("m:\n  <<: [1]\n", 0, &ParseLimits::default());
        let e = all[0].as_ref().unwrap_err();
        assert!(
            e.kubectl
                .as_deref()
                .unwrap()
                .ends_with("map merge requires map or sequence of maps as the value")
        );
        let all = parse_stream("? [a]\n: 1\n", 0, &ParseLimits::default());
        assert!(all[0].as_ref().is_err_and(|e| e.kubectl.is_none()));
    }

    #[test]
    fn go_yaml_leniencies_are_accepted() {
        for text in [
            "a:\n  - \"x \\\n y\"\n  - \"multi\nline less indented\"\n",
            "a: \"v\"#comment\n",
            "a:\tb\n",
            "a: 1\n...\nanything: [\n",
        ] {
            let all = parse_stream(text, 0, &ParseLimits::default());
            assert!(all.iter().all(Result::is_ok), "{text:?}: {all:?}");
        }
    }

    #[test]
    fn a_broken_document_does_not_hide_the_next() {
        let text = "a: [\n---\nb: 1\n";
        let all = parse_stream(text, 0, &ParseLimits::default());
        assert_eq!(all.len(), 2);
        assert!(all[0].is_err());
        assert!(all[1].is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = "[".repeat(100_000);
        let all = parse_stream(&text, 0, &ParseLimits::default());
        assert!(
            all[0]
                .as_ref()
                .is_err_and(|e| e.message.contains("nesting deeper"))
        );
    }

    /// Every item handed to the hook, as (document start, item text), and the documents.
    fn streamed(text: &str) -> (Vec<(usize, String)>, Vec<Document<'_>>) {
        let mut items = Vec::new();
        let mut hook = |e: ListEvent<'_>| match e {
            ListEvent::Item { document, item } => {
                items.push((document, text[item.value_range()].to_string()))
            }
        };
        let docs = parse_stream_items(text, 0, &ParseLimits::default(), &mut hook)
            .into_iter()
            .map(|d| d.expect("parses"))
            .collect();
        (items, docs)
    }

    #[test]
    fn a_lists_items_go_to_the_hook_in_order_and_leave_the_tree() {
        let json = "{\"apiVersion\": \"v1\", \"items\": [{\"kind\": \"Pod\"}, 7, [\"x\"]], \"kind\": \"List\"}";
        let yaml = "a: 1\n---\napiVersion: v1\nitems:\n- kind: Pod\n  x: \"q\\n\"\n- 7\n- [x]\nkind: List\n";
        for (text, written) in [
            (json, ["{\"kind\": \"Pod\"}", "7", "[\"x\"]"]),
            (yaml, ["kind: Pod\n  x: \"q\\n\"\n", "7", "[x]"]),
        ] {
            let (items, docs) = streamed(text);
            let doc = docs.last().unwrap();
            assert_eq!(doc.streamed, Streamed::Items, "{text}");
            let got: Vec<&str> = items.iter().map(|(_, t)| t.as_str()).collect();
            assert_eq!(got, written, "{text}");
            assert!(items.iter().all(|(d, _)| *d == doc.range.start), "{text}");
            let root = doc.root().unwrap();
            assert_eq!(root.get("items").unwrap().items().count(), 0);
            assert_eq!(root.str_at("kind"), Some("List"));
            // The nodes left: the root, three keys, two scalar values, the empty sequence.
            assert_eq!(doc.len(), 7, "{text}");
        }
        // Without a hook the tree is whole.
        let whole = docs(json);
        assert_eq!(whole[0].streamed, Streamed::No);
        assert_eq!(
            whole[0]
                .root()
                .unwrap()
                .get("items")
                .unwrap()
                .items()
                .count(),
            3
        );
    }

    #[test]
    fn streaming_that_the_tree_could_contradict_is_flagged() {
        // An anchor in an item (a later item may alias it), a second `items`.
        for text in [
            "items:\n- &a {image: x}\n- *a\nkind: List\n",
            "items:\n- image: &i x\nkind: List\n",
            "{\"items\": [1], \"items\": [2], \"kind\": \"List\"}",
            "{\"items\": [1], \"items\": [], \"kind\": \"List\"}",
            "items: [1]\nitems: []\nkind: List\n",
        ] {
            let (_, docs) = streamed(text);
            assert_eq!(docs[0].streamed, Streamed::Unfaithful, "{text}");
        }
        // Only the root's `items` streams; an anchor outside the items is fine.
        for (text, streamed_as) in [
            ("spec:\n  items: [1]\n", Streamed::No),
            ("[{\"items\": [1]}]", Streamed::No),
            ("x: &a 1\nitems: [*a]\nkind: List\n", Streamed::Items),
        ] {
            let (_, docs) = streamed(text);
            assert_eq!(docs[0].streamed, streamed_as, "{text}");
        }
        // A value that fails after some items: the items went to the hook, the document is an
        // error (the caller pairs items with documents that parsed).
        let mut handed = 0;
        let mut hook = |_: ListEvent<'_>| handed += 1;
        let text = "{\"items\": [{\"a\": 1}],}";
        let docs = parse_stream_items(text, 0, &ParseLimits::default(), &mut hook);
        assert_eq!(handed, 1);
        assert!(docs.iter().all(Result::is_err));
    }

    #[test]
    fn control_characters_are_found_wherever_they_fall_in_the_blocks() {
        for len in [0, 1, 31, 32, 33, 64, 70] {
            let clean = "a: b\n".repeat(len).chars().take(len).collect::<String>();
            assert_eq!(control_character(&clean), None, "{len}");
            for at in 0..len {
                for bad in ["\u{1}", "\u{7f}", "\u{fffe}"] {
                    let text = format!("{}{bad}{}", &clean[..at], &clean[at..]);
                    assert_eq!(control_character(&text), Some(at), "{text:?}");
                }
                // Allowed beyond ASCII: found suspect, then let go.
                let text = format!("{}é{}", &clean[..at], &clean[at..]);
                assert_eq!(control_character(&text), None, "{text:?}");
            }
        }
    }

    #[test]
    fn blank_chunks_are_told_line_by_line() {
        for (chunk, blank) in [
            ("", true),
            ("\n\r\n", true),
            ("# a\r---\n  # b", true),
            ("\u{3000}\n---", true),
            ("# a\nb: 1", false),
            ("--- x", false),
            ("# a\rb", false),
        ] {
            assert_eq!(is_blank_yaml(chunk), blank, "{chunk:?}");
        }
    }

    #[test]
    fn crlf_and_bom_keep_byte_offsets() {
        let text = "\u{feff}a: 1\r\nimage: x\r\n";
        let all = parse_stream(text, 3, &ParseLimits::default());
        let d = all[0].as_ref().unwrap();
        let image = d.root().unwrap().get("image").unwrap();
        assert_eq!(&text[image.value_range()], "x");
    }
}
