//! Registry authentication: reading a 401's `WWW-Authenticate`, the Bearer token exchange of
//! distribution's token auth (`GET realm?service=…&scope=…`, Basic credentials if any; or the
//! OAuth2 refresh-token POST for an identity token), and tokens reused per (host, scope,
//! credential) within their `expires_in`.
//!
//! Where the credential goes: the registry's own host, and its token `realm`, which may be
//! another host (Docker Hub's realm is `auth.docker.io` for `registry-1.docker.io`): the realm
//! receives the credential for the token request only, over HTTPS unless it is loopback or a
//! host listed as insecure, and never after a redirect to a third host.

use super::Answer;
use super::Credential;
use super::http::{Http, Method, Req};
use super::url::{Url, encode_query};
use base64::Engine as _;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Token answers are small JSON documents.
const TOKEN_CAP: u64 = 1024 * 1024;
/// `expires_in` when the token server names none (distribution's token auth docs).
const DEFAULT_TOKEN_LIFE: Duration = Duration::from_secs(60);
/// A token is not reused in its last seconds: the registry's clock and ours differ.
const TOKEN_MARGIN: Duration = Duration::from_secs(5);

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Challenge {
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
        error: Option<String>,
    },
    Basic,
}

/// The first challenge pullcheck can answer among a 401's `WWW-Authenticate` values.
pub(crate) fn parse_challenge<'a>(values: impl Iterator<Item = &'a str>) -> Option<Challenge> {
    for value in values {
        let value = value.trim();
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            return Some(Challenge::Basic);
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            let params = parse_params(rest);
            let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            if let Some(realm) = get("realm") {
                return Some(Challenge::Bearer {
                    realm,
                    service: get("service"),
                    scope: get("scope"),
                    error: get("error"),
                });
            }
        }
    }
    None
}

/// `k=v, k="quoted \" value"` → pairs, names lower-cased.
fn parse_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while out.len() < 32 {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let name: String = chars
            .by_ref()
            .take_while(|c| *c != '=')
            .collect::<String>()
            .trim()
            .to_ascii_lowercase();
        if name.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek().copied() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
            value = value.trim().to_string();
        }
        out.push((name, value));
    }
    out
}

pub(crate) fn basic_header(username: &str, password: &str) -> String {
    let raw = format!("{username}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// What the token cache is keyed by: the credential only as a SHA-256 fingerprint, so two
/// credentials for one scope never share a token and no secret is kept as a key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TokenKey {
    host: String,
    scope: String,
    credential: Vec<u8>,
}

impl TokenKey {
    pub fn new(host: &str, scope: &str, credential: &Credential) -> TokenKey {
        let material = match credential {
            Credential::Anonymous => String::from("anonymous"),
            Credential::Basic { username, password } => format!("basic\0{username}\0{password}"),
            Credential::IdentityToken(t) => format!("identity\0{t}"),
        };
        let digest = ring::digest::digest(&ring::digest::SHA256, material.as_bytes());
        TokenKey {
            host: host.to_string(),
            scope: scope.to_string(),
            credential: digest.as_ref().to_vec(),
        }
    }
}

/// Tokens by (host, scope, credential), each with the instant it stops being reused.
#[derive(Default)]
pub(crate) struct Tokens {
    map: Mutex<HashMap<TokenKey, (String, Instant)>>,
}

impl Tokens {
    pub fn get(&self, key: &TokenKey) -> Option<String> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(_, until)| Instant::now() < *until)
            .map(|(t, _)| t.clone())
    }

    pub fn put(&self, key: TokenKey, token: String, life: Duration) {
        let until = Instant::now() + life.saturating_sub(TOKEN_MARGIN);
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(key, (token, until));
    }

    pub fn forget(&self, key: &TokenKey) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(key);
    }
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    token: Option<String>,
    access_token: Option<String>,
    expires_in: Option<u64>,
}

/// A Bearer token for `scope` from `realm`, with its lifetime. Failures are the answer the
/// check gives: the token server's refusal is `Unauthorized`.
pub(crate) fn exchange(
    http: &Http,
    realm: &str,
    service: Option<&str>,
    scope: &str,
    credential: &Credential,
) -> Result<(String, Duration), Answer> {
    let Some(realm_url) = Url::parse(realm) else {
        return Err(Answer::Unreachable {
            error: "the registry named a token realm that is not an http(s) URL".to_string(),
        });
    };
    let mut query = Vec::new();
    if let Some(s) = service {
        query.push(format!("service={}", encode_query(s)));
    }
    query.push(format!("scope={}", encode_query(scope)));
    let resp = match credential {
        Credential::IdentityToken(token) => {
            // Docker's OAuth2 flow for identity tokens (docker/cli, registry `auth.go`).
            let form: Vec<(&str, &str)> = vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", token.as_str()),
                ("service", service.unwrap_or("")),
                ("scope", scope),
                ("client_id", "pullcheck"),
            ];
            let req = Req {
                method: Method::Get,
                accept: "application/json",
                cap: TOKEN_CAP,
                form: Some(&form),
            };
            http.polite(&realm_url, &req, None)?
        }
        _ => {
            let sep = if realm_url.path.contains('?') {
                '&'
            } else {
                '?'
            };
            let url = Url {
                path: format!("{}{sep}{}", realm_url.path, query.join("&")),
                ..realm_url.clone()
            };
            let auth = match credential {
                Credential::Basic { username, password } => Some(basic_header(username, password)),
                _ => None,
            };
            let req = Req {
                method: Method::Get,
                accept: "application/json",
                cap: TOKEN_CAP,
                form: None,
            };
            http.polite(&url, &req, auth.as_deref())?
        }
    };
    match resp.status {
        200 => {}
        401 | 403 => {
            return Err(Answer::Unauthorized {
                status: resp.status,
                detail: format!(
                    "the token server {} refused the {} credential",
                    realm_url.authority,
                    credential.kind()
                ),
            });
        }
        s => {
            return Err(Answer::Unreachable {
                error: format!("the token server {} answered HTTP {s}", realm_url.authority),
            });
        }
    }
    let parsed: TokenAnswer =
        serde_json::from_slice(&resp.body).map_err(|_| Answer::Unreachable {
            error: format!(
                "the token server {} sent no readable token",
                realm_url.authority
            ),
        })?;
    let token = parsed
        .token
        .or(parsed.access_token)
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| Answer::Unreachable {
            error: format!("the token server {} sent no token", realm_url.authority),
        })?;
    let life = parsed
        .expires_in
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TOKEN_LIFE)
        .min(Duration::from_secs(24 * 3600));
    Ok((token, life))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_docker_hub_challenge() {
        let v = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull",error="insufficient_scope""#;
        assert_eq!(
            parse_challenge([v].into_iter()),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/nginx:pull".into()),
                error: Some("insufficient_scope".into()),
            })
        );
        assert_eq!(
            parse_challenge([r#"Basic realm="Registry Realm""#].into_iter()),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge(["Negotiate"].into_iter()), None);
        assert_eq!(parse_challenge(["Bearer service=x"].into_iter()), None);
        let quoted = parse_params(r#"realm="a\"b", x=1 ,y="""#);
        assert_eq!(
            quoted,
            vec![
                ("realm".to_string(), "a\"b".to_string()),
                ("x".to_string(), "1".to_string()),
                ("y".to_string(), String::new())
            ]
        );
    }

    #[test]
    fn token_keys_differ_by_credential_and_hold_no_secret() {
        let a = TokenKey::new("h", "s", &Credential::Anonymous);
        let b = TokenKey::new(
            "h",
            "s",
            &Credential::Basic {
                username: "u".into(),
                password: "hunter2".into(),
            },
        );
        assert_ne!(a, b);
        assert!(!format!("{b:?}").contains("hunter2"));
    }
}
