//! `kubectl get pod(s) -o yaml|json`: the pod status written by the kubelet
//! (`status.containerStatuses[].state.waiting.{reason,message}`), read from the spanned tree.
//! Unlike `describe`, the waiting message carries the runtime error itself
//! (image_manager.go `return err.Error(), ErrImagePull`; ≥1.32 also on ImagePullBackOff).

use super::observation::is_pull_reason;
use super::{Confidence, Diagnosis, InputKind, classify};
use crate::syntax::{Cursor, Document};

/// The status lists and whether they hold init containers.
const STATUS_LISTS: &[(&str, &str, bool)] = &[
    ("initContainerStatuses", "initContainers", true),
    ("containerStatuses", "containers", false),
    ("ephemeralContainerStatuses", "ephemeralContainers", false),
];

/// One diagnosis per container of a Pod (or of each Pod in a `kind: List`) that waits on a
/// failed pull, and one per container that a list of Events shows failing.
pub fn diagnose_document(doc: &Document) -> Vec<Diagnosis> {
    let mut out = super::event_objects::diagnose(doc);
    let Some(root) = doc.root() else {
        return out;
    };
    let kind = root.str_at("kind").unwrap_or("");
    if kind.ends_with("List") {
        if let Some(items) = root.get("items") {
            for item in items.items() {
                pod(&item, &mut out);
            }
        }
    } else {
        pod(&root, &mut out);
        // A list's items pasted without their `items:` header: a bare sequence of Pods.
        for item in root.items() {
            pod(&item, &mut out);
        }
    }
    out
}

/// [`diagnose_document`] of a `List` whose items are read one at a time (and dropped) rather
/// than from the whole tree: feed it every item in order, then [`ListDiagnoser::finish`] gives
/// what `diagnose_document` gives for the whole list.
#[derive(Default)]
pub struct ListDiagnoser {
    events: super::observation::Found,
    pods: Vec<Diagnosis>,
}

impl ListDiagnoser {
    pub fn item(&mut self, item: &Cursor<'_>) {
        super::event_objects::event(item, &mut self.events);
        pod(item, &mut self.pods);
    }

    pub fn finish(self) -> Vec<Diagnosis> {
        let mut out = super::event_objects::finish(self.events);
        out.extend(self.pods);
        out
    }
}

fn pod(obj: &Cursor<'_>, out: &mut Vec<Diagnosis>) {
    if obj.str_at("kind") != Some("Pod") {
        return;
    }
    let Some(status) = obj.get("status") else {
        return;
    };
    let meta = |key: &str| {
        obj.path(&["metadata", key])
            .and_then(|c| c.as_str())
            .map(str::to_string)
    };
    for (list, spec_list, init) in STATUS_LISTS {
        let Some(statuses) = status.get(list) else {
            continue;
        };
        for cs in statuses.items() {
            let Some(waiting) = cs.path(&["state", "waiting"]) else {
                continue;
            };
            let Some((reason_node, reason)) = waiting
                .get("reason")
                .and_then(|r| r.as_str().map(|s| (r, s)))
            else {
                continue;
            };
            if !is_pull_reason(reason) {
                continue;
            }
            let name = cs.str_at("name").map(str::to_string);
            // Label the image where the spec names it (what the user edits), else the status.
            let spec_image = name.as_deref().and_then(|n| {
                obj.path(&["spec", spec_list])?
                    .items()
                    .find(|c| c.str_at("name") == Some(n))?
                    .get("image")
            });
            let image_node = spec_image.or_else(|| cs.get("image"));
            let message = waiting.get("message");
            let message_text = message.and_then(|m| m.as_str()).unwrap_or("");
            let mut cause = classify(message_text);
            if cause.specificity == 0 {
                cause = classify(reason);
            }
            let evidence = match message {
                Some(m) if !message_text.is_empty() => m.report_range(),
                _ => reason_node.report_range(),
            };
            out.push(Diagnosis {
                pod: meta("name"),
                namespace: meta("namespace"),
                container: name,
                image: image_node.and_then(|i| i.as_str()).map(str::to_string),
                reason: Some(reason.to_string()),
                init: *init,
                sandbox: false,
                recovered: false,
                cause,
                evidence_text: if message_text.is_empty() {
                    reason.to_string()
                } else {
                    message_text.to_string()
                },
                image_span: image_node.map(|i| i.report_range()),
                reason_span: Some(reason_node.report_range()),
                source_kind: InputKind::PodStatus,
                confidence: Confidence::Certain,
                inference: None,
                cut: false,
                doubt: None,
                evidence_all: std::iter::once(evidence.clone()).collect(),
                missing_secrets: Vec::new(),
                count: None,
                over: None,
                last_seen: None,
                evidence,
            });
        }
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
            .flat_map(|d| diagnose_document(&d))
            .collect()
    }

    #[test]
    fn reads_waiting_messages_of_a_pod_list() {
        let text = r#"apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: web-1, namespace: shop}
  spec:
    initContainers:
    - name: init
      image: busybox:1.36
    containers:
    - name: web
      image: nginx:1.999
  status:
    initContainerStatuses:
    - name: init
      image: busybox:1.36
      state: {running: {startedAt: "2025-01-01T00:00:00Z"}}
    containerStatuses:
    - name: web
      image: nginx:1.999
      state:
        waiting:
          reason: ImagePullBackOff
          message: 'Back-off pulling image "nginx:1.999": ErrImagePull: failed to pull
            and unpack image "docker.io/library/nginx:1.999": failed to resolve reference
            "docker.io/library/nginx:1.999": docker.io/library/nginx:1.999: not found'
"#;
        let d = run(text);
        assert_eq!(d.len(), 1);
        let d = &d[0];
        assert_eq!(d.cause.rule, "pull-not-found");
        assert_eq!(d.pod.as_deref(), Some("web-1"));
        assert_eq!(d.namespace.as_deref(), Some("shop"));
        assert_eq!(d.container.as_deref(), Some("web"));
        assert_eq!(d.reason.as_deref(), Some("ImagePullBackOff"));
        assert_eq!(d.image.as_deref(), Some("nginx:1.999"));
        // The label is on the spec's image, not the status copy.
        let at = d.image_span.clone().unwrap().start;
        assert!(text[..at].ends_with("    - name: web\n      image: "));
        assert!(text[d.evidence.clone()].starts_with("'Back-off pulling image"));
    }

    #[test]
    fn reason_alone_and_non_pull_waits() {
        let text = "kind: Pod\nmetadata: {name: a}\nstatus:\n  containerStatuses:\n  - name: c\n    image: x\n    state: {waiting: {reason: ErrImageNeverPull}}\n  - name: d\n    state: {waiting: {reason: CrashLoopBackOff, message: 'back-off 5m0s'}}\n";
        let d = run(text);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].cause.rule, "pull-never-not-present");
        assert_eq!(d[0].image.as_deref(), Some("x"));
    }

    #[test]
    fn other_kinds_and_specs_are_silent() {
        assert!(run("kind: Deployment\nstatus: {containerStatuses: [{state: {waiting: {reason: ErrImagePull}}}]}\n").is_empty());
        assert!(run("kind: Pod\nspec: {containers: [{name: a, image: b}]}\n").is_empty());
    }
}
