//! What a container's `image:` is before any rule looks at it: missing, templated, not a
//! string, or a reference that parses or not. Computed once per container for all image rules
//! and for the index.

use super::{ContainerFacts, Scalar};
use crate::image::{ImageRef, RefError};

/// What a container's `image:` turned out to be, computed once for all image rules.
#[derive(Debug)]
pub enum ImageState<'a> {
    /// No `image`, or null, or `""`.
    Missing,
    /// `{{ .Values.image }}`, `${IMAGE}`: not ours to judge.
    Templated(&'a Scalar),
    /// Unquoted YAML that is not a string (`image: 1.10` is a number).
    NotAString(&'a Scalar),
    Invalid(&'a Scalar, RefError),
    Valid(&'a Scalar, ImageRef),
}

/// Classifies a container's image once, for all rules.
pub fn image_state(container: &ContainerFacts) -> ImageState<'_> {
    match image_to_parse(container) {
        Ok(image) => match crate::image::parse_reference(&image.text) {
            Ok(r) => ImageState::Valid(image, r),
            Err(e) => ImageState::Invalid(image, e),
        },
        Err(state) => state,
    }
}

/// The image [`image_state`] parses (whose state is then `Valid` or `Invalid` by its text
/// alone), or the state it has without parsing.
// The error is only ever `Missing`, `Templated` or `NotAString` (a reference at most).
#[allow(clippy::result_large_err)]
pub(crate) fn image_to_parse(container: &ContainerFacts) -> Result<&Scalar, ImageState<'_>> {
    let Some(image) = container.image.as_ref() else {
        return Err(ImageState::Missing);
    };
    if image.is_null() || image.text.is_empty() {
        return Err(ImageState::Missing);
    }
    if is_templated(&image.text) {
        return Err(ImageState::Templated(image));
    }
    if crate::syntax::is_plain_non_string(&image.text, image.style, image.str_tag) {
        return Err(ImageState::NotAString(image));
    }
    Ok(image)
}

/// Helm/Go templates and shell/envsubst variables, filled in before the manifest is applied.
pub fn is_templated(text: &str) -> bool {
    text.contains("{{") || text.contains("${") || text.contains("$(")
}
