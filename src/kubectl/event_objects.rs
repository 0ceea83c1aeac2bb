//! `kubectl get events -o yaml|json` and `kubectl events -o yaml|json`: a `List` / `EventList`
//! of `Event` objects, core v1 (`involvedObject`, `message`, `count`) or `events.k8s.io/v1`
//! (`regarding`, `note`, `series`). Each event's message goes through the same reader as an
//! event row, so a pod's events merge and reason together as in a table.

use super::events;
use super::mapped_text::MappedText;
use super::observation::{EventTime, Found, RowContext};
use super::{Diagnosis, merge};
use crate::syntax::{Cursor, Document};

/// The diagnoses of the events in `doc`, when it is a list of Events, a bare sequence of them,
/// or one Event.
pub(crate) fn diagnose(doc: &Document) -> Vec<Diagnosis> {
    let Some(root) = doc.root() else {
        return Vec::new();
    };
    let mut found = Found::default();
    if root.str_at("kind").is_some_and(|k| k.ends_with("List")) {
        if let Some(items) = root.get("items") {
            for item in items.items() {
                event(&item, &mut found);
            }
        }
    } else {
        event(&root, &mut found);
        // A list's items pasted without their `items:` header: a bare sequence of Events.
        for item in root.items() {
            event(&item, &mut found);
        }
    }
    finish(found)
}

/// The events' observations merged into diagnoses, as for a table of event rows.
pub(crate) fn finish(found: Found) -> Vec<Diagnosis> {
    if found.observations.is_empty() {
        return Vec::new();
    }
    let mut out = merge::merge(found);
    super::cut::infer(&mut out);
    out
}

pub(crate) fn event(obj: &Cursor<'_>, found: &mut Found) {
    if obj.str_at("kind") != Some("Event") {
        return;
    }
    // core v1 names the object `involvedObject`; events.k8s.io/v1 names it `regarding`.
    let Some(about) = obj.get("involvedObject").or_else(|| obj.get("regarding")) else {
        return;
    };
    if about.str_at("kind") != Some("Pod") {
        return;
    }
    let Some(node) = obj.get("message").or_else(|| obj.get("note")) else {
        return;
    };
    let Some(message) = node.as_str() else {
        return;
    };
    let namespace = about.str_at("namespace").or_else(|| {
        obj.path(&["metadata", "namespace"])
            .and_then(|c| c.as_str())
    });
    // kubectl ≥1.35 describe prefixes the field path; here it is a field of its own. Put it
    // where the row reader expects it.
    let prefix = about
        .str_at("fieldPath")
        .map(|f| format!("{f}: "))
        .unwrap_or_default();
    let range = node.report_range();
    // One event is one message even when it holds newlines (CRI-O's list of registry errors,
    // `… errors:\ndenied: …\nunauthorized: authentication required`; containerd 2's joined
    // status and registry error): the row reader stops at a line end, so join the lines.
    let message = message.replace(['\r', '\n'], " ");
    let mut text = MappedText::default();
    text.push(&prefix, range.start);
    text.push(&message, range.start);
    let Some(at) = events::marker(&text.text) else {
        return;
    };
    let ctx = RowContext {
        segment: 0,
        pod: about.str_at("name").map(str::to_string),
        namespace: namespace.map(str::to_string),
        command_namespace: None,
        namespace_column: false,
    };
    // events.k8s.io/v1 counts repeats in `series` (its `deprecated*` fields mirror core v1);
    // core v1 in `count` and `lastTimestamp`. A single event has only its own time.
    let series = obj.get("series");
    let time = [
        series.as_ref().and_then(|s| s.str_at("lastObservedTime")),
        obj.str_at("lastTimestamp"),
        obj.str_at("deprecatedLastTimestamp"),
        obj.str_at("eventTime"),
        obj.path(&["metadata", "creationTimestamp"])
            .and_then(|c| c.as_str()),
    ]
    .into_iter()
    .flatten()
    .find_map(EventTime::parse);
    let count = [
        series.as_ref().and_then(|s| s.str_at("count")),
        obj.str_at("count"),
        obj.str_at("deprecatedCount"),
    ]
    .into_iter()
    .flatten()
    .find_map(|c| c.trim().parse::<u64>().ok());
    let parsed = events::parse(&text, at, &ctx);
    for mut o in parsed.observations {
        // The message is a scalar of the tree (quoted, escaped, folded): point at all of it.
        o.evidence = range.clone();
        o.source = super::InputKind::EventObjects;
        o.image_span = None;
        o.reason_span = None;
        o.time = time.clone();
        o.count = count;
        found.observations.push(o);
    }
    if let Some((ns, pod)) = parsed.scheduled {
        found.scheduled.push((0, ns, pod));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{ParseLimits, parse_stream};

    fn run(text: &str) -> Vec<Diagnosis> {
        parse_stream(text, 0, &ParseLimits::default())
            .into_iter()
            .flatten()
            .flat_map(|d| diagnose(&d))
            .collect()
    }

    /// As kubectl 1.31 prints `get events -o json` for a CRI-O multi-error message
    /// (fixtures/kubectl/rendered/crio-multiline-unauthorized/get-events.json).
    #[test]
    fn a_message_with_newlines_is_read_whole() {
        let text = r#"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Event",
  "involvedObject": {"kind": "Pod", "name": "grafana-0", "namespace": "observability",
    "fieldPath": "spec.containers{grafana}"},
  "message": "Failed to pull image \"quay.io/acme-private/grafana:10.4\": initializing source docker://quay.io/acme-private/grafana:10.4: reading manifest 10.4 in quay.io/acme-private/grafana: errors:\ndenied: requested access to the resource is denied\nunauthorized: authentication required\n",
  "reason": "Failed", "type": "Warning"}]}"#;
        let d = run(text);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].cause.rule, "pull-unauthorized");
        assert_eq!(
            d[0].image.as_deref(),
            Some("quay.io/acme-private/grafana:10.4")
        );
        assert_eq!(d[0].pod.as_deref(), Some("grafana-0"));
    }

    const FAILED: &str = "- kind: Event\n  regarding: {kind: Pod, name: p, fieldPath: 'spec.containers{c}'}\n  note: 'Failed to pull image \"a/b:1\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/a/b:1\": failed to resolve reference \"docker.io/a/b:1\": docker.io/a/b:1: not found'\n";

    #[test]
    fn series_counts_like_core_count() {
        let v1 = format!(
            "kind: List\nitems:\n{FAILED}  series: {{count: 7, lastObservedTime: '2026-01-02T03:04:05.123Z'}}\n  deprecatedCount: 2\n"
        );
        let d = run(&v1);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].count, Some(7));
        assert_eq!(d[0].last_seen.as_deref(), Some("2026-01-02T03:04:05Z"));
        let core = "kind: List\nitems:\n- kind: Event\n  involvedObject: {kind: Pod, name: p}\n  message: 'Failed to pull image \"a/b:1\": not found'\n  count: 3\n  lastTimestamp: '2026-01-02T03:04:05Z'\n";
        let d = run(core);
        assert_eq!(d[0].count, Some(3));
        assert_eq!(d[0].last_seen.as_deref(), Some("2026-01-02T03:04:05Z"));
    }

    #[test]
    fn a_success_older_than_the_failure_is_no_recovery() {
        let pulled = |t: &str| {
            format!(
                "- kind: Event\n  regarding: {{kind: Pod, name: p, fieldPath: 'spec.containers{{c}}'}}\n  note: Successfully pulled image \"a/b:1\" in 1s\n  eventTime: '{t}'\n"
            )
        };
        let failed =
            format!("{FAILED}  series: {{count: 2, lastObservedTime: '2026-01-02T12:00:00Z'}}\n");
        let before = format!(
            "kind: List\nitems:\n{}{failed}",
            pulled("2026-01-02T08:00:00Z")
        );
        assert!(!run(&before)[0].recovered);
        let after = format!(
            "kind: List\nitems:\n{}{failed}",
            pulled("2026-01-02T13:00:00Z")
        );
        assert!(run(&after)[0].recovered);
    }
}
