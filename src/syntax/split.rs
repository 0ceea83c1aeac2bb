//! Splitting a YAML stream into documents at `---` lines, as `kubectl` does.
//!
//! kubectl splits a file before any YAML is parsed (apimachinery `pkg/util/yaml/decoder.go`,
//! `YAMLReader.Read`): every line that starts with `---` ends a document, and unless the rest
//! of that line is blank or a `#` comment it is an error ("invalid Yaml document separator").
//! Parsing each document alone also bounds memory and keeps one broken document from hiding
//! the rest.

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
    // Whether kubectl's reader has buffered a line since the last separator: only then does a
    // separator end a document (an empty one is no document).
    let mut has_lines = false;
    let mut offset = base;
    for line in body.split_inclusive('\n') {
        if is_document_start(line) {
            if has_lines {
                ranges.push(start..offset);
            }
            start = offset;
            // A refused separator is reported, so its chunk is kept even with nothing after it.
            has_lines = separator_content(line).is_some();
        } else {
            has_lines = true;
        }
        offset += line.len();
    }
    ranges.push(start..text.len());
    ranges
}

fn is_document_start(line: &str) -> bool {
    line.starts_with("---")
}

/// What follows `---` on a separator line when kubectl refuses it (anything but blanks and a
/// `#` comment), with its offset in the line.
pub fn separator_content(line: &str) -> Option<(usize, &str)> {
    let rest = line.strip_prefix("---")?;
    // Go's strings.TrimSpace: ASCII and Unicode white space.
    let trimmed = rest.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return None;
    }
    let at = 3 + (rest.len() - rest.trim_start().len());
    Some((at, trimmed))
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
    fn splits_at_every_marker_after_a_line_as_kubectl_does() {
        let text = "# header\n---\na: 1\n---\n---\nb: 2\n";
        assert_eq!(
            pieces(text),
            vec!["# header\n", "---\na: 1\n", "---\nb: 2\n"]
        );
        let text = "a: 1\n--- |\n---\nb: 2\n";
        assert_eq!(pieces(text), vec!["a: 1\n", "--- |\n", "---\nb: 2\n"]);
    }

    #[test]
    fn marker_needs_column_zero() {
        let text = "a: |\n  ---\n b\n";
        assert_eq!(pieces(text).len(), 1);
    }

    #[test]
    fn any_line_starting_with_three_dashes_splits_as_kubectl_does() {
        let text = "a: 1\n---x: 1\n";
        assert_eq!(pieces(text), vec!["a: 1\n", "---x: 1\n"]);
        assert_eq!(separator_content("---x: 1\n"), Some((3, "x: 1")));
        assert_eq!(separator_content("--- |\r\n"), Some((4, "|")));
        assert_eq!(separator_content("--- # c\n"), None);
        assert_eq!(separator_content("---\t\r\n"), None);
    }

    #[test]
    fn json_is_one_document() {
        assert_eq!(pieces("{\"a\":\n---\n}").len(), 1);
    }
}
