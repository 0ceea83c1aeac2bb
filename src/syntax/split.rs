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
    // separator end a document (an empty one is no document). Only separator lines are looked
    // at (found by searching for `\n---`, not line by line): the lines between two of them
    // are there when the second starts after the first one's line ends.
    let mut has_lines = false;
    // Where the line after the last separator starts.
    let mut after = base;
    let first = body.starts_with("---").then_some(0);
    let rest = body.match_indices("\n---").map(|(i, _)| i + 1);
    for at in first.into_iter().chain(rest) {
        let offset = base + at;
        let line = body.get(at..).unwrap_or("");
        let end = memchr::memchr(b'\n', line.as_bytes()).map_or(line.len(), |i| i + 1);
        let line = line.get(..end).unwrap_or(line);
        if has_lines || offset > after {
            ranges.push(start..offset);
        }
        start = offset;
        // A refused separator is reported, so its chunk is kept even with nothing after it.
        has_lines = separator_content(line).is_some();
        after = offset + line.len();
    }
    ranges.push(start..text.len());
    ranges
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

    /// The line-by-line reading the search for separators replaced.
    fn line_by_line(text: &str, base: usize) -> Vec<Range<usize>> {
        let body = &text[base..];
        if body.trim_start().starts_with(['{', '[']) {
            return std::iter::once(base..text.len()).collect();
        }
        let (mut ranges, mut start, mut has_lines, mut offset) = (Vec::new(), base, false, base);
        for line in body.split_inclusive('\n') {
            if line.starts_with("---") {
                if has_lines {
                    ranges.push(start..offset);
                }
                start = offset;
                has_lines = separator_content(line).is_some();
            } else {
                has_lines = true;
            }
            offset += line.len();
        }
        ranges.push(start..text.len());
        ranges
    }

    #[test]
    fn separators_are_found_as_reading_line_by_line_finds_them() {
        let lines = [
            "---\n",
            "--- |\n",
            "---",
            "a: 1\n",
            "\n",
            "----\n",
            " ---\n",
            "#\n",
            "--- #c\r\n",
        ];
        // Every text of up to four of these lines, with and without a byte order mark.
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| lines.iter().map(move |l| format!("{t}{l}")))
                .collect();
            texts.extend(longer);
        }
        for text in &texts {
            assert_eq!(split_documents(text, 0), line_by_line(text, 0), "{text:?}");
            let bom = format!("\u{feff}{text}");
            assert_eq!(split_documents(&bom, 3), line_by_line(&bom, 3), "{bom:?}");
        }
    }

    #[test]
    fn json_is_one_document() {
        assert_eq!(pieces("{\"a\":\n---\n}").len(), 1);
    }
}
