//! The few URLs a registry check handles: `scheme://authority/path?query`, where the authority
//! is a host name, an IPv4 address or a bracketed IPv6 address, with an optional port. Enough
//! to build registry URLs, follow `Location`, a token `realm` and a `Link: <…>; rel="next"`.

use std::fmt;
use std::net::IpAddr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    Https,
    Http,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url {
    pub scheme: Scheme,
    /// `host[:port]` as written, lower case.
    pub authority: String,
    /// Starts with `/`; holds the query too.
    pub path: String,
}

impl Url {
    pub fn new(scheme: Scheme, authority: &str, path: &str) -> Url {
        Url {
            scheme,
            authority: authority.to_ascii_lowercase(),
            path: path.to_string(),
        }
    }

    /// An absolute `http(s)://` URL; no user info, no fragment.
    pub fn parse(text: &str) -> Option<Url> {
        let text = text.trim();
        let (scheme, rest) = if let Some(r) = strip_prefix_ci(text, "https://") {
            (Scheme::Https, r)
        } else if let Some(r) = strip_prefix_ci(text, "http://") {
            (Scheme::Http, r)
        } else {
            return None;
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if !valid_authority(authority) {
            return None;
        }
        let tail = tail.split('#').next().unwrap_or("");
        let path = if tail.starts_with('/') {
            tail.to_string()
        } else {
            format!("/{tail}")
        };
        if path.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return None;
        }
        Some(Url::new(scheme, authority, &path))
    }

    /// `reference` (a `Location` or `Link` target) read against this URL.
    pub fn join(&self, reference: &str) -> Option<Url> {
        let reference = reference.trim();
        if reference.contains("://") {
            return Url::parse(reference);
        }
        if let Some(rest) = reference.strip_prefix("//") {
            let scheme = match self.scheme {
                Scheme::Https => "https://",
                Scheme::Http => "http://",
            };
            return Url::parse(&format!("{scheme}{rest}"));
        }
        let path = if reference.starts_with('/') {
            reference.to_string()
        } else {
            // Relative to the current path's directory (RFC 3986 §5.2.3, without dot segments).
            let base = self.path.split('?').next().unwrap_or("/");
            let dir = base.rfind('/').map_or("/", |i| &base[..=i]);
            format!("{dir}{reference}")
        };
        let scheme = match self.scheme {
            Scheme::Https => "https://",
            Scheme::Http => "http://",
        };
        Url::parse(&format!("{scheme}{}{path}", self.authority))
    }

    /// The host without the port or brackets.
    pub fn host(&self) -> &str {
        host_of(&self.authority)
    }

    pub fn ip(&self) -> Option<IpAddr> {
        self.host().parse().ok()
    }

    pub fn with_scheme(&self, scheme: Scheme) -> Url {
        Url {
            scheme,
            ..self.clone()
        }
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Https => "https",
            Scheme::Http => "http",
        };
        write!(f, "{scheme}://{}{}", self.authority, self.path)
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; nothing else (no user info).
pub(crate) fn valid_authority(authority: &str) -> bool {
    if authority.is_empty() || authority.len() > 300 {
        return false;
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        if inside.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => return true,
            p => match p.strip_prefix(':') {
                Some(port) => ("x", Some(port)),
                None => return false,
            },
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    host_ok && port_ok
}

/// The host of `host[:port]` or `[v6][:port]`.
pub(crate) fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    }
}

/// `%`-encoding of a query value.
pub(crate) fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_joins() {
        let u = Url::parse("https://Auth.Docker.io/token?x=1").expect("url");
        assert_eq!(u.authority, "auth.docker.io");
        assert_eq!(u.path, "/token?x=1");
        let b = Url::parse("http://127.0.0.1:5000/v2/a/manifests/1").expect("url");
        assert_eq!(b.host(), "127.0.0.1");
        assert_eq!(
            b.join("/v2/a/blobs/x").expect("join").to_string(),
            "http://127.0.0.1:5000/v2/a/blobs/x"
        );
        assert_eq!(
            b.join("other").expect("join").to_string(),
            "http://127.0.0.1:5000/v2/a/manifests/other"
        );
        assert_eq!(
            b.join("https://127.0.0.2:9/x").expect("join").authority,
            "127.0.0.2:9"
        );
        let v6 = Url::parse("https://[fe80::1]:443/").expect("url");
        assert_eq!(v6.host(), "fe80::1");
        for bad in [
            "ftp://x/",
            "https://user:pw@host/",
            "https:///x",
            "https://host:99999/",
            "https://[zz]/",
            "https://a b/",
        ] {
            assert_eq!(Url::parse(bad), None, "{bad}");
        }
        assert_eq!(
            encode_query("repository:a/b:pull"),
            "repository%3Aa%2Fb%3Apull"
        );
    }
}
