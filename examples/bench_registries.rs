//! The registries of `scripts/bench-online.sh`: three local distribution registries (the test
//! harness of `tests/it/registry_support.rs`, on 127.0.0.1), `N` distinct images pushed over
//! them, and manifests naming every image once.
//!
//! `cargo run --example bench_registries -- OUT N`: writes `OUT/manifests/*.yaml`, then
//! `OUT/ready` (one line per registry: `host log-file`), serves until `OUT/stop` exists (at
//! most 30 minutes) and stops the registries. Needs the variables of
//! `scripts/install-registry.sh`.

#[path = "../tests/it"]
mod it {
    pub mod registry_support;
}

/// What the harness needs of `tests/it/ci_support.rs`, without its test-binary parts.
mod ci_support {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    pub fn client(var: &str) -> Option<PathBuf> {
        let found = std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        if found.is_none() {
            eprintln!("{var} is not set: run with the variables of scripts/install-registry.sh");
        }
        found
    }

    pub fn temp_dir(name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target")
            .join("bench-online")
            .join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        dir
    }

    pub fn run(cmd: &mut Command) -> (i32, String, String) {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

use it::registry_support::{Auth, Registry, Tools};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const REGISTRIES: usize = 3;
const PODS_PER_FILE: usize = 10;
const SERVE_AT_MOST: Duration = Duration::from_secs(30 * 60);

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(out), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: bench_registries OUT N");
        std::process::exit(2);
    };
    let out = PathBuf::from(out);
    let Some(n) = n.parse::<usize>().ok().filter(|n| (1..=5000).contains(n)) else {
        eprintln!("N must be a number from 1 to 5000");
        std::process::exit(2);
    };
    let Some(tools) = Tools::find() else {
        std::process::exit(2);
    };
    let registries: Vec<Registry> = (0..REGISTRIES)
        .map(|_| Registry::start_with(tools.clone(), Auth::Anonymous, false))
        .collect();
    // Image i: registry i % 3, repository `bench/app<i>`, tag `1.<i>`; pushed on one thread
    // per registry.
    let started = Instant::now();
    let images: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = registries
            .iter()
            .enumerate()
            .map(|(r, registry)| {
                scope.spawn(move || {
                    (r..n)
                        .step_by(REGISTRIES)
                        .map(|i| registry.push_single(&format!("bench/app{i}"), &format!("1.{i}")))
                        .map(|p| p.reference)
                        .collect::<Vec<String>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a push thread"))
            .collect()
    });
    let mut all: Vec<String> = images.into_iter().flatten().collect();
    all.sort();
    eprintln!(
        "pushed {} images to {REGISTRIES} registries in {:.1} s",
        all.len(),
        started.elapsed().as_secs_f64()
    );
    let manifests = out.join("manifests");
    let _ = std::fs::remove_dir_all(&manifests);
    std::fs::create_dir_all(&manifests).expect("mkdir manifests");
    for (f, chunk) in all.chunks(PODS_PER_FILE).enumerate() {
        let mut text = String::new();
        for (p, image) in chunk.iter().enumerate() {
            let _ = write!(
                text,
                "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: bench-{f}-{p}\n  namespace: bench\nspec:\n  containers:\n    - name: app\n      image: {image}\n      imagePullPolicy: IfNotPresent\n"
            );
        }
        std::fs::write(manifests.join(format!("pods-{f:03}.yaml")), text).expect("write");
    }
    let ready: String = registries
        .iter()
        .map(|r| format!("{} {}\n", r.host(), r.dir().join("registry.log").display()))
        .collect();
    let stop = out.join("stop");
    let _ = std::fs::remove_file(&stop);
    std::fs::write(out.join("ready"), ready).expect("write ready");
    let deadline = Instant::now() + SERVE_AT_MOST;
    while !stop.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(registries);
    let _ = std::fs::remove_file(out.join("ready"));
}
