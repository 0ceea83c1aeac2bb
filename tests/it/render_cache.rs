//! The render cache (issue 24) through the CLI, with the real helm and kubectl: a warm run
//! replays byte for byte what a cold run printed and starts no renderer; any input change
//! re-renders that chart or root only; a Secret's value never lands in the cache in clear text.

use crate::ci_support as support;
use crate::common::{renderers_available, repo};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Wrappers around the real renderers that log each run to `log` (the renderer's environment
/// is emptied, so the log's path is written into the script).
fn logged_renderers(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let log = dir.join("renderer-runs.log");
    let wrap = |name: &str, real: &str| -> PathBuf {
        let real = std::env::var(real).expect("renderers_available");
        let path = dir.join(name);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"{name} $1\" >> '{}'\nexec '{real}' \"$@\"\n",
                log.display()
            ),
        )
        .expect("write wrapper");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    };
    (
        wrap("helm", "PULLCHECK_HELM"),
        // The name tells pullcheck to call `kubectl kustomize`.
        wrap("kubectl-logged", "PULLCHECK_KUBECTL"),
        log,
    )
}

struct Setup {
    dir: PathBuf,
    helm: PathBuf,
    kubectl: PathBuf,
    log: PathBuf,
    cache: PathBuf,
}

impl Setup {
    fn new(name: &str) -> Setup {
        let dir = support::temp_dir(name);
        let tools = dir.join("tools");
        std::fs::create_dir_all(&tools).expect("mkdir");
        let (helm, kubectl, log) = logged_renderers(&tools);
        let cache = dir.join("cache");
        Setup {
            dir,
            helm,
            kubectl,
            log,
            cache,
        }
    }

    /// Runs pullcheck over `paths` (relative to the setup's `tree/`) in `format`; returns the
    /// output and the renderer runs it caused.
    fn run(&self, args: &[&str], paths: &[&str]) -> (String, Vec<String>) {
        let _ = std::fs::remove_file(&self.log);
        let (code, stdout, stderr) = support::run(
            Command::new(support::pullcheck_bin())
                .arg("--helm")
                .arg(&self.helm)
                .arg("--kustomize")
                .arg(&self.kubectl)
                .args(args)
                .args(paths)
                .current_dir(self.dir.join("tree"))
                // Never the user's own cache, whatever the arguments.
                .env("XDG_CACHE_HOME", self.dir.join("xdg"))
                .env("HOME", self.dir.join("home")),
        );
        assert!(code == 0 || code == 1, "exit {code}: {stdout}{stderr}");
        let runs = std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect();
        (stdout, runs)
    }

    fn cached(&self, args: &[&str], paths: &[&str]) -> (String, Vec<String>) {
        let cache = self.cache.to_string_lossy().into_owned();
        let mut all = vec!["--cache-dir", cache.as_str()];
        all.extend_from_slice(args);
        self.run(&all, paths)
    }

    fn entries(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.cache.join("render"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "render"))
                    .collect()
            })
            .unwrap_or_default()
    }
}

const REAL: [&str; 5] = [
    "helm/bitnami-memcached",
    "helm/prometheus-pushgateway",
    "kustomize/multibases",
    "kustomize/springboot/overlays/production",
    "kustomize/wordpress",
];

fn count(runs: &[String], prefix: &str) -> usize {
    runs.iter().filter(|r| r.starts_with(prefix)).count()
}

#[test]
fn a_warm_run_prints_what_a_cold_run_printed_and_renders_nothing() {
    if !renderers_available("render_cache::warm") {
        return;
    }
    let s = Setup::new("render-cache-warm");
    support::copy_tree(&repo().join("fixtures/render/real"), &s.dir.join("tree"));
    for format in ["json", "human", "sarif"] {
        let (uncached, runs) = s.run(&["--no-cache", "--format", format], &REAL);
        assert_eq!(count(&runs, "helm template"), 2, "{runs:?}");
        assert_eq!(count(&runs, "kubectl-logged kustomize"), 3, "{runs:?}");
        let (cold, _) = s.cached(&["--format", format], &REAL);
        let (warm, runs) = s.cached(&["--format", format], &REAL);
        assert_eq!(runs, Vec::<String>::new(), "a warm run starts no renderer");
        assert_eq!(cold, uncached, "{format}");
        assert_eq!(warm, uncached, "{format}: the warm run differs");
    }
    assert!(!s.dir.join("xdg").exists() && !s.dir.join("home").exists());
    // 2 charts, 3 roots and Helm's version.
    assert_eq!(s.entries().len(), 6);
    // Private: the directory 0700, the entries 0600.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(&s.cache.join("render")), 0o700);
    assert!(s.entries().iter().all(|e| mode(e) == 0o600));

    // A corrupt entry is a miss: rendered again, the same output.
    let (before, _) = s.cached(&["--format", "json"], &REAL);
    for entry in s.entries() {
        let mut bytes = std::fs::read(&entry).expect("read");
        let last = bytes.len() - 2;
        bytes[last] ^= 0x20;
        std::fs::write(&entry, &bytes).expect("write");
    }
    let (after, runs) = s.cached(&["--format", "json"], &REAL);
    assert_eq!(after, before);
    assert_eq!(count(&runs, "helm template") + count(&runs, "kubectl"), 5);

    // --no-cache reads and writes nothing: no renderer run is saved, no directory made.
    let (_, runs) = s.run(&["--no-cache"], &REAL);
    assert_eq!(
        count(&runs, "helm template") + count(&runs, "kubectl"),
        5,
        "{runs:?}"
    );
    assert!(!s.dir.join("xdg").exists());
    // By default: $XDG_CACHE_HOME/pullcheck/render.
    s.run(&[], &REAL);
    let (_, runs) = s.run(&[], &REAL);
    assert!(runs.is_empty(), "{runs:?}");
    assert!(s.dir.join("xdg/pullcheck/render").is_dir());
}

#[test]
fn a_change_to_any_input_renders_that_chart_or_root_again() {
    if !renderers_available("render_cache::inputs") {
        return;
    }
    let s = Setup::new("render-cache-inputs");
    let tree = s.dir.join("tree");
    support::copy_tree(&repo().join("fixtures/render/real"), &tree);
    support::copy_tree(
        &repo().join("fixtures/render/umbrella"),
        &tree.join("umbrella"),
    );
    let mut paths = REAL.to_vec();
    paths.push("umbrella");
    let (_, runs) = s.cached(&["--format", "json"], &paths);
    assert_eq!(
        count(&runs, "helm template") + count(&runs, "kubectl"),
        6,
        "{runs:?}"
    );
    // Each change: exactly the one chart or root renders again, and the result is what a run
    // without the cache prints.
    let edits: [(&str, &dyn Fn(), &str); 6] = [
        (
            "a subchart's template",
            &|| {
                append(
                    &tree.join("umbrella/charts/api/templates/deployment.yaml"),
                    "\n",
                )
            },
            "helm template",
        ),
        (
            "a base of an overlay",
            &|| {
                append(
                    &tree.join("kustomize/springboot/base/application.properties"),
                    "edited=1\n",
                );
            },
            "kubectl-logged kustomize",
        ),
        (
            "a file's mode",
            &|| {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(
                    tree.join("helm/prometheus-pushgateway/values.yaml"),
                    std::fs::Permissions::from_mode(0o600),
                )
                .expect("chmod");
            },
            "helm template",
        ),
        (
            "a new file in a chart",
            &|| {
                std::fs::write(tree.join("helm/bitnami-memcached/extra.txt"), "x").expect("w");
            },
            "helm template",
        ),
        (
            "a file a kustomization names",
            &|| append(&tree.join("kustomize/wordpress/patch.yaml"), "\n# edited\n"),
            "kubectl-logged kustomize",
        ),
        (
            "a file beside a kustomization that it does not name",
            &|| std::fs::write(tree.join("kustomize/multibases/base/notes.txt"), "x").expect("w"),
            "kubectl-logged kustomize",
        ),
    ];
    for (what, edit, renderer) in edits {
        edit();
        let (warm, runs) = s.cached(&["--format", "json"], &paths);
        assert_eq!(runs.len(), 1, "{what}: {runs:?}");
        assert!(runs[0].starts_with(renderer), "{what}: {runs:?}");
        let (fresh, _) = s.run(&["--no-cache", "--format", "json"], &paths);
        assert_eq!(warm, fresh, "{what}");
    }
    // Flags and values: a release name, a values file's content, the config's `set:`.
    let (_, runs) = s.cached(&["--release", "other"], &paths);
    assert_eq!(count(&runs, "helm template"), 3, "{runs:?}");
    let values = s.dir.join("values.yaml");
    std::fs::write(&values, "replicaCount: 2\n").expect("write");
    let values_arg = values.to_string_lossy().into_owned();
    let (_, runs) = s.cached(&["--values", &values_arg], &["umbrella"]);
    assert_eq!(runs.len(), 1, "{runs:?}");
    let (_, runs) = s.cached(&["--values", &values_arg], &["umbrella"]);
    assert!(runs.is_empty(), "{runs:?}");
    std::fs::write(&values, "replicaCount: 3\n").expect("write");
    let (_, runs) = s.cached(&["--values", &values_arg], &["umbrella"]);
    assert_eq!(runs.len(), 1, "{runs:?}");
    let config = tree.join(".pullcheck.yaml");
    for (n, renders) in [("1", 1), ("2", 1), ("2", 0)] {
        std::fs::write(
            &config,
            format!("charts:\n  - path: umbrella\n    set:\n      replicaCount: {n}\n"),
        )
        .expect("write");
        let (_, runs) = s.cached(&[], &["umbrella"]);
        assert_eq!(runs.len(), renders, "{n}: {runs:?}");
    }
    // Another renderer binary (a rebuilt one: same path, new content) renders again.
    let text = std::fs::read_to_string(&s.helm).expect("read");
    std::fs::write(&s.helm, format!("{text}# rebuilt\n")).expect("write");
    let (_, runs) = s.cached(&[], &["helm/bitnami-memcached"]);
    assert_eq!(
        runs.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        ["helm version", "helm template"]
    );
}

fn append(path: &Path, text: &str) {
    let mut all = std::fs::read_to_string(path).expect("read");
    all.push_str(text);
    std::fs::write(path, all).expect("write");
}

#[test]
fn a_secret_value_never_lands_in_the_cache_in_clear_text() {
    if !renderers_available("render_cache::secrets") {
        return;
    }
    let s = Setup::new("render-cache-secret");
    let tree = s.dir.join("tree");
    support::copy_tree(
        &repo().join("fixtures/render/secret-values"),
        &tree.join("web"),
    );
    let (cold, runs) = s.cached(&["--format", "json"], &["web"]);
    assert_eq!(count(&runs, "helm template"), 1);
    let (warm, runs) = s.cached(&["--format", "json"], &["web"]);
    assert_eq!(warm, cold);
    assert!(runs.is_empty(), "{runs:?}");
    // The report masks the value; the cache holds it sealed: neither it, its base64, nor
    // anything else of the output is on disk in clear text.
    assert!(!warm.contains("s3cr3t-Hunter2"), "{warm}");
    let mut files = 0;
    for entry in walk(&s.cache) {
        let bytes = std::fs::read(&entry).expect("read");
        for needle in [
            "s3cr3t-Hunter2",
            "czNjcjN0LUh1bnRlcjI",
            "kind: Secret",
            "web-auth",
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} in {}",
                entry.display()
            );
        }
        files += 1;
    }
    assert!(files >= 2, "the entry, Helm's version and the salt");
}

#[test]
fn concurrent_runs_share_one_cache() {
    if !renderers_available("render_cache::concurrent") {
        return;
    }
    let s = Setup::new("render-cache-concurrent");
    support::copy_tree(&repo().join("fixtures/render/real"), &s.dir.join("tree"));
    let (expected, _) = s.run(&["--no-cache", "--format", "json"], &REAL);
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| s.cached(&["--format", "json"], &REAL).0))
            .collect();
        for run in runs {
            assert_eq!(run.join().expect("a run"), expected);
        }
    });
    let (warm, runs) = s.cached(&["--format", "json"], &REAL);
    assert!(runs.is_empty(), "{runs:?}");
    assert_eq!(warm, expected);
    let leftovers: Vec<_> = walk(&s.cache)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
