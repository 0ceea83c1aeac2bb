//! `tag-and-digest`: both a tag and a digest; the digest wins and the tag is ignored.

use super::{Category, ContainerCheck, ImageState, RuleMeta};
use crate::finding::{Finding, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "tag-and-digest",
    severity: Severity::Note,
    category: Category::Image,
    summary: "both a tag and a digest: the kubelet pulls the digest and ignores the tag",
    doc: include_str!("../../rules/tag-and-digest.md"),
};

pub fn check(c: &ContainerCheck<'_>, out: &mut Vec<Finding>) {
    let ImageState::Valid(image, r) = &c.image else {
        return;
    };
    let (Some(tag), Some(_)) = (r.tag.clone(), r.digest.as_ref()) else {
        return;
    };
    let tag_text = image.text.get(tag.clone()).unwrap_or("");
    let at = c.point_at(image, tag);
    let f = Finding::new(
        &META,
        c.span(at),
        format!(
            "image {:?} has both tag `{tag_text}` and a digest: the digest is pulled and the tag \
             is ignored, so the tag may not describe what runs",
            image.text
        ),
    )
    .label("ignored tag")
    .help(
        "keep the digest; keep the tag only as documentation, and make sure your update tooling \
         changes both together",
    );
    out.push(c.alias_note(image, f));
}
