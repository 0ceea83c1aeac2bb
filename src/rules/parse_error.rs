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
        InputEvent::Syntax { message, kubectl } => Some(finding(span, message, *kubectl)),
        _ => None,
    }
}

/// `kubectl`: what `kubectl apply` prints for this document, when the error reproduces one of
/// its own checks; otherwise the help claims nothing about kubectl (our YAML parser and
/// kubectl's can still differ on an error, see src/syntax/DIFFERENCES.md).
fn finding(span: Span, message: &str, kubectl: Option<&str>) -> Finding {
    let help = match kubectl {
        Some(text) => format!(
            "fix the syntax here: `kubectl apply` stops at this document with `{text}`. Other \
             documents of the file were still checked"
        ),
        None => "fix the syntax here. Other documents of the file were still checked".to_string(),
    };
    Finding::new(&META, span, format!("syntax error: {message}"))
        .label(message.to_string())
        .help(help)
}
