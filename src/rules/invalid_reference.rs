//! `invalid-reference`: the image does not parse, so the kubelet reports `InvalidImageName`.

use super::{Category, ContainerCheck, ImageState, RuleMeta};
use crate::finding::{Finding, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "invalid-reference",
    severity: Severity::Error,
    category: Category::Image,
    summary: "the image reference does not parse; the pod would fail with InvalidImageName",
    doc: include_str!("../../rules/invalid-reference.md"),
};

pub fn check(c: &ContainerCheck<'_>, out: &mut Vec<Finding>) {
    match &c.image {
        ImageState::Invalid(image, err) if !err.in_digest => {
            let at = image.text_range(c.source, err.span.clone());
            let primary = c.point_at(image, err.span.clone());
            let mut f = Finding::new(
                &META,
                c.span(primary),
                format!(
                    "invalid image reference {:?}: {}",
                    image.text,
                    err.message()
                ),
            )
            .label(err.message());
            f = f.help(err.help(&image.text).unwrap_or_else(|| {
                "write the image as [registry[:port]/]repository[:tag][@digest], for example \
                 `registry.example.com/team/app:1.4.2`"
                    .into()
            }));
            let f = f.fix(c.reference_fix(image));
            out.push(c.alias_note_at(image, at, f));
        }
        ImageState::NotAString(image) => {
            let f = Finding::new(
                &META,
                c.span(image.span.clone()),
                format!(
                    "unquoted image `{}` is read as a number or boolean, not a string; the API \
                     server rejects the object",
                    image.text
                ),
            )
            .label("not a string")
            .help(format!("quote it: image: \"{}\"", image.text));
            out.push(c.alias_note(image, f));
        }
        _ => {}
    }
}
