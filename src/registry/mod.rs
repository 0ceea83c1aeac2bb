//! Asking an image's registry whether a reference can be pulled (issue 20, `--online`): the
//! client, its authentication, the user's Docker credentials and platform matching.
//!
//! Nothing here runs unless the engine calls it: an offline run never enters this module.
//! What the client does, in order, for one [`Query`]: `HEAD /v2/<name>/manifests/<ref>` with
//! all four manifest media types in `Accept`; on a 401 the challenge of `WWW-Authenticate`
//! (a Bearer token exchange, or Basic); a GET of the manifest only when the platforms are
//! wanted (then the config blob of a single manifest). Every request obeys the rules of
//! `http.rs`: no link-local or metadata address, plain HTTP only to loopback or an insecure
//! host, a credential only to its own host (and its token realm), bounded in time, count, size
//! and redirects.
//!
//! For the engine and docs/online.md:
//! - A manifest under review chooses the registry host, repository and reference, nothing
//!   else: those are validated before use (a repository or tag that is not the grammar's is
//!   `Refused`), and the client learns status codes, digests, media types and platforms.
//! - Every host is asked over HTTPS first; loopback and `insecure` hosts that do not speak TLS
//!   are asked again over plain HTTP and remembered (as Docker does), so `requests_sent`
//!   counts that first attempt too. A certificate error is never retried over plain HTTP.
//! - The token realm a registry names may be another host (Docker Hub's is
//!   `auth.docker.io`): it receives the credential for the token request only. A registry
//!   chosen by a manifest can thus send the credential the engine picked *for that registry*
//!   to a realm of its choosing, never anyone else's.
//! - A mirror (`Options::mirrors`) is asked anonymously: the query's credential is for the
//!   registry, not for the mirror. To check a mirror that needs credentials, query it by name.
//! - On Docker Hub a HEAD does not count as a pull, a manifest GET does: `want_platforms`
//!   costs one pull per distinct image. Elsewhere a 404 costs one GET more, for its error code.
//! - No proxy from the environment (`HTTPS_PROXY`) is used: the address filter must see the
//!   real target.

mod auth;
pub mod cache;
pub mod credentials;
mod http;
mod manifest;
mod platform;
#[cfg(test)]
mod tests;
mod url;

pub use cache::{Cache, CacheSettings};

pub use credentials::docker_config_credential;
pub use platform::{Platform, platform_matches};
/// Also how `pullcheck pods` escapes names in API paths and field selectors.
pub(crate) use url::encode_query;

use auth::{Challenge, TokenKey, Tokens};
use http::{Http, Method, Req, Resp};
use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use url::{Scheme, Url};

/// Every manifest kind a pull may meet: without the index type a multi-platform OCI image
/// answers 404, without the list type a Docker manifest list answers with one child's digest
/// (measured against distribution 2.8, ../shared/reference/registries.md).
pub(crate) const ACCEPT_ANY: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.docker.distribution.manifest.v2+json";
/// A manifest or an image config is a few KiB; an index of many platforms a few dozen.
const MANIFEST_CAP: u64 = 4 * 1024 * 1024;
/// A page of a tag list.
const TAGS_CAP: u64 = 4 * 1024 * 1024;
const MAX_TAG_PAGES: usize = 20;
/// Docker Hub's API host, and the names an image may give it.
const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// How the client behaves; every limit has a default fit for a CI run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Per request (connect, send, read the answer).
    pub request_timeout: Duration,
    /// For the whole check, across threads: the clock starts at the client's first request.
    pub deadline: Duration,
    /// Requests in all, including token requests and redirects.
    pub max_requests: usize,
    pub max_requests_per_host: usize,
    /// Hosts (`host` or `host:port`) that may be spoken to over plain HTTP; loopback always may.
    pub insecure: Vec<String>,
    /// PEM files of extra certificate authorities, beside the system store and `$SSL_CERT_FILE`.
    pub ca_files: Vec<PathBuf>,
    /// Registry as an image names it → the host asked instead (a pull-through cache).
    pub mirrors: Vec<(String, String)>,
    /// The HTTPS proxy registries are reached through (`HTTPS_PROXY`); `None`: direct.
    pub proxy: Option<ProxySettings>,
}

/// An HTTPS proxy, as `HTTPS_PROXY` / `NO_PROXY` name it. Only HTTPS goes through it, in a
/// `CONNECT` tunnel: TLS runs end to end, so the proxy never sees a credential. Plain HTTP
/// (loopback, `registries.insecure`) always goes direct.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxySettings {
    /// `http://[user:password@]host:port` (the password is never printed).
    pub url: String,
    /// Hosts reached directly (`NO_PROXY`: names, `.suffix`, `*.suffix`, IPs, `*`).
    pub no_proxy: Vec<String>,
}

impl std::fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxySettings")
            .field("url", &"…")
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxySettings {
    /// From the environment as curl and Go read it: `HTTPS_PROXY` / `https_proxy`, else
    /// `ALL_PROXY` / `all_proxy`; `NO_PROXY` / `no_proxy`. `HTTP_PROXY` is not read: it is for
    /// plain HTTP, which never goes through a proxy here.
    pub fn from_env() -> Option<ProxySettings> {
        let var = |names: &[&str]| {
            names
                .iter()
                .filter_map(|n| std::env::var(n).ok())
                .find(|v| !v.trim().is_empty())
        };
        let url = var(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])?;
        let no_proxy = var(&["NO_PROXY", "no_proxy"])
            .map(|v| {
                v.split(',')
                    .map(|h| h.trim().to_string())
                    .filter(|h| !h.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Some(ProxySettings {
            url: url.trim().to_string(),
            no_proxy,
        })
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            request_timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(60),
            max_requests: 1000,
            max_requests_per_host: 300,
            insecure: Vec::new(),
            ca_files: Vec::new(),
            mirrors: Vec::new(),
            proxy: None,
        }
    }
}

/// What the client sends as the pod's (or the user's) identity.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    Anonymous,
    Basic {
        username: String,
        password: String,
    },
    /// An OAuth2 refresh token (Docker config's `identitytoken`), exchanged at the token realm.
    IdentityToken(String),
}

impl Credential {
    /// What kind of credential, for messages: never its value.
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::Anonymous => "anonymous",
            Credential::Basic { .. } => "username/password",
            Credential::IdentityToken(_) => "identity token",
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Anonymous => write!(f, "Anonymous"),
            Credential::Basic { username, .. } => {
                write!(f, "Basic {{ username: {username:?}, password: <hidden> }}")
            }
            Credential::IdentityToken(_) => write!(f, "IdentityToken(<hidden>)"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference {
    Tag(String),
    Digest(String),
}

#[derive(Clone, Debug)]
pub struct Query {
    /// As the image names it: `docker.io`, `ghcr.io`, `127.0.0.1:5000`.
    pub registry: String,
    /// As the image names it; `nginx` on Docker Hub is asked as `library/nginx`.
    pub repository: String,
    pub reference: Reference,
    pub credential: Credential,
    /// Read the index (or the single manifest's config) for the platforms it offers.
    pub want_platforms: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `platforms`: when asked for, what the index offers (or the single image's config says).
    Found {
        digest: String,
        media_type: String,
        platforms: Option<Vec<Platform>>,
    },
    /// A 404; `detail` holds the registry's error code when it sent one.
    NotFound { detail: String },
    /// 401/403 with the credential given, after a token exchange if the registry asked for one.
    /// Docker Hub answers 401 for a repository that does not exist, like a private one.
    Unauthorized { status: u16, detail: String },
    /// 429, after one retry within a short `Retry-After`.
    RateLimited { retry_after: Option<Duration> },
    /// DNS, connection, TLS, timeout, 5xx, an oversized or garbled answer: one line.
    Unreachable { error: String },
    /// Never sent: a link-local or metadata target, plain HTTP to a host not allowed it, an
    /// invalid name, or the budget spent.
    Refused { why: String },
}

/// A registry client for one run; `&self` everywhere, so threads may share it.
pub struct Client {
    http: Http,
    tokens: Tokens,
    /// Hosts that asked for Basic: later requests carry it without a 401 first.
    basic_hosts: Mutex<HashSet<String>>,
}

/// An answer with how it was obtained, for messages.
struct Authed {
    resp: Resp,
    exchanged: bool,
}

impl Client {
    /// Reads the trust (system store, `$SSL_CERT_FILE`, `ca_files`); sends nothing.
    pub fn new(opts: Options) -> Result<Client, String> {
        if opts.request_timeout.is_zero() || opts.deadline.is_zero() {
            return Err("the registry timeouts must be longer than zero".to_string());
        }
        for (from, to) in &opts.mirrors {
            if !url::valid_authority(to) {
                return Err(format!("the mirror of {from} is not a host[:port]: {to}"));
            }
        }
        let roots = trust(&opts.ca_files)?;
        let proxy = opts.proxy.as_ref().map(http::proxy).transpose()?;
        Ok(Client {
            http: Http::new(opts, roots, proxy),
            tokens: Tokens::default(),
            basic_hosts: Mutex::new(HashSet::new()),
        })
    }

    /// Requests sent so far (each attempt, redirect and token request counts).
    pub fn requests_sent(&self) -> usize {
        self.http.requests_sent()
    }

    /// Whether `q`'s manifest exists for its credential, with its digest and, when wanted, its
    /// platforms.
    pub fn check(&self, q: &Query) -> Answer {
        let target = match self.target(&q.registry, &q.repository, &q.credential) {
            Ok(t) => t,
            Err(a) => return a,
        };
        let (reference, requested_digest) = match &q.reference {
            Reference::Tag(t) if valid_tag(t) => (t.as_str(), None),
            Reference::Digest(d) if valid_digest(d) => (d.as_str(), Some(d.clone())),
            Reference::Tag(_) => return refused("not a valid tag"),
            Reference::Digest(_) => return refused("not a valid digest"),
        };
        let url = target.at(&format!("/v2/{}/manifests/{reference}", target.repo));
        let head = Req {
            method: Method::Head,
            accept: ACCEPT_ANY,
            cap: 0,
            form: None,
        };
        let authed = match self.authorized(&url, &head, &target) {
            Ok(a) => a,
            Err(a) => return a,
        };
        match authed.resp.status {
            200 => {}
            404 => return self.not_found(&url, &target),
            // Some proxies in front of registries refuse HEAD: the GET answers the same question.
            405 | 501 => {
                let wanted = Wanted {
                    digest: requested_digest,
                    media_type: String::new(),
                    platforms: q.want_platforms,
                };
                return self.read_manifest(&url, &target, wanted);
            }
            _ => return status_answer(&authed, &target.credential),
        }
        // Old registries omit Docker-Content-Digest on HEAD: the digest asked for, else the
        // GET body's hash.
        let digest = authed
            .resp
            .header("docker-content-digest")
            .map(str::trim)
            .filter(|d| valid_digest(d))
            .map(str::to_string)
            .or(requested_digest);
        let media_type = media_type_of(&authed.resp);
        if !q.want_platforms
            && let Some(digest) = digest
        {
            return Answer::Found {
                digest,
                media_type,
                platforms: None,
            };
        }
        let wanted = Wanted {
            digest,
            media_type,
            platforms: q.want_platforms,
        };
        self.read_manifest(&url, &target, wanted)
    }

    /// A 404 from HEAD has no body: one GET learns which code it was (`MANIFEST_UNKNOWN`,
    /// `NAME_UNKNOWN`), which tells a missing tag from a missing repository. Not on Docker Hub,
    /// where a manifest GET may count against the pull limit and a missing repository answers
    /// 401 anyway.
    fn not_found(&self, url: &Url, target: &Target) -> Answer {
        if target.authority == DOCKER_HUB_API {
            return Answer::NotFound {
                detail: format!("HTTP 404 from {DOCKER_HUB_API}"),
            };
        }
        let get = Req {
            method: Method::Get,
            accept: ACCEPT_ANY,
            cap: MANIFEST_CAP,
            form: None,
        };
        let detail = match self.authorized(url, &get, target) {
            Ok(a) if a.resp.status == 404 => manifest::error_detail(&a.resp.body),
            _ => None,
        };
        Answer::NotFound {
            detail: detail.unwrap_or_else(|| format!("HTTP 404 from {}", url.authority)),
        }
    }

    /// GET the manifest: its hash checked against the digest known so far, then its platforms.
    fn read_manifest(&self, url: &Url, target: &Target, wanted: Wanted) -> Answer {
        let get = Req {
            method: Method::Get,
            accept: ACCEPT_ANY,
            cap: MANIFEST_CAP,
            form: None,
        };
        let authed = match self.authorized(url, &get, target) {
            Ok(a) => a,
            Err(a) => return a,
        };
        if authed.resp.status != 200 {
            return status_answer(&authed, &target.credential);
        }
        let body = &authed.resp.body;
        let hash = manifest::sha256(body);
        let digest = match wanted.digest {
            Some(d) if d.starts_with("sha256:") && d != hash => {
                return garbled(url, "a manifest whose hash is not its digest");
            }
            Some(d) => d,
            None => hash,
        };
        let media_type = Some(media_type_of(&authed.resp))
            .filter(|m| !m.is_empty())
            .unwrap_or(wanted.media_type);
        if !wanted.platforms {
            return Answer::Found {
                digest,
                media_type,
                platforms: None,
            };
        }
        let platforms = match manifest::kind(&media_type, body) {
            Some(manifest::Kind::Index) => manifest::index_platforms(body).map_err(Fetch::Garbled),
            Some(manifest::Kind::Manifest) => self.single_platform(target, body),
            None => Err(Fetch::Garbled(format!(
                "a manifest of unknown type {media_type:?}"
            ))),
        };
        match platforms {
            Ok(p) => Answer::Found {
                digest,
                media_type,
                platforms: Some(p),
            },
            Err(Fetch::Answer(a)) => a,
            Err(Fetch::Garbled(why)) => garbled(url, &why),
        }
    }

    /// The platform of a single-platform image: its config blob says it.
    fn single_platform(
        &self,
        target: &Target,
        manifest_body: &[u8],
    ) -> Result<Vec<Platform>, Fetch> {
        let Some(config) = manifest::config_digest(manifest_body)? else {
            return Ok(Vec::new());
        };
        if !valid_digest(&config) {
            return Err(Fetch::Garbled(
                "a config digest that is not one".to_string(),
            ));
        }
        let blob_url = target.at(&format!("/v2/{}/blobs/{config}", target.repo));
        let get = Req {
            method: Method::Get,
            accept: "application/vnd.oci.image.config.v1+json, application/vnd.docker.container.image.v1+json, */*",
            cap: MANIFEST_CAP,
            form: None,
        };
        let authed = self
            .authorized(&blob_url, &get, target)
            .map_err(Fetch::Answer)?;
        if authed.resp.status != 200 {
            return Err(Fetch::Answer(status_answer(&authed, &target.credential)));
        }
        if config.starts_with("sha256:") && manifest::sha256(&authed.resp.body) != config {
            return Err(Fetch::Garbled(
                "a config whose hash is not its digest".to_string(),
            ));
        }
        Ok(vec![manifest::config_platform(&authed.resp.body)?])
    }

    /// The repository's tags, at most `limit`, following `Link: <…>; rel="next"` pages on the
    /// same host (at most 20 pages).
    pub fn tags(
        &self,
        registry: &str,
        repository: &str,
        credential: &Credential,
        limit: usize,
    ) -> Result<Vec<String>, Answer> {
        let target = self.target(registry, repository, credential)?;
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let n = limit.min(1000);
        let mut url = target.at(&format!("/v2/{}/tags/list?n={n}", target.repo));
        let get = Req {
            method: Method::Get,
            accept: "application/json",
            cap: TAGS_CAP,
            form: None,
        };
        for _ in 0..MAX_TAG_PAGES {
            let authed = self.authorized(&url, &get, &target)?;
            if authed.resp.status != 200 {
                return Err(status_answer(&authed, &target.credential));
            }
            #[derive(serde::Deserialize)]
            struct TagList {
                tags: Option<Vec<String>>,
            }
            let page: TagList =
                serde_json::from_slice(&authed.resp.body).map_err(|_| Answer::Unreachable {
                    error: format!("{} sent an unreadable tag list", url.authority),
                })?;
            let room = limit.saturating_sub(out.len());
            out.extend(page.tags.unwrap_or_default().into_iter().take(room));
            if out.len() >= limit {
                break;
            }
            // Only pages of the same host: the credential is not for any other.
            match next_link(&authed.resp).and_then(|l| authed.resp.url.join(&l)) {
                Some(next) if next.authority == url.authority => url = next,
                _ => break,
            }
        }
        Ok(out)
    }

    /// Where and how to ask for a repository of a registry as an image names it. A mirror is
    /// asked anonymously: the credential was chosen for the registry, and a mirror named in a
    /// repository's config is not trusted with it.
    fn target(
        &self,
        registry: &str,
        repository: &str,
        credential: &Credential,
    ) -> Result<Target, Answer> {
        let registry = registry.trim().to_ascii_lowercase();
        if !url::valid_authority(&registry) {
            return Err(refused("not a valid registry host"));
        }
        if !valid_repository(repository) {
            return Err(refused("not a valid repository name"));
        }
        let hub = matches!(
            registry.as_str(),
            "docker.io" | "index.docker.io" | DOCKER_HUB_API
        );
        let repo = if hub && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository.to_string()
        };
        let mirror = self.http.opts.mirrors.iter().find(|(from, _)| {
            let from = from.trim().to_ascii_lowercase();
            from == registry || (hub && matches!(from.as_str(), "docker.io" | "index.docker.io"))
        });
        let (host, credential) = match mirror {
            Some((_, to)) => (to.to_ascii_lowercase(), Credential::Anonymous),
            None if hub => (DOCKER_HUB_API.to_string(), credential.clone()),
            None => (registry, credential.clone()),
        };
        Ok(Target {
            authority: host,
            scope: format!("repository:{repo}:pull"),
            repo,
            credential,
        })
    }

    /// `req` with the credential as the registry asks for it: a cached token first; on a 401
    /// one token exchange (or Basic) and one retry.
    fn authorized(&self, url: &Url, req: &Req, target: &Target) -> Result<Authed, Answer> {
        let (credential, scope) = (&target.credential, target.scope.as_str());
        let key = TokenKey::new(&url.authority, scope, credential);
        let cached = self.tokens.get(&key);
        let basic = match credential {
            Credential::Basic { username, password } => {
                Some(auth::basic_header(username, password))
            }
            _ => None,
        };
        let basic_known = self
            .basic_hosts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&url.authority);
        let first = match (&cached, &basic) {
            (Some(token), _) => Some(format!("Bearer {token}")),
            (None, Some(b)) if basic_known => Some(b.clone()),
            _ => None,
        };
        let resp = self.http.polite(url, req, first.as_deref())?;
        let plain = |resp| Authed {
            resp,
            exchanged: false,
        };
        if resp.status != 401 {
            return Ok(plain(resp));
        }
        match auth::parse_challenge(resp.headers("www-authenticate")) {
            Some(Challenge::Bearer {
                realm,
                service,
                scope: asked,
                ..
            }) => {
                // A cached token the registry refused is dropped: one fresh exchange, no more.
                if cached.is_some() {
                    self.tokens.forget(&key);
                }
                let asked = asked.unwrap_or_else(|| scope.to_string());
                let (token, life) =
                    auth::exchange(&self.http, &realm, service.as_deref(), &asked, credential)?;
                self.tokens.put(key, token.clone(), life);
                let resp = self
                    .http
                    .polite(url, req, Some(&format!("Bearer {token}")))?;
                Ok(Authed {
                    resp,
                    exchanged: true,
                })
            }
            Some(Challenge::Basic) if !basic_known => match basic {
                Some(b) => {
                    self.basic_hosts
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(url.authority.clone());
                    Ok(plain(self.http.polite(url, req, Some(&b))?))
                }
                None => Ok(plain(resp)),
            },
            _ => Ok(plain(resp)),
        }
    }
}

/// Where a check asks, with what, for which scope.
struct Target {
    /// The host asked: the registry's API host or its mirror.
    authority: String,
    /// The repository path, `library/` added on Docker Hub.
    repo: String,
    credential: Credential,
    scope: String,
}

impl Target {
    /// HTTPS first; `http.rs` falls back to plain HTTP where that is allowed.
    fn at(&self, path: &str) -> Url {
        Url::new(Scheme::Https, &self.authority, path)
    }
}

/// What a manifest GET is for: the digest known so far, the media type HEAD gave, and whether
/// the platforms are wanted.
struct Wanted {
    digest: Option<String>,
    media_type: String,
    platforms: bool,
}

/// Why a platform lookup stopped.
enum Fetch {
    Answer(Answer),
    Garbled(String),
}

impl From<String> for Fetch {
    fn from(why: String) -> Fetch {
        Fetch::Garbled(why)
    }
}

fn refused(why: &str) -> Answer {
    Answer::Refused {
        why: why.to_string(),
    }
}

fn garbled(url: &Url, what: &str) -> Answer {
    Answer::Unreachable {
        error: format!("{} sent {what}", url.authority),
    }
}

/// The answer for a status other than 200 (and 404 of a HEAD, handled apart).
fn status_answer(authed: &Authed, credential: &Credential) -> Answer {
    let resp = &authed.resp;
    let host = &resp.url.authority;
    let detail = manifest::error_detail(&resp.body);
    match resp.status {
        404 => Answer::NotFound {
            detail: detail.unwrap_or_else(|| format!("HTTP 404 from {host}")),
        },
        401 | 403 => {
            let challenge_error =
                auth::parse_challenge(resp.headers("www-authenticate")).and_then(|c| match c {
                    Challenge::Bearer { error, .. } => error,
                    Challenge::Basic => None,
                });
            let mut text = format!(
                "{host} answered HTTP {} to the {} request",
                resp.status,
                credential.kind()
            );
            if authed.exchanged {
                text.push_str(" after a token exchange");
            }
            if let Some(e) = detail.or(challenge_error) {
                text.push_str(&format!(" ({e})"));
            }
            Answer::Unauthorized {
                status: resp.status,
                detail: text,
            }
        }
        429 => Answer::RateLimited { retry_after: None },
        s => Answer::Unreachable {
            error: match detail {
                Some(d) => format!("{host} answered HTTP {s} ({d})"),
                None => format!("{host} answered HTTP {s}"),
            },
        },
    }
}

fn media_type_of(resp: &Resp) -> String {
    resp.header("content-type")
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The target of `Link: <…>; rel="next"`.
fn next_link(resp: &Resp) -> Option<String> {
    resp.headers("link")
        .flat_map(|v| v.split(','))
        .find_map(|part| {
            let (target, params) = part.split_once(';')?;
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            params
                .split(';')
                .any(|p| {
                    let p = p.trim().replace(' ', "");
                    p == "rel=\"next\"" || p == "rel=next"
                })
                .then(|| target.to_string())
        })
}

/// A tag as the reference grammar allows it: `[\w][\w.-]{0,127}`.
fn valid_tag(tag: &str) -> bool {
    let mut bytes = tag.bytes();
    tag.len() <= 128
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn valid_digest(digest: &str) -> bool {
    digest.len() <= 200 && digest.parse::<oci_spec::image::Digest>().is_ok()
}

/// Lower-case path components of `[a-z0-9]` joined by `.`, `_`, `-`: what goes into a URL path,
/// so nothing else (no `..`, `?`, `%`) may.
fn valid_repository(repo: &str) -> bool {
    !repo.is_empty()
        && repo.len() <= 255
        && repo.split('/').all(|c| {
            let bytes = c.as_bytes();
            bytes.first().is_some_and(|b| b.is_ascii_alphanumeric())
                && bytes.last().is_some_and(|b| b.is_ascii_alphanumeric())
                && bytes.iter().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
                })
        })
}

/// The system store (rustls-native-certs: the platform's store, or `$SSL_CERT_FILE` /
/// `$SSL_CERT_DIR` when set) and the extra CA files. An unreadable extra file is an error: the
/// user asked for it.
fn trust(ca_files: &[PathBuf]) -> Result<Vec<ureq::tls::Certificate<'static>>, String> {
    let native = rustls_native_certs::load_native_certs();
    let mut roots: Vec<ureq::tls::Certificate<'static>> = native
        .certs
        .iter()
        .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    for path in ca_files {
        let text = read_capped(path, 4 * 1024 * 1024)
            .map_err(|e| format!("CA file {}: {e}", path.display()))?;
        let before = roots.len();
        for item in ureq::tls::parse_pem(&text) {
            if let Ok(ureq::tls::PemItem::Certificate(c)) = item {
                roots.push(c);
            }
        }
        if roots.len() == before {
            return Err(format!(
                "CA file {}: no PEM certificate in it",
                path.display()
            ));
        }
    }
    Ok(roots)
}

pub(crate) fn read_capped(path: &std::path::Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    std::fs::File::open(path)?
        .take(cap + 1)
        .read_to_end(&mut out)?;
    if out.len() as u64 > cap {
        return Err(std::io::Error::other(format!(
            "larger than {} KiB",
            cap / 1024
        )));
    }
    Ok(out)
}
