//! `unused-suppression`: a `pullcheck: ignore[…]` comment or `pullcheck.dev/ignore` annotation
//! that suppresses nothing, or names a rule that does not exist (like ruff's RUF100).

use super::{Category, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "unused-suppression",
    severity: Severity::Note,
    category: Category::Meta,
    summary: "a suppression comment or annotation that suppresses nothing, or names an unknown rule",
    doc: include_str!("../../rules/unused-suppression.md"),
};

pub fn unused(span: Span, rule: &str) -> Finding {
    Finding::new(
        &META,
        span,
        format!("this suppression of `{rule}` matches no finding"),
    )
    .label("suppresses nothing")
    .help("remove it, so it cannot hide a future finding by accident")
}

pub fn unknown(span: Span, rule: &str, close: Option<&str>) -> Finding {
    let help = match close {
        Some(c) => format!("did you mean `{c}`? `pullcheck rules` lists every rule"),
        None => "`pullcheck rules` lists every rule".to_string(),
    };
    Finding::new(
        &META,
        span,
        format!(
            "unknown rule {:?} in a suppression",
            crate::sanitize::sanitize(rule)
        ),
    )
    .label("no such rule")
    .help(help)
}
