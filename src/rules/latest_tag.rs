//! `latest-tag`: an explicit `:latest`.

use super::{Category, ContainerCheck, ImageState, RuleMeta};
use crate::finding::{Finding, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "latest-tag",
    severity: Severity::Warning,
    category: Category::Image,
    summary: "explicit `:latest` tag: what runs depends on when each node pulled",
    doc: include_str!("../../rules/latest-tag.md"),
};

pub fn check(c: &ContainerCheck<'_>, out: &mut Vec<Finding>) {
    let ImageState::Valid(image, r) = &c.image else {
        return;
    };
    if r.digest.is_some() || r.tag(&image.text) != Some("latest") {
        return;
    }
    let Some(tag) = r.tag.clone() else {
        return;
    };
    let at = c.point_at(image, tag);
    let f = Finding::new(
        &META,
        c.span(at),
        format!(
            "image {:?} uses the `latest` tag: nodes run whichever build they pulled last, and a \
             rollback cannot go back",
            image.text
        ),
    )
    .label("mutable tag")
    .help(format!(
        "pin a version tag or a digest, e.g. `{}:1.2.3` or `{}@sha256:…`",
        r.familiar_name(),
        r.familiar_name()
    ));
    out.push(c.alias_note(image, f));
}
