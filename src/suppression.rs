//! Suppressions written in the manifests, reviewed like code:
//! - the object annotation `pullcheck.dev/ignore: "rule-a,rule-b"` (the whole object), and
//! - the comment `# pullcheck: ignore[rule-a, rule-b]` on the offending line (trailing) or on
//!   its own line just above it.
//!
//! A suppression that suppresses nothing, or names an unknown rule, is itself reported
//! (`unused-suppression`), so stale ones do not pile up and hide future findings.

use crate::finding::Finding;
use crate::model::ObjectFacts;
use crate::rules::{self, unused_suppression};
use crate::source::{FileId, Span};
use std::collections::HashMap;
use std::ops::Range;

#[derive(Clone, Debug)]
pub struct Suppression {
    pub file: FileId,
    /// Findings whose primary span starts in this byte range are suppressed.
    pub scope: Range<usize>,
    /// Rule names as written, with their spans.
    pub rules: Vec<(String, Range<usize>)>,
}

/// Suppressions of one file: comments anywhere, annotations of its objects.
pub fn collect(file: FileId, text: &str, objects: &[ObjectFacts]) -> Vec<Suppression> {
    let mut out = comments(file, text);
    for object in objects {
        let Some(annotation) = &object.ignore_annotation else {
            continue;
        };
        let mut names = Vec::new();
        let mut at = 0;
        for part in annotation.text.split(',') {
            let lead = part.len() - part.trim_start().len();
            let name = part.trim();
            if !name.is_empty() {
                let start = at + lead;
                let range = annotation.text_range(text, start..start + name.len());
                names.push((name.to_string(), range));
            }
            at += part.len() + 1;
        }
        out.push(Suppression {
            file,
            scope: object.span.clone(),
            rules: names,
        });
    }
    out
}

const MARKER: &str = "pullcheck:";

fn comments(file: FileId, text: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    let mut line_start = 0;
    let mut pending: Vec<Suppression> = Vec::new();
    for line in text.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim_start();
        let own_line = trimmed.starts_with('#');
        if !own_line && !trimmed.is_empty() {
            // The first code line after own-line comments is what they are about.
            for mut s in pending.drain(..) {
                s.scope = start..start + content.len().max(1);
                out.push(s);
            }
        }
        let Some(hash) = comment_start(content) else {
            continue;
        };
        let Some(rules) = parse_ignore(content, hash, start) else {
            continue;
        };
        let s = Suppression {
            file,
            scope: start..start + content.len().max(1),
            rules,
        };
        if own_line {
            pending.push(s);
        } else {
            out.push(s);
        }
    }
    // An own-line comment at the end of the file suppresses nothing: still report it.
    out.extend(pending.into_iter().map(|mut s| {
        s.scope = text.len()..text.len();
        s
    }));
    out
}

/// Where a YAML comment starts: `#` at the line start or after a blank, outside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '#') if prev == ' ' || prev == '\t' => return Some(i),
            (None, '"' | '\'') if matches!(prev, ' ' | ':' | '-' | '[' | '{' | ',') => {
                quote = Some(c);
            }
            (Some(q), _) if c == q => quote = None,
            _ => {}
        }
        prev = c;
    }
    None
}

/// `# pullcheck: ignore[a, b]` → the names with their file ranges.
fn parse_ignore(line: &str, hash: usize, line_start: usize) -> Option<Vec<(String, Range<usize>)>> {
    let after = line.get(hash + 1..)?;
    let body = after.trim_start();
    let rest = body.strip_prefix(MARKER)?.trim_start();
    let inner = rest.strip_prefix("ignore[")?;
    let close = inner.find(']')?;
    let list = inner.get(..close)?;
    // Offset of `list` in the line.
    let list_at = line.len() - inner.len();
    let mut names = Vec::new();
    let mut at = 0;
    for part in list.split(',') {
        let lead = part.len() - part.trim_start().len();
        let name = part.trim();
        if !name.is_empty() {
            let s = line_start + list_at + at + lead;
            names.push((name.to_string(), s..s + name.len()));
        }
        at += part.len() + 1;
    }
    Some(names)
}

/// Drops suppressed findings and reports unused or unknown suppressions. `enabled` says
/// whether a rule ran (a suppression of a rule that did not run is not "unused").
pub fn apply(
    suppressions: &[Suppression],
    findings: &mut Vec<Finding>,
    enabled: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut by_file: HashMap<FileId, Vec<(usize, usize)>> = HashMap::new();
    for (i, s) in suppressions.iter().enumerate() {
        for j in 0..s.rules.len() {
            by_file.entry(s.file).or_default().push((i, j));
        }
    }
    let mut used = vec![Vec::new(); suppressions.len()];
    for (i, s) in suppressions.iter().enumerate() {
        if let Some(u) = used.get_mut(i) {
            *u = vec![false; s.rules.len()];
        }
    }
    findings.retain(|f| {
        let Some(candidates) = by_file.get(&f.span.file) else {
            return true;
        };
        let start = f.span.start as usize;
        let mut keep = true;
        for &(i, j) in candidates {
            let Some(s) = suppressions.get(i) else {
                continue;
            };
            let in_scope =
                s.scope.contains(&start) || (s.scope.is_empty() && s.scope.start == start);
            if in_scope && s.rules.get(j).is_some_and(|(r, _)| r == f.rule) {
                if let Some(u) = used.get_mut(i).and_then(|u| u.get_mut(j)) {
                    *u = true;
                }
                keep = false;
            }
        }
        keep
    });
    let mut report = Vec::new();
    for (i, s) in suppressions.iter().enumerate() {
        for (j, (rule, range)) in s.rules.iter().enumerate() {
            let was_used = used.get(i).and_then(|u| u.get(j)).copied().unwrap_or(false);
            let span = Span::new(s.file, range.clone());
            if rules::find(rule).is_none() {
                let close = rules::closest_name(rule, rules::CATALOG.iter().map(|r| r.name));
                report.push(unused_suppression::unknown(span, rule, close));
            } else if !was_used && enabled(rule) {
                report.push(unused_suppression::unused(span, rule));
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_and_own_line_comments() {
        let text =
            "a: 1 # pullcheck: ignore[latest-tag]\n# pullcheck: ignore[missing-tag, x]\n\nb: 2\n";
        let s = comments(FileId(0), text);
        assert_eq!(s.len(), 2);
        assert_eq!(
            &text[s[0].scope.clone()],
            "a: 1 # pullcheck: ignore[latest-tag]"
        );
        assert_eq!(s[0].rules[0].0, "latest-tag");
        assert_eq!(&text[s[0].rules[0].1.clone()], "latest-tag");
        assert_eq!(&text[s[1].scope.clone()], "b: 2");
        assert_eq!(s[1].rules.len(), 2);
        assert_eq!(&text[s[1].rules[1].1.clone()], "x");
    }

    #[test]
    fn hashes_in_values_are_not_comments() {
        assert_eq!(comment_start("image: \"a # pullcheck: ignore[x]\""), None);
        assert_eq!(comment_start("url: http://x/#frag"), None);
        assert_eq!(comment_start("  # c"), Some(2));
    }
}
