//! What rules produce: a rule id, a severity, a message and spans — never rendered text.
//! A rule's identity ([`RuleMeta`]) lives here too, below the rules, so that nothing low needs
//! the rule catalog to name a rule.

use crate::source::Span;

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
    /// What the image's registry answered (`--online` only).
    Registry,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Input => "input",
            Category::Image => "image",
            Category::CrossObject => "cross-object",
            Category::Diagnosis => "diagnosis",
            Category::Meta => "meta",
            Category::Registry => "registry",
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A secondary location, possibly in another file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// The object a finding is about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// What a finding about rendered text (a chart, a Kustomize root) was rendered from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// `helm` or `kustomize`.
    pub by: &'static str,
    /// The chart or root (`charts/web`).
    pub root: String,
    /// The template that wrote it (Helm's `# Source:`), when known.
    pub template: Option<String>,
    /// The rendered value (`docker.io/bitnami/nginx:latest`).
    pub text: String,
    /// Other roots whose rendering gave the same finding (overlays sharing a base).
    pub also: Vec<String>,
    /// Other objects the same rule flagged at the same source line (one values key printed
    /// into several containers): reported once, each of them named.
    pub also_objects: Vec<AlsoObject>,
}

/// Another container a traced finding is about (same rule, same source line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlsoObject {
    /// The chart or root it was rendered in.
    pub root: String,
    pub object: ObjectRef,
    pub container: Option<String>,
    /// What it rendered as there.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub span: Span,
    /// Text of the primary label (what is wrong at exactly this span).
    pub label: String,
    pub secondary: Vec<Label>,
    pub object: Option<ObjectRef>,
    pub container: Option<String>,
    pub image: Option<String>,
    /// Extra machine-readable fields for the JSON output (e.g. `pod`, `reason`, `cause`).
    pub extra: Vec<(&'static str, String)>,
    /// Set when the finding is about rendered text: the span then points at the source.
    pub rendered: Option<Box<Rendered>>,
    /// The lines a diagnosis of kubectl output was drawn from (JSON `evidence`); empty for
    /// manifest rules.
    pub evidence: Vec<Span>,
    /// What the registry answered, for the registry check's findings (`--online`).
    pub registry: Option<Box<RegistryInfo>>,
    /// A diagnosis of kubectl output: what it knows of its pod and container, so that the views
    /// of one pod in several files of a run merge into one finding (issue 26).
    pub diagnosis: Option<Box<crate::kubectl::Diagnosis>>,
    /// The edit that fixes it, when there is one (`--fix`, `--diff`; every format shows it).
    pub fix: Option<Box<Fix>>,
}

/// Whether `--fix` applies a fix on its own (ruff's model): a safe fix has exactly one reading
/// and keeps what the user meant; an unsafe one is a suggestion, applied only with
/// `--unsafe-fixes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    Unsafe,
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// One edit that fixes a finding: replace the bytes of `span` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub span: Span,
    pub replacement: String,
    pub applicability: Applicability,
    /// What the edit does, in a few words (`lowercase the repository name`).
    pub description: String,
    /// For a finding in rendered text: how tracing carries the edit to the file a user edits.
    pub traced: TracedFix,
}

/// How an edit in rendered text reaches the source (a values file, an `images:` entry). An
/// edit tracing cannot carry is dropped: no fix is ever written into rendered text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TracedFix {
    /// The edit is inside the rendered value; it is carried into the source scalar that
    /// printed that part of it, when that scalar is written verbatim.
    Carry,
    /// The source scalar tracing reaches is replaced as a whole by the replacement, when it
    /// is written exactly as `written` (`numeric-tag`: `2.10` → `"2.10"`).
    ReplaceValue { written: String },
}

impl Fix {
    /// The smallest edit that turns `old` (the text at `range` of `source`) into `new`: the
    /// common prefix and suffix are left alone, so only the changed bytes are rewritten.
    pub fn minimal(
        file: crate::source::FileId,
        range: std::ops::Range<usize>,
        old: &str,
        new: &str,
        applicability: Applicability,
        description: impl Into<String>,
    ) -> Fix {
        let prefix = old
            .char_indices()
            .zip(new.chars())
            .find(|((_, a), b)| a != b)
            .map_or(old.len().min(new.len()), |((i, _), _)| i);
        let prefix = floor_boundary(new, prefix.min(new.len()));
        let (old_rest, new_rest) = (&old[prefix..], &new[prefix..]);
        let suffix = old_rest
            .chars()
            .rev()
            .zip(new_rest.chars().rev())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len_utf8())
            .sum::<usize>();
        let start = range.start + prefix;
        let end = range.start + old.len() - suffix;
        Fix {
            span: Span::new(file, start..end.max(start)),
            replacement: new_rest[..new_rest.len() - suffix].to_string(),
            applicability,
            description: description.into(),
            traced: TracedFix::Carry,
        }
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The registry's answer behind a finding: which credentials were used (by name), the digest
/// and platforms it serves, and whether the answer came from the cache.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RegistryInfo {
    pub credentials: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    pub cached: bool,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, span: Span, message: String) -> Finding {
        Finding {
            rule: rule.name,
            severity: rule.severity,
            message,
            help: None,
            span,
            label: String::new(),
            secondary: Vec::new(),
            object: None,
            container: None,
            image: None,
            extra: Vec::new(),
            rendered: None,
            registry: None,
            evidence: Vec::new(),
            diagnosis: None,
            fix: None,
        }
    }

    pub fn fix(mut self, fix: Option<Fix>) -> Finding {
        self.fix = fix.map(Box::new);
        self
    }

    pub fn label(mut self, text: impl Into<String>) -> Finding {
        self.label = text.into();
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Finding {
        self.help = Some(text.into());
        self
    }

    pub fn secondary(mut self, span: Span, text: impl Into<String>) -> Finding {
        self.secondary.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    /// Replaces every string of the finding that `mask` changes (message, help, labels, the
    /// object, container and image names, extra fields): the last step before a report, so no
    /// text a rule copied from a source reaches an output unmasked.
    pub fn mask_texts(&mut self, mask: impl Fn(&str) -> Option<String>) {
        let apply = |s: &mut String| {
            if let Some(masked) = mask(s) {
                *s = masked;
            }
        };
        apply(&mut self.message);
        apply(&mut self.label);
        self.help.iter_mut().for_each(apply);
        self.secondary.iter_mut().for_each(|l| apply(&mut l.text));
        if let Some(o) = &mut self.object {
            apply(&mut o.kind);
            apply(&mut o.namespace);
            apply(&mut o.name);
        }
        self.container.iter_mut().for_each(apply);
        self.image.iter_mut().for_each(apply);
        self.extra.iter_mut().for_each(|(_, v)| apply(v));
        if let Some(r) = &mut self.rendered {
            for o in &mut r.also_objects {
                apply(&mut o.object.kind);
                apply(&mut o.object.namespace);
                apply(&mut o.object.name);
                o.container.iter_mut().for_each(apply);
            }
        }
    }
}
