//! The message → cause table of `rules/causes.yaml`, read through `crate::syntax`.

use crate::syntax::{Cursor, ParseLimits, parse_stream};
use regex::{Regex, RegexBuilder};
use regex_automata::meta;
use regex_automata::{Input, PatternSet};
use std::sync::{LazyLock, OnceLock};

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
    pub patterns: Vec<Pattern>,
    /// `(i, re)`: pattern `i` does not count when `re` matches the same text.
    pub exceptions: Vec<(usize, Pattern)>,
    /// Higher wins when one container's messages point at different causes.
    pub specificity: u8,
}

/// A regex of `rules/causes.yaml`, compiled on first use. The table's set says which
/// patterns match a message, so a run compiles only those: compiling all ~170 up front was a
/// third of the instructions of a run over one small paste (callgrind, issue 24).
#[derive(Debug)]
pub struct Pattern {
    source: String,
    regex: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// The regex as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The compiled regex; `None` only if it does not compile (a unit test compiles them all).
    pub fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| compile(&self.source).ok())
            .as_ref()
    }

    fn is_match(&self, text: &str) -> bool {
        self.regex().is_some_and(|re| re.is_match(text))
    }
}

/// Causes are one per rule (`rules/causes.yaml`): the rule names the cause.
impl PartialEq for CauseInfo {
    fn eq(&self, other: &CauseInfo) -> bool {
        self.rule == other.rule
    }
}

impl Eq for CauseInfo {}

impl CauseInfo {
    /// Whether some pattern matches `text` (honouring the exceptions).
    pub fn matches(&self, text: &str) -> bool {
        (0..self.patterns.len()).any(|i| self.pattern_holds(i, text))
    }

    /// Where in `text` the first holding pattern matches: the words that prove the cause.
    pub fn find_in(&self, text: &str) -> Option<std::ops::Range<usize>> {
        (0..self.patterns.len())
            .filter(|i| self.pattern_holds(*i, text))
            .filter_map(|i| self.patterns.get(i)?.regex()?.find(text))
            .map(|m| m.range())
            .min_by_key(|r| r.start)
    }

    fn pattern_holds(&self, i: usize, text: &str) -> bool {
        self.patterns.get(i).is_some_and(|p| p.is_match(text))
            && !self
                .exceptions
                .iter()
                .any(|(k, re)| *k == i && re.is_match(text))
    }
}

struct CauseTable {
    causes: Vec<CauseInfo>,
    /// Every pattern of every cause, for one pass over a message.
    set: Option<meta::Regex>,
    /// For each regex of `set`: (cause index, pattern index).
    owners: Vec<(usize, usize)>,
    failed: usize,
}

static TABLE: LazyLock<CauseTable> = LazyLock::new(|| {
    // The file is embedded and a test parses it, so the fallback only guards against a bad edit
    // reaching a build: better a diagnosis of "failed" than a panic.
    let causes = parse(CAUSES_YAML).unwrap_or_default();
    build(causes)
});

fn build(mut causes: Vec<CauseInfo>) -> CauseTable {
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
            sources.push(without_word_boundaries(p.as_str()));
        }
    }
    // No literal prefilter: building one for ~170 patterns cost more than a small paste's whole
    // read, and the messages it would skip through are a few hundred bytes each. The set only
    // picks candidates (each is confirmed by its own regex), so its patterns drop `\b`: a
    // Unicode word boundary sends a search over non-ASCII text to the slow PikeVM (seconds on a
    // multi-megabyte message), and a pattern without one matches at least as much.
    let set = meta::Regex::builder()
        .configure(
            meta::Config::new()
                .match_kind(regex_automata::MatchKind::All)
                .auto_prefilter(false),
        )
        .syntax(regex_automata::util::syntax::Config::new().case_insensitive(true))
        .build_many(&sources)
        .ok();
    CauseTable {
        causes,
        set,
        owners,
        failed,
    }
}

/// `src` without its `\b` and `\B` assertions (an escaped backslash stays as it is).
fn without_word_boundaries(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b' | 'B') => {}
            Some(next) => {
                out.push(c);
                out.push(next);
            }
            None => out.push(c),
        }
    }
    out
}

/// All causes, most specific first as written in `rules/causes.yaml`.
pub fn causes() -> &'static [CauseInfo] {
    &TABLE.causes
}

/// The cause with this rule id (`pull-dns`, …).
pub fn cause_by_rule(rule: &str) -> Option<&'static CauseInfo> {
    TABLE.causes.iter().find(|c| c.rule == rule)
}

/// `pull-failed`: a failure whose cause the evidence does not show.
pub fn failed() -> &'static CauseInfo {
    let table = &*TABLE;
    &table.causes[table.failed.min(table.causes.len().saturating_sub(1))]
}

/// The most specific cause whose patterns match `text`, or `pull-failed`.
pub fn classify(text: &str) -> &'static CauseInfo {
    let table = &*TABLE;
    let mut best: Option<&'static CauseInfo> = None;
    let Some(set) = &table.set else {
        return failed();
    };
    let mut matched = PatternSet::new(set.pattern_len());
    set.which_overlapping_matches(&Input::new(text), &mut matched);
    for idx in matched.iter().map(|p| p.as_usize()) {
        let Some(&(ci, pi)) = table.owners.get(idx) else {
            continue;
        };
        let Some(cause) = table.causes.get(ci) else {
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

/// Parses the causes file through `crate::syntax` (the same reader as manifests and the
/// config). Errors name the 1-based line.
pub fn parse(src: &str) -> Result<Vec<CauseInfo>, String> {
    let err = |at: usize, m: &str| format!("causes.yaml line {}: {m}", line_of(src, at));
    let mut docs = parse_stream(src, 0, &ParseLimits::default()).into_iter();
    let doc = match docs.next() {
        Some(Ok(doc)) => doc,
        Some(Err(e)) => return Err(err(e.offset, &e.message)),
        None => return Ok(Vec::new()),
    };
    if let Some(extra) = docs.next() {
        let at = extra.map_or_else(
            |e| e.offset,
            |d| d.root().map_or(0, |r| r.value_range().start),
        );
        return Err(err(at, "one document expected"));
    }
    let Some(root) = doc.root() else {
        return Ok(Vec::new());
    };
    if !root.is_seq() {
        return Err(err(
            root.value_range().start,
            "expected a list of causes (`- rule: ...`)",
        ));
    }
    let mut out = Vec::new();
    for item in root.items() {
        out.push(cause(&item).map_err(|(at, m)| err(at, &m))?);
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

/// What is wrong, at a byte offset of the file.
type ErrorAt = (usize, String);

fn cause(item: &Cursor<'_>) -> Result<CauseInfo, ErrorAt> {
    if !item.is_map() {
        return Err((
            item.value_range().start,
            "expected `- rule: ...` to start a cause".into(),
        ));
    }
    let mut cause = CauseInfo {
        rule: String::new(),
        cause: String::new(),
        title: String::new(),
        help: String::new(),
        patterns: Vec::new(),
        exceptions: Vec::new(),
        specificity: 0,
    };
    for (key, value) in item.entries() {
        let at = key.value_range().start;
        match key.as_str().unwrap_or_default() {
            "rule" => cause.rule = text(&value)?,
            "cause" => cause.cause = text(&value)?,
            "title" => cause.title = text(&value)?,
            "help" => cause.help = text(&value)?,
            "specificity" => {
                cause.specificity = text(&value)?.parse().map_err(|_| {
                    (
                        value.value_range().start,
                        "specificity must be 0..=255".to_string(),
                    )
                })?
            }
            // `patterns:` with nothing after it: no pattern (pull-failed).
            "patterns" if value.is_null() => {}
            "patterns" if value.is_seq() => {
                for pattern in value.items() {
                    add_pattern(&mut cause, &pattern)?;
                }
            }
            "patterns" => return Err((at, "expected a list of patterns".to_string())),
            other => return Err((at, format!("unknown key `{other}`"))),
        }
    }
    Ok(cause)
}

/// `- 'regex'`, or `- match: 'regex'` with `unless: 'regex'` (the pattern does not count when
/// the exception also matches).
fn add_pattern(cause: &mut CauseInfo, pattern: &Cursor<'_>) -> Result<(), ErrorAt> {
    let at = pattern.value_range().start;
    if !pattern.is_map() {
        cause.patterns.push(regex(pattern)?);
        return Ok(());
    }
    for (key, _) in pattern.entries() {
        let name = key.as_str().unwrap_or_default();
        if name != "match" && name != "unless" {
            return Err((key.value_range().start, format!("unknown key `{name}`")));
        }
    }
    let matched = pattern
        .get("match")
        .ok_or_else(|| (at, "expected `match: 'regex'`".to_string()))?;
    cause.patterns.push(regex(&matched)?);
    if let Some(unless) = pattern.get("unless") {
        let i = cause.patterns.len().saturating_sub(1);
        cause.exceptions.push((i, regex(&unless)?));
    }
    Ok(())
}

fn text(value: &Cursor<'_>) -> Result<String, ErrorAt> {
    value.as_str().map(str::to_string).ok_or_else(|| {
        (
            value.value_range().start,
            "expected a single value".to_string(),
        )
    })
}

/// A pattern, checked for syntax only (cheap); it is compiled when a message needs it.
fn regex(value: &Cursor<'_>) -> Result<Pattern, ErrorAt> {
    let source = text(value)?;
    regex_syntax::ast::parse::Parser::new()
        .parse(&source)
        .map_err(|e| {
            (
                value.value_range().start,
                format!("bad regex {source:?}: {e}"),
            )
        })?;
    Ok(Pattern {
        source,
        regex: OnceLock::new(),
    })
}

/// The 1-based line of byte `at`.
fn line_of(src: &str, at: usize) -> usize {
    src.get(..at).unwrap_or(src).matches('\n').count() + 1
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
    fn word_boundaries_leave_the_set_and_nothing_else_does() {
        assert_eq!(
            without_word_boundaries(r"\bInvalidImageName\b"),
            "InvalidImageName"
        );
        assert_eq!(without_word_boundaries(r"a\Bb"), "ab");
        assert_eq!(without_word_boundaries(r"\\b\d+\S"), r"\\b\d+\S");
        assert_eq!(without_word_boundaries("trailing\\"), "trailing\\");
    }

    /// The set only picks candidates: `classify` must give what trying every cause's patterns
    /// one by one gives, on every line of the kubectl fixtures and the rule docs.
    #[test]
    fn the_set_agrees_with_every_pattern_tried_alone() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut lines = 0;
        for dir in ["fixtures/kubectl", "rules"] {
            for entry in ignore::WalkBuilder::new(root.join(dir)).build().flatten() {
                let Ok(text) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                for line in text.lines() {
                    let alone = causes()
                        .iter()
                        .filter(|c| c.matches(line))
                        .max_by_key(|c| c.specificity)
                        .unwrap_or_else(failed);
                    assert_eq!(classify(line).rule, alone.rule, "{line}");
                    lines += 1;
                }
            }
        }
        assert!(lines > 1000, "{lines} lines");
    }

    #[test]
    fn embedded_file_parses_with_every_rule() {
        let causes = parse(CAUSES_YAML).expect("causes.yaml parses");
        let rules: Vec<&str> = causes.iter().map(|c| c.rule.as_str()).collect();
        assert_eq!(
            rules,
            [
                "pull-invalid-reference",
                "pull-never-not-present",
                "pull-signature-rejected",
                "pull-platform-mismatch",
                "pull-rate-limited",
                "pull-qps-exceeded",
                "pull-runtime-store",
                "pull-disk-full",
                "pull-http-on-https",
                "pull-tls",
                "pull-dns",
                "pull-connection-refused",
                "pull-network-timeout",
                "pull-unauthorized",
                "pull-not-found",
                "pull-connection-reset",
                "pull-failed",
            ]
        );
        for c in &causes {
            assert_eq!(
                c.rule,
                format!("pull-{}", c.cause).replace("pull-unknown", "pull-failed")
            );
            assert!(!c.help.is_empty(), "{} has no help", c.rule);
            // Compiled lazily at run time: every one must compile.
            for p in c.patterns.iter().chain(c.exceptions.iter().map(|(_, p)| p)) {
                assert!(p.regex().is_some(), "{}: {:?}", c.rule, p.as_str());
            }
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
    fn reader_rejects_shapes_it_does_not_know() {
        let head = "- rule: x\n  cause: y\n  title: t\n";
        let err = |src: &str| parse(src).unwrap_err();
        assert!(err("- just text\n").contains("line 1: expected `- rule"));
        assert!(
            err(&format!("{head}  help: {{a: b}}\n")).contains("line 4: expected a single value")
        );
        assert!(
            err(&format!("{head}  patterns: 'a'\n"))
                .contains("line 4: expected a list of patterns")
        );
        assert!(
            err(&format!("{head}  patterns:\n    - unless: 'a'\n"))
                .contains("line 5: expected `match: 'regex'`")
        );
        assert!(
            err(&format!(
                "{head}  patterns:\n    - match: 'a'\n      otherwise: 'b'\n"
            ))
            .contains("line 6: unknown key `otherwise`")
        );
        assert!(err(&format!("{head}  specificity: 300\n")).contains("0..=255"));
        assert!(err(&format!("{head}---\n{head}")).contains("line 5: one document expected"));
        assert!(err("- rule: [x\n").contains("line "));
        assert!(parse("# nothing\n").unwrap().is_empty());
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
