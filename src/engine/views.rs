//! Views of one pod in several files of a run (issue 26): `kubectl get pods -o json` in one
//! file and `kubectl get events -o json` in another, or a `describe` and its events pasted into
//! two files, are one failure each. Within a file `crate::kubectl` already merges every view of
//! a container; here the diagnoses of different files that name the same pod and container
//! become one finding: the strongest cause, every line of evidence (in every file), and what
//! one view knows that the other does not (the container's name, the waiting reason, a count).

use crate::finding::{Finding, Label};
use crate::kubectl::{Confidence, Diagnosis, InputKind, image_key};
use crate::rules::pull_diagnosis;
use crate::source::{FileId, Span};
use std::collections::BTreeMap;

/// Labels taken over from the other views, besides those of the finding that names the cause.
const MAX_LABELS_FROM_OTHER_VIEWS: usize = 4;

/// The views of one container (or pod sandbox) across files: at most one finding per file.
struct Cluster {
    members: Vec<usize>,
    files: Vec<FileId>,
    namespace: Option<String>,
    container: Option<String>,
    image: Option<String>,
    sandbox: bool,
    /// Findings that name only the pod (a `get pods` row) of a pod with several failing
    /// containers: their lines are evidence for each container, not a row of their own.
    absorbed: Vec<usize>,
}

impl Cluster {
    fn new(k: usize, f: &Finding, d: &Diagnosis) -> Cluster {
        Cluster {
            members: vec![k],
            files: vec![f.span.file],
            namespace: d.namespace.clone(),
            container: d.container.clone(),
            image: d.image.as_deref().map(image_key),
            sandbox: d.sandbox,
            absorbed: Vec::new(),
        }
    }

    fn add(&mut self, k: usize, f: &Finding, d: &Diagnosis) {
        self.members.push(k);
        self.files.push(f.span.file);
        self.namespace = self.namespace.take().or_else(|| d.namespace.clone());
        self.container = self.container.take().or_else(|| d.container.clone());
        self.image = self
            .image
            .take()
            .or_else(|| d.image.as_deref().map(image_key));
    }

    /// How well `d` (of `file`) names this container: `None` when it cannot be it.
    fn fit(&self, file: FileId, d: &Diagnosis) -> Option<u8> {
        if self.files.contains(&file) || self.sandbox != d.sandbox {
            return None;
        }
        if let (Some(a), Some(b)) = (&self.namespace, &d.namespace)
            && a != b
        {
            return None;
        }
        // Only the container's name and image say which container it is.
        let mut score = 0;
        for (a, b) in [
            (&self.container, d.container.clone()),
            (&self.image, d.image.as_deref().map(image_key)),
        ] {
            match (a, b) {
                (Some(a), Some(b)) if *a != b => return None,
                (Some(_), Some(_)) => score += 1,
                _ => {}
            }
        }
        Some(score)
    }
}

fn view(f: &Finding) -> Option<&Diagnosis> {
    f.diagnosis
        .as_deref()
        .filter(|d| d.pod.is_some() && d.doubt.is_none())
}

/// Merges the diagnoses of one pod's container found in several files into one finding.
/// Findings of one file are never merged with each other (the readers already did).
pub(super) fn merge(findings: &mut Vec<Finding>) {
    let mut by_pod: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (k, f) in findings.iter().enumerate() {
        if let Some(pod) = view(f).and_then(|d| d.pod.as_deref()) {
            by_pod.entry(pod).or_default().push(k);
        }
    }
    let mut merged: Vec<(usize, Finding)> = Vec::new();
    let mut gone: Vec<usize> = Vec::new();
    for members in by_pod.values() {
        let first = members.first().and_then(|&k| findings.get(k));
        if members
            .iter()
            .all(|&k| findings.get(k).map(|f| f.span.file) == first.map(|f| f.span.file))
        {
            continue;
        }
        for cluster in clusters(findings, members) {
            if cluster.members.len() + cluster.absorbed.len() < 2 {
                continue;
            }
            if let Some((base, f)) = merged_finding(findings, &cluster) {
                gone.extend(
                    cluster
                        .members
                        .iter()
                        .chain(&cluster.absorbed)
                        .filter(|&&k| k != base),
                );
                merged.push((base, f));
            }
        }
    }
    for (k, f) in merged {
        if let Some(slot) = findings.get_mut(k) {
            *slot = f;
        }
    }
    gone.sort_unstable();
    gone.dedup();
    let mut k = 0;
    findings.retain(|_| {
        k += 1;
        gone.binary_search(&(k - 1)).is_err()
    });
}

/// Best-named views first (container and image, then image, then container), so that a view
/// naming less joins the container it can only be.
fn clusters(findings: &[Finding], members: &[usize]) -> Vec<Cluster> {
    let mut order: Vec<(u8, FileId, u32, usize)> = members
        .iter()
        .filter_map(|&k| {
            let f = findings.get(k)?;
            let d = view(f)?;
            let tier = match (d.container.is_some(), d.image.is_some()) {
                (true, true) => 0,
                (false, true) => 1,
                (true, false) => 2,
                (false, false) => 3,
            };
            Some((tier, f.span.file, f.span.start, k))
        })
        .collect();
    order.sort_unstable_by_key(|&(tier, file, start, _)| (tier, file.0, start));
    let mut out: Vec<Cluster> = Vec::new();
    for (tier, file, _, k) in order {
        let Some((f, d)) = findings.get(k).and_then(|f| Some((f, view(f)?))) else {
            continue;
        };
        let fits: Vec<(u8, usize)> = out
            .iter()
            .enumerate()
            .filter_map(|(c, cluster)| Some((cluster.fit(file, d)?, c)))
            .collect();
        let best = fits.iter().map(|&(score, _)| score).max();
        let at_best: Vec<usize> = fits
            .iter()
            .filter(|&&(score, _)| Some(score) == best)
            .map(|&(_, c)| c)
            .collect();
        match at_best.as_slice() {
            [] => out.push(Cluster::new(k, f, d)),
            [c] => {
                if let Some(cluster) = out.get_mut(*c) {
                    cluster.add(k, f, d);
                }
            }
            // A view that names only the pod: evidence for each of its failing containers.
            several if tier == 3 && best == Some(0) => {
                for &c in several {
                    if let Some(cluster) = out.get_mut(c) {
                        cluster.absorbed.push(k);
                    }
                }
            }
            // Two containers it could be: keep it apart rather than guess.
            _ => out.push(Cluster::new(k, f, d)),
        }
    }
    out
}

/// Which view names the cause: the most specific cause, a certain one before an inferred one,
/// then the first file of the command line.
fn strength(f: &Finding, d: &Diagnosis) -> (u8, bool, std::cmp::Reverse<(u32, u32)>) {
    (
        d.cause.specificity,
        d.confidence == Confidence::Certain,
        std::cmp::Reverse((f.span.file.0, f.span.start)),
    )
}

/// Views that show the container's current state (its waiting reason), not an event's.
fn shows_state(kind: InputKind) -> bool {
    matches!(
        kind,
        InputKind::Describe | InputKind::GetPods | InputKind::PodStatus | InputKind::Logs
    )
}

fn merged_finding(findings: &[Finding], cluster: &Cluster) -> Option<(usize, Finding)> {
    let views: Vec<(usize, &Finding, &Diagnosis)> = cluster
        .members
        .iter()
        .filter_map(|&k| {
            let f = findings.get(k)?;
            Some((k, f, view(f)?))
        })
        .collect();
    let &(base, base_f, base_d) = views.iter().max_by_key(|(_, f, d)| strength(f, d))?;
    let absorbed: Vec<(usize, &Finding, &Diagnosis)> = cluster
        .absorbed
        .iter()
        .filter_map(|&k| {
            let f = findings.get(k)?;
            Some((k, f, view(f)?))
        })
        .collect();
    let mut d = base_d.clone();
    for &(_, _, other) in &views {
        d.namespace = d.namespace.take().or_else(|| other.namespace.clone());
        d.container = d.container.take().or_else(|| other.container.clone());
        d.image = d.image.take().or_else(|| other.image.clone());
        d.init |= other.init;
        for name in &other.missing_secrets {
            if !d.missing_secrets.contains(name) {
                d.missing_secrets.push(name.clone());
            }
        }
        if d.count.is_none() && other.cause == d.cause {
            d.count = other.count;
            d.over = other.over.clone();
            d.last_seen = d.last_seen.take().or_else(|| other.last_seen.clone());
        }
    }
    // The waiting reason is the container's state where a view shows it (`ImagePullBackOff`),
    // rather than the last event's (`ErrImagePull`).
    if !shows_state(d.source_kind)
        && let Some(state) = views
            .iter()
            .chain(&absorbed)
            .find(|(_, _, o)| shows_state(o.source_kind) && o.reason.is_some())
    {
        d.reason = state.2.reason.clone();
    }
    // A later event saying it started is history only when no view shows it failing now.
    d.recovered = views.iter().all(|(_, _, o)| o.recovered);
    let mut f = base_f.clone();
    f.message = pull_diagnosis::message(&d);
    f.help = Some(d.help());
    f.container = d.container.clone();
    f.image = d.image.clone();
    f.extra = pull_diagnosis::extras(&d);
    f.object = f
        .object
        .take()
        .or_else(|| views.iter().find_map(|(_, o, _)| o.object.clone()));
    let mut added = 0;
    for &(k, other, _) in views.iter().chain(&absorbed) {
        if k == base {
            continue;
        }
        // The other view's image and reason labels, when the cause's view has none, then the
        // line that view drew its diagnosis from.
        for label in &other.secondary {
            let kind = label_kind(&label.text);
            if kind.is_some()
                && !f.secondary.iter().any(|l| label_kind(&l.text) == kind)
                && added < MAX_LABELS_FROM_OTHER_VIEWS
            {
                f.secondary.push(label.clone());
                added += 1;
            }
        }
        if added < MAX_LABELS_FROM_OTHER_VIEWS && !f.secondary.iter().any(|l| l.span == other.span)
        {
            f.secondary.push(Label {
                span: other.span,
                text: "evidence".into(),
            });
            added += 1;
        }
    }
    let mut evidence: Vec<Span> = views
        .iter()
        .chain(&absorbed)
        .flat_map(|(_, o, _)| o.evidence.iter().copied())
        .collect();
    evidence.sort_unstable_by_key(|s| (s.file.0, s.start, s.end));
    evidence.dedup();
    f.evidence = evidence;
    f.diagnosis = Some(Box::new(d));
    Some((base, f))
}

/// `the image`, `the pod sandbox (pause) image` and `reason: …` labels, by what they show.
fn label_kind(text: &str) -> Option<&'static str> {
    if text.starts_with("reason: ") {
        Some("reason")
    } else if text == "the image" || text == "the pod sandbox (pause) image" {
        Some("image")
    } else {
        None
    }
}
