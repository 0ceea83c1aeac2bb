//! Text → spanned documents. YAML and JSON share one tree (JSON is YAML 1.2 flow syntax).

mod kube_scalar;
pub mod saphyr;
mod split;
mod tree;
mod yaml;

pub use kube_scalar::is_plain_non_string;
pub use split::split_documents;
pub use tree::{Cursor, Document, Node, NodeId, NodeKind, ScalarStyle, is_null_text};
pub use yaml::{ParseLimits, SyntaxError, parse_document};

/// Parses every document of a file. Each document is parsed on its own, so a syntax error in
/// one does not hide the others. `base` skips a byte-order mark.
pub fn parse_stream(
    text: &str,
    base: usize,
    limits: &ParseLimits,
) -> Vec<Result<Document, SyntaxError>> {
    split_documents(text, base)
        .into_iter()
        .flat_map(|range| {
            let Some(chunk) = text.get(range.clone()) else {
                return Vec::new();
            };
            if is_blank_yaml(chunk) {
                return Vec::new();
            }
            match parse_document(chunk, range.start, limits) {
                Ok(docs) => docs.into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            }
        })
        .collect()
}

/// A chunk with only comments, blank lines, directives and markers holds no document.
fn is_blank_yaml(chunk: &str) -> bool {
    chunk.lines().all(|line| {
        let t = line.trim();
        t.is_empty() || t.starts_with('#') || t.starts_with('%') || t == "---" || t == "..."
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<Document> {
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

    #[test]
    fn crlf_and_bom_keep_byte_offsets() {
        let text = "\u{feff}a: 1\r\nimage: x\r\n";
        let all = parse_stream(text, 3, &ParseLimits::default());
        let d = all[0].as_ref().unwrap();
        let image = d.root().unwrap().get("image").unwrap();
        assert_eq!(&text[image.value_range()], "x");
    }
}
