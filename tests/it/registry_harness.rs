//! Proves the real-registry harness (`registry_support`) with real clients only — skopeo and
//! curl, no pullcheck code: what the `--online` tests will run against is what it says it is.
//! Each configuration: every image kind pushed, then read back by tag and by digest with the
//! same digests; refusals where there must be refusals; the token endpoint's count exact.

use crate::registry_support::{
    ALL_MANIFEST_TYPES, Auth, CurlAuth, DOCKER_LIST, DOCKER_MANIFEST, MULTI_PLATFORMS, OCI_INDEX,
    OCI_MANIFEST, PushKind, Pushed, Registry, listening_addresses, sha256_digest,
};

const USER: &str = "alice";
const PASS: &str = "s3cret-pass";

/// The three kinds of image, pushed with the registry's credentials.
struct Images {
    single: Pushed,
    index: Pushed,
    list: Pushed,
}

fn push_all(registry: &Registry) -> Images {
    Images {
        single: registry.push_single("team/app", "1.0"),
        index: registry.push_index("team/multi", "1.0", &MULTI_PLATFORMS),
        list: registry.push_docker_list("team/list", "1.0", &MULTI_PLATFORMS),
    }
}

/// skopeo reads back, by tag and by digest, bytes whose sha256 is the digest the harness
/// returned; the media types and platforms are the ones built.
fn assert_read_back(registry: &Registry, images: &Images) {
    let creds = registry.auth().credentials();
    let openssl = &registry.tools().openssl;
    for pushed in [&images.single, &images.index, &images.list] {
        for reference in [pushed.reference.clone(), pushed.by_digest()] {
            let raw = registry
                .inspect_raw(&reference, creds)
                .unwrap_or_else(|e| panic!("skopeo inspect --raw {reference}: {e}"));
            assert_eq!(
                sha256_digest(openssl, &raw),
                pushed.digest,
                "{reference}: skopeo reads other bytes than the harness pushed"
            );
        }
        for child in &pushed.children {
            let reference = format!("{}/{}@{}", registry.host(), pushed.repo, child.digest);
            let raw = registry
                .inspect_raw(&reference, creds)
                .unwrap_or_else(|e| panic!("skopeo inspect --raw {reference}: {e}"));
            assert_eq!(sha256_digest(openssl, &raw), child.digest, "{reference}");
            let json: serde_json::Value = serde_json::from_slice(&raw).expect("JSON");
            assert_eq!(json["mediaType"], child.media_type.as_str(), "{reference}");
        }
    }
    assert_eq!(images.single.media_type, OCI_MANIFEST);
    assert!(images.single.children.is_empty());
    assert_eq!(images.index.media_type, OCI_INDEX);
    assert_eq!(images.list.media_type, DOCKER_LIST);
    for (pushed, child_type) in [
        (&images.index, OCI_MANIFEST),
        (&images.list, DOCKER_MANIFEST),
    ] {
        let platforms: Vec<&str> = pushed
            .children
            .iter()
            .map(|c| c.platform.as_str())
            .collect();
        assert_eq!(platforms, MULTI_PLATFORMS, "{}", pushed.reference);
        assert!(
            pushed.children.iter().all(|c| c.media_type == child_type),
            "{pushed:?}"
        );
    }
    // Every image has its own digests: a test can tell them apart.
    let mut all: Vec<&str> = [&images.single, &images.index, &images.list]
        .iter()
        .flat_map(|p| {
            std::iter::once(p.digest.as_str()).chain(p.children.iter().map(|c| c.digest.as_str()))
        })
        .collect();
    let count = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), count, "digests repeat across images");
}

/// curl's HEAD with the four types answers each image's digest; without the OCI index type the
/// index is not found, and without the Docker list type the list answers its amd64 child (the
/// registry behaviour ../shared/reference/registries.md records, which `--online` relies on).
fn assert_head_digests(registry: &Registry, images: &Images) {
    let creds = registry.auth().credentials();
    let head = |pushed: &Pushed, accept: &[&str]| {
        registry
            .curl_head_manifest(&pushed.repo, &pushed.tag, accept, creds)
            .map(|r| r.unwrap_or_else(|e| panic!("curl HEAD {}: {e}", pushed.reference)))
    };
    for pushed in [&images.single, &images.index, &images.list] {
        let Some(response) = head(pushed, &ALL_MANIFEST_TYPES) else {
            eprintln!("skipping the curl checks: PULLCHECK_CURL is not set");
            return;
        };
        assert_eq!(response.status, 200, "{}: {response:?}", pushed.reference);
        assert_eq!(
            response.header("docker-content-digest"),
            Some(pushed.digest.as_str()),
            "{}",
            pushed.reference
        );
        assert_eq!(
            response.header("content-type"),
            Some(pushed.media_type.as_str())
        );
    }
    let without_index: Vec<&str> = ALL_MANIFEST_TYPES
        .iter()
        .copied()
        .filter(|t| *t != OCI_INDEX)
        .collect();
    let response = head(&images.index, &without_index).expect("curl");
    assert_eq!(response.status, 404, "{response:?}");
    let without_list: Vec<&str> = ALL_MANIFEST_TYPES
        .iter()
        .copied()
        .filter(|t| *t != DOCKER_LIST)
        .collect();
    let response = head(&images.list, &without_list).expect("curl");
    assert_eq!(response.status, 200, "{response:?}");
    let amd64 = &images.list.children[0];
    assert_eq!(amd64.platform, "linux/amd64");
    assert_eq!(
        response.header("docker-content-digest"),
        Some(amd64.digest.as_str())
    );
}

fn assert_refused(result: Result<Vec<u8>, String>, what: &str) {
    match result {
        Ok(raw) => panic!("{what} was served: {}", String::from_utf8_lossy(&raw)),
        Err(e) => assert!(
            e.contains("unauthorized")
                || e.contains("401")
                || e.contains("authentication required"),
            "{what}: refused, but not for authentication: {e}"
        ),
    }
}

#[test]
fn registry_anonymous_round_trip() {
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let images = push_all(&registry);
    assert_read_back(&registry, &images);
    assert_head_digests(&registry, &images);
    // A tag that was never pushed is not found.
    let missing = registry.inspect_raw(&format!("{}/team/app:9.9", registry.host()), None);
    let err = missing.expect_err("a tag never pushed");
    assert!(err.contains("manifest unknown"), "{err}");
    if let Some(response) =
        registry.curl_head_manifest("team/app", "9.9", &ALL_MANIFEST_TYPES, None)
    {
        assert_eq!(response.expect("curl").status, 404);
    }
}

#[test]
fn registry_basic_auth_round_trip_and_refusals() {
    let Some(registry) = Registry::start(Auth::basic(USER, PASS), false) else {
        return;
    };
    let images = push_all(&registry);
    assert_read_back(&registry, &images);
    assert_head_digests(&registry, &images);
    let reference = &images.single.reference;
    assert_refused(registry.inspect_raw(reference, None), "anonymous pull");
    assert_refused(
        registry.inspect_raw(reference, Some((USER, "wrong"))),
        "pull with a wrong password",
    );
    assert_refused(
        registry.inspect_raw(reference, Some(("mallory", PASS))),
        "pull as another user",
    );
    let push = registry.try_push(PushKind::Single, "team/app", "anon", &[], None);
    assert!(push.is_err(), "an anonymous push was accepted");
    if let Some(response) =
        registry.curl_head_manifest("team/app", "1.0", &ALL_MANIFEST_TYPES, None)
    {
        let response = response.expect("curl");
        assert_eq!(response.status, 401);
        assert_eq!(
            response.header("www-authenticate"),
            Some("Basic realm=\"pullcheck-test\"")
        );
    }
}

#[test]
fn registry_token_auth_round_trip_refusals_and_count() {
    let Some(registry) = Registry::start(Auth::token(USER, PASS), false) else {
        return;
    };
    let images = push_all(&registry);
    eprintln!(
        "token requests for the three pushes: {}",
        registry.token_requests()
    );
    assert_read_back(&registry, &images);
    let token = registry.token_server().expect("token endpoint");
    let history = token.history();
    assert!(
        history
            .iter()
            .all(|r| r.user.as_deref() == Some(USER) && r.status == 200),
        "{history:?}"
    );
    assert!(
        history
            .iter()
            .any(|r| r.granted == ["repository:team/app:pull,push"]),
        "the push asked for pull and push on team/app: {history:?}"
    );

    // Exact count: one fresh skopeo process, one token request, for this user and scope.
    let before = registry.token_requests();
    registry
        .inspect_raw(&images.single.reference, Some((USER, PASS)))
        .expect("pull with the right password");
    assert_eq!(registry.token_requests(), before + 1);
    let last = token.history().pop().expect("a request");
    assert_eq!(last.user.as_deref(), Some(USER));
    assert_eq!(last.scopes, ["repository:team/app:pull"]);
    assert_eq!(last.granted, ["repository:team/app:pull"]);

    // A token is reusable: one token, several requests, one count (what a client's reuse shows).
    if let Some(token_value) = registry.curl_token("repository:team/app:pull", Some((USER, PASS))) {
        let token_value = token_value.expect("token");
        let before = registry.token_requests();
        for tag in ["1.0", "1.0", "9.9"] {
            let url = format!("{}/v2/team/app/manifests/{tag}", registry.url());
            let response = registry
                .curl(
                    true,
                    &url,
                    &ALL_MANIFEST_TYPES,
                    CurlAuth::Bearer(&token_value),
                    false,
                )
                .expect("curl")
                .expect("HEAD");
            assert_eq!(response.status, if tag == "9.9" { 404 } else { 200 });
        }
        assert_eq!(
            registry.token_requests(),
            before,
            "a reused token asks for no other"
        );
        assert_head_digests(&registry, &images);
        // Without a token: the challenge names the realm, the service and the scope.
        let url = format!("{}/v2/team/app/manifests/1.0", registry.url());
        let response = registry
            .curl(true, &url, &ALL_MANIFEST_TYPES, CurlAuth::None, false)
            .expect("curl")
            .expect("HEAD");
        assert_eq!(response.status, 401);
        let challenge = response.header("www-authenticate").expect("a challenge");
        let realm = token.realm();
        assert_eq!(
            challenge,
            format!(
                "Bearer realm=\"{realm}\",service=\"pullcheck-test-registry\",\
                 scope=\"repository:team/app:pull\""
            )
        );
        // An anonymous token carries no access: the registry still refuses it.
        let anonymous = registry
            .curl_token("repository:team/app:pull", None)
            .expect("curl")
            .expect("an anonymous token");
        let response = registry
            .curl(
                true,
                &url,
                &ALL_MANIFEST_TYPES,
                CurlAuth::Bearer(&anonymous),
                false,
            )
            .expect("curl")
            .expect("HEAD");
        assert_eq!(response.status, 401);
    }

    // Refusals: no credentials (a token without access), a wrong password (the endpoint's 401).
    let reference = &images.single.reference;
    assert_refused(registry.inspect_raw(reference, None), "anonymous pull");
    let anonymous = token.history().pop().expect("a request");
    assert_eq!((anonymous.user, anonymous.status), (None, 200));
    assert!(anonymous.granted.is_empty(), "{:?}", anonymous.granted);
    assert_refused(
        registry.inspect_raw(reference, Some((USER, "wrong"))),
        "pull with a wrong password",
    );
    let wrong = token.history().pop().expect("a request");
    assert_eq!((wrong.user.as_deref(), wrong.status), (Some(USER), 401));
}

#[test]
fn registry_token_auth_with_public_pull() {
    let Some(registry) = Registry::start(Auth::token_public_pull(USER, PASS), false) else {
        return;
    };
    let pushed = registry.push_index("library/web", "2.0", &MULTI_PLATFORMS);
    let raw = registry
        .inspect_raw(&pushed.reference, None)
        .expect("an anonymous pull of a public registry");
    assert_eq!(
        sha256_digest(&registry.tools().openssl, &raw),
        pushed.digest
    );
    let last = registry.token_server().expect("token").history().pop();
    let last = last.expect("a request");
    assert_eq!(last.user, None);
    assert_eq!(last.granted, ["repository:library/web:pull"]);
    // Pull only: an anonymous push is refused.
    let push = registry.try_push(PushKind::Single, "library/web", "anon", &[], None);
    assert!(push.is_err(), "an anonymous push was accepted");
}

#[test]
fn registry_tls_with_a_private_ca() {
    let Some(registry) = Registry::start(Auth::basic(USER, PASS), true) else {
        return;
    };
    assert!(registry.url().starts_with("https://127.0.0.1:"));
    let ca = registry.ca_file().expect("a CA with TLS");
    let pem = std::fs::read_to_string(&ca).expect("read the CA");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let images = push_all(&registry);
    assert_read_back(&registry, &images);
    assert_head_digests(&registry, &images);
    // Without the CA, certificate verification fails: skopeo…
    let mut cmd = registry.skopeo();
    cmd.args(["inspect", "--raw", "--tls-verify=true"])
        .arg(format!("--creds={USER}:{PASS}"))
        .arg(format!("docker://{}", images.single.reference));
    let out = crate::registry_support::run_bounded(&mut cmd, std::time::Duration::from_secs(60));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(
        out.code, 0,
        "skopeo trusted the test CA without being given it"
    );
    assert!(
        err.contains("certificate signed by unknown authority"),
        "{err}"
    );
    // …and curl.
    let url = format!("{}/v2/", registry.url());
    if let Some(result) = registry.curl(false, &url, &[], CurlAuth::Basic(USER, PASS), false) {
        let err = result.expect_err("curl trusted the test CA without being given it");
        assert!(err.contains("exit 60"), "{err}");
        let ok = registry
            .curl(false, &url, &[], CurlAuth::Basic(USER, PASS), true)
            .expect("curl")
            .expect("GET /v2/ with the CA");
        assert_eq!(ok.status, 200);
    }
}

#[test]
fn registry_listens_on_loopback_only_and_stops_on_drop() {
    let Some(registry) = Registry::start(Auth::token(USER, PASS), false) else {
        return;
    };
    let port = registry.port();
    let token_port: u16 = registry
        .token_server()
        .expect("token")
        .realm()
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/token")
        .parse()
        .expect("port");
    // 0100007F is 127.0.0.1 in /proc/net/tcp: nothing on another interface.
    assert_eq!(listening_addresses(port), ["0100007F"]);
    assert_eq!(listening_addresses(token_port), ["0100007F"]);
    let pid = registry.pid().expect("running");
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    drop(registry);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the registry process {pid} outlived its Registry"
    );
    assert!(
        listening_addresses(port).is_empty(),
        "port {port} still listens"
    );
    assert!(
        listening_addresses(token_port).is_empty(),
        "the token endpoint still listens"
    );
}
