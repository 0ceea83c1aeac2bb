//! What the readers of each kubectl layout (describe, get pods, events, logs) find: one
//! observation per piece of evidence about one container, before `merge` joins them.

use super::{CauseInfo, InputKind, failed};
use std::ops::Range;

/// Waiting reasons that mean the image could not be pulled (pkg/kubelet/images/types.go, and
/// the CRI-O reasons of k8s.io/cri-api errors.go).
pub(crate) fn is_pull_reason(reason: &str) -> bool {
    matches!(
        reason,
        "ErrImagePull"
            | "ImagePullBackOff"
            | "ErrImageNeverPull"
            | "InvalidImageName"
            | "ImageInspectError"
            | "RegistryUnavailable"
            | "SignatureValidationFailed"
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObservationKind {
    /// Evidence that a pull failed.
    Failure,
    /// The container started or its image was pulled after all.
    Recovered,
    /// The kubelet could not read some of the pod's image pull Secrets
    /// (FailedToRetrieveImagePullSecret): it pulled without those credentials.
    MissingSecrets,
}

/// One piece of evidence about one container, before merging.
#[derive(Debug, Clone)]
pub(crate) struct Observation {
    pub kind: ObservationKind,
    pub source: InputKind,
    /// Block of the input it came from (a new command, table or described pod starts one).
    pub segment: usize,
    pub pod: Option<String>,
    pub namespace: Option<String>,
    pub container: Option<String>,
    pub init: bool,
    pub sandbox: bool,
    pub image: Option<String>,
    pub image_span: Option<Range<usize>>,
    pub reason: Option<String>,
    pub reason_span: Option<Range<usize>>,
    /// The reason is the container's current state (describe, get pods, logs), not an event.
    pub state: bool,
    pub cause: &'static CauseInfo,
    pub evidence: Range<usize>,
    pub evidence_text: String,
    /// How well this evidence shows the failure, when causes tie: 3 a runtime error message,
    /// 2 a state, 1 a bare event.
    pub rank: u8,
    /// `MissingSecrets`: the Secret names.
    pub secrets: Vec<String>,
    /// When an Event object last saw it (core v1 `lastTimestamp`, events.k8s.io/v1
    /// `series.lastObservedTime`, …), normalized so that strings compare as times.
    pub time: Option<EventTime>,
    /// How often an Event object saw it (core v1 `count`, events.k8s.io/v1 `series.count`).
    pub count: Option<u64>,
    /// Since when, as kubectl printed it: the `2m` of `(x4 over 2m)`, the FIRST SEEN cell.
    pub over: Option<String>,
}

/// An RFC 3339 UTC time as the API server writes it (`2026-03-16T10:04:40Z`, with or without
/// fractional seconds): `key` compares as time, `shown` is the time to the second.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct EventTime {
    key: String,
    pub shown: String,
}

impl EventTime {
    pub fn parse(raw: &str) -> Option<EventTime> {
        let raw = raw.trim();
        let seconds = raw.get(..19)?;
        let b = seconds.as_bytes();
        let shape_ok = b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
        let rest = raw.get(19..)?;
        let (fraction, zone) = match rest.strip_prefix('.') {
            Some(f) => {
                let digits = f.len() - f.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                (f.get(..digits)?, f.get(digits..)?)
            }
            None => ("", rest),
        };
        // The API server writes UTC; another zone would not compare as text.
        if !shape_ok || zone != "Z" || fraction.len() > 9 {
            return None;
        }
        Some(EventTime {
            key: format!("{seconds}.{fraction:0<9}"),
            shown: format!("{seconds}Z"),
        })
    }
}

impl Observation {
    pub fn failure(source: InputKind, segment: usize, evidence: Range<usize>) -> Observation {
        Observation {
            kind: ObservationKind::Failure,
            source,
            segment,
            pod: None,
            namespace: None,
            container: None,
            init: false,
            sandbox: false,
            image: None,
            image_span: None,
            reason: None,
            reason_span: None,
            state: false,
            cause: failed(),
            evidence,
            evidence_text: String::new(),
            rank: 0,
            secrets: Vec::new(),
            time: None,
            count: None,
            over: None,
        }
    }
}

/// A container block of `kubectl describe`: which image a container runs.
#[derive(Debug, Clone)]
pub(crate) struct ContainerInfo {
    pub segment: usize,
    pub pod: Option<String>,
    pub namespace: Option<String>,
    pub name: String,
    pub init: bool,
    pub image: String,
    pub image_span: Range<usize>,
}

#[derive(Debug, Default)]
pub(crate) struct Found {
    pub observations: Vec<Observation>,
    pub containers: Vec<ContainerInfo>,
    /// (segment, namespace, pod) of `Successfully assigned ns/pod to node` events.
    pub scheduled: Vec<(usize, Option<String>, String)>,
}

/// What an event row needs from its surroundings.
#[derive(Debug, Clone, Default)]
pub(crate) struct RowContext {
    pub segment: usize,
    pub pod: Option<String>,
    pub namespace: Option<String>,
    /// `-n NS` of the command that printed the rows, for rows that name their pod.
    pub command_namespace: Option<String>,
    /// The table header had a NAMESPACE column (`-A`).
    pub namespace_column: bool,
}

#[cfg(test)]
mod tests {
    use super::EventTime;

    #[test]
    fn event_times_compare_as_times() {
        let a = EventTime::parse("2026-03-16T10:04:40Z").unwrap();
        let b = EventTime::parse("2026-03-16T10:04:40.000001Z").unwrap();
        let c = EventTime::parse("2026-03-16T10:04:39.999999Z").unwrap();
        assert!(c < a && a < b);
        assert_eq!(b.shown, "2026-03-16T10:04:40Z");
        for bad in [
            "",
            "2026-03-16",
            "2026-03-16T10:04:40+02:00",
            "yesterday at noon Z",
        ] {
            assert!(EventTime::parse(bad).is_none(), "{bad}");
        }
    }
}
