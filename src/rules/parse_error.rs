//! `parse-error`: the YAML or JSON does not parse.

use super::{Category, InputEvent, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "parse-error",
    severity: Severity::Error,
    category: Category::Input,
    summary: "a YAML/JSON syntax error; the other documents of the file are still linted",
    doc: include_str!("../../rules/parse-error.md"),
};

pub fn check(event: &InputEvent<'_>, span: Span) -> Option<Finding> {
    match event {
        InputEvent::Syntax(message) => Some(finding(span, message)),
        _ => None,
    }
}

fn finding(span: Span, message: &str) -> Finding {
    Finding::new(&META, span, format!("syntax error: {message}"))
        .label(message.to_string())
        .help(
            "fix the syntax here; `kubectl apply` would reject this document too. Other documents \
             of the file were still checked",
        )
}
