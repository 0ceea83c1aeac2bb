//! Splitting a YAML stream into documents at `---` lines.
//!
//! YAML forbids `---` followed by a space or a line end at column 0 inside a document, so such a
//! line always starts a new document; parsing each document alone bounds memory and keeps one
//! broken document from hiding the rest.

use std::ops::Range;

/// Byte ranges of the documents in `text[base..]`. A JSON text (first significant byte `{` or
/// `[`) is one document.
pub fn split_documents(text: &str, base: usize) -> Vec<Range<usize>> {
    let body = text.get(base..).unwrap_or("");
    if body.trim_start().starts_with(['{', '[']) {
        return std::iter::once(base..text.len()).collect();
    }
    let mut ranges = Vec::new();
    let mut start = base;
    let mut has_content = false;
    let mut offset = base;
    for line in body.split_inclusive('\n') {
        if is_document_start(line) {
            if has_content {
                ranges.push(start..offset);
                start = offset;
                has_content = false;
            }
            // The marker line may carry content of its own (`--- |`, `--- !tag {}`).
            has_content |= !line.trim_start_matches("---").trim().is_empty()
                && !line.trim_start_matches("---").trim().starts_with('#');
        } else if !is_trivia(line) {
            has_content = true;
        }
        offset += line.len();
    }
    ranges.push(start..text.len());
    ranges
}

fn is_document_start(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// Lines that do not make a document on their own: blanks, comments, directives, `...`.
fn is_trivia(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#') || line.starts_with('%') || t == "..."
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        split_documents(text, 0)
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn splits_at_markers_and_keeps_leading_comments_with_their_document() {
        let text = "# header\n---\na: 1\n---\nb: 2\n";
        assert_eq!(pieces(text), vec!["# header\n---\na: 1\n", "---\nb: 2\n"]);
    }

    #[test]
    fn marker_needs_column_zero_and_a_separator() {
        let text = "a: |\n  ---\n---x: 1\n";
        assert_eq!(pieces(text).len(), 1);
    }

    #[test]
    fn json_is_one_document() {
        assert_eq!(pieces("{\"a\":\n---\n}").len(), 1);
    }
}
