//! `--online` behind an HTTPS proxy: a real tinyproxy (Debian `tinyproxy-bin`, unpacked by
//! scripts/install-registry.sh) on 127.0.0.1 in front of the real registry. HTTPS goes through a
//! `CONNECT` tunnel (the proxy's log names it), `NO_PROXY` hosts and plain HTTP go direct, and
//! a proxy that is down is a `registry-unreachable` warning that says so.

use crate::ci_support;
use crate::registry_support::{Auth, Registry, free_port};
use pullcheck::engine::{LintOptions, OnlineSettings, Report, lint};
use pullcheck::registry::ProxySettings;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A tinyproxy on 127.0.0.1, logging every connection; killed when dropped.
struct Tinyproxy {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Tinyproxy {
    fn start(dir: &Path) -> Option<Tinyproxy> {
        let program = ci_support::client("PULLCHECK_TINYPROXY")?;
        let port = free_port();
        let log = dir.join("tinyproxy.log");
        let conf = dir.join("tinyproxy.conf");
        // No ConnectPort line: CONNECT to any port (the registry's is random).
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 30\nMaxClients 20\n\
                 LogFile \"{}\"\nLogLevel Connect\nPidFile \"{}\"\n",
                log.display(),
                dir.join("tinyproxy.pid").display()
            ),
        )
        .expect("write tinyproxy.conf");
        let child = Command::new(program)
            .args(["-d", "-c"])
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tinyproxy");
        let proxy = Tinyproxy { child, port, log };
        // Bounded wait until it listens.
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < until, "tinyproxy did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(proxy)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `CONNECT` lines of its log so far.
    fn connects(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("CONNECT"))
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pullcheck-proxy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn pod(image: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: prod\nspec:\n  containers:\n    - name: app\n      image: {image}\n"
    )
}

fn run(files: &Path, ca: Option<PathBuf>, proxy: Option<ProxySettings>) -> Report {
    let opts = LintOptions {
        paths: vec![files.to_path_buf()],
        jobs: 1,
        online: Some(OnlineSettings {
            client: pullcheck::registry::Options {
                ca_files: ca.into_iter().collect(),
                proxy,
                ..pullcheck::registry::Options::default()
            },
            no_docker_config: true,
            ..OnlineSettings::default()
        }),
        ..LintOptions::default()
    };
    lint(&opts).expect("lint runs")
}

fn rules(report: &Report) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.rule).collect()
}

#[test]
fn https_goes_through_the_proxy_and_no_proxy_or_plain_http_go_direct() {
    let Some(registry) = Registry::start(Auth::Anonymous, true) else {
        return;
    };
    let d = dir("tunnel");
    let Some(proxy) = Tinyproxy::start(&d) else {
        return;
    };
    registry.push_single("team/app", "1.0");
    let files = d.join("manifests");
    std::fs::create_dir_all(&files).expect("mkdir");
    let host = registry.host();
    std::fs::write(
        files.join("found.yaml"),
        pod(&format!("{host}/team/app:1.0")),
    )
    .expect("write");
    std::fs::write(
        files.join("missing.yaml"),
        pod(&format!("{host}/team/app:9.9")),
    )
    .expect("write");

    let through = ProxySettings {
        url: proxy.url(),
        no_proxy: vec![],
    };
    let report = run(&files, registry.ca_file(), Some(through));
    assert_eq!(
        rules(&report),
        ["image-not-found"],
        "{:#?}",
        report.findings
    );
    let connects = proxy.connects();
    assert!(
        connects.iter().any(|l| l.contains(&host)),
        "no CONNECT to {host} in the proxy's log: {connects:?}"
    );

    // NO_PROXY names the registry's host: the same answers, and the proxy hears nothing more.
    let before = proxy.connects().len();
    let bypass = ProxySettings {
        url: proxy.url(),
        no_proxy: vec!["localhost".into(), "127.0.0.1".into()],
    };
    let report = run(&files, registry.ca_file(), Some(bypass));
    assert_eq!(
        rules(&report),
        ["image-not-found"],
        "{:#?}",
        report.findings
    );
    assert_eq!(proxy.connects().len(), before, "{:?}", proxy.connects());
    drop(registry);

    // A plain-HTTP registry (loopback) is never asked in plain HTTP through the proxy, which
    // would see the credential: the HTTPS attempt may be tunnelled (the proxy sees only the
    // host), the plain requests go direct.
    let Some(plain) = Registry::start(Auth::basic("puller", "Pull-Pass-1"), false) else {
        return;
    };
    plain.push_single("team/app", "1.0");
    let plain_files = d.join("plain");
    std::fs::create_dir_all(&plain_files).expect("mkdir");
    std::fs::write(
        plain_files.join("p.yaml"),
        pod(&format!("{}/team/app:1.0", plain.host())),
    )
    .expect("write");
    let report = run(
        &plain_files,
        None,
        Some(ProxySettings {
            url: proxy.url(),
            no_proxy: vec![],
        }),
    );
    // Anonymous against a Basic-auth registry: refused, asked directly.
    assert_eq!(
        rules(&report),
        ["image-unauthorized"],
        "{:#?}",
        report.findings
    );
    let log = std::fs::read_to_string(&proxy.log).unwrap_or_default();
    let plain_url = format!("http://{}", plain.host());
    assert!(
        !log.lines().any(|l| l.contains(&plain_url)),
        "plain HTTP went through the proxy:\n{log}"
    );
}

#[test]
fn a_proxy_that_is_down_or_malformed_is_said_plainly() {
    let Some(registry) = Registry::start(Auth::Anonymous, true) else {
        return;
    };
    registry.push_single("team/app", "1.0");
    let d = dir("down");
    std::fs::write(
        d.join("p.yaml"),
        pod(&format!("{}/team/app:1.0", registry.host())),
    )
    .expect("write");
    // Nothing listens on this port; the proxy's password never shows, its address does.
    let port = free_port();
    let down = ProxySettings {
        url: format!("http://user:S3cret-Proxy-Pass@127.0.0.1:{port}"),
        no_proxy: vec![],
    };
    let report = run(&d, registry.ca_file(), Some(down));
    assert_eq!(
        rules(&report),
        ["registry-unreachable"],
        "{:#?}",
        report.findings
    );
    let message = &report.findings[0].message;
    assert!(
        message.contains(&format!("through the HTTPS proxy 127.0.0.1:{port}")),
        "{message}"
    );
    assert!(!format!("{report:?}").contains("S3cret-Proxy-Pass"));

    // A proxy URL with a password that does not parse: the check cannot start, and the
    // message names the variable, never the value.
    let bad = ProxySettings {
        url: "http://user:S3cret-Proxy-Pass@[not a host".into(),
        no_proxy: vec![],
    };
    let report = run(&d, registry.ca_file(), Some(bad));
    let everything = format!("{report:?}");
    assert!(!everything.contains("S3cret-Proxy-Pass"), "{everything}");
    assert!(everything.contains("HTTPS_PROXY"), "{everything}");
}
