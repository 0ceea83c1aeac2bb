//! A hand-written scanner for the image-reference grammar of Go's
//! `github.com/distribution/reference` v0.6 `ParseNormalizedNamed`, the parser the kubelet uses,
//! that keeps the byte range of every component.
//!
//! Grammar (reference.go, regexp.go):
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [domain "/"] path-component ["/" path-component]*
//! domain     := host [":" port]            host := label ["." label]* | "[" [a-fA-F0-9:]+ "]"
//! label      := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]          port := [0-9]+
//! path-component := [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)*
//! tag        := [\w][\w.-]{0,127}
//! digest     := algorithm ":" hex          (then go-digest: sha256/384/512, exact length, lowercase)
//! ```
//! Every byte position this module hands out comes from an ASCII delimiter or from
//! `char_indices`, so all ranges are on char boundaries; text is only read through `str::get`.

use std::ops::Range;

use super::constants::{DOCKER_HUB, DOCKER_HUB_LEGACY, NAME_MAX, OFFICIAL_PREFIX, TAG_MAX};
use super::digest::validate_digest;
use super::error::{RefError, RefErrorKind as K, RefPart};

/// A parsed image reference. All ranges are byte ranges into the parsed input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry host (and port) as written, when the reference names one.
    pub domain: Option<Range<usize>>,
    /// The repository path as written, without the domain.
    pub path: Range<usize>,
    /// The tag, without the ':'.
    pub tag: Option<Range<usize>>,
    /// The digest (`sha256:…`), without the '@'.
    pub digest: Option<Range<usize>>,
    /// The normalized registry: "docker.io" when absent or an alias, else the host as written.
    pub registry: String,
    /// The normalized repository path: "library/nginx" for "nginx".
    pub repository: String,
}

impl ImageRef {
    /// The fully qualified name, as Go's `Named.Name()`: "docker.io/library/nginx".
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The short name Docker shows, as Go's `FamiliarName`: "nginx", "foo/bar", "quay.io/x/y".
    pub fn familiar_name(&self) -> String {
        if self.registry != DOCKER_HUB {
            return self.name();
        }
        // normalize.go familiarizeName: only a one-level "library/x" loses its prefix.
        match self.repository.strip_prefix(OFFICIAL_PREFIX) {
            Some(short) if !short.contains('/') => short.to_owned(),
            _ => self.repository.clone(),
        }
    }

    /// The registry host as written, if any.
    pub fn domain<'a>(&self, input: &'a str) -> Option<&'a str> {
        input.get(self.domain.clone()?)
    }

    /// The repository path as written.
    pub fn path<'a>(&self, input: &'a str) -> &'a str {
        input.get(self.path.clone()).unwrap_or_default()
    }

    pub fn tag<'a>(&self, input: &'a str) -> Option<&'a str> {
        input.get(self.tag.clone()?)
    }

    pub fn digest<'a>(&self, input: &'a str) -> Option<&'a str> {
        input.get(self.digest.clone()?)
    }

    /// The digest as an `oci_spec` value (always valid for a parsed reference).
    pub fn oci_digest(&self, input: &str) -> Option<oci_spec::image::Digest> {
        self.digest(input)?.parse().ok()
    }

    /// The normalized reference, as Go's `String()`: name, then `:tag`, then `@digest`.
    pub fn normalized(&self, input: &str) -> String {
        let mut out = self.name();
        self.push_suffix(input, &mut out);
        out
    }

    /// The familiar reference, as Go's `FamiliarString`: "nginx:1.25".
    pub fn familiar(&self, input: &str) -> String {
        let mut out = self.familiar_name();
        self.push_suffix(input, &mut out);
        out
    }

    fn push_suffix(&self, input: &str, out: &mut String) {
        if let Some(tag) = self.tag(input) {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = self.digest(input) {
            out.push('@');
            out.push_str(digest);
        }
    }
}

/// Where the components of a reference are, before any validation.
#[derive(Debug, Clone)]
pub(crate) struct Split {
    pub domain: Option<Range<usize>>,
    pub path: Range<usize>,
    pub tag: Option<Range<usize>>,
    pub digest: Option<Range<usize>>,
}

/// Cuts a reference at its delimiters the way the Go parser does.
///
/// No name or tag character may be '@', so the first '@' starts the digest. The domain is the
/// text before the first '/' when normalize.go `splitDockerDomain` (v0.6) would take it: it is
/// `localhost`, contains '.' or ':', or is not lowercase. The tag starts at the first ':' after
/// the domain.
pub(crate) fn split_reference(input: &str) -> Split {
    let at = input.find('@');
    let name_end = at.unwrap_or(input.len());
    let name = input.get(..name_end).unwrap_or_default();
    let domain = name
        .find('/')
        .filter(|&slash| looks_like_domain(name.get(..slash).unwrap_or_default()))
        .map(|slash| 0..slash);
    let path_start = domain.as_ref().map_or(0, |d| d.end + 1);
    let rest = name.get(path_start..).unwrap_or_default();
    let (path, tag) = match rest.find(':') {
        Some(colon) => (
            path_start..path_start + colon,
            Some(path_start + colon + 1..name_end),
        ),
        None => (path_start..name_end, None),
    };
    Split {
        domain,
        path,
        tag,
        digest: at.map(|at| at + 1..input.len()),
    }
}

fn looks_like_domain(first: &str) -> bool {
    first == "localhost"
        || first.contains(['.', ':'])
        // Go compares strings.ToLower(first) with first; non-ASCII fails the grammar either way.
        || first.chars().any(char::is_uppercase)
}

/// Parses an image reference exactly as the kubelet (Go `reference.ParseNormalizedNamed`) does,
/// keeping byte ranges. On error, the span points at the first offending character.
pub fn parse_reference(input: &str) -> Result<ImageRef, RefError> {
    check_whole(input)?;
    let split = split_reference(input);

    // Go's anchoredNameRegexp makes the domain optional: a first component with '.' that is no
    // valid host (`my_reg.io`) still matches as a path component, and Go accepts it with an empty
    // domain. We keep it as the registry, the host a runtime would contact (DIFFERENCES.md).
    let mut domain_is_path = false;
    if let Some(domain) = &split.domain
        && let Err(err) = validate_domain(input, domain.clone())
    {
        let text = input.get(domain.clone()).unwrap_or_default();
        domain_is_path = !text.contains(':')
            && !text.chars().any(char::is_uppercase)
            && validate_component(input, domain.clone()).is_ok();
        if !domain_is_path {
            return Err(err);
        }
    }
    validate_path(input, split.path.clone(), split.domain.is_some())?;

    let path_text = input.get(split.path.clone()).unwrap_or_default();
    let registry = match split.domain.clone().and_then(|d| input.get(d)) {
        None | Some(DOCKER_HUB) | Some(DOCKER_HUB_LEGACY) => DOCKER_HUB,
        Some(host) => host,
    };
    let official = registry == DOCKER_HUB && !path_text.contains('/');
    let mut repo_len = path_text.len() + if official { OFFICIAL_PREFIX.len() } else { 0 };
    if domain_is_path {
        repo_len += registry.len() + 1;
    }
    if repo_len > NAME_MAX {
        return Err(RefError::new(split.path, K::NameTooLong, RefPart::Path));
    }

    if let Some(tag) = split.tag.clone() {
        validate_tag(input, tag)?;
    }
    if let Some(digest) = split.digest.clone() {
        validate_digest(input, digest)?;
    }

    let mut repository = String::with_capacity(repo_len);
    if official {
        repository.push_str(OFFICIAL_PREFIX);
    }
    repository.push_str(path_text);
    Ok(ImageRef {
        domain: split.domain,
        path: split.path,
        tag: split.tag,
        digest: split.digest,
        registry: registry.to_owned(),
        repository,
    })
}

/// Problems with the reference as a whole, reported before any component.
fn check_whole(input: &str) -> Result<(), RefError> {
    if input.is_empty() {
        return Err(RefError::new(0..0, K::Empty, RefPart::Reference));
    }
    let at = input.find('@');
    if let Some((i, c)) = input.char_indices().find(|(_, c)| c.is_whitespace()) {
        let in_digest = at.is_some_and(|at| i > at);
        let part = if in_digest {
            RefPart::Digest
        } else {
            RefPart::Reference
        };
        return Err(RefError::new(i..i + c.len_utf8(), K::Whitespace, part).with_char(c));
    }
    if let Some(end) = scheme_end(input) {
        return Err(RefError::new(0..end, K::Scheme, RefPart::Reference));
    }
    // normalize.go ParseNormalizedNamed: a bare 64-hex string could be an image ID.
    if input.len() == 64
        && input
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(RefError::new(
            0..input.len(),
            K::HexName,
            RefPart::Reference,
        ));
    }
    Ok(())
}

/// The end of a leading `scheme://` (RFC 3986 scheme syntax), if there is one.
fn scheme_end(input: &str) -> Option<usize> {
    let colon = input.find("://")?;
    let scheme = input.get(..colon)?;
    let mut bytes = scheme.bytes();
    let starts_alpha = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'));
    (starts_alpha && rest_ok).then_some(colon + 3)
}

/// The span of the character at `pos`, or an empty span at the end of the input.
fn char_span(input: &str, pos: usize) -> Range<usize> {
    let len = input
        .get(pos..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, char::len_utf8);
    pos..pos + len
}

fn invalid_char(pos: usize, c: char, part: RefPart) -> RefError {
    RefError::new(pos..pos + c.len_utf8(), K::InvalidCharacter(c), part)
}

/// regexp.go `domainAndPort`: a DNS-like host or a bracketed IPv6 literal, then `:digits`.
fn validate_domain(input: &str, range: Range<usize>) -> Result<(), RefError> {
    let text = input.get(range.clone()).unwrap_or_default();
    let start = range.start;
    let host_end = if text.starts_with('[') {
        validate_ipv6(text, start)?
    } else {
        let host_end = text.find(':').unwrap_or(text.len());
        validate_host_labels(input, start..start + host_end)?;
        host_end
    };
    let rest = text.get(host_end..).unwrap_or_default();
    let Some(port) = rest.strip_prefix(':') else {
        return match rest.chars().next() {
            None => Ok(()),
            Some(c) => Err(RefError::new(
                start + host_end..start + host_end + c.len_utf8(),
                K::InvalidIpv6,
                RefPart::Domain,
            )
            .with_char(c)),
        };
    };
    let port_start = start + host_end + 1;
    if port.is_empty() {
        return Err(RefError::new(
            port_start - 1..port_start,
            K::InvalidPort,
            RefPart::Domain,
        ));
    }
    match port.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, c)) => Err(RefError::new(
            port_start + i..port_start + i + c.len_utf8(),
            K::InvalidPort,
            RefPart::Domain,
        )
        .with_char(c)),
        None => Ok(()),
    }
}

/// regexp.go `ipv6address`: `\[[a-fA-F0-9:]+\]`. Returns the offset just past the ']'.
fn validate_ipv6(text: &str, start: usize) -> Result<usize, RefError> {
    let ipv6_error = |span: Range<usize>| RefError::new(span, K::InvalidIpv6, RefPart::Domain);
    let Some(close) = text.find(']') else {
        return Err(ipv6_error(start..start + 1));
    };
    let inner = text.get(1..close).unwrap_or_default();
    if inner.is_empty() {
        return Err(ipv6_error(start..start + close + 1));
    }
    if let Some((i, c)) = inner
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_hexdigit() || c == ':'))
    {
        return Err(invalid_char(start + 1 + i, c, RefPart::Domain));
    }
    Ok(close + 1)
}

/// regexp.go `domainName`: dot-separated labels of letters (any case), digits and inner dashes.
fn validate_host_labels(input: &str, range: Range<usize>) -> Result<(), RefError> {
    let mut label_start = range.start;
    loop {
        let rest = input.get(label_start..range.end).unwrap_or_default();
        let label_end = rest.find('.').map_or(range.end, |dot| label_start + dot);
        let label = input.get(label_start..label_end).unwrap_or_default();
        if label.is_empty() {
            return Err(RefError::new(
                char_span(input, label_start),
                K::EmptyComponent,
                RefPart::Domain,
            ));
        }
        if label.starts_with('-') {
            let span = label_start..label_start + 1;
            return Err(RefError::new(span, K::LeadingSeparator, RefPart::Domain));
        }
        if let Some((i, c)) = label
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(invalid_char(label_start + i, c, RefPart::Domain));
        }
        if label.ends_with('-') {
            let span = label_end - 1..label_end;
            return Err(RefError::new(span, K::TrailingSeparator, RefPart::Domain));
        }
        if label_end >= range.end {
            return Ok(());
        }
        label_start = label_end + 1;
    }
}

/// regexp.go `remoteName`: one or more path components joined by single '/'.
fn validate_path(input: &str, range: Range<usize>, has_domain: bool) -> Result<(), RefError> {
    let mut start = range.start;
    loop {
        let rest = input.get(start..range.end).unwrap_or_default();
        let end = rest.find('/').map_or(range.end, |slash| start + slash);
        if start == end {
            return Err(empty_component(&range, start, has_domain));
        }
        validate_component(input, start..end)?;
        if end >= range.end {
            return Ok(());
        }
        start = end + 1;
    }
}

/// Names the mistake behind an empty path component starting at `pos`.
fn empty_component(path: &Range<usize>, pos: usize, has_domain: bool) -> RefError {
    let error = |span, kind| RefError::new(span, kind, RefPart::Path);
    let at_end = pos == path.end;
    if at_end && (pos > path.start || has_domain) {
        // "foo/" or "quay.io/": the '/' before the missing component is superfluous.
        error(pos - 1..pos, K::TrailingSlash)
    } else if pos == path.start && !has_domain {
        if at_end {
            // Zero width: the name is missing *before* this position (":tag", "@sha256:…").
            error(pos..pos, K::MissingRepository)
        } else {
            error(pos..pos + 1, K::LeadingSlash)
        }
    } else {
        error(pos..pos + 1, K::DoubleSlash)
    }
}

/// regexp.go `pathComponent`: `[a-z0-9]+` joined by `.`, `_`, `__` or a run of `-`.
fn validate_component(input: &str, range: Range<usize>) -> Result<(), RefError> {
    let text = input.get(range.clone()).unwrap_or_default();
    let mut run_start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        let pos = range.start + i;
        if matches!(c, '.' | '_' | '-') {
            run_start.get_or_insert(pos);
            continue;
        }
        if let Some(run) = run_start.take() {
            check_separator(input, run..pos, run == range.start)?;
        }
        if c.is_ascii_uppercase() {
            return Err(RefError::new(pos..pos + 1, K::Uppercase, RefPart::Path).with_char(c));
        }
        if !(c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return Err(invalid_char(pos, c, RefPart::Path));
        }
    }
    match run_start {
        Some(run) if run == range.start => {
            Err(RefError::new(range, K::LeadingSeparator, RefPart::Path))
        }
        Some(run) => Err(RefError::new(
            run..range.end,
            K::TrailingSeparator,
            RefPart::Path,
        )),
        None => Ok(()),
    }
}

fn check_separator(input: &str, run: Range<usize>, at_start: bool) -> Result<(), RefError> {
    if at_start {
        return Err(RefError::new(run, K::LeadingSeparator, RefPart::Path));
    }
    let text = input.get(run.clone()).unwrap_or_default();
    let valid = matches!(text, "." | "_" | "__") || text.bytes().all(|b| b == b'-');
    if valid {
        Ok(())
    } else {
        Err(RefError::new(run, K::BadSeparator, RefPart::Path))
    }
}

/// regexp.go `tag`: `[\w][\w.-]{0,127}` (ASCII `\w`).
fn validate_tag(input: &str, range: Range<usize>) -> Result<(), RefError> {
    if range.is_empty() {
        let colon = range.start - 1;
        return Err(RefError::new(colon..colon + 1, K::EmptyTag, RefPart::Tag));
    }
    let text = input.get(range.clone()).unwrap_or_default();
    for (i, c) in text.char_indices() {
        let pos = range.start + i;
        let word = c.is_ascii_alphanumeric() || c == '_';
        if word || (i > 0 && matches!(c, '.' | '-')) {
            continue;
        }
        if i == 0 && matches!(c, '.' | '-') {
            return Err(RefError::new(pos..pos + 1, K::InvalidTag, RefPart::Tag).with_char(c));
        }
        return Err(invalid_char(pos, c, RefPart::Tag));
    }
    if text.len() > TAG_MAX {
        return Err(RefError::new(range, K::TagTooLong, RefPart::Tag));
    }
    Ok(())
}
