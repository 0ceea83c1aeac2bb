//! `skipped-input`: a path pullcheck chose not to read (symlink out of the tree, a loop).

use super::{Category, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "skipped-input",
    severity: Severity::Note,
    category: Category::Input,
    summary: "a path was not followed: a symlink out of the linted tree, or a symlink loop",
    doc: include_str!("../../rules/skipped-input.md"),
};

pub fn finding(span: Span, message: String) -> Finding {
    Finding::new(&META, span, message)
        .label("not followed")
        .help("lint the target directly if you meant to include it")
}
