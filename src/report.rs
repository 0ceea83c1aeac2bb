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
}

/// What the check did, for the report's last line and JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OnlineSummary {
    /// Distinct images asked about.
    pub images: usize,
    /// Distinct registries asked.
    pub registries: usize,
    pub requests: usize,
    /// Images not asked about, and why (`registry credentials live on the nodes`).
    pub skipped: Vec<(String, String)>,
    pub elapsed: std::time::Duration,
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
