//! The rules: [`RULES`], one table line per rule, and every list derived from it.
//!
//! Each rule is a module with a `META` (name, default severity, summary, doc embedded from
//! `rules/<name>.md`) and what it looks at: one container, the index of the whole run, an
//! input the engine could not lint, or kubectl output. The table line says which; the engine
//! reads the table and never names a rule. The engine decides which rules run (`--select`,
//! `--ignore`, config) and applies severity overrides; rules never do.

use crate::finding::{Applicability, Finding, Fix};
pub use crate::finding::{Category, RuleMeta};
pub use crate::model::image_state::{ImageState, image_state, is_templated};
use crate::model::{ContainerFacts, ObjectFacts, Scalar};
use crate::source::{FileId, Span};
use crate::syntax::ScalarStyle;

pub mod duplicate_key;
pub mod empty_input;
pub mod invalid_pull_policy;
pub mod invalid_reference;
pub mod latest_tag;
pub mod malformed_digest;
pub mod missing_image;
pub mod missing_tag;
pub mod never_without_prepull;
pub mod numeric_tag;
pub mod online;
pub mod parse_error;
pub mod private_registry_without_pull_secret;
pub mod pull_diagnosis;
pub mod pull_secret_malformed;
pub mod pull_secret_not_found;
pub mod pull_secret_registry_mismatch;
pub mod pull_secret_wrong_type;
pub mod registry_not_allowed;
pub mod render_problems;
pub mod skipped_input;
pub mod stale_if_not_present;
pub mod tag_and_digest;
pub mod templated_file;
pub mod unreadable_input;
pub mod unused_suppression;

/// Every rule, in the order `pullcheck rules` lists them, with what it looks at. Adding a rule
/// is a line here (with its `pub mod` above), its module, its doc in `rules/` and its fixtures;
/// `scripts/new-rule <name> <container|cross-object>` lays out all four.
#[rustfmt::skip] // one line per rule
pub const RULES: &[Rule] = &[
    rule(&invalid_reference::META, &[Container(invalid_reference::check)]),
    rule(&malformed_digest::META, &[Container(malformed_digest::check)]),
    rule(&missing_tag::META, &[Container(missing_tag::check)]),
    rule(&latest_tag::META, &[Container(latest_tag::check)]),
    rule(&tag_and_digest::META, &[Container(tag_and_digest::check)]),
    rule(&missing_image::META, &[Container(missing_image::check)]),
    rule(&invalid_pull_policy::META, &[Container(invalid_pull_policy::check)]),
    rule(&stale_if_not_present::META, &[Container(stale_if_not_present::check)]),
    rule(&never_without_prepull::META, &[CrossObject(never_without_prepull::check)]),
    rule(&private_registry_without_pull_secret::META,
        &[CrossObject(private_registry_without_pull_secret::check)]),
    rule(&pull_secret_not_found::META, &[CrossObject(pull_secret_not_found::check)]),
    rule(&pull_secret_wrong_type::META, &[CrossObject(pull_secret_wrong_type::check)]),
    rule(&pull_secret_registry_mismatch::META,
        &[CrossObject(pull_secret_registry_mismatch::check)]),
    rule(&pull_secret_malformed::META, &[CrossObject(pull_secret_malformed::check)]),
    rule(&registry_not_allowed::META, &[CrossObject(registry_not_allowed::check)]),
    rule(&numeric_tag::META, &[Rendered]),
    rule(&online::IMAGE_NOT_FOUND, &[CrossObject(online::check_not_found)]),
    rule(&online::IMAGE_UNAUTHORIZED, &[CrossObject(online::check_unauthorized)]),
    rule(&online::IMAGE_PLATFORM_MISSING, &[CrossObject(online::check_platform_missing)]),
    rule(&online::REGISTRY_UNREACHABLE, &[CrossObject(online::check_unreachable)]),
    rule(&online::REGISTRY_RATE_LIMITED, &[CrossObject(online::check_rate_limited)]),
    // scripts/new-rule adds manifest rules above this line.
    rule(&parse_error::META, &[Input(parse_error::check)]),
    rule(&duplicate_key::META, &[Input(duplicate_key::check)]),
    rule(&templated_file::META,
        &[Input(templated_file::check_file), Container(templated_file::check_image)]),
    rule(&unreadable_input::META, &[Input(unreadable_input::check)]),
    rule(&empty_input::META, &[Input(empty_input::check)]),
    rule(&skipped_input::META, &[Input(skipped_input::check)]),
    rule(&unused_suppression::META, &[Suppressions]),
    rule(&render_problems::RENDERER_MISSING, &[Rendered]),
    rule(&render_problems::RENDER_FAILED, &[Rendered]),
    rule(&render_problems::DEPENDENCIES_MISSING, &[Rendered]),
    rule(&render_problems::REMOTE_RESOURCE, &[Rendered]),
    rule(&render_problems::RENDER_REFUSED, &[Rendered]),
    rule(&pull_diagnosis::INVALID_REFERENCE, &[Diagnosis]),
    rule(&pull_diagnosis::NEVER_NOT_PRESENT, &[Diagnosis]),
    rule(&pull_diagnosis::SIGNATURE_REJECTED, &[Diagnosis]),
    rule(&pull_diagnosis::PLATFORM_MISMATCH, &[Diagnosis]),
    rule(&pull_diagnosis::RATE_LIMITED, &[Diagnosis]),
    rule(&pull_diagnosis::QPS_EXCEEDED, &[Diagnosis]),
    rule(&pull_diagnosis::RUNTIME_STORE, &[Diagnosis]),
    rule(&pull_diagnosis::DISK_FULL, &[Diagnosis]),
    rule(&pull_diagnosis::HTTP_ON_HTTPS, &[Diagnosis]),
    rule(&pull_diagnosis::TLS, &[Diagnosis]),
    rule(&pull_diagnosis::DNS, &[Diagnosis]),
    rule(&pull_diagnosis::CONNECTION_REFUSED, &[Diagnosis]),
    rule(&pull_diagnosis::NETWORK_TIMEOUT, &[Diagnosis]),
    rule(&pull_diagnosis::UNAUTHORIZED, &[Diagnosis]),
    rule(&pull_diagnosis::NOT_FOUND, &[Diagnosis]),
    rule(&pull_diagnosis::CONNECTION_RESET, &[Diagnosis]),
    rule(&pull_diagnosis::FAILED, &[Diagnosis]),
];

/// One line of [`RULES`].
pub struct Rule {
    pub meta: &'static RuleMeta,
    /// What the rule looks at (a rule may look at more than one thing).
    pub checks: &'static [Check],
}

const fn rule(meta: &'static RuleMeta, checks: &'static [Check]) -> Rule {
    Rule { meta, checks }
}

/// What a rule looks at, and so where the engine runs it.
#[derive(Clone, Copy)]
pub enum Check {
    /// One container at a time, in each file's worker.
    Container(ContainerRule),
    /// The index of every object of the run, once all files are read.
    CrossObject(CrossObjectRule),
    /// What the input stage met instead of a document to lint (see [`InputEvent`]).
    Input(InputRule),
    /// kubectl output: `pull_diagnosis` turns each diagnosis into the rule of its cause
    /// (`rules/causes.yaml` says which).
    Diagnosis,
    /// The suppressions of the run: `crate::suppression` reports those that match nothing.
    Suppressions,
    /// A chart or Kustomize root: the render stage (`crate::render`, with the engine) reports
    /// it with the rule's own constructors: about the root itself (not rendered, failed), or a
    /// rendered image traced to the values file that set it.
    Rendered,
}
use Check::{Container, CrossObject, Diagnosis, Input, Rendered, Suppressions};

pub type ContainerRule = fn(&ContainerCheck<'_>, &mut Vec<Finding>);

/// Rules that need every object of the run; they read the index, never text.
pub type CrossObjectRule = fn(&crate::index::Index<'_>, &mut Vec<Finding>);

/// A rule that reports an [`InputEvent`] it is about, at `span`.
pub type InputRule = fn(&InputEvent<'_>, Span) -> Option<Finding>;

/// What the engine met while reading and parsing an input, instead of (or besides) documents
/// to lint. The engine says what happened; the input rules say how it is reported.
#[derive(Clone, Copy, Debug)]
pub enum InputEvent<'a> {
    /// The path could not be read (the message says why).
    Unreadable(&'a str),
    /// The walk did not follow the path (the message says why).
    Skipped(&'a str),
    /// Nothing to lint: empty, or only comments.
    Empty,
    /// A named input that is plain text: neither a manifest nor kubectl output.
    NotRecognised,
    /// A YAML/JSON syntax error: the parser's message, and what kubectl prints for it when
    /// the error is one of kubectl's own checks.
    Syntax {
        message: &'a str,
        kubectl: Option<&'a str>,
    },
    /// A mapping key written again (at the event's span), first written at `first`.
    DuplicateKey {
        key: &'a str,
        first: &'a std::ops::Range<usize>,
    },
    /// A whole file skipped because it is a template (the reason).
    Template(&'a str),
}

/// Every rule's identity, in table order: what `pullcheck rules`, the SARIF driver, config
/// validation and `--select` read.
pub const CATALOG: &[&RuleMeta] = &metas::<{ RULES.len() }>();

const fn metas<const N: usize>() -> [&'static RuleMeta; N] {
    let mut out = [RULES[0].meta; N];
    let mut i = 0;
    while i < N {
        out[i] = RULES[i].meta;
        i += 1;
    }
    out
}

/// The rules that look at one container, in table order.
pub fn container_rules() -> impl Iterator<Item = (&'static RuleMeta, ContainerRule)> {
    RULES.iter().flat_map(|r| {
        r.checks.iter().filter_map(move |c| match c {
            Container(check) => Some((r.meta, *check)),
            _ => None,
        })
    })
}

/// The rules that read the index of the whole run, in table order.
pub fn cross_object_rules() -> impl Iterator<Item = (&'static RuleMeta, CrossObjectRule)> {
    RULES.iter().flat_map(|r| {
        r.checks.iter().filter_map(move |c| match c {
            CrossObject(check) => Some((r.meta, *check)),
            _ => None,
        })
    })
}

/// The diagnosis rules (one per root cause of a failed pull), in table order.
pub fn diagnosis_rules() -> impl Iterator<Item = &'static RuleMeta> {
    RULES
        .iter()
        .filter(|r| r.checks.iter().any(|c| matches!(c, Diagnosis)))
        .map(|r| r.meta)
}

/// Whether `rule` is a diagnosis of kubectl output.
pub fn is_diagnosis(rule: &str) -> bool {
    diagnosis_rules().any(|m| m.name == rule)
}

/// The finding for what the input stage met, from the first input rule that reports it.
pub fn input_finding(event: &InputEvent<'_>, span: Span) -> Option<Finding> {
    RULES
        .iter()
        .flat_map(|r| r.checks.iter())
        .find_map(|c| match c {
            Input(check) => check(event, span),
            _ => None,
        })
}

/// The catalog as a Markdown table (rule, default severity, category, summary), each rule
/// linked to its doc: the README's rule table is this, and a test keeps it so.
pub fn markdown_table() -> String {
    let mut out = String::from("| rule | severity | category | fires when |\n|---|---|---|---|\n");
    for r in CATALOG {
        out.push_str(&format!(
            "| [`{name}`](rules/{name}.md) | {} | {} | {} |\n",
            r.severity.as_str(),
            r.category.as_str(),
            r.summary.replace('|', "\\|"),
            name = r.name,
        ));
    }
    out
}

/// What `--fix` does for a rule, for `pullcheck explain` and docs/fixes.md (a test keeps them
/// in step); a rule not listed is never fixed automatically.
#[rustfmt::skip]
pub const FIXES: &[(&str, &str)] = &[
    ("invalid-reference",
        "safe, where exactly one reading is valid: uppercase letters in the repository path \
         lowercased (never the registry host), whitespace around the reference removed, an \
         `https://` or `http://` prefix dropped. Unsafe (`--unsafe-fixes`), as they may change \
         the image meant: lowercasing `Team/App` whole (the kubelet reads `Team` as a registry \
         host, for its capitals), removing an empty tag, a stray `/` or separator, whitespace inside \
         the reference, another scheme. An image written through an anchor: unsafe."),
    ("malformed-digest",
        "safe: uppercase hex (or an uppercase `SHA256`) lowercased when the digest is otherwise \
         valid. A digest of the wrong length or with other characters is never guessed."),
    ("invalid-pull-policy",
        "safe: a case or spacing variant of a valid policy (`always`, `\"IfNotPresent \"`, \
         `if-not-present`) rewritten as the policy, in the quotes the user chose. Unsafe: the \
         nearest policy to a typo (`IfNotPresnt`), and a value behind an anchor. No fix for a \
         word that is no variant of a policy."),
    ("numeric-tag",
        "safe: the number in the values file (or the config's `set:`) quoted as written \
         (`tag: 2.10` → `tag: \"2.10\"`), so Helm prints it as written."),
    ("unused-suppression",
        "safe: an unused name removed from its suppression, the comment or annotation removed \
         when no name in it is used. Unsafe: a misspelt rule name replaced by the closest rule \
         (it hides findings from then on), or removed when none is close."),
];

/// What `--fix` does for `rule`, if anything.
pub fn fix_summary(rule: &str) -> Option<&'static str> {
    FIXES
        .iter()
        .find(|(r, _)| *r == rule)
        .map(|(_, text)| *text)
}

pub fn find(name: &str) -> Option<&'static RuleMeta> {
    CATALOG.iter().copied().find(|r| r.name == name)
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

    /// The fix that makes `scalar`'s text `new`: only when the text is written verbatim (plain,
    /// or quoted without escapes, on one line) and `new` can be written in the same style, so
    /// the quoting the user chose is kept. Through an alias it edits the anchored value, which
    /// every alias of it shares: a suggestion then, whatever `applicability` says.
    pub fn scalar_fix(
        &self,
        scalar: &Scalar,
        new: &str,
        applicability: Applicability,
        description: &str,
    ) -> Option<Fix> {
        let range = scalar.text_range(self.source, 0..scalar.text.len());
        if self.source.get(range.clone()) != Some(scalar.text.as_str())
            || !writable_as(new, scalar.style)
            || new == scalar.text
        {
            return None;
        }
        // saphyr's span of an anchored scalar starts at its `&name` (or a tag before it).
        let anchored = self
            .source
            .get(scalar.value_span.clone())
            .is_some_and(|raw| raw.split_whitespace().take(2).any(|t| t.starts_with('&')));
        let (applicability, description) = if scalar.via_alias() || anchored {
            (
                Applicability::Unsafe,
                format!("{description} (at the anchor, which its aliases share)"),
            )
        } else {
            (applicability, description.to_string())
        };
        Some(Fix::minimal(
            self.file,
            range,
            &scalar.text,
            new,
            applicability,
            description,
        ))
    }

    /// The fix of an image that does not parse: the reference it was meant to be
    /// ([`crate::image::correct`]), written over the one that does not.
    pub fn reference_fix(&self, image: &Scalar) -> Option<Fix> {
        let c = crate::image::correct(&image.text)?;
        let applicability = if c.safe {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        };
        let description = format!("{}: `{}`", c.steps.join(", then "), c.text);
        self.scalar_fix(image, &c.text, applicability, &description)
    }

    /// The tag or digest as written, for messages.
    pub fn tag(&self) -> Option<&str> {
        match &self.image {
            ImageState::Valid(s, r) => r.tag(&s.text),
            _ => None,
        }
    }
}

/// Whether `text` can stand between the delimiters of a scalar of `style` as it is, and reads
/// back as the same string (a plain scalar stays a string, needs no quotes).
fn writable_as(text: &str, style: ScalarStyle) -> bool {
    if text.is_empty() || text.contains(['\n', '\r']) {
        return false;
    }
    match style {
        ScalarStyle::DoubleQuoted => {
            !text.contains(['"', '\\']) && !text.chars().any(char::is_control)
        }
        ScalarStyle::SingleQuoted => !text.contains('\''),
        ScalarStyle::Plain => {
            let first = text.chars().next().unwrap_or(' ');
            !first.is_whitespace()
                && !text.ends_with(char::is_whitespace)
                && !"-?:,[]{}#&*!|>'\"%@`".contains(first)
                && !text.contains(": ")
                && !text.contains(" #")
                && !text.ends_with(':')
                && !crate::syntax::is_plain_non_string(text, ScalarStyle::Plain, false)
        }
        ScalarStyle::Literal | ScalarStyle::Folded => false,
    }
}

fn anchor_name(source: &str, at: usize) -> Option<&str> {
    let rest = source.get(at + 1..)?;
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '{' | '}'))
        .unwrap_or(rest.len());
    rest.get(..end).filter(|n| !n.is_empty())
}

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
