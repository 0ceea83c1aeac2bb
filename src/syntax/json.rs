//! Input that kubectl decodes as JSON, read as JSON: the same arena tree as the YAML reader
//! builds for it (same nodes, same order, same spans), at JSON speed.
//!
//! apimachinery's `YAMLOrJSONDecoder` (used by `kubectl apply -f`) looks at the first non-space
//! byte: `{` means a stream of JSON values read by Go's `encoding/json`, anything else YAML. So a
//! `kubectl get -o json` dump never goes through the YAML path in kubectl, and need not here.
//! What `encoding/json` does and this reader does too: a repeated key keeps the last value (the
//! tree keeps both pairs, [`super::Cursor`] reads the last, and the repeat is recorded as a
//! [`DuplicateKey`]); `\uD83D\uDE00` surrogate pairs decode to one character and a lone
//! surrogate to U+FFFD; raw control characters inside a string, comments, trailing commas,
//! single quotes and bare words are errors. Nesting is capped where `encoding/json`'s scanner
//! caps it ([`GO_MAX_DEPTH`], not the YAML reader's [`ParseLimits::max_depth`]) and read with an
//! explicit stack, never by recursion.

use super::tree::{
    Cursor, Document, DuplicateKey, ListEvent, Mark, NodeId, NodeKind, ScalarStyle, Streamed,
};
use super::yaml::{ParseLimits, SyntaxError};
use std::collections::HashMap;

/// Whether kubectl would decode `text` as JSON: its first non-whitespace character is `{`.
pub fn is_json(text: &str) -> bool {
    // apimachinery's hasJSONPrefix (pkg/util/yaml/decoder.go): only `{` after Unicode spaces, in
    // the first 4096 bytes; a stream starting with `[` is YAML to kubectl (a flow sequence), so it
    // is YAML here too. The source layer decides the same for bytes that are not UTF-8.
    // (`source::has_json_prefix` for text already known to be UTF-8: no copy of 4096 bytes per
    // file. Spaces filling those bytes leave no `{` to see.)
    let rest = text.trim_start();
    text.len() - rest.len() < 4096 && rest.starts_with('{')
}

/// `encoding/json`'s `maxNestingDepth` (scanner.go): kubectl reads 10000 levels and refuses the
/// next. Nothing walks the tree recursively, so the reader can afford Go's cap, not the YAML one.
pub const GO_MAX_DEPTH: usize = 10_000;

/// Every JSON value of `text[base..]` as a document (a stream, as `json.Decoder` reads it).
/// Stops at the first syntax error, as kubectl does; a value that kubectl's unstructured decoding
/// refuses (a number beyond float64) is an error of its own and the stream goes on, as
/// cli-runtime's `StreamVisitor` goes on. `limits` are the YAML reader's: the depth cap here is
/// Go's.
pub fn parse_json_stream<'t>(
    text: &'t str,
    base: usize,
    limits: &ParseLimits,
) -> Vec<Result<Document<'t>, SyntaxError>> {
    parse_json_stream_with(text, base, limits, None)
}

/// [`parse_json_stream`], handing a root `items` array's elements to `hook` one at a time
/// (see [`super::parse_stream_items`]).
pub(super) fn parse_json_stream_with<'t>(
    text: &'t str,
    base: usize,
    _limits: &ParseLimits,
    hook: super::tree::Hook<'_>,
) -> Vec<Result<Document<'t>, SyntaxError>> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: base,
        max_depth: GO_MAX_DEPTH,
        value_error: None,
        hook,
    };
    let mut out = Vec::new();
    loop {
        reader.skip_whitespace();
        if reader.pos >= reader.bytes.len() {
            return out;
        }
        let start = reader.pos;
        reader.value_error = None;
        match reader.value() {
            Ok(mut doc) => {
                // As the YAML reader's: a document runs to where the next one starts.
                reader.skip_whitespace();
                doc.range.end = reader.pos;
                match reader.value_error.take() {
                    Some((offset, message)) => out.push(Err(SyntaxError {
                        offset,
                        message,
                        document: doc.range,
                        kubectl: None,
                    })),
                    None => out.push(Ok(doc)),
                }
            }
            Err((offset, message)) => {
                out.push(Err(SyntaxError {
                    offset,
                    message,
                    document: start..text.len(),
                    // encoding/json's wording, not checked against kubectl's whole message.
                    kubectl: None,
                }));
                return out;
            }
        }
    }
}

type Error = (usize, String);

/// An open collection: where it starts, and where its children (keys and values in turn for
/// an object) start in the pending list.
/// `items` marks the root's `items` array while its elements go to the hook: the arenas are
/// cut back to the mark after each.
enum Frame {
    Seq {
        start: usize,
        from: usize,
        items: Option<Mark>,
    },
    Map {
        start: usize,
        from: usize,
    },
}

struct Reader<'a, 'h> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_depth: usize,
    /// The first thing in the current value that kubectl reads but cannot decode.
    value_error: Option<Error>,
    hook: super::tree::Hook<'h>,
}

impl<'a> Reader<'a, '_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// JSON whitespace: space, tab, LF, CR (`encoding/json` `isSpace`).
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// `encoding/json`'s wording for an unexpected character (or the end of input).
    fn unexpected(&self, context: &str) -> Error {
        match self.text.get(self.pos..).and_then(|t| t.chars().next()) {
            None => (self.pos, "unexpected end of JSON input".into()),
            Some(c) => (
                self.pos,
                format!("invalid character {} {context}", quote_char(c)),
            ),
        }
    }

    /// One whole JSON value: a document.
    fn value(&mut self) -> Result<Document<'a>, Error> {
        let start = self.pos;
        let start_of_document = start;
        let mut doc = Document::new(self.text);
        let mut stack: Vec<Frame> = Vec::new();
        // Children of the open collections, innermost last; a collection's move into the
        // document's arena when it closes.
        let mut pending: Vec<NodeId> = Vec::new();
        let mut duplicate_keys = Vec::new();
        loop {
            // A value starts here.
            self.skip_whitespace();
            let here = self.pos;
            let mut done = match self.peek() {
                Some(open @ (b'{' | b'[')) => {
                    if stack.len() >= self.max_depth {
                        return Err(self.unexpected("exceeded max depth"));
                    }
                    self.pos += 1;
                    self.skip_whitespace();
                    let map = open == b'{';
                    let close = if map { b'}' } else { b']' };
                    let from = pending.len();
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        Some(doc.push_collection(map, &mut pending, from, here..self.pos, None))
                    } else if map {
                        let key = self.key(&mut doc)?;
                        pending.push(key);
                        stack.push(Frame::Map { start: here, from });
                        None
                    } else {
                        // The root object's `items`: its elements go to the hook.
                        let items = match (self.hook.is_some(), stack.as_slice(), pending.last()) {
                            (true, [Frame::Map { .. }], Some(key))
                                if doc.is_scalar(*key, "items") =>
                            {
                                if doc.streamed == Streamed::No {
                                    doc.streamed = Streamed::Items;
                                    Some(doc.mark())
                                } else {
                                    doc.streamed = Streamed::Unfaithful;
                                    None
                                }
                            }
                            _ => None,
                        };
                        stack.push(Frame::Seq {
                            start: here,
                            from,
                            items,
                        });
                        None
                    }
                }
                Some(b'"') => Some(self.string(&mut doc)?),
                Some(b'-' | b'0'..=b'9') => {
                    self.number()?;
                    let span = here..self.pos;
                    let value = self.text.get(span.clone()).unwrap_or("");
                    // kubectl's unstructured decoding (sigs.k8s.io/json) makes a number an int64
                    // or a float64 and refuses one beyond float64 (1e400) for the whole value.
                    if !value.parse::<f64>().is_ok_and(f64::is_finite) && self.value_error.is_none()
                    {
                        self.value_error = Some((
                            here,
                            format!(
                                "json: cannot unmarshal number {value} into Go value of type float64"
                            ),
                        ));
                    }
                    Some(doc.push_verbatim(span.clone(), ScalarStyle::Plain, span))
                }
                Some(b't' | b'f' | b'n') => {
                    self.literal()?;
                    let span = here..self.pos;
                    Some(doc.push_verbatim(span.clone(), ScalarStyle::Plain, span))
                }
                _ => return Err(self.unexpected("looking for beginning of value")),
            };
            // Attach finished values and close what they finish, until a value is expected.
            while let Some(id) = done.take() {
                match stack.last() {
                    None => {
                        doc.duplicate_keys = duplicate_keys;
                        doc.finish(id, start..self.pos);
                        return Ok(doc);
                    }
                    Some(&Frame::Seq { start, from, items }) => {
                        match (items, self.hook.as_mut()) {
                            (Some(mark), Some(hook)) => {
                                let item = Cursor::new(&doc, id);
                                hook(ListEvent::Item {
                                    document: start_of_document,
                                    item,
                                });
                                doc.truncate(mark);
                            }
                            _ => pending.push(id),
                        }
                        self.skip_whitespace();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                stack.pop();
                                let span = start..self.pos;
                                done = Some(doc.push_collection(
                                    false,
                                    &mut pending,
                                    from,
                                    span,
                                    None,
                                ));
                            }
                            _ => return Err(self.unexpected("after array element")),
                        }
                    }
                    Some(&Frame::Map { start, from }) => {
                        pending.push(id);
                        self.skip_whitespace();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                let k = self.key(&mut doc)?;
                                // A later root `items` (even `[]`, which never streams) is what
                                // the whole tree reads: the streamed items are not.
                                if stack.len() == 1
                                    && doc.streamed == Streamed::Items
                                    && doc.is_scalar(k, "items")
                                {
                                    doc.streamed = Streamed::Unfaithful;
                                }
                                pending.push(k);
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                stack.pop();
                                let pairs = pending.get(from..).unwrap_or(&[]);
                                record_duplicates(&doc, pairs, &mut duplicate_keys);
                                let span = start..self.pos;
                                done =
                                    Some(doc.push_collection(true, &mut pending, from, span, None));
                            }
                            _ => return Err(self.unexpected("after object key:value pair")),
                        }
                    }
                }
            }
        }
    }

    /// An object key and its `:`; the key's node.
    fn key(&mut self, doc: &mut Document<'a>) -> Result<NodeId, Error> {
        self.skip_whitespace();
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("looking for beginning of object key string"));
        }
        let id = self.string(doc)?;
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.unexpected("after object key"));
        }
        self.pos += 1;
        Ok(id)
    }

    /// A string at `"`, decoded as `encoding/json` decodes it; `pos` ends after the closing
    /// quote. Without escapes its value is its bytes in the text (no copy); with them it is
    /// decoded into the document's string arena.
    fn string(&mut self, doc: &mut Document<'a>) -> Result<NodeId, Error> {
        let start = self.pos;
        self.pos += 1;
        let mut decoded: Option<usize> = None;
        loop {
            // Take the run up to the next quote, backslash or control character in one go.
            let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(rest.len());
            let run_text = self.text.get(self.pos..self.pos + run).unwrap_or("");
            if decoded.is_some() {
                doc.strings_mut().push_str(run_text);
            }
            self.pos += run;
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    let span = start..self.pos;
                    return Ok(match decoded {
                        None => doc.push_verbatim(
                            start + 1..self.pos - 1,
                            ScalarStyle::DoubleQuoted,
                            span,
                        ),
                        Some(from) => doc.push_decoded(from, ScalarStyle::DoubleQuoted, span),
                    });
                }
                Some(b'\\') => {
                    if decoded.is_none() {
                        // The first escape: the value so far moves into the arena.
                        let out = doc.strings_mut();
                        decoded = Some(out.len());
                        out.push_str(self.text.get(start + 1..self.pos).unwrap_or(""));
                    }
                    self.pos += 1;
                    self.escape(doc.strings_mut())?;
                }
                _ => return Err(self.unexpected("in string literal")),
            }
        }
    }

    /// After a backslash.
    fn escape(&mut self, out: &mut String) -> Result<(), Error> {
        let simple = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let first = self.hex4()?;
                let c = if (0xD800..0xDC00).contains(&first) {
                    // A high surrogate pairs with a following `\uDC00`..`\uDFFF`; alone it is
                    // U+FFFD, and what follows is read on its own (`encoding/json` unquote).
                    let low = self
                        .bytes
                        .get(self.pos..self.pos + 2)
                        .filter(|b| *b == b"\\u")
                        .and_then(|_| hex4_at(self.bytes, self.pos + 2))
                        .filter(|low| (0xDC00..0xE000).contains(low));
                    match low {
                        Some(low) => {
                            self.pos += 6;
                            char::from_u32(0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00))
                        }
                        None => None,
                    }
                } else {
                    char::from_u32(first)
                };
                out.push(c.unwrap_or('\u{FFFD}'));
                return Ok(());
            }
            _ => return Err(self.unexpected("in string escape code")),
        };
        self.pos += 1;
        out.push(simple);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        for i in 0..4 {
            if !self
                .bytes
                .get(self.pos + i)
                .is_some_and(u8::is_ascii_hexdigit)
            {
                self.pos += i;
                return Err(self.unexpected("in \\u hexadecimal character escape"));
            }
        }
        let value = hex4_at(self.bytes, self.pos).unwrap_or(0xFFFD);
        self.pos += 4;
        Ok(value)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; the text is kept as written.
    fn number(&mut self) -> Result<(), Error> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.unexpected("in numeric literal")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.unexpected("after decimal point in numeric literal"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.unexpected("in exponent of numeric literal"));
            }
            self.digits();
        }
        Ok(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    fn literal(&mut self) -> Result<(), Error> {
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        for word in ["true", "false", "null"] {
            if rest.starts_with(word.as_bytes()) {
                self.pos += word.len();
                return Ok(());
            }
        }
        // Point at the first character that breaks the word, as `encoding/json` does.
        let word: &[u8] = match rest.first() {
            Some(b't') => b"true",
            Some(b'f') => b"false",
            _ => b"null",
        };
        let same = rest.iter().zip(word).take_while(|(a, b)| a == b).count();
        self.pos += same;
        Err(self.unexpected("in literal (expecting a JSON literal)"))
    }
}

fn hex4_at(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = std::str::from_utf8(bytes.get(at..at + 4)?).ok()?;
    u32::from_str_radix(digits, 16).ok()
}

/// Keys written again in one object (`pairs`: keys and values in turn), each against its first
/// occurrence.
fn record_duplicates(doc: &Document<'_>, pairs: &[NodeId], out: &mut Vec<DuplicateKey>) {
    let key = |id: NodeId| match doc.kind(id) {
        Some(NodeKind::Scalar { value, .. }) => Some(value),
        _ => None,
    };
    let range = |id: NodeId| doc.node(id).map_or(0..0, |n| n.range());
    let keys = || pairs.iter().step_by(2).copied();
    if pairs.len() <= 2 * SMALL_OBJECT {
        // Manifests' objects are small: a scan beats hashing. Each key is read once (reading
        // every key again for each key was 4 % of a 25 MB dump's run, issue 24); a key is
        // written again when an earlier key has its text, the first of them its first.
        let mut texts: [Option<&str>; SMALL_OBJECT] = [None; SMALL_OBJECT];
        for (slot, k) in texts.iter_mut().zip(keys()) {
            *slot = key(k);
        }
        for (i, k) in keys().enumerate() {
            let Some(text) = texts.get(i).copied().flatten() else {
                continue;
            };
            let first = texts
                .get(..i)
                .and_then(|before| before.iter().position(|t| *t == Some(text)))
                .and_then(|j| pairs.get(2 * j));
            if let Some(&first) = first {
                out.push(DuplicateKey {
                    key: text.to_string(),
                    first: range(first),
                    again: range(k),
                });
            }
        }
        return;
    }
    let mut seen: HashMap<&str, NodeId> = HashMap::new();
    for k in keys() {
        let Some(text) = key(k) else { continue };
        match seen.get(text) {
            Some(&first) => out.push(DuplicateKey {
                key: text.to_string(),
                first: range(first),
                again: range(k),
            }),
            None => {
                seen.insert(text, k);
            }
        }
    }
}

/// Objects with up to this many keys are checked for duplicates without hashing.
const SMALL_OBJECT: usize = 16;

/// `encoding/json`'s `quoteChar`: `'x'`, with `'\''` and Go escapes for control characters.
fn quote_char(c: char) -> String {
    match c {
        '\'' => r"'\''".into(),
        '"' => "'\"'".into(),
        c if c.is_control() => format!("'{}'", c.escape_default()),
        c => format!("'{c}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Cursor;

    #[test]
    fn is_json_agrees_with_the_source_layers_byte_check() {
        let mut texts = vec![
            String::new(),
            "{}".into(),
            " \n\t{".into(),
            "\u{feff}{}".into(),
            "[1]".into(),
            "\u{3000}{".into(),
        ];
        for spaces in [4092, 4093, 4094, 4095, 4096] {
            texts.push(format!("{}{{}}", " ".repeat(spaces)));
            texts.push(format!("{}\u{3000}{{}}", " ".repeat(spaces)));
        }
        for text in &texts {
            assert_eq!(
                is_json(text),
                crate::source::has_json_prefix(text.as_bytes()),
                "{} bytes",
                text.len()
            );
        }
    }

    fn one(text: &str) -> Document<'_> {
        let mut all = parse_json_stream(text, 0, &ParseLimits::default());
        assert_eq!(all.len(), 1, "{text}");
        all.remove(0).expect("parses")
    }

    fn error(text: &str) -> (usize, String) {
        let all = parse_json_stream(text, 0, &ParseLimits::default());
        let e = all.into_iter().find_map(Result::err).expect("an error");
        (e.offset, e.message)
    }

    fn get<'d>(doc: &'d Document<'d>, path: &[&str]) -> Cursor<'d> {
        doc.root().and_then(|r| r.path(path)).expect("path")
    }

    #[test]
    fn sniffs_as_kubectl_does() {
        assert!(is_json("  \n{\"a\": 1}"));
        assert!(!is_json("[1]"), "a flow sequence: YAML to kubectl");
        assert!(is_json("\u{a0}{}"), "Go's unicode.IsSpace");
        assert!(!is_json("# c\n{\"a\": 1}"));
        assert!(!is_json("a: 1"));
        assert!(!is_json(""));
    }

    #[test]
    fn escapes_and_surrogates_decode_as_encoding_json_does() {
        let text = r#"{"a": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "b": "\ud800x", "c": "\udc00"}"#;
        let d = one(text);
        assert_eq!(get(&d, &["a"]).as_str(), Some("x\"\\/\u{8}\u{c}\n\r\té😀"));
        assert_eq!(get(&d, &["b"]).as_str(), Some("\u{FFFD}x"));
        assert_eq!(get(&d, &["c"]).as_str(), Some("\u{FFFD}"));
    }

    #[test]
    fn spans_are_bytes_of_the_written_value() {
        let text = "{\"é\": \"héllo\", \"n\": -1.5e+3, \"l\": [true, null], \"o\": {}}";
        let d = one(text);
        assert_eq!(&text[get(&d, &["é"]).value_range()], "\"héllo\"");
        assert_eq!(&text[get(&d, &["n"]).value_range()], "-1.5e+3");
        assert_eq!(&text[get(&d, &["l"]).value_range()], "[true, null]");
        assert_eq!(&text[get(&d, &["o"]).value_range()], "{}");
        assert_eq!(d.range, 0..text.len());
        assert_eq!(one(" [1] \n").range, 1..6);
    }

    #[test]
    fn a_repeated_key_keeps_the_last_value_and_is_recorded() {
        let text = r#"{"image": "a", "name": "n", "image": "b"}"#;
        let d = one(text);
        assert_eq!(get(&d, &["image"]).as_str(), Some("b"));
        assert_eq!(d.duplicate_keys.len(), 1);
        assert_eq!(&text[d.duplicate_keys[0].first.clone()], "\"image\"");
        assert_eq!(d.duplicate_keys[0].again.start, 28);
    }

    #[test]
    fn repeated_keys_small_and_large_objects_alike() {
        // Each repeat against the first occurrence, in the order written, whether the object
        // is scanned (up to SMALL_OBJECT keys) or hashed (more).
        for filler in [0, SMALL_OBJECT] {
            let pad: String = (0..filler).map(|i| format!(r#""k{i}": 0, "#)).collect();
            let text = format!(r#"{{{pad}"a": 1, "b": 2, "a": 3, "a": 4, "c": 5, "b": 6}}"#);
            let d = one(&text);
            let got: Vec<(&str, &str, usize)> = d
                .duplicate_keys
                .iter()
                .map(|k| (k.key.as_str(), &text[k.first.clone()], k.again.start))
                .collect();
            let at = |n: usize, key: &str| {
                text.match_indices(&format!("\"{key}\""))
                    .nth(n)
                    .map_or(0, |(i, _)| i)
            };
            assert_eq!(
                got,
                vec![
                    ("a", "\"a\"", at(1, "a")),
                    ("a", "\"a\"", at(2, "a")),
                    ("b", "\"b\"", at(1, "b")),
                ],
                "{text}"
            );
            assert!(
                d.duplicate_keys
                    .iter()
                    .all(|k| k.first.start == at(0, &k.key))
            );
        }
    }

    #[test]
    fn a_stream_of_values_is_a_document_each() {
        let all = parse_json_stream("{\"a\":1}\n{\"b\":2} [3]", 0, &ParseLimits::default());
        assert_eq!(all.len(), 3);
        assert!(all.iter().all(Result::is_ok));
    }

    #[test]
    fn what_encoding_json_refuses_is_an_error_at_its_offset() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "{\"a\": 1,}",
                8,
                "invalid character '}' looking for beginning of object key string",
            ),
            ("{\"a\" 1}", 5, "invalid character '1' after object key"),
            (
                "{\"a\": 1 \"b\"}",
                8,
                "invalid character '\"' after object key:value pair",
            ),
            ("[1 2]", 3, "invalid character '2' after array element"),
            (
                "{'a': 1}",
                1,
                "invalid character '\\'' looking for beginning of object key string",
            ),
            (
                "{\"a\": 01}",
                7,
                "invalid character '1' after object key:value pair",
            ),
            ("{\"a\": -}", 7, "invalid character '}' in numeric literal"),
            (
                "{\"a\": 1.}",
                8,
                "invalid character '}' after decimal point in numeric literal",
            ),
            (
                "{\"a\": 1e}",
                8,
                "invalid character '}' in exponent of numeric literal",
            ),
            (
                "{\"a\": tru}",
                9,
                "invalid character '}' in literal (expecting a JSON literal)",
            ),
            (
                "{\"a\": \"x\ty\"}",
                8,
                "invalid character '\\t' in string literal",
            ),
            (
                "{\"a\": \"\\x\"}",
                8,
                "invalid character 'x' in string escape code",
            ),
            (
                "{\"a\": \"\\u12g4\"}",
                11,
                "invalid character 'g' in \\u hexadecimal character escape",
            ),
            ("{\"a\": [1, 2", 11, "unexpected end of JSON input"),
            ("{\"a\": \"open", 11, "unexpected end of JSON input"),
            (
                "{\"a\": 1} # c",
                9,
                "invalid character '#' looking for beginning of value",
            ),
        ];
        for (text, offset, message) in cases {
            assert_eq!(error(text), (*offset, message.to_string()), "{text}");
        }
    }

    #[test]
    fn numbers_beyond_float64_are_refused_as_kubectl_refuses_them() {
        for big in [
            "1e400",
            "-1e400",
            "1.7976931348623159e308",
            &"9".repeat(400),
        ] {
            let (offset, message) = error(&format!("{{\"replicas\": {big}}}"));
            assert_eq!(offset, 13, "{big}");
            assert_eq!(
                message,
                format!("json: cannot unmarshal number {big} into Go value of type float64")
            );
        }
        // The value alone is refused: the next one is read (and a syntax error still ends it).
        let all = parse_json_stream(
            "{\"a\": [1e400, 2e400]} {\"b\": 1} {\"c\": 1e999, \"d\": ,}",
            0,
            &ParseLimits::default(),
        );
        assert_eq!(all.len(), 3);
        assert!(
            all[0]
                .as_ref()
                .is_err_and(|e| e.offset == 7 && e.document == (0..22))
        );
        assert!(all[1].is_ok());
        assert!(
            all[2]
                .as_ref()
                .is_err_and(|e| e.message.contains("beginning of value"))
        );
        // Underflow is 0 to Go, and an integer past int64 a float64: both read.
        let d = one(r#"{"a": 1e-400, "b": 123456789012345678901234567890, "c": -0}"#);
        assert_eq!(get(&d, &["a"]).as_str(), Some("1e-400"));
        assert_eq!(get(&d, &["c"]).as_str(), Some("-0"));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = "[".repeat(100_000);
        let (offset, message) = error(&text);
        assert_eq!(
            (offset, message.as_str()),
            (GO_MAX_DEPTH, "invalid character '[' exceeded max depth")
        );
    }

    #[test]
    fn nesting_as_deep_as_encoding_json_reads_is_read() {
        // 10000 levels: kubectl reads them (the YAML reader's cap of 1000 is not kubectl's here).
        let deep = format!("{{\"a\": {}1{}}}", "[".repeat(9_999), "]".repeat(9_999));
        assert!(parse_json_stream(&deep, 0, &ParseLimits::default())[0].is_ok());
        let deeper = format!("{{\"a\": {}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(error(&deeper).0, 6 + 9_999);
    }

    #[test]
    fn control_characters_of_yaml_are_fine_in_json_strings() {
        // go-yaml refuses DEL and C1 controls; encoding/json only refuses raw bytes below 0x20.
        let d = one("{\"a\": \"x\u{7f}\u{85}y\"}");
        assert_eq!(get(&d, &["a"]).as_str(), Some("x\u{7f}\u{85}y"));
    }
}
