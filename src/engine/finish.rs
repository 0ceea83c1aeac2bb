//! The end of a run: findings masked (no secret in any string), in their final, deterministic
//! order (whatever the thread count) and the counts, as the [`Report`] every emitter receives.

use crate::finding::{Finding, Severity};
use crate::report::{Report, Summary};
use crate::source::SourceMap;

/// Sorts the findings, counts them by severity and hands over the report.
pub(super) fn report(
    sources: SourceMap,
    mut findings: Vec<Finding>,
    mut summary: Summary,
    input_failed: bool,
) -> Report {
    mask_secrets(&sources, &mut findings);
    sort_findings(&sources, &mut findings);
    for f in &findings {
        match f.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Note => summary.notes += 1,
        }
    }
    Report {
        sources,
        findings,
        summary,
        input_failed,
    }
}

/// Masks every string of every finding with the same rules as the snippets
/// ([`crate::source::redact`]), knowing the Secret values of every file still held.
fn mask_secrets(sources: &SourceMap, findings: &mut [Finding]) {
    let known = crate::source::redact::KnownSecrets::new(
        sources.iter().flat_map(|(_, f)| f.secret_values()),
    );
    for f in findings {
        f.mask_texts(|s| match crate::source::redact::mask_str(s, &known) {
            std::borrow::Cow::Owned(masked) => Some(masked),
            std::borrow::Cow::Borrowed(_) => None,
        });
    }
}

fn sort_findings(sources: &SourceMap, findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let name = |f: &Finding| sources.get(f.span.file).map(|s| s.name.as_str());
        name(a)
            .cmp(&name(b))
            .then(a.span.start.cmp(&b.span.start))
            .then(a.span.end.cmp(&b.span.end))
            .then(a.rule.cmp(b.rule))
            .then(a.message.cmp(&b.message))
    });
}
