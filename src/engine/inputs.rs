//! Gathering inputs: the paths named on the command line (walked), stdin, or text handed in by
//! a caller, each becoming one [`Input`] whose position is its file id.
//!
//! The render stage plugs in here: a Helm chart or a Kustomize root found among the walked
//! files ([`crate::render::plan`]) becomes one [`Input::Render`] that replaces its raw files;
//! its worker renders it and lints the rendered text (`lint_file::process_render`).

use super::options::LintOptions;
use crate::source::{WalkOptions, collect_inputs};
use std::path::{Path, PathBuf};

/// One thing to lint. Inputs keep their order: an input's position is its file id.
pub(super) enum Input {
    Path {
        path: PathBuf,
        display: String,
        explicit: bool,
    },
    Stdin,
    /// A Helm chart or Kustomize root, linted through its renderer.
    Render(crate::render::Job),
    /// Text handed in by a caller (tests, fuzzing, editors).
    Memory {
        name: String,
        text: String,
    },
    /// A walk problem reported against a path that is not read.
    Problem {
        display: String,
        message: String,
        fatal: bool,
    },
}

pub(super) fn gather_inputs(opts: &LintOptions) -> Result<Vec<Input>, String> {
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let mut inputs = Vec::new();
    let walk = WalkOptions {
        exclude: opts.exclude.clone(),
        follow_links: opts.follow_links,
        respect_ignore: opts.respect_ignore,
    };
    let mut walked = Vec::new();
    let mut problems = Vec::new();
    for path in &paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let (found, skipped) = collect_inputs(std::slice::from_ref(path), &walk)?;
        walked.extend(found);
        problems.extend(skipped);
    }
    // Charts and Kustomize roots replace their raw files (issue 9). A `Chart.yaml` or
    // kustomization the walk did not follow (a link out of the tree) still marks its directory,
    // so the render refuses it at the link instead of its templates being linted raw.
    let mut found: Vec<PathBuf> = walked.iter().map(|i| i.path.clone()).collect();
    found.extend(
        problems
            .iter()
            .map(|p| PathBuf::from(&p.display))
            .filter(|p| {
                p.file_name().is_some_and(|n| {
                    n == "Chart.yaml"
                        || crate::render::discover::KUSTOMIZATION_FILES
                            .iter()
                            .any(|k| n == *k)
                })
            }),
    );
    let plan = crate::render::plan(&found, &paths);
    inputs.extend(
        problems
            .into_iter()
            .filter(|p| p.fatal || !plan.in_chart(Path::new(&p.display)))
            .map(|p| Input::Problem {
                display: p.display,
                message: p.message,
                fatal: p.fatal,
            }),
    );
    inputs.extend(
        walked
            .into_iter()
            .filter(|i| !plan.covers(&i.path))
            .map(|i| Input::Path {
                path: i.path,
                display: i.display,
                explicit: i.explicit,
            }),
    );
    // Renders first: they are the slowest inputs, so the pool starts them while it lints the
    // plain files (the output order does not depend on the input order).
    inputs.splice(0..0, plan.jobs.into_iter().map(Input::Render));
    Ok(inputs)
}
