//! Errors of the image-reference parser: a kind, the exact bytes at fault, and a human message.

use std::fmt;
use std::ops::Range;

use super::reference::{DOCKER_HUB, NAME_MAX, TAG_MAX, split_reference};

/// Which part of the reference an error is in; it picks the wording of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefPart {
    /// The reference as a whole (empty, whitespace, scheme, bare hex).
    Reference,
    /// The registry host and port before the first `/`.
    Domain,
    /// The repository path.
    Path,
    /// The tag after `:`.
    Tag,
    /// The digest after `@`.
    Digest,
}

impl RefPart {
    fn noun(self) -> &'static str {
        match self {
            RefPart::Reference => "image reference",
            RefPart::Domain => "registry host",
            RefPart::Path => "repository name",
            RefPart::Tag => "tag",
            RefPart::Digest => "digest",
        }
    }
}

/// What is wrong. Every kind is a reason the kubelet's `reference.ParseNormalizedNamed`
/// rejects the reference (see DIFFERENCES.md for the few places we are stricter or looser).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefErrorKind {
    Empty,
    Whitespace,
    /// `https://` or another `scheme://` prefix.
    Scheme,
    /// An ASCII uppercase letter in the repository path.
    Uppercase,
    EmptyTag,
    /// A tag starting with `.` or `-`.
    InvalidTag,
    TagTooLong,
    DoubleSlash,
    LeadingSlash,
    TrailingSlash,
    InvalidCharacter(char),
    /// The normalised repository path is longer than 255 bytes.
    NameTooLong,
    /// A bare 64-hex name, which the kubelet reserves for image IDs.
    HexName,
    /// A separator run other than `.`, `_`, `__` or dashes inside a path component.
    BadSeparator,
    /// A path component or host label starting with a separator.
    LeadingSeparator,
    /// A path component or host label ending with a separator.
    TrailingSeparator,
    /// An empty label in the registry host (`a..b.io`, `:5000`).
    EmptyComponent,
    /// No repository at all (`:tag`, `@sha256:…`).
    MissingRepository,
    /// The port after `host:` is empty or not digits.
    InvalidPort,
    /// A `[` IPv6 literal that is unclosed, empty, or followed by junk.
    InvalidIpv6,
    EmptyDigest,
    DigestAlgorithm,
    DigestLength {
        expected: usize,
        found: usize,
    },
    DigestNotHex,
    DigestUppercase,
    DigestMissingEncoded,
}

/// A parse error: `span` covers the first offending character (or the offending component).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefError {
    pub span: Range<usize>,
    pub kind: RefErrorKind,
    /// True for any problem at or after the `@`: the linter reports those as `malformed-digest`.
    pub in_digest: bool,
    /// The part the error is in.
    pub part: RefPart,
    /// The offending character, when one character is at fault.
    pub ch: Option<char>,
}

impl RefError {
    pub(crate) fn new(span: Range<usize>, kind: RefErrorKind, part: RefPart) -> Self {
        let ch = match kind {
            RefErrorKind::InvalidCharacter(c) => Some(c),
            _ => None,
        };
        RefError {
            in_digest: part == RefPart::Digest,
            span,
            kind,
            part,
            ch,
        }
    }

    pub(crate) fn with_char(mut self, c: char) -> Self {
        self.ch = Some(c);
        self
    }

    /// A short, human message (no trailing period).
    pub fn message(&self) -> String {
        use RefErrorKind as K;
        let noun = self.part.noun();
        let ch = self.ch.map(|c| format!(" {c:?}")).unwrap_or_default();
        match &self.kind {
            K::Empty => "the image reference is empty".into(),
            K::Whitespace => format!("whitespace{ch} in the {noun}; the kubelet rejects it"),
            K::Scheme => "the image must not start with a scheme like `https://`".into(),
            K::Uppercase => format!(
                "uppercase letter{ch} in the repository name; repository names must be lowercase"
            ),
            K::EmptyTag => "empty tag after ':'".into(),
            K::InvalidTag => format!("the tag must start with a letter, a digit or '_', not{ch}"),
            K::TagTooLong => format!("tag longer than {TAG_MAX} characters"),
            K::DoubleSlash => "empty path component ('//') in the repository name".into(),
            K::LeadingSlash => "the image reference must not start with '/'".into(),
            K::TrailingSlash => "the repository name must not end with '/'".into(),
            K::InvalidCharacter(c) => format!("invalid character {c:?} in the {noun}"),
            K::NameTooLong => format!("repository name longer than {NAME_MAX} characters"),
            K::HexName => {
                "a bare 64-character hex string is not a valid repository name \
                 (the kubelet reserves it for image IDs)"
                    .into()
            }
            K::BadSeparator => format!(
                "invalid separator in the {noun}; use one '.', one or two '_', or dashes between letters and digits"
            ),
            K::LeadingSeparator => format!("a {noun} component must start with a letter or digit"),
            K::TrailingSeparator => format!("a {noun} component must end with a letter or digit"),
            K::EmptyComponent => format!("empty label in the {noun}"),
            K::MissingRepository => "the image reference has no repository name".into(),
            K::InvalidPort => format!("the registry port must be digits only{}", found(&ch)),
            K::InvalidIpv6 => {
                "malformed IPv6 registry address; write it as `[hex:hex::…]` with an optional `:port`"
                    .into()
            }
            K::EmptyDigest => "empty digest after '@'".into(),
            K::DigestAlgorithm => {
                "unsupported digest algorithm; the kubelet accepts sha256, sha384 and sha512".into()
            }
            K::DigestLength { expected, found } => format!(
                "digest has {found} hex characters, its algorithm needs exactly {expected}"
            ),
            K::DigestNotHex => format!("non-hexadecimal character{ch} in the digest"),
            K::DigestUppercase => format!(
                "uppercase hex{ch} in the digest; digests must be lowercase"
            ),
            K::DigestMissingEncoded => {
                "the digest has no hex value (expected `sha256:<64 hex characters>`)".into()
            }
        }
    }

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

fn found(ch: &str) -> String {
    if ch.is_empty() {
        String::new()
    } else {
        format!(", found{ch}")
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

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for RefError {}
