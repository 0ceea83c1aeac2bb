//! `unreadable-input`: a path or file that could not be read as text.

use super::{Category, InputEvent, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "unreadable-input",
    severity: Severity::Error,
    category: Category::Input,
    summary: "an input could not be read: missing, unreadable, too large, binary or not UTF-8",
    doc: include_str!("../../rules/unreadable-input.md"),
};

pub fn check(event: &InputEvent<'_>, span: Span) -> Option<Finding> {
    match event {
        InputEvent::Unreadable(message) => Some(finding(span, message)),
        _ => None,
    }
}

fn finding(span: Span, message: &str) -> Finding {
    Finding::new(&META, span, message.to_string())
        .label("not linted")
        .help("check the path, or exclude it with `--exclude GLOB`")
}
