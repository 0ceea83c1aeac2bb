//! `stale-if-not-present`: `IfNotPresent` on a mutable tag keeps old copies on nodes.

use super::{Category, ContainerCheck, ImageState, RuleMeta};
use crate::finding::{Finding, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "stale-if-not-present",
    severity: Severity::Warning,
    category: Category::Image,
    summary: "explicit `IfNotPresent` with a `latest` or missing tag: nodes keep running an old copy",
    doc: include_str!("../../rules/stale-if-not-present.md"),
};

pub fn check(c: &ContainerCheck<'_>, out: &mut Vec<Finding>) {
    let Some(policy) = c.container.explicit_pull_policy() else {
        return;
    };
    if policy.text != "IfNotPresent" {
        return;
    }
    let ImageState::Valid(image, r) = &c.image else {
        return;
    };
    if r.digest.is_some() {
        return;
    }
    let tag = r.tag(&image.text);
    if !matches!(tag, None | Some("latest")) {
        return;
    }
    let what = if tag.is_some() {
        "the `latest` tag"
    } else {
        "no tag (so `latest`)"
    };
    let f = Finding::new(
        &META,
        c.span(policy.span.clone()),
        format!(
            "imagePullPolicy IfNotPresent with {what}: a node that already has any `latest` of \
             {:?} never pulls the new one, so nodes drift apart",
            r.familiar_name()
        ),
    )
    .label("never refreshed")
    .secondary(c.span(image.span.clone()), "mutable tag")
    .help(format!(
        "pin the image (`{}:1.2.3` or a digest) and keep IfNotPresent, or use \
         `imagePullPolicy: Always`",
        r.familiar_name()
    ));
    out.push(c.alias_note(policy, f));
}
