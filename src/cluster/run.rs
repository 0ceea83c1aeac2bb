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
    // The registries are asked only about the images of pods that fail (below), not about
    // every pod of the namespace.
    let online = opts.online.take();
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
    if let Some(settings) = online {
        let asked = ask_registries(reading, names, &failing, &opts, settings)?;
        for f in report.findings.iter_mut().filter(|f| now(f)) {
            judge(f, &asked);
        }
        report.online = Some(asked);
    }
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

/// `--online`: the images of the failing pods asked of their registries, from here, with the
/// credentials the run holds (a Secret's data is never read, so a pod's pull Secret is not
/// among them: such an image is asked anonymously or with your Docker login).
fn ask_registries(
    reading: &Reading,
    names: &[String],
    failing: &BTreeSet<String>,
    opts: &LintOptions,
    settings: crate::engine::OnlineSettings,
) -> Result<crate::report::OnlineSummary, String> {
    let pods = names
        .iter()
        .zip(&reading.files)
        .find(|(_, (file, _))| file == "pods.json");
    let Some((name, (_, text))) = pods else {
        return Ok(Default::default());
    };
    let mut list: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("pods.json: {e}"))?;
    if let Some(items) = list
        .get_mut("items")
        .and_then(serde_json::Value::as_array_mut)
    {
        items.retain(|p| failing.contains(&super::objects::pod_id(p)));
    }
    let text = serde_json::to_string_pretty(&list).map_err(|e| e.to_string())?;
    let mut opts = opts.clone();
    opts.online = Some(settings);
    let report = lint_memory(&[(name.as_str(), text.as_str())], &opts)?;
    Ok(report.online.unwrap_or_default())
}

/// What the registry answered from here about a diagnosis' image, against its cause: said in
/// the message, and as `online` (`confirmed`, `contradicted`, `other`) in JSON.
fn judge(f: &mut Finding, asked: &crate::report::OnlineSummary) {
    let Some(image) = f.image.as_deref().map(crate::kubectl::image_key) else {
        return;
    };
    let Some(answer) = asked
        .checked
        .iter()
        .find(|c| crate::kubectl::image_key(&c.image) == image)
    else {
        return;
    };
    let cause = f.rule.strip_prefix("pull-").unwrap_or(f.rule);
    let verdict = verdict(cause, answer.answer);
    let said = match verdict {
        "confirmed" => "confirmed",
        "contradicted" => "contradicted",
        _ => "that neither confirms nor contradicts it",
    };
    f.message.push_str(&format!(
        " (asked from here ({}), the registry answers {}: {said}; the node's network and \
         credentials may differ)",
        answer.credentials, answer.answer
    ));
    f.extra.push(("online", verdict.to_string()));
}

/// A diagnosis' cause (`not-found`, `dns`, …) against the registry's answer from here:
/// `confirmed`, `contradicted` or `other`.
fn verdict(cause: &str, answer: &str) -> &'static str {
    let network = matches!(
        cause,
        "dns"
            | "network-timeout"
            | "connection-refused"
            | "connection-reset"
            | "tls"
            | "http-on-https"
    );
    match (cause, answer) {
        ("not-found", "not-found")
        | ("unauthorized", "unauthorized")
        | ("platform-mismatch", "platform-missing")
        | ("rate-limited", "rate-limited") => "confirmed",
        (_, "unreachable") if network => "confirmed",
        // Decided on the node, whatever the registry says: its disk, its store, its kubelet's
        // throttle, its signature policy, its pull policy.
        (
            "failed" | "disk-full" | "runtime-store" | "qps-exceeded" | "signature-rejected"
            | "never-not-present",
            _,
        ) => "other",
        (_, "pullable") => "contradicted",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::verdict;

    #[test]
    fn a_pullable_answer_contradicts_only_what_the_registry_decides() {
        assert_eq!(verdict("not-found", "not-found"), "confirmed");
        assert_eq!(verdict("not-found", "pullable"), "contradicted");
        assert_eq!(verdict("dns", "unreachable"), "confirmed");
        assert_eq!(verdict("connection-reset", "unreachable"), "confirmed");
        for node_side in [
            "disk-full",
            "runtime-store",
            "qps-exceeded",
            "signature-rejected",
            "never-not-present",
        ] {
            assert_eq!(verdict(node_side, "pullable"), "other", "{node_side}");
        }
        assert_eq!(verdict("failed", "pullable"), "other");
    }
}
