//! `missing-tag`: no tag and no digest, so the kubelet pulls the implicit `latest`.

use super::{Category, ContainerCheck, ImageState, RuleMeta};
use crate::finding::{Finding, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "missing-tag",
    severity: Severity::Warning,
    category: Category::Image,
    summary: "no tag and no digest: the kubelet pulls the implicit `latest`",
    doc: include_str!("../../rules/missing-tag.md"),
};

pub fn check(c: &ContainerCheck<'_>, out: &mut Vec<Finding>) {
    let ImageState::Valid(image, r) = &c.image else {
        return;
    };
    if r.tag.is_some() || r.digest.is_some() {
        return;
    }
    // `registry:5000/app` reads as if it had a tag; say where the tag really goes.
    let port_hint = match r.domain.as_ref().and_then(|d| image.text.get(d.clone())) {
        Some(domain) if domain.contains(':') => {
            format!(" (`{domain}` is the registry and its port, not a tag)")
        }
        _ => String::new(),
    };
    let f = Finding::new(
        &META,
        c.span(image.span.clone()),
        format!(
            "image {:?} has no tag{port_hint}: the kubelet pulls `{}:latest`, whatever that is \
             on the day the node pulls",
            image.text,
            r.familiar_name()
        ),
    )
    .label("no tag or digest")
    .help(format!(
        "pin a version, e.g. `{}:1.2.3`, or better a digest `{}@sha256:…`",
        image.text, image.text
    ));
    out.push(c.alias_note(image, f));
}
