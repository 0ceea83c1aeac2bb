//! `kubectl get pods` rows (plain, `-o wide`, `-A`, old and new spacing, `get all`'s `pod/x`).

use super::scan::{Obs, is_pull_reason};
use super::text::SText;
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
pub(crate) fn row(line: &SText, segment: usize, namespace: &Option<String>) -> Option<Obs> {
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
    let mut obs = Obs::failure(InputKind::GetPods, segment, line.span(status.range()));
    obs.pod = Some(name.as_str().to_string());
    obs.namespace = caps
        .name("ns")
        .map(|m| m.as_str().to_string())
        .or_else(|| namespace.clone());
    obs.init = init;
    obs.reason = Some(reason.to_string());
    obs.reason_span = Some(line.span(status.range()));
    obs.state = true;
    obs.cause = classify(reason);
    obs.evidence_text = status.as_str().to_string();
    obs.rank = 2;
    Some(obs)
}
