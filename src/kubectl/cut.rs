//! Messages cut off by the terminal, the paste or a table column (`… http: s`, `… failed to do
//! request: Head "https://…`): when what is left still decides the cause, say so (issue 11).
//!
//! Two readings, both marked `inferred`:
//! - the end of the cut text is the start of exactly one known runtime message (the phrases of
//!   ../shared/reference/pull-errors.md §6), so only one cause fits;
//! - another pull from the same registry in the same paste failed with a full message whose
//!   text (quoted names aside) starts with the whole cut text.

use super::{Confidence, Diagnosis, cause_by_rule, split_image};

/// Whole runtime messages and the rule each proves; a cut text that ends with the start of one
/// of them (and of no other cause's) is read as that message.
const MESSAGES: &[(&str, &str)] = &[
    (
        "http: server gave HTTP response to HTTPS client",
        "pull-http-on-https",
    ),
    ("x509: certificate signed by unknown authority", "pull-tls"),
    ("x509: certificate is valid for", "pull-tls"),
    (
        "x509: certificate has expired or is not yet valid",
        "pull-tls",
    ),
    ("tls: failed to verify certificate", "pull-tls"),
    ("no such host", "pull-dns"),
    ("server misbehaving", "pull-dns"),
    ("Temporary failure in name resolution", "pull-dns"),
    ("connect: connection refused", "pull-connection-refused"),
    ("getsockopt: connection refused", "pull-connection-refused"),
    ("connect: no route to host", "pull-connection-refused"),
    ("connect: connection timed out", "pull-network-timeout"),
    ("net/http: TLS handshake timeout", "pull-network-timeout"),
    (
        "net/http: request canceled while waiting for connection",
        "pull-network-timeout",
    ),
    ("context deadline exceeded", "pull-network-timeout"),
    ("no basic auth credentials", "pull-unauthorized"),
    ("unauthorized: authentication required", "pull-unauthorized"),
    ("401 Unauthorized", "pull-unauthorized"),
    ("403 Forbidden", "pull-unauthorized"),
    (
        "toomanyrequests: You have reached your pull rate limit",
        "pull-rate-limited",
    ),
    ("429 Too Many Requests", "pull-rate-limited"),
    ("manifest unknown", "pull-not-found"),
    ("no matching manifest for", "pull-platform-mismatch"),
    (
        "no match for platform in manifest",
        "pull-platform-mismatch",
    ),
    ("no space left on device", "pull-disk-full"),
];

/// A shorter tail could be the start of almost anything.
const MIN_TAIL: usize = 4;

/// Fills in the cause of diagnoses whose runtime message was cut off.
pub(crate) fn infer(diagnoses: &mut [Diagnosis]) {
    let full: Vec<(String, String, &'static super::CauseInfo)> = diagnoses
        .iter()
        .filter(|d| d.cause.specificity > 0 && d.confidence == Confidence::Certain)
        .filter_map(|d| {
            let registry = split_image(d.image.as_deref()?).0;
            Some((registry, shape(&d.evidence_text), d.cause))
        })
        .collect();
    for d in diagnoses.iter_mut() {
        if d.cause.specificity > 0 || !is_runtime_text(&d.evidence_text) {
            continue;
        }
        if let Some(rule) = known_start(&d.evidence_text)
            && let Some(cause) = cause_by_rule(rule)
        {
            d.cause = cause;
            d.cut = true;
            d.confidence = Confidence::Inferred;
            d.inference = Some(
                "inferred from a cut line: what is left of the message is the start of only this cause's message"
                    .into(),
            );
            continue;
        }
        // Said when nothing below decides it.
        d.cut = looks_cut(&d.evidence_text);
        let Some(registry) = d.image.as_deref().map(|i| split_image(i).0) else {
            continue;
        };
        let cut = shape(&d.evidence_text);
        let causes: Vec<&'static super::CauseInfo> = full
            .iter()
            .filter(|(r, text, _)| *r == registry && text.starts_with(&cut))
            .map(|(_, _, c)| *c)
            .collect();
        if let Some(first) = causes.first()
            && causes.iter().all(|c| c.rule == first.rule)
        {
            d.cause = first;
            // What is left is the start of a longer message: it was cut.
            d.cut = true;
            d.confidence = Confidence::Inferred;
            d.inference = Some(format!(
                "inferred from a cut line: another pull from {registry} in this paste failed with the full message it starts"
            ));
        }
    }
}

/// Whether a runtime message ends where none does: inside a quoted name (a quote left open),
/// at the `...` kubectl's table printer puts for the lines of a message it left out, or right
/// after a separator (`failed to do request:`).
fn looks_cut(text: &str) -> bool {
    let text = text.trim_end();
    let quotes = text.matches('"').count() - text.matches("\\\"").count();
    quotes % 2 == 1
        || text.ends_with("...")
        || text.ends_with('…')
        || text.ends_with([':', ',', '=', '(', '/'])
}

/// A runtime error, not a bare status or event (`ImagePullBackOff`, `Back-off pulling …`).
fn is_runtime_text(text: &str) -> bool {
    text.len() >= 12 && text.contains(' ') && !text.starts_with("Back-off pulling image")
}

/// The rule of the one known message that the end of `text` begins, if exactly one cause fits.
fn known_start(text: &str) -> Option<&'static str> {
    let text = text.trim_end();
    let lower = text.to_ascii_lowercase();
    // Tails that start at a word: the longest one that begins a known message decides.
    let starts = std::iter::once(0).chain(
        lower
            .char_indices()
            .filter(|(_, c)| *c == ' ' || *c == '"')
            .map(|(i, _)| i + 1),
    );
    for at in starts {
        let Some(tail) = lower.get(at..) else {
            continue;
        };
        if tail.len() < MIN_TAIL {
            break;
        }
        let rules: Vec<&str> = MESSAGES
            .iter()
            .filter(|(m, _)| {
                let m = m.to_ascii_lowercase();
                m.len() > tail.len() && m.starts_with(tail)
            })
            .map(|(_, r)| *r)
            .collect();
        if let Some(first) = rules.first() {
            return rules.iter().all(|r| r == first).then_some(*first);
        }
    }
    None
}

/// The message with every quoted name replaced, so pulls of two images compare; an unclosed
/// quote at the end (where the cut fell) is kept open.
fn shape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    for c in text.trim_end().chars() {
        if c == '"' {
            quoted = !quoted;
            out.push('"');
            if quoted {
                out.push('Q');
            }
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_that_begin_one_message() {
        assert_eq!(
            known_start("Get https://10.0.0.5:5000/v2/: http: s"),
            Some("pull-http-on-https")
        );
        assert_eq!(
            known_start("dial tcp: lookup r.io on 10.96.0.10:53: no such h"),
            Some("pull-dns")
        );
        assert_eq!(
            known_start("failed to do request: Head \"https://r.io/v2/x"),
            None
        );
        // `x509: certificate ` begins three messages, all TLS.
        assert_eq!(known_start("tls: x509: certificate "), Some("pull-tls"));
        // Too little left to tell.
        assert_eq!(known_start("failed: n"), None);
    }

    #[test]
    fn shapes_compare_without_names() {
        let full = shape(
            "failed to resolve reference \"docker.io/a/b:1\": failed to do request: Head \"https://registry-1.docker.io/v2/a/b/manifests/1\": dial tcp: lookup registry-1.docker.io: no such host",
        );
        let cut = shape(
            "failed to resolve reference \"docker.io/c/d:2\": failed to do request: Head \"https://registry-1.docker.io/v2/c/d/ma",
        );
        assert!(full.starts_with(&cut), "{full}\n{cut}");
    }
}
