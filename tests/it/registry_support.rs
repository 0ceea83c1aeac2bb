//! A real OCI registry for the `--online` tests (issue 20; tests/registry/README.md).
//!
//! [`Registry::start`] runs distribution 2.8 (`docker-registry serve CONFIG`, Debian's package,
//! installed by `scripts/install-registry.sh`) on 127.0.0.1 and a free port, with its storage
//! in a temp dir, anonymous or behind htpasswd Basic auth (bcrypt lines from Debian's
//! `htpasswd -B`) or Bearer token auth, over plain HTTP or TLS with a CA made for the test. The
//! token endpoint is the test's own ([`TokenServer`], `registry_support/token.rs`): distribution
//! only verifies the JWTs it signs. Images are hand-built OCI layouts
//! (`registry_support/layout.rs`) pushed with the real `skopeo`. Dropping a [`Registry`] kills
//! its process and waits for it, and stops its token endpoint.
//!
//! Every connection goes to 127.0.0.1, every wait has a deadline.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::ci_support;

mod layout;
mod token;

use layout::OciLayout;
#[allow(unused_imports)] // for the tests that name it
pub use token::{TokenRequest, TokenServer};

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// The four manifest types a client must accept (docs: ../shared/reference/registries.md).
pub const ALL_MANIFEST_TYPES: [&str; 4] = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST];
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// The platforms of the multi-platform images, as `os/arch[/variant]`.
pub const MULTI_PLATFORMS: [&str; 2] = ["linux/amd64", "linux/arm64/v8"];

/// The `service` and `issuer` of the token configuration.
pub const TOKEN_SERVICE: &str = "pullcheck-test-registry";
pub const TOKEN_ISSUER: &str = "pullcheck-test-token-server";

/// How long a process of the harness may take: a registry to listen, one skopeo run.
const START_DEADLINE: Duration = Duration::from_secs(30);
const COMMAND_DEADLINE: Duration = Duration::from_secs(120);

/// The real tools, from the variables `scripts/test.sh` sets.
#[derive(Clone, Debug)]
pub struct Tools {
    pub registry: PathBuf,
    pub skopeo: PathBuf,
    pub htpasswd: PathBuf,
    pub openssl: PathBuf,
    /// Optional: the tests that use it skip their curl part without it.
    pub curl: Option<PathBuf>,
}

impl Tools {
    /// All of them, or `None` (with a skip message) when one is missing and the clients are not
    /// required; a failure when `PULLCHECK_REQUIRE_CLIENTS` or `CI` is set.
    pub fn find() -> Option<Tools> {
        let registry = ci_support::client("PULLCHECK_REGISTRY");
        let skopeo = ci_support::client("PULLCHECK_SKOPEO");
        let htpasswd = ci_support::client("PULLCHECK_HTPASSWD");
        let openssl = ci_support::client("PULLCHECK_OPENSSL");
        let curl = std::env::var_os("PULLCHECK_CURL")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        Some(Tools {
            registry: registry?,
            skopeo: skopeo?,
            htpasswd: htpasswd?,
            openssl: openssl?,
            curl,
        })
    }
}

/// Who may use the registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// No authentication: anyone may pull and push.
    Anonymous,
    /// htpasswd (bcrypt) Basic auth: `user` may pull and push, nobody else anything.
    Basic { user: String, pass: String },
    /// Bearer tokens from the test's token endpoint. With the right Basic credentials it grants
    /// what is asked (pull, push, delete) on any repository; wrong credentials get a 401 from the
    /// endpoint; no credentials get a token with no access (or with `pull` on every repository
    /// when `anonymous_pull`, as a registry with public images does).
    Token {
        user: String,
        pass: String,
        anonymous_pull: bool,
    },
}

impl Auth {
    pub fn basic(user: &str, pass: &str) -> Auth {
        Auth::Basic {
            user: user.into(),
            pass: pass.into(),
        }
    }
    pub fn token(user: &str, pass: &str) -> Auth {
        Auth::Token {
            user: user.into(),
            pass: pass.into(),
            anonymous_pull: false,
        }
    }
    pub fn token_public_pull(user: &str, pass: &str) -> Auth {
        Auth::Token {
            user: user.into(),
            pass: pass.into(),
            anonymous_pull: true,
        }
    }
    /// The user and password that may push, if any.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        match self {
            Auth::Anonymous => None,
            Auth::Basic { user, pass } | Auth::Token { user, pass, .. } => Some((user, pass)),
        }
    }
}

/// One manifest of an index or list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformManifest {
    /// `os/arch[/variant]`.
    pub platform: String,
    pub digest: String,
    pub media_type: String,
}

/// What a push left in the registry, as read back from it.
#[derive(Clone)]
pub struct Pushed {
    /// `127.0.0.1:PORT/REPO:TAG`.
    pub reference: String,
    pub repo: String,
    pub tag: String,
    /// `sha256:…` of the manifest, index or list the tag points at.
    pub digest: String,
    pub media_type: String,
    /// The platforms' manifests of an index or list (empty for a single manifest).
    pub children: Vec<PlatformManifest>,
    /// The exact bytes the registry serves for the tag.
    pub raw: Vec<u8>,
}

impl std::fmt::Debug for Pushed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pushed")
            .field("reference", &self.reference)
            .field("digest", &self.digest)
            .field("media_type", &self.media_type)
            .field("children", &self.children)
            .field("raw", &String::from_utf8_lossy(&self.raw))
            .finish()
    }
}

impl Pushed {
    /// `127.0.0.1:PORT/REPO@sha256:…`.
    pub fn by_digest(&self) -> String {
        let name = self
            .reference
            .rsplit_once(':')
            .map_or(self.reference.as_str(), |(name, _)| name);
        format!("{name}@{}", self.digest)
    }
}

/// A running distribution registry; stopped on drop.
pub struct Registry {
    tools: Tools,
    dir: PathBuf,
    child: Option<Child>,
    port: u16,
    auth: Auth,
    tls: bool,
    token: Option<TokenServer>,
}

impl Registry {
    /// Starts a registry, or `None` when the tools are missing and not required.
    pub fn start(auth: Auth, tls: bool) -> Option<Registry> {
        let tools = Tools::find()?;
        Some(Registry::start_with(tools, auth, tls))
    }

    pub fn start_with(tools: Tools, auth: Auth, tls: bool) -> Registry {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "registry-{}",
            SEQ.fetch_add(1, Ordering::Relaxed) // one dir per registry of this process
        );
        let dir = ci_support::temp_dir(&name);
        for sub in ["storage", "certs", "tmp", "registries.d"] {
            fs::create_dir_all(dir.join(sub)).expect("mkdir");
        }
        // skopeo reads nothing of the machine's: its own policy, auth file and registries.conf.
        fs::write(
            dir.join("policy.json"),
            r#"{"default":[{"type":"insecureAcceptAnything"}]}"#,
        )
        .expect("write policy");
        fs::write(dir.join("auth.json"), "{}").expect("write auth.json");
        fs::write(dir.join("registries.conf"), "").expect("write registries.conf");

        let mut auth_config = String::new();
        let mut token = None;
        match &auth {
            Auth::Anonymous => {}
            Auth::Basic { user, pass } => {
                let (code, out, err) = ci_support::run(
                    Command::new(&tools.htpasswd)
                        .args(["-nbB", user, pass])
                        .stdin(Stdio::null()),
                );
                assert_eq!(code, 0, "htpasswd -nbB failed: {err}");
                fs::write(dir.join("htpasswd"), out.trim_end().to_owned() + "\n")
                    .expect("write htpasswd");
                let _ = write!(
                    auth_config,
                    "auth:\n  htpasswd:\n    realm: pullcheck-test\n    path: {}\n",
                    dir.join("htpasswd").display()
                );
            }
            Auth::Token {
                user,
                pass,
                anonymous_pull,
            } => {
                let server = TokenServer::start(
                    &tools.openssl,
                    &dir.join("token"),
                    user,
                    pass,
                    *anonymous_pull,
                );
                let _ = write!(
                    auth_config,
                    "auth:\n  token:\n    realm: {}\n    service: {TOKEN_SERVICE}\n    issuer: \
                     {TOKEN_ISSUER}\n    rootcertbundle: {}\n",
                    server.realm(),
                    server.cert_file().display()
                );
                token = Some(server);
            }
        }
        let mut tls_config = String::new();
        if tls {
            make_tls_files(&tools.openssl, &dir);
            let _ = write!(
                tls_config,
                "  tls:\n    certificate: {}\n    key: {}\n",
                dir.join("server.crt").display(),
                dir.join("server.key").display()
            );
        }

        let mut registry = Registry {
            tools,
            dir,
            child: None,
            port: 0,
            auth,
            tls,
            token,
        };
        // A free port: bind 127.0.0.1:0, release it, give it to the registry; another process
        // may take it in between, so a registry that cannot listen is started again elsewhere.
        let mut last_log = String::new();
        for _attempt in 0..5 {
            let port = free_port();
            let config = format!(
                "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n\
                 storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    \
                 enabled: true\n  maintenance:\n    uploadpurging:\n      enabled: false\n\
                 http:\n  addr: 127.0.0.1:{port}\n  secret: pullcheck-test-{port}\n{tls_config}\
                 health:\n  storagedriver:\n    enabled: false\n{auth_config}",
                storage = registry.dir.join("storage").display(),
            );
            let config_file = registry.dir.join("config.yml");
            fs::write(&config_file, config).expect("write config");
            let log_file = registry.dir.join("registry.log");
            let log = fs::File::create(&log_file).expect("create log");
            let child = Command::new(&registry.tools.registry)
                .arg("serve")
                .arg(&config_file)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("dup log"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot run {}: {e}", registry.tools.registry.display())
                });
            registry.child = Some(child);
            registry.port = port;
            match registry.wait_listening() {
                Ok(()) => return registry,
                Err(log) => {
                    registry.stop();
                    if !log.contains("address already in use") {
                        panic!(
                            "the registry did not start on 127.0.0.1:{port}; its log ({}):\n{log}",
                            log_file.display()
                        );
                    }
                    last_log = log;
                }
            }
        }
        panic!("no free port for the registry after 5 tries; last log:\n{last_log}");
    }

    /// Until the registry says it listens and, over plain HTTP, `/v2/` answers.
    fn wait_listening(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_DEADLINE;
        let log_file = self.dir.join("registry.log");
        loop {
            let log = fs::read_to_string(&log_file).unwrap_or_default();
            let child = self.child.as_mut().expect("started");
            if let Some(status) = child.try_wait().expect("try_wait") {
                return Err(format!("(exited: {status})\n{log}"));
            }
            if log.contains("listening on") {
                if self.tls {
                    // No TLS client in std: the registry's own line is the proof, and a connect.
                    if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                        return Ok(());
                    }
                } else if let Ok(status) = http_status(self.port, "/v2/") {
                    let expected = if self.auth == Auth::Anonymous {
                        200
                    } else {
                        401
                    };
                    assert_eq!(status, expected, "GET /v2/ of a fresh registry:\n{log}");
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(format!("(not listening after {START_DEADLINE:?})\n{log}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the registry and waits for it (idempotent).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `127.0.0.1:PORT`, as an image reference names the registry.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
    pub fn port(&self) -> u16 {
        self.port
    }
    /// `http://127.0.0.1:PORT` or `https://…`.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.host())
    }
    pub fn tls(&self) -> bool {
        self.tls
    }
    pub fn auth(&self) -> &Auth {
        &self.auth
    }
    pub fn tools(&self) -> &Tools {
        &self.tools
    }
    /// The process id of the registry (while it runs).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(std::process::Child::id)
    }
    /// The PEM of the CA that signed the TLS certificate (for 127.0.0.1), when TLS is on.
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.tls.then(|| self.dir.join("certs").join("ca.crt"))
    }
    /// A directory holding only `ca.crt`, as skopeo's `--cert-dir` wants it.
    pub fn cert_dir(&self) -> Option<PathBuf> {
        self.tls.then(|| self.dir.join("certs"))
    }
    /// The registry's own log (access log included).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("registry.log")).unwrap_or_default()
    }
    /// The token endpoint, with token auth.
    pub fn token_server(&self) -> Option<&TokenServer> {
        self.token.as_ref()
    }
    /// How many token requests the endpoint has answered (0 without token auth).
    pub fn token_requests(&self) -> usize {
        self.token.as_ref().map_or(0, TokenServer::requests)
    }
    /// The working directory of this registry (config, storage, certificates, logs).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A skopeo command that reads nothing of the machine's configuration.
    pub fn skopeo(&self) -> Command {
        let mut cmd = Command::new(&self.tools.skopeo);
        cmd.arg("--policy")
            .arg(self.dir.join("policy.json"))
            .arg("--registries.d")
            .arg(self.dir.join("registries.d"))
            .arg("--tmpdir")
            .arg(self.dir.join("tmp"))
            .arg("--command-timeout")
            .arg(format!("{}s", COMMAND_DEADLINE.as_secs()))
            .env("REGISTRY_AUTH_FILE", self.dir.join("auth.json"))
            .env(
                "CONTAINERS_REGISTRIES_CONF",
                self.dir.join("registries.conf"),
            )
            .env("TMPDIR", self.dir.join("tmp"))
            .stdin(Stdio::null());
        cmd
    }

    /// The TLS arguments of a skopeo subcommand (`--tls-verify`, `--cert-dir`), `prefix` being
    /// "", "src-" or "dest-".
    fn tls_args(&self, prefix: &str) -> Vec<String> {
        match self.cert_dir() {
            Some(dir) => vec![
                format!("--{prefix}tls-verify=true"),
                format!("--{prefix}cert-dir={}", dir.display()),
            ],
            None => vec![format!("--{prefix}tls-verify=false")],
        }
    }

    /// `skopeo inspect --raw docker://REFERENCE` with these credentials (`None`: anonymous):
    /// the manifest's bytes, or skopeo's error.
    pub fn inspect_raw(
        &self,
        reference: &str,
        creds: Option<(&str, &str)>,
    ) -> Result<Vec<u8>, String> {
        let mut cmd = self.skopeo();
        cmd.arg("inspect").arg("--raw").args(self.tls_args(""));
        match creds {
            Some((user, pass)) => cmd.arg(format!("--creds={user}:{pass}")),
            None => cmd.arg("--no-creds"),
        };
        cmd.arg(format!("docker://{reference}"));
        let out = run_bounded(&mut cmd, COMMAND_DEADLINE);
        if out.code == 0 {
            Ok(out.stdout)
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// A linux/amd64 image (one OCI manifest) at `REPO:TAG`, pushed with the registry's
    /// credentials.
    pub fn push_single(&self, repo: &str, tag: &str) -> Pushed {
        self.try_push(PushKind::Single, repo, tag, &[], self.auth.credentials())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// An OCI image index with one manifest per platform (`os/arch[/variant]`) at `REPO:TAG`.
    pub fn push_index(&self, repo: &str, tag: &str, platforms: &[&str]) -> Pushed {
        self.try_push(
            PushKind::Index,
            repo,
            tag,
            platforms,
            self.auth.credentials(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A Docker manifest list (v2s2) with one manifest per platform at `REPO:TAG`: the OCI
    /// index converted by `skopeo copy --all --format v2s2` (so its digests are new).
    pub fn push_docker_list(&self, repo: &str, tag: &str, platforms: &[&str]) -> Pushed {
        self.try_push(
            PushKind::DockerList,
            repo,
            tag,
            platforms,
            self.auth.credentials(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A push with these credentials (`None`: anonymous): what the registry holds, or skopeo's
    /// error (for the tests of refusals). `platforms` is ignored for `Single` (linux/amd64).
    pub fn try_push(
        &self,
        kind: PushKind,
        repo: &str,
        tag: &str,
        platforms: &[&str],
        creds: Option<(&str, &str)>,
    ) -> Result<Pushed, String> {
        let layout = OciLayout::new(&self.tools.openssl, &self.dir, repo, tag);
        match kind {
            PushKind::Single => layout.write_single("linux/amd64"),
            PushKind::Index | PushKind::DockerList => layout.write_index(platforms),
        }
        let reference = format!("{}/{repo}:{tag}", self.host());
        let mut cmd = self.skopeo();
        cmd.args(["copy", "--quiet", "--retry-times=0"]);
        match kind {
            PushKind::Single => cmd.arg("--preserve-digests"),
            PushKind::Index => cmd.args(["--all", "--preserve-digests"]),
            PushKind::DockerList => cmd.args(["--all", "--format", "v2s2"]),
        };
        cmd.args(self.tls_args("dest-"));
        match creds {
            Some((user, pass)) => cmd.arg(format!("--dest-creds={user}:{pass}")),
            None => cmd.arg("--dest-no-creds"),
        };
        cmd.arg(format!("oci:{}:{tag}", layout.dir.display()))
            .arg(format!("docker://{reference}"));
        let out = run_bounded(&mut cmd, COMMAND_DEADLINE);
        if out.code != 0 {
            return Err(format!(
                "skopeo copy to {reference} failed:\n{}\nregistry log:\n{}",
                String::from_utf8_lossy(&out.stderr),
                tail(&self.log(), 40)
            ));
        }
        let raw = self
            .inspect_raw(&reference, creds)
            .unwrap_or_else(|e| panic!("skopeo inspect --raw {reference}: {e}"));
        let digest = sha256_digest(&self.tools.openssl, &raw);
        let json: serde_json::Value = serde_json::from_slice(&raw).expect("a manifest is JSON");
        let media_type = json["mediaType"].as_str().unwrap_or_default().to_owned();
        let children = json["manifests"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|m| PlatformManifest {
                        platform: platform_string(&m["platform"]),
                        digest: m["digest"].as_str().unwrap_or_default().to_owned(),
                        media_type: m["mediaType"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        // What was pushed is what was built, except where the conversion made new digests.
        match kind {
            PushKind::Single | PushKind::Index => assert_eq!(
                digest,
                layout.top_digest(),
                "the registry serves other bytes than the layout's for {reference}"
            ),
            PushKind::DockerList => assert_eq!(media_type, DOCKER_LIST, "{reference}"),
        }
        Ok(Pushed {
            reference,
            repo: repo.into(),
            tag: tag.into(),
            digest,
            media_type,
            children,
            raw,
        })
    }
}

/// How a curl request authenticates.
#[derive(Clone, Copy, Debug)]
pub enum CurlAuth<'a> {
    None,
    Basic(&'a str, &'a str),
    Bearer(&'a str),
}

/// A response as curl saw it: the status and the headers (names lowercased).
#[derive(Clone, Debug)]
pub struct CurlResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl CurlResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Registry {
    /// `curl` (an independent client) to `URL` of this registry or its token endpoint, with these
    /// `Accept` types; `ca` adds `--cacert` (TLS). `None` without curl; `Err` is curl's error
    /// (as for a certificate it does not trust).
    pub fn curl(
        &self,
        head: bool,
        url: &str,
        accept: &[&str],
        auth: CurlAuth<'_>,
        ca: bool,
    ) -> Option<Result<CurlResponse, String>> {
        let curl = self.tools.curl.as_ref()?;
        assert!(
            url.starts_with("http://127.0.0.1:") || url.starts_with("https://127.0.0.1:"),
            "the harness talks to 127.0.0.1 only, not {url}"
        );
        let mut cmd = Command::new(curl);
        cmd.args(["-q", "-sS", "--noproxy", "*", "--max-time", "30", "-D", "-"]);
        if head {
            cmd.arg("-I");
        }
        if !accept.is_empty() {
            cmd.arg("-H").arg(format!("Accept: {}", accept.join(", ")));
        }
        match auth {
            CurlAuth::None => {}
            CurlAuth::Basic(user, pass) => {
                cmd.arg("-u").arg(format!("{user}:{pass}"));
            }
            CurlAuth::Bearer(token) => {
                cmd.arg("-H").arg(format!("Authorization: Bearer {token}"));
            }
        }
        if let (true, Some(file)) = (ca, self.ca_file()) {
            cmd.arg("--cacert").arg(file);
        }
        cmd.arg(url).stdin(Stdio::null());
        let out = run_bounded(&mut cmd, COMMAND_DEADLINE);
        if out.code != 0 {
            return Some(Err(format!(
                "curl exit {}: {}",
                out.code,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (head_text, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head_text.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Some(Ok(CurlResponse {
            status,
            headers,
            body: body.to_owned(),
        }))
    }

    /// `HEAD /v2/REPO/manifests/REFERENCE` with curl, authenticated as the registry wants
    /// with `creds` (`None`: anonymous): Basic directly, or for token auth a token fetched from
    /// the endpoint with curl first (one token request). `None` without curl.
    pub fn curl_head_manifest(
        &self,
        repo: &str,
        reference: &str,
        accept: &[&str],
        creds: Option<(&str, &str)>,
    ) -> Option<Result<CurlResponse, String>> {
        let url = format!("{}/v2/{repo}/manifests/{reference}", self.url());
        let token;
        let auth = match (&self.auth, creds) {
            (Auth::Token { .. }, _) => {
                token = match self.curl_token(&format!("repository:{repo}:pull"), creds)? {
                    Ok(token) => token,
                    Err(e) => return Some(Err(e)),
                };
                CurlAuth::Bearer(&token)
            }
            (_, Some((user, pass))) => CurlAuth::Basic(user, pass),
            (_, None) => CurlAuth::None,
        };
        self.curl(true, &url, accept, auth, true)
    }

    /// A token for `scope` from the token endpoint, fetched with curl (`None` without curl or
    /// without token auth).
    pub fn curl_token(
        &self,
        scope: &str,
        creds: Option<(&str, &str)>,
    ) -> Option<Result<String, String>> {
        let realm = self.token.as_ref()?.realm();
        let url = format!("{realm}?service={TOKEN_SERVICE}&scope={scope}");
        let auth = creds.map_or(CurlAuth::None, |(u, p)| CurlAuth::Basic(u, p));
        Some(self.curl(false, &url, &[], auth, false)?.and_then(|r| {
            if r.status != 200 {
                return Err(format!("token endpoint answered {}: {}", r.status, r.body));
            }
            let json: serde_json::Value =
                serde_json::from_str(&r.body).map_err(|e| format!("{e}: {}", r.body))?;
            json["token"]
                .as_str()
                .map(String::from)
                .ok_or_else(|| format!("no token in {}", r.body))
        }))
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
        if let Some(token) = self.token.as_mut() {
            token.stop();
        }
    }
}

/// What [`Registry::try_push`] builds and pushes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushKind {
    /// One OCI manifest (linux/amd64).
    Single,
    /// An OCI image index, one manifest per platform.
    Index,
    /// The same index converted to a Docker manifest list (v2s2).
    DockerList,
}

fn platform_string(p: &serde_json::Value) -> String {
    let mut s = format!(
        "{}/{}",
        p["os"].as_str().unwrap_or_default(),
        p["architecture"].as_str().unwrap_or_default()
    );
    if let Some(v) = p["variant"].as_str().filter(|v| !v.is_empty()) {
        s.push('/');
        s.push_str(v);
    }
    s
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// The status of a plain-HTTP GET to 127.0.0.1:PORT (a readiness probe).
fn http_status(port: u16, path: &str) -> std::io::Result<u16> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head)?;
    let line = String::from_utf8_lossy(&head[..n]);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::new(ErrorKind::InvalidData, line.into_owned()))
}

/// What a bounded command left.
pub struct Output {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs a command with a deadline: killed (and a failure) past it.
pub fn run_bounded(cmd: &mut Command, deadline: Duration) -> Output {
    let dir = std::env::temp_dir();
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let stem = format!(
        "pullcheck-run-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    let (out_path, err_path) = (
        dir.join(format!("{stem}.out")),
        dir.join(format!("{stem}.err")),
    );
    let out_file = fs::File::create(&out_path).expect("create stdout file");
    let err_file = fs::File::create(&err_path).expect("create stderr file");
    let mut child = cmd
        .stdout(out_file)
        .stderr(err_file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let end = Instant::now() + deadline;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still ran after {deadline:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = fs::read(&out_path).unwrap_or_default();
    let stderr = fs::read(&err_path).unwrap_or_default();
    let _ = fs::remove_file(&out_path);
    let _ = fs::remove_file(&err_path);
    Output {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

/// Runs openssl in `dir` with `args` (split at whitespace: file names relative to `dir`).
pub(crate) fn openssl(openssl: &Path, dir: &Path, args: &str, stdin: Option<&[u8]>) -> Vec<u8> {
    let args: Vec<&str> = args.split_whitespace().collect();
    let mut cmd = Command::new(openssl);
    cmd.args(&args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child: Child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run openssl: {e}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input).expect("write to openssl");
    }
    let out = child.wait_with_output().expect("openssl output");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `sha256:HEX` of the bytes (computed by openssl, not by the clients under test).
pub fn sha256_digest(openssl_bin: &Path, data: &[u8]) -> String {
    let raw = openssl(
        openssl_bin,
        Path::new("/"),
        "dgst -sha256 -binary",
        Some(data),
    );
    assert_eq!(
        raw.len(),
        32,
        "openssl dgst -sha256 -binary gave {} bytes",
        raw.len()
    );
    let mut hex = String::from("sha256:");
    for b in raw {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// A CA and a server certificate for 127.0.0.1 (IP SAN) signed by it: `certs/ca.crt`,
/// `server.crt`, `server.key` in `dir`.
fn make_tls_files(openssl_bin: &Path, dir: &Path) {
    fs::write(
        dir.join("server-ext.cnf"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n",
    )
    .expect("write ext");
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    openssl(
        openssl_bin,
        dir,
        &format!(
            "req -x509 {ec} -keyout ca.key -out certs/ca.crt -days 2 -subj /CN=pullcheck-test-CA \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
        ),
        None,
    );
    openssl(
        openssl_bin,
        dir,
        &format!("req {ec} -keyout server.key -out server.csr -subj /CN=127.0.0.1"),
        None,
    );
    openssl(
        openssl_bin,
        dir,
        "x509 -req -in server.csr -CA certs/ca.crt -CAkey ca.key -CAcreateserial \
         -out server.crt -days 2 -extfile server-ext.cnf",
        None,
    );
}

/// The addresses (hex `ADDR`, as /proc/net shows them) of the listening TCP sockets on `port`:
/// `0100007F` is 127.0.0.1, anything else is another interface.
pub fn listening_addresses(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (cols.get(1), cols.get(3)) else {
                continue;
            };
            let Some((addr, port_hex)) = local.rsplit_once(':') else {
                continue;
            };
            if *state == "0A" && u16::from_str_radix(port_hex, 16).ok() == Some(port) {
                found.push(addr.to_owned());
            }
        }
    }
    found
}
