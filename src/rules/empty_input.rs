//! `empty-input`: a file with no documents at all.

use super::{Category, InputEvent, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "empty-input",
    severity: Severity::Note,
    category: Category::Input,
    summary: "an input holds nothing to check: empty, only comments, or plain text that is neither a manifest nor kubectl output",
    doc: include_str!("../../rules/empty-input.md"),
};

pub fn check(event: &InputEvent<'_>, span: Span) -> Option<Finding> {
    match event {
        InputEvent::Empty => Some(finding(span)),
        InputEvent::NotRecognised => Some(not_recognised(span)),
        _ => None,
    }
}

fn finding(span: Span) -> Finding {
    Finding::new(
        &META,
        span,
        "nothing to lint: the input is empty or holds only comments".into(),
    )
    .label("empty")
    .help("check that the right file was passed (an empty `helm template` output lands here)")
}

/// An input named on the command line (or stdin) that is plain text: no YAML mapping or list,
/// and not kubectl output pullcheck recognises. Without this, an unrecognised paste would
/// look like "no problems found".
fn not_recognised(span: Span) -> Finding {
    Finding::new(
        &META,
        span,
        "nothing to lint: this input is neither a Kubernetes manifest nor kubectl output that \
         pullcheck recognises"
            .into(),
    )
    .label("plain text")
    .help(
        "pass manifests (YAML/JSON), or the output of `kubectl describe pod`, `kubectl get pods`, \
         `kubectl get events` or `kubectl logs`, pasted whole (headers included)",
    )
}
