//! `kubectl get pods` rows (plain, `-o wide`, `-A`, old and new spacing, `get all`'s `pod/x`).

use super::mapped_text::MappedText;
use super::observation::{Observation, is_pull_reason};
use super::{InputKind, classify};
use regex::Regex;
use std::sync::LazyLock;

/// NAME READY STATUS RESTARTS: READY is `n/m` and RESTARTS a count, which no other kubectl
/// line has, so a row is recognised without its header. `-A` puts NAMESPACE first.
static ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:(?P<ns>[a-z0-9][-a-z0-9]*)\s+)?(?:pods?/)?(?P<name>[a-z0-9][-a-z0-9.]*)\s+\d+/\d+\s+(?P<status>\S+)\s+\d+")
        .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

pub(crate) fn is_row(line: &str) -> bool {
    ROW.is_match(line)
}

/// A failure observation for a row whose STATUS is a pull failure (printers.go `printPod`:
/// `Init:` + the init container's waiting reason, else the first waiting container's reason).
pub(crate) fn row(
    line: &MappedText,
    segment: usize,
    namespace: &Option<String>,
) -> Option<Observation> {
    let caps = ROW.captures(&line.text)?;
    let status = caps.name("status")?;
    let (init, reason) = match status.as_str().strip_prefix("Init:") {
        Some(r) => (true, r),
        None => (false, status.as_str()),
    };
    if !is_pull_reason(reason) {
        return None;
    }
    let name = caps.name("name")?;
    // The STATUS cell is the evidence: the rest of the row says nothing about the pull.
    let mut observation =
        Observation::failure(InputKind::GetPods, segment, line.span(status.range()));
    observation.pod = Some(name.as_str().to_string());
    observation.namespace = caps
        .name("ns")
        .map(|m| m.as_str().to_string())
        .or_else(|| namespace.clone());
    observation.init = init;
    observation.reason = Some(reason.to_string());
    observation.reason_span = Some(line.span(status.range()));
    observation.state = true;
    observation.cause = classify(reason);
    observation.evidence_text = status.as_str().to_string();
    observation.rank = 2;
    Some(observation)
}
