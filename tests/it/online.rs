//! `--online` against a real registry (distribution 2.8, started by `registry_support` on
//! 127.0.0.1): images pushed with skopeo, manifests that name them, and what pullcheck says —
//! found, missing (with the nearest tags), refused for the pod's credentials, told apart with
//! the user's Docker config, platforms, and no credential in any output.

use crate::common;
use crate::registry_support::{Auth, MULTI_PLATFORMS, Registry};
use pullcheck::engine::{LintOptions, OnlineSettings, Report, lint};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pullcheck-online-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn pod(name: &str, image: &str, extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: prod\nspec:\n{extra}  containers:\n    - name: app\n      image: {image}\n"
    )
}

/// A `kubernetes.io/dockerconfigjson` Secret holding `user:pass` for `host`.
fn pull_secret(name: &str, host: &str, user: &str, pass: &str) -> String {
    let auth = pullcheck::model::base64::encode(format!("{user}:{pass}").as_bytes());
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: prod\ntype: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: '{{\"auths\": {{\"{host}\": {{\"auth\": \"{auth}\"}}}}}}'\n"
    )
}

fn run(files: &Path, docker_config: Option<&Path>, platforms: &[&str]) -> Report {
    let opts = LintOptions {
        paths: vec![files.to_path_buf()],
        jobs: 2,
        online: Some(OnlineSettings {
            platforms: platforms.iter().map(|p| p.to_string()).collect(),
            docker_config: docker_config.map(Path::to_path_buf),
            no_docker_config: docker_config.is_none(),
            ..OnlineSettings::default()
        }),
        ..LintOptions::default()
    };
    lint(&opts).expect("lint runs")
}

/// (rule, pod) of every finding of the online rules.
fn online_findings(report: &Report) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = report
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("image-") || f.rule.starts_with("registry-"))
        .filter(|f| f.rule != "registry-not-allowed")
        .map(|f| {
            (
                f.rule.to_string(),
                f.object
                    .as_ref()
                    .map(|o| o.name.clone())
                    .unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

fn message<'r>(report: &'r Report, pod: &str) -> &'r str {
    report
        .findings
        .iter()
        .find(|f| f.object.as_ref().is_some_and(|o| o.name == pod))
        .map_or("", |f| f.message.as_str())
}

fn every_output(report: &Report) -> String {
    common::every_format(report).concat()
}

#[test]
fn an_anonymous_registry_answers_found_missing_and_platforms() {
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    let single = registry.push_single("team/app", "1.4.2");
    registry.push_single("team/app", "1.4.0");
    registry.push_single("team/app", "2.0.0");
    let multi = registry.push_index("team/multi", "1.0", &MULTI_PLATFORMS);
    let d = dir("anonymous");
    let files = [
        (
            "found.yaml",
            pod("found", &format!("{host}/team/app:1.4.2"), ""),
        ),
        (
            "by-digest.yaml",
            pod(
                "by-digest",
                &format!("{host}/team/app@{}", single.digest),
                "",
            ),
        ),
        (
            "missing-tag.yaml",
            pod("missing-tag", &format!("{host}/team/app:1.4.3"), ""),
        ),
        (
            "missing-repo.yaml",
            pod("missing-repo", &format!("{host}/team/nope:1.0"), ""),
        ),
        (
            "missing-digest.yaml",
            pod(
                "missing-digest",
                &format!("{host}/team/app@sha256:{}", "0".repeat(64)),
                "",
            ),
        ),
        (
            "arm.yaml",
            pod(
                "arm",
                &format!("{host}/team/app:1.4.2"),
                "  nodeSelector:\n    kubernetes.io/arch: arm64\n",
            ),
        ),
        (
            "arm-multi.yaml",
            pod(
                "arm-multi",
                &format!("{host}/team/multi:1.0"),
                "  nodeSelector:\n    kubernetes.io/arch: arm64\n",
            ),
        ),
    ];
    for (name, text) in &files {
        std::fs::write(d.join(name), text).expect("write");
    }
    let report = run(&d, None, &[]);
    assert_eq!(
        online_findings(&report),
        [
            ("image-not-found".to_string(), "missing-digest".to_string()),
            ("image-not-found".to_string(), "missing-repo".to_string()),
            ("image-not-found".to_string(), "missing-tag".to_string()),
            ("image-platform-missing".to_string(), "arm".to_string()),
        ],
        "{}",
        common::human(&report)
    );
    // The nearest existing tags, closest first.
    let m = message(&report, "missing-tag");
    assert!(m.contains("tag `1.4.3`"), "{m}");
    let help = report
        .findings
        .iter()
        .find(|f| f.object.as_ref().is_some_and(|o| o.name == "missing-tag"))
        .and_then(|f| f.help.clone())
        .unwrap_or_default();
    assert!(help.contains("`1.4.2`, `1.4.0`"), "{help}");
    assert!(
        message(&report, "arm").contains("linux/arm64"),
        "{}",
        message(&report, "arm")
    );
    assert!(!multi.digest.is_empty());
    let online = report.online.as_ref().expect("the summary of the check");
    assert_eq!(online.registries, 1);
    assert!(common::human(&report).contains("images checked in 1 registry"));

    // The config's platforms apply to pods that say nothing.
    let d2 = dir("platforms");
    std::fs::write(
        d2.join("p.yaml"),
        pod("plain", &format!("{host}/team/app:1.4.2"), ""),
    )
    .expect("write");
    let report = run(&d2, None, &["linux/arm64"]);
    assert_eq!(
        online_findings(&report),
        [("image-platform-missing".to_string(), "plain".to_string())]
    );
    let report = run(&d2, None, &["linux/amd64"]);
    assert_eq!(online_findings(&report), []);
}

#[test]
fn the_pods_own_credentials_decide_and_the_users_login_tells_why() {
    for auth in [
        Auth::basic("puller", "Pull-Pass-1"),
        Auth::token("puller", "Pull-Pass-1"),
    ] {
        let Some(registry) = Registry::start(auth, false) else {
            return;
        };
        let host = registry.host();
        registry.push_single("team/private", "1.0");
        let d = dir("credentials");
        let image = format!("{host}/team/private:1.0");
        let secret_pod = |name: &str, secret: &str| {
            pod(
                name,
                &image,
                &format!("  imagePullSecrets:\n    - name: {secret}\n"),
            )
        };
        std::fs::write(
            d.join("objects.yaml"),
            [
                pull_secret("good", &host, "puller", "Pull-Pass-1"),
                pull_secret("stale", &host, "puller", "Old-Pass-0"),
                secret_pod("with-good", "good"),
                secret_pod("with-stale", "stale"),
                pod("without", &image, ""),
                pod(
                    "missing-with-good",
                    &format!("{host}/team/private:9.9"),
                    "  imagePullSecrets:\n    - name: good\n",
                ),
            ]
            .join("---\n"),
        )
        .expect("write");
        // Without the user's login: the refusals say what the pod sends.
        let report = run(&d, None, &[]);
        assert_eq!(
            online_findings(&report),
            [
                (
                    "image-not-found".to_string(),
                    "missing-with-good".to_string()
                ),
                ("image-unauthorized".to_string(), "with-stale".to_string()),
                ("image-unauthorized".to_string(), "without".to_string()),
            ],
            "{}",
            common::human(&report)
        );
        assert!(message(&report, "with-stale").contains("pull secret prod/stale"));
        assert!(message(&report, "without").contains("no pull secret"));
        // With a Docker config that can pull: the image exists, the pod's login is wrong.
        let config = d.join("docker-config.json");
        let auth = pullcheck::model::base64::encode(b"puller:Pull-Pass-1");
        std::fs::write(
            &config,
            format!("{{\"auths\": {{\"{host}\": {{\"auth\": \"{auth}\"}}}}}}"),
        )
        .expect("write");
        std::fs::remove_file(d.join("docker-config.json")).ok();
        let cfg_dir = dir("docker-config");
        let config = cfg_dir.join("config.json");
        std::fs::write(
            &config,
            format!("{{\"auths\": {{\"{host}\": {{\"auth\": \"{auth}\"}}}}}}"),
        )
        .expect("write");
        let report = run(&d, Some(&config), &[]);
        assert!(
            message(&report, "with-stale").contains("your Docker login can pull it"),
            "{}",
            message(&report, "with-stale")
        );
        // Never reported pullable because the user's own login can pull it.
        assert!(
            online_findings(&report)
                .contains(&("image-unauthorized".to_string(), "without".to_string()))
        );
        // No password, no auth string, in any output.
        let all = every_output(&report);
        for needle in ["Pull-Pass-1", "Old-Pass-0", auth.as_str()] {
            assert!(!all.contains(needle), "{needle} leaked:\n{all}");
        }
    }
}

#[test]
fn offline_nothing_is_asked() {
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let d = dir("offline");
    std::fs::write(
        d.join("p.yaml"),
        pod("p", &format!("{}/team/none:1.0", registry.host()), ""),
    )
    .expect("write");
    let opts = LintOptions {
        paths: vec![d.clone()],
        ..LintOptions::default()
    };
    let report = lint(&opts).expect("lint");
    assert!(report.online.is_none());
    assert_eq!(online_findings(&report), []);
    // The registry's log shows no request at all.
    assert!(
        !registry.log().contains("/v2/team/none"),
        "an offline run asked the registry:\n{}",
        registry.log()
    );
}

/// A stand-in for what no real registry does on demand: every request answered `429 Too Many
/// Requests` with `Retry-After: 1`. Serves until dropped, at most 200 connections.
struct Busy {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Busy {
    fn start() -> Busy {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
            let mut served = 0;
            while served < 200
                && std::time::Instant::now() < deadline
                && !flag.load(std::sync::atomic::Ordering::Relaxed)
            {
                match listener.accept() {
                    Ok((mut s, _)) => {
                        served += 1;
                        let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
                        let mut buf = [0u8; 4096];
                        let _ = s.read(&mut buf);
                        let _ = s.write_all(
                            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        );
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
                }
            }
        });
        Busy {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Ports and timings differ from run to run; the rest of the output must not.
fn normalized(text: &str) -> String {
    let ports = regex::Regex::new(r"127\.0\.0\.1:\d+").expect("regex");
    let counts = regex::Regex::new(r"\(\d+ requests?\) in [0-9.]+ s").expect("regex");
    let json = regex::Regex::new(r#""(elapsed_ms|requests)": \d+"#).expect("regex");
    let text = ports.replace_all(text, "127.0.0.1:PORT");
    let text = counts.replace_all(&text, "(N requests) in T s");
    json.replace_all(&text, "\"$1\": 0").into_owned()
}

#[test]
fn the_registry_rules_fixtures_fire_online_and_are_snapshotted() {
    let (Some(public), Some(private)) = (
        Registry::start(Auth::Anonymous, false),
        Registry::start(Auth::basic("puller", "Pull-Pass-1"), false),
    ) else {
        return;
    };
    public.push_single("team/app", "1.4.2");
    public.push_single("team/app", "1.4.0");
    public.push_index("team/multi", "1.0", &MULTI_PLATFORMS);
    private.push_single("team/private", "1.0");
    let busy = Busy::start();
    // The fixtures name stable hosts; the mirrors send each to what serves it here.
    let mirrors = vec![
        ("registry.test".to_string(), public.host()),
        ("private.test".to_string(), private.host()),
        ("busy.test".to_string(), format!("127.0.0.1:{}", busy.port)),
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        ("down.test".to_string(), "127.0.0.1:1".to_string()),
    ];
    std::env::set_current_dir(common::repo()).expect("repo root");
    for rule in pullcheck::rules::CATALOG
        .iter()
        .filter(|r| r.category == pullcheck::finding::Category::Registry)
    {
        for side in ["fail", "pass"] {
            for case in common::cases_in(&Path::new("fixtures").join(rule.name).join(side)) {
                let opts = LintOptions {
                    paths: vec![case.clone()],
                    jobs: 1,
                    online: Some(OnlineSettings {
                        client: pullcheck::registry::Options {
                            mirrors: mirrors.clone(),
                            ..pullcheck::registry::Options::default()
                        },
                        no_docker_config: true,
                        ..OnlineSettings::default()
                    }),
                    ..LintOptions::default()
                };
                let report = lint(&opts).expect("lint runs");
                let fired = report.findings.iter().any(|f| f.rule == rule.name);
                assert_eq!(
                    fired,
                    side == "fail",
                    "{} ({side}):\n{}",
                    case.display(),
                    common::human(&report)
                );
                if side == "fail" {
                    let name = case
                        .file_name()
                        .map(|n| n.to_string_lossy().replace('.', "_"))
                        .unwrap_or_default();
                    let name = format!("{}__{name}", rule.name);
                    insta::assert_snapshot!(
                        format!("{name}__human"),
                        normalized(&common::human(&report))
                    );
                    insta::assert_snapshot!(
                        format!("{name}__json"),
                        normalized(&common::json(&report))
                    );
                }
            }
        }
    }
}

/// A loopback server that waits before answering 404 to every request: slow enough for the
/// progress callback to tick while questions are outstanding. Serves at most `max` connections
/// and stops by itself within `deadline`.
fn slow_server(delay: Duration, max: usize, deadline: Duration) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let until = std::time::Instant::now() + deadline;
        let mut served = 0;
        while served < max && std::time::Instant::now() < until {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    served += 1;
                    std::thread::spawn(move || {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                        let mut buf = [0u8; 4096];
                        let _ = stream.read(&mut buf);
                        std::thread::sleep(delay);
                        let _ = stream.write_all(
                            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        );
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    port
}

#[test]
fn progress_is_told_while_registries_answer_and_once_at_the_end() {
    let port = slow_server(Duration::from_millis(700), 40, Duration::from_secs(30));
    let d = dir("progress");
    for name in ["a", "b", "c"] {
        std::fs::write(
            d.join(format!("{name}.yaml")),
            pod(name, &format!("127.0.0.1:{port}/team/{name}:1.0"), ""),
        )
        .expect("write");
    }
    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(usize, usize)>::new()));
    let seen = calls.clone();
    let opts = LintOptions {
        paths: vec![d.clone()],
        jobs: 1,
        online: Some(OnlineSettings {
            no_docker_config: true,
            progress: Some(pullcheck::engine::Progress(std::sync::Arc::new(
                move |answered, asked| seen.lock().expect("lock").push((answered, asked)),
            ))),
            ..OnlineSettings::default()
        }),
        ..LintOptions::default()
    };
    let report = lint(&opts).expect("lint runs");
    assert_eq!(report.online.as_ref().map(|o| o.images), Some(3));
    let calls = calls.lock().expect("lock").clone();
    // Ticks while the three questions were outstanding, counts never going back, and a last
    // call saying all were answered.
    assert!(
        calls.iter().any(|&(answered, asked)| answered < asked),
        "no tick before the end: {calls:?}"
    );
    assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0), "{calls:?}");
    assert_eq!(calls.last(), Some(&(3, 3)), "{calls:?}");
}
