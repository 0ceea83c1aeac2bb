//! The end of a run: findings in their final, deterministic order (whatever the thread count)
//! and the counts, as the [`Report`] every emitter receives.

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
