//! Issue 26: `pullcheck pods` runs the REAL kubectl (1.31, `PULLCHECK_KUBECTL` from
//! scripts/test.sh) against the stand-in API server of `tests/kubectl-standin/`: every
//! scenario's answers are its rendered fixtures' expectations, only reads reach the server, and
//! what a user meets (Forbidden, a slow server, no such namespace, no cluster, no kubectl) is a
//! clear message.

use crate::common::{lint_paths, repo};
use crate::kubectl_rendered::{FILES, Row, expectations, informed, scenarios};
use pullcheck::rules::{CATALOG, Category};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The stand-in, stopped when dropped (it ends when its stdin closes).
struct Standin {
    child: Child,
    base: String,
    log: PathBuf,
    dir: PathBuf,
}

impl Standin {
    fn start(name: &str) -> Standin {
        let dir =
            std::env::temp_dir().join(format!("pullcheck-pods-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let log = dir.join("requests.log");
        let mut child = Command::new("python3")
            .arg(repo().join("tests/kubectl-standin/server.py"))
            .arg(repo().join("tests/kubectl-standin/scenarios"))
            .arg("0")
            .env("STANDIN_LOG", &log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the stand-in");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the stand-in says where it listens");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening on …")
            .to_string();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        Standin {
            child,
            base,
            log,
            dir,
        }
    }

    /// A kubeconfig whose server is `path` on the stand-in (`/s/<scenario>`, maybe behind
    /// `/x/<conditions>`), its namespace `ns`.
    fn kubeconfig(&self, file: &str, path: &str, ns: &str) -> PathBuf {
        let config = self.dir.join(file);
        std::fs::write(
            &config,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: standin\n  cluster:\n    server: {}{path}\n\
                 contexts:\n- name: standin\n  context:\n    cluster: standin\n    namespace: {ns}\n\
                 current-context: standin\nusers: []\n",
                self.base
            ),
        )
        .expect("kubeconfig");
        config
    }

    /// Each request as `METHOD PATH accept=…` (the log's leading status code dropped).
    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| match line.split_once(' ') {
                Some((status, rest)) if status.bytes().all(|b| b.is_ascii_digit()) => {
                    rest.to_string()
                }
                _ => line.to_string(),
            })
            .collect()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn kubectl() -> Option<PathBuf> {
    let found = std::env::var_os("PULLCHECK_KUBECTL")
        .map(PathBuf::from)
        .filter(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("PULLCHECK_REQUIRE_CLIENTS").is_none(),
            "PULLCHECK_KUBECTL is not set but PULLCHECK_REQUIRE_CLIENTS is"
        );
        eprintln!("skipping: set PULLCHECK_KUBECTL (scripts/test.sh installs kubectl)");
    }
    found
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn pods(kubectl: &Path, config: &Path, args: &[&str]) -> Ran {
    let scratch = config.with_extension("home");
    std::fs::create_dir_all(&scratch).expect("home");
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_pullcheck"))
        .arg("pods")
        .arg("--kubectl")
        .arg(kubectl)
        .arg("--kubeconfig")
        .arg(config)
        .args(args)
        .env("HOME", &scratch)
        .env("TZ", "UTC")
        .env_remove("KUBECONFIG")
        .output()
        .expect("pullcheck runs");
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    }
}

/// (pod, image or `-`, rule) of the diagnoses of a JSON report, sorted.
fn rows(json: &str) -> Vec<Row> {
    let v: serde_json::Value = serde_json::from_str(json).expect("JSON report");
    let mut out: Vec<Row> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            CATALOG
                .iter()
                .any(|r| r.name == f["rule"] && r.category == Category::Diagnosis)
        })
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("-").to_string();
            (s("pod"), s("image"), s("rule"))
        })
        .collect();
    out.sort();
    out
}

/// What `pods -A` must say of a scenario: for each pod, the rows of its best view among all
/// the rendered files (pods, events, describe).
fn best_rows(dir: &Path) -> Vec<Row> {
    let want = expectations(dir);
    let mut per_pod: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for file in FILES {
        let rows = want
            .get(*file)
            .or_else(|| want.get("*"))
            .cloned()
            .unwrap_or_default();
        let pods: BTreeSet<String> = rows.iter().map(|r| r.0.clone()).collect();
        for pod in pods {
            let of: Vec<Row> = rows.iter().filter(|r| r.0 == pod).cloned().collect();
            let best = per_pod.entry(pod).or_default();
            if informed(&of) > informed(best) {
                *best = of;
            }
        }
    }
    let mut out: Vec<Row> = per_pod.into_values().flatten().collect();
    out.sort();
    out
}

fn first_pod(dir: &Path) -> (String, String) {
    let name = dir
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            repo()
                .join("tests/kubectl-standin/scenarios")
                .join(&name)
                .join("scenario.json"),
        )
        .expect("scenario.json"),
    )
    .expect("JSON");
    let p = &spec["pods"][0];
    (
        p["namespace"].as_str().expect("ns").to_string(),
        p["name"].as_str().expect("name").to_string(),
    )
}

/// Every request is a read, and Secrets are only ever read as the server's table (names and
/// types: the data never leaves it).
fn assert_only_reads(requests: &[String]) {
    assert!(!requests.is_empty(), "no request was logged");
    for r in requests {
        assert!(r.starts_with("GET "), "not a read: {r}");
        for forbidden in ["/exec", "/attach", "/portforward", "/proxy", "/log"] {
            assert!(!r.contains(forbidden), "{r}");
        }
        if r.contains("/secrets") {
            assert!(r.contains("as=Table"), "a Secret was read whole: {r}");
        }
    }
}

#[test]
fn every_scenario_is_diagnosed_as_its_rendered_files_say() {
    let Some(k) = kubectl() else { return };
    let standin = Standin::start("all");
    let mut wrong = Vec::new();
    for (i, dir) in scenarios().into_iter().enumerate() {
        let name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let (ns, pod) = first_pod(&dir);
        let config = standin.kubeconfig(&format!("{name}.kubeconfig"), &format!("/s/{name}"), &ns);
        let ran = pods(&k, &config, &["-A", "--format", "json"]);
        let expected = best_rows(&dir);
        let got = rows(&ran.stdout);
        let code = if expected.iter().any(|r| r.2 != "pull-failed") {
            1
        } else {
            ran.code
        };
        if got != expected || ran.code != code {
            wrong.push(format!(
                "{name} (exit {})\n  expected {expected:?}\n  got      {got:?}\n  {}",
                ran.code, ran.stderr
            ));
        }
        // The pod by name, in the context's namespace: its own rows (a third of the scenarios:
        // each run is a few seconds of kubectl).
        if i % 3 != 0 {
            continue;
        }
        let ran = pods(&k, &config, &[&pod, "--format", "json"]);
        let own: Vec<Row> = expected.iter().filter(|r| r.0 == pod).cloned().collect();
        if rows(&ran.stdout) != own {
            wrong.push(format!(
                "{name} {pod}: {:?} != {own:?}\n  {}",
                rows(&ran.stdout),
                ran.stderr
            ));
        }
        assert!(
            ran.stderr.contains("pod read") || ran.stderr.contains("pods read"),
            "{}",
            ran.stderr
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_only_reads(&standin.requests());
}

#[test]
fn forbidden_reads_are_said_and_the_rest_is_diagnosed() {
    let Some(k) = kubectl() else { return };
    let standin = Standin::start("forbidden");
    let config = standin.kubeconfig(
        "forbid.kubeconfig",
        "/x/forbid-events+forbid-serviceaccounts+forbid-secrets/s/missing-pull-secret",
        "team-a",
    );
    let ran = pods(&k, &config, &["--format", "json"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    // The pod's status alone: the failure, not its cause (kubelet 1.31 keeps it out).
    assert_eq!(
        rows(&ran.stdout),
        vec![(
            "private-api-59d7f8c6b-r4t7n".to_string(),
            "acme/private-api:1.2.0".to_string(),
            "pull-failed".to_string()
        )]
    );
    for said in [
        "events were not read (core v1 events: forbidden; events.k8s.io/v1 events: forbidden)",
        "ServiceAccounts were not read (forbidden)",
        "the pull Secrets of namespace \"team-a\" were not looked up (forbidden)",
    ] {
        assert!(ran.stderr.contains(said), "{said}: {}", ran.stderr);
    }
    // Without the Forbidden: the events name the cause, and the Secret is known missing.
    let config = standin.kubeconfig("ok.kubeconfig", "/s/missing-pull-secret", "team-a");
    let ran = pods(&k, &config, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).expect("JSON");
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules.len(), 2, "{rules:?}");
    assert!(rules.contains(&"pull-unauthorized") && rules.contains(&"pull-secret-not-found"));
    assert_only_reads(&standin.requests());
}

#[test]
fn a_slow_server_an_unknown_namespace_no_cluster_no_kubectl() {
    let Some(k) = kubectl() else { return };
    let standin = Standin::start("errors");
    let slow = standin.kubeconfig(
        "slow.kubeconfig",
        "/x/slow-pods-8/s/containerd-not-found",
        "shop",
    );
    let ran = pods(&k, &slow, &["--request-timeout", "1"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("in time"), "{}", ran.stderr);
    assert!(ran.took < Duration::from_secs(8), "took {:?}", ran.took);

    let ok = standin.kubeconfig("ok.kubeconfig", "/s/containerd-not-found", "shop");
    let ran = pods(&k, &ok, &["-n", "no-such-namespace"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr
            .contains("namespace \"no-such-namespace\" does not exist"),
        "{}",
        ran.stderr
    );
    let ran = pods(&k, &ok, &["no-such-pod"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("no pod named no-such-pod"),
        "{}",
        ran.stderr
    );

    let down = standin.kubeconfig("down.kubeconfig", "", "shop");
    let down_text = std::fs::read_to_string(&down)
        .expect("kubeconfig")
        .replace(&standin.base, "http://127.0.0.1:1");
    std::fs::write(&down, down_text).expect("kubeconfig");
    let ran = pods(&k, &down, &[]);
    assert_eq!(ran.code, 2);
    assert!(ran.stderr.contains("cannot be reached"), "{}", ran.stderr);
    assert!(!ran.stderr.contains("memcache.go"), "{}", ran.stderr);

    let no_context = standin.dir.join("empty.kubeconfig");
    std::fs::write(&no_context, "apiVersion: v1\nkind: Config\n").expect("kubeconfig");
    let ran = pods(&k, &no_context, &[]);
    assert_eq!(ran.code, 2);
    assert!(ran.stderr.contains("no context to use"), "{}", ran.stderr);

    let ran = pods(Path::new("/nonexistent/kubectl"), &ok, &[]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("--kubectl /nonexistent/kubectl"),
        "{}",
        ran.stderr
    );
    let out = Command::new(env!("CARGO_BIN_EXE_pullcheck"))
        .arg("pods")
        .env("PATH", standin.dir.join("empty-path"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kubectl is not on PATH"));
    assert_only_reads(&standin.requests());
}

#[test]
fn many_pods_are_read_in_pages_up_to_the_limit() {
    let Some(k) = kubectl() else { return };
    let standin = Standin::start("limit");
    let config = standin.kubeconfig("many.kubeconfig", "/s/many-pods-all-namespaces", "default");
    let ran = pods(&k, &config, &["-A", "--limit", "2", "--format", "json"]);
    assert!(ran.stderr.contains("2 pods read"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("only the first 2 pods were read"),
        "{}",
        ran.stderr
    );
    let pages = standin
        .requests()
        .iter()
        .filter(|r| r.contains("/api/v1/pods?limit="))
        .count();
    assert_eq!(pages, 1, "{:?}", standin.requests());
    let ran = pods(&k, &config, &["-A", "--format", "json"]);
    assert!(ran.stderr.contains("3 pods read"), "{}", ran.stderr);
    assert!(!ran.stderr.contains("only the first"), "{}", ran.stderr);
}

#[test]
fn saved_reads_lint_again_to_the_same_diagnoses() {
    let Some(k) = kubectl() else { return };
    let standin = Standin::start("save");
    for scenario in [
        "many-pods-all-namespaces",
        "two-containers-interleaved",
        "missing-pull-secret",
    ] {
        let config = standin.kubeconfig(
            &format!("{scenario}.kubeconfig"),
            &format!("/s/{scenario}"),
            "default",
        );
        let saved = standin.dir.join(format!("saved-{scenario}"));
        let saved_arg = saved.to_string_lossy().into_owned();
        let ran = pods(
            &k,
            &config,
            &["-A", "--format", "json", "--save", &saved_arg],
        );
        assert!(ran.stderr.contains("saved what was read"), "{}", ran.stderr);
        let mut files: Vec<String> = std::fs::read_dir(&saved)
            .expect("saved dir")
            .flatten()
            .map(|e| e.path().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert!(files.iter().any(|f| f.ends_with("pods.json")), "{files:?}");
        let paths: Vec<&str> = files.iter().map(String::as_str).collect();
        let again = crate::kubectl_rendered::diagnoses(&lint_paths(&paths));
        assert_eq!(again, rows(&ran.stdout), "{scenario}");
        assert!(!again.is_empty());
        for f in &files {
            let text = std::fs::read_to_string(f).expect("saved file");
            assert!(
                !text.contains("managedFields") && !text.contains("\"data\""),
                "{f}"
            );
        }
    }
}

#[test]
fn kubectl_runs_it_as_a_plugin() {
    let Some(k) = kubectl() else { return };
    let standin = Standin::start("plugin");
    let bin = standin.dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_pullcheck"),
        bin.join("kubectl-pullcheck"),
    )
    .expect("symlink");
    let config = standin.kubeconfig("p.kubeconfig", "/s/containerd-not-found", "shop");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |args: &[&str]| {
        Command::new(&k)
            .args(args)
            .env("PATH", &path)
            .env("HOME", &standin.dir)
            .env_remove("KUBECONFIG")
            .output()
            .expect("kubectl runs")
    };
    let kubectl_arg = k.to_string_lossy().into_owned();
    let config_arg = config.to_string_lossy().into_owned();
    let out = run(&[
        "pullcheck",
        "pods",
        "--kubectl",
        &kubectl_arg,
        "--kubeconfig",
        &config_arg,
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        rows(&String::from_utf8_lossy(&out.stdout)),
        best_rows(&repo().join("fixtures/kubectl/rendered/containerd-not-found"))
            .into_iter()
            .filter(|r| r.0 == "web-7d9c5b8f4-x2x9q")
            .collect::<Vec<_>>()
    );
    let help = run(&["pullcheck", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("Usage: kubectl pullcheck"), "{text}");
    let help = run(&["pullcheck", "pods", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("Usage: kubectl pullcheck pods"), "{text}");
    let listed = run(&["plugin", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("kubectl-pullcheck"));
}

/// A failing pod as `pods.json` holds it, and the kubelet's event saying the tag is missing.
fn failing_pod(name: &str, image: &str) -> (serde_json::Value, serde_json::Value) {
    let pod = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "prod"},
        "spec": {"containers": [{"name": "app", "image": image}]},
        "status": {"phase": "Pending", "containerStatuses": [{"name": "app", "image": image,
            "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ImagePullBackOff",
                "message": format!("Back-off pulling image \"{image}\"")}}}]},
    });
    let event = serde_json::json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{name}.1"), "namespace": "prod"},
        "involvedObject": {"kind": "Pod", "name": name, "namespace": "prod",
            "fieldPath": "spec.containers{app}"},
        "reason": "Failed", "type": "Warning", "count": 3,
        "message": format!("Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found"),
    });
    (pod, event)
}

/// `pullcheck pods --online`: each failing image asked of its registry (the real one of
/// tests/registry), confirming one diagnosis and contradicting the other.
#[test]
fn online_confirms_or_contradicts_each_diagnosis() {
    use crate::registry_support::{Auth, Registry};
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    registry.push_single("team/app", "1.0");
    let (gone, gone_event) = failing_pod("gone", &format!("{host}/team/app:9.9"));
    let (there, there_event) = failing_pod("there", &format!("{host}/team/app:1.0"));
    let list = |kind: &str, items: Vec<serde_json::Value>| {
        serde_json::to_string_pretty(
            &serde_json::json!({"apiVersion": "v1", "kind": kind, "items": items}),
        )
        .expect("JSON")
    };
    let reading = pullcheck::cluster::Reading {
        files: vec![
            ("pods.json".into(), list("PodList", vec![gone, there])),
            (
                "events.json".into(),
                list("EventList", vec![gone_event, there_event]),
            ),
        ],
        pods: vec!["prod/gone".into(), "prod/there".into()],
        scope: "namespace prod".into(),
        ..Default::default()
    };
    let names: Vec<String> = reading.files.iter().map(|(n, _)| n.clone()).collect();
    let opts = pullcheck::engine::LintOptions {
        jobs: 2,
        online: Some(pullcheck::engine::OnlineSettings {
            no_docker_config: true,
            ..Default::default()
        }),
        ..Default::default()
    };
    let d = pullcheck::cluster::diagnose(&reading, &names, &opts).expect("diagnosed");
    let verdict = |pod: &str| {
        d.report
            .findings
            .iter()
            .find(|f| {
                f.rule == "pull-not-found" && f.extra.iter().any(|(k, v)| *k == "pod" && v == pod)
            })
            .map(|f| {
                let online = f
                    .extra
                    .iter()
                    .find(|(k, _)| *k == "online")
                    .map(|(_, v)| v.clone());
                (online, f.message.clone())
            })
            .unwrap_or_else(|| panic!("no pull-not-found for {pod}: {:?}", d.report.findings))
    };
    let (v, m) = verdict("gone");
    assert_eq!(v.as_deref(), Some("confirmed"), "{m}");
    assert!(
        m.contains("the node's network and credentials may differ"),
        "{m}"
    );
    let (v, m) = verdict("there");
    assert_eq!(v.as_deref(), Some("contradicted"), "{m}");
    let online = d.report.online.as_ref().expect("online summary");
    assert_eq!(online.checked.len(), 2, "{online:?}");
    assert_eq!(d.failing.len(), 2);
}
