//! `kubectl logs` on a container that never started (kubelet_pods.go
//! `validateContainerLogStatus`): `container "c" in pod "p" is waiting to start: <why>`.

use super::scan::{Obs, is_pull_reason};
use super::text::SText;
use super::{InputKind, classify};
use regex::Regex;
use std::sync::LazyLock;

static WAITING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"container "(?P<c>[^"]*)" in pod "(?P<p>[^"]*)" is waiting to start:\s*(?P<why>.*)"#,
    )
    .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

pub(crate) fn waiting(text: &SText, at: usize, segment: usize) -> Option<Obs> {
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
    let mut obs = Obs::failure(InputKind::Logs, segment, text.span(at..end));
    obs.pod = caps.name("p").map(|m| m.as_str().to_string());
    obs.container = caps.name("c").map(|m| m.as_str().to_string());
    obs.reason = Some(reason.to_string());
    obs.reason_span = Some(text.span(at + why.start()..at + why.end()));
    obs.state = true;
    obs.cause = classify(reason);
    obs.evidence_text = why.as_str().trim().to_string();
    obs.rank = 2;
    Some(obs)
}
