//! Suppressions written in the manifests, reviewed like code:
//! - the object annotation `pullcheck.dev/ignore: "rule-a,rule-b"` (the whole object), and
//! - the comment `# pullcheck: ignore[rule-a, rule-b]` on the offending line (trailing) or on
//!   its own line just above it.
//!
//! A suppression that suppresses nothing, or names an unknown rule, is itself reported
//! (`unused-suppression`), so stale ones do not pile up and hide future findings.

use crate::finding::{Applicability, Finding, Fix, TracedFix};
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
    /// The bytes that removing the whole suppression deletes (a trailing comment with the
    /// blanks before it, an own-line comment or an annotation with its line), when that leaves
    /// the rest of the file as it was; `None` when it cannot be told (flow style, JSON).
    pub removal: Option<Range<usize>>,
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
        // Names the text does not hold verbatim (escapes) cannot be cut one by one.
        let verbatim = names
            .iter()
            .all(|(n, r)| text.get(r.clone()) == Some(n.as_str()));
        if !verbatim {
            names
                .iter_mut()
                .for_each(|(_, r)| *r = annotation.span.clone());
        }
        out.push(Suppression {
            file,
            scope: object.span.clone(),
            removal: annotation_line(text, annotation).filter(|_| verbatim),
            rules: names,
        });
    }
    out
}

const MARKER: &str = "pullcheck:";

fn comments(file: FileId, text: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    // Only a line holding the marker can yield a suppression; one substring search skips the
    // per-character scan of every line in the (usual) file without any (13 % of a run's
    // instructions before, by callgrind on the benchmark corpus).
    if !text.contains(MARKER) {
        return out;
    }
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
        let code_end = content.get(..hash).map_or(0, |c| c.trim_end().len());
        let removal = if own_line {
            start..start + line.len()
        } else {
            start + code_end..start + content.len()
        };
        let s = Suppression {
            file,
            scope: start..start + content.len().max(1),
            rules,
            removal: Some(removal),
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

/// The line `pullcheck.dev/ignore: …` of a block mapping (with `annotations:` above it when it
/// is the only annotation), for removing it whole; `None` for flow style or JSON, where
/// removing a line would leave a comma or an empty mapping to mend.
fn annotation_line(text: &str, annotation: &crate::model::Scalar) -> Option<Range<usize>> {
    let first = text.trim_start_matches('\u{feff}').trim_start();
    if first.starts_with(['{', '[']) || annotation.via_alias() {
        return None;
    }
    let value = annotation.value_span.clone();
    let start = text.get(..value.start)?.rfind('\n').map_or(0, |i| i + 1);
    let end = text
        .get(value.end..)?
        .find('\n')
        .map_or(text.len(), |i| value.end + i + 1);
    let line = text.get(start..end)?;
    let key = line.trim_start().trim_start_matches(['"', '\'']);
    let after = text.get(value.end..end)?.trim_end();
    if !key.starts_with("pullcheck.dev/ignore") || !(after.is_empty() || after.starts_with(" #")) {
        return None;
    }
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    // `annotations:` just above with nothing else in it goes too (an empty mapping left
    // behind would be null: harmless, but not what the user wrote).
    let above_start = text
        .get(..start.saturating_sub(1))
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let above = text.get(above_start..start).unwrap_or("");
    let next = text
        .get(end..)
        .unwrap_or("")
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let only_one = start > 0
        && above.trim_end().trim_start() == "annotations:"
        && next.is_none_or(|n| indent(n) <= indent(above));
    Some(if only_one {
        above_start..end
    } else {
        start..end
    })
}

/// The fix of an unused name: the whole suppression when every name in it goes, else the
/// name with the comma and blanks that separate it from a neighbour.
fn removal_fix(s: &Suppression, j: usize, all_go: bool) -> Option<Range<usize>> {
    if all_go || s.rules.len() == 1 {
        return s.removal.clone();
    }
    let (_, range) = s.rules.get(j)?;
    if s.rules.iter().filter(|(_, r)| r == range).count() > 1 {
        return None;
    }
    match (
        s.rules.get(j + 1),
        j.checked_sub(1).and_then(|p| s.rules.get(p)),
    ) {
        (Some((_, next)), _) => Some(range.start..next.start),
        (None, Some((_, prev))) => Some(prev.end..range.end),
        (None, None) => None,
    }
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
        let was_used = |j: usize| used.get(i).and_then(|u| u.get(j)).copied().unwrap_or(false);
        // Unused names of rules that ran go; a name of a rule that did not run stays.
        let goes =
            |j: usize, rule: &str| rules::find(rule).is_some() && !was_used(j) && enabled(rule);
        let all_go = s.rules.iter().enumerate().all(|(j, (r, _))| goes(j, r));
        for (j, (rule, range)) in s.rules.iter().enumerate() {
            let span = Span::new(s.file, range.clone());
            let remove = |applicability| {
                removal_fix(s, j, all_go).map(|r| Fix {
                    span: Span::new(s.file, r),
                    replacement: String::new(),
                    applicability,
                    description: "remove the suppression".to_string(),
                    traced: TracedFix::Carry,
                })
            };
            if rules::find(rule).is_none() {
                let close = rules::closest_name(rule, rules::CATALOG.iter().map(|r| r.name));
                // A misspelt name was meant to suppress something: renaming it hides findings,
                // removing it gives up the intent; either is the user's call.
                let fix = match close {
                    Some(c) if text_is(s, range) => Some(Fix {
                        span,
                        replacement: c.to_string(),
                        applicability: Applicability::Unsafe,
                        description: format!("write `{c}`"),
                        traced: TracedFix::Carry,
                    }),
                    Some(_) => None,
                    None => remove(Applicability::Unsafe),
                };
                report.push(unused_suppression::unknown(span, rule, close).fix(fix));
            } else if goes(j, rule) {
                let fix = remove(Applicability::Safe);
                report.push(unused_suppression::unused(span, rule).fix(fix));
            }
        }
    }
    report
}

/// Whether `range` is one name's own range (not the whole annotation value, as for escapes).
fn text_is(s: &Suppression, range: &Range<usize>) -> bool {
    s.rules.iter().filter(|(_, r)| r == range).count() == 1
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

    /// The text after removing what `removal_fix` says for name `j` of suppression `i`.
    fn removed(text: &str, s: &[Suppression], i: usize, j: usize, all_go: bool) -> String {
        let r = removal_fix(&s[i], j, all_go).expect("a removal");
        format!("{}{}", &text[..r.start], &text[r.end..])
    }

    #[test]
    fn removals_take_the_comment_or_one_name_and_keep_the_rest() {
        let text = "a: 1   # pullcheck: ignore[latest-tag]\r\n# pullcheck: ignore[x, y]\nb: 2\n";
        let s = comments(FileId(0), text);
        assert_eq!(
            removed(text, &s, 0, 0, false),
            "a: 1\r\n# pullcheck: ignore[x, y]\nb: 2\n"
        );
        assert_eq!(removed(text, &s, 1, 0, false), &text.replace("x, ", "")[..]);
        assert_eq!(removed(text, &s, 1, 1, false), &text.replace(", y", "")[..]);
        let own_line_gone = "a: 1   # pullcheck: ignore[latest-tag]\r\nb: 2\n";
        assert_eq!(removed(text, &s, 1, 1, true), own_line_gone);
    }

    fn annotation_removal(text: &str) -> Option<String> {
        let docs = crate::syntax::parse_stream(text, 0, &Default::default());
        let doc = docs.first()?.as_ref().ok()?;
        let objects = crate::model::extract_objects(doc, &crate::model::KindTable::builtin());
        let s = collect(FileId(0), text, &objects);
        let r = s.first()?.removal.clone()?;
        Some(format!("{}{}", &text[..r.start], &text[r.end..]))
    }

    #[test]
    fn an_annotation_goes_with_its_line_and_an_emptied_annotations_key() {
        let only = "kind: Pod\nmetadata:\n  name: a\n  annotations:\n    pullcheck.dev/ignore: \"latest-tag\"\nspec: {}\n";
        assert_eq!(
            annotation_removal(only).as_deref(),
            Some("kind: Pod\nmetadata:\n  name: a\nspec: {}\n")
        );
        let among = "kind: Pod\nmetadata:\n  annotations:\n    pullcheck.dev/ignore: latest-tag # old\n    team: web\n";
        assert_eq!(
            annotation_removal(among).as_deref(),
            Some("kind: Pod\nmetadata:\n  annotations:\n    team: web\n")
        );
        // Flow style and JSON would need a comma mended: no removal.
        let flow = "kind: Pod\nmetadata: {annotations: {pullcheck.dev/ignore: x}}\n";
        assert_eq!(annotation_removal(flow), None);
        let json = "{\"kind\": \"Pod\", \"metadata\": {\"annotations\": {\"pullcheck.dev/ignore\": \"x\"}}}";
        assert_eq!(annotation_removal(json), None);
    }

    #[test]
    fn hashes_in_values_are_not_comments() {
        assert_eq!(comment_start("image: \"a # pullcheck: ignore[x]\""), None);
        assert_eq!(comment_start("url: http://x/#frag"), None);
        assert_eq!(comment_start("  # c"), Some(2));
    }
}
