//! One run: inputs → parsed documents → facts → rules → sorted findings.
//!
//! Files are read, parsed and checked in parallel by `jobs` workers that pull the next file from
//! a shared counter; each worker keeps its own results, so nothing serialises on a lock.
//!
//! The stages of a run, one file each, in the order they happen:
//! - `inputs`: paths, stdin or in-memory text become a list of inputs; a Helm chart or a
//!   Kustomize root found there is one input, rendered by `crate::render`;
//! - `schedule`: the per-file work in parallel, then the cross-object rules;
//! - `lint_file`: one input read (or a chart or root rendered), parsed, checked by the
//!   container rules;
//! - `rehydrate`: the text of files kept without it, read again when a finding points there;
//! - `views`: diagnoses of one pod's container read from several files become one finding;
//! - `attach`: cross-object findings learn their object, container and image;
//! - `finish`: findings in rendered text traced to the files a user edits, masked, sorted,
//!   counted.
//!
//! `rule_set` says which rules run; `options` is what a caller asks for.

mod attach;
mod finish;
mod images;
mod inputs;
mod lint_file;
mod online;
mod options;
mod rehydrate;
mod rule_set;
mod schedule;
mod views;

pub use crate::report::{Report, Summary};
pub use images::{ImageSite, Served};
pub use online::{OnlineSettings, OnlineSummary, Progress};
pub use options::LintOptions;
pub use rule_set::RuleSet;

use crate::index::Index;
use crate::model::ObjectFacts;
use crate::rules;
use crate::source::{FileId, SourceMap};
use crate::suppression;
use crate::syntax::ParseLimits;
use attach::attach_objects;
use inputs::{Input, gather_inputs};
use rehydrate::rehydrate;
use schedule::{file_id, run_cross_rules, run_parallel};
use std::collections::HashMap;

pub fn lint(opts: &LintOptions) -> Result<Report, String> {
    let inputs = gather_inputs(opts)?;
    lint_inputs(inputs, opts, false).map(|(report, _)| report)
}

/// A run that also says, for every container image, where a digest would be written and what
/// its registry serves for the tag (`pullcheck pin`; ask by tag with
/// [`OnlineSettings::ask_tags`]).
pub fn lint_images(opts: &LintOptions) -> Result<(Report, Vec<ImageSite>), String> {
    let inputs = gather_inputs(opts)?;
    lint_inputs(inputs, opts, true)
}

/// Lints in-memory files `(name, text)` as if they had been read from disk.
pub fn lint_memory(files: &[(&str, &str)], opts: &LintOptions) -> Result<Report, String> {
    let inputs = files
        .iter()
        .map(|(name, text)| Input::Memory {
            name: (*name).to_string(),
            text: (*text).to_string(),
        })
        .collect();
    lint_inputs(inputs, opts, false).map(|(report, _)| report)
}

fn lint_inputs(
    inputs: Vec<Input>,
    opts: &LintOptions,
    want_images: bool,
) -> Result<(Report, Vec<ImageSite>), String> {
    let ruleset = RuleSet::new(opts)?;
    let limits = ParseLimits::default();
    let results = run_parallel(&inputs, opts, &ruleset, &limits);
    let mut sources = SourceMap::default();
    sources.reserve_exact(results.len());
    let mut findings = Vec::new();
    let mut summary = Summary::default();
    let mut input_failed = false;
    // Facts stay in their per-file vectors (indexed by file id, which is the input position):
    // concatenating them into one vector held a second copy of every object at the peak.
    let mut objects: Vec<Vec<ObjectFacts>> = Vec::with_capacity(results.len());
    let mut suppressions = Vec::new();
    let mut dropped = Vec::new();
    let mut renders = Vec::new();
    for (i, (file, result)) in results.into_iter().flatten().enumerate() {
        // File ids are input positions, assigned before the parallel work, so facts of one
        // file can be pointed at by findings about another.
        let id = sources.add(file);
        debug_assert_eq!(id, file_id(i));
        dropped.push(result.text_dropped);
        summary.files += 1;
        summary.documents += result.documents;
        input_failed |= result.input_failed;
        findings.extend(result.findings);
        objects.push(result.objects);
        suppressions.extend(result.suppressions);
        if let Some(part) = result.render {
            renders.push((id, *part));
        }
    }
    // A chart's or root's own problems (not rendered, failed) are placed at the file and line
    // they are about; findings in its rendered text are traced there at the end.
    let mut placed = crate::render::place::Placer::default();
    let mut tracers = HashMap::new();
    for (id, part) in renders {
        for problem in part.problems {
            findings.push(placed.place(&mut sources, problem.finding, &problem.place));
        }
        if let Some(tracer) = part.tracer {
            tracers.insert(id, tracer);
        }
    }
    crate::render::place::merge_root_problems(&mut findings);
    views::merge(&mut findings);
    let located: Vec<(FileId, &ObjectFacts)> = objects
        .iter()
        .enumerate()
        .flat_map(|(i, list)| list.iter().map(move |o| (file_id(i), o)))
        .collect();
    let mut index = Index::build(located.iter().copied(), &opts.settings);
    // The registry room is entered only when the person running pullcheck asked for it.
    let online = opts.online.as_ref().map(|settings| {
        let (availability, summary) = online::check(&index, settings);
        index.availability = availability;
        summary
    });
    let mut images = Vec::new();
    if want_images {
        // Every file with a pod, with its text: the places to pin are read from it.
        rehydrate_pods(
            &mut sources,
            &mut dropped,
            &located,
            &inputs,
            &objects,
            opts,
        );
        images = images::collect(
            &sources,
            &located,
            &objects,
            &tracers,
            &index,
            &opts.kinds,
            &opts.settings.default_namespace,
        );
    }
    let mut cross = run_cross_rules(&index, &ruleset, opts.jobs);
    // Where the registry answered, its answer replaces the offline guess that the image may
    // need credentials: it pulled without them, or `image-unauthorized` says why not.
    if !index.availability.is_empty() {
        cross.retain(|f| {
            f.rule != rules::private_registry_without_pull_secret::META.name
                || !index
                    .availability
                    .get(f.span.file, f.span.range().start)
                    .is_some_and(|v| v.answered())
        });
    }
    attach_objects(&mut cross, &objects, &opts.settings.default_namespace);
    findings.extend(cross);
    ruleset.apply(&mut findings);
    let mut unused = suppression::apply(&suppressions, &mut findings, &|r| {
        ruleset.is_enabled_name(r)
    });
    attach_objects(&mut unused, &objects, &opts.settings.default_namespace);
    ruleset.apply(&mut unused);
    findings.extend(unused);
    // Diagnoses of kubectl output point into the manifests that deploy their image, reading
    // those manifests' text: give it back to every dropped file with a pod first (kubectl
    // output in a run is rare; a manifest-only run skips this).
    if findings.iter().any(|f| rules::is_diagnosis(f.rule)) {
        rehydrate_pods(
            &mut sources,
            &mut dropped,
            &located,
            &inputs,
            &objects,
            opts,
        );
        // Without a diagnosis there is nothing to link (and indexing every container's image
        // for it was 2 % of a manifest-only run).
        rules::pull_diagnosis::link_manifests(&mut findings, &located, &sources);
    }
    let referenced = findings
        .iter()
        .flat_map(|f| std::iter::once(f.span.file).chain(f.secondary.iter().map(|l| l.span.file)));
    rehydrate(
        &mut sources,
        &mut dropped,
        referenced,
        &inputs,
        &objects,
        opts,
    );
    // Traced before the masking in `finish`, so the traced texts are masked too.
    if !tracers.is_empty() {
        summary.sentinel_renders =
            placed.trace(&mut sources, &mut findings, &tracers, &objects, &opts.kinds);
    }
    let mut report = finish::report(sources, findings, summary, input_failed);
    report.online = online;
    Ok((report, images))
}

/// Gives back the text of every dropped file that holds a pod.
fn rehydrate_pods(
    sources: &mut SourceMap,
    dropped: &mut [Option<usize>],
    located: &[(FileId, &ObjectFacts)],
    inputs: &[Input],
    objects: &[Vec<ObjectFacts>],
    opts: &LintOptions,
) {
    let with_pods = located
        .iter()
        .filter(|(_, o)| o.pod.is_some())
        .map(|(id, _)| *id);
    rehydrate(sources, dropped, with_pods, inputs, objects, opts);
}
