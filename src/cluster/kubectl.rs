//! Running the user's `kubectl`, read-only: every request to the cluster is a `get` (a `get`
//! of a resource, or `get --raw` of a list path); `config current-context` and `config view`
//! read the local kubeconfig only. Nothing else can be asked for through this type.

use crate::render::exec::{Captured, Limits, run_as_user};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// What one kubectl call said when it failed, from its standard error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// `Error from server (Forbidden)`: RBAC refused the read.
    Forbidden,
    /// `Error from server (NotFound)`: no such object, or the resource is not served.
    NotFound,
    /// The API server could not be reached (refused, no route, DNS, TLS, proxy).
    Unreachable(String),
    /// Not logged in, or the credentials were refused.
    Unauthenticated(String),
    /// No current context, or the named context is not in the kubeconfig.
    NoContext(String),
    /// It took longer than the time allowed (`--request-timeout`).
    TimedOut,
    /// Anything else, by kubectl's first line.
    Other(String),
}

impl Failure {
    /// Reads kubectl's standard error: its first error line, its words.
    pub fn from_stderr(stderr: &str) -> Failure {
        let line = first_error_line(stderr);
        let has = |w: &str| stderr.contains(w);
        if has("(Forbidden)") || has("is forbidden") {
            Failure::Forbidden
        } else if has("(NotFound)") || has("the server could not find the requested resource") {
            Failure::NotFound
        } else if has("current-context is not set")
            || has("current-context must exist")
            || (has("context") && has("does not exist"))
            || has("no configuration has been provided")
        {
            Failure::NoContext(line)
        } else if has("(Unauthorized)")
            || has("You must be logged in")
            || has("provide credentials")
        {
            Failure::Unauthenticated(line)
        } else if has("Client.Timeout")
            || has("context deadline exceeded")
            || has("(Timeout)")
            || has("i/o timeout")
        {
            Failure::TimedOut
        } else if has("Unable to connect to the server")
            || has("connection refused")
            || has("no such host")
            || has("was refused")
            || has("dial tcp")
            || has("x509:")
            || has("tls:")
        {
            Failure::Unreachable(line)
        } else {
            Failure::Other(line)
        }
    }
}

/// kubectl's first line that says something (a klog prefix and `error: ` dropped), made safe
/// to print and kept short.
fn first_error_line(stderr: &str) -> String {
    let line = stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("kubectl failed without a message");
    // klog: `E1206 18:01:02.123456   12345 memcache.go:265] "Unhandled Error" err="…"`.
    let line = match line.split_once("] ") {
        Some((head, rest)) if head.starts_with(['E', 'W', 'I']) && head.contains(".go:") => rest,
        _ => line,
    };
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let mut out: String = crate::sanitize::sanitize(line).into_owned();
    if out.len() > 300 {
        let cut = (0..=300)
            .rev()
            .find(|&i| out.is_char_boundary(i))
            .unwrap_or(0);
        out.truncate(cut);
        out.push('…');
    }
    out
}

/// The user's kubectl with their context and kubeconfig.
pub struct Kubectl {
    pub program: PathBuf,
    context: Option<String>,
    kubeconfig: Option<PathBuf>,
    timeout: Duration,
    max_output: u64,
    /// The path of the server's URL (see [`Kubectl::learn_context`]).
    prefix: String,
}

impl Kubectl {
    pub fn new(
        program: PathBuf,
        context: Option<String>,
        kubeconfig: Option<PathBuf>,
        timeout: Duration,
        max_output: u64,
    ) -> Kubectl {
        Kubectl {
            program,
            context,
            kubeconfig,
            timeout,
            max_output,
            prefix: String::new(),
        }
    }

    fn base(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        if let Some(c) = &self.context {
            args.push("--context".into());
            args.push(c.into());
        }
        if let Some(k) = &self.kubeconfig {
            args.push("--kubeconfig".into());
            args.push(k.into());
        }
        args
    }

    fn call(&self, args: Vec<OsString>) -> Result<String, Failure> {
        // kubectl's own timeout for each request, and ours for the whole call (discovery,
        // an exec credential plugin, a hung proxy) a little later.
        let mut full = self.base();
        full.push(format!("--request-timeout={}s", self.timeout.as_secs().max(1)).into());
        full.extend(args);
        let limits = Limits {
            timeout: self.timeout + Duration::from_secs(10),
            max_output: self.max_output,
        };
        let done: Captured = run_as_user(&self.program, &full, limits)
            .map_err(|e| Failure::Other(format!("cannot run {}: {e}", self.program.display())))?;
        if done.timed_out {
            return Err(Failure::TimedOut);
        }
        if done.too_large {
            return Err(Failure::Other(format!(
                "kubectl printed more than {} bytes",
                self.max_output
            )));
        }
        match done.code {
            Some(0) => Ok(done.stdout),
            _ => Err(Failure::from_stderr(&done.stderr)),
        }
    }

    /// `kubectl get ARGS…`: the only verb sent to the cluster.
    pub fn get(&self, args: &[&str]) -> Result<String, Failure> {
        let mut full: Vec<OsString> = vec!["get".into()];
        full.extend(args.iter().map(OsString::from));
        self.call(full)
    }

    /// `kubectl get --raw PATH`: a GET of an API path (paged lists, a field selector).
    pub fn get_raw(&self, path: &str) -> Result<String, Failure> {
        let full = format!("{}{path}", self.prefix);
        self.get(&["--raw", &full])
    }

    /// The current context's name (the local kubeconfig; no request to the cluster).
    pub fn current_context(&self) -> Result<String, Failure> {
        if let Some(c) = &self.context {
            return Ok(c.clone());
        }
        self.call(vec!["config".into(), "current-context".into()])
            .map(|s| s.trim().to_string())
    }

    /// The context's namespace (else `default`), and the path of its server's URL, which
    /// `get --raw` does not add by itself (a cluster behind a proxy such as Rancher's
    /// `https://rancher.example/k8s/clusters/c-m-x`). The local kubeconfig only.
    pub fn learn_context(&mut self) -> Result<String, Failure> {
        let view = self.call(vec![
            "config".into(),
            "view".into(),
            "--minify".into(),
            "-o".into(),
            "jsonpath={.contexts[0].context.namespace}{\"\\n\"}{.clusters[0].cluster.server}"
                .into(),
        ])?;
        let mut lines = view.lines();
        let ns = lines.next().map(str::trim).filter(|n| !n.is_empty());
        let server = lines.next().unwrap_or("").trim();
        // `https://host:port/some/prefix` -> `/some/prefix`.
        let after_scheme = server.split_once("://").map_or(server, |(_, rest)| rest);
        self.prefix = after_scheme
            .find('/')
            .and_then(|i| after_scheme.get(i..))
            .map(|p| p.trim_end_matches('/').to_string())
            .unwrap_or_default();
        Ok(ns.unwrap_or("default").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_kubectl_says() {
        let f = Failure::from_stderr;
        assert_eq!(
            f(
                "Error from server (Forbidden): events is forbidden: User \"dev\" cannot list resource \"events\""
            ),
            Failure::Forbidden
        );
        assert_eq!(
            f("Error from server (NotFound): namespaces \"nope\" not found"),
            Failure::NotFound
        );
        assert!(matches!(
            f("error: current-context is not set"),
            Failure::NoContext(_)
        ));
        assert!(matches!(
            f("error: context \"prod\" does not exist"),
            Failure::NoContext(_)
        ));
        assert!(matches!(
            f("E1206 18:01:02.123456   12345 memcache.go:265] couldn't get current server API group list: Get \"https://127.0.0.1:1/api\": dial tcp 127.0.0.1:1: connect: connection refused\nThe connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?"),
            Failure::Unreachable(l) if l.starts_with("couldn't get current server API group list")
        ));
        assert!(matches!(
            f("error: You must be logged in to the server (Unauthorized)"),
            Failure::Unauthenticated(_)
        ));
        assert_eq!(
            f(
                "Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting headers)"
            ),
            Failure::TimedOut
        );
        assert!(matches!(f("\u{1b}[31mboom"), Failure::Other(l) if !l.contains('\u{1b}')));
    }
}
