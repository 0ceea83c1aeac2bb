//! `kubectl logs` on a container that never started (kubelet_pods.go
//! `validateContainerLogStatus`): `container "c" in pod "p" is waiting to start: <why>`.

use super::mapped_text::MappedText;
use super::observation::{Observation, is_pull_reason};
use super::{InputKind, classify};
use regex::Regex;
use std::sync::LazyLock;

static WAITING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"container "(?P<c>[^"]*)" in pod "(?P<p>[^"]*)" is waiting to start:\s*(?P<why>.*)"#,
    )
    .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

pub(crate) fn waiting(text: &MappedText, at: usize, segment: usize) -> Option<Observation> {
    let rest = text.text.get(at..)?;
    let caps = WAITING.captures(rest)?;
    let why = caps.name("why")?;
    // The kubelet replaces the two pull reasons by prose and prints any other reason as is.
    let reason = match why.as_str().trim() {
        "image can't be pulled" => "ErrImagePull",
        "trying and failing to pull image" => "ImagePullBackOff",
        other => other.split_whitespace().next().unwrap_or(""),
    };
    if !is_pull_reason(reason) {
        return None;
    }
    let end = at + rest.trim_end().len();
    let mut observation = Observation::failure(InputKind::Logs, segment, text.span(at..end));
    observation.pod = caps.name("p").map(|m| m.as_str().to_string());
    observation.container = caps.name("c").map(|m| m.as_str().to_string());
    observation.reason = Some(reason.to_string());
    observation.reason_span = Some(text.span(at + why.start()..at + why.end()));
    observation.state = true;
    observation.cause = classify(reason);
    observation.evidence_text = why.as_str().trim().to_string();
    observation.rank = 2;
    Some(observation)
}
