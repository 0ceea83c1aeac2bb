//! The registry check (`--online`, issue 20): every distinct image of the run asked once from
//! its registry, the way the pod would ask, and the answers turned into facts for the rules.
//!
//! This is the only place the engine enters `crate::registry`; without `--online` it is never
//! called. For each container it decides what the kubelet would send (the pod's and its
//! ServiceAccount's pull secrets that match the image's registry, else nothing; the user's
//! Docker config for hosts whose credentials live on the nodes), which platforms the pod may
//! run on, and what to ask; then it asks each distinct question once, in parallel, and, when
//! the pod's answer is a refusal, asks again with the user's Docker config to tell "does not
//! exist" from "exists, but the pod may not pull it".

use crate::index::online::{Availability, Outcome, Verdict};
use crate::index::{Index, RegistryClass, SecretStatus};
use crate::registry::{Answer, Cache, Client, Credential, Platform, Query, Reference};
pub use crate::report::OnlineSummary;
use crate::rules::{ImageState, image_state};
use crate::source::FileId;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// How the registry check runs (`--online` and the config's `registries`/`platforms`).
#[derive(Clone, Debug, Default)]
pub struct OnlineSettings {
    pub client: crate::registry::Options,
    /// What the nodes run, when no pod and no Node object of the run says.
    pub platforms: Vec<String>,
    /// The user's Docker config: `None` reads `$DOCKER_CONFIG/config.json` or
    /// `~/.docker/config.json`; a path reads that file.
    pub docker_config: Option<PathBuf>,
    /// Never ask with the user's Docker config.
    pub no_docker_config: bool,
    /// The answer cache between runs; `None`: every question is asked.
    pub cache: Option<crate::registry::CacheSettings>,
    /// Told how far the questions sent to registries have got (the CLI's progress line).
    pub progress: Option<Progress>,
    /// Ask about an image's tag even when it names a digest too, and no platforms
    /// (`pullcheck pin`: what the tag points at now is the question).
    pub ask_tags: bool,
}

/// A callback told `(answered, asked)` while registries are being asked: about every
/// `PROGRESS_TICK` and once at the end. Only questions the cache could not answer count.
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(usize, usize) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

/// How often the progress callback hears from a running check.
const PROGRESS_TICK: std::time::Duration = std::time::Duration::from_millis(200);

/// How many questions are asked at once: registries are slow to answer, not to compute.
const WORKERS: usize = 8;
/// Threads reading the answer cache, at most (reading is quick: more would cost more to start).
const CACHE_READERS: usize = 4;
/// Tags read from a registry for suggestions, at most.
const TAG_LIMIT: usize = 2000;

/// One distinct question: the same image asked with the same credential.
#[derive(Clone, Debug)]
struct Ask {
    registry: String,
    repository: String,
    reference: Reference,
    credential: Credential,
    /// How findings name the credential (`pull secret default/regcred`).
    credential_name: String,
    want_platforms: bool,
}

impl Ask {
    fn key(&self) -> String {
        // The credential's value never leaves this key: it only tells two questions apart.
        format!(
            "{}\u{0}{}\u{0}{:?}\u{0}{}\u{0}{}",
            self.registry,
            self.repository,
            self.reference,
            credential_id(&self.credential),
            self.want_platforms
        )
    }

    fn query(&self) -> Query {
        Query {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            reference: self.reference.clone(),
            credential: self.credential.clone(),
            want_platforms: self.want_platforms,
        }
    }
}

/// An opaque identity for deduplication: equal credentials, equal ids.
fn credential_id(c: &Credential) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match c {
        Credential::Anonymous => 0u8.hash(&mut h),
        Credential::Basic { username, password } => {
            1u8.hash(&mut h);
            username.hash(&mut h);
            password.hash(&mut h);
        }
        Credential::IdentityToken(t) => {
            2u8.hash(&mut h);
            t.hash(&mut h);
        }
    }
    format!("{:x}", h.finish())
}

/// One container to judge: where its image is, what the pod sends, what it may run on.
struct Container {
    unseen_service_account: Option<String>,
    file: FileId,
    image_start: usize,
    image: String,
    /// The questions for the pod, in the kubelet's order (each matching pull secret, else
    /// anonymous): the first that finds the image decides.
    asks: Vec<Ask>,
    wanted: Vec<Platform>,
    because: String,
    docker_hub: bool,
}

/// Asks the registries about every container image of `index`; returns the facts for the
/// rules and what was done.
pub(super) fn check(index: &Index<'_>, settings: &OnlineSettings) -> (Availability, OnlineSummary) {
    let start = Instant::now();
    let mut summary = OnlineSummary::default();
    // Made when the first question is not answered by the cache: a warm run never reads the
    // trust store.
    let client = LazyClient {
        options: settings.client.clone(),
        cell: OnceLock::new(),
    };
    let cache = settings.cache.as_ref().and_then(|c| {
        match Cache::open(c, &cache_context(&settings.client)) {
            Ok(cache) => Some(cache),
            Err(why) => {
                summary.cache_problem = Some(why);
                None
            }
        }
    });
    let cache = cache.as_ref();
    let docker_config = |registry: &str| -> Option<Credential> {
        if settings.no_docker_config {
            return None;
        }
        match &settings.docker_config {
            Some(path) => crate::registry::credentials::credential_from_config(
                path,
                &std::env::var_os("PATH").unwrap_or_default(),
                registry,
            ),
            None => crate::registry::docker_config_credential(registry),
        }
    };
    let node_platforms = node_platforms(index);
    let mut containers = Vec::new();
    let mut user_logins: HashMap<String, Option<Credential>> = HashMap::new();
    for pod in index.pods() {
        let creds = index.credentials(&pod);
        for c in &pod.pod.containers {
            if c.explicit_pull_policy().is_some_and(|p| p.text == "Never") {
                continue;
            }
            let ImageState::Valid(image, r) = image_state(c) else {
                continue;
            };
            let reference = match (r.digest(&image.text), r.tag(&image.text)) {
                (_, Some(t)) if settings.ask_tags => Reference::Tag(t.to_string()),
                (Some(d), _) => Reference::Digest(d.to_string()),
                (None, Some(t)) => Reference::Tag(t.to_string()),
                (None, None) => Reference::Tag("latest".to_string()),
            };
            let (wanted, because) = wanted_platforms(pod.pod, &node_platforms, &settings.platforms);
            let base = Ask {
                registry: r.registry.clone(),
                repository: r.repository.clone(),
                reference,
                credential: Credential::Anonymous,
                credential_name: "anonymous".into(),
                want_platforms: !wanted.is_empty() && !settings.ask_tags,
            };
            let mut asks = Vec::new();
            if index.classify(&r) == RegistryClass::NodeCredentials {
                // The nodes log in by themselves (a credential provider): only the user's own
                // login can ask, and without one the image is not judged.
                let login = user_logins
                    .entry(r.registry.clone())
                    .or_insert_with(|| docker_config(&r.registry))
                    .clone();
                match login {
                    Some(credential) => asks.push(Ask {
                        credential,
                        credential_name: "docker config".into(),
                        ..base.clone()
                    }),
                    None => {
                        summary.skipped.push((
                            image.text.clone(),
                            "its registry's credentials live on the nodes \
                             (`registries.node-credentials`) and your Docker config has none"
                                .into(),
                        ));
                        continue;
                    }
                }
            } else {
                for (name, status) in &creds.secrets {
                    let SecretStatus::Usable(secret, keys) = status else {
                        continue;
                    };
                    for key in keys.iter() {
                        let Some(login) = &key.login else { continue };
                        if !index.keys_match(std::slice::from_ref(key), &r) {
                            continue;
                        }
                        let namespace = index.namespace_of(secret.object);
                        asks.push(Ask {
                            credential: Credential::Basic {
                                username: login.username.clone(),
                                password: login.password.clone(),
                            },
                            credential_name: format!("pull secret {namespace}/{}", name.text),
                            ..base.clone()
                        });
                    }
                }
                if asks.is_empty() {
                    asks.push(base.clone());
                }
            }
            containers.push(Container {
                unseen_service_account: creds
                    .service_account
                    .is_none()
                    .then(|| pod.service_account_name().to_string()),
                file: pod.file,
                image_start: image.span.start,
                image: image.text.clone(),
                asks,
                wanted,
                because,
                docker_hub: r.registry == "docker.io",
            });
        }
    }
    // Every distinct question once, in parallel.
    let mut distinct: Vec<Ask> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::with_capacity(containers.len());
    // For each container, where each of its questions is in `distinct`: keys are made once.
    let mut ids: Vec<Vec<usize>> = Vec::with_capacity(containers.len());
    for c in &containers {
        let mut mine = Vec::with_capacity(c.asks.len());
        for a in &c.asks {
            let i = *position.entry(a.key()).or_insert_with(|| {
                distinct.push(a.clone());
                distinct.len() - 1
            });
            mine.push(i);
        }
        ids.push(mine);
    }
    let from_cache = cached_answers(cache, &distinct);
    if from_cache.iter().any(Option::is_none)
        && let Err(e) = client.get()
    {
        summary.skipped.push(("every image".into(), e));
        return (Availability::default(), summary);
    }
    let answers = ask_all(
        &client,
        cache,
        &distinct,
        from_cache,
        settings.progress.as_ref(),
    );
    // Images of which some question was asked of the registry: the others came from the cache.
    let mut asked: BTreeSet<(String, String, String)> = distinct
        .iter()
        .zip(&answers)
        .filter(|(_, (_, cached))| !cached)
        .map(|(a, _)| image_of(a))
        .collect();

    let mut availability = Availability::default();
    // Second questions (the user's login) and tag lists, asked at most once each.
    let mut with_user: HashMap<String, Option<Answer>> = HashMap::new();
    let mut tag_lists: HashMap<String, Vec<String>> = HashMap::new();
    let mut seen: HashSet<crate::report::CheckedImage> = HashSet::new();
    for (c, mine) in containers.iter().zip(&ids) {
        // The kubelet tries each matching credential: the first that finds the image wins.
        let mut chosen = None;
        for (a, i) in c.asks.iter().zip(mine) {
            let Some((answer, cached)) = answers.get(*i) else {
                continue;
            };
            if matches!(answer, Answer::Found { .. }) || chosen.is_none() {
                chosen = Some((a, answer, *cached));
            }
            if matches!(answer, Answer::Found { .. }) {
                break;
            }
        }
        let Some((ask, answer, cached)) = chosen else {
            continue;
        };
        let mut verdict = Verdict {
            outcome: Outcome::Pullable,
            credentials: ask.credential_name.clone(),
            digest: None,
            platforms: Vec::new(),
            cached,
            unseen_service_account: c.unseen_service_account.clone(),
        };
        verdict.outcome = match answer {
            Answer::Found {
                digest, platforms, ..
            } => {
                verdict.digest = Some(digest.clone());
                let offered = platforms.clone().unwrap_or_default();
                verdict.platforms = offered.iter().map(Platform::to_string).collect();
                let missing: Vec<String> = c
                    .wanted
                    .iter()
                    .filter(|w| {
                        !offered
                            .iter()
                            .any(|o| crate::registry::platform_matches(w, o))
                    })
                    .map(Platform::to_string)
                    .collect();
                if platforms.is_some() && !missing.is_empty() {
                    Outcome::PlatformMissing {
                        wanted: missing,
                        because: c.because.clone(),
                    }
                } else {
                    Outcome::Pullable
                }
            }
            Answer::NotFound { .. } => {
                let mut sent = false;
                let nearest = nearest_tags(&client, cache, ask, &mut tag_lists, &mut sent);
                if sent {
                    asked.insert(image_of(ask));
                }
                Outcome::NotFound {
                    what: what_of(ask),
                    maybe_private: false,
                    nearest,
                }
            }
            Answer::Unauthorized { status, .. } => {
                // Ask again as the user, to tell a missing image from a refused one.
                let user = if ask.credential_name == "docker config" {
                    None
                } else {
                    user_logins
                        .entry(ask.registry.clone())
                        .or_insert_with(|| docker_config(&ask.registry))
                        .clone()
                };
                let again = user.map(|credential| {
                    let user_ask = Ask {
                        credential,
                        credential_name: "docker config".into(),
                        ..ask.clone()
                    };
                    with_user
                        .entry(user_ask.key())
                        .or_insert_with(|| {
                            let query = user_ask.query();
                            if let Some(answer) = cache.and_then(|c| c.answer(&query)) {
                                return Some(answer);
                            }
                            asked.insert(image_of(&user_ask));
                            let client = client.get().ok()?;
                            Some(ask_registry(client, cache, &query))
                        })
                        .clone()
                });
                match again.flatten() {
                    Some(Answer::Found { digest, .. }) => {
                        // `pullcheck pin` asks what the tag points at, whoever may pull it.
                        if settings.ask_tags {
                            verdict.digest = Some(digest);
                        }
                        Outcome::Unauthorized {
                            status: *status,
                            exists: Some(true),
                        }
                    }
                    Some(Answer::NotFound { .. }) => Outcome::NotFound {
                        what: what_of(ask),
                        maybe_private: false,
                        nearest: Vec::new(),
                    },
                    // Docker Hub answers 401 for a repository that does not exist: without a
                    // login that may ask, it cannot be told from a private one.
                    _ if c.docker_hub && matches!(ask.credential, Credential::Anonymous) => {
                        Outcome::NotFound {
                            what: what_of(ask),
                            maybe_private: true,
                            nearest: Vec::new(),
                        }
                    }
                    _ => Outcome::Unauthorized {
                        status: *status,
                        exists: None,
                    },
                }
            }
            Answer::RateLimited { retry_after } => Outcome::RateLimited {
                retry_after_secs: retry_after.map(|d| d.as_secs()),
            },
            Answer::Unreachable { error } => Outcome::Unreachable {
                error: error.clone(),
            },
            Answer::Refused { why } => Outcome::Unreachable {
                error: format!("not asked: {why}"),
            },
        };
        let checked = crate::report::CheckedImage {
            image: c.image.clone(),
            credentials: verdict.credentials.clone(),
            answer: match &verdict.outcome {
                Outcome::Pullable => "pullable",
                Outcome::NotFound { .. } => "not-found",
                Outcome::Unauthorized { .. } => "unauthorized",
                Outcome::PlatformMissing { .. } => "platform-missing",
                Outcome::Unreachable { .. } => "unreachable",
                Outcome::RateLimited { .. } => "rate-limited",
            },
            digest: verdict.digest.clone(),
            platforms: verdict.platforms.clone(),
            cached: verdict.cached,
        };
        if seen.insert(checked.clone()) {
            summary.checked.push(checked);
        }
        availability.insert(c.file, c.image_start, verdict);
    }
    let images: BTreeSet<_> = distinct.iter().map(image_of).collect();
    summary.images = images.len();
    summary.from_cache = images.difference(&asked).count();
    if let Some(cache) = cache {
        cache.prune();
    }
    summary.registries = distinct
        .iter()
        .map(|a| a.registry.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    summary.checked.sort_by(|a, b| {
        a.image
            .cmp(&b.image)
            .then(a.credentials.cmp(&b.credentials))
    });
    summary.requests = client
        .cell
        .get()
        .map_or(0, |c| c.as_ref().map_or(0, Client::requests_sent));
    summary.elapsed = start.elapsed();
    (availability, summary)
}

/// `tag `1.4.3``, `digest `sha256:…``.
fn what_of(ask: &Ask) -> String {
    match &ask.reference {
        Reference::Tag(t) => format!("tag `{t}`"),
        Reference::Digest(d) => format!("digest `{d}`"),
    }
}

/// An image as the summary counts it: registry, repository, reference.
fn image_of(a: &Ask) -> (String, String, String) {
    (
        a.registry.clone(),
        a.repository.clone(),
        format!("{:?}", a.reference),
    )
}

/// What else than the query decides an answer: where the registry is asked (mirrors), over
/// what (insecure hosts) and whom it trusts (CA files). A change of any is a new cache key.
fn cache_context(options: &crate::registry::Options) -> String {
    let mut mirrors = options.mirrors.clone();
    mirrors.sort();
    let mut insecure = options.insecure.clone();
    insecure.sort();
    let mut ca_files = options.ca_files.clone();
    ca_files.sort();
    format!("{mirrors:?}\u{0}{insecure:?}\u{0}{ca_files:?}")
}

/// The cache's answer to each question (`None`: ask the registry), read on a few threads (a
/// warm run is this and the offline work), at least 32 questions each: a thread costs more
/// than a few reads.
fn cached_answers(cache: Option<&Cache>, asks: &[Ask]) -> Vec<Option<Answer>> {
    let Some(cache) = cache else {
        return vec![None; asks.len()];
    };
    let threads = asks.len().div_ceil(32).clamp(1, CACHE_READERS);
    let chunk = asks.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = asks
            .chunks(chunk)
            .map(|part| {
                let handle = scope.spawn(move || {
                    part.iter()
                        .map(|a| cache.answer(&a.query()))
                        .collect::<Vec<_>>()
                });
                (part.len(), handle)
            })
            .collect();
        // A part that failed is asked of the registry: one answer per question, in order.
        parts
            .into_iter()
            .flat_map(|(len, h)| {
                h.join()
                    .ok()
                    .filter(|v| v.len() == len)
                    .unwrap_or_else(|| vec![None; len])
            })
            .collect()
    })
}

/// The registry client, made on first use.
struct LazyClient {
    options: crate::registry::Options,
    cell: OnceLock<Result<Client, String>>,
}

impl LazyClient {
    fn get(&self) -> Result<&Client, String> {
        self.cell
            .get_or_init(|| Client::new(self.options.clone()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// One question asked of the registry, and a definite answer kept in the cache.
fn ask_registry(client: &Client, cache: Option<&Cache>, query: &Query) -> Answer {
    let answer = client.check(query);
    if let Some(cache) = cache {
        cache.keep_answer(query, &answer);
    }
    answer
}

/// Every question not answered from the cache (`from_cache`, in the order of `asks`) asked of
/// its registry, `WORKERS` at a time; each answer with whether it came from the cache.
fn ask_all(
    client: &LazyClient,
    cache: Option<&Cache>,
    asks: &[Ask],
    from_cache: Vec<Option<Answer>>,
    progress: Option<&Progress>,
) -> Vec<(Answer, bool)> {
    let misses: Vec<usize> = from_cache
        .iter()
        .enumerate()
        .filter(|(_, a)| a.is_none())
        .map(|(i, _)| i)
        .collect();
    let answers: Vec<Mutex<Option<(Answer, bool)>>> = from_cache
        .into_iter()
        .map(|a| Mutex::new(a.map(|a| (a, true))))
        .collect();
    // Every question answered by the cache: no client is made, nothing is sent.
    if !misses.is_empty()
        && let Ok(client) = client.get()
    {
        let next = AtomicUsize::new(0);
        let answered = AtomicUsize::new(0);
        let (finished, ticker_wait) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|scope| {
            if let Some(progress) = progress {
                let answered = &answered;
                let total = misses.len();
                scope.spawn(move || {
                    // Wakes every tick until the workers are done (the sender is dropped).
                    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                        ticker_wait.recv_timeout(PROGRESS_TICK)
                    {
                        (progress.0)(answered.load(Ordering::Relaxed), total);
                    }
                    (progress.0)(answered.load(Ordering::Relaxed), total);
                });
            }
            let workers: Vec<_> = (0..WORKERS.min(misses.len()))
                .map(|_| {
                    scope.spawn(|| {
                        loop {
                            let n = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&i) = misses.get(n) else { break };
                            let Some(ask) = asks.get(i) else { break };
                            let answer = ask_registry(client, cache, &ask.query());
                            if let Some(slot) = answers.get(i)
                                && let Ok(mut slot) = slot.lock()
                            {
                                *slot = Some((answer, false));
                            }
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                    })
                })
                .collect();
            for worker in workers {
                let _ = worker.join();
            }
            drop(finished);
        });
    }
    answers
        .into_iter()
        .map(|m| {
            m.into_inner().ok().flatten().unwrap_or((
                Answer::Unreachable {
                    error: "not asked".into(),
                },
                false,
            ))
        })
        .collect()
}

/// The existing tags closest to a missing one (at most three), from the registry's tag list.
/// `sent` becomes true when the tag list was asked of the registry (not found in the cache).
fn nearest_tags(
    client: &LazyClient,
    cache: Option<&Cache>,
    ask: &Ask,
    lists: &mut HashMap<String, Vec<String>>,
    sent: &mut bool,
) -> Vec<String> {
    let Reference::Tag(wanted) = &ask.reference else {
        return Vec::new();
    };
    let key = format!(
        "{}\u{0}{}\u{0}{}",
        ask.registry,
        ask.repository,
        credential_id(&ask.credential)
    );
    let tags = lists.entry(key).or_insert_with(|| {
        if let Some(tags) =
            cache.and_then(|c| c.tags(&ask.registry, &ask.repository, &ask.credential))
        {
            return tags;
        }
        *sent = true;
        let Ok(client) = client.get() else {
            return Vec::new();
        };
        match client.tags(&ask.registry, &ask.repository, &ask.credential, TAG_LIMIT) {
            Ok(tags) => {
                if let Some(cache) = cache {
                    cache.keep_tags(&ask.registry, &ask.repository, &ask.credential, &tags);
                }
                tags
            }
            Err(_) => Vec::new(),
        }
    });
    // Fewest edits first; among equals, the longest shared prefix, then the nearest character
    // where they part (`1.4.3` → `1.4.2` before `1.4.0`).
    let mut scored: Vec<(usize, usize, u32, &String)> = tags
        .iter()
        .map(|t| {
            let shared = wanted
                .chars()
                .zip(t.chars())
                .take_while(|(a, b)| a == b)
                .count();
            let gap = wanted
                .chars()
                .zip(t.chars())
                .find(|(a, b)| a != b)
                .map_or(0, |(a, b)| u32::from(a).abs_diff(u32::from(b)));
            (edit_distance(wanted, t), usize::MAX - shared, gap, t)
        })
        .filter(|(d, _, _, t)| *d <= wanted.len().max(t.len()) / 3 + 1)
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, _, _, t)| t.clone())
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The distinct platforms of the Node objects of the run.
fn node_platforms(index: &Index<'_>) -> Vec<Platform> {
    let mut out: Vec<Platform> = Vec::new();
    for located in index.objects() {
        let Some(node) = &located.object.node else {
            continue;
        };
        let (Some(os), Some(arch)) = (&node.os, &node.arch) else {
            continue;
        };
        if let Some(p) = Platform::parse(&format!("{os}/{arch}"))
            && !out.contains(&p)
        {
            out.push(p);
        }
    }
    out
}

/// The platforms a pod may run on, and where that comes from: its own node selection, else
/// the run's Node objects, else the config's `platforms`; none when nothing says.
fn wanted_platforms(
    pod: &crate::model::PodSpecFacts,
    nodes: &[Platform],
    configured: &[String],
) -> (Vec<Platform>, String) {
    if !pod.node_arch.is_empty() || !pod.node_os.is_empty() {
        let oses = if pod.node_os.is_empty() {
            vec!["linux".to_string()]
        } else {
            pod.node_os.clone()
        };
        let arches = if pod.node_arch.is_empty() {
            // The OS alone narrows nothing we can check without an architecture.
            return (Vec::new(), String::new());
        } else {
            pod.node_arch.clone()
        };
        let wanted = oses
            .iter()
            .flat_map(|os| arches.iter().map(move |a| format!("{os}/{a}")))
            .filter_map(|p| Platform::parse(&p))
            .collect();
        return (
            wanted,
            format!("the pod's node selection: {}", arches.join(", ")),
        );
    }
    if !nodes.is_empty() {
        return (nodes.to_vec(), "the Node objects of the run".into());
    }
    let wanted: Vec<Platform> = configured
        .iter()
        .filter_map(|p| Platform::parse(p))
        .collect();
    if wanted.is_empty() {
        (Vec::new(), String::new())
    } else {
        (wanted, "the config's `platforms`".into())
    }
}
