//! Running a renderer: no network, no cluster, a timeout, both output streams captured.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// Its output passed the cap; it was stopped and nothing of it is used.
    TooLarge {
        limit: u64,
    },
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

/// What a run may cost: wall time and bytes of output.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub timeout: Duration,
    /// Bytes read from standard output at most (`--max-file-size`); past it the renderer is
    /// stopped and the run is [`Outcome::TooLarge`].
    pub max_output: u64,
}

/// Standard error is only ever a message: a renderer printing more is cut, never stopped.
const MAX_STDERR: u64 = 1024 * 1024;

/// After the renderer is gone, how long its pipes may stay open (a grandchild that left the
/// process group can hold them forever): then the run goes on without them.
const PIPE_GRACE: Duration = Duration::from_millis(500);

/// The variables a renderer gets; nothing else of pullcheck's environment (which is the CI
/// job's, secrets included) reaches it. docs/rendering.md lists them and why.
fn minimal_env(cmd: &mut Command, scratch: &Scratch) {
    cmd.env_clear();
    // PATH: how Helm and kubectl find nothing but themselves; no plugin or credential helper
    // can run anyway (empty HELM_PLUGINS, no kubeconfig).
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd
        // Helm: no user repositories, registry logins or plugins; Kustomize/kubectl: no
        // cluster. A proxy that refuses every connection catches whatever still tries to dial.
        .env("HELM_CACHE_HOME", scratch.dir.join("cache"))
        .env("HELM_CONFIG_HOME", scratch.dir.join("config"))
        .env("HELM_DATA_HOME", scratch.dir.join("data"))
        .env("HELM_PLUGINS", scratch.dir.join("plugins"))
        .env("HELM_REGISTRY_CONFIG", scratch.dir.join("registry.json"))
        .env(
            "HELM_REPOSITORY_CONFIG",
            scratch.dir.join("repositories.yaml"),
        )
        .env("HELM_REPOSITORY_CACHE", scratch.dir.join("repository"))
        .env("KUBECONFIG", scratch.dir.join("kubeconfig"))
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("http_proxy", "http://127.0.0.1:9")
        .env("https_proxy", "http://127.0.0.1:9")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ALLOW_PROTOCOL", "file")
        .env("HOME", &scratch.dir)
        .env("TMPDIR", &scratch.dir);
}

/// Runs `program args` with a minimal, network-free environment in a process group of its
/// own, reads at most `limits.max_output` bytes of its output, and stops the whole group at
/// the timeout, past the output cap, and when it ends (nothing it started outlives it).
pub fn run(
    program: &Path,
    args: &[std::ffi::OsString],
    scratch: &Scratch,
    limits: Limits,
) -> Outcome {
    let mut cmd = Command::new(program);
    cmd.args(args);
    minimal_env(&mut cmd, scratch);
    let done = match capture(cmd, limits) {
        Ok(done) => done,
        Err(e) => return Outcome::NotRun(e),
    };
    match done.ended {
        Ended::TooLarge => Outcome::TooLarge {
            limit: limits.max_output,
        },
        Ended::TimedOut => Outcome::TimedOut,
        Ended::Exited(s) if s.success() => Outcome::Ok {
            stdout: done.stdout,
        },
        Ended::Exited(_) => Outcome::Failed {
            stderr: done.stderr,
        },
    }
}

/// What a program printed and how it ended, both streams kept (kubectl prints the pods it
/// found and the names it did not find in one run).
#[derive(Debug)]
pub struct Captured {
    /// The exit code; `None` when it was stopped (timeout, output cap) or killed by a signal.
    pub code: Option<i32>,
    pub timed_out: bool,
    pub too_large: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `program args` in the user's own environment (their kubeconfig, credential plugins,
/// proxy), with the same bounds as [`run`]: a timeout, an output cap, its process group
/// stopped when it ends. `Err` when it could not be started.
pub fn run_as_user(
    program: &Path,
    args: &[std::ffi::OsString],
    limits: Limits,
) -> Result<Captured, String> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    let done = capture(cmd, limits)?;
    Ok(Captured {
        code: match done.ended {
            Ended::Exited(s) => s.code(),
            _ => None,
        },
        timed_out: matches!(done.ended, Ended::TimedOut),
        too_large: matches!(done.ended, Ended::TooLarge),
        stdout: done.stdout,
        stderr: done.stderr,
    })
}

struct Done {
    ended: Ended,
    stdout: String,
    stderr: String,
}

fn capture(mut cmd: Command, limits: Limits) -> Result<Done, String> {
    use std::os::unix::process::CommandExt;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let group = child.id();
    let over = Arc::new(AtomicBool::new(false));
    let out = child
        .stdout
        .take()
        .map(|p| reader(p, limits.max_output, Some(over.clone())));
    let err = child.stderr.take().map(|p| reader(p, MAX_STDERR, None));
    let start = Instant::now();
    let status = loop {
        if over.load(Ordering::Relaxed) {
            kill_group(group);
            let _ = child.wait();
            break Ended::TooLarge;
        }
        match child.try_wait() {
            Ok(Some(status)) => break Ended::Exited(status),
            Ok(None) if start.elapsed() >= limits.timeout => {
                kill_group(group);
                let _ = child.wait();
                break Ended::TimedOut;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => {
                kill_group(group);
                let _ = child.wait();
                break Ended::TimedOut;
            }
        }
    };
    // Whatever the program left running (it has no business doing so) goes with it.
    kill_group(group);
    let deadline = Instant::now() + PIPE_GRACE;
    let stdout = out.and_then(|r| r.finish(deadline)).unwrap_or_default();
    let stderr = err.and_then(|r| r.finish(deadline)).unwrap_or_default();
    // The cap may be passed between the last check and the exit.
    let ended = if over.load(Ordering::Relaxed) {
        Ended::TooLarge
    } else {
        status
    };
    Ok(Done {
        ended,
        stdout,
        stderr,
    })
}

enum Ended {
    Exited(std::process::ExitStatus),
    TimedOut,
    TooLarge,
}

/// SIGKILL to every process of the group the renderer leads (its own pid: `process_group(0)`).
fn kill_group(group: u32) {
    if let Ok(pgid) = libc::pid_t::try_from(group)
        && pgid > 1
    {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
        // The group is the one the child was spawned into, and its leader is not reaped yet or
        // was reaped just now, so the id cannot name another group.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

/// A pipe read on its own thread (a full pipe would block the child).
struct PipeReader {
    done: std::sync::mpsc::Receiver<Vec<u8>>,
}

impl PipeReader {
    /// The bytes read, waiting at most until `deadline` for the pipe to close.
    fn finish(self, deadline: Instant) -> Option<String> {
        let wait = deadline.saturating_duration_since(Instant::now());
        let bytes = self.done.recv_timeout(wait).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// Reads at most `cap` bytes; one more raises `over` (when given) and stops reading, so a
/// renderer printing gigabytes costs at most `cap` of memory.
fn reader(pipe: impl Read + Send + 'static, cap: u64, over: Option<Arc<AtomicBool>>) -> PipeReader {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut limited = pipe.take(cap.saturating_add(1));
        let _ = limited.read_to_end(&mut bytes);
        if bytes.len() as u64 > cap {
            bytes.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
            if let Some(flag) = over {
                flag.store(true, Ordering::Relaxed);
            } else {
                // Keep draining so the child never blocks on a full stderr pipe.
                let mut rest = limited.into_inner();
                let _ = std::io::copy(&mut rest, &mut std::io::sink());
            }
        }
        let _ = tx.send(bytes);
    });
    PipeReader { done: rx }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, limits: Limits) -> Outcome {
        let scratch = Scratch::new().expect("scratch");
        run(
            Path::new("/bin/sh"),
            &["-c".into(), script.into()],
            &scratch,
            limits,
        )
    }

    const ROOMY: Limits = Limits {
        timeout: Duration::from_secs(20),
        max_output: 1 << 20,
    };

    #[test]
    fn a_renderer_sees_only_the_variables_it_needs() {
        let Outcome::Ok { stdout } = sh("env", ROOMY) else {
            panic!("env runs");
        };
        let allowed = [
            "PATH",
            "HOME",
            "TMPDIR",
            "KUBECONFIG",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "http_proxy",
            "https_proxy",
            "GIT_TERMINAL_PROMPT",
            "GIT_ALLOW_PROTOCOL",
            "PWD",
            "SHLVL",
            "_",
        ];
        for line in stdout.lines() {
            let name = line.split('=').next().unwrap_or(line);
            assert!(
                allowed.contains(&name) || name.starts_with("HELM_"),
                "{name} reached the renderer:\n{stdout}"
            );
        }
        assert!(stdout.contains("HELM_PLUGINS="), "{stdout}");
    }

    #[test]
    fn output_past_the_cap_stops_the_renderer() {
        let limits = Limits {
            timeout: Duration::from_secs(20),
            max_output: 10_000,
        };
        let start = Instant::now();
        // Would print forever; stopped at the cap, not at the timeout.
        let outcome = sh("yes 0123456789", limits);
        assert!(
            matches!(outcome, Outcome::TooLarge { limit: 10_000 }),
            "{outcome:?}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
        // Exactly at the cap is fine.
        let outcome = sh("head -c 10000 /dev/zero", limits);
        assert!(matches!(outcome, Outcome::Ok { .. }), "{outcome:?}");
    }

    #[test]
    fn a_timeout_stops_what_the_renderer_started_too() {
        let limits = Limits {
            timeout: Duration::from_millis(300),
            max_output: 1 << 20,
        };
        let start = Instant::now();
        // The child keeps the output pipe open: without the group kill the run would wait 30 s.
        let outcome = sh("sleep 30 & sleep 30", limits);
        assert!(matches!(outcome, Outcome::TimedOut), "{outcome:?}");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
        // A renderer that exits but leaves a child behind: the child goes too, the run ends.
        let start = Instant::now();
        let outcome = sh("sleep 30 & echo done", ROOMY);
        assert!(
            matches!(outcome, Outcome::Ok { ref stdout } if stdout == "done\n"),
            "{outcome:?}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
    }
}
