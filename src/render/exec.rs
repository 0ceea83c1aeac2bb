//! Running a renderer: no network, no cluster, a timeout, both output streams captured.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    Ok {
        stdout: String,
    },
    Failed {
        stderr: String,
    },
    TimedOut,
    /// Could not start it (not found, not executable).
    NotRun(String),
}

/// The executable named `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

pub fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A private, empty place for the renderer's caches and configs, removed on drop: the user's
/// repositories and registry logins are never read, and nothing is left behind.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new() -> std::io::Result<Scratch> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("pullcheck-render-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch { dir })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `program args` with a network-free environment and kills it after `timeout`.
pub fn run(
    program: &Path,
    args: &[std::ffi::OsString],
    scratch: &Scratch,
    timeout: Duration,
) -> Outcome {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Helm: no user repositories, registry logins or plugins; Kustomize/kubectl: no
        // cluster. A proxy that refuses every connection catches whatever still tries to dial.
        .env("HELM_CACHE_HOME", scratch.dir.join("cache"))
        .env("HELM_CONFIG_HOME", scratch.dir.join("config"))
        .env("HELM_DATA_HOME", scratch.dir.join("data"))
        .env("HELM_PLUGINS", scratch.dir.join("plugins"))
        .env("HELM_REGISTRY_CONFIG", scratch.dir.join("registry.json"))
        .env("KUBECONFIG", scratch.dir.join("kubeconfig"))
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("http_proxy", "http://127.0.0.1:9")
        .env("https_proxy", "http://127.0.0.1:9")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ALLOW_PROTOCOL", "file")
        .env("HOME", &scratch.dir);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Outcome::NotRun(e.to_string()),
    };
    let out = child.stdout.take().map(reader);
    let err = child.stderr.take().map(reader);
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
    match status {
        None => Outcome::TimedOut,
        Some(s) if s.success() => Outcome::Ok { stdout },
        Some(_) => Outcome::Failed { stderr },
    }
}

/// Reads a pipe to the end on its own thread (a full pipe would block the child).
fn reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}
