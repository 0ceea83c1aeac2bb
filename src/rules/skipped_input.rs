//! `skipped-input`: a path pullcheck chose not to read (symlink out of the tree, a loop).

use super::{Category, InputEvent, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "skipped-input",
    severity: Severity::Note,
    category: Category::Input,
    summary: "a path was not followed: a symlink out of the linted tree, or a symlink loop",
    doc: include_str!("../../rules/skipped-input.md"),
};

pub fn check(event: &InputEvent<'_>, span: Span) -> Option<Finding> {
    match event {
        InputEvent::Skipped(message) => Some(finding(span, message)),
        _ => None,
    }
}

fn finding(span: Span, message: &str) -> Finding {
    Finding::new(&META, span, message.to_string())
        .label("not followed")
        .help("lint the target directly if you meant to include it")
}
