//! Gathering inputs: the paths named on the command line (walked), stdin, or text handed in by
//! a caller, each becoming one [`Input`] whose position is its file id.
//!
//! This is where a render stage plugs in: a Helm chart or a Kustomize tree named on the command
//! line becomes, here, the rendered documents it produces (with a map from each rendered
//! document back to the template and values files), as further `Input`s. Everything after this
//! stage (reading, parsing, rules, sorting) sees only inputs and never knows how they were made.

use super::options::LintOptions;
use crate::source::{WalkOptions, collect_inputs};
use std::path::PathBuf;

/// One thing to lint. Inputs keep their order: an input's position is its file id.
pub(super) enum Input {
    Path {
        path: PathBuf,
        display: String,
        explicit: bool,
    },
    Stdin,
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
    };
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let (found, problems) = collect_inputs(std::slice::from_ref(&path), &walk)?;
        inputs.extend(found.into_iter().map(|i| Input::Path {
            path: i.path,
            display: i.display,
            explicit: i.explicit,
        }));
        inputs.extend(problems.into_iter().map(|p| Input::Problem {
            display: p.display,
            message: p.message,
            fatal: p.fatal,
        }));
    }
    Ok(inputs)
}
