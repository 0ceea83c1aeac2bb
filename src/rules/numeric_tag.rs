//! `numeric-tag`: a values-file scalar that YAML types as a number reaches an image reference,
//! and Helm prints it as a float64 (`2.10` → `2.1`, `44526276` → `4.4526276e+07`).

use super::{Category, RuleMeta};
use crate::finding::{Applicability, Finding, Fix, Severity, TracedFix};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "numeric-tag",
    severity: Severity::Error,
    category: Category::Image,
    summary: "a number in a values file (or config `set:`) is printed by Helm as a float in an image reference",
    doc: include_str!("../../rules/numeric-tag.md"),
};

/// A number-typed values leaf (from the render stage's tracer) whose rendering is part of an
/// image reference.
pub struct NumberSource<'a> {
    /// Dotted path from the chart's values root (`image.tag`).
    pub path: &'a str,
    /// As written (`2.10`).
    pub written: &'a str,
    /// As Helm prints it (`2.1`).
    pub rendered: &'a str,
}

/// `image` is a rendered image reference at `span`; `sources` the number-typed values leaves
/// whose rendering is part of it.
///
/// Severity: an error when the number changed the image (`2.10` → `2.1`, a template's
/// `printf "%s"` → `%!s(float64=2.1)`); a warning when it renders as written today (`tag: 3`):
/// it pulls, but it is still a number, and the next edit (`3.0`, `3.10`) will not.
pub fn check(span: Span, image: &str, sources: &[NumberSource<'_>], out: &mut Vec<Finding>) {
    for leaf in sources {
        // `printf "%s"` of a float64 prints Go's bad-verb form, whatever the number.
        let bad_verb = format!("%!s(float64={})", leaf.rendered);
        let printed = if image.contains(&bad_verb) {
            bad_verb
        } else {
            leaf.rendered.to_string()
        };
        let changed = leaf.written != printed;
        let message = if changed {
            format!(
                "`{}: {}` is a number to Helm and renders as `{printed}`: the image is `{image}`",
                leaf.path, leaf.written
            )
        } else {
            format!(
                "`{}: {}` is a number to Helm, not a string: it renders as written only by luck \
                 (`{image}`)",
                leaf.path, leaf.written
            )
        };
        let mut finding = Finding::new(&META, span, message)
            .label(format!("a YAML number; Helm prints `{printed}`"))
            .help(format!(
                "quote it: `{}: \"{}\"`",
                leaf.path.rsplit('.').next().unwrap_or(leaf.path),
                leaf.written
            ));
        if !changed {
            finding.severity = Severity::Warning;
        }
        // Quoted, the scalar is the string the user wrote, and Helm prints it as written. The
        // span is the rendered image's until tracing moves the fix onto the values scalar.
        let finding = finding.fix(Some(Fix {
            span,
            replacement: format!("\"{}\"", leaf.written),
            applicability: Applicability::Safe,
            description: format!("quote it: `\"{}\"`", leaf.written),
            traced: TracedFix::ReplaceValue {
                written: leaf.written.to_string(),
            },
        }));
        out.push(finding);
    }
}
