//! Moving findings onto the user's files: the engine's one hook after the rules have run.
//! Files a finding points into are added to the run's [`SourceMap`] once each, with the values
//! of secret-looking keys masked in snippets.

use super::trace::{Focus, Tracer};
use super::{Place, SourceText};
use crate::finding::{AlsoObject, Finding, Fix, Label, TracedFix};
use crate::model::ObjectFacts;
use crate::source::{FileId, Origin, SourceFile, SourceMap, Span};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Default)]
pub struct Placer {
    by_path: HashMap<PathBuf, FileId>,
}

impl Placer {
    fn file_id(&mut self, sources: &mut SourceMap, file: &SourceText) -> FileId {
        let key = super::discover::comparable(&file.path);
        if let Some(id) = self.by_path.get(&key) {
            return *id;
        }
        let mut source = SourceFile::new(
            file.display.clone(),
            Origin::Path(file.path.clone()),
            file.text.to_string(),
            false,
        );
        source.redact(&secret_values(&file.text));
        let id = sources.add(source);
        self.by_path.insert(key, id);
        id
    }

    /// A chart's or root's own finding, at its place.
    pub fn place(
        &mut self,
        sources: &mut SourceMap,
        mut finding: Finding,
        place: &Place,
    ) -> Finding {
        let id = self.file_id(sources, &place.file);
        finding.span = Span::new(id, place.range.clone());
        finding
    }

    /// Traces every finding in rendered text to its source, merges the findings that several
    /// roots share (overlays of one base), and says in each message what was rendered. Returns
    /// how many extra renders deciding ties took.
    pub fn trace(
        &mut self,
        sources: &mut SourceMap,
        findings: &mut Vec<Finding>,
        tracers: &HashMap<FileId, Tracer>,
        objects: &[Vec<ObjectFacts>],
        kinds: &crate::model::KindTable,
    ) -> usize {
        for f in findings.iter_mut() {
            let Some(tracer) = tracers.get(&f.span.file) else {
                continue;
            };
            let Some(text) = sources.get(f.span.file).map(|s| s.raw_text().to_string()) else {
                continue;
            };
            let file_objects = objects
                .get(f.span.file.0 as usize)
                .map_or(&[][..], Vec::as_slice);
            let traced = tracer.trace(&text, f.span.range(), focus(f.rule), file_objects, kinds);
            let id = self.file_id(sources, &traced.place.file);
            let rendered_at = f.span;
            f.span = Span::new(id, traced.place.range.clone());
            // A fix follows only to a scalar tracing is sure of; never into rendered text.
            f.fix = f
                .fix
                .take()
                .filter(|_| traced.fixable)
                .and_then(|fix| carry_fix(*fix, &text, &traced.place, id))
                .map(Box::new);
            if !traced.exact && traced.place.range.is_empty() {
                f.label = format!("{} (the line that wrote it is not certain)", f.label)
                    .trim_start()
                    .to_string();
            }
            f.secondary.insert(
                0,
                Label {
                    span: rendered_at,
                    text: format!("rendered as `{}`", traced.rendered.text),
                },
            );
            f.rendered = Some(Box::new(traced.rendered));
            // Help written for manifests names `imagePullPolicy:`; in a values file the user
            // edits the chart's key for it.
            if let (Some(key), Some(help)) = (&traced.policy_key, &mut f.help) {
                *help = help.replace("imagePullPolicy: ", &format!("{key}: "));
            }
        }
        merge_shared(findings);
        for f in findings.iter_mut() {
            if let Some(r) = &f.rendered
                && !is_root_problem(f)
            {
                f.message = format!("{} ({})", f.message, describe(r));
            }
        }
        tracers.values().map(Tracer::sentinel_renders).sum()
    }
}

/// What part of a flagged image a rule is about, for tracing.
fn focus(rule: &str) -> Focus {
    use crate::rules::{online, private_registry_without_pull_secret as private};
    use crate::rules::{
        pull_secret_registry_mismatch as mismatch, registry_not_allowed as allowed,
    };
    let registry_level = [
        private::META.name,
        allowed::META.name,
        mismatch::META.name,
        online::IMAGE_UNAUTHORIZED.name,
        online::REGISTRY_UNREACHABLE.name,
        online::REGISTRY_RATE_LIMITED.name,
    ];
    if rule == crate::rules::numeric_tag::META.name {
        Focus::Number
    } else if registry_level.contains(&rule) {
        Focus::Registry
    } else {
        Focus::Span
    }
}

/// The fix of a finding in rendered `text`, moved to the source scalar at `place` (a values
/// scalar, an `images:` field) that printed the part of the rendered value it edits:
/// - [`TracedFix::Carry`]: the scalar, written verbatim (plain, or quoted without escapes),
///   must occur once in the rendered text around the edit; the edit moves into it by offset;
/// - [`TracedFix::ReplaceValue`]: the scalar must be written exactly as the fix expects, and
///   is replaced whole.
///
/// `None` when that cannot be told: the fix is then not offered.
fn carry_fix(fix: Fix, text: &str, place: &Place, id: FileId) -> Option<Fix> {
    let written = place.file.text.get(place.range.clone())?;
    let span = match &fix.traced {
        TracedFix::ReplaceValue { written: expected } => {
            (written == expected).then(|| Span::new(id, place.range.clone()))?
        }
        TracedFix::Carry => {
            let (skip, value) = verbatim_value(written)?;
            let edit = fix.span.range();
            let covering: Vec<usize> = text
                .match_indices(value)
                .map(|(i, _)| i)
                .filter(|&o| o <= edit.start && edit.end <= o + value.len())
                .collect();
            let [o] = covering.as_slice() else {
                return None;
            };
            let start = place.range.start + skip + (edit.start - o);
            Span::new(id, start..start + edit.len())
        }
    };
    Some(Fix {
        span,
        traced: TracedFix::Carry,
        ..fix
    })
}

/// The text of a scalar as written when it reads as itself (plain, or quoted without escapes
/// or doubled quotes), with the length of its opening quote.
fn verbatim_value(written: &str) -> Option<(usize, &str)> {
    let quoted = |q: char| {
        written
            .strip_prefix(q)
            .and_then(|w| w.strip_suffix(q))
            .filter(|inner| !(inner.contains(q) || q == '"' && inner.contains('\\')))
    };
    match written.chars().next()? {
        '"' => quoted('"').map(|v| (1, v)),
        '\'' => quoted('\'').map(|v| (1, v)),
        _ => (!written.contains(['\n', '#', '"', '\''])).then_some((0, written)),
    }
    .filter(|(_, v)| !v.is_empty())
}

/// A chart's or root's own problem that names its root in `rendered` (not rendered text).
fn is_root_problem(f: &Finding) -> bool {
    f.rule == crate::rules::render_problems::REMOTE_RESOURCE.name
}

/// The problems of roots that share a kustomization (a remote resource in a base several
/// overlays build from): one finding per line, naming every root (`also`), each message
/// ending with the roots it stopped.
pub fn merge_root_problems(findings: &mut Vec<Finding>) {
    merge_shared(findings);
    for f in findings.iter_mut().filter(|f| is_root_problem(f)) {
        if let Some(r) = &f.rendered {
            let mut roots = format!("`{}`", r.root);
            for other in &r.also {
                roots.push_str(&format!(", `{other}`"));
            }
            let plural = if r.also.is_empty() { "" } else { "s" };
            f.message = format!("{} (Kustomize root{plural} {roots})", f.message);
        }
    }
}

/// "rendered as `X` in `web/templates/d.yaml`, chart `charts/web`".
fn describe(r: &crate::finding::Rendered) -> String {
    let what = if r.by == "helm" {
        "chart"
    } else {
        "Kustomize root"
    };
    let mut roots = format!("`{}`", r.root);
    for other in &r.also {
        roots.push_str(&format!(", `{other}`"));
    }
    let plural = if r.also.is_empty() { "" } else { "s" };
    let mut out = format!("rendered as `{}`", r.text);
    if let Some(t) = &r.template {
        out.push_str(&format!(" in `{t}`"));
    }
    out.push_str(&format!(", {what}{plural} {roots}"));
    for (i, o) in r.also_objects.iter().enumerate() {
        out.push_str(if i == 0 { "; also " } else { ", " });
        if let Some(c) = &o.container {
            out.push_str(&format!("container `{c}` of "));
        }
        out.push_str(&format!("{} `{}`", o.object.kind, o.object.name));
        if o.text != r.text {
            out.push_str(&format!(" (`{}`)", o.text));
        }
    }
    out
}

/// One finding for what several roots or containers share: the same rule at the same source
/// line (a values key printed into several containers, a base line several overlays build).
/// The first is kept; every other root goes to `also`, every other container to
/// `also_objects` — none is dropped unnamed. Findings that reached only a file (no line) merge
/// only when their messages are the same, as they may be about different things.
fn merge_shared(findings: &mut Vec<Finding>) {
    type Key = (&'static str, Span, Option<String>);
    let mut first: HashMap<Key, usize> = HashMap::new();
    let mut drop = vec![false; findings.len()];
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        if f.rendered.is_none() {
            continue;
        }
        let at_a_line = !f.span.range().is_empty() && !is_root_problem(f);
        let key = (f.rule, f.span, (!at_a_line).then(|| f.message.clone()));
        match first.get(&key) {
            Some(&j) => {
                if let Some(d) = drop.get_mut(i) {
                    *d = true;
                }
                merged.push((j, i));
            }
            None => {
                first.insert(key, i);
            }
        }
    }
    for (j, i) in merged {
        let Some(other) = findings.get(i) else {
            continue;
        };
        let Some(theirs) = other.rendered.as_deref() else {
            continue;
        };
        let root = theirs.root.clone();
        let object = AlsoObject {
            root: root.clone(),
            object: other.object.clone().unwrap_or_default(),
            container: other.container.clone(),
            text: theirs.text.clone(),
        };
        let label = other.secondary.first().cloned();
        let Some(f) = findings.get_mut(j) else {
            continue;
        };
        let same_object = f.object.as_ref().map(|o| (&o.kind, &o.name))
            == Some((&object.object.kind, &object.object.name))
            && f.container == object.container;
        let rendered_at_new_line = label
            .as_ref()
            .is_some_and(|l| !f.secondary.iter().any(|s| s.span == l.span));
        let Some(r) = f.rendered.as_mut() else {
            continue;
        };
        if r.root != root && !r.also.contains(&root) {
            r.also.push(root);
        }
        // Overlays of one base render one object each, prefixes aside: named as roots. Other
        // containers are named themselves, with where each was rendered.
        let overlay_copy = object.object.kind == f.object.as_ref().map_or("", |o| o.kind.as_str())
            && object.container == f.container
            && object.root != r.root;
        if !same_object && !overlay_copy && !r.also_objects.contains(&object) {
            r.also_objects.push(object);
            if rendered_at_new_line && let Some(l) = label {
                f.secondary.push(l);
            }
        }
    }
    let mut i = 0;
    findings.retain(|_| {
        let keep = !drop.get(i).copied().unwrap_or(false);
        i += 1;
        keep
    });
}

/// Values of keys that look like credentials (`password:`, `apiToken:`), masked in snippets:
/// values files hold them next to image settings.
fn secret_values(text: &str) -> Vec<std::ops::Range<usize>> {
    const WORDS: &[&str] = &[
        "password",
        "secret",
        "token",
        "apikey",
        "api_key",
        "auth",
        "credential",
        "passwd",
        "private",
    ];
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if let Some(colon) = content.find(':') {
            let key = content.get(..colon).unwrap_or("").to_ascii_lowercase();
            let value_from = colon + 1;
            let value = content.get(value_from..).unwrap_or("");
            let lead = value.len() - value.trim_start().len();
            if WORDS.iter().any(|w| key.contains(w)) && !value.trim().is_empty() {
                out.push(at + value_from + lead..at + content.len());
            }
        }
        at += line.len();
    }
    out
}
