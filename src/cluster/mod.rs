//! `pullcheck pods` (issue 26): the debugging steps every guide gives for `ErrImagePull` —
//! the pod, its events, its ServiceAccount and pull Secrets — done with the user's own
//! `kubectl`, read-only, then diagnosed by the same readers as saved output.
//!
//! What is read, in order (each a `kubectl get`, bounded in time and size):
//! 1. the pods (`--raw` list pages of `CHUNK`, at most `--limit` pods; or the named pods);
//! 2. the events of the pods that are not running (core v1; `events.k8s.io/v1` when core
//!    events are refused or not served);
//! 3. those pods' ServiceAccounts (name and `imagePullSecrets` kept);
//! 4. the names and types of the pull Secrets they reference, from the API server's own table
//!    (`kubectl get secret NAME`: server-side printing sends a `PartialObjectMetadata` and the
//!    cells NAME, TYPE, DATA, AGE: the data never leaves the cluster).
//!
//! What could not be read is said, and the rest is still diagnosed.

pub mod kubectl;
mod objects;
mod run;

pub use run::{Diagnosed, diagnose, save, summary_line};

use kubectl::{Failure, Kubectl};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

pub use objects::mask_json;

/// Pods per list request (kubectl's own `--chunk-size` default).
const CHUNK: usize = 500;
/// Up to this many pods to look at, events are asked per pod (a field selector); past it,
/// per namespace.
const EVENTS_PER_POD_MAX: usize = 20;
/// Events read per namespace at most (pages of `CHUNK`).
const MAX_EVENTS: usize = 20_000;
/// ServiceAccounts and Secrets looked up at most.
const MAX_LOOKUPS: usize = 100;

/// Which pods: the current namespace, one namespace, or all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Current,
    Namespace(String),
    All,
}

#[derive(Clone, Debug)]
pub struct Request {
    /// Pod names (empty: every pod of the scope).
    pub pods: Vec<String>,
    pub scope: Scope,
    pub context: Option<String>,
    pub kubeconfig: Option<PathBuf>,
    /// The kubectl program; `None`: `kubectl` on PATH.
    pub kubectl: Option<PathBuf>,
    /// Pods read at most.
    pub limit: usize,
    /// Each kubectl request's time limit.
    pub timeout: Duration,
    /// Bytes one kubectl call may print.
    pub max_output: u64,
}

/// What was read: the files to lint (JSON, masked), and what could not be read.
#[derive(Debug, Default)]
pub struct Reading {
    /// `(name, text)`: `pods.json`, `events.json`, `events-k8s-io.json`,
    /// `serviceaccounts.json`, `secrets.json`, as far as each was read.
    pub files: Vec<(String, String)>,
    /// Pods read, by `namespace/name`.
    pub pods: Vec<String>,
    /// What could not be read, and what that leaves unchecked.
    pub not_read: Vec<String>,
    /// Every pull Secret reference could be looked up: one that is not there is missing.
    pub secrets_complete: bool,
    /// Where: `namespace shop`, `all namespaces`, with the context.
    pub scope: String,
}

/// Why nothing could be read: a message for the user, never kubectl's text alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal(pub String);

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn explain(what: &str, context: &str, failure: &Failure) -> Fatal {
    Fatal(match failure {
        Failure::Forbidden => format!(
            "kubectl may not {what} in context {context:?}: forbidden (RBAC needs `get` and \
             `list` on pods; docs/kubectl-output.md lists what `pullcheck pods` reads)"
        ),
        Failure::NotFound => format!("kubectl could not {what}: not found"),
        Failure::Unreachable(line) => format!(
            "the cluster of context {context:?} cannot be reached: {line} (is the VPN up, is \
             the context the right one?)"
        ),
        Failure::Unauthenticated(line) => format!(
            "the cluster of context {context:?} refused the credentials: {line} (log in again)"
        ),
        Failure::NoContext(line) => format!(
            "kubectl has no context to use: {line}; pick one with `kubectl config use-context \
             NAME` or pass --context"
        ),
        Failure::TimedOut => format!(
            "kubectl did not {what} in time (context {context:?}): the cluster is slow or \
             unreachable; raise --request-timeout or narrow with -n / POD names"
        ),
        Failure::Other(line) => format!("kubectl could not {what}: {line}"),
    })
}

/// The kubectl to run: `--kubectl`, else `kubectl` on PATH.
pub fn find_kubectl(given: Option<&PathBuf>) -> Result<PathBuf, Fatal> {
    match given {
        Some(p) if crate::render::exec::is_executable(p) => Ok(p.clone()),
        Some(p) => Err(Fatal(format!(
            "--kubectl {}: not an executable file",
            crate::sanitize::sanitize(&p.to_string_lossy())
        ))),
        None => crate::render::exec::which("kubectl").ok_or_else(|| {
            Fatal(
                "kubectl is not on PATH: install it (https://kubernetes.io/docs/tasks/tools/) or \
                 name it with --kubectl PATH"
                    .to_string(),
            )
        }),
    }
}

/// Reads the pods of `req` and what explains their pulls.
pub fn read(req: &Request) -> Result<Reading, Fatal> {
    let program = find_kubectl(req.kubectl.as_ref())?;
    let mut k = Kubectl::new(
        program,
        req.context.clone(),
        req.kubeconfig.clone(),
        req.timeout,
        req.max_output,
    );
    let context = k
        .current_context()
        .map_err(|f| explain("read the kubeconfig", "?", &f))?;
    let current = k
        .learn_context()
        .map_err(|f| explain("read the kubeconfig", &context, &f))?;
    let namespace = match &req.scope {
        Scope::All => None,
        Scope::Namespace(ns) => Some(ns.clone()),
        Scope::Current => Some(current),
    };
    let mut out = Reading {
        scope: match &namespace {
            Some(ns) => format!("namespace {ns} of context {context}"),
            None => format!("all namespaces of context {context}"),
        },
        ..Reading::default()
    };
    let pods = if req.pods.is_empty() {
        list_pods(&k, &context, namespace.as_deref(), req.limit, &mut out)?
    } else {
        named_pods(&k, &context, namespace.as_deref(), &req.pods, &mut out)?
    };
    if pods.is_empty()
        && let Some(ns) = &namespace
    {
        check_namespace(&k, &context, ns, &mut out)?;
    }
    out.pods = pods.iter().map(objects::pod_id).collect();
    let suspects: Vec<&Value> = pods.iter().filter(|p| objects::not_running(p)).collect();
    let events = read_events(&k, &suspects, &mut out);
    let accounts = read_service_accounts(&k, &suspects, &mut out);
    let secrets = read_secrets(&k, &suspects, &accounts, &mut out);
    out.files
        .push(("pods.json".into(), objects::list("PodList", "v1", pods)));
    for (name, kind, version, items) in events {
        out.files.push((name, objects::list(kind, version, items)));
    }
    if !accounts.is_empty() {
        out.files.push((
            "serviceaccounts.json".into(),
            objects::list("ServiceAccountList", "v1", accounts),
        ));
    }
    if let Some(secrets) = secrets {
        out.files.push((
            "secrets.json".into(),
            objects::list("SecretList", "v1", secrets),
        ));
    }
    Ok(out)
}

fn parse(text: &str, what: &str) -> Result<Value, Fatal> {
    serde_json::from_str(text).map_err(|e| {
        Fatal(format!(
            "kubectl printed something that is not JSON for {what}: {e}"
        ))
    })
}

fn list_pods(
    k: &Kubectl,
    context: &str,
    namespace: Option<&str>,
    limit: usize,
    out: &mut Reading,
) -> Result<Vec<Value>, Fatal> {
    let path = match namespace {
        Some(ns) => format!("/api/v1/namespaces/{}/pods", objects::path_segment(ns)),
        None => "/api/v1/pods".to_string(),
    };
    let what = match namespace {
        Some(ns) => format!("list pods in namespace {ns:?}"),
        None => "list pods in all namespaces".to_string(),
    };
    let (items, more) = paged(k, &path, "", limit).map_err(|f| explain(&what, context, &f))?;
    if let Some(more) = more {
        out.not_read.push(format!(
            "only the first {} pods were read ({more}): narrow with -n NAMESPACE or POD names, \
             or raise --limit",
            items.len()
        ));
    }
    Ok(items)
}

/// Pages of a list, `limit` items at most; the second value says what was left, when the list
/// was cut.
fn paged(
    k: &Kubectl,
    path: &str,
    query: &str,
    limit: usize,
) -> Result<(Vec<Value>, Option<String>), Failure> {
    let mut items: Vec<Value> = Vec::new();
    let mut token: Option<String> = None;
    // Bounded: each page brings at least one item or ends the list.
    for _ in 0..=limit.div_ceil(CHUNK.max(1)) {
        let want = CHUNK.min(limit.saturating_sub(items.len())).max(1);
        let mut url = format!("{path}?limit={want}{query}");
        if let Some(t) = &token {
            url.push_str("&continue=");
            url.push_str(&objects::query_value(t));
        }
        let text = k.get_raw(&url)?;
        let page: Value =
            serde_json::from_str(&text).map_err(|e| Failure::Other(format!("not JSON: {e}")))?;
        let got = page
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let empty = got.is_empty();
        items.extend(got);
        token = page
            .pointer("/metadata/continue")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() || empty {
            return Ok((items, None));
        }
        if items.len() >= limit {
            items.truncate(limit);
            let remaining = page
                .pointer("/metadata/remainingItemCount")
                .and_then(Value::as_u64)
                .map_or("there are more".to_string(), |n| format!("{n} more"));
            return Ok((items, Some(remaining)));
        }
    }
    Ok((items, Some("there are more".into())))
}

fn named_pods(
    k: &Kubectl,
    context: &str,
    namespace: Option<&str>,
    names: &[String],
    out: &mut Reading,
) -> Result<Vec<Value>, Fatal> {
    let ns = namespace.unwrap_or("default");
    if namespace.is_none() {
        return Err(Fatal(
            "POD names need a namespace: give -n NAMESPACE rather than -A".to_string(),
        ));
    }
    let mut pods = Vec::new();
    for name in names {
        let path = format!(
            "/api/v1/namespaces/{}/pods/{}",
            objects::path_segment(ns),
            objects::path_segment(name)
        );
        match k.get_raw(&path) {
            Ok(text) => pods.push(parse(&text, &format!("pod {name}"))?),
            Err(Failure::NotFound) => out
                .not_read
                .push(format!("pod {name:?} was not found in namespace {ns:?}")),
            Err(f) => return Err(explain(&format!("get pod {name:?}"), context, &f)),
        }
    }
    if pods.is_empty() {
        check_namespace(k, context, ns, out)?;
        return Err(Fatal(format!(
            "no pod named {} in namespace {ns:?} of context {context:?}",
            names.join(", ")
        )));
    }
    Ok(pods)
}

/// An empty list says nothing of whether the namespace exists: ask for it.
fn check_namespace(k: &Kubectl, context: &str, ns: &str, out: &mut Reading) -> Result<(), Fatal> {
    match k.get_raw(&format!("/api/v1/namespaces/{}", objects::path_segment(ns))) {
        Ok(_) => Ok(()),
        Err(Failure::NotFound) => Err(Fatal(format!(
            "namespace {ns:?} does not exist in context {context:?} (`kubectl get namespaces` \
             lists them)"
        ))),
        Err(Failure::Forbidden) => {
            out.not_read.push(format!(
                "namespace {ns:?} has no pods; whether it exists could not be checked (forbidden)"
            ));
            Ok(())
        }
        Err(f) => Err(explain(&format!("get namespace {ns:?}"), context, &f)),
    }
}

type EventFile = (String, &'static str, &'static str, Vec<Value>);

/// The events of the pods that are not running: core v1, else events.k8s.io/v1.
fn read_events(k: &Kubectl, suspects: &[&Value], out: &mut Reading) -> Vec<EventFile> {
    if suspects.is_empty() {
        return Vec::new();
    }
    let apis: [(&str, &str, &str, &str, &'static str, &'static str); 2] = [
        (
            "/api/v1",
            "involvedObject",
            "events.json",
            "core v1 events",
            "EventList",
            "v1",
        ),
        (
            "/apis/events.k8s.io/v1",
            "regarding",
            "events-k8s-io.json",
            "events.k8s.io/v1 events",
            "EventList",
            "events.k8s.io/v1",
        ),
    ];
    let mut refused = Vec::new();
    for (prefix, field, file, label, kind, version) in apis {
        match events_of(k, prefix, field, suspects) {
            Ok(items) => {
                return vec![(file.to_string(), kind, version, items)];
            }
            Err(f) => refused.push(format!("{label}: {}", short(&f))),
        }
    }
    out.not_read.push(format!(
        "events were not read ({}): the causes come from the pods' status alone (RBAC: `list` \
         on events)",
        refused.join("; ")
    ));
    Vec::new()
}

fn events_of(
    k: &Kubectl,
    prefix: &str,
    field: &str,
    suspects: &[&Value],
) -> Result<Vec<Value>, Failure> {
    let mut items = Vec::new();
    if suspects.len() <= EVENTS_PER_POD_MAX {
        for pod in suspects {
            let (ns, name) = objects::ns_name(pod);
            let selector = format!("{field}.kind=Pod,{field}.name={name}");
            let path = format!("{prefix}/namespaces/{}/events", objects::path_segment(&ns));
            let query = format!("&fieldSelector={}", objects::query_value(&selector));
            items.extend(paged(k, &path, &query, MAX_EVENTS)?.0);
        }
        return Ok(items);
    }
    let wanted: BTreeSet<(String, String)> = suspects.iter().map(|p| objects::ns_name(p)).collect();
    let namespaces: BTreeSet<&String> = wanted.iter().map(|(ns, _)| ns).collect();
    for ns in namespaces {
        let path = format!("{prefix}/namespaces/{}/events", objects::path_segment(ns));
        let query = format!(
            "&fieldSelector={}",
            objects::query_value(&format!("{field}.kind=Pod"))
        );
        let (got, _) = paged(k, &path, &query, MAX_EVENTS)?;
        // Only the events of the pods to diagnose: a healthy pod's past failure is history.
        items.extend(got.into_iter().filter(|e| {
            let regarding = e.get(field);
            let name = regarding
                .and_then(|r| r.get("name"))
                .and_then(Value::as_str);
            name.is_some_and(|n| wanted.contains(&(ns.clone(), n.to_string())))
        }));
    }
    Ok(items)
}

fn short(f: &Failure) -> String {
    match f {
        Failure::Forbidden => "forbidden".into(),
        Failure::NotFound => "not served".into(),
        Failure::TimedOut => "timed out".into(),
        Failure::Unreachable(l)
        | Failure::Unauthenticated(l)
        | Failure::NoContext(l)
        | Failure::Other(l) => l.clone(),
    }
}

/// The ServiceAccounts of the pods that are not running: their `imagePullSecrets`.
fn read_service_accounts(k: &Kubectl, suspects: &[&Value], out: &mut Reading) -> Vec<Value> {
    let wanted: BTreeSet<(String, String)> = suspects
        .iter()
        .map(|p| (objects::ns_name(p).0, objects::service_account(p)))
        .collect();
    let mut found = Vec::new();
    for (ns, name) in wanted.into_iter().take(MAX_LOOKUPS) {
        let path = format!(
            "/api/v1/namespaces/{}/serviceaccounts/{}",
            objects::path_segment(&ns),
            objects::path_segment(&name)
        );
        match k.get_raw(&path) {
            Ok(text) => {
                if let Ok(sa) = serde_json::from_str::<Value>(&text) {
                    found.push(objects::service_account_kept(&sa));
                }
            }
            // The pod could not have been created without it: deleted since; nothing to add.
            Err(Failure::NotFound) => {}
            Err(f) => {
                out.not_read.push(format!(
                    "ServiceAccounts were not read ({}): the pull Secrets they add to their pods \
                     are not checked (RBAC: `get` on serviceaccounts)",
                    short(&f)
                ));
                return Vec::new();
            }
        }
    }
    found
}

/// The names and types of the pull Secrets the pods and their ServiceAccounts reference, from
/// the server's table (never the data). `None` when none could be looked up.
fn read_secrets(
    k: &Kubectl,
    suspects: &[&Value],
    accounts: &[Value],
    out: &mut Reading,
) -> Option<Vec<Value>> {
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for pod in suspects {
        let (ns, _) = objects::ns_name(pod);
        let sa = objects::service_account(pod);
        let from_sa = accounts
            .iter()
            .filter(|a| objects::ns_name(a) == (ns.clone(), sa.clone()))
            .flat_map(objects::pull_secret_names);
        for name in objects::pull_secret_names(pod).into_iter().chain(from_sa) {
            wanted.entry(ns.clone()).or_default().insert(name);
        }
    }
    out.secrets_complete = true;
    let mut found = Vec::new();
    let mut asked = 0;
    for (ns, names) in wanted {
        let names: Vec<String> = names
            .into_iter()
            .take(MAX_LOOKUPS - asked.min(MAX_LOOKUPS))
            .collect();
        asked += names.len();
        if names.is_empty() {
            out.secrets_complete = false;
            continue;
        }
        let mut args: Vec<&str> = vec!["secret"];
        args.extend(names.iter().map(String::as_str));
        args.extend(["-n", ns.as_str(), "--no-headers", "--ignore-not-found"]);
        match k.get(&args) {
            Ok(table) => {
                for (name, kind) in objects::secret_rows(&table) {
                    if names.contains(&name) {
                        found.push(objects::secret_metadata(&ns, &name, &kind));
                    }
                }
            }
            Err(f) => {
                out.secrets_complete = false;
                out.not_read.push(format!(
                    "the pull Secrets of namespace {ns:?} were not looked up ({}): whether they \
                     exist and are of a registry type is not checked (RBAC: `get` on secrets; \
                     only their names and types are read)",
                    short(&f)
                ));
            }
        }
    }
    Some(found).filter(|f| !f.is_empty())
}
