//! Scheduling: the per-file work on `jobs` workers that pull the next input from a shared
//! counter (each keeps its own results, so nothing serialises on a lock), and the cross-object
//! rules, one per worker. Results come back in input and table order whatever the thread count.

use super::inputs::Input;
use super::lint_file::{FileResult, process_input};
use super::options::LintOptions;
use super::rule_set::RuleSet;
use crate::finding::Finding;
use crate::index::Index;
use crate::rules;
use crate::source::{FileId, SourceFile};
use crate::syntax::ParseLimits;
use std::sync::atomic::{AtomicUsize, Ordering};

pub(super) fn run_parallel(
    inputs: &[Input],
    opts: &LintOptions,
    ruleset: &RuleSet,
    limits: &ParseLimits,
) -> Vec<Option<(SourceFile, FileResult)>> {
    let next = AtomicUsize::new(0);
    let jobs = opts.jobs.clamp(1, inputs.len().max(1));
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(input) = inputs.get(i) else {
                break;
            };
            mine.push((i, process_input(file_id(i), input, opts, ruleset, limits)));
        }
        mine
    };
    // Every result goes straight to its input's slot: no vector grown by doubling, no sorted
    // copy (each was a few MB of the peak at 20,000 files).
    let mut all: Vec<Option<(SourceFile, FileResult)>> = Vec::with_capacity(inputs.len());
    if jobs == 1 {
        all.extend(
            inputs
                .iter()
                .enumerate()
                .map(|(i, input)| Some(process_input(file_id(i), input, opts, ruleset, limits))),
        );
        return all;
    }
    all.resize_with(inputs.len(), || None);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs).map(|_| s.spawn(work)).collect();
        for h in handles {
            for (i, result) in h.join().unwrap_or_default() {
                if let Some(slot) = all.get_mut(i) {
                    *slot = Some(result);
                }
            }
        }
    });
    all
}

/// Runs the enabled cross-object rules, each on its own worker when there are several jobs
/// (they only read the index), and returns their findings in catalog order whatever the
/// thread count.
pub(super) fn run_cross_rules(index: &Index<'_>, ruleset: &RuleSet, jobs: usize) -> Vec<Finding> {
    let rules: Vec<_> = rules::cross_object_rules()
        .filter(|(meta, _)| ruleset.is_enabled(meta))
        .map(|(_, rule)| rule)
        .collect();
    let jobs = jobs.clamp(1, rules.len().max(1));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(rule) = rules.get(i) else {
                break;
            };
            let mut out = Vec::new();
            rule(index, &mut out);
            mine.push((i, out));
        }
        mine
    };
    if jobs == 1 {
        return work().into_iter().flat_map(|(_, f)| f).collect();
    }
    let mut per_rule: Vec<(usize, Vec<Finding>)> = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs).map(|_| s.spawn(work)).collect();
        for h in handles {
            per_rule.extend(h.join().unwrap_or_default());
        }
    });
    per_rule.sort_by_key(|(i, _)| *i);
    per_rule.into_iter().flat_map(|(_, f)| f).collect()
}

/// The id of the `i`th input: ids are input positions.
pub(super) fn file_id(i: usize) -> FileId {
    FileId(u32::try_from(i).unwrap_or(u32::MAX))
}
