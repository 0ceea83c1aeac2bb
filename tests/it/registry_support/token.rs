//! The tests' own token endpoint for distribution's `auth: token:` (tests/registry/README.md).

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{TOKEN_ISSUER, TOKEN_SERVICE, openssl};

/// The test's own token endpoint (distribution only verifies tokens): `GET /token?service=…&
/// scope=…` with Basic credentials, answering RS256 JWTs signed by `openssl dgst` with a key
/// whose self-signed certificate is the registry's `rootcertbundle` (the JWT carries it in
/// `x5c`). Runs on a thread, on 127.0.0.1; counts and records every request.
pub struct TokenServer {
    port: u16,
    cert: PathBuf,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<TokenRequest>>>,
    thread: Option<JoinHandle<()>>,
}

/// One request to the token endpoint, as it understood it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    /// The Basic user sent, if any (whether or not the password was right).
    pub user: Option<String>,
    pub scopes: Vec<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// The access granted, `repository:NAME:ACTIONS` each.
    pub granted: Vec<String>,
}

struct TokenPolicy {
    user: String,
    pass: String,
    anonymous_pull: bool,
    /// Holds `signing.key`.
    dir: PathBuf,
    x5c: String,
    openssl: PathBuf,
}

impl TokenServer {
    pub(super) fn start(
        openssl_bin: &Path,
        dir: &Path,
        user: &str,
        pass: &str,
        anonymous_pull: bool,
    ) -> Self {
        fs::create_dir_all(dir).expect("mkdir token");
        openssl(
            openssl_bin,
            dir,
            "req -x509 -newkey rsa:2048 -nodes -keyout signing.key -out signing.crt -days 2 \
             -subj /CN=pullcheck-test-token-signer",
            None,
        );
        let der = openssl(openssl_bin, dir, "x509 -in signing.crt -outform DER", None);
        let policy = TokenPolicy {
            user: user.into(),
            pass: pass.into(),
            anonymous_pull,
            dir: dir.into(),
            x5c: base64(&der, STANDARD, true),
            openssl: openssl_bin.into(),
        };
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind token endpoint");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let log = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, requests, log) = (stop.clone(), requests.clone(), log.clone());
            std::thread::spawn(move || {
                // Ends when the registry is dropped (`stop`).
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            if let Some(entry) = serve_token(stream, &policy) {
                                requests.fetch_add(1, Ordering::SeqCst);
                                log.lock().expect("token log").push(entry);
                            }
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(5));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        TokenServer {
            port,
            cert: dir.join("signing.crt"),
            stop,
            requests,
            log,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/token`, the `realm` of the registry's challenges.
    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }
    /// The self-signed certificate of the signing key (the registry's `rootcertbundle`).
    pub fn cert_file(&self) -> &Path {
        &self.cert
    }
    /// Requests answered so far (any status).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
    /// Every request answered so far, in order.
    pub fn history(&self) -> Vec<TokenRequest> {
        self.log.lock().expect("token log").clone()
    }

    pub(super) fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Answers one request; `None` when it was not a readable HTTP request.
fn serve_token(mut stream: TcpStream, policy: &TokenPolicy) -> Option<TokenRequest> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // The head only (a GET has no body), at most 64 KiB.
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n");
    let target = lines.next()?.split_whitespace().nth(1)?.to_owned();
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.trim().to_owned());
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut service = String::new();
    let mut scopes = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v);
        match k {
            "service" => service = v,
            // A scope parameter may hold several scopes separated by spaces.
            "scope" => scopes.extend(v.split(' ').filter(|s| !s.is_empty()).map(String::from)),
            _ => {}
        }
    }
    let credentials = authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Basic "))
        .and_then(|b| base64_decode(b.trim()))
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| s.split_once(':').map(|(u, p)| (u.to_owned(), p.to_owned())));
    let user = credentials.as_ref().map(|(u, _)| u.clone());
    let mut entry = TokenRequest {
        user: user.clone(),
        scopes: scopes.clone(),
        status: 200,
        granted: Vec::new(),
    };
    let respond = |stream: &mut TcpStream, status: u16, body: &str| {
        let reason = match status {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            _ => "Not Found",
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: \
             {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.flush();
    };
    if path != "/token" {
        entry.status = 404;
        respond(&mut stream, 404, r#"{"details":"not found"}"#);
        return Some(entry);
    }
    if service != TOKEN_SERVICE {
        entry.status = 400;
        respond(&mut stream, 400, r#"{"details":"unknown service"}"#);
        return Some(entry);
    }
    let authenticated = match &credentials {
        None => false,
        Some((u, p)) if *u == policy.user && *p == policy.pass => true,
        Some(_) => {
            entry.status = 401;
            respond(
                &mut stream,
                401,
                r#"{"details":"incorrect username or password"}"#,
            );
            return Some(entry);
        }
    };
    let mut access = Vec::new();
    for scope in &scopes {
        // repository:NAME:ACTIONS (NAME has no ':' in a repository scope).
        let mut parts = scope.splitn(3, ':');
        let (Some(kind), Some(name), Some(actions)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if kind != "repository" {
            continue;
        }
        let granted: Vec<&str> = actions
            .split(',')
            .filter(|a| {
                if authenticated {
                    matches!(*a, "pull" | "push" | "delete" | "*")
                } else {
                    policy.anonymous_pull && *a == "pull"
                }
            })
            .collect();
        if !granted.is_empty() {
            entry
                .granted
                .push(format!("repository:{name}:{}", granted.join(",")));
            access.push(serde_json::json!({"type": kind, "name": name, "actions": granted}));
        }
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    static JTI: AtomicUsize = AtomicUsize::new(0);
    let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [policy.x5c]});
    let claims = serde_json::json!({
        "iss": TOKEN_ISSUER,
        "sub": if authenticated { user.clone().unwrap_or_default() } else { String::new() },
        "aud": TOKEN_SERVICE,
        "exp": now + 300,
        "nbf": now.saturating_sub(10),
        "iat": now,
        "jti": format!("pullcheck-{}", JTI.fetch_add(1, Ordering::Relaxed)),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        base64(header.to_string().as_bytes(), URL_SAFE, false),
        base64(claims.to_string().as_bytes(), URL_SAFE, false)
    );
    let signature = openssl(
        &policy.openssl,
        &policy.dir,
        "dgst -sha256 -sign signing.key",
        Some(signing_input.as_bytes()),
    );
    let token = format!("{signing_input}.{}", base64(&signature, URL_SAFE, false));
    let body = serde_json::json!({
        "token": token,
        "access_token": token,
        "expires_in": 300,
        "issued_at": "1970-01-01T00:00:00Z",
    })
    .to_string();
    respond(&mut stream, 200, &body);
    Some(entry)
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn base64(data: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, c) in chars.iter().enumerate() {
            if i <= chunk.len() {
                out.push(alphabet[*c as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = STANDARD.iter().position(|a| *a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push((hi * 16 + lo) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
