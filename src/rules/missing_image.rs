//! `missing-image`: a container with no `image`, or an empty one.

use super::{Category, ContainerCheck, ImageState, RuleMeta};
use crate::finding::{Finding, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "missing-image",
    severity: Severity::Error,
    category: Category::Image,
    summary: "a container without an `image` (or with an empty one)",
    doc: include_str!("../../rules/missing-image.md"),
};

pub fn check(c: &ContainerCheck<'_>, out: &mut Vec<Finding>) {
    if !matches!(c.image, ImageState::Missing) {
        return;
    }
    let field = c.container.kind.field();
    let (span, who) = match &c.container.name {
        Some(name) => (name.span.clone(), format!("container {:?}", name.text)),
        None => (c.container.span.clone(), format!("this entry of `{field}`")),
    };
    let what = match &c.container.image {
        None => "has no `image`",
        Some(_) => "has an empty `image`",
    };
    let mut f = Finding::new(
        &META,
        c.span(span),
        format!("{who} {what}: the API server rejects the object, and there is nothing to pull"),
    )
    .label("no image")
    .help("add `image: registry.example.com/team/app:1.2.3` to the container");
    if let Some(image) = &c.container.image {
        f = f.secondary(c.span(image.span.clone()), "empty");
    }
    out.push(f);
}
