//! Arbitrary bytes through the JSON reader as the engine reaches it: `source::decode` (which
//! keeps invalid UTF-8 of a JSON stream as U+FFFD), kubectl's sniff, then `parse_json_stream`.
//! Nothing may panic or recurse (10000 levels deep is read), and the tree must hold together:
//! every span on char boundaries inside the text, a map spans `{…}`, a sequence `[…]`, a string
//! `"…"`, documents in order, and a repeated key reads as its last value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pullcheck::syntax::{Cursor, ParseLimits, ScalarStyle, is_json, parse_json_stream};

fuzz_target!(|data: &[u8]| {
    // Mostly JSON: prefix a `{` when the input does not start with one, so the sniff passes.
    let mut bytes = data.to_vec();
    if !pullcheck::source::has_json_prefix(&bytes) {
        bytes.insert(0, b'{');
    }
    let Ok(text) = pullcheck::source::decode(bytes) else {
        return;
    };
    if !is_json(&text) {
        return;
    }
    let mut previous_end = 0;
    for doc in parse_json_stream(&text, 0, &ParseLimits::default()) {
        match doc {
            Ok(doc) => {
                assert!(doc.range.start >= previous_end && doc.range.end <= text.len());
                assert!(text.is_char_boundary(doc.range.start));
                assert!(text.is_char_boundary(doc.range.end));
                previous_end = doc.range.end;
                if let Some(root) = doc.root() {
                    check_tree(&text, root);
                }
            }
            Err(e) => {
                assert!(e.offset <= text.len() && text.is_char_boundary(e.offset));
            }
        }
    }
});

/// Walks the tree with an explicit stack (it may be 10000 levels deep).
fn check_tree(text: &str, root: Cursor<'_>) {
    let mut stack = vec![root];
    while let Some(c) = stack.pop() {
        let range = c.value_range();
        let written = text.get(range.clone()).expect("a span on char boundaries");
        if c.is_map() {
            assert!(written.starts_with('{') && written.ends_with('}'), "{written}");
            let entries: Vec<_> = c.entries().collect();
            for (k, v) in &entries {
                let key = k.as_str().expect("a string key");
                let last = entries
                    .iter()
                    .rev()
                    .find(|(k2, _)| k2.as_str() == Some(key))
                    .map(|(_, v2)| v2.value_range());
                assert_eq!(
                    c.get(key).map(|g| g.value_range()),
                    last,
                    "last value wins"
                );
                stack.push(*k);
                stack.push(*v);
            }
        } else if c.is_seq() {
            assert!(written.starts_with('[') && written.ends_with(']'), "{written}");
            stack.extend(c.items());
        } else if let Some((_, style, _)) = c.scalar() {
            if style == ScalarStyle::DoubleQuoted {
                assert!(written.len() >= 2 && written.starts_with('"') && written.ends_with('"'));
            } else {
                assert!(!written.is_empty());
            }
        }
    }
}
