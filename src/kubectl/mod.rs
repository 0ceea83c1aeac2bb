//! Readers for saved or pasted `kubectl` output: `describe pod`, `get pods`, `get events`,
//! `kubectl events` and `logs` errors. They find every container whose image pull failed and
//! name the root cause from the runtime's error text (see `rules/causes.yaml`).
//!
//! Parsing is content-based and line-oriented: pastes lose headers and indentation, gain
//! markdown, prompts and terminal hard-wraps, so each line is recognised by what it says rather
//! than by its column. Every step is linear in the input and never panics.

mod causes;
mod cut;
mod describe;
mod detect;
mod event_objects;
mod events;
mod fragment;
mod get_pods;
mod kubelet_log;
mod logs;
mod mapped_text;
mod merge;
mod observation;
mod scan;
mod shape;
mod status;
mod table;

use std::ops::Range;

pub use causes::{CauseInfo, cause_by_rule, causes, classify, failed};
pub use shape::looks_like_kubectl_output;
pub use shape::{PasteReading, paste_reading};
pub use status::{ListDiagnoser, diagnose_document};

/// Which kind of kubectl output a diagnosis' evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputKind {
    /// `kubectl describe pod` (its container blocks or its Events table).
    Describe,
    /// A `kubectl get pods` table row.
    GetPods,
    /// `kubectl get events` (OBJECT column `pod/NAME`).
    Events,
    /// The `kubectl events` command (OBJECT column `Pod/NAME`).
    KubectlEvents,
    /// A `kubectl logs` error for a container that never started.
    Logs,
    /// `status.containerStatuses[]` of `kubectl get pod -o yaml|json`.
    PodStatus,
    /// Event objects of `kubectl get events -o yaml|json` or `kubectl events -o yaml|json`
    /// (their messages are read by the events-table reader, which would say `describe`).
    EventObjects,
    /// A paste none of whose shapes was understood: only a pull-failure marker.
    Paste,
    /// The kubelet's own log (`journalctl -u kubelet`): klog's structured lines.
    KubeletLog,
}

impl InputKind {
    /// Every kind: docs/json.md must list each one's `source` value (tests/it/docs.rs).
    pub const ALL: &[InputKind] = &[
        InputKind::Describe,
        InputKind::GetPods,
        InputKind::Events,
        InputKind::KubectlEvents,
        InputKind::Logs,
        InputKind::PodStatus,
        InputKind::EventObjects,
        InputKind::Paste,
        InputKind::KubeletLog,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Describe => "describe",
            InputKind::GetPods => "get-pods",
            InputKind::Events => "get-events",
            InputKind::KubectlEvents => "events",
            InputKind::Logs => "logs",
            InputKind::PodStatus => "pod-status",
            InputKind::EventObjects => "event-objects",
            InputKind::Paste => "paste",
            InputKind::KubeletLog => "kubelet-log",
        }
    }
}

/// How the cause was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// A full runtime message (or a state that is its own cause) names it.
    Certain,
    /// Reasoning filled a gap: a cut-off message, or the pod's other events.
    Inferred,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Certain => "certain",
            Confidence::Inferred => "inferred",
        }
    }
}

/// One failing container (or pod sandbox), merged across every view of it in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub pod: Option<String>,
    pub namespace: Option<String>,
    pub container: Option<String>,
    /// The image as the pod spec names it: de-wrapped, unquoted.
    pub image: Option<String>,
    /// The waiting reason (`ErrImagePull`, `ImagePullBackOff`, `ErrImageNeverPull`,
    /// `InvalidImageName`, …) without `Init:`; `FailedCreatePodSandBox` for the sandbox image.
    pub reason: Option<String>,
    /// An init container (`Init:` status, `Init Containers:` block, `spec.initContainers{}`).
    pub init: bool,
    /// A pull of the pod sandbox (pause) image, reported by `FailedCreatePodSandBox`.
    pub sandbox: bool,
    /// Later events show the container started (or the image was pulled): a past failure.
    pub recovered: bool,
    pub cause: &'static CauseInfo,
    /// Byte range of the line or message that proves the cause.
    pub evidence: Range<usize>,
    /// The runtime's error text (de-wrapped), or the status when that is all there is.
    pub evidence_text: String,
    /// The container's `Image:` value, else the image in the evidence message.
    pub image_span: Option<Range<usize>>,
    /// The `Reason:` value, STATUS cell or `Error: <reason>` event.
    pub reason_span: Option<Range<usize>>,
    pub source_kind: InputKind,
    pub confidence: Confidence,
    /// Why the cause is inferred (said in the message), when it is.
    pub inference: Option<String>,
    /// The runtime's message was cut off (by a terminal, `less -S`, a table column) before
    /// it said why: the cause is inferred from what is left or from another pull in the paste
    /// (`Confidence::Inferred`), or, when nothing tells, unknown (`pull-failed`).
    pub cut: bool,
    /// Why the input was taken for kubectl output, when nothing in it has kubectl output's
    /// shape for certain (a marker in prose, a broken document with another tool's keys too):
    /// then the finding is only a note, and says this (issue 27).
    pub doubt: Option<String>,
    /// Every line this diagnosis used (each observation merged into it), in input order.
    pub evidence_all: Vec<Range<usize>>,
    /// Image pull Secrets the kubelet could not retrieve for the pod.
    pub missing_secrets: Vec<String>,
    /// How often the event that proves the cause was seen (an Event object's `count` or
    /// `series.count`, a row's `(x4 over 2m)` or COUNT cell).
    pub count: Option<u64>,
    /// Since when it was seen, as kubectl printed it: the `2m` of `(x4 over 2m)`, the FIRST
    /// SEEN cell of `get events -o wide` and of the old layouts.
    pub over: Option<String>,
    /// When the failure was last seen (an Event object's `lastTimestamp` or
    /// `series.lastObservedTime`), to the second, UTC.
    pub last_seen: Option<String>,
}

impl Diagnosis {
    /// What went wrong, in a few words: the cause's title, or for a failure whose message was
    /// cut before its reason, that it was.
    pub fn title(&self) -> &str {
        if self.cut && self.cause.specificity == 0 {
            "the image pull failed; the line was cut before the runtime's reason"
        } else {
            &self.cause.title
        }
    }

    /// The cause's help with its placeholders filled in.
    pub fn help(&self) -> String {
        let (quoted, image, (registry, repository, tag)) = match &self.image {
            Some(i) => (format!("{i:?}"), i.clone(), split_image(i)),
            None => (
                "the image".to_string(),
                "<image>".to_string(),
                ("<registry>".into(), "<repository>".into(), "<tag>".into()),
            ),
        };
        let help = match self.missing_secrets.as_slice() {
            [] => self.cause.help.clone(),
            names if self.cause.rule == "pull-unauthorized" => {
                let names: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
                let one = names.len() == 1;
                format!(
                    "the kubelet could not retrieve the image pull Secret{} {} of pod {{pod}}, so it \
                     pulled \"{{image}}\" without credentials: create {} in namespace {{namespace}} \
                     (`kubectl create secret docker-registry … -n {{namespace}}`, a \
                     kubernetes.io/dockerconfigjson for {{registry}}) or fix the name in the pod's \
                     `imagePullSecrets` (or its ServiceAccount's)",
                    if one { "" } else { "s" },
                    names.join(", "),
                    if one { "it" } else { "them" },
                )
            }
            names => format!(
                "{} (the kubelet could not retrieve the pod's image pull Secret {})",
                self.cause.help,
                names.join(", ")
            ),
        };
        help.replace("\"{image}\"", &quoted)
            .replace("{image}", &image)
            .replace("{registry}", &registry)
            .replace("{repository}", &repository)
            .replace("{tag}", &tag)
            .replace("{pod}", self.pod.as_deref().unwrap_or("<pod>"))
            .replace(
                "{namespace}",
                self.namespace.as_deref().unwrap_or("<namespace>"),
            )
    }
}

/// Registry, repository and tag (or digest) of an image, normalized as the kubelet does
/// (`crate::image`, Go's distribution/reference); for a reference that does not parse, a plain
/// split with Docker Hub's defaults.
pub fn split_image(image: &str) -> (String, String, String) {
    if let Ok(r) = crate::image::parse_reference(image) {
        let tag = r
            .digest(image)
            .or_else(|| r.tag(image))
            .unwrap_or("latest")
            .to_string();
        return (r.registry, r.repository, tag);
    }
    let (name, tag) = match image.split_once('@') {
        Some((n, d)) => (n, d.to_string()),
        None => match image.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, t.to_string()),
            _ => (image, "latest".to_string()),
        },
    };
    let (registry, path) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), rest.to_string())
        }
        _ if !name.contains('/') => ("docker.io".to_string(), format!("library/{name}")),
        _ => ("docker.io".to_string(), name.to_string()),
    };
    (registry, path, tag)
}

/// How images are compared across views and with manifests: normalized as the kubelet does
/// (`nginx` is `docker.io/library/nginx`), with an implicit `:latest` dropped, so that
/// `Pulling image "ubuntu"` and containerd's `docker.io/library/ubuntu:latest` agree. A
/// reference that does not parse compares as written but for its whitespace, which a wrap
/// may have added or taken away (`example/web: {{ .Values.tag }}`).
pub fn image_key(image: &str) -> String {
    let image = image.trim();
    let full = match crate::image::parse_reference(image) {
        Ok(r) => r.normalized(image),
        Err(_) => image.chars().filter(|c| !c.is_whitespace()).collect(),
    };
    match full.strip_suffix(":latest") {
        Some(short) if !full.contains('@') => short.to_string(),
        _ => full,
    }
}

/// Every failing container in `text`, one diagnosis each, in order of first appearance.
/// A text that carries a pull-failure marker always gets at least one: at worst `pull-failed`
/// on the marker's line.
pub fn diagnose(text: &str) -> Vec<Diagnosis> {
    let lines = mapped_text::lines(text);
    let found = scan::scan(&lines);
    let mut out = merge::merge(found);
    cut::infer(&mut out);
    if out.is_empty()
        && let Some(d) = marker_only(text)
    {
        out.push(d);
    }
    out
}

/// `pull-failed` on the line of the first pull-failure marker, for a paste none of whose
/// shapes was understood.
fn marker_only(text: &str) -> Option<Diagnosis> {
    let at = detect::pull_marker(text)?;
    let start = text.get(..at.start)?.rfind('\n').map_or(0, |i| i + 1);
    let end = text
        .get(at.end..)?
        .find('\n')
        .map_or(text.len(), |i| at.end + i);
    let line = text.get(start..end)?.trim_end_matches('\r');
    let word = text.get(at.clone())?;
    let reason = observation::is_pull_reason(word).then(|| word.to_string());
    let cause = classify(line);
    Some(Diagnosis {
        pod: None,
        namespace: None,
        container: None,
        image: None,
        reason_span: reason.as_ref().map(|_| at.clone()),
        reason,
        init: false,
        sandbox: false,
        recovered: false,
        cause,
        evidence: start..start + line.len(),
        evidence_text: line.trim().to_string(),
        image_span: None,
        source_kind: InputKind::Paste,
        confidence: Confidence::Certain,
        inference: None,
        cut: false,
        doubt: Some(format!(
            "read as kubectl output only because it says {word:?}: nothing else in it has \
             kubectl output's shape"
        )),
        evidence_all: std::iter::once(start..start + line.len()).collect(),
        missing_secrets: Vec::new(),
        count: None,
        over: None,
        last_seen: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_images_like_docker() {
        let s = |i: &str| split_image(i);
        assert_eq!(
            s("nginx"),
            ("docker.io".into(), "library/nginx".into(), "latest".into())
        );
        assert_eq!(s("a/b:1"), ("docker.io".into(), "a/b".into(), "1".into()));
        assert_eq!(
            s("localhost:5000/x@sha256:ab"),
            ("localhost:5000".into(), "x".into(), "sha256:ab".into())
        );
        assert_eq!(
            s("r.io/x/y"),
            ("r.io".into(), "x/y".into(), "latest".into())
        );
    }
}
