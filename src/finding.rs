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
        }
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
