//! What is secret in a text, and how it is masked: the one place that decides it.
//!
//! Two kinds of ranges are masked. Structured ones come from the model (every value under a
//! Secret's `data` / `stringData`, its `last-applied-configuration` annotation) and are handed to
//! [`super::SourceFile::redact`]. Textual ones are found here, in any input, by the shapes in
//! which credentials appear in pasted `kubectl` output and shell history: command-line passwords,
//! `Authorization:` headers, credential keys in JSON or YAML, URLs with a password, base64-encoded
//! JSON, and the values under `data:` / `stringData:` of a pasted Secret. Every text an emitter
//! copies from a source (snippets, context lines, fingerprint inputs) comes from
//! [`super::SourceFile::shown`], and every string of a finding goes through [`mask_str`].

use regex::Regex;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

/// The mask character; a masked range keeps its byte length and its line breaks, so every
/// offset and line number stays valid.
const MASK: char = '*';

/// Keys whose value is a credential, in JSON (`"auth": "…"`) and YAML (`password: …`).
const CREDENTIAL_KEYS: &str = r"auth|password|passwd|identitytoken|registrytoken|token|access_token|refresh_token|client_secret|secret_access_key|\.dockerconfigjson|\.dockercfg";

struct Patterns {
    /// Each pattern masks its capture group named `v`.
    value_patterns: Vec<Regex>,
    /// All of them at once: one pass tells which (usually none) to run for their captures.
    any: regex::RegexSet,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let sources = [
            // `--docker-password=…`, `--password …`, `--from-literal=key=…` (kubectl create
            // secret, docker/helm/crane login).
            r"(?i)--(?:docker-|registry-)?password(?:=|[ \t]+)(?P<v>[^\s'\x22`…$<][^\s'\x22`]*|'[^'\n]+'|\x22[^\x22\n]+\x22)".to_string(),
            r"(?i)--from-literal[= ][^=\s]+=(?P<v>[^\s'\x22`…$<][^\s'\x22`]*|'[^'\n]+'|\x22[^\x22\n]+\x22)".to_string(),
            // `docker login -p …` / `-u user -p …`.
            r"(?i)\blogin\b[^\n]*?[ \t]-p[ \t]*(?P<v>[^\s'\x22`…$<-][^\s`]*|'[^'\n]+'|\x22[^\x22\n]+\x22)".to_string(),
            // HTTP `Authorization: Basic …` / `Bearer …` (and `-H 'authorization: …'`).
            // The scheme is required: containerd says "may require authorization: server message".
            r"(?i)\bauthorization\s*[:=]\s*(?:basic|bearer|token)\s+(?P<v>[A-Za-z0-9+/=._~-]{4,})".to_string(),
            // JSON, possibly escaped inside another string: `"auth": "…"`, `\"auth\":\"…\"`.
            format!(r#"(?i)\\?"(?:{CREDENTIAL_KEYS})\\?"\s*:\s*\\?"(?P<v>[^"\\\n]+)"#),
            // YAML: `password: …`, `  .dockerconfigjson: …`, `- token: …`.
            format!(r#"(?im)^[ \t-]*["']?(?:{CREDENTIAL_KEYS})["']?[ \t]*:[ \t]+(?P<v>[^\s#][^\n]*?)[ \t]*\r?$"#),
            // A URL with a password: `https://user:pass@host`.
            r"(?i)\b[a-z][a-z0-9+.-]*://(?P<v>[^/\s:@]+:[^/\s@]+)@".to_string(),
            // Base64 of JSON (`{"` → `eyJ`): docker configs, JWTs and other tokens.
            r"\b(?P<v>eyJ[A-Za-z0-9+/_=.-]{16,})".to_string(),
        ];
        let value_patterns: Vec<Regex> = sources.iter().filter_map(|p| Regex::new(p).ok()).collect();
        let any = regex::RegexSet::new(value_patterns.iter().map(Regex::as_str))
            .unwrap_or_else(|_| regex::RegexSet::empty());
        Patterns {
            value_patterns,
            any,
        }
    })
}

/// Byte ranges of credential-looking values in any text (see the module docs).
pub fn credential_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    // Compiling the patterns was 90 % of a run over one file without a credential anywhere
    // (issue 24): only a text with one of the words every pattern needs compiles them.
    if !may_hold_credentials(text) {
        out.extend(pasted_secret_data(text));
        return out;
    }
    let patterns = patterns();
    for i in patterns.any.matches(text).iter() {
        let Some(re) = patterns.value_patterns.get(i) else {
            continue;
        };
        for caps in re.captures_iter(text) {
            if let Some(v) = caps.name("v") {
                out.push(v.range());
            }
        }
    }
    out.extend(pasted_secret_data(text));
    out
}

/// The words every credential pattern needs (case aside), each with the offset of three bytes
/// of it that the prefilter looks for: `passw` (`--password`, `passwd:`), `from-literal`,
/// `login`, `auth` (`authorization`, `"auth":`), `token`, `secret`, `dockerc`
/// (`.dockerconfigjson`, `.dockercfg`), `://` (a URL with a password) and `eyj` (base64 of JSON).
/// Without one, no pattern can match. The three bytes are the word's rarest in manifests and
/// dumps (`ret` of `secret`, as `sec` starts `securityContext` and `cre` `creationTimestamp`).
const CREDENTIAL_WORDS: [(&str, usize); 9] = [
    ("passw", 2),
    ("from-literal", 3),
    ("login", 1),
    ("auth", 1),
    ("token", 1),
    ("secret", 3),
    ("dockerc", 4),
    ("://", 0),
    ("eyj", 0),
];

/// Whether `text` has one of the [`CREDENTIAL_WORDS`] (case aside).
fn may_hold_credentials(text: &str) -> bool {
    static PREFILTER: OnceLock<Prefilter> = OnceLock::new();
    PREFILTER
        .get_or_init(Prefilter::new)
        .may_match(text.as_bytes())
}

/// Finds the [`CREDENTIAL_WORDS`] in a whole file at memory speed. An `ascii_case_insensitive`
/// automaton reads a 25 MB dump byte by byte (12 % of its run, issue 24): it cannot use the
/// vectorised (Teddy) search. This one looks for every case spelling of each word's three
/// bytes (61 patterns, within Teddy's 64) and checks the whole word, case aside, at each hit.
struct Prefilter {
    teddy: Option<aho_corasick::packed::Searcher>,
    /// Which word each pattern of `teddy` belongs to.
    owner: Vec<usize>,
    /// The case-insensitive automaton: for short texts (a finding's message, where setting up
    /// the vectorised search costs more than it saves) and a CPU without Teddy.
    automaton: Option<aho_corasick::AhoCorasick>,
}

/// Below this length the automaton is cheaper than the vectorised search.
const SHORT_TEXT: usize = 512;

impl Prefilter {
    fn new() -> Prefilter {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut owner = Vec::new();
        for (i, (word, at)) in CREDENTIAL_WORDS.iter().enumerate() {
            let part = word.as_bytes().get(*at..*at + 3).unwrap_or(word.as_bytes());
            for spelling in case_spellings(part) {
                patterns.push(spelling);
                owner.push(i);
            }
        }
        let teddy = aho_corasick::packed::Config::new()
            .builder()
            .extend(&patterns)
            .build();
        let automaton = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(CREDENTIAL_WORDS.iter().map(|(w, _)| w))
            .ok();
        Prefilter {
            teddy,
            owner,
            automaton,
        }
    }

    fn may_match(&self, haystack: &[u8]) -> bool {
        let teddy = match &self.teddy {
            Some(teddy) if haystack.len() >= SHORT_TEXT || self.automaton.is_none() => teddy,
            // Without either (neither can fail on these literals), every pattern is tried.
            _ => return self.automaton.as_ref().is_none_or(|a| a.is_match(haystack)),
        };
        let has_word_at = |pattern: usize, start: usize| {
            let Some((word, at)) = self
                .owner
                .get(pattern)
                .and_then(|i| CREDENTIAL_WORDS.get(*i))
            else {
                return true;
            };
            start
                .checked_sub(*at)
                .and_then(|s| haystack.get(s..s + word.len()))
                .is_some_and(|w| w.eq_ignore_ascii_case(word.as_bytes()))
        };
        // Every hit in turn, overlapping ones included: the search goes on one byte after a hit
        // that is not its word, so no occurrence hides behind another.
        let mut from = 0;
        while let Some(hit) =
            teddy.find_in(haystack, aho_corasick::Span::from(from..haystack.len()))
        {
            if has_word_at(hit.pattern().as_usize(), hit.start()) {
                return true;
            }
            from = hit.start() + 1;
        }
        false
    }
}

/// Every spelling of `part` with its ASCII letters in either case.
fn case_spellings(part: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new()];
    for &b in part {
        let cases = if b.is_ascii_alphabetic() {
            vec![b.to_ascii_lowercase(), b.to_ascii_uppercase()]
        } else {
            vec![b]
        };
        out = out
            .into_iter()
            .flat_map(|prefix: Vec<u8>| {
                cases.iter().map(move |c| {
                    let mut longer = prefix.clone();
                    longer.push(*c);
                    longer
                })
            })
            .collect();
    }
    out
}

/// The values under `data:` / `stringData:` of a Secret pasted as `kubectl get secret -o
/// yaml|json` inside other text (a manifest file is masked from its parsed tree instead). Only
/// when the text mentions a Secret at all, so a ConfigMap's `data:` shows as it is.
fn pasted_secret_data(text: &str) -> Vec<Range<usize>> {
    if !mentions_secret(text) {
        return Vec::new();
    }
    let mut out = Vec::new();
    // Indentation of the `data:` key whose block we are in, and whether it is JSON (`{`).
    let mut block: Option<(usize, bool)> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let body = content.trim_start();
        let indent = content.len() - body.len();
        if let Some((key_indent, json)) = block {
            let ended = if json {
                body.starts_with('}')
            } else {
                !body.is_empty() && indent <= key_indent
            };
            if ended {
                block = None;
            } else if let Some(value_from) =
                value_start(content, json).filter(|&v| v < content.len())
            {
                out.push(at + value_from..at + content.len());
            }
        }
        if block.is_none() {
            let unquoted = body.trim_start_matches('"');
            for key in ["data", "stringData"] {
                if let Some(rest) = unquoted.strip_prefix(key) {
                    let rest = rest.trim_start_matches('"').trim_start();
                    if let Some(after) = rest.strip_prefix(':') {
                        let after = after.trim();
                        if after.is_empty() {
                            block = Some((indent, false));
                        } else if after == "{" {
                            block = Some((indent, true));
                        }
                    }
                }
            }
        }
        at += line.len();
    }
    out
}

/// Whether `text` has `kind: Secret` (YAML), `"kind": "Secret"` or `"kind":"Secret"` (JSON), or
/// `secret/`. Four `str::contains` passes were 3 % of a 25 MB dump's run (issue 24): here one
/// vectorised search for `Secret`, each hit checked for what precedes it, and one for `secret/`.
fn mentions_secret(text: &str) -> bool {
    use memchr::memmem::Finder;
    // Built once: a finding's every string is asked too.
    static FINDERS: OnceLock<(Finder<'static>, Finder<'static>)> = OnceLock::new();
    let (secret, secret_path) =
        FINDERS.get_or_init(|| (Finder::new(b"Secret"), Finder::new(b"secret/")));
    let bytes = text.as_bytes();
    secret.find_iter(bytes).any(|at| {
        let before = bytes.get(..at).unwrap_or_default();
        ["kind: ", "\"kind\": \"", "\"kind\":\""]
            .iter()
            .any(|p| before.ends_with(p.as_bytes()))
    }) || secret_path.find(bytes).is_some()
}

/// Where the value of a `key: value` (or `"key": "value"`) line starts.
fn value_start(line: &str, json: bool) -> Option<usize> {
    if json {
        // `"key": "value",`: the value starts after the second `": "`.
        let colon = line.find("\":")?;
        let rest = line.get(colon + 2..)?;
        Some(colon + 2 + (rest.len() - rest.trim_start().len()))
    } else {
        line.find(": ")
            .map(|i| i + 2)
            .or_else(|| line.trim_end().ends_with(':').then_some(line.len()))
            .or(Some(line.len() - line.trim_start().len()))
    }
}

/// `text` with every range masked (byte length and line breaks kept). Ranges that do not fall
/// on char boundaries are widened to the enclosing chars.
pub fn mask_ranges(text: &str, ranges: &[Range<usize>]) -> String {
    let mut masked = vec![false; text.len()];
    for r in ranges {
        let start = r.start.min(text.len());
        let end = r.end.min(text.len());
        if let Some(part) = masked.get_mut(start..end) {
            part.fill(true);
        }
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        let hit = masked
            .get(i..i + c.len_utf8())
            .is_some_and(|m| m.iter().any(|b| *b));
        if hit && !matches!(c, '\n' | '\r') {
            out.extend(std::iter::repeat_n(MASK, c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

/// The Secret values of a run, found in any string in one pass. Searching each value in turn
/// made masking quadratic in the size of a tree (findings x Secrets: 80 % of a 20,000-file
/// run); one automaton over all of them is linear in the string.
pub struct KnownSecrets {
    matcher: Option<aho_corasick::AhoCorasick>,
    /// Used only if the automaton cannot be built (it is refused past an internal size limit):
    /// masking then costs more, but never lets a value through.
    fallback: Vec<String>,
}

impl KnownSecrets {
    /// Values shorter than 4 bytes (trimmed) are left out: masking every `a` of a message
    /// would hide the message and protect nothing.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> KnownSecrets {
        let mut values: Vec<&str> = values.into_iter().filter(|v| v.trim().len() >= 4).collect();
        values.sort_unstable();
        values.dedup();
        if values.is_empty() {
            return KnownSecrets {
                matcher: None,
                fallback: Vec::new(),
            };
        }
        match aho_corasick::AhoCorasick::new(&values) {
            Ok(matcher) => KnownSecrets {
                matcher: Some(matcher),
                fallback: Vec::new(),
            },
            Err(_) => KnownSecrets {
                matcher: None,
                fallback: values.into_iter().map(str::to_string).collect(),
            },
        }
    }

    /// Every occurrence of every value, overlapping ones included.
    fn ranges_in(&self, text: &str, out: &mut Vec<Range<usize>>) {
        if let Some(matcher) = &self.matcher {
            out.extend(
                matcher
                    .find_overlapping_iter(text)
                    .map(|m| m.start()..m.end()),
            );
        }
        for secret in &self.fallback {
            out.extend(
                text.match_indices(secret.as_str())
                    .map(|(i, s)| i..i + s.len()),
            );
        }
    }
}

/// A string built from source text (a message, a label, an image, an evidence line), with
/// credential-looking values and every `known` secret value masked.
pub fn mask_str<'a>(text: &'a str, known: &KnownSecrets) -> Cow<'a, str> {
    let mut ranges = credential_ranges(text);
    known.ranges_in(text, &mut ranges);
    if ranges.is_empty() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(mask_ranges(text, &ranges))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        mask_ranges(text, &credential_ranges(text))
    }

    #[test]
    fn the_prefilter_lets_every_pattern_s_word_through() {
        for text in [
            "--docker-password=x1234",
            "--from-literal=k=v",
            "docker login -u a -p b",
            "Authorization: Basic abcd",
            "\"identitytoken\": \"abcd\"",
            "CLIENT_SECRET: abcd",
            ".dockercfg: abcd",
            "https://u:p@host",
            "eyJhbGciOiJIUzI1NiJ9abcdefgh",
        ] {
            assert!(may_hold_credentials(text), "{text}");
            assert!(!credential_ranges(text).is_empty(), "{text}");
        }
        assert!(!may_hold_credentials("nginx:1.27 is fine\nkind: Pod"));
    }

    #[test]
    fn the_prefilter_finds_what_a_case_insensitive_automaton_finds() {
        let oracle = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(CREDENTIAL_WORDS.iter().map(|(w, _)| w))
            .unwrap();
        let pieces = [
            "PassW",
            "from-LITERAL",
            "lOgIn",
            "AUTH",
            "toKen",
            "secrET",
            "DockerC",
            "://",
            "EYJ",
            "pas",
            "ssw",
            "m-l",
            "ogi",
            "uth",
            "oke",
            "ret",
            "erc",
            "ey",
            "sec",
            "docker.",
            ":/",
            "é",
            "x",
            " ",
            "\n",
            "nginx",
            "creationTimestamp",
            "dkr.ecr",
            "sssw",
            "reret",
        ];
        // Every concatenation of up to three pieces: words cut across pieces, next to near
        // misses and to each other, at the start and the end of the text.
        let mut texts = vec![String::new()];
        for a in pieces {
            texts.push(a.to_string());
            for b in pieces {
                texts.push(format!("{a}{b}"));
                for c in ["x", "ret", "ogin", "th", "asswd", "j"] {
                    texts.push(format!("{a}{b}{c}"));
                }
            }
        }
        let prefilter = Prefilter::new();
        // And the fallback for a CPU without Teddy.
        let fallback = Prefilter {
            teddy: None,
            owner: Vec::new(),
            automaton: Some(oracle.clone()),
        };
        // Past SHORT_TEXT, where Teddy takes over: the same texts behind and before padding.
        let pad = "x: y\n".repeat(SHORT_TEXT / 5 + 1);
        for t in &texts {
            assert_eq!(
                prefilter.may_match(t.as_bytes()),
                oracle.is_match(t),
                "{t:?}"
            );
            assert_eq!(
                fallback.may_match(t.as_bytes()),
                oracle.is_match(t),
                "{t:?}"
            );
            for long in [format!("{pad}{t}"), format!("{t}{pad}")] {
                assert_eq!(
                    prefilter.may_match(long.as_bytes()),
                    oracle.is_match(&long),
                    "{t:?}"
                );
            }
        }
        // A hit with no word next to it, then the word overlapping it.
        for t in ["xretoken", "erc-m-login"] {
            assert!(prefilter.may_match(format!("{pad}{t}").as_bytes()), "{t}");
        }
        assert!(!prefilter.may_match(b"secre tokn"));
    }

    #[test]
    fn secrets_are_mentioned_as_before() {
        let old = |t: &str| {
            t.contains("kind: Secret")
                || t.contains("\"kind\": \"Secret\"")
                || t.contains("\"kind\":\"Secret\"")
                || t.contains("secret/")
        };
        for t in [
            "kind: Secret",
            "kind:  Secret",
            "\"kind\": \"Secret\"",
            "{\"kind\":\"Secret\"}",
            "Secret kind: Secret",
            "SecretSecret",
            "get secret/x",
            "secret /",
            "kind: secret",
            "",
            "Secret",
        ] {
            assert_eq!(mentions_secret(t), old(t), "{t:?}");
        }
    }

    #[test]
    fn command_line_passwords() {
        let t = "kubectl create secret docker-registry r --docker-server=x --docker-username=u --docker-password=hunter2pass --docker-email=e";
        let m = masked(t);
        assert!(!m.contains("hunter2pass"), "{m}");
        assert!(m.contains("--docker-email=e"));
        assert!(!masked("docker login -u me -p 'pa ss' reg.io").contains("pa ss"));
        assert!(!masked("helm registry login r --password s3cr3t").contains("s3cr3t"));
        assert!(
            !masked("kubectl create secret generic x --from-literal=pw=abc123").contains("abc123")
        );
    }

    #[test]
    fn every_pattern_compiles() {
        // A pattern that failed to compile would silently mask nothing.
        assert_eq!(patterns().value_patterns.len(), 8);
        assert_eq!(patterns().any.len(), 8);
    }

    #[test]
    fn placeholders_in_help_texts_stay() {
        for t in [
            "kubectl create secret docker-registry NAME --docker-password=…`, which",
            "--docker-password=$PASSWORD",
            "--password <password>",
        ] {
            assert_eq!(masked(t), t);
        }
    }

    #[test]
    fn headers_json_yaml_urls_and_blobs() {
        assert!(!masked("Authorization: Basic dXNlcjpwYXNz").contains("dXNlcjpwYXNz"));
        assert!(!masked("-H 'authorization: Bearer abc.def-ghi'").contains("abc.def-ghi"));
        let containerd = "may require authorization: server message: insufficient_scope";
        assert_eq!(masked(containerd), containerd);
        assert!(!masked(r#"{"auths":{"r":{"auth":"dXNlcjpwYXNz"}}}"#).contains("dXNlcjpwYXNz"));
        assert!(!masked(r#"{\"auth\":\"dXNlcjpwYXNz\"}"#).contains("dXNlcjpwYXNz"));
        assert!(!masked("  password: hunter2\n").contains("hunter2"));
        assert!(!masked("  .dockerconfigjson: abcdefgh\n").contains("abcdefgh"));
        assert!(!masked("pull https://bob:pw123@reg.io/x").contains("pw123"));
        assert!(!masked("x eyJhdXRocyI6eyJyZWcuaW8iOnt9fX0= y").contains("eyJhdXRocyI6"));
    }

    #[test]
    fn pasted_secret_blocks() {
        let yaml =
            "kind: Secret\ndata:\n  user: dXNlcg==\n  other: b3RoZXI=\nmetadata:\n  name: x\n";
        let m = masked(yaml);
        assert!(!m.contains("dXNlcg==") && !m.contains("b3RoZXI="), "{m}");
        assert!(m.contains("name: x"));
        let json = "{\n  \"kind\": \"Secret\",\n  \"data\": {\n    \"k\": \"c2VjcmV0\"\n  },\n  \"type\": \"Opaque\"\n}";
        let m = masked(json);
        assert!(!m.contains("c2VjcmV0") && m.contains("Opaque"), "{m}");
    }

    #[test]
    fn ordinary_manifests_stay_as_written() {
        let t = "kind: Deployment\nspec:\n  containers:\n    - image: nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n      automountServiceAccountToken: false\ndata:\n  key: value\n";
        assert_eq!(masked(t), t);
    }

    #[test]
    fn masking_keeps_offsets_and_line_breaks() {
        let t = "a: é\r\nb";
        let m = mask_ranges(t, &[Range { start: 3, end: 7 }]);
        assert_eq!(m.len(), t.len());
        assert_eq!(m, "a: **\r\nb");
        assert_eq!(
            mask_str("x secretvalue y", &KnownSecrets::new(["secretvalue"])),
            "x *********** y"
        );
    }

    #[test]
    fn known_values_overlapping_repeated_and_short() {
        let known = KnownSecrets::new(["abcdef", "defghi", "abcdef", "ab", "   x  "]);
        // Overlapping values are both masked; a repeated value is masked everywhere; values
        // under 4 bytes are not masks of their own.
        assert_eq!(
            mask_str("abcdefghi, abcdef, ab x", &known),
            "*********, ******, ab x"
        );
        assert_eq!(mask_str("nothing here", &known), "nothing here");
        let none = KnownSecrets::new(std::iter::empty());
        assert_eq!(mask_str("abcdef", &none), "abcdef");
    }
}
