//! Suggested fixes for a rejected image reference: usually the corrected reference itself.

use std::ops::Range;

use super::constants::{DOCKER_HUB, NAME_MAX};
use super::error::{RefError, RefErrorKind, RefPart};
use super::reference::{parse_reference, split_reference};

/// A reference corrected until it parses, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub text: String,
    /// Every step had exactly one reading (surrounding whitespace, an `http(s)://` prefix,
    /// uppercase in the repository path or the digest): the image meant is the image written.
    pub safe: bool,
    /// What was done, in order (`lowercase the repository name`).
    pub steps: Vec<&'static str>,
}

/// The reference `input` was meant to be, when corrections lead to one that parses: safe
/// corrections (see [`Correction::safe`]) and, marked unsafe, the removals `help` proposes
/// (an empty tag, a stray `/` or separator, inner whitespace), which may change the image.
/// `None` when one error has no correction: a digest of the wrong length is never guessed.
pub fn correct(input: &str) -> Option<Correction> {
    let mut text = input.to_string();
    let mut safe = true;
    let mut steps = Vec::new();
    // Each step removes one error; a reference has few.
    for _ in 0..8 {
        let err = match parse_reference(&text) {
            Ok(_) => {
                return (!steps.is_empty()).then_some(Correction { text, safe, steps });
            }
            Err(e) => e,
        };
        let (next, step_safe, what) = correction_step(&text, &err)?;
        if next == text || next.is_empty() {
            return None;
        }
        safe &= step_safe;
        steps.push(what);
        text = next;
    }
    None
}

/// One error's correction: the text after it, whether it is safe, and what it does.
fn correction_step(text: &str, err: &RefError) -> Option<(String, bool, &'static str)> {
    use RefErrorKind as K;
    match &err.kind {
        K::Whitespace => {
            let trimmed = text.trim();
            if trimmed.len() != text.len() {
                Some((
                    trimmed.to_string(),
                    true,
                    "remove the surrounding whitespace",
                ))
            } else {
                let joined: String = text.split_whitespace().collect();
                Some((joined, false, "remove the whitespace"))
            }
        }
        K::Scheme => {
            let rest = text.get(err.span.end..)?;
            let scheme = text.get(..err.span.end)?.to_ascii_lowercase();
            let docker_pull = scheme == "https://" || scheme == "http://";
            Some((rest.to_string(), docker_pull, "drop the scheme prefix"))
        }
        K::Uppercase => {
            let split = split_reference(text);
            // `Team/App`: the kubelet takes `Team` for a registry host only because of its
            // capitals (no `.`, no `:`, not `localhost`). Meant was likely Docker Hub's
            // `team/app`, but a host is not ours to rename: a suggestion.
            let capital_host = split.domain.clone().filter(|d| {
                text.get(d.clone())
                    .is_some_and(|h| !h.contains(['.', ':']) && h != "localhost")
            });
            if let Some(d) = capital_host {
                let name = d.start..split.path.end;
                let lower = text.get(name.clone())?.to_ascii_lowercase();
                return Some((splice(text, name, &lower)?, false, "lowercase the name"));
            }
            let path = split.path;
            let lower = text.get(path.clone())?.to_ascii_lowercase();
            Some((
                splice(text, path, &lower)?,
                true,
                "lowercase the repository name",
            ))
        }
        K::DigestUppercase => {
            let digest = split_reference(text).digest?;
            let lower = text.get(digest.clone())?.to_ascii_lowercase();
            Some((splice(text, digest, &lower)?, true, "lowercase the digest"))
        }
        K::DigestAlgorithm => {
            let algorithm = text.get(err.span.clone())?.to_ascii_lowercase();
            ["sha256", "sha384", "sha512"]
                .contains(&algorithm.as_str())
                .then(|| splice(text, err.span.clone(), &algorithm))
                .flatten()
                .map(|t| (t, true, "lowercase the digest algorithm"))
        }
        K::EmptyTag => Some((
            splice(text, err.span.clone(), "")?,
            false,
            "remove the empty tag",
        )),
        K::TrailingSlash | K::DoubleSlash | K::LeadingSlash => Some((
            splice(text, err.span.clone(), "")?,
            false,
            "remove the stray `/`",
        )),
        K::TrailingSeparator | K::LeadingSeparator if err.part == RefPart::Path => Some((
            splice(text, err.span.clone(), "")?,
            false,
            "remove the stray separator",
        )),
        _ => None,
    }
}

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

#[cfg(test)]
mod correction_tests {
    use super::correct;

    fn fixed(input: &str) -> Option<(String, bool)> {
        correct(input).map(|c| (c.text, c.safe))
    }

    #[test]
    fn one_reading_is_safe() {
        let safe = |s: &str| Some((s.to_string(), true));
        assert_eq!(fixed("Nginx:1.0"), safe("nginx:1.0"));
        assert_eq!(fixed(" nginx:1.0\t"), safe("nginx:1.0"));
        assert_eq!(
            fixed("https://ghcr.io/Acme/App:1"),
            safe("ghcr.io/acme/app:1")
        );
        assert_eq!(
            fixed("HTTP://localhost:5000/app"),
            safe("localhost:5000/app")
        );
        // The host keeps its case: only the repository path is lowercased.
        assert_eq!(
            fixed("Registry.Example.com/Team/App:1"),
            safe("Registry.Example.com/team/app:1")
        );
        let digest = "a".repeat(64);
        assert_eq!(
            fixed(&format!("nginx@SHA256:{}", digest.to_uppercase())),
            safe(&format!("nginx@sha256:{digest}"))
        );
    }

    #[test]
    fn a_guess_is_unsafe_and_no_reading_is_none() {
        assert_eq!(fixed("nginx :1.0"), Some(("nginx:1.0".into(), false)));
        assert_eq!(fixed("nginx:"), Some(("nginx".into(), false)));
        // `Team` is a host to the kubelet only for its capitals.
        assert_eq!(
            fixed("Team/Migrate:1.0"),
            Some(("team/migrate:1.0".into(), false))
        );
        assert_eq!(fixed("docker://nginx:1"), Some(("nginx:1".into(), false)));
        // A digest of the wrong length is never guessed, uppercase or not.
        assert_eq!(fixed("nginx@sha256:ABC123"), None);
        assert_eq!(fixed("nginx@sha256:abc"), None);
        assert_eq!(fixed("nginx:1.0"), None);
        assert_eq!(fixed("nginx:1.0$"), None);
    }
}
