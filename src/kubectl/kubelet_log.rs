//! The kubelet's own log (`journalctl -u kubelet`, `/var/log/kubelet.log`): klog's structured
//! lines, `E1206 18:42:07.514301    1187 kuberuntime_image.go:55] "Failed to pull image"
//! err="…" image="…"`, after journald's `Dec 06 18:42:07 node kubelet[1187]: ` or nothing.
//! Every value is Go-quoted (klog's text format), so the runtime's message arrives with its
//! quotes escaped once, and pod_workers.go's `Error syncing pod, skipping` carries the
//! SyncResult's `failed to "StartContainer" for "c" with ErrImagePull: "…"` (itself `%q` of the
//! message) escaped once more: quotes inside quotes.
//!
//! Read here: `Failed to pull image` (kuberuntime_image.go) and `PullImage from image service
//! failed` (remote_image.go), each with `err` and `image`, and `Error syncing pod, skipping`
//! with `err` and `pod="ns/name"`, which names the container and the waiting reason.

use super::InputKind;
use super::classify;
use super::events::{self, clean_image};
use super::mapped_text::MappedText;
use super::observation::{Observation, RowContext};
use regex::Regex;
use std::sync::LazyLock;

/// klog's header: severity, MMDD, time, thread id, `file.go:line]`, then the message.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [\w.-]+:\d+\] ")
        .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

/// The start of an entry, even one a wrap cut short: journald's `Dec 06 18:42:07 node
/// kubelet[1187]:` or klog's `E1206 18:42:07.514301`.
static ENTRY_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \S+ [\w.-]+\[\d+\]:(?:\s|$)|[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d)",
    )
    .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

/// The messages of a failed pull, with its `err` and `image` values.
const PULL_FAILED: &[&str] = &[
    "Failed to pull image",
    "PullImage from image service failed",
];

/// pod_workers.go's message for a failed sync, with the pod and its SyncResult errors.
const SYNC_FAILED: &str = "Error syncing pod, skipping";

/// journald's prefix alone (`Dec 06 18:42:07 node kubelet[1187]:`): a wrap moved the klog
/// entry to the next line.
static BARE_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \S+ [\w.-]+\[\d+\]:\s*$")
        .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

/// Whether `line` is journald's prefix with nothing after it.
pub(crate) fn bare_prefix(line: &str) -> bool {
    BARE_PREFIX.is_match(line)
}

/// Whether `line` holds a klog entry's header.
pub(crate) fn is_line(line: &str) -> bool {
    HEADER.is_match(line)
}

/// Whether `line` starts a journal or klog entry (so something of its own, never the rest of
/// a wrapped line), even when a wrap cut its header.
pub(crate) fn starts_entry(line: &str) -> bool {
    ENTRY_START.is_match(line)
}

/// Whether `line` is a klog line that ends inside a quoted value: klog writes one line per
/// entry and escapes every newline, so what follows it is the rest of a wrapped line.
pub(crate) fn ends_open(line: &str) -> bool {
    let Some(header) = HEADER.find(line) else {
        return false;
    };
    let mut open = false;
    let mut bytes = line.as_bytes().iter().skip(header.end());
    while let Some(b) = bytes.next() {
        match b {
            b'\\' if open => {
                bytes.next();
            }
            b'"' => open = !open,
            _ => {}
        }
    }
    open
}

/// Whether `before` (a klog line up to a quote) ends where the entry's message opens: the
/// message is words, not a quoted name.
pub(crate) fn message_opens(line: &str, before: &str) -> bool {
    before.ends_with("] ") && HEADER.find(line).is_some_and(|h| h.end() == before.len())
}

/// The observations of one klog line; `None` when it is no structured klog line about a pull.
pub(crate) fn read(text: &MappedText, segment: usize) -> Option<Vec<Observation>> {
    let header = HEADER.find(&text.text)?;
    let (msg, mut at) = quoted(text, header.end())?;
    let mut values: Vec<(String, MappedText)> = Vec::new();
    // One key=value each; a line holds a handful, so this is bounded by its length.
    while let Some(rest) = text.text.get(at..) {
        let key_start = at + (rest.len() - rest.trim_start().len());
        let Some(eq) = text.text.get(key_start..).and_then(|r| r.find('=')) else {
            break;
        };
        let key = text.text.get(key_start..key_start + eq).unwrap_or("");
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            break;
        }
        let value_start = key_start + eq + 1;
        let (value, end) = if text.text.get(value_start..)?.starts_with('"') {
            quoted(text, value_start)?
        } else {
            let len = text
                .text
                .get(value_start..)
                .and_then(|r| r.find(char::is_whitespace))
                .unwrap_or(text.text.len() - value_start);
            (
                text.slice(value_start..value_start + len),
                value_start + len,
            )
        };
        values.push((key.to_string(), value));
        at = end;
    }
    let value = |k: &str| values.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    // klog.KObj: `ns/name`, or `name` for an object without a namespace.
    let named = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let (namespace, pod) = match value("pod").map(|p| p.text.as_str()) {
        Some(p) => match p.split_once('/') {
            Some((ns, name)) => (named(ns), named(name)),
            None => (None, named(p)),
        },
        None => (None, None),
    };
    let err = value("err")?;
    let mut out = Vec::new();
    if PULL_FAILED.contains(&msg.text.as_str()) {
        let image = value("image")?;
        let mut o = Observation::failure(InputKind::KubeletLog, segment, err.full_span());
        o.image = Some(clean_image(&image.text)).filter(|i| !i.is_empty());
        o.image_span = Some(image.full_span());
        o.pod = pod;
        o.namespace = namespace;
        o.reason = Some("ErrImagePull".into());
        o.cause = classify(&err.text);
        o.rank = 3;
        o.evidence_text = err.text.trim().to_string();
        out.push(o);
    } else if msg.text == SYNC_FAILED {
        // The SyncResult errors as kubectl's old FailedSync event printed them: read by the
        // same reader, for the pod the line names.
        let at = events::marker(&err.text)?;
        let ctx = RowContext {
            segment,
            pod: pod.clone(),
            namespace: namespace.clone(),
            command_namespace: namespace,
            namespace_column: false,
        };
        for mut o in events::parse(err, at, &ctx).observations {
            o.source = InputKind::KubeletLog;
            if o.image.is_none() {
                o.image = events::message_image(&o.evidence_text);
            }
            out.push(o);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The Go-quoted string that starts at byte `at` of `text` (a `"`), unquoted and mapped to
/// the original text, and the byte just past its closing quote. `None` when it is not closed.
fn quoted(text: &MappedText, at: usize) -> Option<(MappedText, usize)> {
    let raw = text.text.get(at..)?;
    if !raw.starts_with('"') {
        return None;
    }
    let mut out = MappedText::default();
    let mut chars = raw.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        let orig = text.orig(at + i);
        match c {
            '"' => return Some((out, at + i + 1)),
            '\\' => {
                let (_, e) = chars.next()?;
                let decoded = match e {
                    'n' => Some('\n'),
                    't' => Some('\t'),
                    'r' => Some('\r'),
                    // `\xNN`, `\uNNNN`, `\UNNNNNNNN`: a code point in hex.
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = chars.by_ref().take(n).map(|(_, h)| h).collect();
                        u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                    }
                    other => Some(other),
                };
                if let Some(d) = decoded {
                    out.push(d.encode_utf8(&mut [0; 4]), orig);
                }
            }
            c => out.push(c.encode_utf8(&mut [0; 4]), orig),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> MappedText {
        let mut t = MappedText::default();
        t.push(s, 0);
        t
    }

    #[test]
    fn go_quoted_values_come_off_one_level_and_map_back() {
        let src = r#"x="a \"b\" \\\"c\\\" \u00e9" y"#;
        let t = line(src);
        let (v, end) = quoted(&t, 2).expect("closed");
        assert_eq!(v.text, r#"a "b" \"c\" é"#);
        assert_eq!(&src[end..], " y");
        let at = v.text.find("b").expect("b");
        assert_eq!(&src[v.span(at..at + 1)], "b");
        assert!(quoted(&line(r#""open \""#), 0).is_none());
    }

    #[test]
    fn a_sync_error_names_pod_container_and_cause() {
        let t = line(concat!(
            r#"Dec 06 18:42:07 worker-2 kubelet[1187]: E1206 18:42:07.514420    1187 pod_workers.go:1298] "Error syncing pod, skipping" "#,
            r#"err="failed to \"StartContainer\" for \"api\" with ErrImagePull: \"rpc error: code = NotFound desc = failed to pull and unpack image \\\"docker.io/acme/api:2.4\\\": failed to resolve reference \\\"docker.io/acme/api:2.4\\\": docker.io/acme/api:2.4: not found\"" "#,
            r#"pod="payments/api-5f7b9c8d6-q4w8e" podUID="3f2b7c1e""#,
        ));
        let got = read(&t, 0).expect("read");
        assert_eq!(got.len(), 1);
        let o = &got[0];
        assert_eq!(o.pod.as_deref(), Some("api-5f7b9c8d6-q4w8e"));
        assert_eq!(o.namespace.as_deref(), Some("payments"));
        assert_eq!(o.container.as_deref(), Some("api"));
        assert_eq!(o.image.as_deref(), Some("docker.io/acme/api:2.4"));
        assert_eq!(o.reason.as_deref(), Some("ErrImagePull"));
        assert_eq!(o.cause.rule, "pull-not-found");
        // Not a klog line, or a klog line about something else.
        assert!(read(&line("E1206 nothing"), 0).is_none());
        // An empty pod name is none.
        let t = line(concat!(
            r#"E1206 18:42:07.5 1 pod_workers.go:1] "Error syncing pod, skipping" "#,
            r#"err="failed to \"StartContainer\" for \"api\" with ErrImagePull: \"x\"" pod="/""#,
        ));
        let got = read(&t, 0).expect("read");
        assert_eq!(
            (got[0].pod.as_deref(), got[0].namespace.as_deref()),
            (None, None)
        );
        assert!(
            read(
                &line(r#"I1206 18:42:07.5 1 kubelet.go:1] "Syncing pod" pod="a/b""#),
                0
            )
            .is_none()
        );
    }
}
