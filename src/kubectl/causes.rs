//! The message → cause table of `rules/causes.yaml`, and the reader for its small YAML subset.

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use std::sync::LazyLock;

const CAUSES_YAML: &str = include_str!("../../rules/causes.yaml");

/// One root cause of a failed pull: its rule, its text, and the messages that prove it.
#[derive(Debug)]
pub struct CauseInfo {
    /// Rule id, e.g. `pull-unauthorized`.
    pub rule: String,
    /// Cause name as in JSON output, e.g. `unauthorized` (`unknown` for `pull-failed`).
    pub cause: String,
    pub title: String,
    /// Next step; may use `{image}` `{registry}` `{repository}` `{tag}` `{pod}` `{namespace}`.
    pub help: String,
    /// Case-insensitive regexes over the runtime error text.
    pub patterns: Vec<Regex>,
    /// `(i, re)`: pattern `i` does not count when `re` matches the same text.
    pub exceptions: Vec<(usize, Regex)>,
    /// Higher wins when one container's messages point at different causes.
    pub specificity: u8,
}

impl CauseInfo {
    /// Whether some pattern matches `text` (honouring the exceptions).
    pub fn matches(&self, text: &str) -> bool {
        (0..self.patterns.len()).any(|i| self.pattern_holds(i, text))
    }

    /// Where in `text` the first holding pattern matches: the words that prove the cause.
    pub fn find_in(&self, text: &str) -> Option<std::ops::Range<usize>> {
        (0..self.patterns.len())
            .filter(|i| self.pattern_holds(*i, text))
            .filter_map(|i| self.patterns.get(i)?.find(text))
            .map(|m| m.range())
            .min_by_key(|r| r.start)
    }

    fn pattern_holds(&self, i: usize, text: &str) -> bool {
        self.patterns.get(i).is_some_and(|re| re.is_match(text))
            && !self
                .exceptions
                .iter()
                .any(|(k, re)| *k == i && re.is_match(text))
    }
}

struct Catalog {
    causes: Vec<CauseInfo>,
    /// Every pattern of every cause, for one pass over a message.
    set: RegexSet,
    /// For each regex of `set`: (cause index, pattern index).
    owners: Vec<(usize, usize)>,
    failed: usize,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    // The file is embedded and a test parses it, so the fallback only guards against a bad edit
    // reaching a build: better a diagnosis of "failed" than a panic.
    let causes = parse(CAUSES_YAML).unwrap_or_default();
    build(causes)
});

fn build(mut causes: Vec<CauseInfo>) -> Catalog {
    let failed = match causes.iter().position(|c| c.rule == "pull-failed") {
        Some(i) => i,
        None => {
            causes.push(CauseInfo {
                rule: "pull-failed".into(),
                cause: "unknown".into(),
                title: "the image pull failed; the paste does not say why".into(),
                help: String::new(),
                patterns: Vec::new(),
                exceptions: Vec::new(),
                specificity: 0,
            });
            causes.len() - 1
        }
    };
    let mut owners = Vec::new();
    let mut sources = Vec::new();
    for (ci, c) in causes.iter().enumerate() {
        for (pi, p) in c.patterns.iter().enumerate() {
            owners.push((ci, pi));
            sources.push(p.as_str().to_string());
        }
    }
    let set = RegexSetBuilder::new(&sources)
        .case_insensitive(true)
        .build()
        .unwrap_or_else(|_| RegexSet::empty());
    Catalog {
        causes,
        set,
        owners,
        failed,
    }
}

/// All causes, most specific first as written in `rules/causes.yaml`.
pub fn causes() -> &'static [CauseInfo] {
    &CATALOG.causes
}

/// The cause with this rule id (`pull-dns`, …).
pub fn cause_by_rule(rule: &str) -> Option<&'static CauseInfo> {
    CATALOG.causes.iter().find(|c| c.rule == rule)
}

/// `pull-failed`: a failure whose cause the evidence does not show.
pub fn failed() -> &'static CauseInfo {
    let cat = &*CATALOG;
    &cat.causes[cat.failed.min(cat.causes.len().saturating_sub(1))]
}

/// The most specific cause whose patterns match `text`, or `pull-failed`.
pub fn classify(text: &str) -> &'static CauseInfo {
    let cat = &*CATALOG;
    let mut best: Option<&'static CauseInfo> = None;
    for idx in cat.set.matches(text).iter() {
        let Some(&(ci, pi)) = cat.owners.get(idx) else {
            continue;
        };
        let Some(cause) = cat.causes.get(ci) else {
            continue;
        };
        if best.is_some_and(|b| b.specificity >= cause.specificity) {
            continue;
        }
        if cause.pattern_holds(pi, text) {
            best = Some(cause);
        }
    }
    best.unwrap_or_else(failed)
}

/// Parses the causes file. Errors name the 1-based line.
pub fn parse(src: &str) -> Result<Vec<CauseInfo>, String> {
    let mut out: Vec<CauseInfo> = Vec::new();
    let mut in_patterns = false;
    for (n, raw) in src.lines().enumerate() {
        let err = |m: &str| format!("causes.yaml line {}: {m}", n + 1);
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        match indent {
            0 => {
                let rest = trimmed
                    .strip_prefix("- ")
                    .ok_or_else(|| err("expected `- rule: ...` to start a cause"))?;
                out.push(empty_cause());
                in_patterns = false;
                let cause = out.last_mut().ok_or_else(|| err("no cause"))?;
                set_field(cause, rest, &mut in_patterns).map_err(|m| err(&m))?;
            }
            2 => {
                let cause = out.last_mut().ok_or_else(|| err("field outside a cause"))?;
                in_patterns = false;
                set_field(cause, trimmed, &mut in_patterns).map_err(|m| err(&m))?;
            }
            4 if in_patterns => {
                let cause = out
                    .last_mut()
                    .ok_or_else(|| err("pattern outside a cause"))?;
                let item = trimmed
                    .strip_prefix("- ")
                    .ok_or_else(|| err("expected `- 'regex'`"))?;
                let item = item.strip_prefix("match:").unwrap_or(item);
                let re = compile(&scalar(item).map_err(|m| err(&m))?).map_err(|m| err(&m))?;
                cause.patterns.push(re);
            }
            6 if in_patterns => {
                let cause = out
                    .last_mut()
                    .ok_or_else(|| err("`unless` outside a cause"))?;
                let value = trimmed
                    .strip_prefix("unless:")
                    .ok_or_else(|| err("expected `unless: 'regex'`"))?;
                let re = compile(&scalar(value).map_err(|m| err(&m))?).map_err(|m| err(&m))?;
                let i = cause
                    .patterns
                    .len()
                    .checked_sub(1)
                    .ok_or_else(|| err("`unless` before any pattern"))?;
                cause.exceptions.push((i, re));
            }
            _ => return Err(err("unexpected indentation")),
        }
    }
    for c in &out {
        if c.rule.is_empty() || c.cause.is_empty() || c.title.is_empty() {
            return Err(format!(
                "causes.yaml: cause {:?} needs rule, cause and title",
                c.rule
            ));
        }
    }
    Ok(out)
}

fn empty_cause() -> CauseInfo {
    CauseInfo {
        rule: String::new(),
        cause: String::new(),
        title: String::new(),
        help: String::new(),
        patterns: Vec::new(),
        exceptions: Vec::new(),
        specificity: 0,
    }
}

fn set_field(cause: &mut CauseInfo, kv: &str, in_patterns: &mut bool) -> Result<(), String> {
    let (key, value) = kv
        .split_once(':')
        .ok_or_else(|| "expected `key: value`".to_string())?;
    let value = value.trim();
    match key.trim() {
        "rule" => cause.rule = scalar(value)?,
        "cause" => cause.cause = scalar(value)?,
        "title" => cause.title = scalar(value)?,
        "help" => cause.help = scalar(value)?,
        "specificity" => {
            cause.specificity = scalar(value)?
                .parse()
                .map_err(|_| "specificity must be 0..=255".to_string())?
        }
        "patterns" if value.is_empty() => *in_patterns = true,
        other => return Err(format!("unknown key `{other}`")),
    }
    Ok(())
}

/// A single-line scalar: 'single' ('' escapes a quote), "double" (\" and \\), or plain.
fn scalar(value: &str) -> Result<String, String> {
    let v = value.trim();
    if let Some(body) = v.strip_prefix('\'') {
        let mut out = String::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    out.push('\'');
                } else {
                    return trailing_ok(chars.collect::<String>().as_str()).map(|_| out);
                }
            } else {
                out.push(c);
            }
        }
        Err("unterminated single-quoted string".into())
    } else if let Some(body) = v.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(e @ ('"' | '\\')) => out.push(e),
                    _ => return Err("unsupported escape in double-quoted string".into()),
                },
                '"' => return trailing_ok(chars.as_str()).map(|_| out),
                c => out.push(c),
            }
        }
        Err("unterminated double-quoted string".into())
    } else {
        let plain = match v.find(" #") {
            Some(i) => v.get(..i).unwrap_or(v),
            None => v,
        };
        Ok(plain.trim().to_string())
    }
}

fn trailing_ok(rest: &str) -> Result<(), String> {
    let rest = rest.trim();
    if rest.is_empty() || rest.starts_with('#') {
        Ok(())
    } else {
        Err(format!("text after the closing quote: {rest:?}"))
    }
}

fn compile(src: &str) -> Result<Regex, String> {
    RegexBuilder::new(src)
        .case_insensitive(true)
        .build()
        .map_err(|e| format!("bad regex {src:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_file_parses_with_every_rule() {
        let causes = parse(CAUSES_YAML).expect("causes.yaml parses");
        let rules: Vec<&str> = causes.iter().map(|c| c.rule.as_str()).collect();
        assert_eq!(
            rules,
            [
                "pull-invalid-reference",
                "pull-never-not-present",
                "pull-platform-mismatch",
                "pull-rate-limited",
                "pull-disk-full",
                "pull-http-on-https",
                "pull-tls",
                "pull-dns",
                "pull-connection-refused",
                "pull-network-timeout",
                "pull-unauthorized",
                "pull-not-found",
                "pull-failed",
            ]
        );
        for c in &causes {
            assert_eq!(
                c.rule,
                format!("pull-{}", c.cause).replace("pull-unknown", "pull-failed")
            );
            assert!(!c.help.is_empty(), "{} has no help", c.rule);
            assert!(
                c.patterns.is_empty() == (c.rule == "pull-failed"),
                "{}",
                c.rule
            );
        }
        let mut spec: Vec<u8> = causes.iter().map(|c| c.specificity).collect();
        spec.dedup();
        assert_eq!(spec.len(), causes.len(), "specificities must differ");
    }

    #[test]
    fn reader_handles_quotes_and_exceptions() {
        let src = "# c\n- rule: pull-x\n  cause: x\n  title: \"a \\\"b\\\"\"\n  help: 'it''s'\n  specificity: 7\n  patterns:\n    - 'a\\d'  # trailing\n    - match: 'b'\n      unless: 'c'\n";
        let c = parse(src).unwrap();
        assert_eq!(c[0].title, "a \"b\"");
        assert_eq!(c[0].help, "it's");
        assert_eq!(c[0].specificity, 7);
        assert!(c[0].matches("A1"));
        assert!(c[0].matches("b"));
        assert!(!c[0].matches("b c"));
    }

    #[test]
    fn reader_reports_bad_lines() {
        assert!(parse("rule: x\n").unwrap_err().contains("line 1"));
        assert!(
            parse("- rule: x\n  cause: y\n  title: 't\n")
                .unwrap_err()
                .contains("line 3")
        );
        assert!(
            parse("- rule: x\n  cause: y\n  title: t\n  patterns:\n    - '('\n")
                .unwrap_err()
                .contains("bad regex")
        );
        assert!(
            parse("- rule: x\n  bogus: 1\n")
                .unwrap_err()
                .contains("unknown key")
        );
        assert!(
            parse("- rule: x\n  cause: y\n")
                .unwrap_err()
                .contains("title")
        );
    }

    #[test]
    fn most_specific_cause_wins() {
        let c = |t: &str| classify(t).rule.as_str();
        assert_eq!(
            c(
                "dial tcp: lookup r.io on 10.0.0.10:53: read udp 1.2.3.4:5->10.0.0.10:53: i/o timeout"
            ),
            "pull-dns"
        );
        assert_eq!(
            c("failed to resolve reference \"x\": no match for platform in manifest: not found"),
            "pull-platform-mismatch"
        );
        assert_eq!(
            c(
                "toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating"
            ),
            "pull-rate-limited"
        );
        assert_eq!(c("net/http: TLS handshake timeout"), "pull-network-timeout");
        assert_eq!(c("Error: ErrImagePull"), "pull-failed");
        assert_eq!(c(""), "pull-failed");
    }

    #[test]
    fn docker_pull_access_denied_is_not_found_unless_credentials_are_named() {
        let c = |t: &str| classify(t).rule.as_str();
        assert_eq!(
            c(
                "Error response from daemon: pull access denied for kubecloud, repository does not exist or may require 'docker login'"
            ),
            "pull-not-found"
        );
        assert_eq!(
            c(
                "Error response from daemon: pull access denied for a/b, repository does not exist or may require 'docker login': denied: requested access to the resource is denied"
            ),
            "pull-not-found"
        );
        assert_eq!(
            c(
                "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
            ),
            "pull-not-found"
        );
        assert_eq!(
            c("Error response from daemon: unauthorized: authentication required"),
            "pull-unauthorized"
        );
        assert_eq!(
            c("denied: requested access to the resource is denied"),
            "pull-unauthorized"
        );
    }
}
