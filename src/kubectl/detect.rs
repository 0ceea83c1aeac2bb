//! Recognising what a line is: prompt, table header, describe key, event row. Also the
//! whole-text sniffing that decides whether an input is kubectl output at all.

use regex::{Regex, RegexSet};
use std::sync::LazyLock;

pub(crate) fn re(src: &str) -> Regex {
    // Every pattern here is a literal in this file, checked by the tests.
    Regex::new(src).unwrap_or_else(|e| panic!("bad built-in regex {src:?}: {e}"))
}

/// A shell prompt running kubectl (`$ kubectl …`, `[root@m ~]# kubectl …`, `PS C:\> kubectl …`).
static PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*(?:.{0,80}?[$#%>]\s*)?(?:sudo\s+)?(?:kubectl|oc|microk8s[ .]kubectl|k3s\s+kubectl|minikube\s+kubectl\s+--|k)\s+(?P<args>(?:get|describe|logs|events|-n|--namespace|-A)\b.*)$",
    )
});

/// A command line seen in the paste: it starts a new block of output.
pub(crate) struct PromptCommand {
    /// `describe pod NAME` / `get pod NAME` / `logs NAME`: the pod the output is about.
    pub pod: Option<String>,
    pub namespace: Option<String>,
}

pub(crate) fn prompt(line: &str) -> Option<PromptCommand> {
    let caps = PROMPT.captures(line)?;
    let args: Vec<&str> = caps.name("args")?.as_str().split_whitespace().collect();
    let mut namespace = None;
    let mut words = Vec::new();
    let mut it = args.iter().copied();
    while let Some(a) = it.next() {
        if a == "-n" || a == "--namespace" {
            namespace = it.next().map(str::to_string);
        } else if let Some(ns) = a.strip_prefix("--namespace=") {
            namespace = Some(ns.to_string());
        } else if a.starts_with('-') || a == "|" {
            if a == "|" {
                break;
            }
        } else {
            words.push(a);
        }
    }
    let pod = match words.as_slice() {
        // `get pod NAME -o yaml|json`: the status pasted after it is that pod's.
        ["describe" | "get", kind, name, ..] if is_pod_kind(kind) => Some(name.to_string()),
        ["describe", obj, ..] | ["logs", obj, ..] => obj
            .strip_prefix("pod/")
            .or_else(|| obj.strip_prefix("pods/"))
            .or(if words.first() == Some(&"logs") {
                Some(obj)
            } else {
                None
            })
            .map(str::to_string),
        _ => None,
    };
    Some(PromptCommand { pod, namespace })
}

fn is_pod_kind(kind: &str) -> bool {
    matches!(kind, "pod" | "pods" | "po")
}

static PODS_HEADER: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(?:NAMESPACE\s+)?NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\b"));

/// `kubectl get events` (new and ≤1.13 layouts) and `kubectl events` headers.
static EVENTS_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*(?P<ns>NAMESPACE\s+)?(?:LAST SEEN\s+TYPE\s+REASON\s+OBJECT|LASTSEEN\s+FIRSTSEEN\s+COUNT\s+NAME)\b",
    )
});

/// `kubectl describe`'s Events header, current and pre-2018 layouts.
static DESCRIBE_EVENTS_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*(?:Type\s+Reason\s+Age\s+From\s+Message|FirstSeen\s+LastSeen\s+Count\s+From|Time\s+From\s+SubobjectPath)\b|^\s*-{4}\s+-{6}\s+-{3,}",
    )
});

pub(crate) enum Header {
    GetPods,
    GetEvents { namespace_column: bool },
    DescribeEvents,
}

pub(crate) fn header(line: &str) -> Option<Header> {
    if PODS_HEADER.is_match(line) {
        return Some(Header::GetPods);
    }
    if let Some(c) = EVENTS_HEADER.captures(line) {
        return Some(Header::GetEvents {
            namespace_column: c.name("ns").is_some(),
        });
    }
    DESCRIBE_EVENTS_HEADER
        .is_match(line)
        .then_some(Header::DescribeEvents)
}

/// The `Key:` lines `kubectl describe pod` prints (describe.go), current and old.
static DESCRIBE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*(?:Name|Namespace|Priority|Priority Class Name|Runtime Class Name|Service Account|Node|Start Time|Labels|Annotations|Status|Reason|Message|IP|IPs|Controlled By|Init Containers|Containers|Ephemeral Containers|Container ID|Image|Image ID|Image\(s\)|Port|Ports|Host Port|Host Ports|Command|Args|State|Last State|Started|Finished|Exit Code|Signal|Ready|Restart Count|Limits|Requests|Liveness|Readiness|Startup|Environment|Environment Variables from|Mounts|Conditions|Type|Volumes|QoS Class|QoS Tier|Node-Selectors|Tolerations|Events|Nominated Node Name|Controllers|SecretName|ConfigMapName|Optional|ClaimName|ReadOnly|TokenExpirationSeconds|ConfigMapOptional|DownwardAPI|Medium|SizeLimit|HostPathType|Path|SeccompProfile|Seccomp Profile):(?:\s|$)",
    )
});

pub(crate) fn is_describe_key(line: &str) -> bool {
    DESCRIBE_KEY.is_match(line)
}

/// An events row: the Type column followed by a Reason, wherever the row's other columns put it.
static EVENT_ROW: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:^|\s)(?:Normal|Warning)\s+[A-Z][A-Za-z]+(?:\s|$)"));

pub(crate) fn is_event_row(line: &str) -> bool {
    EVENT_ROW.is_match(line)
}

/// What sniffing looks for: any one of these makes a text kubectl output.
pub(crate) static SNIFF: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"^\s*(?:NAMESPACE\s+)?NAME\s+READY\s+STATUS\s+RESTARTS",
        r"^\s*(?:NAMESPACE\s+)?(?:LAST SEEN\s+TYPE\s+REASON|LASTSEEN\s+FIRSTSEEN\s+COUNT)",
        r"^\s*(?:Type\s+Reason\s+Age\s+From\s+Message|FirstSeen\s+LastSeen\s+Count\s+From)",
        r"^Name:\s+\S+\s*$",
        r"^(?:Containers|Init Containers|Events):",
        r#"Failed to pull image "|Back-off pulling image "|is not present with pull policy of Never|Failed to apply default image tag "|Failed (?:to )?create pod sandbox:|is waiting to start: |failed to "StartContainer" for "|Error: (?:ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName)\b"#,
        r"(?:^|\s)(?:Normal|Warning)\s+(?:Scheduled|Pulling|Pulled|Failed|BackOff|Created|Started|Killing|FailedScheduling|FailedMount|FailedCreatePodSandBox|ErrImageNeverPull|InspectFailed)\s",
        r"^\s*(?:\S+\s+)?\S+\s+\d+/\d+\s+(?:Init:)?(?:ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName|Running|Pending|ContainerCreating|CrashLoopBackOff|Completed)\s+\d+",
    ])
    .unwrap_or_else(|e| panic!("bad built-in regex set: {e}"))
});

/// The words that say an image pull failed (issue 11, "Never a silent pass"): any paste that
/// holds one gets at least one diagnosis.
static PULL_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"Failed\s+to\s+pull\s+image|failed\s+to\s+pull\s+and\s+unpack|\b(?:ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName|ImageInspectError)\b|Back-off\s+pulling\s+image",
    )
});

/// Byte range of the first pull-failure marker in `text`.
pub(crate) fn pull_marker(text: &str) -> Option<std::ops::Range<usize>> {
    PULL_MARKER.find(text).map(|m| m.range())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_name_the_pod() {
        let c = prompt("$ kubectl describe pod web-1 -n prod").unwrap();
        assert_eq!(c.pod.as_deref(), Some("web-1"));
        assert_eq!(c.namespace.as_deref(), Some("prod"));
        let c = prompt("[root@m ~]# kubectl -n x describe pod/api-2").unwrap();
        assert_eq!(c.pod.as_deref(), Some("api-2"));
        assert_eq!(c.namespace.as_deref(), Some("x"));
        let c = prompt("PS C:\\> kubectl logs web-1 --namespace=a").unwrap();
        assert_eq!(c.pod.as_deref(), Some("web-1"));
        assert!(prompt("kubectl get pods -A").unwrap().pod.is_none());
        assert!(prompt("  Normal  Pulling  kubelet  Pulling image \"x\"").is_none());
    }

    #[test]
    fn headers() {
        assert!(matches!(
            header("NAMESPACE   LAST SEEN   TYPE   REASON   OBJECT   MESSAGE"),
            Some(Header::GetEvents {
                namespace_column: true
            })
        ));
        assert!(matches!(
            header("  Type     Reason   Age   From   Message"),
            Some(Header::DescribeEvents)
        ));
        assert!(matches!(
            header("NAME    READY     STATUS    RESTARTS   AGE"),
            Some(Header::GetPods)
        ));
    }
}
