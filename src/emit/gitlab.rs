//! `--format gitlab`: a GitLab Code Quality report (`artifacts:reports:codequality`), the Code
//! Climate subset GitLab reads: `description`, `check_name`, `fingerprint`, `severity`,
//! `location.path` and `location.lines.begin`.

use super::{file_name, fingerprints, position, repo_path};
use crate::finding::{Finding, Severity};
use crate::report::Report;
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    engine_name: &'static str,
    check_name: &'a str,
    description: String,
    categories: [&'static str; 1],
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// GitLab's scale is info < minor < major < critical < blocker. An `error` is a pull that will
/// fail (critical); a `warning` one that may (major); a `note` is informational.
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Note => "info",
    }
}

fn issue<'a>(report: &'a Report, f: &'a Finding, fingerprint: String) -> Issue<'a> {
    let name = file_name(report, f);
    let (begin, end) = report.sources.get(f.span.file).map_or((1, 1), |src| {
        let p = position(src, f);
        (p.line, p.end_line)
    });
    Issue {
        kind: "issue",
        engine_name: "pullcheck",
        check_name: f.rule,
        description: f.message.clone(),
        categories: ["Bug Risk"],
        fingerprint,
        severity: severity(f.severity),
        location: Location {
            path: repo_path(name).unwrap_or_else(|| name.to_string()),
            lines: Lines { begin, end },
        },
    }
}

pub fn to_value(report: &Report) -> serde_json::Value {
    let issues: Vec<Issue<'_>> = report
        .findings
        .iter()
        .zip(fingerprints(report))
        .map(|(f, fp)| issue(report, f, fp))
        .collect();
    serde_json::to_value(issues).unwrap_or(serde_json::Value::Null)
}

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report)).map_err(std::io::Error::other)?;
    writeln!(out)
}
