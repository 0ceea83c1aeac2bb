//! Findings about a chart or Kustomize root itself: its renderer is missing, rendering failed,
//! its dependencies are not vendored, or it needs a remote resource. The render stage places
//! them (at Chart.yaml, the template line Helm names, the kustomization entry).

use super::{Category, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::source::{FileId, Span};

pub const RENDERER_MISSING: RuleMeta = RuleMeta {
    name: "renderer-missing",
    severity: Severity::Warning,
    category: Category::Input,
    summary: "a chart or Kustomize root was not checked: helm (or kustomize/kubectl) is not available",
    doc: include_str!("../../rules/renderer-missing.md"),
};

pub const RENDER_FAILED: RuleMeta = RuleMeta {
    name: "render-failed",
    severity: Severity::Error,
    category: Category::Input,
    summary: "`helm template` or `kustomize build` failed: the chart or root renders nothing",
    doc: include_str!("../../rules/render-failed.md"),
};

pub const DEPENDENCIES_MISSING: RuleMeta = RuleMeta {
    name: "dependencies-missing",
    severity: Severity::Error,
    category: Category::Input,
    summary: "a chart's Chart.yaml names dependencies that its charts/ directory lacks",
    doc: include_str!("../../rules/dependencies-missing.md"),
};

pub const REMOTE_RESOURCE: RuleMeta = RuleMeta {
    name: "remote-resource",
    severity: Severity::Error,
    category: Category::Input,
    summary: "a kustomization needs a remote resource; pullcheck never fetches, so it was not built",
    doc: include_str!("../../rules/remote-resource.md"),
};

pub const RENDER_REFUSED: RuleMeta = RuleMeta {
    name: "render-refused",
    severity: Severity::Error,
    category: Category::Input,
    summary: "a chart or Kustomize root was not rendered: it reaches outside the linted tree, or its renderer is unsafe",
    doc: include_str!("../../rules/render-refused.md"),
};

/// Which renderer a chart or root goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Helm,
    Kustomize,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Helm => "helm",
            Kind::Kustomize => "kustomize",
        }
    }
}

/// Placeholder span: the render stage moves these findings to their file before the run ends.
fn unplaced() -> Span {
    Span::new(FileId(u32::MAX), 0..0)
}

pub fn renderer_missing(kind: Kind, root: &str, why: &str) -> Finding {
    let (what, help) = match kind {
        Kind::Helm => (
            format!("chart `{root}` was not checked: {why}"),
            "install Helm 3 (https://helm.sh/docs/intro/install/), or name it with `--helm PATH` \
             or `render.helm` in .pullcheck.yaml; or render it yourself: \
             `helm template REL CHART | pullcheck -`",
        ),
        Kind::Kustomize => (
            format!("Kustomize root `{root}` was not checked: {why}"),
            "install kustomize or kubectl, or name one with `--kustomize PATH` or \
             `render.kustomize` in .pullcheck.yaml; or render it yourself: \
             `kubectl kustomize DIR | pullcheck -`",
        ),
    };
    Finding::new(&RENDERER_MISSING, unplaced(), what)
        .label("not rendered, not checked")
        .help(help)
}

/// How messages name a chart or root, and the command that renders it.
fn subject(kind: Kind, root: &str) -> (String, &'static str) {
    match kind {
        Kind::Helm => (format!("chart `{root}`"), "helm template"),
        Kind::Kustomize => (format!("Kustomize root `{root}`"), "kustomize build"),
    }
}

pub fn render_failed(kind: Kind, root: &str, message: &str) -> Finding {
    let (what, tool) = subject(kind, root);
    Finding::new(
        &RENDER_FAILED,
        unplaced(),
        format!("{what} does not render: {message}"),
    )
    .label(format!("`{tool}` failed here"))
    .help(format!(
        "fix the error and run `{tool}` yourself to check; nothing in {what} was linted"
    ))
}

pub fn dependencies_missing(root: &str, name: &str, repository: Option<&str>) -> Finding {
    let from = repository.map_or_else(String::new, |r| format!(" (from {r})"));
    Finding::new(
        &DEPENDENCIES_MISSING,
        unplaced(),
        format!("chart `{root}` depends on `{name}`{from}, which is not in its charts/ directory"),
    )
    .label("not vendored")
    .help(format!(
        "run `helm dependency build {root}` (pullcheck never fetches charts), then lint again"
    ))
}

/// A kustomization of a root lists a remote resource or `helmCharts:`: the root is not built.
/// The message does not name the root: a base that several roots build from has one finding,
/// and the render stage names the roots (`rendered.root` and `also`) when it merges them.
pub fn remote_resource(root: &str, entry: &str, what: &str) -> Finding {
    let mut f = Finding::new(
        &REMOTE_RESOURCE,
        unplaced(),
        format!("the kustomization needs a remote {what} ({entry}); it was not built"),
    );
    f.rendered = Some(Box::new(crate::finding::Rendered {
        by: Kind::Kustomize.as_str(),
        root: root.to_string(),
        template: None,
        text: entry.to_string(),
        also: Vec::new(),
        also_objects: Vec::new(),
    }));
    f.label("would be fetched over the network")
    .help(
        "pullcheck never fetches: vendor the resource into the repository and refer to it by \
         a local path, or build it yourself and pipe the result: `kustomize build DIR | pullcheck -`",
    )
}

/// A chart or root pullcheck did not hand to its renderer, because the renderer would have read
/// outside the tree (`why` says which path and where it leads) or cannot be run safely.
pub fn render_refused(kind: Kind, root: &str, why: &str, help: &str) -> Finding {
    let what = match kind {
        Kind::Helm => format!("chart `{root}`"),
        Kind::Kustomize => format!("Kustomize root `{root}`"),
    };
    Finding::new(
        &RENDER_REFUSED,
        unplaced(),
        format!("{what} was not rendered: {why}"),
    )
    .label("not rendered, not checked")
    .help(format!("{help}; nothing in {what} was linted"))
}

/// A render whose output passed the cap (`--max-file-size`): stopped, nothing of it linted.
pub fn render_too_large(kind: Kind, root: &str, limit: u64) -> Finding {
    let (what, tool) = subject(kind, root);
    Finding::new(
        &RENDER_FAILED,
        unplaced(),
        format!(
            "{what} renders more than {limit} bytes (the --max-file-size limit); `{tool}` was stopped"
        ),
    )
    .label("output too large")
    .help(format!(
        "raise `--max-file-size` if the output is meant to be this large, else find the template \
         that repeats (`{tool}` yourself, piped to `wc -c`); nothing in {what} was linted"
    ))
}
