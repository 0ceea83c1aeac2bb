//! The per-run index: what every object of the run says about the others.
//!
//! Built once, after every file is parsed, from the compact facts the model extracted (spans,
//! names, registry keys; never trees). Cross-object rules read it; it never reads text.

pub mod keyring;
pub mod online;

use crate::image::ImageRef;
use crate::model::secrets::RegistryKey;
use crate::model::{ObjectFacts, PodSpecFacts, PullSecretRef, Scalar};
use crate::source::FileId;
use keyring::RegistryPattern;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Registries whose images are public: no pull secret needed. Overridden per host or path by
/// `registries.private`, extended by `registries.public`.
pub const BUILTIN_PUBLIC: &[&str] = &[
    "docker.io",
    "registry.k8s.io",
    "k8s.gcr.io",
    "quay.io",
    "ghcr.io",
    "gcr.io",
    "public.ecr.aws",
    "mcr.microsoft.com",
    "registry.access.redhat.com",
    "docker.elastic.co",
    "registry.gitlab.com",
    "nvcr.io",
    "cgr.dev",
    // Istio's release and sample images.
    "registry.istio.io",
    // Google's public sample images on Artifact Registry.
    "*-docker.pkg.dev/google-samples",
];

/// Cloud registries that nodes usually authenticate to themselves through a kubelet credential
/// provider (`--image-credential-provider-config`): a missing pull secret is only a note.
pub const CLOUD_REGISTRIES: &[(&str, &str)] = &[
    (
        "*.dkr.ecr.*.amazonaws.com",
        "ecr-credential-provider (EKS node IAM role)",
    ),
    (
        "*-docker.pkg.dev",
        "the GKE credential provider (node service account)",
    ),
    (
        "*.gcr.io",
        "the GKE credential provider (node service account)",
    ),
    (
        "*.azurecr.io",
        "acr-credential-provider (AKS kubelet identity)",
    ),
];

/// Run-wide settings the index applies (from the config and the command line).
#[derive(Clone, Debug, Default)]
pub struct RunSettings {
    pub default_namespace: String,
    pub require_secrets: bool,
    pub public: Vec<String>,
    pub private: Vec<String>,
    pub node_credentials: Vec<String>,
    pub allowed: Vec<String>,
    pub prepulled: Vec<String>,
}

impl RunSettings {
    pub fn new() -> RunSettings {
        RunSettings {
            default_namespace: "default".into(),
            ..RunSettings::default()
        }
    }
}

/// How an image's registry relates to credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistryClass {
    /// The node's loopback: nothing to authenticate.
    Local,
    Public,
    /// `registries.node-credentials`: the nodes authenticate themselves.
    NodeCredentials,
    /// A cloud registry usually served by a kubelet credential provider (named).
    Cloud(&'static str),
    Private,
}

impl RegistryClass {
    /// Registries that need a pull secret (or a credential provider) to pull.
    pub fn needs_credentials(self) -> bool {
        matches!(self, RegistryClass::Private | RegistryClass::Cloud(_))
    }
}

/// An object and the file it is in.
#[derive(Clone, Copy, Debug)]
pub struct Located<'a> {
    pub file: FileId,
    pub object: &'a ObjectFacts,
}

/// A workload's pod spec, with its namespace resolved.
/// One container image pulled with credentials (see [`Index::pulls_needing_credentials`]).
pub struct CredentialedPull<'a> {
    pub container: &'a crate::model::ContainerFacts,
    pub image: &'a Scalar,
    pub reference: ImageRef,
    pub class: RegistryClass,
}

#[derive(Clone, Copy, Debug)]
pub struct PodView<'a> {
    pub file: FileId,
    pub object: &'a ObjectFacts,
    pub pod: &'a PodSpecFacts,
    pub namespace: &'a str,
}

impl PodView<'_> {
    /// `serviceAccountName`, defaulting to `default` as the API server does.
    pub fn service_account_name(&self) -> &str {
        self.pod
            .service_account
            .as_ref()
            .map_or("default", |s| s.text.as_str())
    }
}

/// Where evidence that an image is on the nodes comes from.
#[derive(Clone, Debug)]
pub enum EvidenceSource<'a> {
    /// A container of a DaemonSet (runs on every node it schedules on).
    DaemonSet(Located<'a>, Range<usize>),
    /// `status.images[].names` of a Node.
    Node(Located<'a>, Range<usize>),
    /// The config's `prepulled` list.
    Config,
}

#[derive(Clone, Debug)]
pub struct Evidence<'a> {
    /// Normalized name (`docker.io/library/nginx`).
    pub name: String,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
    /// The reference as written there.
    pub written: &'a str,
    pub source: EvidenceSource<'a>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct EvidenceCounts {
    pub daemonsets: usize,
    pub nodes: usize,
    pub prepulled: usize,
}

/// What one `imagePullSecrets` name resolves to.
#[derive(Clone, Copy, Debug)]
pub enum SecretStatus<'a> {
    /// A docker config Secret the kubelet can read.
    Usable(Located<'a>, &'a [RegistryKey]),
    /// In the linted set but of the wrong type or malformed (reported by its own rule).
    Unusable,
    /// Not in the linted set, and the set holds Secrets of that namespace (or
    /// `--require-secrets`): reported by `pull-secret-not-found`.
    Missing,
    /// Not in the linted set, which says nothing about that namespace's Secrets.
    Unknown,
}

/// Every pull secret a pod gets: its own and its ServiceAccount's.
#[derive(Debug, Default)]
pub struct PodCredentials<'a> {
    pub secrets: Vec<(&'a Scalar, SecretStatus<'a>)>,
    /// Some entry is not `{name: …}` (the kubelet ignores it).
    pub malformed_entries: bool,
    pub service_account: Option<Located<'a>>,
}

impl PodCredentials<'_> {
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && !self.malformed_entries
    }

    /// Every referenced Secret is in the set and usable: a mismatch can be judged.
    pub fn all_usable(&self) -> bool {
        !self.malformed_entries
            && self
                .secrets
                .iter()
                .all(|(_, s)| matches!(s, SecretStatus::Usable(..)))
    }
}

pub struct Index<'a> {
    pub settings: &'a RunSettings,
    objects: Vec<(FileId, &'a ObjectFacts)>,
    secrets: HashMap<(&'a str, &'a str), Located<'a>>,
    service_accounts: HashMap<(&'a str, &'a str), Located<'a>>,
    secret_namespaces: HashSet<&'a str>,
    pub evidence: Vec<Evidence<'a>>,
    pub evidence_counts: EvidenceCounts,
    public: Vec<RegistryPattern>,
    private: Vec<RegistryPattern>,
    node_credentials: Vec<RegistryPattern>,
    pub allowed: Vec<RegistryPattern>,
    cloud: Vec<(RegistryPattern, &'static str)>,
    /// Every distinct image of the run's containers, parsed and classified once, kept only when
    /// its registry needs credentials (`None`: not a valid reference, or no credentials
    /// needed). The credential rules used to parse and classify each container's image again,
    /// per rule.
    images: HashMap<&'a str, Option<(ImageRef, RegistryClass)>>,
    /// The `auths` keys of every indexed Secret, parsed once (keyed by the keys' address).
    secret_keys: HashMap<usize, Vec<Option<RegistryPattern>>>,
    /// What the registry check (`--online`) found; empty offline.
    pub availability: online::Availability,
}

fn patterns<'s>(list: impl IntoIterator<Item = &'s str>) -> Vec<RegistryPattern> {
    list.into_iter()
        .filter_map(RegistryPattern::parse)
        .collect()
}

impl<'a> Index<'a> {
    /// Builds the index over every object of the run, in file order.
    pub fn build(
        objects: impl IntoIterator<Item = (FileId, &'a ObjectFacts)>,
        settings: &'a RunSettings,
    ) -> Index<'a> {
        let ns = settings.default_namespace.as_str();
        let objects: Vec<(FileId, &'a ObjectFacts)> = objects.into_iter().collect();
        let mut index = Index {
            settings,
            objects: Vec::new(),
            secrets: HashMap::new(),
            service_accounts: HashMap::new(),
            secret_namespaces: HashSet::new(),
            evidence: Vec::new(),
            evidence_counts: EvidenceCounts::default(),
            public: patterns(
                BUILTIN_PUBLIC
                    .iter()
                    .copied()
                    .chain(settings.public.iter().map(String::as_str)),
            ),
            private: patterns(settings.private.iter().map(String::as_str)),
            node_credentials: patterns(settings.node_credentials.iter().map(String::as_str)),
            allowed: patterns(settings.allowed.iter().map(String::as_str)),
            cloud: CLOUD_REGISTRIES
                .iter()
                .filter_map(|(p, name)| Some((RegistryPattern::parse(p)?, *name)))
                .collect(),
            images: HashMap::new(),
            secret_keys: HashMap::new(),
            availability: online::Availability::default(),
        };
        for &(file, object) in &objects {
            let at = Located { file, object };
            let name = object.name.as_deref().unwrap_or("");
            let namespace = object.namespace_or(ns);
            if object.secret.is_some() {
                index.secret_namespaces.insert(namespace);
                // The first definition wins, as a later `kubectl apply` of the same name would
                // be a conflict we do not guess at.
                index.secrets.entry((namespace, name)).or_insert(at);
            }
            if object.service_account.is_some() {
                index
                    .service_accounts
                    .entry((namespace, name))
                    .or_insert(at);
            }
            index.add_evidence(at);
        }
        for entry in &settings.prepulled {
            if let Some((name, tag, digest)) = normalize_ref(entry) {
                index.evidence_counts.prepulled += 1;
                index.evidence.push(Evidence {
                    name,
                    tag,
                    digest,
                    written: entry,
                    source: EvidenceSource::Config,
                });
            }
        }
        let mut images = HashMap::new();
        for (_, object) in &objects {
            for c in object.pod.iter().flat_map(|p| &p.containers) {
                if let Ok(image) = crate::model::image_state::image_to_parse(c) {
                    let text = image.text.as_str();
                    if !images.contains_key(text) {
                        let resolved = crate::image::parse_reference(text)
                            .ok()
                            .map(|r| {
                                let class = index.classify(&r);
                                (r, class)
                            })
                            .filter(|(_, class)| class.needs_credentials());
                        images.insert(text, resolved);
                    }
                }
            }
        }
        index.images = images;
        let secret_keys = index
            .secrets
            .values()
            .filter_map(|at| at.object.secret.as_ref()?.registries.as_deref())
            .map(|keys| {
                let patterns = keys
                    .iter()
                    .map(|k| RegistryPattern::parse(&k.key))
                    .collect();
                (keys.as_ptr() as usize, patterns)
            })
            .collect();
        index.secret_keys = secret_keys;
        index.objects = objects;
        index.evidence.shrink_to_fit();
        index
    }

    fn add_evidence(&mut self, at: Located<'a>) {
        let object = at.object;
        if let Some(node) = &object.node {
            self.evidence_counts.nodes += 1;
            for name in &node.images {
                self.push_evidence(&name.text, EvidenceSource::Node(at, name.span.clone()));
            }
        }
        if object.kind != "DaemonSet" {
            return;
        }
        let Some(pod) = &object.pod else {
            return;
        };
        self.evidence_counts.daemonsets += 1;
        // Init containers count: they too are pulled on every node the DaemonSet runs on. A
        // container that is itself `Never` proves nothing.
        for c in pod.containers.iter().filter(|c| {
            c.kind != crate::model::ContainerKind::Ephemeral
                && c.explicit_pull_policy().is_none_or(|p| p.text != "Never")
        }) {
            if let Some(image) = c.image.as_ref() {
                let source = EvidenceSource::DaemonSet(at, image.span.clone());
                self.push_evidence(&image.text, source);
            }
        }
    }

    /// Records that `written` is present on nodes, when it is a valid reference.
    fn push_evidence(&mut self, written: &'a str, source: EvidenceSource<'a>) {
        if let Some((name, tag, digest)) = normalize_ref(written) {
            self.evidence.push(Evidence {
                name,
                tag,
                digest,
                written,
                source,
            });
        }
    }

    pub fn objects(&self) -> impl Iterator<Item = Located<'a>> + '_ {
        self.objects
            .iter()
            .map(|&(file, object)| Located { file, object })
    }

    pub fn pods(&self) -> impl Iterator<Item = PodView<'a>> + '_ {
        let ns = self.settings.default_namespace.as_str();
        self.objects.iter().filter_map(move |&(file, object)| {
            Some(PodView {
                file,
                object,
                pod: object.pod.as_ref()?,
                namespace: object.namespace_or(ns),
            })
        })
    }

    pub fn namespace_of(&self, object: &'a ObjectFacts) -> &'a str {
        object.namespace_or(&self.settings.default_namespace)
    }

    pub fn secret(&self, namespace: &str, name: &str) -> Option<Located<'a>> {
        self.secrets.get(&(namespace, name)).copied()
    }

    /// Secret names of a namespace in the linted set (for "did you mean").
    pub fn secret_names(&self, namespace: &str) -> Vec<&'a str> {
        let mut names: Vec<&str> = self
            .secrets
            .keys()
            .filter(|(ns, _)| *ns == namespace)
            .map(|(_, n)| *n)
            .collect();
        names.sort_unstable();
        names
    }

    pub fn service_account(&self, namespace: &str, name: &str) -> Option<Located<'a>> {
        self.service_accounts.get(&(namespace, name)).copied()
    }

    /// What a referenced Secret name resolves to.
    pub fn secret_status(&self, namespace: &str, name: &str) -> SecretStatus<'a> {
        match self.secret(namespace, name) {
            Some(at) => match at.object.secret.as_ref() {
                Some(s) if s.is_docker_type() && s.problems.is_empty() => {
                    match s.registries.as_deref() {
                        Some(keys) => SecretStatus::Usable(at, keys),
                        None => SecretStatus::Unusable,
                    }
                }
                _ => SecretStatus::Unusable,
            },
            None if self.settings.require_secrets || self.secret_namespaces.contains(namespace) => {
                SecretStatus::Missing
            }
            None => SecretStatus::Unknown,
        }
    }

    /// The union of the pod's and its ServiceAccount's pull secrets (what the kubelet passes
    /// to the keyring: `pkg/kubelet/kubelet_pods.go` `getPullSecretsForPod`; the
    /// ServiceAccount admission plugin copies the SA's secrets onto the pod).
    pub fn credentials(&self, pod: &PodView<'a>) -> PodCredentials<'a> {
        let mut creds = PodCredentials {
            service_account: self.service_account(pod.namespace, pod.service_account_name()),
            ..PodCredentials::default()
        };
        let sa_refs = creds
            .service_account
            .and_then(|sa| sa.object.service_account.as_ref())
            .map_or(&[][..], |sa| sa.image_pull_secrets.as_slice());
        for r in pod.pod.image_pull_secrets.iter().chain(sa_refs) {
            match r {
                PullSecretRef::Named(name) => creds
                    .secrets
                    .push((name, self.secret_status(pod.namespace, &name.text))),
                PullSecretRef::Malformed(_) => creds.malformed_entries = true,
            }
        }
        creds
    }

    /// The containers of a pod whose image the kubelet pulls from a registry that needs
    /// credentials: valid references, not `imagePullPolicy: Never` (never pulled), and not
    /// public, local or served by node credentials.
    pub fn pulls_needing_credentials<'p>(
        &'p self,
        pod: &PodView<'a>,
    ) -> impl Iterator<Item = CredentialedPull<'a>> + 'p {
        pod.pod.containers.iter().filter_map(move |c| {
            if c.explicit_pull_policy().is_some_and(|p| p.text == "Never") {
                return None;
            }
            let image = crate::model::image_state::image_to_parse(c).ok()?;
            let (reference, class) = match self.images.get(image.text.as_str()) {
                Some(resolved) => resolved.clone()?,
                // Not a container of the index (a caller's own pod view).
                None => {
                    let r = crate::image::parse_reference(&image.text).ok()?;
                    let class = self.classify(&r);
                    (r, class)
                }
            };
            class.needs_credentials().then_some(CredentialedPull {
                container: c,
                image,
                reference,
                class,
            })
        })
    }

    pub fn classify(&self, image: &ImageRef) -> RegistryClass {
        let (reg, repo) = (image.registry.as_str(), image.repository.as_str());
        if keyring::is_local(reg) {
            return RegistryClass::Local;
        }
        let any = |list: &[RegistryPattern]| list.iter().any(|p| p.matches(reg, repo, true));
        if any(&self.private) {
            return RegistryClass::Private;
        }
        if any(&self.node_credentials) {
            return RegistryClass::NodeCredentials;
        }
        if any(&self.public) {
            return RegistryClass::Public;
        }
        match self.cloud.iter().find(|(p, _)| p.matches(reg, repo, true)) {
            Some((_, provider)) => RegistryClass::Cloud(provider),
            None => RegistryClass::Private,
        }
    }

    /// [`keys_match`], with the keys of an indexed Secret parsed once.
    pub fn keys_match(&self, keys: &[RegistryKey], image: &ImageRef) -> bool {
        match self.secret_keys.get(&(keys.as_ptr() as usize)) {
            Some(patterns) if patterns.len() == keys.len() => patterns.iter().any(|p| {
                p.as_ref()
                    .is_some_and(|p| p.matches(&image.registry, &image.repository, false))
            }),
            _ => keys_match(keys, image),
        }
    }

    pub fn is_allowed(&self, image: &ImageRef) -> bool {
        self.allowed
            .iter()
            .any(|p| p.matches(&image.registry, &image.repository, true))
    }
}

/// `(name, tag, digest)` of a reference, normalized as node `status.images` spell them.
pub fn normalize(text: &str) -> Option<(String, Option<String>, Option<String>)> {
    let r = crate::image::parse_reference(text).ok()?;
    let tag = r.tag(text).map(str::to_string);
    let digest = r.digest(text).map(str::to_string);
    Some((r.name(), tag, digest))
}

/// [`normalize`], with the tag and digest borrowed from `text` (the index keeps one entry per
/// image of every Node and DaemonSet: tens of thousands on a big tree).
fn normalize_ref(text: &str) -> Option<(String, Option<&str>, Option<&str>)> {
    let r = crate::image::parse_reference(text).ok()?;
    Some((r.name(), r.tag(text), r.digest(text)))
}

/// Do any of `keys` (a Secret's `auths`) give credentials for this image?
pub fn keys_match(keys: &[RegistryKey], image: &ImageRef) -> bool {
    keys.iter().any(|k| {
        RegistryPattern::parse(&k.key)
            .is_some_and(|p| p.matches(&image.registry, &image.repository, false))
    })
}
