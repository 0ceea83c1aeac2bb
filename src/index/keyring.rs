//! Registry matching as the kubelet's credential keyring does it
//! (`pkg/credentialprovider/keyring.go`: `BasicDockerKeyring.Add`, `Lookup`, `URLsMatch`), used
//! for Secret `auths` keys and for the config's registry lists.
//!
//! - A key's scheme is dropped, and a `/v1/` or `/v2/` path prefix means "the whole host".
//! - Hosts compare label by label; `*` matches within one label (`*.azurecr.io` matches
//!   `x.azurecr.io`, not `a.b.azurecr.io`, nor `azurecr.io`). Hosts are compared ignoring case.
//! - Ports must be equal (no port matches only no port).
//! - A key with a path matches images whose repository path starts with it.
//! - Docker Hub: the kubelet looks up `docker.io/library/nginx` and falls back to the
//!   `index.docker.io` key; `docker.io`, `index.docker.io`, `https://index.docker.io/v1/` and
//!   `registry-1.docker.io` are all accepted as Docker Hub here.

/// Hosts that all mean Docker Hub.
pub const DOCKER_HUB_ALIASES: &[&str] = &[
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "registry.hub.docker.com",
];

/// A key or list entry, normalized once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryPattern {
    /// Lower-case host labels, without the port.
    labels: Vec<String>,
    port: String,
    /// `""` or a cleaned `/path` without a trailing slash.
    path: String,
    docker_hub: bool,
    pub written: String,
}

impl RegistryPattern {
    /// Normalizes a key as `BasicDockerKeyring.Add` does. `None` for a key with no host.
    pub fn parse(key: &str) -> Option<RegistryPattern> {
        let trimmed = key.trim();
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .unwrap_or(trimmed);
        let (hostport, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        // `user@host` userinfo is not part of the host.
        let hostport = hostport.rsplit('@').next().unwrap_or(hostport);
        if hostport.is_empty() {
            return None;
        }
        let path = path
            .strip_prefix("/v2/")
            .or_else(|| path.strip_prefix("/v1/"))
            .map_or_else(|| path.to_string(), |p| format!("/{p}"));
        let path = clean_path(&path);
        let (host, port) = split_host_port(hostport);
        let host = host.to_ascii_lowercase();
        let docker_hub = DOCKER_HUB_ALIASES.contains(&host.as_str()) && port.is_empty();
        Some(RegistryPattern {
            labels: host.split('.').map(str::to_string).collect(),
            port: port.to_string(),
            path,
            docker_hub,
            written: key.to_string(),
        })
    }

    /// Does this key match the image whose normalized name is `registry/repository`?
    /// `segment_prefix`: a path must end at a `/` of the repository (config lists); the kubelet
    /// itself compares raw string prefixes (keyring keys).
    pub fn matches(&self, registry: &str, repository: &str, segment_prefix: bool) -> bool {
        // Allocation-free: this runs for every pulled image against every list entry and every
        // Secret key. Hosts compare ignoring ASCII case (the labels are stored lower-case).
        let (host, port) = split_host_port(registry);
        let target_hub = port.is_empty()
            && DOCKER_HUB_ALIASES
                .iter()
                .any(|alias| alias.eq_ignore_ascii_case(host));
        let host_ok = if self.docker_hub || target_hub {
            self.docker_hub && target_hub
        } else {
            self.port == port && self.labels_match(host)
        };
        host_ok && self.path_matches(repository, segment_prefix)
    }

    /// `host` in any case; compared as if lower-cased.
    fn labels_match(&self, host: &str) -> bool {
        host.split('.').count() == self.labels.len()
            && self
                .labels
                .iter()
                .zip(host.split('.'))
                .all(|(glob, label)| glob_match(glob.as_bytes(), label.as_bytes()))
    }

    fn path_matches(&self, repository: &str, segment_prefix: bool) -> bool {
        if self.path.is_empty() {
            return true;
        }
        // `/{repository}` starts with the path (which starts with `/`), without building it.
        let Some(prefix) = self.path.strip_prefix('/') else {
            return false;
        };
        if !repository.starts_with(prefix) {
            return false;
        }
        !segment_prefix
            || repository.len() == prefix.len()
            || repository.as_bytes().get(prefix.len()) == Some(&b'/')
    }

    /// A host-only pattern that names exactly this host (for messages).
    pub fn is_docker_hub(&self) -> bool {
        self.docker_hub
    }
}

/// `path.Clean`, reduced to what registry keys need: no empty or `.` segments, no trailing `/`.
fn clean_path(path: &str) -> String {
    let mut out = String::new();
    for seg in path.split('/').filter(|s| !s.is_empty() && *s != ".") {
        out.push('/');
        out.push_str(seg);
    }
    out
}

/// `net.SplitHostPort`, falling back to "no port" as the kubelet's `SplitURL` does.
fn split_host_port(hostport: &str) -> (&str, &str) {
    if let Some(rest) = hostport.strip_prefix('[') {
        // [::1]:5000
        return match rest.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':').unwrap_or("")),
            None => (hostport, ""),
        };
    }
    match hostport.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, port),
        _ => (hostport, ""),
    }
}

/// `filepath.Match` on one host label: `*` any run of characters, `?` one character. `text` is
/// compared as if lower-cased (ASCII), `pattern` is lower-case already.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some(p);
                mark = t;
                p += 1;
            }
            Some(&c) if c == b'?' || Some(c) == text.get(t).map(u8::to_ascii_lowercase) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some(s) => {
                    p = s + 1;
                    mark += 1;
                    t = mark;
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// Hosts that never need credentials: the node's own loopback.
pub fn is_local(registry: &str) -> bool {
    let (host, _) = split_host_port(registry);
    ["localhost", "127.0.0.1", "::1"]
        .iter()
        .any(|local| local.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(key: &str, image: &str) -> bool {
        let (registry, repository) = image.split_once('/').unwrap();
        RegistryPattern::parse(key)
            .unwrap()
            .matches(registry, repository, false)
    }

    #[test]
    fn kubelet_keyring_matching() {
        assert!(m("ghcr.io", "ghcr.io/acme/app"));
        assert!(m("https://ghcr.io/v2/", "ghcr.io/acme/app"));
        assert!(m("http://ghcr.io/v1/", "ghcr.io/acme/app"));
        assert!(m("GHCR.io", "ghcr.io/acme/app"));
        assert!(!m("evil-ghcr.io", "ghcr.io/acme/app"));
        assert!(!m("ghcr.io", "evil-ghcr.io/acme/app"));
        assert!(m("ghcr.io/acme", "ghcr.io/acme/app"));
        assert!(m("ghcr.io/v2/acme", "ghcr.io/acme/app"));
        assert!(!m("ghcr.io/other", "ghcr.io/acme/app"));
        assert!(m("*.azurecr.io", "acme.azurecr.io/app"));
        assert!(!m("*.azurecr.io", "a.b.azurecr.io/app"));
        assert!(!m("*.azurecr.io", "azurecr.io/app"));
        assert!(m("*-docker.pkg.dev", "us-docker.pkg.dev/p/r/app"));
        assert!(m("reg.example.com:5000", "reg.example.com:5000/app"));
        assert!(!m("reg.example.com", "reg.example.com:5000/app"));
        assert!(!m("reg.example.com:5000", "reg.example.com/app"));
        assert!(m("[::1]:5000", "[::1]:5000/app"));
    }

    #[test]
    fn docker_hub_aliases() {
        for key in [
            "docker.io",
            "index.docker.io",
            "https://index.docker.io/v1/",
            "registry-1.docker.io",
        ] {
            assert!(m(key, "docker.io/library/nginx"), "{key}");
        }
        assert!(!m("docker.io", "quay.io/x/y"));
        assert!(!m("quay.io", "docker.io/library/nginx"));
    }

    #[test]
    fn segment_prefixes_for_config_lists() {
        let p = RegistryPattern::parse("ghcr.io/acme").unwrap();
        assert!(p.matches("ghcr.io", "acme/app", true));
        assert!(!p.matches("ghcr.io", "acme-evil/app", true));
        assert!(p.matches("ghcr.io", "acme-evil/app", false));
    }

    #[test]
    fn local_hosts() {
        assert!(is_local("localhost:5000"));
        assert!(is_local("127.0.0.1"));
        assert!(is_local("[::1]:5000"));
        assert!(!is_local("registry.local"));
    }
}
