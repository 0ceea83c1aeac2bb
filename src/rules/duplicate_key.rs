//! `duplicate-key`: a mapping key written twice.

use super::{Category, InputEvent, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "duplicate-key",
    severity: Severity::Error,
    category: Category::Input,
    summary: "a mapping key is written twice: the API server's strict field validation rejects \
              the object, and older clients silently keep the last value",
    doc: include_str!("../../rules/duplicate-key.md"),
};

pub fn check(event: &InputEvent<'_>, span: Span) -> Option<Finding> {
    match event {
        InputEvent::DuplicateKey { key, first } => Some(finding(span, key, (*first).clone())),
        _ => None,
    }
}

/// One finding per repeated occurrence, at that occurrence, with a label on the first.
fn finding(span: Span, key: &str, first: std::ops::Range<usize>) -> Finding {
    let file = span.file;
    Finding::new(
        &META,
        span,
        format!("duplicate key {key:?}: it is already set in this mapping"),
    )
    .label("written again here; this value is the one kept")
    .secondary(
        Span::new(file, first),
        "first written here; this value is dropped",
    )
    .help(format!(
        "keep one {key:?}: with strict field validation (the default since Kubernetes 1.27) the \
         API server rejects the object for the duplicate field; older clients and \
         `--validate=false` silently apply the last value, which is the one linted here"
    ))
}
