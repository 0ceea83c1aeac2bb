//! Observations → one diagnosis per failing container. A `get pods` row, a describe block and
//! the events of the same pod are views of one failure; the most specific evidence names its
//! cause.

use super::observation::{Found, Observation, ObservationKind};
use super::{Confidence, Diagnosis, InputKind};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

use super::image_key;

#[derive(Debug)]
struct Entity {
    pod: Option<String>,
    namespace: Option<String>,
    container: Option<String>,
    image: Option<String>,
    sandbox: bool,
    segment: usize,
    members: Vec<usize>,
    recovered: bool,
    /// FailedToRetrieveImagePullSecret events of the pod.
    secret_events: Vec<usize>,
}

/// Which entities an observation could belong to, so that merging stays linear: a pod's
/// entities, the pod-less ones, and for pod-less evidence those sharing its image, container
/// or block of the paste.
#[derive(Default)]
struct EntityIndex {
    by_pod: HashMap<String, Vec<usize>>,
    no_pod: Vec<usize>,
    by_image: HashMap<String, Vec<usize>>,
    by_container: HashMap<String, Vec<usize>>,
    by_segment: HashMap<usize, Vec<usize>>,
}

impl EntityIndex {
    /// Records what `o` adds to entity `k` (before `e` takes it over).
    fn learn(&mut self, k: usize, e: &Entity, o: &Observation) {
        match (&e.pod, &o.pod) {
            (None, Some(p)) => self.by_pod.entry(p.clone()).or_default().push(k),
            (None, None) if e.members.is_empty() => self.no_pod.push(k),
            _ => {}
        }
        if let (None, Some(i)) = (&e.image, &o.image) {
            self.by_image.entry(image_key(i)).or_default().push(k);
        }
        if let (None, Some(c)) = (&e.container, &o.container) {
            self.by_container.entry(c.clone()).or_default().push(k);
        }
    }

    fn candidates(&self, o: &Observation) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let mut add = |v: Option<&Vec<usize>>| out.extend(v.into_iter().flatten().copied());
        match &o.pod {
            Some(p) => {
                add(self.by_pod.get(p));
                add(Some(&self.no_pod));
            }
            None => {
                add(o
                    .image
                    .as_deref()
                    .map(image_key)
                    .and_then(|i| self.by_image.get(&i)));
                add(o.container.as_ref().and_then(|c| self.by_container.get(c)));
                add(self.by_segment.get(&o.segment));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn same(a: &Option<String>, b: &Option<String>) -> Option<bool> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    }
}

/// How well `o` identifies as `e`: `None` when it cannot be the same container.
fn fit(o: &Observation, e: &Entity) -> Option<(u8, u8)> {
    if o.sandbox != e.sandbox || same(&o.namespace, &e.namespace) == Some(false) {
        return None;
    }
    let pod = match same(&o.pod, &e.pod) {
        Some(false) => return None,
        Some(true) => 2,
        None => 1,
    };
    let ident = match same(&o.container, &e.container) {
        Some(false) => return None,
        Some(true) => 3,
        None => {
            let keys = (
                o.image.as_deref().map(image_key),
                e.image.as_deref().map(image_key),
            );
            match keys {
                (Some(a), Some(b)) if a != b => return None,
                (Some(_), Some(_)) => 2,
                _ => 0,
            }
        }
    };
    // Evidence naming neither container nor image only joins a container of the same pod, or
    // one from the same block of the paste.
    if ident == 0 && pod == 1 && o.segment != e.segment {
        return None;
    }
    Some((ident, pod))
}

/// (namespace, pod) of a `get pods` row.
type NamespacedPod = (Option<String>, String);

/// Events name the image, describe blocks name the container: complete each from the other.
fn complete(found: &mut Found) {
    let Found {
        observations,
        containers,
        scheduled,
    } = found;
    // Scheduled pods per block, and describe containers per pod (or per block when the
    // describe output lost its `Name:`), so each lookup is a hash away.
    let mut assigned: HashMap<usize, Vec<(Option<String>, String)>> = HashMap::new();
    for (segment, ns, pod) in scheduled.iter() {
        let pods = assigned.entry(*segment).or_default();
        if !pods.iter().any(|p| p.1 == *pod) {
            pods.push((ns.clone(), pod.clone()));
        }
    }
    let mut blocks: HashMap<(Option<&str>, usize), Vec<usize>> = HashMap::new();
    for (k, c) in containers.iter().enumerate() {
        let segment = if c.pod.is_some() { 0 } else { c.segment };
        blocks
            .entry((c.pod.as_deref(), segment))
            .or_default()
            .push(k);
    }
    // The `get pods` rows of each block by STATUS: a describe block pasted under the table
    // without its `Name:` is the pod whose row shows its container's waiting reason, when only
    // one row does (not merely the table's first pod).
    let mut rows: HashMap<(usize, &str), Vec<NamespacedPod>> = HashMap::new();
    for o in observations.iter() {
        if let (InputKind::GetPods, Some(pod), Some(reason)) = (o.source, &o.pod, &o.reason) {
            rows.entry((o.segment, reason.as_str()))
                .or_default()
                .push((o.namespace.clone(), pod.clone()));
        }
    }
    let by_row = |o: &Observation| -> Option<NamespacedPod> {
        if !o.state || o.source != InputKind::Describe {
            return None;
        }
        match rows.get(&(o.segment, o.reason.as_deref()?))?.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    };
    let by_row: Vec<Option<NamespacedPod>> = observations
        .iter()
        .map(|o| o.pod.is_none().then(|| by_row(o)).flatten())
        .collect();
    for (o, row) in observations.iter_mut().zip(by_row) {
        if o.pod.is_none()
            && o.source == InputKind::Describe
            && let Some([(ns, pod)]) = assigned.get(&o.segment).map(Vec::as_slice)
        {
            o.pod = Some(pod.clone());
            o.namespace = o.namespace.clone().or_else(|| ns.clone());
        }
        if o.pod.is_none()
            && let Some((ns, pod)) = row
        {
            o.pod = Some(pod);
            o.namespace = o.namespace.clone().or(ns);
        }
        if o.sandbox {
            continue;
        }
        let segment = if o.pod.is_some() { 0 } else { o.segment };
        let candidates = blocks.get(&(o.pod.as_deref(), segment));
        let info = candidates
            .into_iter()
            .flatten()
            .filter_map(|&k| containers.get(k))
            .find(|c| match (&o.container, &o.image) {
                (Some(name), _) => *name == c.name,
                (None, Some(image)) => image_key(image) == image_key(&c.image),
                (None, None) => false,
            });
        if let Some(c) = info {
            o.container.get_or_insert_with(|| c.name.clone());
            o.init |= c.init;
            if o.image.is_none() {
                o.image = Some(c.image.clone());
            }
            o.image_span = Some(c.image_span.clone());
            o.namespace = o.namespace.clone().or_else(|| c.namespace.clone());
        }
    }
}

pub(crate) fn merge(mut found: Found) -> Vec<Diagnosis> {
    complete(&mut found);
    let observations = &found.observations;
    // Best-identified evidence first, so that vaguer evidence joins an existing container.
    let tier = |o: &Observation| match (o.container.is_some(), o.image.is_some()) {
        (true, true) => 0,
        (false, true) => 1,
        (true, false) => 2,
        (false, false) => 3,
    };
    let mut order: Vec<usize> = (0..observations.len())
        .filter(|&i| {
            observations
                .get(i)
                .is_some_and(|o| o.kind == ObservationKind::Failure)
        })
        .collect();
    order.sort_by_key(|&i| observations.get(i).map(|o| (tier(o), o.evidence.start)));

    let mut entities: Vec<Entity> = Vec::new();
    let mut index = EntityIndex::default();
    for &i in &order {
        let Some(o) = observations.get(i) else {
            continue;
        };
        let best = index
            .candidates(o)
            .into_iter()
            .filter_map(|k| {
                let f = fit(o, entities.get(k)?)?;
                Some((f, std::cmp::Reverse(k)))
            })
            .max()
            .map(|(_, k)| k.0);
        let k = match best.filter(|&k| k < entities.len()) {
            Some(k) => k,
            None => {
                entities.push(Entity {
                    pod: None,
                    namespace: None,
                    container: None,
                    image: None,
                    sandbox: o.sandbox,
                    segment: o.segment,
                    members: Vec::new(),
                    recovered: false,
                    secret_events: Vec::new(),
                });
                index
                    .by_segment
                    .entry(o.segment)
                    .or_default()
                    .push(entities.len() - 1);
                entities.len() - 1
            }
        };
        if let Some(e) = entities.get_mut(k) {
            index.learn(k, e, o);
            e.pod = e.pod.take().or_else(|| o.pod.clone());
            e.namespace = e.namespace.take().or_else(|| o.namespace.clone());
            e.container = e.container.take().or_else(|| o.container.clone());
            // The same image as the pod spec names it and as the runtime normalized it
            // (`nginx:1.999`, `docker.io/library/nginx:1.999`): normalizing only adds, so
            // the shorter is the spec's.
            e.image = match (e.image.take(), &o.image) {
                (Some(a), Some(b)) if b.len() < a.len() && image_key(&a) == image_key(b) => {
                    Some(b.clone())
                }
                (a, b) => a.or_else(|| b.clone()),
            };
            e.members.push(i);
        }
    }
    for o in observations
        .iter()
        .filter(|o| o.kind == ObservationKind::Recovered)
    {
        let fitting: Vec<usize> = index
            .candidates(o)
            .into_iter()
            .filter(|&k| entities.get(k).and_then(|e| fit(o, e)).is_some())
            .collect();
        // A container-less "Back-off restarting failed container" says something only about a
        // pod with a single failing container.
        if fitting.len() == 1 || o.image.is_some() || o.container.is_some() {
            for k in fitting {
                if let Some(e) = entities.get_mut(k)
                    && !failed_since(o, e, observations)
                {
                    e.recovered = true;
                }
            }
        }
    }
    for (i, o) in observations.iter().enumerate() {
        if o.kind != ObservationKind::MissingSecrets {
            continue;
        }
        // The event is about the pod: every container of it (or, when the row names no pod,
        // of the same block of the paste) pulled without those Secrets.
        for k in index.candidates(o) {
            if let Some(e) = entities.get_mut(k)
                && !e.sandbox
                && match (&o.pod, &e.pod) {
                    (Some(a), Some(b)) => a == b && same(&o.namespace, &e.namespace) != Some(false),
                    (None, _) => e.segment == o.segment,
                    (Some(_), None) => e.segment == o.segment,
                }
            {
                e.secret_events.push(i);
            }
        }
    }
    let mut out: Vec<Diagnosis> = entities
        .iter()
        .filter_map(|e| diagnosis(e, observations))
        .collect();
    out.sort_by_key(|d| {
        d.evidence
            .start
            .min(d.image_span.as_ref().map_or(usize::MAX, |r| r.start))
    });
    out
}

fn diagnosis(e: &Entity, observations: &[Observation]) -> Option<Diagnosis> {
    let members: Vec<&Observation> = e
        .members
        .iter()
        .filter_map(|&i| observations.get(i))
        .collect();
    // Most specific cause, then the most telling line; the first such line on ties.
    let evidence = members.iter().copied().max_by_key(|o| {
        (
            o.cause.specificity,
            o.rank,
            std::cmp::Reverse(o.evidence.start),
        )
    })?;
    let described = members
        .iter()
        .find(|o| o.source == InputKind::Describe && o.state);
    let state = described.or_else(|| members.iter().find(|o| o.state));
    // Without a current state, the latest event says where the kubelet is; once the container
    // started, the pull failure is history and was an ErrImagePull.
    let latest_event = members
        .iter()
        .filter(|o| !o.state && o.reason.is_some())
        .max_by_key(|o| (o.time.clone(), o.evidence.start));
    let (reason, reason_span) = match (state, latest_event) {
        (Some(s), _) => (s.reason.clone(), s.reason_span.clone()),
        (None, Some(_)) if e.recovered && !e.sandbox => (Some("ErrImagePull".into()), None),
        (None, Some(ev)) => (ev.reason.clone(), ev.reason_span.clone()),
        (None, None) => (None, None),
    };
    let reason_span = reason_span.or_else(|| {
        members
            .iter()
            .filter(|o| o.reason == reason)
            .find_map(|o| o.reason_span.clone())
    });
    let image_span = members
        .iter()
        .filter(|o| o.image_span.is_some())
        .min_by_key(|o| {
            if o.source == InputKind::Describe && o.state {
                0
            } else {
                1
            }
        })
        .and_then(|o| o.image_span.clone())
        .or_else(|| evidence.image_span.clone());
    let init = members.iter().any(|o| o.init);
    let secret_events: Vec<&Observation> = e
        .secret_events
        .iter()
        .filter_map(|&i| observations.get(i))
        .collect();
    let mut missing_secrets: Vec<String> = Vec::new();
    for name in secret_events.iter().flat_map(|o| o.secrets.iter()) {
        if !missing_secrets.contains(name) {
            missing_secrets.push(name.clone());
        }
    }
    let mut cause = evidence.cause;
    let mut confidence = Confidence::Certain;
    let mut inference = None;
    // Docker Hub answers "does not exist or may require 'docker login'" for a missing and for
    // a private repository alike; a pod whose pull Secret the kubelet could not read pulled
    // anonymously, so the private reading is the one that holds.
    if !missing_secrets.is_empty()
        && cause.rule == "pull-not-found"
        && AMBIGUOUS_DENIAL.is_match(&evidence.evidence_text)
        && let Some(unauthorized) = super::cause_by_rule("pull-unauthorized")
    {
        cause = unauthorized;
        confidence = Confidence::Inferred;
        inference = Some(format!(
            "inferred: the registry's answer is ambiguous and the pod's image pull Secret {} could not be retrieved",
            missing_secrets.join(", ")
        ));
    }
    let mut evidence_all: Vec<std::ops::Range<usize>> = members
        .iter()
        .chain(secret_events.iter())
        .map(|o| o.evidence.clone())
        .collect();
    evidence_all.sort_by_key(|r| (r.start, r.end));
    evidence_all.dedup();
    // Count and time of the event that names the cause: "failed 6 times, last at …".
    let last_seen = evidence.time.as_ref().map(|t| t.shown.clone());
    Some(Diagnosis {
        count: evidence.count,
        over: evidence.over.clone(),
        last_seen,
        pod: e.pod.clone(),
        namespace: e.namespace.clone(),
        container: e.container.clone(),
        image: e.image.clone(),
        reason,
        init,
        sandbox: e.sandbox,
        recovered: e.recovered,
        cause,
        evidence: evidence.evidence.clone(),
        evidence_text: evidence.evidence_text.clone(),
        image_span,
        reason_span,
        source_kind: evidence.source,
        confidence,
        inference,
        cut: false,
        doubt: None,
        evidence_all,
        missing_secrets,
    })
}

/// An Event object that the container started (or its image was pulled) is older than one of
/// its failures: the pull failed again after it. Without times, a success is taken as later.
fn failed_since(o: &Observation, e: &Entity, observations: &[Observation]) -> bool {
    let Some(t) = &o.time else {
        return false;
    };
    e.members
        .iter()
        .filter_map(|&i| observations.get(i))
        .any(|m| m.time.as_ref().is_some_and(|mt| mt > t))
}

/// Docker's and containerd's one answer for a missing and for a private repository.
static AMBIGUOUS_DENIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)pull access denied.*repository does not exist or (?:may require|no pull access)|repository \S+ not found: does not exist or no pull access")
        .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});
