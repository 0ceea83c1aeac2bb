//! `empty-input`: a file with no documents at all.

use super::{Category, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "empty-input",
    severity: Severity::Note,
    category: Category::Input,
    summary: "an input holds no YAML/JSON document (empty, or only comments)",
    doc: include_str!("../../rules/empty-input.md"),
};

pub fn finding(span: Span) -> Finding {
    Finding::new(
        &META,
        span,
        "nothing to lint: the input is empty or holds only comments".into(),
    )
    .label("empty")
    .help("check that the right file was passed (an empty `helm template` output lands here)")
}
