//! The `--format json` contract (version 1). Keep it stable: fields may be added, never renamed.

use super::{file_name, position};
use crate::report::Report;
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: JsonSummary,
    /// Only with `--online`: every image checked and what its registry answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    online: Option<&'a crate::report::OnlineSummary>,
}

#[derive(Serialize)]
struct JsonObject<'a> {
    kind: &'a str,
    namespace: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    offset: u32,
    length: usize,
    object: Option<JsonObject<'a>>,
    container: Option<&'a str>,
    image: Option<&'a str>,
    /// Only for findings in a rendered chart or Kustomize root (the file is then the source).
    #[serde(skip_serializing_if = "Option::is_none")]
    rendered: Option<JsonRendered<'a>>,
    #[serde(flatten)]
    extra: serde_json::Map<String, serde_json::Value>,
    /// Diagnoses only: every line the diagnosis used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidence: Vec<JsonEvidence<'a>>,
    /// The registry check's findings only (`--online`): what the registry answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    registry: Option<&'a crate::finding::RegistryInfo>,
    /// The edit that fixes the finding, when there is one (`--fix` applies the safe ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    /// The file the edit is in (for a rendered chart, the values file or kustomization).
    file: &'a str,
    range: JsonRange,
    replacement: &'a str,
    /// `safe` (`--fix`) or `unsafe` (`--fix --unsafe-fixes`).
    applicability: &'a str,
    description: &'a str,
}

/// Byte offset and length, and the 1-based line and column (in characters) of both ends.
#[derive(Serialize)]
struct JsonRange {
    offset: u32,
    length: usize,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct JsonEvidence<'a> {
    /// Only for evidence in another file than the finding's (views merged across files).
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    line: usize,
    column: usize,
    /// The evidence as written (a wrapped message keeps its line breaks), secrets masked.
    text: &'a str,
}

#[derive(Serialize)]
struct JsonRendered<'a> {
    by: &'a str,
    root: &'a str,
    template: Option<&'a str>,
    text: &'a str,
    /// Other roots that gave the same finding (overlays sharing a base).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    also: &'a [String],
    /// Other containers the same rule flagged at the same source line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    also_objects: Vec<JsonAlsoObject<'a>>,
}

#[derive(Serialize)]
struct JsonAlsoObject<'a> {
    root: &'a str,
    kind: &'a str,
    namespace: &'a str,
    name: &'a str,
    container: Option<&'a str>,
    text: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    documents: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    /// Findings `--fix` fixes, and those only `--fix --unsafe-fixes` does (absent when none).
    #[serde(skip_serializing_if = "is_zero")]
    fixable: usize,
    #[serde(skip_serializing_if = "is_zero")]
    unsafe_fixable: usize,
}

pub fn to_value(report: &Report) -> serde_json::Value {
    serde_json::to_value(build(report)).unwrap_or(serde_json::Value::Null)
}

fn build(report: &Report) -> JsonReport<'_> {
    let findings = report
        .findings
        .iter()
        .map(|f| {
            let p = report
                .sources
                .get(f.span.file)
                .map(|file| position(file, f));
            JsonFinding {
                rule: f.rule,
                severity: f.severity.as_str(),
                message: &f.message,
                help: f.help.as_deref(),
                file: file_name(report, f),
                line: p.as_ref().map_or(1, |p| p.line),
                column: p.as_ref().map_or(1, |p| p.column),
                end_line: p.as_ref().map_or(1, |p| p.end_line),
                end_column: p.as_ref().map_or(1, |p| p.end_column),
                offset: f.span.start,
                length: f.span.len(),
                object: f.object.as_ref().map(|o| JsonObject {
                    kind: &o.kind,
                    namespace: &o.namespace,
                    name: &o.name,
                }),
                container: f.container.as_deref(),
                image: f.image.as_deref(),
                rendered: f.rendered.as_deref().map(|r| JsonRendered {
                    by: r.by,
                    root: &r.root,
                    template: r.template.as_deref(),
                    text: &r.text,
                    also: &r.also,
                    also_objects: r
                        .also_objects
                        .iter()
                        .map(|o| JsonAlsoObject {
                            root: &o.root,
                            kind: &o.object.kind,
                            namespace: &o.object.namespace,
                            name: &o.object.name,
                            container: o.container.as_deref(),
                            text: &o.text,
                        })
                        .collect(),
                }),
                extra: f
                    .extra
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), extra_value(k, v)))
                    .collect(),
                evidence: evidence(report, f),
                registry: f.registry.as_deref(),
                fix: fix(report, f),
            }
        })
        .collect();
    let s = &report.summary;
    JsonReport {
        version: 1,
        findings,
        summary: JsonSummary {
            files: s.files,
            documents: s.documents,
            errors: s.errors,
            warnings: s.warnings,
            notes: s.notes,
            fixable: s.fixable,
            unsafe_fixable: s.unsafe_fixable,
        },
        online: report.online.as_ref(),
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn fix<'a>(report: &'a Report, f: &'a crate::finding::Finding) -> Option<JsonFix<'a>> {
    let fix = f.fix.as_deref()?;
    let file = report.sources.get(fix.span.file)?;
    let (line, column) = file.line_col(fix.span.start as usize);
    let (end_line, end_column) = file.line_col(fix.span.end as usize);
    Some(JsonFix {
        file: &file.name,
        range: JsonRange {
            offset: fix.span.start,
            length: fix.span.len(),
            line,
            column,
            end_line,
            end_column,
        },
        replacement: &fix.replacement,
        applicability: fix.applicability.as_str(),
        description: &fix.description,
    })
}

fn evidence<'a>(report: &'a Report, f: &crate::finding::Finding) -> Vec<JsonEvidence<'a>> {
    f.evidence
        .iter()
        .filter_map(|span| {
            let file = report.sources.get(span.file)?;
            let (line, column) = file.line_col(span.start as usize);
            let text = file.shown(*span);
            Some(JsonEvidence {
                file: (span.file != f.span.file).then_some(file.name.as_str()),
                line,
                column,
                text: text.trim_end_matches(['\r', '\n']),
            })
        })
        .collect()
}

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    // serde_json writes token by token and stdout is line-buffered: one write per line of the
    // pretty output otherwise.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, &build(report)).map_err(std::io::Error::other)?;
    writeln!(out)?;
    out.flush()
}

/// A diagnosis field as JSON: counts are numbers and flags booleans (docs/json.md), the rest
/// strings as the reader found them.
fn extra_value(key: &str, value: &str) -> serde_json::Value {
    match key {
        "count" => value
            .parse::<u64>()
            .map_or_else(|_| value.into(), serde_json::Value::from),
        "init" | "recovered" | "cut" => match value {
            "true" => true.into(),
            "false" => false.into(),
            _ => value.into(),
        },
        _ => value.into(),
    }
}
