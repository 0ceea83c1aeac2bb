//! `registry-not-allowed`: an image from a registry that `registries.allowed` does not list.

use super::{Category, ImageState, RuleMeta, image_state};
use crate::finding::{Finding, Severity};
use crate::index::Index;
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "registry-not-allowed",
    severity: Severity::Error,
    category: Category::CrossObject,
    summary: "the image's registry is not in the config's `registries.allowed` (only when that list is set)",
    doc: include_str!("../../rules/registry-not-allowed.md"),
};

pub fn check(index: &Index<'_>, out: &mut Vec<Finding>) {
    if index.allowed.is_empty() {
        return;
    }
    let listed = index
        .allowed
        .iter()
        .take(5)
        .map(|p| p.written.clone())
        .collect::<Vec<_>>()
        .join(", ");
    for pod in index.pods() {
        for c in &pod.pod.containers {
            let ImageState::Valid(image, r) = image_state(c) else {
                continue;
            };
            if index.is_allowed(&r) {
                continue;
            }
            out.push(
                Finding::new(
                    &META,
                    Span::new(pod.file, image.span.clone()),
                    format!(
                        "image {:?} comes from {:?}, which `registries.allowed` does not list \
                         ({listed}{})",
                        image.text,
                        r.name(),
                        if index.allowed.len() > 5 { ", …" } else { "" }
                    ),
                )
                .label("registry not allowed")
                .help(
                    "mirror the image into an allowed registry, or add the registry to \
                     `registries.allowed` in .pullcheck.yaml",
                ),
            );
        }
    }
}
