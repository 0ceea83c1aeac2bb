//! The answer cache of `--online` against a real registry (distribution 2.8 on 127.0.0.1): a
//! second run within a tag's lifetime sends nothing, `--refresh` asks again about tags, a digest
//! outlives the tag lifetime, two pull secrets never share an answer, a corrupt entry is a miss,
//! and no credential is ever written. Every cache lives in a temporary directory.

use crate::common;
use crate::registry_support::{Auth, Registry};
use pullcheck::engine::{LintOptions, OnlineSettings, Report, lint};
use pullcheck::registry::CacheSettings;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn dir(name: &str) -> PathBuf {
    crate::ci_support::temp_dir(&format!("online-cache-{name}"))
}

fn pod(name: &str, image: &str, secret: Option<&str>) -> String {
    let secrets = secret
        .map(|s| format!("  imagePullSecrets:\n    - name: {s}\n"))
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: prod\nspec:\n{secrets}  containers:\n    - name: app\n      image: {image}\n"
    )
}

fn pull_secret(name: &str, host: &str, user: &str, pass: &str) -> String {
    let auth = pullcheck::model::base64::encode(format!("{user}:{pass}").as_bytes());
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: prod\ntype: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: '{{\"auths\": {{\"{host}\": {{\"auth\": \"{auth}\"}}}}}}'\n"
    )
}

fn cache(dir: &Path, tag_lifetime: Duration, refresh: bool) -> CacheSettings {
    CacheSettings {
        dir: dir.to_path_buf(),
        tag_lifetime,
        refresh,
    }
}

fn run(files: &Path, cache: CacheSettings) -> Report {
    run_with(files, cache, pullcheck::registry::Options::default())
}

fn run_with(files: &Path, cache: CacheSettings, client: pullcheck::registry::Options) -> Report {
    let opts = LintOptions {
        paths: vec![files.to_path_buf()],
        jobs: 2,
        online: Some(OnlineSettings {
            client,
            no_docker_config: true,
            cache: Some(cache),
            ..OnlineSettings::default()
        }),
        ..LintOptions::default()
    };
    lint(&opts).expect("lint runs")
}

/// (image, answer, cached) of every image checked.
fn checked(report: &Report) -> Vec<(String, &'static str, bool)> {
    report
        .online
        .as_ref()
        .expect("an online summary")
        .checked
        .iter()
        .map(|c| (c.image.clone(), c.answer, c.cached))
        .collect()
}

fn requests(report: &Report) -> usize {
    report.online.as_ref().map_or(usize::MAX, |o| o.requests)
}

/// Requests the registry logged whose line contains `needle`.
fn logged(registry: &Registry, needle: &str) -> usize {
    registry
        .log()
        .lines()
        .filter(|l| l.contains(needle) && l.contains("/v2/"))
        .count()
}

/// The entry files of a cache directory.
fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(cache)
        .expect("the cache directory exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    out.sort();
    out
}

#[test]
fn a_second_run_asks_nothing_and_refresh_asks_again_about_tags() {
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    let pushed = registry.push_single("team/app", "1.0");
    registry.push_single("team/app", "1.1");
    let d = dir("warm");
    let files = d.join("files");
    std::fs::create_dir_all(&files).expect("mkdir");
    let tagged = format!("{host}/team/app:1.0");
    let pinned = format!("{host}/team/app@{}", pushed.digest);
    let missing = format!("{host}/team/app:1.2");
    std::fs::write(
        files.join("pods.yaml"),
        [
            pod("tagged", &tagged, None),
            pod("pinned", &pinned, None),
            pod("missing", &missing, None),
        ]
        .join("---\n"),
    )
    .expect("write");
    let store = d.join("cache");
    let lifetime = Duration::from_secs(300);

    let cold = run(&files, cache(&store, lifetime, false));
    assert!(requests(&cold) > 0);
    assert!(checked(&cold).iter().all(|c| !c.2), "{:?}", checked(&cold));
    let human = common::human(&cold);
    assert!(!human.contains("from cache"), "{human}");
    let before = logged(&registry, "/v2/team/");
    assert!(before > 0, "{}", registry.log());

    // Within the lifetime: nothing is sent, every answer is marked cached, the findings agree
    // (the missing tag still has its nearest tags, from the cached tag list).
    let warm = run(&files, cache(&store, lifetime, false));
    assert_eq!(requests(&warm), 0, "{}", common::human(&warm));
    assert_eq!(logged(&registry, "/v2/team/"), before, "{}", registry.log());
    assert!(checked(&warm).iter().all(|c| c.2), "{:?}", checked(&warm));
    assert_eq!(
        checked(&warm)
            .iter()
            .map(|c| (c.0.clone(), c.1))
            .collect::<Vec<_>>(),
        checked(&cold)
            .iter()
            .map(|c| (c.0.clone(), c.1))
            .collect::<Vec<_>>()
    );
    let help = |r: &Report| {
        r.findings
            .iter()
            .find(|f| f.rule == "image-not-found")
            .and_then(|f| f.help.clone())
            .unwrap_or_default()
    };
    assert!(help(&warm).contains("`1.1`"), "{}", help(&warm));
    assert_eq!(help(&warm), help(&cold));
    let online = warm.online.as_ref().expect("summary");
    assert_eq!((online.images, online.from_cache), (3, 3));
    let human = common::human(&warm);
    assert!(
        human.contains("3 images checked in 1 registry (3 from cache, 0 requests)"),
        "{human}"
    );
    let json = common::json(&warm);
    assert!(json.contains("\"cached\": true"), "{json}");
    // Every answer from the cache: no client is even made. One that cannot be made (a zero
    // timeout) is not noticed; with a question to ask, it is.
    let unusable = pullcheck::registry::Options {
        request_timeout: Duration::ZERO,
        ..pullcheck::registry::Options::default()
    };
    let warm = run_with(&files, cache(&store, lifetime, false), unusable.clone());
    let online = warm.online.as_ref().expect("summary");
    assert!(online.skipped.is_empty(), "{:?}", online.skipped);
    assert_eq!(online.from_cache, 3);
    let cold = run_with(&files, cache(&d.join("other"), lifetime, false), unusable);
    let online = cold.online.as_ref().expect("summary");
    assert_eq!(online.skipped.len(), 1, "{:?}", online.skipped);

    // --refresh: the tags are asked again, the digest is not.
    let digest_lines = logged(&registry, &pushed.digest);
    let tag_lines = logged(&registry, "/manifests/1.0");
    let refreshed = run(&files, cache(&store, lifetime, true));
    assert!(requests(&refreshed) > 0);
    assert_eq!(logged(&registry, &pushed.digest), digest_lines);
    assert!(logged(&registry, "/manifests/1.0") > tag_lines);
    let cached_of = |r: &Report, image: &str| {
        checked(r)
            .iter()
            .find(|c| c.0 == image)
            .map(|c| c.2)
            .expect("checked")
    };
    assert!(cached_of(&refreshed, &pinned));
    assert!(!cached_of(&refreshed, &tagged));
    assert!(!cached_of(&refreshed, &missing));
}

#[test]
fn a_digest_outlives_a_tiny_tag_lifetime() {
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    let pushed = registry.push_single("team/app", "1.0");
    let d = dir("lifetime");
    let files = d.join("files");
    std::fs::create_dir_all(&files).expect("mkdir");
    let tagged = format!("{host}/team/app:1.0");
    let pinned = format!("{host}/team/app@{}", pushed.digest);
    std::fs::write(
        files.join("pods.yaml"),
        [pod("tagged", &tagged, None), pod("pinned", &pinned, None)].join("---\n"),
    )
    .expect("write");
    let store = d.join("cache");
    run(&files, cache(&store, Duration::ZERO, false));
    let digest_lines = logged(&registry, &pushed.digest);
    let tag_lines = logged(&registry, "/manifests/1.0");
    let again = run(&files, cache(&store, Duration::ZERO, false));
    assert_eq!(logged(&registry, &pushed.digest), digest_lines);
    assert!(logged(&registry, "/manifests/1.0") > tag_lines);
    assert_eq!(
        checked(&again),
        [
            (tagged.clone(), "pullable", false),
            (pinned.clone(), "pullable", true)
        ]
    );
    let online = again.online.as_ref().expect("summary");
    assert_eq!((online.images, online.from_cache), (2, 1));
}

#[test]
fn pull_secrets_get_their_own_answers_and_no_credential_is_written() {
    let Some(registry) = Registry::start(Auth::basic("puller", "Pull-Pass-1"), false) else {
        return;
    };
    let host = registry.host();
    registry.push_single("team/private", "1.0");
    let image = format!("{host}/team/private:1.0");
    let d = dir("secrets");
    let (good, stale) = (d.join("good"), d.join("stale"));
    for (files, secret, pass) in [
        (&good, "good", "Pull-Pass-1"),
        (&stale, "stale", "Old-Pass-0"),
    ] {
        std::fs::create_dir_all(files).expect("mkdir");
        std::fs::write(
            files.join("objects.yaml"),
            [
                pull_secret(secret, &host, "puller", pass),
                pod("app", &image, Some(secret)),
            ]
            .join("---\n"),
        )
        .expect("write");
    }
    let store = d.join("cache");
    let lifetime = Duration::from_secs(300);
    let first = run(&good, cache(&store, lifetime, false));
    assert_eq!(checked(&first), [(image.clone(), "pullable", false)]);
    // The same image with a stale secret: its own question, refused, never the good one's
    // cached "pullable".
    for _ in 0..2 {
        let refused = run(&stale, cache(&store, lifetime, false));
        assert_eq!(
            checked(&refused),
            [(image.clone(), "unauthorized", false)],
            "{}",
            common::human(&refused)
        );
        // A refusal is never kept: asked again each time.
        assert!(requests(&refused) > 0);
    }
    let again = run(&good, cache(&store, lifetime, false));
    assert_eq!(checked(&again), [(image.clone(), "pullable", true)]);
    assert_eq!(requests(&again), 0);

    // No password, username or auth string in any file of the cache, names included.
    let auths = [
        pullcheck::model::base64::encode(b"puller:Pull-Pass-1"),
        pullcheck::model::base64::encode(b"puller:Old-Pass-0"),
    ];
    let mut seen = 0;
    for item in std::fs::read_dir(&store).expect("cache dir").flatten() {
        let bytes = std::fs::read(item.path()).expect("read");
        let text = format!(
            "{}\n{}",
            item.file_name().to_string_lossy(),
            String::from_utf8_lossy(&bytes)
        );
        for needle in ["Pull-Pass-1", "Old-Pass-0", "puller", &auths[0], &auths[1]] {
            assert!(
                !text.contains(needle),
                "{needle} in {}",
                item.path().display()
            );
        }
        seen += 1;
    }
    assert!(seen >= 2, "the salt and an entry");

    // Only the user may enter the directory or read its files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&store), 0o700);
        assert_eq!(mode(&store.join("salt")), 0o600);
        for entry in entries(&store) {
            assert_eq!(mode(&entry), 0o600, "{}", entry.display());
        }
    }
}

#[test]
fn a_corrupt_truncated_or_foreign_entry_is_a_miss() {
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    registry.push_single("team/app", "1.0");
    registry.push_single("team/app", "2.0");
    let d = dir("corrupt");
    let files = d.join("files");
    std::fs::create_dir_all(&files).expect("mkdir");
    let (one, two) = (
        format!("{host}/team/app:1.0"),
        format!("{host}/team/app:2.0"),
    );
    std::fs::write(
        files.join("pods.yaml"),
        [pod("one", &one, None), pod("two", &two, None)].join("---\n"),
    )
    .expect("write");
    let store = d.join("cache");
    let lifetime = Duration::from_secs(300);
    let cold = run(&files, cache(&store, lifetime, false));
    let stored = entries(&store);
    assert_eq!(stored.len(), 2, "{stored:?}");
    let (a, b) = (&stored[0], &stored[1]);
    let text_a = std::fs::read(a).expect("read");
    // One swapped for the other's (valid, foreign) entry, the other truncated.
    std::fs::write(b, &text_a).expect("write");
    std::fs::write(a, &text_a[..text_a.len() / 2]).expect("write");
    let after = run(&files, cache(&store, lifetime, false));
    assert_eq!(checked(&after), checked(&cold), "{}", common::human(&after));
    assert!(requests(&after) > 0);
    // Rewritten by that run: the next one is answered from the cache.
    let warm = run(&files, cache(&store, lifetime, false));
    assert_eq!(requests(&warm), 0);
    // Garbage, an empty file, and a salt of the wrong length: misses, never an error.
    for entry in entries(&store) {
        std::fs::write(&entry, b"\x00\xffnot json{").expect("write");
    }
    let garbled = run(&files, cache(&store, lifetime, false));
    assert_eq!(checked(&garbled), checked(&cold));
    std::fs::write(store.join("salt"), b"short").expect("write");
    let resalted = run(&files, cache(&store, lifetime, false));
    assert_eq!(checked(&resalted), checked(&cold));
    assert!(requests(&resalted) > 0);
    let warm = run(&files, cache(&store, lifetime, false));
    assert_eq!(requests(&warm), 0, "{}", common::human(&warm));
}

#[test]
fn the_cli_keeps_answers_in_the_cache_dir_and_no_cache_keeps_none() {
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    registry.push_single("team/app", "1.0");
    let d = dir("cli");
    let files = d.join("files");
    std::fs::create_dir_all(&files).expect("mkdir");
    std::fs::write(
        files.join("pod.yaml"),
        pod("app", &format!("{host}/team/app:1.0"), None),
    )
    .expect("write");
    // HOME and XDG_CACHE_HOME point into the test's directory: never the user's cache.
    let xdg = d.join("xdg");
    let home = d.join("home");
    let pullcheck = |args: &[&str]| -> (String, serde_json::Value) {
        let out = Command::new(env!("CARGO_BIN_EXE_pullcheck"))
            .args(["--online", "--no-docker-config", "--format", "json"])
            .args(args)
            .arg(&files)
            .env("XDG_CACHE_HOME", &xdg)
            .env("HOME", &home)
            .stdin(Stdio::null())
            .output()
            .expect("run pullcheck");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        (text, json)
    };
    let requests = |json: &serde_json::Value| json["online"]["requests"].as_u64();
    let cached = |json: &serde_json::Value| json["online"]["checked"][0]["cached"].as_bool();

    let store = d.join("chosen");
    let store_arg = store.to_string_lossy().into_owned();
    let (text, cold) = pullcheck(&["--cache-dir", &store_arg]);
    assert!(requests(&cold).is_some_and(|n| n > 0), "{text}");
    assert_eq!(cached(&cold), Some(false));
    let (text, warm) = pullcheck(&["--cache-dir", &store_arg]);
    assert_eq!(requests(&warm), Some(0), "{text}");
    assert_eq!(cached(&warm), Some(true));
    assert_eq!(warm["online"]["from_cache"].as_u64(), Some(1));
    let (text, refreshed) = pullcheck(&["--cache-dir", &store_arg, "--refresh"]);
    assert!(requests(&refreshed).is_some_and(|n| n > 0), "{text}");
    assert_eq!(cached(&refreshed), Some(false));
    assert!(!xdg.exists(), "--cache-dir was not the only cache");
    // The config's tag lifetime: 0 asks about every tag each run.
    let config = d.join("pullcheck.yaml");
    std::fs::write(&config, "online:\n  tag-lifetime: 0\n").expect("write");
    let config_arg = config.to_string_lossy().into_owned();
    for _ in 0..2 {
        let (text, json) = pullcheck(&["--cache-dir", &store_arg, "--config", &config_arg]);
        assert!(requests(&json).is_some_and(|n| n > 0), "{text}");
        assert_eq!(cached(&json), Some(false));
    }

    // --no-cache: asked every time, nothing written anywhere.
    for _ in 0..2 {
        let (text, json) = pullcheck(&["--no-cache"]);
        assert!(requests(&json).is_some_and(|n| n > 0), "{text}");
    }
    assert!(!xdg.exists() && !home.exists());

    // By default: $XDG_CACHE_HOME/pullcheck/registry.
    pullcheck(&[]);
    let (text, warm) = pullcheck(&[]);
    assert_eq!(requests(&warm), Some(0), "{text}");
    assert!(!entries(&xdg.join("pullcheck").join("registry")).is_empty());
}

#[test]
fn a_directory_others_may_read_is_not_used() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let d = dir("loose");
        let files = d.join("files");
        std::fs::create_dir_all(&files).expect("mkdir");
        // Port 1 on loopback: nothing listens, no registry needed.
        std::fs::write(
            files.join("pod.yaml"),
            pod("app", "127.0.0.1:1/team/app:1.0", None),
        )
        .expect("write");
        let store = d.join("cache");
        std::fs::create_dir_all(&store).expect("mkdir");
        std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let report = run(&files, cache(&store, Duration::from_secs(300), false));
        let online = report.online.as_ref().expect("summary");
        let why = online.cache_problem.clone().unwrap_or_default();
        assert!(why.contains("make it 0700"), "{why}");
        assert!(common::human(&report).contains("cache not used"));
        // Left as it was: not made private behind the user's back, nothing written into it.
        let mode = std::fs::metadata(&store)
            .expect("stat")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o755);
        assert_eq!(std::fs::read_dir(&store).expect("read").count(), 0);
    }
}

#[test]
fn concurrent_runs_share_one_cache() {
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    let d = dir("concurrent");
    let files = d.join("files");
    std::fs::create_dir_all(&files).expect("mkdir");
    let mut pods = Vec::new();
    for n in 0..6 {
        registry.push_single(&format!("team/app{n}"), "1.0");
        pods.push(pod(
            &format!("p{n}"),
            &format!("{host}/team/app{n}:1.0"),
            None,
        ));
    }
    std::fs::write(files.join("pods.yaml"), pods.join("---\n")).expect("write");
    let store = d.join("cache");
    let lifetime = Duration::from_secs(300);
    // Four runs at once on a cache that does not exist yet: one salt, whole entries, no error.
    let reports: Vec<Report> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| run(&files, cache(&store, lifetime, false))))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a run"))
            .collect()
    });
    for report in &reports {
        let online = report.online.as_ref().expect("summary");
        assert_eq!(online.cache_problem, None);
        assert!(
            checked(report).iter().all(|c| c.1 == "pullable"),
            "{:?}",
            checked(report)
        );
    }
    assert_eq!(entries(&store).len(), 6);
    let warm = run(&files, cache(&store, lifetime, false));
    assert_eq!(requests(&warm), 0, "{}", common::human(&warm));
    assert!(checked(&warm).iter().all(|c| c.2));
}
