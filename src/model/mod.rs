//! The Kubernetes view of a document: objects, their pod specs and containers.
//!
//! Extraction keeps facts with byte ranges (not trees), so documents can be dropped as soon as
//! they are read.

pub mod base64;
pub mod image_state;
pub mod kinds;
pub mod nodes;
pub mod secrets;
pub mod service_accounts;

pub use kinds::KindTable;
pub use nodes::NodeFacts;
pub use secrets::SecretFacts;
pub use service_accounts::ServiceAccountFacts;

use crate::syntax::{Cursor, Document, ScalarStyle};
use std::ops::Range;

/// A scalar value with where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    pub text: String,
    /// Where findings point: the alias (`*ref`) when the value was reached through one.
    pub span: Range<usize>,
    /// Where the value itself is written.
    pub value_span: Range<usize>,
    pub style: ScalarStyle,
    /// Tagged `!!str`.
    pub str_tag: bool,
    /// The `&anchor` the value came from, when reached through an alias.
    pub anchor_at: Option<usize>,
}

impl Scalar {
    pub fn from_cursor(c: &Cursor<'_>) -> Option<Scalar> {
        let (text, style, str_tag) = c.scalar()?;
        Some(Scalar {
            text: text.to_string(),
            span: c.report_range(),
            value_span: c.value_range(),
            style,
            str_tag,
            anchor_at: c.anchor_offset(),
        })
    }

    pub fn is_null(&self) -> bool {
        self.style == ScalarStyle::Plain && !self.str_tag && crate::syntax::is_null_text(&self.text)
    }

    /// Reached through an alias: the reported span is not where the text is.
    pub fn via_alias(&self) -> bool {
        self.span != self.value_span
    }

    /// File range of the bytes `range` of the value's text, when the text is written verbatim
    /// (plain or quoted without escapes on one line); else the whole value.
    pub fn text_range(&self, source: &str, range: Range<usize>) -> Range<usize> {
        let mut raw = source.get(self.value_span.clone()).unwrap_or("");
        let mut prefix = 0;
        // saphyr's span of an anchored or tagged scalar starts at `&name` / `!tag`.
        while raw.starts_with(['&', '!']) {
            let token_end = raw.find(char::is_whitespace).unwrap_or(raw.len());
            let rest = raw.get(token_end..).unwrap_or("");
            let trimmed = rest.trim_start();
            prefix += token_end + (rest.len() - trimmed.len());
            raw = trimmed;
        }
        let inner_start = match self.style {
            ScalarStyle::Plain => Some(0),
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Some(1),
            _ => None,
        };
        match inner_start {
            Some(skip) if raw.get(skip..skip + self.text.len()) == Some(self.text.as_str()) => {
                let start = self.value_span.start + prefix + skip;
                start + range.start.min(self.text.len())..start + range.end.min(self.text.len())
            }
            _ => self.value_span.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    Container,
    Init,
    Ephemeral,
}

impl ContainerKind {
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Container => "containers",
            ContainerKind::Init => "initContainers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

#[derive(Clone, Debug)]
pub struct ContainerFacts {
    pub kind: ContainerKind,
    pub name: Option<Scalar>,
    /// The container's mapping (for findings when it has no name).
    pub span: Range<usize>,
    /// `image:` as written; `None` when the key is absent or not a scalar.
    pub image: Option<Scalar>,
    /// Boxed: most containers leave it unset, and inline it made every container 80 bytes
    /// larger.
    pub pull_policy: Option<Box<Scalar>>,
}

impl ContainerFacts {
    pub fn name_text(&self) -> Option<&str> {
        self.name.as_ref().map(|n| n.text.as_str())
    }

    /// `imagePullPolicy`, unless unset, null or `""` (which the API server treats as unset).
    pub fn explicit_pull_policy(&self) -> Option<&Scalar> {
        self.pull_policy
            .as_deref()
            .filter(|p| !p.is_null() && !p.text.is_empty())
    }
}

/// One `imagePullSecrets` entry.
#[derive(Clone, Debug)]
pub enum PullSecretRef {
    /// `- name: regcred`
    Named(Scalar),
    /// Anything else (`- regcred`, `- {}`): the kubelet ignores it.
    Malformed(Range<usize>),
}

#[derive(Clone, Debug, Default)]
pub struct PodSpecFacts {
    pub span: Range<usize>,
    pub containers: Vec<ContainerFacts>,
    pub image_pull_secrets: Vec<PullSecretRef>,
    /// The `imagePullSecrets` key, when present.
    pub pull_secrets_key: Option<Range<usize>>,
    pub service_account: Option<Scalar>,
    /// A definition run by another object (a Tekton Task): pull secrets and ServiceAccount are
    /// the run's, so their absence here proves nothing.
    pub credentials_from_run: bool,
    /// The operating systems and architectures the pod may be scheduled on, from its
    /// `nodeSelector` and required node affinity (`kubernetes.io/os`, `kubernetes.io/arch`):
    /// empty when it does not say.
    pub node_os: Vec<String>,
    pub node_arch: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct ObjectFacts {
    pub kind: String,
    pub api_version: String,
    pub name: Option<String>,
    /// `metadata.name` as written (a safe place to point at, even in a Secret).
    pub name_span: Option<Range<usize>>,
    /// As written; `None` means "the default namespace of the run".
    pub namespace: Option<String>,
    pub span: Range<usize>,
    pub kind_span: Range<usize>,
    /// `metadata.annotations["pullcheck.dev/ignore"]`.
    pub ignore_annotation: Option<Box<Scalar>>,
    // The per-kind parts are boxed: an object has at most one of them, and inline they made
    // every object (a Service, a ConfigMap) 624 bytes.
    pub pod: Option<Box<PodSpecFacts>>,
    /// `kind: Secret` (core v1).
    pub secret: Option<Box<SecretFacts>>,
    /// `kind: ServiceAccount` (core v1).
    pub service_account: Option<Box<ServiceAccountFacts>>,
    /// `kind: Node` (core v1).
    pub node: Option<Box<NodeFacts>>,
}

impl ObjectFacts {
    /// The namespace, or the run's default (`--namespace`, else `default`, as `kubectl apply`).
    pub fn namespace_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.namespace.as_deref().unwrap_or(default)
    }

    /// Where to point for the object as a whole: `metadata.name`, else `kind`.
    pub fn anchor_span(&self) -> Range<usize> {
        self.name_span
            .clone()
            .unwrap_or_else(|| self.kind_span.clone())
    }

    /// Byte ranges that must never be shown (Secret values).
    pub fn redacted_spans(&self) -> &[Range<usize>] {
        self.secret
            .as_ref()
            .map_or(&[], |s| s.value_spans.as_slice())
    }
}

/// Unknown kinds with a standard pod template (`spec.template.spec` with a `containers` list,
/// as Argo Rollouts and Knative-like CRDs keep) are checked too, see [`pod_spec_of`].
const TEMPLATE_PATH: &[&str] = &["spec", "template", "spec"];

/// Every object of a document, looking inside `kind: List` and `*List` kinds.
pub fn extract_objects(doc: &Document, kinds: &KindTable) -> Vec<ObjectFacts> {
    let mut out = Vec::new();
    let Some(root) = doc.root() else {
        return out;
    };
    let kind = root.str_at("kind").unwrap_or("");
    if kind.ends_with("List")
        && let Some(items) = root.get("items").filter(|i| i.is_seq())
    {
        out.extend(
            items
                .items()
                .filter_map(|item| extract_object(&item, kinds)),
        );
        return out;
    }
    out.extend(extract_object(&root, kinds));
    out
}

/// The facts of one object (an item of a `List`, or a document's root).
pub fn extract_object(obj: &Cursor<'_>, kinds: &KindTable) -> Option<ObjectFacts> {
    let (kind_key, kind_value) = obj.get_with_key("kind")?;
    let kind = kind_value.as_str()?.to_string();
    let metadata = obj.get("metadata");
    let meta_str = |key: &str| {
        metadata
            .and_then(|m| m.str_at(key))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let ignore_annotation = metadata
        .and_then(|m| m.path(&["annotations", "pullcheck.dev/ignore"]))
        .and_then(|c| Scalar::from_cursor(&c))
        .map(Box::new);
    let api_version = obj.str_at("apiVersion").unwrap_or("");
    let pod = pod_of(&kind, api_version, obj, kinds).map(Box::new);
    let core = api_version == "v1";
    let secret = (core && kind == "Secret").then(|| Box::new(secrets::extract_secret(obj)));
    let service_account = (core && kind == "ServiceAccount")
        .then(|| Box::new(service_accounts::extract_service_account(obj)));
    let node = (core && kind == "Node").then(|| Box::new(nodes::extract_node(obj)));
    let name_span = metadata
        .and_then(|m| m.get("name"))
        .filter(|n| n.as_str().is_some_and(|t| !t.is_empty()))
        .map(|n| n.report_range());
    Some(ObjectFacts {
        secret,
        service_account,
        node,
        name_span,
        api_version: obj.str_at("apiVersion").unwrap_or("").to_string(),
        name: meta_str("name").or_else(|| meta_str("generateName")),
        namespace: meta_str("namespace"),
        span: obj.value_range(),
        kind_span: kind_key.value_range().start..kind_value.value_range().end,
        kind,
        ignore_annotation,
        pod,
    })
}

fn pod_of(
    kind: &str,
    api_version: &str,
    obj: &Cursor<'_>,
    kinds: &KindTable,
) -> Option<PodSpecFacts> {
    if let Some(spec) = kinds.find(kind, api_version) {
        return kinds::extract(spec, obj);
    }
    // Other kinds: a standard pod template has a `containers` list.
    obj.path(TEMPLATE_PATH)
        .filter(|spec| spec.get("containers").is_some_and(|c| c.is_seq()))
        .map(|spec| extract_pod_spec(&spec))
}

pub(crate) fn extract_pod_spec(spec: &Cursor<'_>) -> PodSpecFacts {
    let mut facts = PodSpecFacts {
        span: spec.value_range(),
        ..PodSpecFacts::default()
    };
    for kind in [
        ContainerKind::Init,
        ContainerKind::Container,
        ContainerKind::Ephemeral,
    ] {
        let Some(list) = spec.get(kind.field()) else {
            continue;
        };
        for item in list.items().filter(Cursor::is_map) {
            facts.containers.push(container_of(&item, kind));
        }
    }
    (facts.pull_secrets_key, facts.image_pull_secrets) = pull_secrets_of(spec);
    (facts.node_os, facts.node_arch) = node_platforms(spec);
    facts.service_account = ["serviceAccountName", "serviceAccount"]
        .iter()
        .find_map(|k| spec.get(k))
        .and_then(|n| Scalar::from_cursor(&n))
        .filter(|n| !n.is_null() && !n.text.is_empty());
    facts
}

/// The `kubernetes.io/os` and `kubernetes.io/arch` values a pod spec requires: a
/// `nodeSelector` entry, or an `In` expression of a required node-affinity term (any term may
/// match, so their values add up; a term that does not say leaves it open).
fn node_platforms(spec: &Cursor<'_>) -> (Vec<String>, Vec<String>) {
    const OS: [&str; 2] = ["kubernetes.io/os", "beta.kubernetes.io/os"];
    const ARCH: [&str; 2] = ["kubernetes.io/arch", "beta.kubernetes.io/arch"];
    let (mut os, mut arch) = (Vec::new(), Vec::new());
    if let Some(selector) = spec.get("nodeSelector") {
        for (k, v) in selector.entries() {
            let (Some(k), Some(v)) = (k.as_str(), v.as_str()) else {
                continue;
            };
            if OS.contains(&k) {
                os.push(v.to_string());
            } else if ARCH.contains(&k) {
                arch.push(v.to_string());
            }
        }
    }
    if !os.is_empty() || !arch.is_empty() {
        return (os, arch);
    }
    let terms = spec.path(&[
        "affinity",
        "nodeAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
        "nodeSelectorTerms",
    ]);
    let mut open = (false, false);
    for term in terms.iter().flat_map(|t| t.items().collect::<Vec<_>>()) {
        let mut said = (false, false);
        for expr in term
            .get("matchExpressions")
            .iter()
            .flat_map(|e| e.items().collect::<Vec<_>>())
        {
            if expr.str_at("operator") != Some("In") {
                continue;
            }
            let Some(key) = expr.str_at("key") else {
                continue;
            };
            let values = expr
                .get("values")
                .into_iter()
                .flat_map(|v| v.items().collect::<Vec<_>>())
                .filter_map(|v| v.as_str().map(str::to_string));
            if OS.contains(&key) {
                os.extend(values);
                said.0 = true;
            } else if ARCH.contains(&key) {
                arch.extend(values);
                said.1 = true;
            }
        }
        open.0 |= !said.0;
        open.1 |= !said.1;
    }
    // A term that leaves the OS or the architecture open allows any.
    if open.0 {
        os.clear();
    }
    if open.1 {
        arch.clear();
    }
    os.sort();
    os.dedup();
    arch.sort();
    arch.dedup();
    (os, arch)
}

/// A container mapping: its name, image and pull policy as written.
pub(crate) fn container_of(item: &Cursor<'_>, kind: ContainerKind) -> ContainerFacts {
    ContainerFacts {
        kind,
        name: item.get("name").and_then(|n| Scalar::from_cursor(&n)),
        span: item.report_range(),
        image: item.get("image").and_then(|n| Scalar::from_cursor(&n)),
        pull_policy: item
            .get("imagePullPolicy")
            .and_then(|n| Scalar::from_cursor(&n))
            .map(Box::new),
    }
}

/// `imagePullSecrets` of a pod spec or a ServiceAccount: the key and each entry.
pub(crate) fn pull_secrets_of(owner: &Cursor<'_>) -> (Option<Range<usize>>, Vec<PullSecretRef>) {
    match owner.get_with_key("imagePullSecrets") {
        Some((key, secrets)) => pull_secret_list(&key, &secrets),
        None => (None, Vec::new()),
    }
}

/// An `imagePullSecrets`-shaped list (`- name: regcred`) under `key`.
pub(crate) fn pull_secret_list(
    key: &Cursor<'_>,
    secrets: &Cursor<'_>,
) -> (Option<Range<usize>>, Vec<PullSecretRef>) {
    if !secrets.is_seq() && !secrets.is_null() {
        // `imagePullSecrets: regcred`: the API server rejects a non-list.
        return (
            Some(key.value_range()),
            vec![PullSecretRef::Malformed(secrets.report_range())],
        );
    }
    let entries = secrets
        .items()
        .map(|entry| {
            let named = entry
                .get("name")
                .and_then(|n| Scalar::from_cursor(&n))
                .filter(|n| !n.is_null() && !n.text.is_empty());
            match named {
                Some(name) => PullSecretRef::Named(name),
                None => PullSecretRef::Malformed(entry.report_range()),
            }
        })
        .collect();
    (Some(key.value_range()), entries)
}
