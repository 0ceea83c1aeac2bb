//! Where each kind keeps the images the kubelet pulls for it: the built-in table
//! (`rules/kinds.yaml`) and the kinds a user declares in `.pullcheck.yaml`.
//!
//! An entry names paths into the object. A path is keys joined by `.`; `[]` after a key means
//! every item of that list, and `*` any key of a mapping (`spec.templates[].sidecars[]`,
//! `spec.*.image`). Both the table and the config are read with the project's own spanned YAML
//! tree, so a bad entry points at the exact key or path segment.

use super::{ContainerFacts, ContainerKind, PodSpecFacts, PullSecretRef, Scalar};
use crate::syntax::{Cursor, ParseLimits, parse_stream};
use std::ops::Range;
use std::sync::{Arc, LazyLock};

const KINDS_YAML: &str = include_str!("../../rules/kinds.yaml");

/// A path holds at most this many segments (deeper is a config error, not a deep walk).
const MAX_SEGMENTS: usize = 32;
/// Nodes one path may visit in one object: `[]` and `*` over aliases could otherwise multiply.
const VISIT_BUDGET: usize = 20_000;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Key(String),
    /// `*`: every value of a mapping.
    AnyKey,
    /// `[]`: every item of a list.
    Items,
}

/// A parsed path such as `spec.templates[].container`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    text: String,
    segments: Vec<Segment>,
}

/// What is wrong with a path, and where in its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathError {
    pub message: String,
    pub at: Range<usize>,
}

impl Path {
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let err = |message: &str, at: Range<usize>| PathError {
            message: message.to_string(),
            at,
        };
        if text.is_empty() {
            return Err(err("the path is empty", 0..0));
        }
        if let Some(i) = text.find(char::is_whitespace) {
            return Err(err("a path has no spaces", i..i + 1));
        }
        let mut segments = Vec::new();
        let mut at = 0;
        for part in text.split('.') {
            let range = at..at + part.len();
            at += part.len() + 1;
            let name_len = part.find('[').unwrap_or(part.len());
            let (name, mut brackets) = part.split_at(name_len);
            match name {
                "" => {
                    return Err(err(
                        "empty key: write `a.b`, `a[].b` or `a.*.b`",
                        range.start..range.end.max(range.start + 1).min(text.len()),
                    ));
                }
                "*" => segments.push(Segment::AnyKey),
                _ if name.contains(['*', ']']) => {
                    return Err(err(
                        "`*` stands alone for any key, `[]` follows a key",
                        range,
                    ));
                }
                _ => segments.push(Segment::Key(name.to_string())),
            }
            while !brackets.is_empty() {
                let Some(rest) = brackets.strip_prefix("[]") else {
                    let start = range.start + name_len + (part.len() - name_len - brackets.len());
                    return Err(err(
                        "only `[]` (every item) may follow a key; indexes and filters are not supported",
                        start..range.end,
                    ));
                };
                segments.push(Segment::Items);
                brackets = rest;
            }
        }
        if segments.len() > MAX_SEGMENTS {
            return Err(err(
                &format!("a path has at most {MAX_SEGMENTS} segments"),
                0..text.len(),
            ));
        }
        Ok(Path {
            text: text.to_string(),
            segments,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The last key, when the path ends on one (needed where a finding points at the key).
    fn ends_on_key(&self) -> bool {
        matches!(self.segments.last(), Some(Segment::Key(_)))
    }

    /// Calls `each` with every value the path reaches in `root`, with the mapping and key it
    /// was found under (no allocation: this runs for every object of a known kind).
    fn resolve<'d>(&self, root: &Cursor<'d>, each: &mut dyn FnMut(Hit<'d>)) {
        let mut budget = VISIT_BUDGET;
        let start = Hit {
            parent: None,
            key: None,
            value: *root,
        };
        walk(start, &self.segments, &mut budget, each);
    }
}

#[derive(Clone, Copy)]
struct Hit<'d> {
    /// The mapping the value is in (for sibling keys such as `imagePullPolicy`).
    parent: Option<Cursor<'d>>,
    key: Option<Cursor<'d>>,
    value: Cursor<'d>,
}

// Recursion is bounded by the path's length (at most MAX_SEGMENTS), not by the input.
fn walk<'d>(at: Hit<'d>, rest: &[Segment], budget: &mut usize, out: &mut dyn FnMut(Hit<'d>)) {
    if *budget == 0 {
        return;
    }
    *budget -= 1;
    let Some((first, rest)) = rest.split_first() else {
        out(at);
        return;
    };
    let map = at.value;
    match first {
        Segment::Key(k) => {
            if let Some((key, value)) = map.get_with_key(k) {
                let next = Hit {
                    parent: Some(map),
                    key: Some(key),
                    value,
                };
                walk(next, rest, budget, out);
            }
        }
        Segment::AnyKey => {
            for (key, value) in map.entries() {
                if key.as_str() == Some("<<") {
                    continue;
                }
                let next = Hit {
                    parent: Some(map),
                    key: Some(key),
                    value,
                };
                walk(next, rest, budget, out);
            }
        }
        Segment::Items => {
            for item in at.value.items() {
                let next = Hit {
                    parent: None,
                    key: None,
                    value: item,
                };
                walk(next, rest, budget, out);
            }
        }
    }
}

/// Which objects an entry is for, by `apiVersion`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiMatch {
    /// Any apiVersion (the built-in kinds, whose names are unambiguous).
    Any,
    /// `argoproj.io`: that API group, any version.
    Group(String),
    /// `argoproj.io/v1alpha1` or `v1`: exactly that.
    Exact(String),
}

impl ApiMatch {
    fn parse(text: &str) -> Option<ApiMatch> {
        let valid_group = |g: &str| {
            !g.is_empty()
                && g.len() <= 253
                && g.split('.').all(|label| {
                    !label.is_empty()
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                })
        };
        let valid_version = |v: &str| {
            v.starts_with('v')
                && v.len() > 1
                && v.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && v.as_bytes().get(1).is_some_and(u8::is_ascii_digit)
        };
        match text.split_once('/') {
            Some((group, version)) if valid_group(group) && valid_version(version) => {
                Some(ApiMatch::Exact(text.to_string()))
            }
            Some(_) => None,
            None if valid_version(text) => Some(ApiMatch::Exact(text.to_string())),
            None if valid_group(text) && text.contains('.') => {
                Some(ApiMatch::Group(text.to_string()))
            }
            None => None,
        }
    }

    fn matches(&self, api_version: &str) -> bool {
        match self {
            ApiMatch::Any => true,
            ApiMatch::Exact(v) => v == api_version,
            ApiMatch::Group(g) => api_version
                .split_once('/')
                .is_some_and(|(group, _)| group == g),
        }
    }

    fn display(&self) -> &str {
        match self {
            ApiMatch::Any => "",
            ApiMatch::Group(s) | ApiMatch::Exact(s) => s,
        }
    }
}

/// One entry of the table or of the config's `kinds`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindSpec {
    pub api_version: ApiMatch,
    pub kinds: Vec<String>,
    /// Full pod specs (`containers`, `initContainers`, `imagePullSecrets`, …).
    pub pod_specs: Vec<Path>,
    /// Container mappings (`name`, `image`, `imagePullPolicy`): one without an image is a
    /// finding.
    pub containers: Vec<Path>,
    /// Image strings, optional: the mapping they are in gives `name` and `imagePullPolicy`.
    pub images: Vec<Path>,
    /// Lists of `{name: …}`, as a pod's `imagePullSecrets`.
    pub pull_secrets: Vec<Path>,
    /// Lists of plain Secret names (`imagePullSecrets: [regcred]`, as Spark's).
    pub pull_secret_names: Vec<Path>,
    /// The ServiceAccount name: the first path that has one.
    pub service_account: Vec<Path>,
    /// The pods' pull secrets and ServiceAccount come from what runs this object (a TaskRun
    /// for a Task), not from the object: the credential rules do not ask it for any.
    pub credentials_from_run: bool,
    /// Where the paths were checked (table entries cite the CRD or its documentation).
    pub source: Option<String>,
}

/// An invalid entry: what, where (a file range), and a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    pub message: String,
    pub span: Range<usize>,
    pub label: String,
    pub help: Option<String>,
    /// Set for an unknown key: its name (for a "did you mean" among [`ENTRY_KEYS`]).
    pub unknown_key: Option<String>,
}

impl SpecError {
    fn new(span: Range<usize>, message: String, label: &str, help: Option<String>) -> SpecError {
        SpecError {
            message,
            span,
            label: label.to_string(),
            help,
            unknown_key: None,
        }
    }
}

pub const ENTRY_KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "podSpecs",
    "containers",
    "images",
    "pullSecrets",
    "pullSecretNames",
    "serviceAccount",
    "credentialsFromRun",
    "source",
];

/// Reads one entry. `source` is the text the cursor's spans index (for pointing at a path
/// segment); `user`: a config entry, which must name its apiVersion.
pub fn read_entry(entry: &Cursor<'_>, source: &str, user: bool) -> Result<KindSpec, SpecError> {
    if !entry.is_map() {
        return Err(SpecError::new(
            entry.report_range(),
            "each `kinds` entry must be a mapping".into(),
            "expected a mapping",
            Some(
                "e.g. `- {apiVersion: acme.io/v1, kind: Runner, containers: [spec.steps[]]}`"
                    .into(),
            ),
        ));
    }
    let mut spec = KindSpec {
        api_version: ApiMatch::Any,
        kinds: Vec::new(),
        pod_specs: Vec::new(),
        containers: Vec::new(),
        images: Vec::new(),
        pull_secrets: Vec::new(),
        pull_secret_names: Vec::new(),
        service_account: Vec::new(),
        credentials_from_run: false,
        source: None,
    };
    let mut api_seen = false;
    for (key, value) in entry.entries() {
        let name = key.as_str().unwrap_or("");
        match name {
            "apiVersion" => {
                let text = string(&value, "`apiVersion`")?;
                spec.api_version = ApiMatch::parse(&text).ok_or_else(|| {
                    SpecError::new(
                        value.report_range(),
                        format!("`apiVersion` {text:?} is not an API group or group/version"),
                        "invalid apiVersion",
                        Some("write `group/version` (`acme.io/v1`), a group for any version (`acme.io`), or `v1` for the core group".into()),
                    )
                })?;
                api_seen = true;
            }
            "kind" => {
                for (kind, span) in strings(&value, "kind")? {
                    let valid = kind.starts_with(|c: char| c.is_ascii_uppercase())
                        && kind.chars().all(|c| c.is_ascii_alphanumeric());
                    if !valid {
                        return Err(SpecError::new(
                            span,
                            format!("`kind` {kind:?} is not a Kubernetes kind"),
                            "invalid kind",
                            Some("a kind is CamelCase letters and digits, e.g. `Workflow`".into()),
                        ));
                    }
                    spec.kinds.push(kind);
                }
            }
            "podSpecs" => spec.pod_specs = paths(&value, name, source, false)?,
            "containers" => spec.containers = paths(&value, name, source, false)?,
            "images" => spec.images = paths(&value, name, source, false)?,
            "pullSecrets" => spec.pull_secrets = paths(&value, name, source, true)?,
            "pullSecretNames" => spec.pull_secret_names = paths(&value, name, source, true)?,
            "serviceAccount" => spec.service_account = paths(&value, name, source, true)?,
            "source" => spec.source = Some(string(&value, "`source`")?),
            "credentialsFromRun" => {
                spec.credentials_from_run = match value.scalar() {
                    Some(("true", crate::syntax::ScalarStyle::Plain, _)) => true,
                    Some(("false", crate::syntax::ScalarStyle::Plain, _)) => false,
                    _ => {
                        return Err(SpecError::new(
                            value.report_range(),
                            "`credentialsFromRun` must be true or false".into(),
                            "expected true or false",
                            None,
                        ));
                    }
                }
            }
            _ => {
                // The config layer adds a "did you mean" (the model knows no rule helpers).
                let mut e = SpecError::new(
                    key.report_range(),
                    format!("unknown key {name:?} in a `kinds` entry"),
                    "unknown key",
                    Some(format!("known keys: {}", ENTRY_KEYS.join(", "))),
                );
                e.unknown_key = Some(name.to_string());
                return Err(e);
            }
        }
    }
    let whole = entry.report_range();
    if spec.kinds.is_empty() {
        return Err(SpecError::new(
            whole.start..whole.start,
            "a `kinds` entry must name its `kind`".into(),
            "no kind",
            None,
        ));
    }
    if user && !api_seen {
        return Err(SpecError::new(
            whole.start..whole.start,
            format!(
                "the `kinds` entry for {} must name its `apiVersion`",
                spec.kinds.join(", ")
            ),
            "no apiVersion",
            Some("e.g. `apiVersion: acme.io/v1` (or `acme.io` for any version)".into()),
        ));
    }
    if spec.pod_specs.is_empty() && spec.containers.is_empty() && spec.images.is_empty() {
        return Err(SpecError::new(
            whole.start..whole.start,
            format!(
                "the `kinds` entry for {} names no `podSpecs`, `containers` or `images`",
                spec.kinds.join(", ")
            ),
            "no image paths",
            None,
        ));
    }
    Ok(spec)
}

fn string(c: &Cursor<'_>, what: &str) -> Result<String, SpecError> {
    match c.as_str() {
        Some(s) if !c.is_null() && !s.trim().is_empty() => Ok(s.trim().to_string()),
        _ => Err(SpecError::new(
            c.report_range(),
            format!("{what} must be a non-empty string"),
            "expected a string",
            None,
        )),
    }
}

/// A string or a list of strings, with where each is written.
fn strings(c: &Cursor<'_>, what: &str) -> Result<Vec<(String, Range<usize>)>, SpecError> {
    if c.is_seq() {
        c.items()
            .map(|item| {
                Ok((
                    string(&item, &format!("each `{what}`"))?,
                    item.report_range(),
                ))
            })
            .collect()
    } else {
        Ok(vec![(string(c, &format!("`{what}`"))?, c.report_range())])
    }
}

fn paths(c: &Cursor<'_>, what: &str, source: &str, key_last: bool) -> Result<Vec<Path>, SpecError> {
    let mut out = Vec::new();
    let items: Vec<Cursor<'_>> = if c.is_seq() {
        c.items().collect()
    } else {
        vec![*c]
    };
    for item in items {
        let text = string(&item, &format!("each `{what}` path"))?;
        let raw = Scalar::from_cursor(&item);
        let locate = |at: Range<usize>| match &raw {
            // Paths are trimmed; locate the segment in the value as written.
            Some(s) => {
                let lead = s.text.len() - s.text.trim_start().len();
                s.text_range(source, lead + at.start..lead + at.end.max(at.start + 1))
            }
            None => item.report_range(),
        };
        let path = Path::parse(&text).map_err(|e| {
            SpecError::new(
                locate(e.at),
                format!("`{what}` path {text:?}: {}", e.message),
                "invalid path",
                Some("a path is keys joined by `.`, `[]` after a key for every item of a list, `*` for any key: `spec.templates[].container`, `spec.*.image`".into()),
            )
        })?;
        if key_last && !path.ends_on_key() {
            return Err(SpecError::new(
                locate(0..text.len()),
                format!("`{what}` path {text:?} must end on a key"),
                "must end on a key",
                Some(format!(
                    "point at the field itself, e.g. `spec.{}`",
                    match what {
                        "serviceAccount" => "serviceAccountName",
                        _ => "imagePullSecrets",
                    }
                )),
            ));
        }
        out.push(path);
    }
    Ok(out)
}

/// Reads a whole table: a YAML list of entries.
pub fn parse_table(name: &str, text: &str, user: bool) -> Result<Vec<KindSpec>, SpecError> {
    let docs = parse_stream(text, 0, &ParseLimits::default());
    let mut out = Vec::new();
    for doc in docs {
        let doc = doc.map_err(|e| {
            SpecError::new(
                e.offset..e.offset,
                format!("{name} is not valid YAML: {}", e.message),
                "here",
                None,
            )
        })?;
        let Some(root) = doc.root() else { continue };
        for entry in root.items() {
            out.push(read_entry(&entry, text, user)?);
        }
    }
    Ok(out)
}

/// The kinds known to one run: the user's first, then the built-in table.
#[derive(Debug, Default)]
pub struct KindTable {
    entries: Vec<KindSpec>,
    /// kind → indexes into `entries`, in priority order; sorted by kind. A binary search over
    /// a few dozen names is cheaper than hashing the kind of every object (most objects, a
    /// Service or a ConfigMap, are of no kind here).
    by_kind: Vec<(String, Vec<usize>)>,
    /// How many of `entries` (at the front) come from the user.
    user: usize,
}

static BUILTIN: LazyLock<Arc<KindTable>> = LazyLock::new(|| {
    // The file is embedded and a test parses it: the fallback only keeps a bad edit that
    // reached a build from panicking (only the generic pod-template lookup remains).
    let entries = parse_table("rules/kinds.yaml", KINDS_YAML, false).unwrap_or_default();
    Arc::new(KindTable::new(entries, 0))
});

impl KindTable {
    fn new(entries: Vec<KindSpec>, user: usize) -> KindTable {
        let mut by_kind: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            for k in &e.kinds {
                match by_kind.iter_mut().find(|(name, _)| name == k) {
                    Some((_, list)) => list.push(i),
                    None => by_kind.push((k.clone(), vec![i])),
                }
            }
        }
        by_kind.sort_by(|a, b| a.0.cmp(&b.0));
        KindTable {
            entries,
            by_kind,
            user,
        }
    }

    /// The built-in table (`rules/kinds.yaml`).
    pub fn builtin() -> Arc<KindTable> {
        Arc::clone(&BUILTIN)
    }

    /// The built-in table with the user's entries in front (they win for the same kind).
    pub fn with_user(user: &[KindSpec]) -> Arc<KindTable> {
        if user.is_empty() {
            return KindTable::builtin();
        }
        let entries: Vec<KindSpec> = user.iter().chain(&BUILTIN.entries).cloned().collect();
        Arc::new(KindTable::new(entries, user.len()))
    }

    /// The entry for an object, if its kind is known.
    pub fn find(&self, kind: &str, api_version: &str) -> Option<&KindSpec> {
        let at = self
            .by_kind
            .binary_search_by(|(name, _)| name.as_str().cmp(kind))
            .ok()?;
        self.by_kind
            .get(at)?
            .1
            .iter()
            .filter_map(|&i| self.entries.get(i))
            .find(|e| e.api_version.matches(api_version))
    }

    pub fn entries(&self) -> &[KindSpec] {
        &self.entries
    }

    /// The entries from the config (before the built-in ones).
    pub fn user_entries(&self) -> &[KindSpec] {
        self.entries.get(..self.user).unwrap_or(&[])
    }

    pub fn builtin_entries(&self) -> &[KindSpec] {
        self.entries.get(self.user..).unwrap_or(&[])
    }
}

/// `group: Kind, Kind` lines for `pullcheck rules` and the README, in table order.
pub fn describe(entries: &[KindSpec]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for e in entries {
        let group = match &e.api_version {
            ApiMatch::Any => "core and built-in".to_string(),
            other => other.display().to_string(),
        };
        let kinds = e.kinds.iter().cloned();
        match out.iter_mut().find(|(g, _)| *g == group) {
            Some((_, list)) => list.extend(kinds),
            None => out.push((group, kinds.collect())),
        }
    }
    for (_, list) in &mut out {
        let mut seen = std::collections::HashSet::new();
        list.retain(|k| seen.insert(k.clone()));
    }
    out
}

/// The Markdown list of known kinds the README carries (a test keeps them equal).
pub fn markdown(entries: &[KindSpec]) -> String {
    let mut s = String::new();
    for (group, kinds) in describe(entries) {
        let kinds: Vec<String> = kinds.iter().map(|k| format!("`{k}`")).collect();
        s.push_str(&format!("- {group}: {}\n", kinds.join(", ")));
    }
    s
}

/// The pod facts of an object of a known kind: every container and image its paths reach,
/// with the pull secrets and ServiceAccount it names. `None` when no path reaches anything.
pub fn extract(spec: &KindSpec, obj: &Cursor<'_>) -> Option<PodSpecFacts> {
    let mut facts = PodSpecFacts {
        credentials_from_run: spec.credentials_from_run,
        ..PodSpecFacts::default()
    };
    let mut pod_span = None;
    for path in &spec.pod_specs {
        path.resolve(obj, &mut |hit| {
            if !hit.value.is_map() {
                return;
            }
            let pod = super::extract_pod_spec(&hit.value);
            pod_span = pod_span.take().or(Some(pod.span));
            facts.pull_secrets_key = facts.pull_secrets_key.take().or(pod.pull_secrets_key);
            facts.image_pull_secrets.extend(pod.image_pull_secrets);
            facts.service_account = facts.service_account.take().or(pod.service_account);
            // Several pods of one object (a driver and its executors) are checked as one: the
            // first that names its platforms speaks for them.
            if facts.node_os.is_empty() && facts.node_arch.is_empty() {
                facts.node_os = pod.node_os;
                facts.node_arch = pod.node_arch;
            }
            for c in pod.containers {
                push_container(&mut facts.containers, c);
            }
        });
    }
    for path in &spec.containers {
        let kind = container_kind(path);
        path.resolve(obj, &mut |hit| {
            let mut add = |item: Cursor<'_>| {
                if item.is_map() {
                    push_container(&mut facts.containers, super::container_of(&item, kind));
                }
            };
            if hit.value.is_seq() {
                hit.value.items().for_each(&mut add);
            } else {
                add(hit.value);
            }
        });
    }
    for path in &spec.images {
        path.resolve(obj, &mut |hit| {
            if hit.value.is_seq() {
                for item in hit.value.items() {
                    if let Some(c) = bare_image(&item, None) {
                        push_container(&mut facts.containers, c);
                    }
                }
            } else if let Some(c) = bare_image(&hit.value, hit.parent.as_ref()) {
                push_container(&mut facts.containers, c);
            }
        });
    }
    for path in &spec.pull_secrets {
        path.resolve(obj, &mut |hit| {
            if let Some(key) = hit.key {
                let (key, refs) = super::pull_secret_list(&key, &hit.value);
                facts.pull_secrets_key = facts.pull_secrets_key.take().or(key);
                facts.image_pull_secrets.extend(refs);
            }
        });
    }
    for path in &spec.pull_secret_names {
        path.resolve(obj, &mut |hit| {
            if let Some(key) = hit.key {
                let key = Some(key.value_range());
                facts.pull_secrets_key = facts.pull_secrets_key.take().or(key);
                facts.image_pull_secrets.extend(name_list(&hit.value));
            }
        });
    }
    for path in &spec.service_account {
        path.resolve(obj, &mut |hit| {
            if facts.service_account.is_none() {
                facts.service_account =
                    Scalar::from_cursor(&hit.value).filter(|n| !n.is_null() && !n.text.is_empty());
            }
        });
    }
    if pod_span.is_none() && facts.containers.is_empty() {
        return None;
    }
    facts.span = pod_span.unwrap_or_else(|| obj.get("spec").unwrap_or(*obj).value_range());
    Some(facts)
}

/// `initContainers` paths hold init containers (pulled first, by the same kubelet).
fn container_kind(path: &Path) -> ContainerKind {
    let last_key = path.segments.iter().rev().find_map(|s| match s {
        Segment::Key(k) => Some(k.as_str()),
        _ => None,
    });
    match last_key {
        Some("initContainers") => ContainerKind::Init,
        _ => ContainerKind::Container,
    }
}

/// Two paths may reach the same container (a pod spec and one of its lists): keep it once.
fn push_container(list: &mut Vec<ContainerFacts>, c: ContainerFacts) {
    let image_span = |c: &ContainerFacts| c.image.as_ref().map(|i| i.span.clone());
    let seen = list.iter().any(|old| {
        old.span == c.span || (old.image.is_some() && image_span(old) == image_span(&c))
    });
    if !seen {
        list.push(c);
    }
}

/// An image string: unset (`null`, or a mapping where a string belongs) means "not this
/// path"; the mapping it is in names the container and its pull policy, when it has them.
fn bare_image(value: &Cursor<'_>, parent: Option<&Cursor<'_>>) -> Option<ContainerFacts> {
    let image = Scalar::from_cursor(value).filter(|s| !s.is_null())?;
    let sibling = |key: &str| {
        parent
            .and_then(|p| p.get(key))
            .and_then(|n| Scalar::from_cursor(&n))
    };
    Some(ContainerFacts {
        kind: ContainerKind::Container,
        name: sibling("name").filter(|n| !n.is_null() && !n.text.is_empty()),
        // The image itself, not the mapping: Spark's `spec` holds `image` and `driver.image`,
        // and a finding inside `driver` must not be taken for the outer image's.
        span: image.span.clone(),
        pull_policy: sibling("imagePullPolicy").map(Box::new),
        image: Some(image),
    })
}

/// A list of plain Secret names (`imagePullSecrets: [regcred]`).
fn name_list(list: &Cursor<'_>) -> Vec<PullSecretRef> {
    if !list.is_seq() {
        if list.is_null() {
            return Vec::new();
        }
        return vec![PullSecretRef::Malformed(list.report_range())];
    }
    list.items()
        .map(|item| {
            match Scalar::from_cursor(&item).filter(|n| !n.is_null() && !n.text.is_empty()) {
                Some(name) => PullSecretRef::Named(name),
                None => PullSecretRef::Malformed(item.report_range()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_parses() {
        let entries = parse_table("rules/kinds.yaml", KINDS_YAML, false).expect("parses");
        assert!(entries.len() > 10);
        assert!(
            entries.iter().all(|e| e.source.is_some()),
            "every entry cites its source"
        );
    }

    #[test]
    fn paths_parse_and_refuse() {
        let p = Path::parse("spec.templates[].containerSet.containers[]").unwrap();
        assert_eq!(p.segments.len(), 6);
        assert_eq!(
            Path::parse("spec.*.image").unwrap().segments[1],
            Segment::AnyKey
        );
        for (bad, at) in [
            ("spec..image", 5..6),
            ("spec.containers[0]", 15..18),
            ("spec.con*", 5..9),
            ("", 0..0),
            ("spec. image", 5..6),
        ] {
            assert_eq!(Path::parse(bad).unwrap_err().at, at, "{bad}");
        }
    }

    #[test]
    fn api_versions() {
        assert_eq!(
            ApiMatch::parse("argoproj.io"),
            Some(ApiMatch::Group("argoproj.io".into()))
        );
        assert!(
            ApiMatch::parse("argoproj.io")
                .unwrap()
                .matches("argoproj.io/v1alpha1")
        );
        assert!(!ApiMatch::parse("argoproj.io").unwrap().matches("v1"));
        assert!(ApiMatch::parse("v1").unwrap().matches("v1"));
        for bad in ["Argo.io", "argo", "a.io/x", "a.io/v1/x", "/v1", ""] {
            assert_eq!(ApiMatch::parse(bad), None, "{bad}");
        }
    }
}
