//! Errors of the image-reference parser: a kind, the exact bytes at fault, and a human message.

use std::fmt;
use std::ops::Range;

use super::constants::{NAME_MAX, TAG_MAX};

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
    /// The normalized repository path is longer than 255 bytes.
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
}

fn found(ch: &str) -> String {
    if ch.is_empty() {
        String::new()
    } else {
        format!(", found{ch}")
    }
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for RefError {}
