//! From what was read to the report: the files linted together (their views of each pod
//! merge, `crate::engine`), then only what is about a pod whose pull fails now.

use super::Reading;
use crate::engine::{LintOptions, Report, lint_memory};
use crate::finding::{Finding, Severity};
use crate::rules::is_diagnosis;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The report, and the counts of its summary line.
#[derive(Debug)]
pub struct Diagnosed {
    pub report: Report,
    /// Pods read.
    pub pods: usize,
    /// Pods with at least one failing pull (`namespace/name`).
    pub failing: BTreeSet<String>,
    /// Diagnoses kept: one per failing container.
    pub containers: usize,
}

/// Writes the files of `reading` into `dir` (created when missing) and returns their paths, in
/// the reading's order.
pub fn save(reading: &Reading, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut paths = Vec::new();
    for (name, text) in &reading.files {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        paths.push(path);
    }
    Ok(paths)
}

/// Lints the files (named `names`, in the reading's order) and keeps the diagnoses of pods that
/// fail now, and the other findings about those pods.
pub fn diagnose(
    reading: &Reading,
    names: &[String],
    opts: &LintOptions,
) -> Result<Diagnosed, String> {
    let mut opts = opts.clone();
    // Every referenced pull Secret was looked up: one that is not there is missing.
    opts.settings.require_secrets |= reading.secrets_complete;
    let files: Vec<(&str, &str)> = names
        .iter()
        .zip(&reading.files)
        .map(|(n, (_, text))| (n.as_str(), text.as_str()))
        .collect();
    let mut report = lint_memory(&files, &opts)?;
    let extra = |f: &Finding, key: &str| {
        f.extra
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    };
    let now = |f: &Finding| is_diagnosis(f.rule) && extra(f, "recovered").is_none();
    let failing: BTreeSet<String> = report
        .findings
        .iter()
        .filter(|f| now(f))
        .filter_map(|f| {
            Some(format!(
                "{}/{}",
                extra(f, "namespace").unwrap_or_default(),
                extra(f, "pod")?
            ))
        })
        .collect();
    report.findings.retain(|f| {
        if is_diagnosis(f.rule) {
            return now(f);
        }
        match &f.object {
            Some(o) if o.kind == "Pod" => failing.contains(&format!("{}/{}", o.namespace, o.name)),
            // A Secret or ServiceAccount read for a failing pod: its finding is about that pod.
            Some(_) => true,
            None => true,
        }
    });
    let containers = report.findings.iter().filter(|f| now(f)).count();
    let s = &mut report.summary;
    (s.errors, s.warnings, s.notes) = (0, 0, 0);
    for f in &report.findings {
        match f.severity {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
            Severity::Note => s.notes += 1,
        }
    }
    Ok(Diagnosed {
        report,
        pods: reading.pods.len(),
        failing,
        containers,
    })
}

/// `7 pods read (namespace shop of context prod): 2 with a failed pull (3 containers), 5
/// without`.
pub fn summary_line(reading: &Reading, d: &Diagnosed) -> String {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let fine = d.pods.saturating_sub(d.failing.len());
    let failing = if d.failing.is_empty() {
        "none with a failed pull".to_string()
    } else {
        format!(
            "{} with a failed pull ({})",
            d.failing.len(),
            plural(d.containers, "container", "containers")
        )
    };
    format!(
        "{} read ({}): {failing}, {} without",
        plural(d.pods, "pod", "pods"),
        reading.scope,
        fine
    )
}
