//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning ingests it.
//!
//! Hand-written structs (the conventions' choice over `serde-sarif`): only the properties we
//! fill, each checked by the Microsoft SARIF multitool in `tests/it/ci_sarif.rs`
//! (`validate --rule-kinds "Sarif;Gh"`: zero errors, zero warnings).
//!
//! - Paths are relative to `%SRCROOT%` (the working directory, the checkout in CI) and
//!   percent-encoded, climbing with `..` to a file beside it as the other formats do; only an
//!   absolute name that shares nothing with it but the root gets an absolute `file://` URI.
//! - Columns are UTF-16 code units, SARIF's default `columnKind` and what GitHub expects.
//! - `partialFingerprints` never contain line numbers, so an alert survives unrelated edits.

use super::{as_sentence, fingerprints, repo_path};
use crate::finding::{Finding, Severity};
use crate::report::Report;
use crate::rules::{CATALOG, RuleMeta};
use crate::source::{SourceFile, Span};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where users read about the tool (SARIF `informationUri`): the repository named in
/// `Cargo.toml`, the one place that names the project's home.
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
const _: () = assert!(!INFORMATION_URI.is_empty(), "Cargo.toml needs `repository`");
/// The `partialFingerprints` key; bump the version if the fingerprint recipe changes.
pub const FINGERPRINT_KEY: &str = "pullcheckFingerprint/v1";
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    /// SARIF 2.1.0 §3.55: the edit `--fix` makes (safe) or suggests (unsafe).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
    properties: FixProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Text,
}

#[derive(Serialize)]
struct FixProperties {
    /// `safe` (`--fix` applies it) or `unsafe` (`--fix --unsafe-fixes`).
    applicability: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
    #[serde(skip_serializing_if = "Option::is_none")]
    context_region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text>,
}

pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// `missing-tag` → `MissingTag`: SARIF's convention for a rule's friendly name.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// The doc without its `# name` heading and severity line: what the rule does and why.
fn full_description(meta: &RuleMeta) -> String {
    let what = section(meta.doc, "What it does").unwrap_or(meta.summary);
    as_sentence(&what.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn section<'a>(doc: &'a str, title: &str) -> Option<&'a str> {
    let heading = format!("## {title}\n");
    let start = doc.find(&heading)? + heading.len();
    let rest = doc.get(start..)?;
    let end = rest.find("\n## ").map_or(rest.len(), |e| e + 1);
    rest.get(..end).map(str::trim)
}

fn rule(meta: &'static RuleMeta) -> Rule {
    Rule {
        id: meta.name,
        name: pascal_case(meta.name),
        short_description: Text {
            text: as_sentence(meta.summary),
        },
        full_description: Text {
            text: full_description(meta),
        },
        help: Help {
            text: meta.doc.to_string(),
            markdown: meta.doc.to_string(),
        },
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            tags: vec!["kubernetes", "container-image", meta.category.as_str()],
        },
    }
}

/// Percent-encodes a relative path for a URI: everything but RFC 3986 unreserved characters
/// and the `/` separator.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn artifact(name: &str) -> ArtifactLocation {
    match repo_path(name).or_else(|| beside_srcroot(name)) {
        Some(rel) => ArtifactLocation {
            uri: encode_path(&rel),
            uri_base_id: Some(SRCROOT),
        },
        // An absolute name that shares nothing with the working directory but the root.
        None => ArtifactLocation {
            uri: file_uri(&absolute(name)),
            uri_base_id: None,
        },
    }
}

/// A relative name that climbs out of the working directory (`../values/prod.yaml`, as the
/// other formats show it): still relative to `%SRCROOT%`, which resolves it (RFC 3986 §5.2).
fn beside_srcroot(name: &str) -> Option<String> {
    let path = std::path::Path::new(name);
    if path.is_absolute() || name == "<stdin>" {
        return None;
    }
    let normal = crate::source::normalize(path);
    let rel = normal.to_string_lossy().replace('\\', "/");
    (!rel.is_empty()).then_some(rel)
}

/// The absolute name, without `.` and `..` segments (SARIF §3.10.2 normalises file URIs).
fn absolute(name: &str) -> String {
    let path = std::path::Path::new(name);
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    crate::source::normalize(&abs)
        .to_string_lossy()
        .replace('\\', "/")
}

fn file_uri(abs: &str) -> String {
    let encoded = encode_path(abs);
    if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        // `C:/x` on Windows.
        format!("file:///{encoded}")
    }
}

/// The SARIF region of a span: 1-based lines, 1-based UTF-16 columns, end column exclusive.
fn region(file: &SourceFile, span: Span) -> Region {
    let (start_line, start_column) = file.utf16_line_col(span.start as usize);
    let (end_line, end_column) = file.utf16_line_col(span.end as usize);
    let snippet = file.shown(span);
    Region {
        start_line,
        start_column,
        end_line,
        end_column,
        snippet: (!snippet.is_empty()).then(|| Text {
            text: snippet.to_string(),
        }),
    }
}

/// The whole lines around a span, so a viewer shows the flagged text in context.
fn context_region(file: &SourceFile, span: Span) -> Option<Region> {
    if file.is_empty() {
        return None;
    }
    let first = file.lines.line_of(span.start as usize);
    let last = file.lines.line_of(span.end as usize);
    let text = file.shown_lines(first, last);
    if text.trim().is_empty() {
        return None;
    }
    let (end_line, end_column) = file.utf16_line_col(file.line_end(last));
    Some(Region {
        start_line: first + 1,
        start_column: 1,
        end_line,
        end_column,
        snippet: Some(Text {
            text: text.to_string(),
        }),
    })
}

fn physical(report: &Report, span: Span) -> PhysicalLocation {
    match report.sources.get(span.file) {
        Some(file) => PhysicalLocation {
            artifact_location: artifact(&file.name),
            region: region(file, span),
            context_region: context_region(file, span),
        },
        None => PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: "unknown".to_string(),
                uri_base_id: Some(SRCROOT),
            },
            region: Region {
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 1,
                snippet: None,
            },
            context_region: None,
        },
    }
}

fn message(f: &Finding) -> String {
    let mut text = as_sentence(&f.message);
    if let Some(help) = &f.help {
        text.push_str("\nHelp: ");
        text.push_str(&as_sentence(help));
    }
    text
}

fn result<'a>(report: &'a Report, f: &'a Finding, fingerprint: String) -> SarifResult<'a> {
    let related = f
        .secondary
        .iter()
        // Rendered text is not a file in the repository: SARIF viewers could not open it (the
        // message says what was rendered).
        .filter(|l| {
            !report
                .sources
                .get(l.span.file)
                .is_some_and(|s| matches!(s.origin, crate::source::Origin::Rendered))
        })
        .enumerate()
        .map(|(i, l)| Location {
            id: Some(i + 1),
            physical_location: physical(report, l.span),
            message: Some(Text {
                text: as_sentence(if l.text.is_empty() {
                    "related location"
                } else {
                    &l.text
                }),
            }),
        })
        .collect();
    SarifResult {
        rule_id: f.rule,
        rule_index: CATALOG.iter().position(|r| r.name == f.rule),
        level: level(f.severity),
        message: Text { text: message(f) },
        locations: vec![Location {
            id: None,
            physical_location: physical(report, f.span),
            message: None,
        }],
        related_locations: related,
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
        fixes: fix(report, f).into_iter().collect(),
    }
}

/// The finding's fix as a SARIF `fix`: one replacement in the file a user edits.
fn fix(report: &Report, f: &Finding) -> Option<SarifFix> {
    let fix = f.fix.as_deref()?;
    let file = report.sources.get(fix.span.file)?;
    let (start_line, start_column) = file.utf16_line_col(fix.span.start as usize);
    let (end_line, end_column) = file.utf16_line_col(fix.span.end as usize);
    Some(SarifFix {
        description: Text {
            text: as_sentence(&fix.description),
        },
        artifact_changes: vec![ArtifactChange {
            artifact_location: artifact(&file.name),
            replacements: vec![Replacement {
                deleted_region: Region {
                    start_line,
                    start_column,
                    end_line,
                    end_column,
                    snippet: None,
                },
                inserted_content: Text {
                    text: fix.replacement.clone(),
                },
            }],
        }],
        properties: FixProperties {
            applicability: fix.applicability.as_str(),
        },
    })
}

fn build(report: &Report) -> Log<'_> {
    let results = report
        .findings
        .iter()
        .zip(fingerprints(report))
        .map(|(f, fp)| result(report, f, fp))
        .collect();
    let mut base_ids = BTreeMap::new();
    if let Ok(cwd) = std::env::current_dir() {
        let mut uri = file_uri(&cwd.to_string_lossy().replace('\\', "/"));
        if !uri.ends_with('/') {
            uri.push('/');
        }
        base_ids.insert(
            SRCROOT,
            ArtifactLocation {
                uri,
                uri_base_id: None,
            },
        );
    }
    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "pullcheck",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: CATALOG.iter().map(|m| rule(m)).collect(),
                },
            },
            original_uri_base_ids: base_ids,
            column_kind: "utf16CodeUnits",
            results,
        }],
    }
}

pub fn to_value(report: &Report) -> serde_json::Value {
    serde_json::to_value(build(report)).unwrap_or(serde_json::Value::Null)
}

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &build(report)).map_err(std::io::Error::other)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode_path("a b/c,d:é.yaml"), "a%20b/c%2Cd%3A%C3%A9.yaml");
        assert_eq!(encode_path("100%.yaml"), "100%25.yaml");
    }

    #[test]
    fn friendly_names_are_pascal_case() {
        assert_eq!(
            pascal_case("pull-secret-registry-mismatch"),
            "PullSecretRegistryMismatch"
        );
    }

    #[test]
    fn every_rule_has_a_full_description() {
        for meta in CATALOG {
            let d = full_description(meta);
            assert!(d.len() > 10 && !d.contains('\n'), "{}: {d:?}", meta.name);
        }
    }
}
