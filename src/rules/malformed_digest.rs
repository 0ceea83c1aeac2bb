//! `malformed-digest`: anything wrong after the `@`.

use super::{Category, ContainerCheck, ImageState, RuleMeta};
use crate::finding::{Finding, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "malformed-digest",
    severity: Severity::Error,
    category: Category::Image,
    summary: "the digest after `@` has an unknown algorithm, a wrong length, or non-lowercase-hex characters",
    doc: include_str!("../../rules/malformed-digest.md"),
};

pub fn check(c: &ContainerCheck<'_>, out: &mut Vec<Finding>) {
    let ImageState::Invalid(image, err) = &c.image else {
        return;
    };
    if !err.in_digest {
        return;
    }
    let at = image.text_range(c.source, err.span.clone());
    let primary = c.point_at(image, err.span.clone());
    let f = Finding::new(
        &META,
        c.span(primary),
        format!(
            "malformed digest in image {:?}: {}",
            image.text,
            err.message()
        ),
    )
    .label(err.message())
    .help(err.help(&image.text).unwrap_or_else(|| {
        "copy the digest again from the registry (`crane digest IMAGE`, `docker buildx imagetools \
         inspect IMAGE`): sha256 digests are `sha256:` and 64 lowercase hex characters"
            .into()
    }))
    .fix(c.reference_fix(image));
    out.push(c.alias_note_at(image, at, f));
}
