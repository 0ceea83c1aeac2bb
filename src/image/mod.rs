//! TEMPORARY minimal reference splitter; replaced by the span-aware parser on branch `image`.
use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub domain: Option<Range<usize>>,
    pub path: Range<usize>,
    pub tag: Option<Range<usize>>,
    pub digest: Option<Range<usize>>,
    pub registry: String,
    pub repository: String,
}

impl ImageRef {
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
    pub fn familiar_name(&self) -> String {
        self.name()
    }
    pub fn tag<'a>(&self, input: &'a str) -> Option<&'a str> {
        self.tag.clone().and_then(|r| input.get(r))
    }
    pub fn digest<'a>(&self, input: &'a str) -> Option<&'a str> {
        self.digest.clone().and_then(|r| input.get(r))
    }
    pub fn normalized(&self, input: &str) -> String {
        let mut s = self.name();
        if let Some(t) = self.tag(input) {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = self.digest(input) {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefErrorKind {
    Empty,
    InvalidCharacter(char),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefError {
    pub span: Range<usize>,
    pub kind: RefErrorKind,
    pub in_digest: bool,
}

impl RefError {
    pub fn message(&self) -> String {
        format!("{:?}", self.kind)
    }
    pub fn help(&self, _input: &str) -> Option<String> {
        None
    }
}

pub fn parse_reference(input: &str) -> Result<ImageRef, RefError> {
    if input.is_empty() {
        return Err(RefError {
            span: 0..0,
            kind: RefErrorKind::Empty,
            in_digest: false,
        });
    }
    if let Some((i, c)) = input
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || c.is_uppercase())
    {
        return Err(RefError {
            span: i..i + c.len_utf8(),
            kind: RefErrorKind::InvalidCharacter(c),
            in_digest: false,
        });
    }
    let (rest, digest) = match input.find('@') {
        Some(at) => (&input[..at], Some(at + 1..input.len())),
        None => (input, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let tag = rest[last_slash..]
        .find(':')
        .map(|c| last_slash + c + 1..rest.len());
    let name_end = tag.as_ref().map_or(rest.len(), |t| t.start - 1);
    let name = &input[..name_end];
    let (registry, repository) = match name.split_once('/') {
        Some((d, r)) if d.contains('.') || d.contains(':') || d == "localhost" => {
            (d.to_string(), r.to_string())
        }
        _ if name.contains('/') => ("docker.io".to_string(), name.to_string()),
        _ => ("docker.io".to_string(), format!("library/{name}")),
    };
    Ok(ImageRef {
        domain: None,
        path: 0..name_end,
        tag,
        digest,
        registry,
        repository,
    })
}
