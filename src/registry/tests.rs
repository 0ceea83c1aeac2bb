//! The client against loopback stand-ins: tiny scripted HTTP servers on 127.0.0.x, started by
//! each test and stopped when it ends. Nothing here leaves the machine; the tests of refusals
//! check that nothing was sent at all.

use super::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;

/// A request as the stand-in saw it; header names lower case.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

enum Reply {
    /// Status, headers, body (not sent for HEAD; Content-Length is the body's unless given).
    Http(u16, Vec<(String, String)>, Vec<u8>),
    /// Headers that promise `declared` bytes, a few of them, then silence until the test ends.
    Promise(u64),
    /// Accept, read, answer nothing until the test ends.
    Hang,
}

type Script = Box<dyn Fn(&Seen, usize) -> Reply + Send + Sync>;

struct Server {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(ip: &str, script: Script) -> Server {
        let listener = TcpListener::bind((ip, 0)).expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            // Bounded: a test that forgets to stop its server does not keep it for long.
            let until = Instant::now() + Duration::from_secs(60);
            while !stop2.load(Ordering::Relaxed) && Instant::now() < until {
                match listener.accept() {
                    Ok((stream, _)) => serve(stream, &script, &seen2, &stop2),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server {
            addr,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    fn host(&self) -> String {
        self.addr.to_string()
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut stream: TcpStream, script: &Script, seen: &Mutex<Vec<Seen>>, stop: &AtomicBool) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut first = [0u8; 1];
    // A TLS ClientHello (the client tries HTTPS first on loopback): not a plain HTTP server's
    // business; closing makes the client fall back to plain HTTP.
    if stream.peek(&mut first).map_or(true, |n| n == 0) || first[0] == 0x16 {
        return;
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("").to_string();
    let path = request_line.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
        .min(64 * 1024);
    let start = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(buf.len(), |p| p + 4);
    let mut body = buf.get(start..).unwrap_or_default().to_vec();
    while body.len() < length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let req = Seen {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
    };
    let index = {
        let mut seen = seen.lock().expect("seen");
        seen.push(req.clone());
        seen.len() - 1
    };
    match script(&req, index) {
        Reply::Http(status, headers, body) => {
            let mut head = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
            if !headers.iter().any(|(n, _)| n == "content-length") {
                head.push_str(&format!("Content-Length: {}\r\n", body.len()));
            }
            for (n, v) in &headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            if req.method != "HEAD" {
                let _ = stream.write_all(&body);
            }
        }
        Reply::Promise(declared) => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\n\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&[b'{'; 1024]);
            wait_for(stop);
        }
        Reply::Hang => wait_for(stop),
    }
}

/// Until the test ends, at most 10 s.
fn wait_for(stop: &AtomicBool) {
    let until = Instant::now() + Duration::from_secs(10);
    while !stop.load(Ordering::Relaxed) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn reply(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    Reply::Http(
        status,
        headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
            .collect(),
        body.to_vec(),
    )
}

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn found() -> Reply {
    reply(
        200,
        &[
            ("Docker-Content-Digest", DIGEST),
            ("Content-Type", manifest::OCI_INDEX),
        ],
        b"",
    )
}

fn client() -> Client {
    client_with(Options::default())
}

fn client_with(opts: Options) -> Client {
    Client::new(opts).expect("client")
}

fn query(server: &Server, credential: Credential) -> Query {
    Query {
        registry: server.host(),
        repository: "team/app".to_string(),
        reference: Reference::Tag("1.0".to_string()),
        credential,
        want_platforms: false,
    }
}

fn basic(u: &str, p: &str) -> Credential {
    Credential::Basic {
        username: u.to_string(),
        password: p.to_string(),
    }
}

fn basic_value(u: &str, p: &str) -> String {
    auth::basic_header(u, p)
}

#[test]
fn head_with_all_accept_types_finds_the_digest() {
    let server = Server::start("127.0.0.1", Box::new(|_, _| found()));
    let c = client();
    let answer = c.check(&query(&server, Credential::Anonymous));
    assert_eq!(
        answer,
        Answer::Found {
            digest: DIGEST.to_string(),
            media_type: manifest::OCI_INDEX.to_string(),
            platforms: None
        }
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "HEAD");
    assert_eq!(seen[0].path, "/v2/team/app/manifests/1.0");
    let accept = seen[0].header("accept").unwrap_or("");
    for t in [
        manifest::OCI_INDEX,
        manifest::OCI_MANIFEST,
        manifest::DOCKER_LIST,
        manifest::DOCKER_MANIFEST,
    ] {
        assert!(accept.contains(t), "Accept lacks {t}: {accept}");
    }
    assert_eq!(seen[0].header("authorization"), None);
    // The HTTPS attempt, then plain HTTP; the second check goes straight to plain HTTP.
    assert_eq!(c.requests_sent(), 2);
    c.check(&query(&server, Credential::Anonymous));
    assert_eq!(c.requests_sent(), 3);
}

#[test]
fn a_404_says_which_code_the_registry_gave() {
    let server = Server::start(
        "127.0.0.1",
        Box::new(|seen, _| {
            reply(
                404,
                &[("Content-Type", "application/json")],
                if seen.method == "GET" {
                    br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#
                } else {
                    b""
                },
            )
        }),
    );
    let answer = client().check(&query(&server, Credential::Anonymous));
    assert_eq!(
        answer,
        Answer::NotFound {
            detail: "MANIFEST_UNKNOWN: manifest unknown".to_string()
        }
    );
    let methods: Vec<String> = server.seen().into_iter().map(|s| s.method).collect();
    assert_eq!(methods, ["HEAD", "GET"]);
}

#[test]
fn bearer_token_is_exchanged_once_and_reused() {
    let tokens = Server::start(
        "127.0.0.1",
        Box::new(|seen, _| {
            let ok = seen.path.contains("service=svc")
                && seen.path.contains("scope=repository%3Ateam%2Fapp%3Apull")
                && seen.header("authorization") == Some(basic_value("u", "p").as_str());
            if ok {
                reply(200, &[], br#"{"token":"tok1","expires_in":300}"#)
            } else {
                reply(401, &[], b"")
            }
        }),
    );
    let realm = format!(
        r#"Bearer realm="http://{}/token",service="svc",scope="repository:team/app:pull""#,
        tokens.host()
    );
    let registry = Server::start(
        "127.0.0.1",
        Box::new(move |seen, _| {
            if seen.header("authorization") == Some("Bearer tok1") {
                found()
            } else {
                reply(401, &[("WWW-Authenticate", realm.as_str())], b"")
            }
        }),
    );
    let c = client();
    for _ in 0..3 {
        assert!(matches!(
            c.check(&query(&registry, basic("u", "p"))),
            Answer::Found { .. }
        ));
    }
    assert_eq!(
        tokens.seen().len(),
        1,
        "one token exchange for three checks"
    );
    let seen = registry.seen();
    assert_eq!(seen.len(), 4, "401, then three with the token: {seen:?}");
    assert!(
        seen.iter()
            .all(|s| !s.header("authorization").unwrap_or("").starts_with("Basic")),
        "the password goes to the token realm only"
    );
    // Another credential does not get the first one's token.
    let other = c.check(&query(&registry, basic("v", "q")));
    assert!(
        matches!(&other, Answer::Unauthorized { status: 401, detail } if detail.contains("token server")),
        "{other:?}"
    );
}

#[test]
fn basic_auth_is_sent_after_a_basic_challenge() {
    let good = basic_value("u", "p");
    let registry = Server::start(
        "127.0.0.1",
        Box::new(move |seen, _| {
            if seen.header("authorization") == Some(good.as_str()) {
                found()
            } else {
                reply(
                    401,
                    &[("WWW-Authenticate", r#"Basic realm="Registry Realm""#)],
                    b"",
                )
            }
        }),
    );
    let c = client();
    assert!(matches!(
        c.check(&query(&registry, basic("u", "p"))),
        Answer::Found { .. }
    ));
    assert!(matches!(
        c.check(&query(&registry, basic("u", "p"))),
        Answer::Found { .. }
    ));
    // 401 then 200, then Basic straight away.
    assert_eq!(registry.seen().len(), 3);
    let anonymous = c.check(&query(&registry, Credential::Anonymous));
    assert!(
        matches!(&anonymous, Answer::Unauthorized { status: 401, detail } if detail.contains("anonymous")),
        "{anonymous:?}"
    );
    let wrong = c.check(&query(&registry, basic("u", "wrong")));
    assert!(
        matches!(wrong, Answer::Unauthorized { status: 401, .. }),
        "{wrong:?}"
    );
}

#[test]
fn a_429_is_retried_once_after_retry_after() {
    let server = Server::start(
        "127.0.0.1",
        Box::new(|_, i| {
            if i == 0 {
                reply(429, &[("Retry-After", "1")], b"")
            } else {
                found()
            }
        }),
    );
    let started = Instant::now();
    assert!(matches!(
        client().check(&query(&server, Credential::Anonymous)),
        Answer::Found { .. }
    ));
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(server.seen().len(), 2);

    let always = Server::start(
        "127.0.0.1",
        Box::new(|_, _| reply(429, &[("Retry-After", "1")], b"")),
    );
    assert_eq!(
        client().check(&query(&always, Credential::Anonymous)),
        Answer::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        }
    );
    assert_eq!(always.seen().len(), 2, "one retry, no more");

    // A long Retry-After is not waited for.
    let long = Server::start(
        "127.0.0.1",
        Box::new(|_, _| reply(429, &[("Retry-After", "3600")], b"")),
    );
    let started = Instant::now();
    assert_eq!(
        client().check(&query(&long, Credential::Anonymous)),
        Answer::RateLimited {
            retry_after: Some(Duration::from_secs(3600))
        }
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(long.seen().len(), 1);

    // An HTTP date is measured against the response's own `Date`: two hours on the registry's
    // clock is not waited for, whatever ours says.
    let dated = Server::start(
        "127.0.0.1",
        Box::new(|_, _| {
            reply(
                429,
                &[
                    ("Retry-After", "Wed, 21 Oct 2015 09:28:00 GMT"),
                    ("Date", "Wed, 21 Oct 2015 07:28:00 GMT"),
                ],
                b"",
            )
        }),
    );
    assert_eq!(
        client().check(&query(&dated, Credential::Anonymous)),
        Answer::RateLimited {
            retry_after: Some(Duration::from_secs(7200))
        }
    );
    assert_eq!(dated.seen().len(), 1);
}

#[test]
fn a_registry_that_never_answers_is_unreachable_within_the_timeout() {
    let server = Server::start("127.0.0.1", Box::new(|_, _| Reply::Hang));
    let c = client_with(Options {
        request_timeout: Duration::from_millis(400),
        ..Options::default()
    });
    let started = Instant::now();
    let answer = c.check(&query(&server, Credential::Anonymous));
    assert!(
        matches!(&answer, Answer::Unreachable { error } if error.contains("no answer within 0.4 s")),
        "{answer:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_deadline_bounds_the_whole_check() {
    let server = Server::start("127.0.0.1", Box::new(|_, _| Reply::Hang));
    let c = client_with(Options {
        request_timeout: Duration::from_secs(10),
        deadline: Duration::from_millis(500),
        ..Options::default()
    });
    let started = Instant::now();
    assert!(matches!(
        c.check(&query(&server, Credential::Anonymous)),
        Answer::Unreachable { .. }
    ));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(matches!(
        c.check(&query(&server, Credential::Anonymous)),
        Answer::Refused { why } if why.contains("deadline")
    ));
}

#[test]
fn an_oversized_manifest_is_refused_without_reading_it() {
    let server = Server::start(
        "127.0.0.1",
        Box::new(|seen, _| {
            if seen.method == "HEAD" {
                found()
            } else {
                Reply::Promise(512 * 1024 * 1024)
            }
        }),
    );
    let started = Instant::now();
    let answer = client().check(&Query {
        want_platforms: true,
        ..query(&server, Credential::Anonymous)
    });
    assert!(
        matches!(&answer, Answer::Unreachable { error } if error.contains("larger than 4096 KiB")),
        "{answer:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn an_endless_body_is_cut_at_the_cap() {
    let server = Server::start(
        "127.0.0.1",
        Box::new(|seen, _| {
            if seen.method == "HEAD" {
                found()
            } else {
                // No Content-Length: the body runs until the connection closes.
                Reply::Http(
                    200,
                    vec![("content-length".into(), String::new())]
                        .into_iter()
                        .filter(|_| false)
                        .collect(),
                    vec![b' '; 5 * 1024 * 1024],
                )
            }
        }),
    );
    let answer = client().check(&Query {
        want_platforms: true,
        ..query(&server, Credential::Anonymous)
    });
    assert!(
        matches!(&answer, Answer::Unreachable { error } if error.contains("larger than")),
        "{answer:?}"
    );
}

#[test]
fn a_redirect_to_another_host_loses_the_credential() {
    let storage = Server::start("127.0.0.2", Box::new(|_, _| found()));
    let location = format!("http://{}/v2/team/app/manifests/1.0", storage.host());
    let good = basic_value("u", "s3cret");
    let registry = Server::start(
        "127.0.0.1",
        Box::new(move |seen, _| {
            if seen.header("authorization") == Some(good.as_str()) {
                reply(307, &[("Location", location.as_str())], b"")
            } else {
                reply(401, &[("WWW-Authenticate", "Basic realm=x")], b"")
            }
        }),
    );
    let answer = client().check(&query(&registry, basic("u", "s3cret")));
    assert!(matches!(answer, Answer::Found { .. }), "{answer:?}");
    let at_storage = storage.seen();
    assert_eq!(at_storage.len(), 1);
    assert_eq!(at_storage[0].header("authorization"), None);
    assert!(at_storage[0].header("accept").is_some());
    assert_eq!(
        registry.seen()[1].header("authorization"),
        Some(basic_value("u", "s3cret").as_str())
    );
}

#[test]
fn redirects_are_bounded() {
    let server = Server::start(
        "127.0.0.1",
        Box::new(|seen, _| reply(302, &[("Location", &format!("{}x", seen.path))], b"")),
    );
    let answer = client().check(&query(&server, Credential::Anonymous));
    assert!(
        matches!(&answer, Answer::Unreachable { error } if error.contains("more than 5 redirects")),
        "{answer:?}"
    );
    assert_eq!(server.seen().len(), 6);
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_connecting() {
    // A token realm and a redirect over plain HTTP to a host neither loopback nor insecure.
    let registry = Server::start(
        "127.0.0.1",
        Box::new(|seen, _| {
            if seen.path.ends_with("/redirect") {
                reply(307, &[("Location", "http://192.0.2.1/v2/x")], b"")
            } else {
                reply(
                    401,
                    &[(
                        "WWW-Authenticate",
                        r#"Bearer realm="http://192.0.2.1/token",service="s""#,
                    )],
                    b"",
                )
            }
        }),
    );
    let c = client();
    let answer = c.check(&query(&registry, basic("u", "p")));
    assert!(
        matches!(&answer, Answer::Refused { why } if why.contains("plain HTTP to 192.0.2.1")),
        "{answer:?}"
    );
    let sent = c.requests_sent();
    let answer = c.check(&Query {
        reference: Reference::Tag("redirect".into()),
        ..query(&registry, Credential::Anonymous)
    });
    assert!(matches!(answer, Answer::Refused { .. }), "{answer:?}");
    // Only the loopback registry was asked: nothing was counted for 192.0.2.1.
    assert_eq!(c.requests_sent(), sent + 1);
    assert_eq!(registry.seen().len(), 2);
}

#[test]
fn metadata_and_link_local_targets_are_refused_without_a_request() {
    let c = client();
    for registry in [
        "169.254.169.254",
        "169.254.169.254:80",
        "[fe80::1]:5000",
        "[fd00:ec2::254]",
    ] {
        let answer = c.check(&Query {
            registry: registry.to_string(),
            repository: "app".into(),
            reference: Reference::Tag("1".into()),
            credential: basic("u", "p"),
            want_platforms: false,
        });
        assert!(
            matches!(&answer, Answer::Refused { why } if why.contains("link-local or cloud metadata")),
            "{registry}: {answer:?}"
        );
        assert!(matches!(
            c.tags(registry, "app", &Credential::Anonymous, 10),
            Err(Answer::Refused { .. })
        ));
    }
    assert_eq!(c.requests_sent(), 0);
}

#[test]
fn a_redirect_to_the_metadata_service_is_refused() {
    let registry = Server::start(
        "127.0.0.1",
        Box::new(|_, _| {
            reply(
                302,
                &[("Location", "http://169.254.169.254/latest/meta-data/")],
                b"",
            )
        }),
    );
    let c = client_with(Options {
        insecure: vec!["169.254.169.254".into()],
        ..Options::default()
    });
    let answer = c.check(&query(&registry, Credential::Anonymous));
    assert!(matches!(answer, Answer::Refused { .. }), "{answer:?}");
}

#[test]
fn platforms_come_from_the_index() {
    let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[
      {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":1,"platform":{"os":"linux","architecture":"arm","variant":"v7"}},
      {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":1,"platform":{"os":"linux","architecture":"amd64"}}]}"#;
    let digest = manifest::sha256(index);
    let d2 = digest.clone();
    let server = Server::start(
        "127.0.0.1",
        Box::new(move |_, _| {
            reply(
                200,
                &[
                    ("Docker-Content-Digest", d2.as_str()),
                    ("Content-Type", manifest::DOCKER_LIST),
                ],
                index,
            )
        }),
    );
    let answer = client().check(&Query {
        want_platforms: true,
        ..query(&server, Credential::Anonymous)
    });
    assert_eq!(
        answer,
        Answer::Found {
            digest,
            media_type: manifest::DOCKER_LIST.to_string(),
            platforms: Some(vec![
                Platform::parse("linux/arm/v7").expect("p"),
                Platform::parse("linux/amd64").expect("p"),
            ]),
        }
    );
    let methods: Vec<String> = server.seen().into_iter().map(|s| s.method).collect();
    assert_eq!(methods, ["HEAD", "GET"]);
}

#[test]
fn a_single_manifest_names_its_platform_in_its_config() {
    let config = br#"{"architecture":"arm64","variant":"v8","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let config_digest = manifest::sha256(config);
    let manifest_body = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{}}},"layers":[]}}"#,
        config.len()
    );
    let blob_path = format!("/v2/team/app/blobs/{config_digest}");
    // No Docker-Content-Digest on HEAD: the digest is the GET body's hash.
    let body = manifest_body.clone();
    let server = Server::start(
        "127.0.0.1",
        Box::new(move |seen, _| {
            if seen.path == blob_path {
                reply(200, &[], config)
            } else {
                reply(
                    200,
                    &[("Content-Type", manifest::OCI_MANIFEST)],
                    body.as_bytes(),
                )
            }
        }),
    );
    let answer = client().check(&Query {
        want_platforms: true,
        ..query(&server, Credential::Anonymous)
    });
    assert_eq!(
        answer,
        Answer::Found {
            digest: manifest::sha256(manifest_body.as_bytes()),
            media_type: manifest::OCI_MANIFEST.to_string(),
            platforms: Some(vec![Platform::parse("linux/arm64/v8").expect("p")]),
        }
    );
}

#[test]
fn an_artifact_that_is_not_an_image_offers_no_platform() {
    let chart = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":1},"layers":[]}"#;
    let server = Server::start(
        "127.0.0.1",
        Box::new(move |_, _| reply(200, &[("Content-Type", manifest::OCI_MANIFEST)], chart)),
    );
    let answer = client().check(&Query {
        want_platforms: true,
        ..query(&server, Credential::Anonymous)
    });
    assert!(
        matches!(&answer, Answer::Found { platforms: Some(p), .. } if p.is_empty()),
        "{answer:?}"
    );
    // HEAD and the manifest's GET; no config blob asked for.
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn a_manifest_that_is_not_its_digest_is_garbled() {
    let server = Server::start(
        "127.0.0.1",
        Box::new(|_, _| {
            reply(
                200,
                &[
                    ("Docker-Content-Digest", DIGEST),
                    ("Content-Type", manifest::OCI_INDEX),
                ],
                br#"{"schemaVersion":2,"manifests":[]}"#,
            )
        }),
    );
    let answer = client().check(&Query {
        want_platforms: true,
        ..query(&server, Credential::Anonymous)
    });
    assert!(
        matches!(&answer, Answer::Unreachable { error } if error.contains("hash is not its digest")),
        "{answer:?}"
    );
}

#[test]
fn tags_follow_link_pages_up_to_the_limit() {
    let server = Server::start(
        "127.0.0.1",
        Box::new(|seen, _| {
            if seen.path.contains("last=b") {
                reply(200, &[], br#"{"name":"team/app","tags":["c","d"]}"#)
            } else {
                reply(
                    200,
                    &[("Link", r#"</v2/team/app/tags/list?n=2&last=b>; rel="next""#)],
                    br#"{"name":"team/app","tags":["a","b"]}"#,
                )
            }
        }),
    );
    let c = client();
    let host = server.host();
    assert_eq!(
        c.tags(&host, "team/app", &Credential::Anonymous, 3),
        Ok(vec!["a".to_string(), "b".into(), "c".into()])
    );
    assert_eq!(
        c.tags(&host, "team/app", &Credential::Anonymous, 10),
        Ok(vec!["a".to_string(), "b".into(), "c".into(), "d".into()])
    );
    assert_eq!(
        c.tags(&host, "team/app", &Credential::Anonymous, 0),
        Ok(vec![])
    );
    assert!(server.seen()[0].path.ends_with("/tags/list?n=3"));
}

#[test]
fn the_request_budget_is_kept() {
    let server = Server::start("127.0.0.1", Box::new(|_, _| found()));
    let c = client_with(Options {
        max_requests: 3,
        ..Options::default()
    });
    // HTTPS attempt + HTTP, then one more: three in all.
    assert!(matches!(
        c.check(&query(&server, Credential::Anonymous)),
        Answer::Found { .. }
    ));
    assert!(matches!(
        c.check(&query(&server, Credential::Anonymous)),
        Answer::Found { .. }
    ));
    assert!(matches!(
        c.check(&query(&server, Credential::Anonymous)),
        Answer::Refused { why } if why.contains("budget of 3 requests")
    ));
    assert_eq!(c.requests_sent(), 3);
}

#[test]
fn docker_hub_names_and_mirrors() {
    let c = client_with(Options {
        mirrors: vec![("quay.io".into(), "127.0.0.1:5000".into())],
        ..Options::default()
    });
    let secret = basic("u", "p");
    let t = c.target("docker.io", "nginx", &secret).expect("hub");
    assert_eq!(t.authority, "registry-1.docker.io");
    assert_eq!(t.repo, "library/nginx");
    assert_eq!(t.scope, "repository:library/nginx:pull");
    assert_eq!(t.credential, secret);
    let t = c
        .target("index.docker.io", "team/app", &secret)
        .expect("hub");
    assert_eq!(
        (t.authority.as_str(), t.repo.as_str()),
        ("registry-1.docker.io", "team/app")
    );
    let t = c.target("quay.io", "team/app", &secret).expect("mirror");
    assert_eq!(t.authority, "127.0.0.1:5000");
    assert_eq!(t.repo, "team/app");
    assert_eq!(
        t.credential,
        Credential::Anonymous,
        "a mirror is not given the registry's credential"
    );
    for (registry, repo) in [
        ("ghcr.io", "../x"),
        ("ghcr.io", "a?b"),
        ("ghcr.io", "A/b"),
        ("ghcr.io", ""),
        ("user@ghcr.io", "a"),
        ("ghcr.io/x", "a"),
    ] {
        assert!(
            matches!(
                c.target(registry, repo, &secret),
                Err(Answer::Refused { .. })
            ),
            "{registry} {repo}"
        );
    }
    assert!(matches!(
        c.check(&Query {
            registry: "ghcr.io".into(),
            repository: "a".into(),
            reference: Reference::Tag("bad/tag".into()),
            credential: Credential::Anonymous,
            want_platforms: false,
        }),
        Answer::Refused { .. }
    ));
    assert_eq!(c.requests_sent(), 0);
}

#[test]
fn credential_debug_hides_secrets() {
    let shown = format!(
        "{:?} {:?} {:?}",
        basic("u", "hunter2"),
        Credential::IdentityToken("tok-123".into()),
        Query {
            registry: "r".into(),
            repository: "a".into(),
            reference: Reference::Tag("1".into()),
            credential: basic("u", "hunter2"),
            want_platforms: false,
        }
    );
    assert!(
        shown.contains(r#"Basic { username: "u", password: <hidden> }"#),
        "{shown}"
    );
    assert!(
        !shown.contains("hunter2") && !shown.contains("tok-123"),
        "{shown}"
    );
}

#[test]
fn no_answer_carries_the_credential() {
    // Every failure path of the tests above, with a recognisable password: none prints it.
    let registry = Server::start(
        "127.0.0.1",
        Box::new(|_, _| {
            reply(
                401,
                &[(
                    "WWW-Authenticate",
                    r#"Bearer realm="http://127.0.0.1:1/token""#,
                )],
                b"",
            )
        }),
    );
    let answer = client().check(&query(&registry, basic("u", "pw-XYZZY")));
    assert!(!format!("{answer:?}").contains("XYZZY"), "{answer:?}");
    assert!(matches!(answer, Answer::Unreachable { .. }), "{answer:?}");
}

#[test]
fn an_identity_token_is_exchanged_with_the_refresh_token_grant() {
    let tokens = Server::start(
        "127.0.0.1",
        Box::new(|seen, _| {
            let ok = seen.method == "POST"
                && seen.header("authorization").is_none()
                && seen.body.contains("grant_type=refresh_token")
                && seen.body.contains("refresh_token=refresh-123")
                && seen.body.contains("service=svc");
            if ok {
                reply(200, &[], br#"{"access_token":"tok2"}"#)
            } else {
                reply(400, &[], b"")
            }
        }),
    );
    let realm = format!(
        r#"Bearer realm="http://{}/oauth2/token",service="svc""#,
        tokens.host()
    );
    let registry = Server::start(
        "127.0.0.1",
        Box::new(move |seen, _| {
            if seen.header("authorization") == Some("Bearer tok2") {
                found()
            } else {
                reply(401, &[("WWW-Authenticate", realm.as_str())], b"")
            }
        }),
    );
    let answer = client().check(&query(
        &registry,
        Credential::IdentityToken("refresh-123".into()),
    ));
    assert!(matches!(answer, Answer::Found { .. }), "{answer:?}");
    assert_eq!(tokens.seen().len(), 1);
}

#[test]
fn a_registry_that_refuses_head_is_asked_with_get() {
    let body = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
    let server = Server::start(
        "127.0.0.1",
        Box::new(move |seen, _| {
            if seen.method == "HEAD" {
                reply(405, &[], b"")
            } else {
                reply(200, &[("Content-Type", manifest::OCI_INDEX)], body)
            }
        }),
    );
    assert_eq!(
        client().check(&query(&server, Credential::Anonymous)),
        Answer::Found {
            digest: manifest::sha256(body),
            media_type: manifest::OCI_INDEX.to_string(),
            platforms: None,
        }
    );
}

#[test]
fn one_client_serves_several_threads() {
    fn shared<T: Send + Sync>(_: &T) {}
    let server = Server::start("127.0.0.1", Box::new(|_, _| found()));
    let c = client();
    shared(&c);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                assert!(matches!(
                    c.check(&query(&server, Credential::Anonymous)),
                    Answer::Found { .. }
                ));
            });
        }
    });
    assert_eq!(server.seen().len(), 4);
}

#[test]
fn a_digest_reference_is_its_own_digest_when_head_names_none() {
    let server = Server::start(
        "127.0.0.1",
        Box::new(|_, _| reply(200, &[("Content-Type", manifest::OCI_INDEX)], b"")),
    );
    let answer = client().check(&Query {
        reference: Reference::Digest(DIGEST.to_string()),
        ..query(&server, Credential::Anonymous)
    });
    assert_eq!(
        answer,
        Answer::Found {
            digest: DIGEST.to_string(),
            media_type: manifest::OCI_INDEX.to_string(),
            platforms: None,
        }
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "HEAD only: {seen:?}");
    assert_eq!(seen[0].path, format!("/v2/team/app/manifests/{DIGEST}"));
}

/// A throwaway CA and a certificate for 127.0.0.1 signed by it, made with the `openssl` CLI
/// (none is committed: a key in the tree would set off secret scanners).
struct TestPki {
    dir: std::path::PathBuf,
}

impl TestPki {
    fn make() -> Option<TestPki> {
        let dir = std::env::temp_dir().join(format!(
            "pullcheck-registry-pki-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).ok()?;
        std::fs::write(
            dir.join("leaf.ext"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .ok()?;
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let steps: [Vec<&str>; 3] = [
            [
                &["req", "-x509"][..],
                &ec,
                &[
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.pem",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=pullcheck test CA",
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign",
                ],
            ]
            .concat(),
            [
                &["req"][..],
                &ec,
                &[
                    "-keyout",
                    "leaf.key",
                    "-out",
                    "leaf.csr",
                    "-subj",
                    "/CN=127.0.0.1",
                ],
            ]
            .concat(),
            vec![
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "leaf.pem",
                "-days",
                "2",
                "-extfile",
                "leaf.ext",
            ],
        ];
        for args in steps {
            let ok = std::process::Command::new("openssl")
                .args(&args)
                .current_dir(&dir)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                let _ = std::fs::remove_dir_all(&dir);
                return None;
            }
        }
        Some(TestPki { dir })
    }

    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(self.dir.join("leaf.pem"))
                .expect("leaf.pem")
                .collect::<Result<_, _>>()
                .expect("certs");
        let key = PrivateKeyDer::from_pem_file(self.dir.join("leaf.key")).expect("leaf.key");
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server cert");
        Arc::new(config)
    }
}

impl Drop for TestPki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback HTTPS stand-in answering every request with `found()`'s headers; counts the
/// requests that made it through the handshake.
fn tls_server(config: Arc<rustls::ServerConfig>) -> TlsServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr");
    let paths = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (paths2, stop2) = (paths.clone(), stop.clone());
    let thread = std::thread::spawn(move || {
        let until = Instant::now() + Duration::from_secs(30);
        while !stop2.load(Ordering::Relaxed) && Instant::now() < until {
            let Ok((tcp, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let _ = tcp.set_nonblocking(false);
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
            let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
                match tls.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            if buf.is_empty() {
                continue;
            }
            let line = String::from_utf8_lossy(&buf)
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            paths2.lock().expect("paths").push(line);
            let head = format!(
                "HTTP/1.1 200 OK\r\nDocker-Content-Digest: {DIGEST}\r\nContent-Type: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                manifest::OCI_INDEX
            );
            let _ = tls.write_all(head.as_bytes());
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    TlsServer {
        addr,
        seen: paths,
        stop,
        thread: Some(thread),
    }
}

struct TlsServer {
    addr: SocketAddr,
    /// Request lines of the requests that got through the handshake.
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn https_is_trusted_through_an_extra_ca_and_never_downgraded() {
    let Some(pki) = TestPki::make() else {
        eprintln!("skipped: the openssl command is needed to make a test CA");
        return;
    };
    let server = tls_server(pki.server_config());
    let q = Query {
        registry: server.addr.to_string(),
        repository: "team/app".into(),
        reference: Reference::Tag("1.0".into()),
        credential: Credential::Anonymous,
        want_platforms: false,
    };
    let trusting = client_with(Options {
        ca_files: vec![pki.dir.join("ca.pem")],
        ..Options::default()
    });
    assert!(matches!(trusting.check(&q), Answer::Found { .. }));
    assert_eq!(trusting.requests_sent(), 1, "HTTPS, no plain attempt");
    // Without the CA: a certificate error, and no retry over plain HTTP even on loopback.
    let untrusting = client();
    let answer = untrusting.check(&q);
    assert!(
        matches!(&answer, Answer::Unreachable { error } if error.contains("certificate not trusted")),
        "{answer:?}"
    );
    assert_eq!(untrusting.requests_sent(), 1);
    assert_eq!(server.seen.lock().expect("seen").len(), 1);
    // A CA file that is not one is an error of the options, before anything is sent.
    assert!(
        Client::new(Options {
            ca_files: vec![pki.dir.join("leaf.ext")],
            ..Options::default()
        })
        .is_err()
    );
}
