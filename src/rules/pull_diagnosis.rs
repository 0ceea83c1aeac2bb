//! The `pull-*` diagnoses: failed pulls read from kubectl output (`crate::kubectl`), one rule
//! per root cause.
//!
//! All seventeen rules live in this one module because one function produces them: which rule
//! fires is data (`rules/causes.yaml` maps the runtime's message to a cause), so a file per rule
//! would be seventeen copies of the same constant and no code.

use super::{Category, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::kubectl::{Diagnosis, image_key};
use crate::source::{FileId, Span};

macro_rules! pull_rule {
    ($id:ident, $name:literal, $severity:ident, $summary:literal) => {
        pub const $id: RuleMeta = RuleMeta {
            name: $name,
            severity: Severity::$severity,
            category: Category::Diagnosis,
            summary: $summary,
            doc: include_str!(concat!("../../rules/", $name, ".md")),
        };
    };
}

pull_rule!(
    NOT_FOUND,
    "pull-not-found",
    Error,
    "a failed pull: the image, tag or digest does not exist in the registry"
);
pull_rule!(
    UNAUTHORIZED,
    "pull-unauthorized",
    Error,
    "a failed pull: the registry refused the credentials, or none were sent"
);
pull_rule!(
    DNS,
    "pull-dns",
    Error,
    "a failed pull: the node cannot resolve the registry's host name"
);
pull_rule!(
    NETWORK_TIMEOUT,
    "pull-network-timeout",
    Error,
    "a failed pull: the connection to the registry timed out"
);
pull_rule!(
    CONNECTION_REFUSED,
    "pull-connection-refused",
    Error,
    "a failed pull: the registry refused the connection or is unreachable"
);
pull_rule!(
    TLS,
    "pull-tls",
    Error,
    "a failed pull: the registry's TLS certificate is not trusted"
);
pull_rule!(
    HTTP_ON_HTTPS,
    "pull-http-on-https",
    Error,
    "a failed pull: the registry speaks plain HTTP, the runtime HTTPS"
);
pull_rule!(
    RATE_LIMITED,
    "pull-rate-limited",
    Error,
    "a failed pull: the registry is rate-limiting pulls (429)"
);
pull_rule!(
    PLATFORM_MISMATCH,
    "pull-platform-mismatch",
    Error,
    "a failed pull: the image has no variant for the node's OS/architecture"
);
pull_rule!(
    NEVER_NOT_PRESENT,
    "pull-never-not-present",
    Error,
    "a failed start: imagePullPolicy is Never and the image is not on the node"
);
pull_rule!(
    INVALID_REFERENCE,
    "pull-invalid-reference",
    Error,
    "a failed pull: the kubelet cannot parse the image reference"
);
pull_rule!(
    DISK_FULL,
    "pull-disk-full",
    Error,
    "a failed pull: the node ran out of disk space unpacking the image"
);
pull_rule!(
    CONNECTION_RESET,
    "pull-connection-reset",
    Error,
    "a failed pull: the connection to the registry broke mid-transfer"
);
pull_rule!(
    SIGNATURE_REJECTED,
    "pull-signature-rejected",
    Error,
    "a failed pull: the node's signature policy rejected the image"
);
pull_rule!(
    QPS_EXCEEDED,
    "pull-qps-exceeded",
    Warning,
    "a failed pull: the kubelet's own pull rate limit (registryPullQPS) was reached"
);
pull_rule!(
    RUNTIME_STORE,
    "pull-runtime-store",
    Error,
    "a failed pull: the container runtime's image store on the node is broken"
);
pull_rule!(
    FAILED,
    "pull-failed",
    Warning,
    "a failed pull whose cause the output does not show"
);

fn meta_for(rule: &str) -> &'static RuleMeta {
    super::diagnosis_rules()
        .find(|m| m.name == rule)
        .unwrap_or(&FAILED)
}

/// One finding per diagnosis: the primary label on the line that proves the cause, secondary
/// labels on the container's image and its waiting reason.
pub fn findings(diagnoses: &[Diagnosis], file: FileId, text: &str) -> Vec<Finding> {
    diagnoses.iter().map(|d| finding(d, file, text)).collect()
}

/// The words of the evidence that match the cause (`not found`, `x509: …`), when they are on
/// the evidence line as written; else the whole evidence.
fn proof_range(d: &Diagnosis, text: &str) -> std::ops::Range<usize> {
    text.get(d.evidence.clone())
        .and_then(|line| d.cause.find_in(line))
        .filter(|r| !r.is_empty())
        .map_or(d.evidence.clone(), |r| {
            d.evidence.start + r.start..d.evidence.start + r.end
        })
}

fn finding(d: &Diagnosis, file: FileId, text: &str) -> Finding {
    let meta = meta_for(&d.cause.rule);
    let span = |r: &std::ops::Range<usize>| Span::new(file, r.clone());
    let label = if meta.name == FAILED.name && d.cut {
        "the line is cut here, before the runtime's reason".to_string()
    } else if meta.name == FAILED.name {
        "the pull fails here; the runtime's reason is not in this output".to_string()
    } else {
        format!("cause: {}", d.cause.cause)
    };
    let proof = proof_range(d, text);
    let mut f = Finding::new(meta, span(&proof), message(d))
        .label(label)
        .help(d.help());
    // A hard-wrapped message: keep its first line in view too.
    let first_line_end = text
        .get(d.evidence.start..proof.start)
        .and_then(|before| before.find('\n'))
        .map(|nl| d.evidence.start + nl);
    if let Some(end) = first_line_end {
        let end = if text.as_bytes().get(end.wrapping_sub(1)) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        f = f.secondary(span(&(d.evidence.start..end)), "the failed pull");
    }
    if let Some(r) = &d.image_span
        && !overlaps(r, &d.evidence)
    {
        let text = if d.sandbox {
            "the pod sandbox (pause) image"
        } else {
            "the image"
        };
        f = f.secondary(span(r), text);
    }
    if let (Some(r), Some(reason)) = (&d.reason_span, &d.reason)
        && !overlaps(r, &d.evidence)
    {
        f = f.secondary(span(r), format!("reason: {reason}"));
    }
    // Input that may not be kubectl output at all (issue 27): say so, and never fail CI on it.
    if d.doubt.is_some() {
        f.severity = Severity::Note;
    }
    f.container = d.container.clone();
    f.image = d.image.clone();
    f.extra = extras(d);
    f.diagnosis = Some(Box::new(d.clone()));
    f.evidence = d.evidence_all.iter().map(span).collect();
    // The other lines it was drawn from, as labels (a few at most: a long back-off repeats).
    let labelled: Vec<std::ops::Range<usize>> = std::iter::once(proof.clone())
        .chain(f.secondary.iter().map(|l| l.span.range()))
        .chain(std::iter::once(d.evidence.clone()))
        .collect();
    let more: Vec<Span> = d
        .evidence_all
        .iter()
        .filter(|r| !labelled.iter().any(|l| overlaps(l, r)))
        .take(MAX_EVIDENCE_LABELS)
        .map(span)
        .collect();
    for s in more {
        f = f.secondary(s, "evidence");
    }
    f
}

/// The JSON fields of a diagnosis: `pod`, `namespace`, `reason`, `cause`, `confidence`,
/// `source`, and `init`, `recovered`, `cut`, `count`, `over`, `last_seen` when they apply.
pub fn extras(d: &Diagnosis) -> Vec<(&'static str, String)> {
    let mut extra = Vec::new();
    for (key, value) in [
        ("pod", d.pod.clone()),
        ("namespace", d.namespace.clone()),
        ("reason", d.reason.clone()),
        ("cause", Some(d.cause.cause.clone())),
        ("confidence", Some(d.confidence.as_str().to_string())),
        ("source", Some(d.source_kind.as_str().to_string())),
    ] {
        if let Some(v) = value {
            extra.push((key, v));
        }
    }
    if d.init {
        extra.push(("init", "true".into()));
    }
    if d.recovered {
        extra.push(("recovered", "true".into()));
    }
    if d.cut {
        extra.push(("cut", "true".into()));
    }
    if let Some(n) = d.count {
        extra.push(("count", n.to_string()));
    }
    if let Some(over) = &d.over {
        extra.push(("over", over.clone()));
    }
    if let Some(t) = &d.last_seen {
        extra.push(("last_seen", t.clone()));
    }
    extra
}

/// Evidence lines labelled in the human output besides the proof, image and reason.
const MAX_EVIDENCE_LABELS: usize = 4;

fn overlaps(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// `container "web" of pod "shop/web-1" cannot pull "nginx:1.999": <title>`.
pub fn message(d: &Diagnosis) -> String {
    let pod = match (&d.namespace, &d.pod) {
        (Some(ns), Some(p)) => Some(format!("{ns}/{p}")),
        (None, Some(p)) => Some(p.clone()),
        _ => None,
    };
    let kind = if d.init {
        "init container"
    } else {
        "container"
    };
    let who = match (&d.container, &pod) {
        _ if d.sandbox => match &pod {
            Some(p) => format!("the sandbox of pod {p:?}"),
            None => "a pod sandbox".to_string(),
        },
        (Some(c), Some(p)) => format!("{kind} {c:?} of pod {p:?}"),
        (Some(c), None) => format!("{kind} {c:?}"),
        (None, Some(p)) if d.init => format!("an init container of pod {p:?}"),
        (None, Some(p)) => format!("pod {p:?}"),
        (None, None) if d.init => "an init container".to_string(),
        (None, None) => "a container".to_string(),
    };
    let what = match &d.image {
        Some(i) => format!("{i:?}"),
        None => "its image".to_string(),
    };
    // A past failure "could not" pull; with imagePullPolicy Never nothing is pulled at all,
    // the container cannot start (read by someone on call, the verb is the first clue).
    let verb = if d.recovered {
        "could not pull"
    } else if d.cause.rule == NEVER_NOT_PRESENT.name {
        "cannot start with"
    } else {
        "cannot pull"
    };
    let mut m = format!("{who} {verb} {what}: {}", d.title());
    // An Event object says how often and when: the difference between an outage going on and
    // one that ended hours ago.
    // kubectl's `(x4 over 2m)` keeps its span: four failures in two minutes or in two days.
    let over = d
        .over
        .as_ref()
        .map(|o| format!(" over {o}"))
        .unwrap_or_default();
    match (d.count.filter(|&n| n > 1), &d.last_seen) {
        (Some(n), Some(t)) => m.push_str(&format!(" (failed {n} times{over}, last at {t})")),
        (Some(n), None) => m.push_str(&format!(" (failed {n} times{over})")),
        (None, Some(t)) => m.push_str(&format!(" (last failed at {t})")),
        (None, None) => {}
    }
    if let Some(why) = &d.inference {
        m.push_str(&format!(" ({why})"));
    }
    if d.recovered {
        m.push_str(" (a past failure: later events show the container started)");
    }
    if let Some(why) = &d.doubt {
        m.push_str(&format!(" ({why})"));
    }
    m
}

/// The manifest rules whose finding explains a `pull-unauthorized` diagnosis.
const CREDENTIAL_RULES: &[&str] = &[
    "private-registry-without-pull-secret",
    "pull-secret-not-found",
    "pull-secret-wrong-type",
    "pull-secret-registry-mismatch",
    "pull-secret-malformed",
];

/// When the run also lints manifests, points each diagnosis at the manifest that deploys its
/// image (issue 4, "Cross-reference"): the `image:` value, and for never-not-present the
/// `imagePullPolicy`, for not-found the tag, for unauthorized the pull-secret finding of that
/// container. Labels in another file render as `related` diagnostics.
pub fn link_manifests(
    findings: &mut [Finding],
    objects: &[(FileId, &crate::model::ObjectFacts)],
    sources: &crate::source::SourceMap,
) {
    use std::collections::HashMap;
    let mut deployed: HashMap<String, Vec<(FileId, &crate::model::ObjectFacts, usize)>> =
        HashMap::new();
    for &(file, o) in objects {
        for (k, c) in o.pod.iter().flat_map(|p| p.containers.iter().enumerate()) {
            if let Some(image) = c.image.as_ref().filter(|i| !i.is_null()) {
                deployed
                    .entry(image_key(&image.text))
                    .or_default()
                    .push((file, o, k));
            }
        }
    }
    if deployed.is_empty() {
        return;
    }
    let credential_findings: Vec<(Span, &'static str)> = findings
        .iter()
        .filter(|f| CREDENTIAL_RULES.contains(&f.rule))
        .map(|f| (f.span, f.rule))
        .collect();
    for f in findings.iter_mut() {
        if !super::is_diagnosis(f.rule) {
            continue;
        }
        let Some(image) = f.image.clone() else {
            continue;
        };
        let namespace = f
            .extra
            .iter()
            .find(|(k, _)| *k == "namespace")
            .map(|(_, v)| v.clone());
        let sites = deployed.get(&image_key(&image)).into_iter().flatten();
        // A pod status diagnosis is its own manifest: link other files only, and a few at most.
        let sites = sites
            .filter(|(file, o, _)| {
                *file != f.span.file
                    && match (&namespace, &o.namespace) {
                        (Some(a), Some(b)) => a == b,
                        _ => true,
                    }
            })
            .take(3);
        let mut labels = Vec::new();
        for &(file, o, k) in sites {
            let Some(c) = o.pod.as_ref().and_then(|p| p.containers.get(k)) else {
                continue;
            };
            let Some(scalar) = c.image.as_ref() else {
                continue;
            };
            let name = o.name.as_deref().unwrap_or("?");
            labels.push(crate::finding::Label {
                span: Span::new(file, scalar.span.clone()),
                text: format!("{}/{name} deploys this image", o.kind),
            });
            match f.rule {
                "pull-never-not-present" => {
                    if let Some(p) = c.explicit_pull_policy() {
                        labels.push(crate::finding::Label {
                            span: Span::new(file, p.span.clone()),
                            text: format!("imagePullPolicy: {}: the kubelet never pulls", p.text),
                        });
                    }
                }
                "pull-not-found" => {
                    let source = sources.get(file).map_or("", |s| s.raw_text());
                    if let Ok(r) = crate::image::parse_reference(&scalar.text)
                        && let Some(part) = r.digest.clone().or(r.tag.clone())
                    {
                        labels.push(crate::finding::Label {
                            span: Span::new(file, scalar.text_range(source, part)),
                            text: "the registry has no manifest for this".into(),
                        });
                    }
                }
                "pull-unauthorized" => {
                    for (span, rule) in &credential_findings {
                        let inside = span.file == file && o.span.contains(&(span.start as usize));
                        if inside {
                            labels.push(crate::finding::Label {
                                span: *span,
                                text: format!("see {rule} here"),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        f.secondary.extend(labels);
    }
}
