//! The rule catalog: one line per rule, and the per-container checks.
//!
//! Each rule is a module with a `META` (name, default severity, summary, doc embedded from
//! `rules/<name>.md`) and, for container rules, a `check` function. The engine decides which
//! rules run (`--select`, `--ignore`, config) and applies severity overrides; rules never do.

use crate::finding::{Finding, Severity};
use crate::image::{ImageRef, RefError};
use crate::model::{ContainerFacts, ObjectFacts, Scalar};
use crate::source::{FileId, Span};

pub mod duplicate_key;
pub mod empty_input;
pub mod invalid_pull_policy;
pub mod invalid_reference;
pub mod latest_tag;
pub mod malformed_digest;
pub mod missing_image;
pub mod missing_tag;
pub mod never_without_prepull;
pub mod parse_error;
pub mod private_registry_without_pull_secret;
pub mod pull_diagnosis;
pub mod pull_secret_malformed;
pub mod pull_secret_not_found;
pub mod pull_secret_registry_mismatch;
pub mod pull_secret_wrong_type;
pub mod registry_not_allowed;
pub mod skipped_input;
pub mod stale_if_not_present;
pub mod tag_and_digest;
pub mod templated_file;
pub mod unreadable_input;
pub mod unused_suppression;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Reading and parsing inputs.
    Input,
    /// One container's image reference and pull policy.
    Image,
    /// Checks that need every object of the run (pull secrets, pre-pull evidence).
    CrossObject,
    /// Diagnoses of failed pulls read from kubectl output.
    Diagnosis,
    /// About pullcheck's own annotations and comments.
    Meta,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Input => "input",
            Category::Image => "image",
            Category::CrossObject => "cross-object",
            Category::Diagnosis => "diagnosis",
            Category::Meta => "meta",
        }
    }
}

#[derive(Debug)]
pub struct RuleMeta {
    /// Stable kebab-case id used in every output format and in suppressions.
    pub name: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// One line: when the rule fires.
    pub summary: &'static str,
    /// The full Markdown doc, `rules/<name>.md`.
    pub doc: &'static str,
}

/// Every rule, in the order `pullcheck rules` lists them.
pub const CATALOG: &[&RuleMeta] = &[
    &invalid_reference::META,
    &malformed_digest::META,
    &missing_tag::META,
    &latest_tag::META,
    &tag_and_digest::META,
    &missing_image::META,
    &invalid_pull_policy::META,
    &stale_if_not_present::META,
    &never_without_prepull::META,
    &private_registry_without_pull_secret::META,
    &pull_secret_not_found::META,
    &pull_secret_wrong_type::META,
    &pull_secret_registry_mismatch::META,
    &pull_secret_malformed::META,
    &registry_not_allowed::META,
    &parse_error::META,
    &duplicate_key::META,
    &templated_file::META,
    &unreadable_input::META,
    &empty_input::META,
    &skipped_input::META,
    &unused_suppression::META,
    &pull_diagnosis::INVALID_REFERENCE,
    &pull_diagnosis::NEVER_NOT_PRESENT,
    &pull_diagnosis::PLATFORM_MISMATCH,
    &pull_diagnosis::RATE_LIMITED,
    &pull_diagnosis::DISK_FULL,
    &pull_diagnosis::HTTP_ON_HTTPS,
    &pull_diagnosis::TLS,
    &pull_diagnosis::DNS,
    &pull_diagnosis::CONNECTION_REFUSED,
    &pull_diagnosis::NETWORK_TIMEOUT,
    &pull_diagnosis::UNAUTHORIZED,
    &pull_diagnosis::NOT_FOUND,
    &pull_diagnosis::FAILED,
];

pub fn find(name: &str) -> Option<&'static RuleMeta> {
    CATALOG.iter().copied().find(|r| r.name == name)
}

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

/// Everything a container rule may look at.
pub struct ContainerCheck<'a> {
    pub file: FileId,
    pub source: &'a str,
    pub object: &'a ObjectFacts,
    pub container: &'a ContainerFacts,
    pub image: ImageState<'a>,
}

impl ContainerCheck<'_> {
    pub fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span::new(self.file, range)
    }

    /// Where to point for `part` (a byte range of the image text): at that part, or at the
    /// alias when the value was reached through one (the part is then labelled at the anchor).
    pub fn point_at(&self, image: &Scalar, part: std::ops::Range<usize>) -> std::ops::Range<usize> {
        if image.via_alias() {
            image.span.clone()
        } else {
            image.text_range(self.source, part)
        }
    }

    /// For a value reached through an alias, a secondary label at the anchored value.
    pub fn alias_note(&self, scalar: &Scalar, finding: Finding) -> Finding {
        self.alias_note_at(scalar, scalar.value_span.clone(), finding)
    }

    /// Like [`ContainerCheck::alias_note`], with the label on `at` (a part of the anchored value).
    pub fn alias_note_at(
        &self,
        scalar: &Scalar,
        at: std::ops::Range<usize>,
        finding: Finding,
    ) -> Finding {
        if !scalar.via_alias() {
            return finding;
        }
        let anchor = scalar
            .anchor_at
            .and_then(|a| anchor_name(self.source, a))
            .map_or_else(|| "the anchor".to_string(), |n| format!("`&{n}`"));
        finding.secondary(self.span(at), format!("value defined here, at {anchor}"))
    }

    /// The tag or digest as written, for messages.
    pub fn tag(&self) -> Option<&str> {
        match &self.image {
            ImageState::Valid(s, r) => r.tag(&s.text),
            _ => None,
        }
    }
}

fn anchor_name(source: &str, at: usize) -> Option<&str> {
    let rest = source.get(at + 1..)?;
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '{' | '}'))
        .unwrap_or(rest.len());
    rest.get(..end).filter(|n| !n.is_empty())
}

pub type ContainerRule = fn(&ContainerCheck<'_>, &mut Vec<Finding>);

/// Rules that look at one container at a time.
pub const CONTAINER_RULES: &[(&RuleMeta, ContainerRule)] = &[
    (&templated_file::META, templated_file::check_image),
    (&invalid_reference::META, invalid_reference::check),
    (&malformed_digest::META, malformed_digest::check),
    (&missing_tag::META, missing_tag::check),
    (&latest_tag::META, latest_tag::check),
    (&tag_and_digest::META, tag_and_digest::check),
    (&missing_image::META, missing_image::check),
    (&invalid_pull_policy::META, invalid_pull_policy::check),
    (&stale_if_not_present::META, stale_if_not_present::check),
];

/// Rules that need every object of the run; they read the index, never text.
pub type CrossRule = fn(&crate::index::Index<'_>, &mut Vec<Finding>);

pub const CROSS_RULES: &[(&RuleMeta, CrossRule)] = &[
    (&never_without_prepull::META, never_without_prepull::check),
    (
        &private_registry_without_pull_secret::META,
        private_registry_without_pull_secret::check,
    ),
    (&pull_secret_not_found::META, pull_secret_not_found::check),
    (&pull_secret_wrong_type::META, pull_secret_wrong_type::check),
    (
        &pull_secret_registry_mismatch::META,
        pull_secret_registry_mismatch::check,
    ),
    (&pull_secret_malformed::META, pull_secret_malformed::check),
    (&registry_not_allowed::META, registry_not_allowed::check),
];

/// The candidate closest to `name` by edit distance, if close enough to be a typo.
pub fn closest_name<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
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
