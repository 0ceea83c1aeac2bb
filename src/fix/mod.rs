//! `--fix` and `--diff`: the fixes findings carry, applied to the files a user edits.
//!
//! A run lints, collects the fixes of its findings per file, applies them byte for byte (only
//! the fixed spans change: comments, quotes, indentation, anchors, line ends and a BOM stay),
//! writes each file atomically unless it changed since it was read, and lints again, until no
//! fix is left or [`MAX_PASSES`] passes ran. Two fixes that overlap in one file: the first
//! applies, the other waits for the next pass, where the finding it fixes is found again.
//!
//! [`apply_edits`] and [`write_atomically`] are the small public API other writers (such as
//! `pullcheck pin`) share.

mod diff;
mod write;

pub use diff::unified_diff;
pub use write::{WriteError, write_atomically};

use crate::engine::{LintOptions, lint};
use crate::finding::{Applicability, Finding};
use crate::report::Report;
use crate::source::{FileId, Origin};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

/// Enough for fixes that wait on each other (a reference with several errors is fixed in one
/// edit; two overlapping fixes take two passes), small enough that a fix that never settles
/// cannot loop.
pub const MAX_PASSES: usize = 8;

/// Replace the bytes `range` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub replacement: String,
}

/// What [`apply_edits`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    /// Per edit, in the order given: whether it is in `text` (an edit equal to one applied
    /// counts as applied).
    pub applied: Vec<bool>,
}

/// Applies `edits` to `text`. Edits are taken by position (then in the order given); one that
/// overlaps an edit already taken, is out of range or not on character boundaries is left out
/// (`applied[i]` false), so a caller can apply it on the next pass. Bytes outside the taken
/// edits are copied unchanged.
pub fn apply_edits(text: &str, edits: &[Edit]) -> Applied {
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|&i| edits.get(i).map(|e| (e.range.start, e.range.end)));
    let mut applied = vec![false; edits.len()];
    let mut taken: Vec<&Edit> = Vec::new();
    for i in order {
        let Some(e) = edits.get(i) else { continue };
        let valid = e.range.start <= e.range.end
            && text.is_char_boundary(e.range.start)
            && text.is_char_boundary(e.range.end)
            && e.range.end <= text.len();
        if !valid {
            continue;
        }
        if taken.contains(&e) {
            // The same edit from two findings (one values line fixing two images).
            if let Some(a) = applied.get_mut(i) {
                *a = true;
            }
            continue;
        }
        let clashes = taken.iter().any(|t| overlaps(&t.range, &e.range));
        if !clashes {
            taken.push(e);
            if let Some(a) = applied.get_mut(i) {
                *a = true;
            }
        }
    }
    taken.sort_by_key(|e| e.range.start);
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in taken {
        out.push_str(text.get(at..e.range.start).unwrap_or(""));
        out.push_str(&e.replacement);
        at = e.range.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    Applied { text: out, applied }
}

/// Two edits touch the same bytes, or insert at the same place (their order would be a guess).
pub fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    (a.start < b.end && b.start < a.end) || (a.start == b.start && (a.is_empty() || b.is_empty()))
}

/// What `--fix` / `--diff` apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FixSettings {
    /// Also apply suggestions (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
}

impl FixSettings {
    /// Whether `--fix` with these settings applies this finding's fix.
    pub fn applies(&self, f: &Finding) -> bool {
        f.fix
            .as_ref()
            .is_some_and(|fix| self.unsafe_fixes || fix.applicability == Applicability::Safe)
    }
}

/// One file's fixes, applied in memory.
#[derive(Clone, Debug)]
pub struct FileChange {
    /// The name reports use.
    pub name: String,
    /// The file on disk; `None` for standard input, which is never written.
    pub path: Option<PathBuf>,
    /// The text as read, and with the fixes of this pass applied.
    pub before: String,
    pub after: String,
    /// The same edits applied to the text reports may show (secrets masked): what a diff prints.
    pub shown_before: String,
    pub shown_after: String,
    /// Findings fixed by this change.
    pub fixed: usize,
    /// The edits applied (each once), by position: `after` is `before` with these.
    pub edits: Vec<Edit>,
}

/// The fixes of one pass over `report`: per file, every applicable fix that does not overlap
/// an earlier one, applied in memory. Files a change would leave as they are are left out.
pub fn plan(report: &Report, settings: FixSettings) -> Vec<FileChange> {
    let mut by_file: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| settings.applies(f)) {
        if let Some(fix) = &f.fix {
            by_file.entry(fix.span.file).or_default().push(Edit {
                range: fix.span.range(),
                replacement: fix.replacement.clone(),
            });
        }
    }
    let mut out: Vec<FileChange> = Vec::new();
    for (id, edits) in by_file {
        let Some(file) = report.sources.get(id) else {
            continue;
        };
        let path = match &file.origin {
            Origin::Path(p) => Some(p.clone()),
            Origin::Stdin => None,
            // Rendered text is never fixed: fixes are traced to the sources or dropped.
            Origin::Rendered => continue,
        };
        let before = file.raw_text();
        let applied = apply_edits(before, &edits);
        if applied.text == before {
            continue;
        }
        let shown_before = file.display_text();
        let shown = apply_edits(shown_before, &edits);
        // The same file reached twice (a values file that is also a linted manifest): one
        // change, from the first; the other waits for the next pass.
        if let Some(p) = &path
            && out
                .iter()
                .any(|c| c.path.as_ref().is_some_and(|q| same_file(p, q)))
        {
            continue;
        }
        let mut taken: Vec<Edit> = edits
            .iter()
            .zip(&applied.applied)
            .filter(|(_, a)| **a)
            .map(|(e, _)| e.clone())
            .collect();
        taken.sort_by_key(|e| (e.range.start, e.range.end));
        taken.dedup();
        out.push(FileChange {
            edits: taken,
            name: file.name.clone(),
            path,
            before: before.to_string(),
            after: applied.text,
            shown_before: shown_before.to_string(),
            shown_after: shown.text,
            fixed: applied.applied.iter().filter(|a| **a).count(),
        });
    }
    out
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// The result of `--fix`: the report of the last lint (what is left) and what was done.
#[derive(Debug)]
pub struct FixRun {
    pub report: Report,
    /// Findings fixed, over every pass.
    pub fixed: usize,
    /// Files written, by report name, in order of first write.
    pub files: Vec<String>,
    /// Files that were not written, and why (changed since read, standard input, an I/O error).
    pub problems: Vec<String>,
    /// Passes that wrote something.
    pub passes: usize,
    /// Fixes were still left after [`MAX_PASSES`] passes.
    pub unsettled: bool,
}

/// Lints, applies the fixes, and lints again until nothing is left to fix (or
/// [`MAX_PASSES`]); the report is the last lint's.
pub fn fix(opts: &LintOptions, settings: FixSettings) -> Result<FixRun, String> {
    fix_with(|| lint(opts), settings)
}

/// [`fix`] with the lint of each pass given: a fix may edit the config the options were
/// built from (a `set:` value), so a caller that read one reads it again for every pass.
pub fn fix_with(
    mut lint_pass: impl FnMut() -> Result<Report, String>,
    settings: FixSettings,
) -> Result<FixRun, String> {
    let mut run = FixRun {
        report: lint_pass()?,
        fixed: 0,
        files: Vec::new(),
        problems: Vec::new(),
        passes: 0,
        unsettled: false,
    };
    loop {
        let changes = plan(&run.report, settings);
        if changes.is_empty() {
            return Ok(run);
        }
        if run.passes == MAX_PASSES {
            run.unsettled = true;
            return Ok(run);
        }
        let mut wrote = false;
        for c in changes {
            let Some(path) = &c.path else {
                push_once(
                    &mut run.problems,
                    format!(
                        "{}: standard input is not fixed in place (use --diff)",
                        c.name
                    ),
                );
                continue;
            };
            match write_atomically(path, &c.before, &c.after) {
                Ok(()) => {
                    wrote = true;
                    run.fixed += c.fixed;
                    if !run.files.contains(&c.name) {
                        run.files.push(c.name.clone());
                    }
                }
                Err(e) => push_once(&mut run.problems, format!("{}: not fixed: {e}", c.name)),
            }
        }
        if !wrote {
            return Ok(run);
        }
        run.passes += 1;
        run.report = lint_pass()?;
    }
}

fn push_once(list: &mut Vec<String>, message: String) {
    if !list.contains(&message) {
        list.push(message);
    }
}

/// `--diff`: the unified diff of one pass of fixes over `report` (secrets masked as in every
/// report), and how many findings it fixes.
pub fn diff(report: &Report, settings: FixSettings) -> (String, usize) {
    let mut out = String::new();
    let mut fixed = 0;
    for c in plan(report, settings) {
        fixed += c.fixed;
        out.push_str(&unified_diff(&c.name, &c.shown_before, &c.shown_after));
    }
    (out, fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(range: Range<usize>, replacement: &str) -> Edit {
        Edit {
            range,
            replacement: replacement.to_string(),
        }
    }

    #[test]
    fn only_the_edited_bytes_change() {
        let text = "\u{feff}a: always # keep\r\nb: 'X'\r\n";
        let at = text.find("always").unwrap();
        let applied = apply_edits(text, &[edit(at..at + 1, "A")]);
        assert_eq!(applied.text, "\u{feff}a: Always # keep\r\nb: 'X'\r\n");
        assert_eq!(applied.applied, vec![true]);
    }

    #[test]
    fn the_first_of_two_overlapping_edits_applies() {
        let text = "abcdef";
        let applied = apply_edits(
            text,
            &[
                edit(2..4, "X"),
                edit(1..3, "Y"),
                edit(4..5, "Z"),
                edit(2..4, "X"),
            ],
        );
        assert_eq!(applied.text, "aYdZf");
        assert_eq!(applied.applied, vec![false, true, true, false]);
        // Two insertions at one place: their order would be a guess.
        let applied = apply_edits("ab", &[edit(1..1, "x"), edit(1..1, "y")]);
        assert_eq!(applied.text, "axb");
        assert_eq!(applied.applied, vec![true, false]);
    }

    #[test]
    fn the_same_edit_twice_is_one_edit() {
        let applied = apply_edits(
            "tag: 2.10\n",
            &[edit(5..9, "\"2.10\""), edit(5..9, "\"2.10\"")],
        );
        assert_eq!(applied.text, "tag: \"2.10\"\n");
        assert_eq!(applied.applied, vec![true, true]);
    }

    #[test]
    fn edits_off_the_text_or_inside_a_character_are_left_out() {
        let applied = apply_edits(
            "é",
            &[
                edit(1..2, "e"),
                edit(0..9, "x"),
                Edit {
                    range: std::ops::Range { start: 2, end: 1 },
                    replacement: String::new(),
                },
            ],
        );
        assert_eq!(applied.text, "é");
        assert_eq!(applied.applied, vec![false, false, false]);
    }
}
