//! `templated-file`: template syntax that only a renderer (Helm, envsubst) can fill in.

use super::{Category, ContainerCheck, ImageState, InputEvent, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "templated-file",
    severity: Severity::Note,
    category: Category::Input,
    summary: "a Helm template or templated image was skipped: lint the rendered output instead",
    doc: include_str!("../../rules/templated-file.md"),
};

const RENDER_HELP: &str = "render it first and lint the result: `helm template ./chart | pullcheck -` \
     (or `kustomize build . | pullcheck -`, `envsubst < f.yaml | pullcheck -`)";

/// A whole file skipped: it fails to parse because of `{{` (charts are rendered, never read raw).
pub fn check_file(event: &InputEvent<'_>, span: Span) -> Option<Finding> {
    match event {
        InputEvent::Template(why) => Some(file_skipped(span, why)),
        _ => None,
    }
}

fn file_skipped(span: Span, why: &str) -> Finding {
    Finding::new(&META, span, format!("skipped a template: {why}"))
        .label("template syntax")
        .help(RENDER_HELP)
}

pub fn check_image(c: &ContainerCheck<'_>, out: &mut Vec<Finding>) {
    let ImageState::Templated(image) = &c.image else {
        return;
    };
    out.push(
        Finding::new(
            &META,
            c.span(image.span.clone()),
            format!(
                "image {:?} is a template; its rendered value was not checked",
                image.text
            ),
        )
        .label("filled in at render time")
        .help(RENDER_HELP),
    );
}
