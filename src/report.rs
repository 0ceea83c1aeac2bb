//! The result of a run, as every emitter receives it: the files read (for rendering), the
//! findings in their final order, and the counts. Below `emit/`, above the rules.

use crate::finding::{Finding, Severity};
use crate::source::SourceMap;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings with a safe fix (`--fix` applies them), and with a suggestion
    /// (`--unsafe-fixes`).
    pub fixable: usize,
    pub unsafe_fixable: usize,
    /// Extra renders of charts with a sentinel value, to decide ties in tracing (issue 23).
    pub sentinel_renders: usize,
}

/// What the check did, for the report's last line and JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct OnlineSummary {
    /// Distinct images asked about.
    pub images: usize,
    /// Distinct registries asked.
    pub registries: usize,
    pub requests: usize,
    /// Distinct images answered from the cache alone (no request sent for them).
    pub from_cache: usize,
    /// Why the cache was not used, when it was asked for and could not be.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_problem: Option<String>,
    /// Images not asked about, and why (`registry credentials live on the nodes`).
    pub skipped: Vec<(String, String)>,
    #[serde(rename = "elapsed_ms", serialize_with = "millis")]
    pub elapsed: std::time::Duration,
    /// Every image asked about, once per credential it was asked with.
    pub checked: Vec<CheckedImage>,
}

/// The result of a run: every file read (for rendering) and the findings, sorted.
#[derive(Debug)]
pub struct Report {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// A path the user named could not be read: exit code 2.
    pub input_failed: bool,
    /// What the registry check did (`--online` only).
    pub online: Option<OnlineSummary>,
}

impl Report {
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// One image the registry check asked about, and the answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct CheckedImage {
    pub image: String,
    /// By name: `pull secret prod/regcred`, `docker config`, `anonymous`.
    pub credentials: String,
    /// `pullable`, `not-found`, `unauthorized`, `platform-missing`, `unreachable`,
    /// `rate-limited`.
    pub answer: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    pub cached: bool,
}

fn millis<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
