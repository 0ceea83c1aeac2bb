//! One guarded HTTP exchange, and the rules every request of the client obeys: the addresses it
//! may reach (resolved and filtered before connecting), when plain HTTP is allowed, the budget
//! (deadline, counts), the per-request timeout, size caps, redirects followed by hand (the
//! `Authorization` header never crosses to another host), and one polite retry after a 429.

use super::url::{Scheme, Url};
use super::{Answer, Options};
use std::collections::{HashMap, HashSet};
use std::io;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Redirect hops followed for one request.
pub(crate) const MAX_REDIRECTS: usize = 5;
/// The longest `Retry-After` waited for, and the wait when a 429 names none.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);
const DEFAULT_RETRY_WAIT: Duration = Duration::from_secs(1);
/// Error bodies (401, 404, redirects) are read only this far: they are JSON of a few lines.
const ERROR_BODY_CAP: u64 = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Head,
    Get,
}

/// What to send, apart from the URL and the credential.
pub(crate) struct Req<'a> {
    pub method: Method,
    pub accept: &'a str,
    /// Largest body read from a 2xx answer; anything larger is an error, read no further.
    pub cap: u64,
    /// A form body: turns the request into a POST (the OAuth2 refresh-token exchange).
    pub form: Option<&'a [(&'a str, &'a str)]>,
}

pub(crate) struct Resp {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Where the answer came from, after redirects.
    pub url: Url,
}

impl Resp {
    /// The first header of that name (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Addresses never connected to: link-local (where cloud metadata services answer) and AWS's
/// IPv6 metadata address. A manifest under review names the hosts, so this is checked on the
/// resolved address, not the name.
pub(crate) fn forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4.is_link_local();
            }
            // NAT64's well-known prefix (RFC 6052) reaches IPv4 addresses through a gateway.
            let [a, b, c, d, e, f, g, h] = v6.segments();
            if [a, b, c, d, e, f] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let v4 = std::net::Ipv4Addr::from((u32::from(g) << 16) | u32::from(h));
                return v4.is_link_local();
            }
            (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)
        }
    }
}

pub(crate) fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The error a refusing resolver returns, recognised again when ureq hands it back.
#[derive(Debug)]
struct ForbiddenAddress(String);

impl std::fmt::Display for ForbiddenAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves to a link-local or metadata address", self.0)
    }
}

impl std::error::Error for ForbiddenAddress {}

/// ureq's resolver, then a filter: the connector only ever sees addresses that passed it, so
/// no connection is opened to a forbidden one, whatever the name or a redirect said. Refuses
/// the whole answer when any address is forbidden: a name that also points at the metadata
/// service is not a registry to talk to.
#[derive(Debug, Default)]
struct GuardResolver {
    inner: DefaultResolver,
}

impl Resolver for GuardResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if addrs.iter().any(|a| forbidden_ip(a.ip())) {
            let host = uri.host().unwrap_or("the host").to_string();
            return Err(ureq::Error::Io(io::Error::new(
                io::ErrorKind::PermissionDenied,
                ForbiddenAddress(host),
            )));
        }
        Ok(addrs)
    }
}

/// The proxy of `settings`, for HTTPS only; the target is resolved by the proxy (a runner behind
/// one often cannot resolve outside names itself), after `Http::proxied_name_allowed`.
pub(crate) fn proxy(settings: &super::ProxySettings) -> Result<ureq::Proxy, String> {
    // The URL may hold a password: errors name the variable, never the value.
    let bad = || "the proxy (HTTPS_PROXY) is not a proxy URL such as http://host:port".to_string();
    let parsed = ureq::Proxy::new(&settings.url).map_err(|_| bad())?;
    let mut builder = ureq::Proxy::builder(parsed.protocol())
        .host(parsed.host())
        .port(parsed.port())
        .resolve_target(false);
    if let Some(user) = parsed.username() {
        builder = builder.username(user);
    }
    if let Some(password) = parsed.password() {
        builder = builder.password(password);
    }
    for host in &settings.no_proxy {
        builder = builder.no_proxy(host);
    }
    builder.build().map_err(|_| bad())
}

/// How long a proxied name is given to resolve locally before it is left to the proxy.
const PROXIED_RESOLVE_WAIT: Duration = Duration::from_secs(2);

/// The HTTP side of a client: the agent and the budget, shared by every thread.
pub(crate) struct Http {
    agent: ureq::Agent,
    /// The HTTPS proxy the agent uses, to tell which hosts go through it.
    proxy: Option<ureq::Proxy>,
    /// Proxied names checked locally: `true` when they may be asked.
    proxied_names: Mutex<HashMap<String, bool>>,
    pub opts: Options,
    started: OnceLock<Instant>,
    sent: AtomicUsize,
    per_host: Mutex<HashMap<String, usize>>,
    /// Hosts allowed plain HTTP that answered it after HTTPS failed: asked over HTTP from then on.
    plain: Mutex<HashSet<String>>,
}

/// An exchange that produced no HTTP answer: never sent, or no answer. `plain_may_help`: the
/// HTTPS attempt failed in a way a server speaking plain HTTP would cause (not a certificate
/// problem, not silence), so a host allowed plain HTTP may be asked again over it.
struct Fail {
    answer: Answer,
    plain_may_help: bool,
}

impl From<Answer> for Fail {
    fn from(answer: Answer) -> Fail {
        Fail {
            answer,
            plain_may_help: false,
        }
    }
}

impl Http {
    pub fn new(
        opts: Options,
        roots: Vec<ureq::tls::Certificate<'static>>,
        proxy: Option<ureq::Proxy>,
    ) -> Http {
        // ring's provider: rustls 0.23.48 deprecates it for lacking post-quantum key exchange,
        // which only aws-lc-rs offers, at the cost of a CMake/C build and more compile time
        // (docs/design.md, "Registry client"). A registry lookup reveals a digest, not a secret
        // worth harvesting now to decrypt later.
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
            .unversioned_rustls_crypto_provider(Arc::new(provider))
            .build();
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Redirects are followed in `follow`, which drops the credential on a host change.
            .max_redirects(0)
            .max_redirects_will_error(false)
            // Never the environment's proxy implicitly: only the one in the options (HTTPS only),
            // with the target's addresses checked in `admit` since the resolver does not see it.
            .proxy(proxy.clone())
            .user_agent(concat!("pullcheck/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            .max_response_header_size(64 * 1024)
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            DefaultConnector::default(),
            GuardResolver::default(),
        );
        Http {
            agent,
            proxy,
            proxied_names: Mutex::new(HashMap::new()),
            opts,
            started: OnceLock::new(),
            sent: AtomicUsize::new(0),
            per_host: Mutex::new(HashMap::new()),
            plain: Mutex::new(HashSet::new()),
        }
    }

    pub fn requests_sent(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }

    /// Plain HTTP is for loopback and the hosts the user listed as insecure.
    pub fn plain_allowed(&self, url: &Url) -> bool {
        is_loopback_host(url.host())
            || self.opts.insecure.iter().any(|h| {
                h.eq_ignore_ascii_case(&url.authority) || h.eq_ignore_ascii_case(url.host())
            })
    }

    /// Whether `url` goes through the proxy: HTTPS to a host not in `NO_PROXY`.
    fn through_proxy(&self, url: &Url) -> bool {
        let Some(proxy) = &self.proxy else {
            return false;
        };
        url.scheme == Scheme::Https
            && url
                .to_string()
                .parse::<ureq::http::Uri>()
                .is_ok_and(|uri| !proxy.is_no_proxy(&uri))
    }

    /// A proxied host is resolved by the proxy, out of the resolver's sight: resolve it here
    /// first and refuse it when any address it has is forbidden, as a direct connection would.
    /// A name that does not resolve here (runners behind a proxy often cannot) is left to the
    /// proxy, whose own link-local addresses are not this machine's.
    fn proxied_name_allowed(&self, url: &Url) -> bool {
        if url.ip().is_some() {
            return true; // checked in `admit` already
        }
        let host = url.host().to_string();
        if let Some(&known) = self
            .proxied_names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&host)
        {
            return known;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let name = host.clone();
        // getaddrinfo has no timeout of its own: a thread, waited for a bounded time.
        std::thread::spawn(move || {
            use std::net::ToSocketAddrs;
            let forbidden = (name.as_str(), 443)
                .to_socket_addrs()
                .map(|mut addrs| addrs.any(|a| forbidden_ip(a.ip())))
                .unwrap_or(false);
            let _ = tx.send(forbidden);
        });
        let allowed = !rx.recv_timeout(PROXIED_RESOLVE_WAIT).unwrap_or(false);
        self.proxied_names
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(host, allowed);
        allowed
    }

    /// What is left of the whole check's time; the clock starts at the first request.
    fn remaining(&self) -> Duration {
        let started = *self.started.get_or_init(Instant::now);
        self.opts.deadline.saturating_sub(started.elapsed())
    }

    /// Everything decided before a byte is sent; counts the request when it may go.
    fn admit(&self, url: &Url) -> Result<Duration, Answer> {
        if url.scheme == Scheme::Http && !self.plain_allowed(url) {
            return Err(Answer::Refused {
                why: format!(
                    "plain HTTP to {}, which is neither loopback nor listed as insecure",
                    url.authority
                ),
            });
        }
        if let Some(ip) = url.ip()
            && forbidden_ip(ip)
        {
            return Err(refused_address(url.host()));
        }
        if self.through_proxy(url) && !self.proxied_name_allowed(url) {
            return Err(refused_address(url.host()));
        }
        let remaining = self.remaining();
        if remaining.is_zero() {
            return Err(Answer::Refused {
                why: format!(
                    "the check's deadline ({} s) is spent",
                    self.opts.deadline.as_secs_f32()
                ),
            });
        }
        {
            let mut hosts = self.per_host.lock().unwrap_or_else(|e| e.into_inner());
            let count = hosts.entry(url.authority.clone()).or_insert(0);
            if *count >= self.opts.max_requests_per_host {
                return Err(Answer::Refused {
                    why: format!(
                        "the budget of {} requests to {} is spent",
                        self.opts.max_requests_per_host, url.authority
                    ),
                });
            }
            let admitted = self
                .sent
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                    (n < self.opts.max_requests).then_some(n + 1)
                });
            if admitted.is_err() {
                return Err(Answer::Refused {
                    why: format!("the budget of {} requests is spent", self.opts.max_requests),
                });
            }
            *count += 1;
        }
        Ok(remaining.min(self.opts.request_timeout))
    }

    /// One request, no redirect followed. `auth` is a whole `Authorization` value.
    fn send_once(&self, url: &Url, req: &Req, auth: Option<&str>) -> Result<Resp, Fail> {
        let timeout = self.admit(url).map_err(Fail::from)?;
        let target = url.to_string();
        // Plain HTTP never goes through the proxy: it would see the credential.
        let direct = url.scheme == Scheme::Http;
        let mut headers: Vec<(&str, &str)> = vec![("accept", req.accept)];
        if let Some(a) = auth {
            headers.push(("authorization", a));
        }
        let result = match (req.method, req.form) {
            (_, Some(form)) => {
                let mut b = self.agent.post(&target);
                for (k, v) in &headers {
                    b = b.header(*k, *v);
                }
                let config = b.config().timeout_global(Some(timeout));
                let config = if direct { config.proxy(None) } else { config };
                config.build().send_form(form.iter().copied())
            }
            (Method::Head, None) => {
                let mut b = self.agent.head(&target);
                for (k, v) in &headers {
                    b = b.header(*k, *v);
                }
                let config = b.config().timeout_global(Some(timeout));
                let config = if direct { config.proxy(None) } else { config };
                config.build().call()
            }
            (Method::Get, None) => {
                let mut b = self.agent.get(&target);
                for (k, v) in &headers {
                    b = b.header(*k, *v);
                }
                let config = b.config().timeout_global(Some(timeout));
                let config = if direct { config.proxy(None) } else { config };
                config.build().call()
            }
        };
        let mut response = result.map_err(|e| {
            let mut fail = describe(&e, url, timeout);
            // Which hop failed matters: the proxy, not the registry, may be what is down.
            if let (Some(proxy), Answer::Unreachable { error }) = (&self.proxy, &mut fail.answer)
                && !direct
                && self.through_proxy(url)
            {
                error.push_str(&format!(
                    " (through the HTTPS proxy {}:{})",
                    proxy.host(),
                    proxy.port()
                ));
            }
            fail
        })?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let body = if req.method == Method::Head && req.form.is_none() {
            Vec::new()
        } else {
            let cap = if (200..300).contains(&status) {
                req.cap
            } else {
                ERROR_BODY_CAP.min(req.cap)
            };
            let body = response.body_mut();
            if let Some(len) = body.content_length()
                && len > cap
                && (200..300).contains(&status)
            {
                return Err(too_large(url, cap).into());
            }
            match body.with_config().limit(cap).read_to_vec() {
                Ok(b) => b,
                // An error page larger than the cap is not worth reading further.
                Err(ureq::Error::BodyExceedsLimit(_)) if !(200..300).contains(&status) => {
                    Vec::new()
                }
                Err(ureq::Error::BodyExceedsLimit(_)) => return Err(too_large(url, cap).into()),
                Err(e) => return Err(describe(&e, url, timeout)),
            }
        };
        Ok(Resp {
            status,
            headers,
            body,
            url: url.clone(),
        })
    }

    /// `send_once`, over HTTPS first; a host allowed plain HTTP whose HTTPS attempt fails for a
    /// reason other than a certificate or a timeout is asked again over HTTP, and remembered
    /// (Docker does the same for insecure registries).
    fn send(&self, url: &Url, req: &Req, auth: Option<&str>) -> Result<Resp, Fail> {
        if url.scheme == Scheme::Http || !self.plain_allowed(url) {
            return self.send_once(url, req, auth);
        }
        let known_plain = self
            .plain
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&url.authority);
        if known_plain {
            return self.send_once(&url.with_scheme(Scheme::Http), req, auth);
        }
        match self.send_once(url, req, auth) {
            Err(Fail {
                answer: Answer::Unreachable { error },
                plain_may_help: true,
            }) => {
                let plain = url.with_scheme(Scheme::Http);
                match self.send_once(&plain, req, auth) {
                    Ok(resp) => {
                        self.plain
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(url.authority.clone());
                        Ok(resp)
                    }
                    Err(Fail {
                        answer: Answer::Unreachable { error: second },
                        ..
                    }) => Err(Answer::Unreachable {
                        error: format!("over HTTPS, {error}; over plain HTTP, {second}"),
                    }
                    .into()),
                    Err(other) => Err(other),
                }
            }
            other => other,
        }
    }

    /// `send`, following redirects by hand, at most [`MAX_REDIRECTS`] hops. The credential
    /// goes only to the first host: blob and manifest redirects commonly point at object storage,
    /// which must not receive it.
    pub fn follow(&self, url: &Url, req: &Req, auth: Option<&str>) -> Result<Resp, Answer> {
        let mut url = url.clone();
        let mut auth = auth;
        for _ in 0..=MAX_REDIRECTS {
            let resp = self.send(&url, req, auth).map_err(|f| f.answer)?;
            if !matches!(resp.status, 301 | 302 | 303 | 307 | 308) || req.form.is_some() {
                return Ok(resp);
            }
            let Some(next) = resp.header("location").and_then(|l| resp.url.join(l)) else {
                return Err(Answer::Unreachable {
                    error: format!(
                        "{} answered HTTP {} without a usable Location",
                        url.authority, resp.status
                    ),
                });
            };
            if next.authority != url.authority {
                auth = None;
            }
            url = next;
        }
        Err(Answer::Unreachable {
            error: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    /// `follow`; on a 429, one retry after `Retry-After` when that is short (≤ 5 s) and within
    /// the deadline, else `RateLimited`.
    pub fn polite(&self, url: &Url, req: &Req, auth: Option<&str>) -> Result<Resp, Answer> {
        let resp = self.follow(url, req, auth)?;
        if resp.status != 429 {
            return Ok(resp);
        }
        let retry_after = retry_after_of(&resp);
        let wait = retry_after.unwrap_or(DEFAULT_RETRY_WAIT);
        if wait > MAX_RETRY_WAIT || wait >= self.remaining() {
            return Err(Answer::RateLimited { retry_after });
        }
        std::thread::sleep(wait);
        let again = self.follow(url, req, auth)?;
        if again.status == 429 {
            return Err(Answer::RateLimited {
                retry_after: retry_after_of(&again),
            });
        }
        Ok(again)
    }
}

/// A host that speaks TLS with a certificate we do not trust: never asked again in plain HTTP.
fn untrusted(host: &str, why: &rustls::CertificateError) -> Fail {
    Fail {
        answer: Answer::Unreachable {
            error: format!("{host}: TLS certificate not trusted ({why:?})"),
        },
        plain_may_help: false,
    }
}

fn refused_address(host: &str) -> Answer {
    Answer::Refused {
        why: format!("{host} is a link-local or cloud metadata address"),
    }
}

fn too_large(url: &Url, cap: u64) -> Answer {
    Answer::Unreachable {
        error: format!(
            "{} sent an answer larger than {} KiB; not read",
            url.authority,
            cap / 1024
        ),
    }
}

/// One human line for a failed exchange. Never holds a header: no credential can reach it.
fn describe(e: &ureq::Error, url: &Url, timeout: Duration) -> Fail {
    let host = &url.authority;
    let silent = format!("{host}: no answer within {:.1} s", timeout.as_secs_f32());
    let (error, plain_may_help) = match e {
        ureq::Error::Io(io) => {
            if let Some(f) = io
                .get_ref()
                .and_then(|i| i.downcast_ref::<ForbiddenAddress>())
            {
                return Answer::Refused { why: f.to_string() }.into();
            }
            // rustls reports a failed handshake through the socket's io::Error.
            if let Some(rustls::Error::InvalidCertificate(c)) =
                io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
            {
                return untrusted(host, c);
            }
            match io.kind() {
                io::ErrorKind::ConnectionRefused => (format!("{host}: connection refused"), false),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => (silent, false),
                _ => (format!("{host}: {io}"), true),
            }
        }
        ureq::Error::Timeout(_) => (silent, false),
        ureq::Error::HostNotFound => (format!("{host}: host not found (DNS)"), false),
        ureq::Error::ConnectionFailed => (format!("{host}: connection failed"), false),
        ureq::Error::Rustls(rustls::Error::InvalidCertificate(c)) => return untrusted(host, c),
        ureq::Error::Rustls(r) => (format!("{host}: TLS: {r}"), true),
        ureq::Error::Tls(t) => (format!("{host}: TLS: {t}"), true),
        // Its text would quote the URL, which may be a signed storage URL from a redirect.
        ureq::Error::BadUri(_) => (format!("{host}: a URL the client cannot use"), false),
        ureq::Error::LargeResponseHeader(_, _) => (
            format!("{host}: response headers larger than 64 KiB"),
            false,
        ),
        other => (format!("{host}: {other}"), true),
    };
    Fail {
        answer: Answer::Unreachable { error },
        plain_may_help,
    }
}

/// A response's `Retry-After`: seconds, or an HTTP date measured against the response's own
/// `Date` header (the registry's clock, not ours; without `Date` the date is "unknown").
fn retry_after_of(resp: &Resp) -> Option<Duration> {
    parse_retry_after(resp.header("retry-after")?, resp.header("date"))
}

fn parse_retry_after(value: &str, date: Option<&str>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let until = http_date_secs(value)?;
    let now = http_date_secs(date?)?;
    Some(Duration::from_secs(until.saturating_sub(now)))
}

/// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7,
/// the form every current server sends); any other form is `None`.
fn http_date_secs(text: &str) -> Option<u64> {
    let (_weekday, rest) = text.trim().split_once(", ")?;
    let mut parts = rest.split(' ');
    let day: u64 = parts.next()?.parse().ok()?;
    let month = parts.next()?;
    let year: u64 = parts.next()?.parse().ok()?;
    let time = parts.next()?;
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let mut hms = time.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() || !(1..=31).contains(&day) || year < 1970 || h > 23 || m > 59 || s > 60
    {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm, years from March).
    let (y, mo) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let yoe = y % 400;
    let doy = (153 * mo + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_and_link_local_addresses_are_forbidden() {
        for ip in [
            "169.254.169.254",
            "169.254.0.1",
            "fe80::1",
            "febf::1",
            "fd00:ec2::254",
            "::ffff:169.254.169.254",
            "64:ff9b::169.254.169.254",
        ] {
            assert!(forbidden_ip(ip.parse().expect("ip")), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "::1",
            "fd00:ec2::253",
            "fec0::1",
            "8.8.8.8",
        ] {
            assert!(!forbidden_ip(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[test]
    fn the_resolver_filters_before_any_connection() {
        // The resolver alone, no connector: nothing can be sent whatever it answers.
        let config = ureq::Agent::config_builder().build();
        let resolve = |url: &str| {
            let uri: ureq::http::Uri = url.parse().expect("uri");
            GuardResolver::default().resolve(&uri, &config, NextTimeout::default())
        };
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "https://[fe80::1]:5000/v2/",
            "http://[fd00:ec2::254]/",
        ] {
            match resolve(url) {
                Err(ureq::Error::Io(e)) => assert!(
                    e.get_ref()
                        .is_some_and(|i| i.downcast_ref::<ForbiddenAddress>().is_some()),
                    "{url}: {e}"
                ),
                other => panic!("{url}: {other:?}"),
            }
        }
        assert!(resolve("http://127.0.0.1:5000/v2/").is_ok());
    }

    #[test]
    fn retry_after_seconds_or_a_date_on_the_registrys_clock() {
        assert_eq!(parse_retry_after(" 3 ", None), Some(Duration::from_secs(3)));
        // A date needs the response's own `Date` to be measured against.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", None),
            None
        );
        assert_eq!(
            parse_retry_after(
                "Wed, 21 Oct 2015 07:28:04 GMT",
                Some("Wed, 21 Oct 2015 07:28:00 GMT")
            ),
            Some(Duration::from_secs(4))
        );
        // Across a month end, and a date already past.
        assert_eq!(
            parse_retry_after(
                "Sun, 01 Mar 2026 00:00:02 GMT",
                Some("Sat, 28 Feb 2026 23:59:59 GMT")
            ),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after(
                "Wed, 21 Oct 2015 07:27:00 GMT",
                Some("Wed, 21 Oct 2015 07:28:00 GMT")
            ),
            Some(Duration::ZERO)
        );
        for bad in [
            "Wed, 32 Oct 2015 07:28:00 GMT",
            "Wed, 21 Foo 2015 07:28:00 GMT",
            "Wednesday, 21-Oct-15 07:28:00 GMT",
            "Wed, 21 Oct 2015 07:28 GMT",
            "soon",
            "",
        ] {
            assert_eq!(
                parse_retry_after(bad, Some("Wed, 21 Oct 2015 07:28:00 GMT")),
                None,
                "{bad}"
            );
        }
        assert_eq!(http_date_secs("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            http_date_secs("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
    }
}
