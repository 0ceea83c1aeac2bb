//! What counts as kubectl output when a text merely mentions a failed pull (issue 27).
//!
//! The words (`ImagePullBackOff`, `Failed to pull image`) are everywhere in a platform team's
//! repository: Prometheus rules match them in PromQL, Alertmanager templates quote them, CI
//! workflows grep for them, runbooks explain them. A YAML or JSON document is kubectl output
//! only when the words sit where kubectl puts them: under the keys of a Pod, an Event, a list
//! of them or a fragment of one (`status.containerStatuses[].state.waiting.message`, an
//! Event's `message`), or under `kubectl describe`'s keys (`State:` / `Reason:`). A document
//! whose keys are another tool's (`groups`, `services`, `jobs`, `receivers`, `panels`, …) is
//! that tool's config, whatever its values say; a comment is never output.

use super::detect::{SNIFF, is_describe_key, prompt, pull_marker, re};
use crate::syntax::{Cursor, Document, ParseLimits, SyntaxError};
use regex::Regex;
use std::sync::LazyLock;

/// The keys on the way from a document's root to a pull-failure message or reason in
/// `kubectl get pod|event(s) -o yaml|json` and in its fragments: Pod and its status
/// (core/v1 types.go `PodStatus`, `ContainerStatus`, `ContainerState*`), Event (core/v1 and
/// events.k8s.io/v1), `List`, and their `metadata`.
const OBJECT_KEYS: &[&str] = &[
    // List, object, metadata
    "apiVersion",
    "kind",
    "items",
    "metadata",
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generateName",
    "labels",
    "annotations",
    "ownerReferences",
    "selfLink",
    "continue",
    "spec",
    // Pod status
    "status",
    "phase",
    "conditions",
    "hostIP",
    "hostIPs",
    "podIP",
    "podIPs",
    "startTime",
    "qosClass",
    "nominatedNodeName",
    "containerStatuses",
    "initContainerStatuses",
    "ephemeralContainerStatuses",
    "image",
    "imageID",
    "containerID",
    "ready",
    "restartCount",
    "started",
    "state",
    "lastState",
    "waiting",
    "running",
    "terminated",
    "exitCode",
    "startedAt",
    "finishedAt",
    "signal",
    "reason",
    "message",
    "type",
    "lastProbeTime",
    "lastTransitionTime",
    // Event, core/v1 and events.k8s.io/v1
    "involvedObject",
    "regarding",
    "related",
    "fieldPath",
    "source",
    "component",
    "host",
    "firstTimestamp",
    "lastTimestamp",
    "eventTime",
    "count",
    "series",
    "lastObservedTime",
    "action",
    "note",
    "reportingComponent",
    "reportingController",
    "reportingInstance",
    "deprecatedSource",
    "deprecatedFirstTimestamp",
    "deprecatedLastTimestamp",
    "deprecatedCount",
];

/// Whether `key` is one kubectl prints on the way to a pull failure: an object key above, or a
/// `kubectl describe pod` key (`State`, `Reason`, `Init Containers`, …).
fn kubectl_key(key: &str) -> bool {
    OBJECT_KEYS.contains(&key) || is_describe_key(&format!("{key}: "))
}

/// Keys whose children are names a user chose: a container under describe's `Containers:`,
/// a label or an annotation.
fn names_below(key: &str) -> bool {
    matches!(
        key,
        "Containers" | "Init Containers" | "Ephemeral Containers" | "labels" | "annotations"
    )
}

/// More nodes than this are not walked: a document that large with no pull failure in its
/// first nodes is no pasted status.
const MAX_NODES: usize = 200_000;
/// Deeper than this is no pod status (the reader caps depth too; this keeps the stack small).
const MAX_DEPTH: usize = 64;

/// Whether a pull-failure marker sits in a value that kubectl prints there: every key on the
/// way from the root is a Pod, Event, List or describe key (a container's, label's or
/// annotation's own name aside). `groups[].rules[].expr`, `jobs.x.steps[].run`,
/// `receivers[].slack_configs[].text` are not. Nor is a `message` or a `name` beside a root
/// key kubectl never prints there (a Datadog monitor's `query`, `options`): the document is
/// another tool's, whose keys merely share kubectl's words.
pub fn marker_in_kubectl_place(doc: &Document<'_>) -> bool {
    let Some(root) = doc.root() else {
        return false;
    };
    if foreign_root_key(doc).is_some() {
        return false;
    }
    // (value, every key so far is kubectl's, the key it is the value of, depth)
    let mut stack: Vec<(Cursor<'_>, bool, Option<&str>, usize)> = vec![(root, true, None, 0)];
    let mut seen = 0;
    while let Some((node, ok, key, depth)) = stack.pop() {
        seen += 1;
        if seen > MAX_NODES || depth > MAX_DEPTH {
            return false;
        }
        if node.is_map() {
            for (k, v) in node.entries() {
                let name = k.as_str();
                let under_names = key.is_some_and(names_below);
                let keeps = ok && (under_names || name.is_some_and(kubectl_key));
                // A subtree that left kubectl's keys cannot come back to them.
                if keeps {
                    stack.push((v, true, name, depth + 1));
                }
            }
        } else if node.is_seq() {
            for item in node.items() {
                stack.push((item, ok, key, depth + 1));
            }
        } else if key.is_some() && ok && node.as_str().is_some_and(|s| pull_marker(s).is_some()) {
            return true;
        }
    }
    false
}

/// The keys at the root of a document (of each item, for a root sequence).
fn root_keys<'d>(doc: &'d Document<'d>) -> Vec<Option<&'d str>> {
    let Some(root) = doc.root() else {
        return Vec::new();
    };
    let maps: Vec<Cursor<'d>> = if root.is_seq() {
        root.items().filter(|i| i.is_map()).collect()
    } else {
        vec![root]
    };
    maps.iter()
        .flat_map(|m| m.entries().map(|(k, _)| k.as_str()))
        .collect()
}

/// A key a config file would have: one word (`groups`, `slack_configs`, `runs-on`,
/// `app.kubernetes.io/name`). A line of kubectl output can parse as a mapping too, its key a
/// phrase (`Failed to pull image "x": not found`): that says nothing of another tool.
static CONFIG_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z_$][\w.\-/$]*$").unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

/// The first root key that kubectl never prints in a Pod, an Event, a list of them or
/// `describe` (`groups`, `services`, `jobs`, `receivers`, `panels`): the document is another
/// tool's.
pub fn foreign_root_key<'d>(doc: &'d Document<'d>) -> Option<&'d str> {
    root_keys(doc)
        .into_iter()
        .flatten()
        .find(|k| CONFIG_KEY.is_match(k) && !kubectl_key(k))
}

/// A root key that is a phrase, not a word (`Failed to pull image "x"` of a kubelet message
/// line, `or` aside, where a wrap cut it): text that happens to parse, not a config.
fn phrase_key(doc: &Document<'_>) -> bool {
    root_keys(doc)
        .into_iter()
        .flatten()
        .any(|k| k.contains([' ', '"', '\'']) && !kubectl_key(k))
}

/// Whether `text`, which the line sniffing took for kubectl output, is in fact YAML or JSON of
/// another tool: it parses, every document is a mapping or a sequence, some document has a
/// root key kubectl does not print, and no pull-failure marker sits where kubectl puts one.
/// Parsed only when sniffing said yes, so manifests are not read twice.
pub(crate) fn another_tools_document(text: &str) -> bool {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let docs = crate::syntax::parse_stream(text, bom, &ParseLimits::default());
    let mut foreign = false;
    for doc in &docs {
        let Ok(doc) = doc else { return false };
        let Some(root) = doc.root() else { continue };
        if !(root.is_map() || root.is_seq()) || marker_in_kubectl_place(doc) || phrase_key(doc) {
            return false;
        }
        foreign |= foreign_root_key(doc).is_some();
    }
    foreign
}

/// A `key:` line of YAML or JSON: `key: …`, `- key: …`, `"key": …`, describe's `Last State:`.
static KEY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:-\s+)*(?:"(?P<q>[^"]{1,64})"|(?P<k>[A-Za-z][\w.-]*(?: [A-Z][\w.-]*){0,3}))\s*:(?:\s|$)"#)
        .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

/// How the keys of text that does not parse vote: kubectl's against another tool's.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct KeyVote {
    pub kubectl: usize,
    pub other: usize,
    /// The first key of another tool, to say why.
    pub first_other: Option<String>,
}

/// Counts the `key:` lines of `text` (comments aside) whose key kubectl prints, and the others.
/// Text that does not parse is often a paste a terminal wrapped (no YAML anymore, its keys
/// still on their lines), sometimes a broken config: the keys tell them apart, by majority,
/// since a wrap can cut a message at a word that looks like a key (`error: code = …`).
pub fn key_vote(text: &str) -> KeyVote {
    let mut vote = KeyVote::default();
    for line in text.lines() {
        if is_comment(line) {
            continue;
        }
        let Some(c) = KEY_LINE.captures(line) else {
            continue;
        };
        let Some(key) = c.name("q").or_else(|| c.name("k")).map(|m| m.as_str()) else {
            continue;
        };
        if kubectl_key(key) {
            vote.kubectl += 1;
        } else {
            vote.other += 1;
            if vote.first_other.is_none() {
                vote.first_other = Some(key.to_string());
            }
        }
    }
    vote
}

/// A YAML comment line (`# …`), unless it is a root shell prompt running kubectl
/// (`# kubectl describe pod x`).
pub(crate) fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#') && super::detect::prompt(line).is_none()
}

/// Why a text that holds no Kubernetes object is read as kubectl output after all, when the
/// YAML reader is done with it: `None` when it is not (another tool's document, or a marker
/// only in comments).
#[derive(Debug, PartialEq, Eq)]
pub enum PasteReading {
    /// A marker where kubectl puts it, or a broken document whose keys are kubectl's (but for
    /// a few pieces of wrapped message).
    Certain,
    /// A broken document whose keys are mostly but not all kubectl's: read, but only a note,
    /// saying why.
    Unsure(String),
}

/// Whether the documents of `text` (as the YAML reader left them) that hold no object are
/// kubectl output: a parsed document with a marker where kubectl puts one; a document that
/// does not parse whose keys are mostly kubectl's (four in five: certain; one in two: a
/// note); text that is no mapping at all (prose, a
/// lone line) with a marker outside comments.
pub fn paste_reading(
    text: &str,
    docs: &[Result<Document<'_>, SyntaxError>],
) -> Option<PasteReading> {
    let mut unsure = None;
    let mut judge = |part: &str| -> Option<PasteReading> {
        if !has_marker_outside_comments(part) {
            return None;
        }
        let vote = key_vote(part);
        // Four in five: a wrap leaves a few pieces of message that look like keys.
        if vote.other * 4 <= vote.kubectl {
            return Some(PasteReading::Certain);
        }
        if vote.kubectl >= vote.other && unsure.is_none() {
            unsure = Some(format!(
                "read as kubectl output because it does not parse and {} of its {} keys are \
                 kubectl's, though not `{}`",
                vote.kubectl,
                vote.kubectl + vote.other,
                vote.first_other.unwrap_or_default()
            ));
        }
        None
    };
    // Text no document covers: the reader stops at the end of a document's root node, and
    // what a wrap pushed past it (an indented first line ends the root early) was never read.
    let mut read_to = 0;
    for doc in docs {
        let range = match doc {
            Ok(d) => d.range.clone(),
            Err(e) => e.document.clone(),
        };
        if let Some(gap) = text.get(read_to..range.start)
            && let Some(found) = judge(gap)
        {
            return Some(found);
        }
        read_to = read_to.max(range.end);
    }
    if let Some(found) = text.get(read_to..).and_then(&mut judge) {
        return Some(found);
    }
    for doc in docs {
        match doc {
            Ok(doc) => {
                let structured = doc.root().is_some_and(|r| r.is_map() || r.is_seq());
                if structured {
                    if marker_in_kubectl_place(doc) {
                        return Some(PasteReading::Certain);
                    }
                } else if has_marker_outside_comments(text.get(doc.range.clone()).unwrap_or("")) {
                    return Some(PasteReading::Certain);
                }
            }
            Err(e) => {
                if let Some(found) = judge(text.get(e.document.clone()).unwrap_or("")) {
                    return Some(found);
                }
            }
        }
    }
    unsure.map(PasteReading::Unsure)
}

/// Whether a line of `text` that is not a comment carries a pull-failure marker.
pub fn has_marker_outside_comments(text: &str) -> bool {
    text.lines()
        .any(|l| !is_comment(l) && pull_marker(l).is_some())
}

/// A line that declares a Kubernetes object: `kind: X` / `"kind": "X"` (YAML or JSON).
static KIND_LINE: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?m)^[\s{\[,-]*"?(?:kind|apiVersion)"?\s*:\s*"?[A-Za-z]"#));

/// Whether `text` is saved or pasted kubectl output (describe, get pods, events, logs errors,
/// fragments of a pod status) rather than a manifest. A YAML or JSON document that declares a
/// `kind` is a manifest: `get pod -o yaml|json` output is read through the YAML tree. Text
/// that declares no object but carries a pull-failure marker is kubectl output even when it
/// also parses as YAML (the describe excerpt `State: Waiting` / `Reason: ImagePullBackOff`).
pub fn looks_like_kubectl_output(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---");
    let declares_object = || KIND_LINE.is_match(text);
    match first {
        None => return false,
        Some(l) if is_json_start(l) || l.starts_with("apiVersion:") || l.starts_with("kind:") => {
            return !declares_object()
                && has_marker_outside_comments(text)
                && !another_tools_document(text);
        }
        _ => {}
    }
    // Kubectl's own headers settle it; loose kubectl phrases (an event row, a kubelet message)
    // only count in a text that is not a manifest, where they could be a comment or a string.
    let mut manifest = false;
    let mut phrase = false;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        // A comment says what it likes (a runbook's "if pods sit in ImagePullBackOff").
        if is_comment(line) {
            continue;
        }
        let t = line.trim_start().trim_start_matches("- ");
        if t.starts_with("apiVersion:") || t.starts_with("kind:") {
            manifest = true;
        }
        let matched = SNIFF.matches(line);
        if matched.iter().any(|i| STRONG.contains(&i)) {
            return !another_tools_document(text);
        }
        // A `kubectl …` line may be a prompt, or a script inside a manifest.
        phrase |= matched.matched_any() || prompt(line).is_some();
    }
    // Lines that look like kubectl's in a YAML or JSON document of another tool (a workflow
    // step running `kubectl get pods | grep ErrImagePull`, an Alertmanager template quoting
    // `Failed to pull image "{{ … }}"`) are its values, not output (issue 27).
    (phrase || has_marker_outside_comments(text)) && !manifest && !another_tools_document(text)
}

/// Indices in `SNIFF` of the table and section headers only kubectl prints.
const STRONG: &[usize] = &[0, 1, 2, 4];

/// `{…` or a JSON array; not a `[root@host ~]#` prompt.
fn is_json_start(line: &str) -> bool {
    line.starts_with('{')
        || line
            .strip_prefix('[')
            .map(str::trim_start)
            .is_some_and(|r| r.is_empty() || r.starts_with(['{', '[', '"', ']']))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_stream;

    #[test]
    fn sniffing() {
        assert!(looks_like_kubectl_output(
            "NAME   READY   STATUS   RESTARTS   AGE\n"
        ));
        assert!(looks_like_kubectl_output(
            "\u{feff}Failed to pull image \"x\": boom\r\n"
        ));
        assert!(looks_like_kubectl_output(
            "Name:         web\nNamespace:    default\n"
        ));
        assert!(!looks_like_kubectl_output(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n"
        ));
        assert!(!looks_like_kubectl_output(
            "# c\n---\nkind: Pod\napiVersion: v1\nstatus:\n  containerStatuses:\n  - state:\n      waiting:\n        message: 'Back-off pulling image \"x\"'\n"
        ));
        assert!(!looks_like_kubectl_output("{\"kind\": \"Pod\"}"));
        assert!(!looks_like_kubectl_output("[\n  {\"kind\": \"Pod\"}\n]"));
        assert!(looks_like_kubectl_output(
            "[root@m ~]# kubectl get pods\nNAME  READY  STATUS  RESTARTS  AGE\n"
        ));
        assert!(!looks_like_kubectl_output(""));
        assert!(!looks_like_kubectl_output("hello world\n"));
        assert!(!looks_like_kubectl_output(
            "metadata:\n  name: x\napiVersion: v1\nName: x\n"
        ));
        // Kubelet phrases or a kubectl command inside a manifest do not make it kubectl output.
        assert!(!looks_like_kubectl_output(
            "# CronJob\nmetadata:\n  name: x\nkind: CronJob\nspec:\n  script: |\n    kubectl get pods -A\n    echo 'Warning  Failed  1s  kubelet  Error: ErrImagePull'\n"
        ));
        assert!(looks_like_kubectl_output(
            "$ kubectl get pods\nweb  0/1  ErrImagePull  0  1m\n"
        ));
    }

    fn docs(text: &str) -> Vec<Result<Document<'_>, SyntaxError>> {
        parse_stream(text, 0, &ParseLimits::default())
    }

    fn in_place(text: &str) -> bool {
        docs(text)
            .iter()
            .any(|d| d.as_ref().is_ok_and(marker_in_kubectl_place))
    }

    #[test]
    fn markers_where_kubectl_puts_them() {
        assert!(in_place(
            "status:\n  containerStatuses:\n  - name: web\n    state:\n      waiting:\n        reason: ErrImagePull\n"
        ));
        assert!(in_place(
            "{\"items\": [{\"message\": \"Back-off pulling image \\\"x\\\"\"}]}"
        ));
        assert!(in_place(
            "Containers:\n  web:\n    State: Waiting\n    Reason: ImagePullBackOff\n"
        ));
        assert!(in_place("- reason: InvalidImageName\n"));
    }

    #[test]
    fn markers_in_another_tools_values() {
        assert!(!in_place(
            "groups:\n- name: x\n  rules:\n  - expr: kube_pod_container_status_waiting_reason{reason=~\"ErrImagePull|ImagePullBackOff\"}\n"
        ));
        assert!(!in_place(
            "jobs:\n  smoke:\n    steps:\n    - run: kubectl get pods | grep ErrImagePull\n"
        ));
        assert!(!in_place(
            "receivers:\n- name: slack\n  slack_configs:\n  - text: 'Failed to pull image \"{{ .Labels.image }}\"'\n"
        ));
        // A kubectl key deeper down does not bring a foreign subtree back.
        assert!(!in_place(
            "panels:\n- targets:\n  - status:\n      message: ImagePullBackOff\n"
        ));
        // Kubectl's words at the root beside another tool's (a monitor's `query`).
        assert!(!in_place(
            "{\"name\": \"x\", \"query\": \"y\", \"message\": \"pod is in ImagePullBackOff\"}"
        ));
        assert!(!in_place(
            "- type: query alert\n  message: ErrImagePull\n  options: {}\n"
        ));
        // A marker in a comment or a key is no value.
        assert!(!in_place("# ImagePullBackOff\nname: x\n"));
        assert!(!in_place("ImagePullBackOff: 1\n"));
    }

    #[test]
    fn another_tools_documents() {
        assert!(another_tools_document(
            "groups:\n- name: x\n  rules:\n  - alert: A\n    expr: x{reason=\"ImagePullBackOff\"}\n"
        ));
        assert!(!another_tools_document(
            "Name: web\nNamespace: default\nStatus: Pending\n"
        ));
        assert!(!another_tools_document("status: [valid\n"));
        assert!(!another_tools_document("just prose with ErrImagePull\n"));
        assert!(!another_tools_document(
            "Failed to pull image \"x\": not found\n"
        ));
        // The same line cut by a terminal: `or` looks like a key, the phrase before it does not.
        assert!(!another_tools_document(
            "Failed to pull image \"x\": rpc err\nor: code = Unknown\n"
        ));
        assert!(!another_tools_document(
            "services:\n  x:\n    image: y\n---\nstatus:\n  message: ErrImagePull\n"
        ));
    }

    #[test]
    fn votes_of_keys() {
        let v = key_vote(
            "# groups: in a comment\ngroups:\n- name: x\n  rules:\n  - \"expr\": 1\nLast State: Waiting\n",
        );
        assert_eq!((v.kubectl, v.other), (2, 3));
        assert_eq!(v.first_other.as_deref(), Some("groups"));
    }

    #[test]
    fn paste_readings() {
        let text = "status:\n  containerStatuses:\n  - state:\n      waiting:\n        reason: ErrImagePull\n     bad: [\n";
        assert_eq!(
            paste_reading(text, &docs(text)),
            Some(PasteReading::Certain)
        );
        let text = "groups:\n- rules:\n  - expr: x{reason=\"ErrImagePull\"}\n   bad: [\n";
        assert_eq!(paste_reading(text, &docs(text)), None);
        let text = "status:\n- rules:\n  - message: ErrImagePull\n    reason: x\n   bad: [\n";
        assert!(matches!(
            paste_reading(text, &docs(text)),
            Some(PasteReading::Unsure(_))
        ));
        let text = "# ErrImagePull\nservices: {}\n";
        assert_eq!(paste_reading(text, &docs(text)), None);
    }
}
