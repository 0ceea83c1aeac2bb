//! Kubelet event messages, wherever they sit: a describe Events row, a `get events` or
//! `kubectl events` row, or a message pasted on its own. Formats from pkg/kubelet/images
//! (`Failed to pull image %q: %v`, `Back-off pulling image %q`, …), kuberuntime (`Error: %v`,
//! `Failed to create pod sandbox: %v`) and, for k8s ≤1.5, pod_workers.go's FailedSync text.

use super::mapped_text::MappedText;
use super::observation::{Observation, ObservationKind, RowContext, is_pull_reason};
use super::{InputKind, classify, failed};
use regex::{Captures, Regex};
use std::ops::Range;
use std::sync::LazyLock;

fn re(src: &str) -> Regex {
    Regex::new(src).unwrap_or_else(|e| panic!("bad built-in regex {src:?}: {e}"))
}

/// The start of every message we read; the leftmost one in a row begins its Message cell.
static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    // A quote may come escaped (`\"`, `\\\"`: a message copied out of JSON or a Go string).
    re(concat!(
        r#"Failed to pull image \\*""#,
        r#"|Back-off pulling image \\*""#,
        r#"|[Pp]ulling image \\*""#,
        r"|Error: (?:ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName|ImageInspectError|RegistryUnavailable|SignatureValidationFailed)\b",
        r#"|Container image \\*"[^"]*" is not present"#,
        r#"|Failed to apply default image tag \\*""#,
        r#"|Failed to inspect image \\*""#,
        r"|Failed (?:to )?create pod sandbox:",
        r#"|failed to \\*"StartContainer\\*" for \\*""#,
        r"|Successfully assigned \S+ to ",
        r#"|Back-off restarting failed container|Started container|Created container|Successfully pulled image|Container image \\*"[^"]*" already present on machine"#,
        r#"|container \\*"[^"]*" in pod \\*"[^"]*" is waiting to start:"#,
        r"|Unable to retrieve some image pull secrets \(",
    ))
});

/// Byte offset of the first message marker in `line`.
pub(crate) fn marker(line: &str) -> Option<usize> {
    MARKER.find(line).map(|m| m.start())
}

/// Whether `before` and `after`, joined by a space, make a message marker that crosses the
/// join (the glued reading breaks a phrase of the kubelet's).
pub(crate) fn marker_across(before: &str, after: &str) -> bool {
    // Markers are short: the join's neighbourhood is enough, and keeps this linear.
    const NEAR: usize = 64;
    let mut from = before.len().saturating_sub(NEAR);
    while !before.is_char_boundary(from) {
        from += 1;
    }
    let mut to = after.len().min(NEAR);
    while !after.is_char_boundary(to) {
        to -= 1;
    }
    let left = before.get(from..).unwrap_or("");
    let spaced = format!("{left} {}", after.get(..to).unwrap_or(""));
    MARKER
        .find_iter(&spaced)
        .any(|m| m.start() < left.len() && m.end() > left.len() + 1)
}

static IMAGE_MSG: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"^(?P<kind>Failed to pull image|Back-off pulling image|Failed to apply default image tag|Failed to inspect image) "(?P<img>(?:[^"\\]|\\.)*)"(?::\s*(?P<err>.*))?"#,
    )
});
static NEVER: LazyLock<Regex> =
    LazyLock::new(|| re(r#"^Container image "(?P<img>(?:[^"\\]|\\.)*)" is not present"#));
static ERROR_REASON: LazyLock<Regex> = LazyLock::new(|| re(r"^Error: (?P<r>\w+)"));
static SANDBOX: LazyLock<Regex> =
    LazyLock::new(|| re(r"^Failed (?:to )?create pod sandbox:\s*(?P<err>.*)"));
static SANDBOX_IMAGE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)(?:sandbox image|pulling image|pull image|pull and unpack image)\s+\\?"(?P<img>[^"\\]+)"#,
    )
});
static SYNC: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"failed to "StartContainer" for "(?P<c>[^"]*)" with (?P<r>\w+): "(?P<m>(?:[^"\\]|\\.)*)"?"#,
    )
});
static SCHEDULED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^Successfully assigned (?:(?P<ns>[^/\s]+)/)?(?P<pod>\S+) to "));
static RECOVERED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"^(?:Back-off restarting failed container|Started container|Created container|Successfully pulled image "(?P<img>(?:[^"\\]|\\.)*)"|Container image "(?P<img2>(?:[^"\\]|\\.)*)" already present)"#,
    )
});
/// The kubelet's FailedToRetrieveImagePullSecret event (kubelet_pods.go `getPullSecretsForPod`):
/// `Unable to retrieve some image pull secrets (a, b); attempting to pull the image may not
/// succeed.`
static MISSING_SECRETS: LazyLock<Regex> =
    LazyLock::new(|| re(r"^Unable to retrieve some image pull secrets \((?P<names>[^)]*)\)?"));
/// The trailing FIRST SEEN, COUNT and NAME cells of `kubectl get events -o wide` (the event's
/// name is its object's name and a hex suffix).
static WIDE_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\s{2,}(?P<first>\d+[smhdy][0-9smhdy]*|<unknown>|<invalid>)\s+(?P<count>\d+)\s+[a-z0-9][-a-z0-9.]*\.[0-9a-f]{8,}\s*$",
    )
});
static FIELD_PATH: LazyLock<Regex> = LazyLock::new(|| {
    re(r"spec\.(?P<kind>initContainers|containers|ephemeralContainers)\{(?P<c>[^}]*)\}")
});
static OBJECT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:^|\s)(?P<kind>pod|Pod)/(?P<name>[a-z0-9][-a-z0-9.]*)"));
static EVENT_NAME_SUFFIX: LazyLock<Regex> = LazyLock::new(|| re(r"\.[0-9a-f]{8,}$"));

/// What one message line yields.
#[derive(Default)]
pub(crate) struct Parsed {
    pub observations: Vec<Observation>,
    /// `Successfully assigned ns/pod to node`: the pod the surrounding rows are about.
    pub scheduled: Option<(Option<String>, String)>,
}

/// Reads the message that starts at `at` in `text`, with the row's other cells before it.
pub(crate) fn parse(text: &MappedText, at: usize, ctx: &RowContext) -> Parsed {
    let unescaped = copied_out_of_a_string(text, at);
    let text = unescaped.as_ref().unwrap_or(text);
    let mut out = Parsed::default();
    let Some(msg) = text.text.get(at..) else {
        return out;
    };
    // `get events -o wide` prints FIRST SEEN, COUNT and NAME after the message: not evidence.
    let wide = WIDE_TAIL.captures(msg);
    let wide_count = wide
        .as_ref()
        .and_then(|c| c.name("count")?.as_str().parse::<u64>().ok());
    // Its FIRST SEEN is the `over` of the other layouts.
    let wide_first = wide
        .as_ref()
        .and_then(|c| c.name("first"))
        .map(|m| m.as_str().to_string())
        .filter(|f| !f.starts_with('<'));
    let msg = match wide.and_then(|c| c.get(0)) {
        Some(m) => msg.get(..m.start()).unwrap_or(msg),
        None => msg,
    };
    let prefix = text.text.get(..at).unwrap_or("");
    let msg_end = at + msg.trim_end().len();
    let evidence = text.span(at..msg_end);
    let row = Row::read(prefix, ctx);
    let count = row.count.or(wide_count);
    let over = row.over.clone().or(wide_first);
    let new = |kind| {
        let mut o = Observation::failure(kind, ctx.segment, evidence.clone());
        o.count = count;
        o.over = over.clone();
        o.pod = row.pod.clone();
        o.namespace = row.namespace.clone();
        o.container = row.container.clone();
        o.init = row.init;
        o
    };
    let group = |c: &Captures, name: &str| -> Option<(String, Range<usize>)> {
        let m = c.name(name)?;
        Some((m.as_str().to_string(), at + m.start()..at + m.end()))
    };
    let with_image = |o: &mut Observation, img: Option<(String, Range<usize>)>| {
        if let Some((image, range)) = img {
            // Quoted as Go's `%q` does: an image with a quote in it has it escaped.
            let image = clean_image(&unescape(&image));
            if !image.is_empty() {
                o.image = Some(image);
                o.image_span = Some(text.span(range));
            }
        }
    };

    if let Some(c) = IMAGE_MSG.captures(msg) {
        let kind = c.name("kind").map_or("", |m| m.as_str());
        let err = c.name("err").map_or("", |m| m.as_str().trim());
        let mut o = new(row.kind);
        with_image(&mut o, group(&c, "img"));
        let (reason, cause, rank) = match kind {
            "Failed to pull image" => (
                "ErrImagePull",
                classify(err),
                if err.is_empty() { 2 } else { 3 },
            ),
            // ≥1.32 appends the previous error to the back-off *waiting message*; the event
            // itself never carries it.
            "Back-off pulling image" => (
                "ImagePullBackOff",
                classify(err),
                if err.is_empty() { 1 } else { 3 },
            ),
            "Failed to apply default image tag" => ("InvalidImageName", classify(msg), 3),
            // The prefix itself names the cause (the runtime's store), whatever error follows.
            _ => ("ImageInspectError", classify(msg), 3),
        };
        o.reason = Some(reason.into());
        o.cause = cause;
        o.rank = rank;
        o.evidence_text = if err.is_empty() {
            msg.trim().to_string()
        } else {
            err.to_string()
        };
        out.observations.push(o);
    } else if let Some(c) = NEVER.captures(msg) {
        let mut o = new(row.kind);
        with_image(&mut o, group(&c, "img"));
        o.reason = Some("ErrImageNeverPull".into());
        o.cause = classify(msg);
        o.rank = 3;
        o.evidence_text = msg.trim().to_string();
        out.observations.push(o);
    } else if let Some(c) = ERROR_REASON.captures(msg) {
        let reason = c.name("r").map_or("", |m| m.as_str());
        if is_pull_reason(reason) {
            let mut o = new(row.kind);
            o.reason = Some(reason.into());
            o.reason_span = group(&c, "r").map(|(_, r)| text.span(r));
            o.cause = classify(reason);
            o.rank = 1;
            o.evidence_text = msg.trim().to_string();
            out.observations.push(o);
        }
    } else if let Some(c) = SANDBOX.captures(msg) {
        let err = c.name("err").map_or("", |m| m.as_str().trim());
        // Only a sandbox failure that is about pulling its (pause) image; CNI and runtime
        // failures share the event reason.
        if let Some(ic) = SANDBOX_IMAGE.captures(err) {
            let mut o = new(row.kind);
            // `err` starts after the separator's spaces, so its offsets shift by its start.
            let shift = at + c.name("err").map_or(0, |m| m.start());
            let img = ic
                .name("img")
                .map(|m| (m.as_str().to_string(), shift + m.start()..shift + m.end()));
            with_image(&mut o, img);
            o.container = None;
            o.sandbox = true;
            o.reason = Some("FailedCreatePodSandBox".into());
            o.cause = classify(err);
            o.rank = 3;
            o.evidence_text = err.to_string();
            out.observations.push(o);
        }
    } else if msg.starts_with("failed to \"StartContainer\"") {
        for c in SYNC.captures_iter(msg) {
            let reason = c.name("r").map_or("", |m| m.as_str());
            if !is_pull_reason(reason) {
                continue;
            }
            let inner = unescape(c.name("m").map_or("", |m| m.as_str()));
            let mut o = new(row.kind);
            o.container = c.name("c").map(|m| m.as_str().to_string());
            if let Some(ic) = IMAGE_MSG.captures(inner.trim_start()) {
                o.image = ic
                    .name("img")
                    .map(|m| clean_image(&unescape(m.as_str())))
                    .filter(|i| !i.is_empty());
            }
            o.reason = Some(reason.into());
            o.cause = classify(&format!("{reason}: {inner}"));
            o.rank = 2;
            o.evidence_text = inner;
            out.observations.push(o);
        }
    } else if let Some(c) = MISSING_SECRETS.captures(msg) {
        let mut o = new(row.kind);
        o.kind = ObservationKind::MissingSecrets;
        o.container = None;
        o.secrets = c
            .name("names")
            .map_or("", |m| m.as_str())
            .split(',')
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        o.evidence_text = msg.trim().to_string();
        out.observations.push(o);
    } else if let Some(c) = SCHEDULED.captures(msg) {
        if let Some(pod) = c.name("pod") {
            out.scheduled = Some((
                c.name("ns").map(|m| m.as_str().to_string()),
                pod.as_str().to_string(),
            ));
        }
    } else if let Some(c) = RECOVERED.captures(msg) {
        let mut o = new(row.kind);
        o.kind = ObservationKind::Recovered;
        with_image(&mut o, group(&c, "img").or_else(|| group(&c, "img2")));
        o.cause = failed();
        out.observations.push(o);
    } else if let Some(o) = super::logs::waiting(text, at, ctx.segment) {
        out.observations.push(o);
    }
    // A wrap whose join is in doubt (a word cut, or a space): the reading that names the more
    // specific cause wins.
    if let Some(glued) = text.glued(at..text.text.len()) {
        let other = classify(&glued);
        for o in out.observations.iter_mut().filter(|o| o.rank == 3) {
            if other.specificity > o.cause.specificity {
                o.cause = other;
            }
        }
    }
    out
}

/// The first image a kubelet or runtime message quotes.
static QUOTED_IMAGE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?:Failed to pull image|[Pp]ulling image|Failed to apply default image tag|Failed to inspect image|Container image|pull and unpack image|pull image) "(?P<img>(?:[^"\\]|\\.)*)""#,
    )
});

/// The image a waiting message names (the kubelet's own text, or the runtime's error that it
/// passes on as is: `failed to pull and unpack image "docker.io/a/b:1": …`), for a status
/// pasted without the container's `image`.
pub(crate) fn message_image(message: &str) -> Option<String> {
    let m = QUOTED_IMAGE.captures(message)?.name("img")?;
    Some(clean_image(&unescape(m.as_str()))).filter(|i| !i.is_empty())
}

/// A message copied out of a JSON or Go string (`"message": "Failed to pull image \"x\": …",`,
/// an alert's payload, a log line): its quotes are escaped, the marker's own included. The
/// message runs to the quote that ends the string (one escaped less than the marker's), and
/// is read as kubectl printed it, with the row's cells (which hold no quotes) before it.
fn copied_out_of_a_string(text: &MappedText, at: usize) -> Option<MappedText> {
    let msg = text.text.get(at..)?.as_bytes();
    let run = |q: usize| {
        msg.get(..q)
            .unwrap_or_default()
            .iter()
            .rev()
            .take_while(|b| **b == b'\\')
            .count()
    };
    let mut quotes = msg
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'"')
        .map(|(q, _)| (q, run(q)));
    let (_, level) = quotes.next()?;
    if level == 0 {
        return None;
    }
    let end = quotes
        .find(|(_, n)| *n < level)
        .map_or(msg.len(), |(q, n)| q - n);
    let body = text.slice(at..at + end).unescaped_quotes()?;
    let mut whole = text.slice(0..at);
    whole.append(&body);
    Some(whole)
}

/// The cells before the message: OBJECT (`pod/x`, `Pod/x`), NAMESPACE, old NAME/KIND and
/// SUBOBJECT columns, or the 1.35 `spec.containers{x}: ` message prefix.
struct Row {
    kind: InputKind,
    pod: Option<String>,
    namespace: Option<String>,
    container: Option<String>,
    init: bool,
    /// How often the event was seen: the `(x4 over 2m)` of an age cell, or the COUNT column
    /// of the old layouts.
    count: Option<u64>,
    /// Since when: the `2m` of `(x4 over 2m)`, or the first-seen age of the old layouts.
    over: Option<String>,
}

/// The repeat count kubectl writes in an age cell (describe, `kubectl events`).
static REPEATS: LazyLock<Regex> = LazyLock::new(|| re(r"\(x(?P<n>\d+) over (?P<over>[^)\s]+)\)"));

/// An age cell of the old layouts (`18m`, `1h2m`), before their COUNT column.
static AGE: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:\d+[smhdy])+$"));

impl Row {
    fn read(prefix: &str, ctx: &RowContext) -> Row {
        let mut row = Row {
            kind: InputKind::Describe,
            pod: ctx.pod.clone(),
            namespace: ctx.namespace.clone(),
            container: None,
            init: false,
            count: None,
            over: None,
        };
        let tokens: Vec<&str> = prefix.split_whitespace().collect();
        // Describe's `FirstSeen LastSeen Count` and `get events`' `LASTSEEN FIRSTSEEN COUNT`
        // (kubectl ≤1.13): two ages, then the count.
        let old_ages = match tokens.as_slice() {
            [a, b, n, ..] if AGE.is_match(a) && AGE.is_match(b) => {
                n.parse::<u64>().ok().map(|n| (*a, *b, n))
            }
            _ => None,
        };
        if let Some(c) = REPEATS.captures(prefix) {
            row.count = c.name("n").and_then(|n| n.as_str().parse().ok());
            row.over = c.name("over").map(|m| m.as_str().to_string());
        } else if let Some((_, _, n)) = old_ages {
            row.count = Some(n);
        }
        if let Some(c) = FIELD_PATH.captures(prefix) {
            row.container = c.name("c").map(|m| m.as_str().to_string());
            row.init = c
                .name("kind")
                .is_some_and(|m| m.as_str() == "initContainers");
        }
        if let Some(c) = OBJECT.captures(prefix) {
            row.kind = if c.name("kind").is_some_and(|m| m.as_str() == "Pod") {
                InputKind::KubectlEvents
            } else {
                InputKind::Events
            };
            row.pod = c.name("name").map(|m| m.as_str().to_string());
            row.namespace = ctx.command_namespace.clone();
        } else if let Some(i) = tokens.iter().position(|t| *t == "Pod") {
            // kubectl ≤1.13 `get events`: NAME KIND SUBOBJECT columns.
            if let Some(name) = i.checked_sub(1).and_then(|k| tokens.get(k)) {
                row.kind = InputKind::Events;
                row.pod = Some(EVENT_NAME_SUFFIX.replace(name, "").into_owned());
                row.namespace = ctx.command_namespace.clone();
            }
        }
        if ctx.namespace_column && row.kind != InputKind::Describe {
            row.namespace = tokens.first().map(|t| t.to_string());
        }
        if row.over.is_none()
            && let Some((first, second, _)) = old_ages
        {
            // The first-seen age: describe's first column, `get events`' second.
            let first_seen = if row.kind == InputKind::Describe {
                first
            } else {
                second
            };
            row.over = Some(first_seen.to_string());
        }
        row
    }
}

/// An image as quoted in a message or shown by describe, de-wrapped: without the quotes around
/// it, and without whitespace when that is what a wrap put into a valid reference. An image
/// that is broken anyway (`example/web: {{ .Values.tag }}`, an unrendered template) is kept as
/// written: it is what the user must find in their manifests.
pub(crate) fn clean_image(s: &str) -> String {
    let s = s.trim();
    let s = ['"', '\'']
        .iter()
        .find_map(|q| s.strip_prefix(*q)?.strip_suffix(*q))
        .unwrap_or(s)
        .trim();
    if !s.contains(char::is_whitespace) {
        return s.to_string();
    }
    let squeezed: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if crate::image::parse_reference(&squeezed).is_ok() {
        squeezed
    } else {
        s.to_string()
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phrase_of_the_kubelet_crosses_a_join() {
        assert!(marker_across(
            "47s   Warning   Failed to create pod",
            "sandbox: rpc error"
        ));
        assert!(marker_across("x Failed to", "pull image \"a/b\""));
        // Only where the join is inside the phrase.
        assert!(!marker_across("Failed to pull image \"a/b\": not", "found"));
        assert!(!marker_across("", "Error: ErrImagePull"));
    }
}
