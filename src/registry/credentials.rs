//! The user's own registry credentials, as `docker login` left them: `config.json`'s `auths`
//! (`auth` = base64 `user:password`, or `identitytoken`), `credHelpers` per registry and
//! `credsStore` for the rest, run as `docker-credential-<name> get` (docker/cli
//! `cli/config/credentials`; the helper protocol of docker/docker-credential-helpers).
//!
//! Written here rather than taken from a crate: the one found (`docker_credential`) runs helpers
//! with the whole environment and no time limit, and cannot be told which `PATH` to search.

use super::Credential;
use base64::Engine as _;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The key `docker login` gives Docker Hub in `auths`, and the server URL its helpers know.
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";
const CONFIG_CAP: u64 = 4 * 1024 * 1024;
const HELPER_OUTPUT_CAP: u64 = 64 * 1024;
const HELPER_TIMEOUT: Duration = Duration::from_secs(10);

/// The credential the user's Docker config holds for `registry` (as an image names it:
/// `docker.io`, `ghcr.io`, `127.0.0.1:5000`), from `$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`. `None` when there is no config, no entry, or the helper fails.
pub fn docker_config_credential(registry: &str) -> Option<Credential> {
    let path = docker_config_path()?;
    let search = std::env::var_os("PATH").unwrap_or_default();
    credential_from_config(&path, &search, registry)
}

/// Where the Docker CLI reads its config.
pub fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".docker").join("config.json"))
}

/// [`docker_config_credential`] with the config file and the `PATH` helpers are searched in
/// (and run with) given explicitly.
pub fn credential_from_config(
    config: &Path,
    search_path: &OsStr,
    registry: &str,
) -> Option<Credential> {
    let bytes = super::read_capped(config, CONFIG_CAP).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let host = canonical_host(registry);
    let server_url = if host == "docker.io" {
        DOCKER_HUB_KEY.to_string()
    } else {
        host.clone()
    };
    let helper_for_host = value
        .get("credHelpers")
        .and_then(|h| h.as_object())
        .and_then(|helpers| {
            helpers
                .iter()
                .find(|(k, _)| canonical_host(k) == host)
                .and_then(|(_, v)| v.as_str())
        });
    if let Some(helper) = helper_for_host
        && let Some(c) = run_helper(helper, &server_url, search_path, HELPER_TIMEOUT)
    {
        return Some(c);
    }
    if let Some(store) = value.get("credsStore").and_then(|s| s.as_str())
        && let Some(c) = run_helper(store, &server_url, search_path, HELPER_TIMEOUT)
    {
        return Some(c);
    }
    let auths = value.get("auths")?.as_object()?;
    auths
        .iter()
        .filter(|(k, _)| canonical_host(k) == host)
        .find_map(|(_, entry)| from_auth_entry(entry))
}

/// A registry key as the Docker CLI compares them (`ConvertToHostname`): no scheme, no path,
/// lower case; Docker Hub's names are one.
fn canonical_host(key: &str) -> String {
    let key = key.trim();
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = key.split('/').next().unwrap_or("").to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "docker.io" => "docker.io".to_string(),
        _ => host,
    }
}

fn from_auth_entry(entry: &serde_json::Value) -> Option<Credential> {
    let field = |k: &str| {
        entry
            .get(k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    if let Some(token) = field("identitytoken") {
        return Some(Credential::IdentityToken(token.to_string()));
    }
    if let Some(auth) = field("auth") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (username, password) = text.split_once(':')?;
        return Some(Credential::Basic {
            username: username.to_string(),
            password: password.to_string(),
        });
    }
    match (field("username"), field("password")) {
        (Some(u), Some(p)) => Some(Credential::Basic {
            username: u.to_string(),
            password: p.to_string(),
        }),
        _ => None,
    }
}

/// Variables a helper may need (its home, the desktop keyring's bus, its cloud's login) and
/// nothing else of ours.
fn passed_through(name: &str) -> bool {
    matches!(
        name,
        "HOME" | "USER" | "LOGNAME" | "TMPDIR" | "DBUS_SESSION_BUS_ADDRESS" | "DISPLAY"
    ) || ["XDG_", "AWS_", "GOOGLE_", "CLOUDSDK_", "AZURE_"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// `docker-credential-<name> get`, the server URL on stdin; `{"Username", "Secret"}` out.
/// Bounded: 10 s, 64 KiB of output; its stderr is dropped (it is not ours to print). It runs
/// in a process group of its own, killed when it ends, so nothing it started outlives it or
/// keeps its output pipe open.
fn run_helper(
    name: &str,
    server_url: &str,
    search_path: &OsStr,
    timeout: Duration,
) -> Option<Credential> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return None;
    }
    let program = format!("docker-credential-{name}");
    let exe = std::env::split_paths(search_path)
        .map(|dir| dir.join(&program))
        .find(|p| p.is_file())?;
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(exe);
    cmd.process_group(0)
        .arg("get")
        .env_clear()
        .env("PATH", search_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in std::env::vars_os() {
        if k.to_str().is_some_and(passed_through) {
            cmd.env(&k, &v);
        }
    }
    let mut child = cmd.spawn().ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading is a failure seen below, not here.
        let _ = stdin.write_all(server_url.as_bytes());
    }
    let stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.take(HELPER_OUTPUT_CAP).read_to_end(&mut out);
        out
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(10))
            }
            _ => {
                kill_group(child.id());
                let _ = child.wait();
                break None;
            }
        }
    };
    kill_group(child.id());
    let out = reader.join().ok()?;
    if !status?.success() {
        return None;
    }
    parse_helper_output(&out)
}

/// SIGKILL to the helper's process group (its own pid: `process_group(0)`).
fn kill_group(group: u32) {
    if let Ok(pgid) = libc::pid_t::try_from(group)
        && pgid > 1
    {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
        // The group is the one the helper was spawned into, and its leader was reaped at most
        // just now, so the id cannot name another group.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

fn parse_helper_output(out: &[u8]) -> Option<Credential> {
    #[derive(serde::Deserialize)]
    struct HelperAnswer {
        #[serde(rename = "Username")]
        username: Option<String>,
        #[serde(rename = "Secret")]
        secret: Option<String>,
    }
    let answer: HelperAnswer = serde_json::from_slice(out).ok()?;
    let secret = answer.secret.filter(|s| !s.is_empty())?;
    match answer.username.unwrap_or_default() {
        // The helper protocol's marker for an identity token (docker/cli `credentials`).
        u if u == "<token>" => Some(Credential::IdentityToken(secret)),
        u => Some(Credential::Basic {
            username: u,
            password: secret,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "pullcheck-registry-creds-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    fn basic(u: &str, p: &str) -> Credential {
        Credential::Basic {
            username: u.into(),
            password: p.into(),
        }
    }

    #[test]
    fn reads_auths_with_docker_hub_keys_and_identity_tokens() {
        let dir = scratch("auths");
        let config = dir.join("config.json");
        // dXNlcjpwYTpzcw== is "user:pa:ss" (a password may hold a colon).
        std::fs::write(
            &config,
            r#"{"auths":{
                "https://index.docker.io/v1/":{"auth":"dXNlcjpwYTpzcw=="},
                "ghcr.io":{"auth":"","identitytoken":"refresh-me"},
                "https://127.0.0.1:5000":{"username":"a","password":"b"},
                "quay.io":{"auth":""}
            }}"#,
        )
        .expect("write");
        let none = OsString::new();
        for hub in ["docker.io", "index.docker.io", "registry-1.docker.io"] {
            assert_eq!(
                credential_from_config(&config, &none, hub),
                Some(basic("user", "pa:ss")),
                "{hub}"
            );
        }
        assert_eq!(
            credential_from_config(&config, &none, "ghcr.io"),
            Some(Credential::IdentityToken("refresh-me".into()))
        );
        assert_eq!(
            credential_from_config(&config, &none, "127.0.0.1:5000"),
            Some(basic("a", "b"))
        );
        assert_eq!(credential_from_config(&config, &none, "quay.io"), None);
        assert_eq!(credential_from_config(&config, &none, "gcr.io"), None);
        assert_eq!(
            credential_from_config(&dir.join("missing.json"), &none, "ghcr.io"),
            None
        );
        std::fs::write(&config, "{not json").expect("write");
        assert_eq!(credential_from_config(&config, &none, "ghcr.io"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn runs_cred_helpers_from_the_given_path_with_a_minimal_environment() {
        let dir = scratch("helpers");
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).expect("bin");
        let helper = bin.join("docker-credential-test");
        // Answers for the URL on stdin; proves it got `get`, the URL and no variable of ours
        // beyond the pass-through list (CARGO_PKG_NAME is set for every test process).
        std::fs::write(
            &helper,
            "#!/bin/sh\n[ \"$1\" = get ] || exit 3\nread -r url\n\
             [ -z \"$CARGO_PKG_NAME\" ] || exit 4\n\
             case \"$url\" in\n\
             https://index.docker.io/v1/) echo '{\"ServerURL\":\"x\",\"Username\":\"hub\",\"Secret\":\"s3cret\"}';;\n\
             example.com) echo '{\"Username\":\"<token>\",\"Secret\":\"tok\"}';;\n\
             *) echo 'credentials not found' >&2; exit 1;;\n\
             esac\n",
        )
        .expect("write helper");
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let config = dir.join("config.json");
        std::fs::write(
            &config,
            r#"{"credHelpers":{"docker.io":"test","example.com":"test","other.io":"test"},
                "auths":{"other.io":{"auth":"bzpwdw=="}}}"#,
        )
        .expect("write");
        let path = bin.as_os_str().to_os_string();
        assert_eq!(
            credential_from_config(&config, &path, "docker.io"),
            Some(basic("hub", "s3cret"))
        );
        assert_eq!(
            credential_from_config(&config, &path, "example.com"),
            Some(Credential::IdentityToken("tok".into()))
        );
        // The helper knows nothing for other.io: the auths entry ("o:pw") is used.
        assert_eq!(
            credential_from_config(&config, &path, "other.io"),
            Some(basic("o", "pw"))
        );
        // Not on the given PATH: no credential, and no other PATH searched.
        assert_eq!(
            credential_from_config(&config, dir.as_os_str(), "example.com"),
            None
        );
        std::fs::write(&config, r#"{"credsStore":"test"}"#).expect("write");
        assert_eq!(
            credential_from_config(&config, &path, "index.docker.io"),
            Some(basic("hub", "s3cret"))
        );
        std::fs::write(&config, r#"{"credsStore":"../../bin/sh"}"#).expect("write");
        assert_eq!(credential_from_config(&config, &path, "docker.io"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_helper_that_hangs_is_stopped_with_what_it_started() {
        let dir = scratch("hang");
        let helper = dir.join("docker-credential-slow");
        // The background sleep keeps stdout open after the helper itself is killed.
        std::fs::write(&helper, "#!/bin/sh\nsleep 30 &\nsleep 30\n").expect("write");
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        // The helper's PATH is the one given: it needs /bin for sleep.
        let path =
            std::env::join_paths([dir.clone(), "/bin".into(), "/usr/bin".into()]).expect("PATH");
        let limit = Duration::from_millis(300);
        let started = Instant::now();
        assert_eq!(run_helper("slow", "ghcr.io", &path, limit), None);
        let took = started.elapsed();
        // Returning at all proves the background sleep was killed too: it held the pipe.
        assert!(took >= limit && took < Duration::from_secs(5), "{took:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn helper_output_is_read_strictly() {
        assert_eq!(parse_helper_output(b"{}"), None);
        assert_eq!(parse_helper_output(b"garbage"), None);
        assert_eq!(
            parse_helper_output(br#"{"Username":"u","Secret":"p"}"#),
            Some(basic("u", "p"))
        );
    }
}
