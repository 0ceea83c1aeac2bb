//! Suggested fixes for a rejected image reference: usually the corrected reference itself.

use std::ops::Range;

use super::constants::{DOCKER_HUB, NAME_MAX};
use super::error::{RefError, RefErrorKind, RefPart};
use super::reference::split_reference;

impl RefError {
    /// The concrete fix, when there is one: usually the corrected reference.
    pub fn help(&self, input: &str) -> Option<String> {
        use RefErrorKind as K;
        match &self.kind {
            K::Whitespace => {
                let fixed: String = input.split_whitespace().collect();
                (!fixed.is_empty()).then(|| format!("remove the whitespace: `{fixed}`"))
            }
            K::Scheme => {
                let rest = input.get(self.span.end..)?;
                Some(format!("drop the scheme: `{rest}`"))
            }
            K::Uppercase => {
                let split = split_reference(input);
                let path = input.get(split.path.clone())?;
                let fixed = splice(input, split.path, &path.to_ascii_lowercase())?;
                Some(format!("use the lowercase name: `{fixed}`"))
            }
            K::EmptyTag | K::TrailingSlash | K::DoubleSlash | K::LeadingSlash => {
                let fixed = splice(input, self.span.clone(), "")?;
                (!fixed.is_empty()).then(|| format!("remove it: `{fixed}`"))
            }
            K::TrailingSeparator | K::LeadingSeparator if self.part == RefPart::Path => {
                let fixed = splice(input, self.span.clone(), "")?;
                Some(format!("remove the separator: `{fixed}`"))
            }
            K::HexName => Some(format!(
                "to pin an image by content, use `<repository>@sha256:{input}`"
            )),
            K::DigestUppercase => {
                let split = split_reference(input);
                let digest = split.digest?;
                let text = input.get(digest.clone())?.to_ascii_lowercase();
                Some(format!(
                    "use the lowercase digest: `{}`",
                    splice(input, digest, &text)?
                ))
            }
            K::InvalidCharacter(_) | K::DigestMissingEncoded | K::DigestAlgorithm
                if self.part == RefPart::Digest && has_credentials_shape(input) =>
            {
                Some(
                    "'@' starts a digest; registry credentials cannot be part of an image, \
                     use imagePullSecrets"
                        .into(),
                )
            }
            K::DigestAlgorithm => {
                let algorithm = input.get(self.span.clone())?.to_ascii_lowercase();
                if ["sha256", "sha384", "sha512"].contains(&algorithm.as_str()) {
                    Some(format!("write the algorithm in lowercase: `{algorithm}`"))
                } else {
                    Some("use a sha256 digest: `@sha256:<64 hex characters>`".into())
                }
            }
            K::DigestLength { expected, .. } => Some(format!(
                "copy the full digest: {expected} lowercase hex characters after the ':'"
            )),
            K::NameTooLong => Some(format!(
                "shorten the repository path to at most {NAME_MAX} characters (on {DOCKER_HUB}, \
                 a one-component name counts with its `library/` prefix)"
            )),
            _ => None,
        }
    }
}

/// `user@host/…`: an '@' followed later by a '/', which no digest contains.
fn has_credentials_shape(input: &str) -> bool {
    input
        .split_once('@')
        .is_some_and(|(_, after)| after.contains('/'))
}

/// `input` with `range` replaced by `with`, or None when the range is not on char boundaries.
fn splice(input: &str, range: Range<usize>, with: &str) -> Option<String> {
    let head = input.get(..range.start)?;
    let tail = input.get(range.end..)?;
    Some(format!("{head}{with}{tail}"))
}
