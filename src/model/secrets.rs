//! Secrets: the type, and whether a docker config Secret holds something the kubelet can use.
//!
//! Credentials are decoded only to check them. What is kept is the registry keys and a list of
//! problems, each pointing at a key name (never at a value), with messages that never quote the
//! data. The spans of every `data` / `stringData` value (and of the `last-applied-configuration`
//! annotation, which repeats them) are kept so snippets can mask them.

use super::Scalar;
use super::base64;
use crate::syntax::Cursor;
use serde_json::Value;
use std::ops::Range;

pub const DOCKER_CONFIG_JSON: &str = "kubernetes.io/dockerconfigjson";
pub const DOCKERCFG: &str = "kubernetes.io/dockercfg";
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// Set by `pullcheck pods` on the Secrets it read as metadata only (name and type, never the
/// data): there is nothing of their config to check, and its absence is no fault.
pub const METADATA_ONLY: &str = "pullcheck.dev/metadata-only";

#[derive(Clone, Debug, Default)]
pub struct SecretFacts {
    /// `type:` as written (`None`: absent, which the API server makes `Opaque`).
    pub secret_type: Option<Scalar>,
    /// The registries of a docker config Secret, when its config could be read.
    pub registries: Option<Vec<RegistryKey>>,
    /// What is wrong with the docker config, each at a key name.
    pub problems: Vec<SecretProblem>,
    /// Spans of every value under `data` and `stringData`: masked in snippets.
    pub value_spans: Vec<Range<usize>>,
}

impl SecretFacts {
    pub fn type_text(&self) -> &str {
        self.secret_type
            .as_ref()
            .filter(|t| !t.is_null() && !t.text.is_empty())
            .map_or("Opaque", |t| t.text.as_str())
    }

    pub fn is_docker_type(&self) -> bool {
        matches!(self.type_text(), DOCKER_CONFIG_JSON | DOCKERCFG)
    }
}

/// One key of `auths` (or of a legacy `.dockercfg`), as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryKey {
    pub key: String,
    /// What the kubelet would send for it: only ever handed to the registry check
    /// (`--online`), never to a finding.
    pub login: Option<Login>,
}

/// A user name and password from a pull Secret, as the kubelet decodes them
/// (`DockerConfigEntry.UnmarshalJSON`: `auth` wins over `username`/`password`).
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// The login of one `auths` entry, if it has one.
fn login_of(entry: &Value) -> Option<Login> {
    let Value::Object(fields) = entry else {
        return None;
    };
    let text = |f: &str| fields.get(f).and_then(Value::as_str).unwrap_or("");
    let auth = text("auth").trim_end();
    if !auth.is_empty() {
        let padded = format!("{auth}{}", "=".repeat((4 - auth.len() % 4) % 4));
        let raw = base64::decode(auth.trim_end_matches('='))
            .or_else(|_| base64::decode(&padded))
            .ok()?;
        let raw = String::from_utf8(raw).ok()?;
        let (username, password) = raw.split_once(':')?;
        return Some(Login {
            username: username.to_string(),
            password: password.to_string(),
        });
    }
    let (username, password) = (text("username"), text("password"));
    (!username.is_empty() || !password.is_empty()).then(|| Login {
        username: username.to_string(),
        password: password.to_string(),
    })
}

impl RegistryKey {
    /// The key for messages; keys that do not look like `host[:port][/path]` are not quoted (a
    /// mangled config could hold anything there).
    pub fn display(&self) -> String {
        if looks_like_registry(&self.key) {
            self.key.clone()
        } else {
            "<a key that is not a registry host>".to_string()
        }
    }
}

fn looks_like_registry(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 255
        && !key.contains('@')
        && key.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '/' | '_' | '*' | '[' | ']')
        })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretProblem {
    /// A key name or the `type` value: never a value that holds credentials.
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

pub fn extract_secret(obj: &Cursor<'_>) -> SecretFacts {
    let mut facts = SecretFacts {
        secret_type: obj.get("type").and_then(|t| Scalar::from_cursor(&t)),
        ..SecretFacts::default()
    };
    for field in ["data", "stringData"] {
        if let Some(map) = obj.get(field) {
            for (_, v) in map.entries() {
                facts.value_spans.push(v.value_range());
            }
        }
    }
    // `kubectl apply` copies the whole object, data included, into this annotation as JSON.
    if let Some(v) = obj
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(LAST_APPLIED))
    {
        facts.value_spans.push(v.value_range());
    }
    let metadata_only = obj
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(METADATA_ONLY))
        .and_then(|v| v.scalar().map(|(text, _, _)| text == "true"))
        .unwrap_or(false);
    if metadata_only {
        return facts;
    }
    let key = match facts.type_text() {
        DOCKER_CONFIG_JSON => ".dockerconfigjson",
        DOCKERCFG => ".dockercfg",
        _ => return facts,
    };
    // The API server merges `stringData` over `data`: its value wins.
    let found = [("stringData", false), ("data", true)]
        .iter()
        .find_map(|(field, encoded)| {
            let (k, v) = obj.get(field)?.get_with_key(key)?;
            Some((*field, *encoded, k.value_range(), v))
        });
    let Some((field, encoded, key_span, value)) = found else {
        let at = facts.secret_type.as_ref().map_or(0..0, |t| t.span.clone());
        facts.problems.push(SecretProblem {
            span: at,
            message: format!(
                "a Secret of type `{}` needs a `{key}` key in `data` or `stringData`; the API \
                 server rejects it without one",
                facts.type_text()
            ),
            help: Some(format!(
                "create it with `kubectl create secret docker-registry NAME --docker-server=… \
                 --docker-username=… --docker-password=…`, which writes `data.{key}`"
            )),
        });
        return facts;
    };
    let mut problem = |message: String, help: Option<&str>| {
        facts.problems.push(SecretProblem {
            span: key_span.clone(),
            message,
            help: help.map(str::to_string),
        });
    };
    if value.is_null() {
        problem(format!("`{key}` in `{field}` is empty"), None);
        return facts;
    }
    let Some((text, _, _)) = value.scalar() else {
        problem(format!("`{key}` in `{field}` is not a string"), None);
        return facts;
    };
    let bytes = if encoded {
        match base64::decode(text) {
            Ok(b) => b,
            Err(e) => {
                problem(
                    format!("`{key}` in `data` is not valid base64: {e}"),
                    Some(
                        "values under `data` are base64 of the file; put the JSON itself under \
                         `stringData` to skip encoding",
                    ),
                );
                return facts;
            }
        }
    } else {
        text.as_bytes().to_vec()
    };
    match check_config(&bytes, key) {
        Ok((registries, problems)) => {
            for (message, help) in problems {
                problem(format!("`{key}` in `{field}`: {message}"), help);
            }
            facts.registries = Some(registries);
        }
        Err((message, help)) => problem(format!("`{key}` in `{field}` {message}"), help),
    }
    facts
}

type Problem = (String, Option<&'static str>);

/// Reads a docker config as the kubelet does (`pkg/credentialprovider/config.go`,
/// `pkg/credentialprovider/secrets/secrets.go`). Errors say what is wrong, never what is there.
fn check_config(bytes: &[u8], key: &str) -> Result<(Vec<RegistryKey>, Vec<Problem>), Problem> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(("is empty".into(), None));
    }
    let json: Value = serde_json::from_slice(bytes).map_err(|e| {
        // serde_json's syntax errors carry only positions, but say so ourselves anyway.
        (
            format!(
                "is not valid JSON (syntax error at line {}, column {} of the decoded text)",
                e.line(),
                e.column()
            ),
            None,
        )
    })?;
    let Value::Object(top) = json else {
        return Err(("is JSON but not an object".into(), None));
    };
    let auths = if key == ".dockerconfigjson" {
        match top.get("auths") {
            Some(Value::Object(auths)) => auths,
            Some(_) => return Err(("has an `auths` that is not an object".into(), None)),
            None => {
                let helper = top.contains_key("credHelpers") || top.contains_key("credsStore");
                return Err((
                    "has no `auths`, so the kubelet finds no credentials in it".into(),
                    Some(if helper {
                        "`credHelpers` / `credsStore` only work on a workstation: the kubelet \
                         reads `auths` alone; log in with `docker login` to a file-based config \
                         and use that"
                    } else {
                        "the expected shape is `{\"auths\": {\"registry.example.com\": {\"auth\": \
                         \"<base64 of user:password>\"}}}`"
                    }),
                ));
            }
        }
    } else {
        if top.contains_key("auths") {
            return Err((
                "holds a `config.json` (with `auths`), but `.dockercfg` is the legacy format \
                 without it: the kubelet would read `auths` as a registry name"
                    .into(),
                Some(
                    "use `type: kubernetes.io/dockerconfigjson` with the key \
                     `.dockerconfigjson`",
                ),
            ));
        }
        &top
    };
    let mut problems = Vec::new();
    let mut registries = Vec::new();
    for (registry, entry) in auths {
        let reg = RegistryKey {
            key: registry.clone(),
            login: login_of(entry),
        };
        if let Some(p) = check_entry(entry) {
            problems.push((format!("the entry for {} {}", reg.display(), p.0), p.1));
        }
        registries.push(reg);
    }
    Ok((registries, problems))
}

/// `DockerConfigEntry.UnmarshalJSON`: an `auth` must be a string of base64(`user:password`),
/// or the whole keyring fails to load and the pull fails.
fn check_entry(entry: &Value) -> Option<Problem> {
    let Value::Object(fields) = entry else {
        return Some(("is not an object".into(), None));
    };
    for field in ["username", "password", "auth", "email"] {
        if fields
            .get(field)
            .is_some_and(|v| !v.is_string() && !v.is_null())
        {
            return Some((
                format!("has `{field}` set to something other than a string"),
                None,
            ));
        }
    }
    let text = |f: &str| fields.get(f).and_then(Value::as_str).unwrap_or("");
    let auth = text("auth");
    if !auth.is_empty() {
        // The kubelet accepts `auth` padded or not (`decodeDockerConfigFieldAuth`).
        let trimmed = auth.trim_end();
        let padded = if trimmed.ends_with('=') {
            trimmed.to_string()
        } else {
            format!("{trimmed}{}", "=".repeat((4 - trimmed.len() % 4) % 4))
        };
        let ok = base64::decode(&padded)
            .ok()
            .is_some_and(|raw| raw.contains(&b':'));
        if !ok {
            return Some((
                "has an `auth` that is not base64 of `user:password`".into(),
                Some(
                    "`auth` is base64 of `username:password`, e.g. from `printf '%s:%s' USER PASS | base64`",
                ),
            ));
        }
        return None;
    }
    if text("username").is_empty() && text("password").is_empty() {
        return Some((
            "has no `auth`, `username` or `password`, so the pull is anonymous".into(),
            None,
        ));
    }
    None
}
