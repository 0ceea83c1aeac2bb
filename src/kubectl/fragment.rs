//! Pieces of `kubectl get pod -o yaml|json` pasted on their own: a lone `"containerStatuses":
//! [ … ]` block, `status:` without the rest of the object, unbalanced brackets, a trailing
//! comma. They do not parse as a Kubernetes object, so they are read line by line, leniently:
//! the `image`, `name`, `reason` and `message` keys of each status item (kubectl prints keys
//! in alphabetical order, so an item's `image` comes first and its waiting `message` and
//! `reason` last).

use super::mapped_text::Line;
use super::observation::{Observation, is_pull_reason};
use super::{InputKind, classify};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// `key: value` (YAML, maybe a `- ` list item) or `"key": value` (JSON, maybe a trailing comma).
static KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:-\s+)?(?:"(?P<jk>image|name|reason|message)"|(?P<yk>image|name|reason|message))\s*:\s*(?P<v>.*?)\s*$"#)
        .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

/// The key of a status list: `initContainerStatuses` holds init containers, the others not.
static LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^\s*"?(?P<k>initContainerStatuses|containerStatuses|ephemeralContainerStatuses)"?\s*:"#,
    )
    .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

/// More lines than this are not one wrapped value.
const MAX_PIECES: usize = 40;

/// A quoted scalar whose closing quote has not come yet.
fn unclosed(raw: &str) -> bool {
    let v = raw.trim().trim_end_matches(',').trim_end();
    match v.chars().next() {
        Some('"') => {
            let body = v.get(1..).unwrap_or("");
            match body.strip_suffix('"') {
                // A quote after an odd run of backslashes is escaped.
                Some(inner) => (inner.len() - inner.trim_end_matches('\\').len()) % 2 == 1,
                None => true,
            }
        }
        Some('\'') => {
            let body = v.get(1..).unwrap_or("");
            let trailing = body.len() - body.trim_end_matches('\'').len();
            trailing % 2 == 0
        }
        _ => false,
    }
}

#[derive(Default)]
struct Item {
    image: Option<(String, Range<usize>)>,
    name: Option<String>,
    reason: Option<(String, Range<usize>)>,
    message: Option<(String, Range<usize>)>,
    /// The message's other reading when a wrap cut it (pieces glued, not spaced).
    message_glued: Option<String>,
    /// Listed under `initContainerStatuses`.
    init: bool,
}

/// Observations for every status item of a fragment whose waiting reason is a pull failure.
/// The start of a key that a wrap cut before its colon: `"rea` or `    ima`.
static PARTIAL_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:-\s+)?"?[A-Za-z]+$"#).unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

/// Any `key:` line of YAML or JSON (the next key ends a wrapped value).
static ANY_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:-\s+)?(?:"[^"]*"|[A-Za-z][\w.-]*)\s*:(?:\s|$)"#)
        .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

/// Lines with the keys a wrap cut in two joined back (`"rea⏎son": …` → `"reason": …`), so
/// that every key we read is on one line with the start of its value.
fn join_cut_keys(lines: &[Line]) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        i += 1;
        let mut line = line.clone();
        if PARTIAL_KEY.is_match(line.str())
            && let Some(next) = lines.get(i)
        {
            let s = next.str();
            let lead = s.len() - s.trim_start().len();
            let mut joined = line.text.clone();
            joined.append(&next.text.slice(lead..s.len()));
            if KEY.is_match(&joined.text) {
                line.text = joined;
                i += 1;
            }
        }
        out.push(line);
    }
    out
}

/// Pieces of a one-word value (an image, a reason) that a wrap moved to the next lines: each
/// a single word that is not a key, glued on.
fn glue_word_pieces(lines: &[Line], i: &mut usize, value: &mut String, end: &mut usize) {
    for _ in 0..4 {
        let Some(next) = lines.get(*i) else { return };
        let t = next.str().trim();
        if next.is_blank()
            || t.contains(char::is_whitespace)
            || ANY_KEY.is_match(next.str())
            || matches!(t, "{" | "}" | "[" | "]" | "}," | "]," | "---" | "...")
        {
            return;
        }
        value.push_str(t);
        *end = next.text.full_span().end;
        *i += 1;
    }
}

pub(crate) fn read(lines: &[Line]) -> Vec<Observation> {
    let lines = &join_cut_keys(lines)[..];
    let mut out = Vec::new();
    let mut item = Item::default();
    // Which status list the items read now belong to (as describe's `Init Containers:`).
    let mut init = false;
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        i += 1;
        if let Some(list) = LIST.captures(line.str()) {
            if item.image.is_some() || item.name.is_some() || item.reason.is_some() {
                emit(std::mem::take(&mut item), &mut out);
            }
            init = list
                .name("k")
                .is_some_and(|k| k.as_str() == "initContainerStatuses");
            item.init = init;
            continue;
        }
        let Some(c) = KEY.captures(line.str()) else {
            continue;
        };
        let key = c.name("jk").or(c.name("yk")).map_or("", |m| m.as_str());
        let Some(v) = c.name("v") else { continue };
        let span = line.text.span(v.range());
        match key {
            "image" => {
                // A new item begins with its image.
                if item.image.is_some() || item.name.is_some() || item.reason.is_some() {
                    emit(std::mem::take(&mut item), &mut out);
                }
                item.init = init;
                let inner = inner_range(v.as_str());
                let at = v.start();
                let mut image = v.as_str().to_string();
                let mut span = line.text.span(at + inner.start..at + inner.end);
                // An unquoted image (or one moved whole to the next line) that a wrap cut.
                if !image.trim_start().starts_with(['"', '\'']) {
                    let moved = image.trim().is_empty();
                    let first = lines.get(i).map(|l| l.text.full_span().start);
                    let mut end = span.end;
                    let before = image.len();
                    glue_word_pieces(lines, &mut i, &mut image, &mut end);
                    if image.len() > before {
                        if moved && let Some(start) = first {
                            span.start = start;
                        }
                        span.end = end;
                    }
                }
                // A quoted image the terminal wrapped: the pieces join with nothing between.
                while unclosed(&image)
                    && let Some(next) = lines.get(i).filter(|n| !n.is_blank())
                    && image.len() < 1000
                {
                    let piece = next.str().trim();
                    image.push_str(piece);
                    let full = next.text.full_span();
                    // Quotes and commas are ASCII: the end stays on a char boundary.
                    let kept = piece.trim_end_matches(',').trim_end_matches(['"', '\'']);
                    span.end = full
                        .end
                        .saturating_sub(piece.len() - kept.len())
                        .max(span.start);
                    i += 1;
                }
                item.image = Some((scalar(&image), span));
            }
            "name" => item.name = item.name.take().or(Some(scalar(v.as_str()))),
            "reason" => {
                // A reason cut by a wrap (`ImagePullBack⏎Off`): one word, glued back.
                let mut reason = v.as_str().trim_end_matches(',').to_string();
                let mut span = span;
                if unclosed(&reason) || !reason.starts_with(['"', '\'']) {
                    let mut end = span.end;
                    glue_word_pieces(lines, &mut i, &mut reason, &mut end);
                    span.end = end;
                }
                item.reason = Some((scalar(&reason), span));
            }
            _ => {
                // A YAML scalar folded onto the next, more indented lines.
                // A YAML scalar folded onto the next, more indented lines, or a quoted one
                // that a terminal wrapped before its closing quote.
                let mut spaced = v.as_str().to_string();
                let mut span = span;
                // A value that the wrap moved whole to the next line.
                if spaced.trim().is_empty()
                    && let Some(next) = lines.get(i)
                    && !next.is_blank()
                    && !ANY_KEY.is_match(next.str())
                {
                    spaced = next.str().trim().to_string();
                    span = next.text.full_span();
                    i += 1;
                }
                let mut glued = spaced.clone();
                let indent = line.indent();
                let mut pieces = 0;
                while let Some(next) = lines.get(i) {
                    let s = next.str();
                    let open = unclosed(&spaced);
                    let folded = next.indent() > indent && !KEY.is_match(s);
                    // A chat window that broke a line in its indentation left a blank piece.
                    if open && next.is_blank() && pieces < MAX_PIECES {
                        pieces += 1;
                        i += 1;
                        continue;
                    }
                    if next.is_blank() || pieces >= MAX_PIECES || !(open || folded) {
                        break;
                    }
                    spaced.push(' ');
                    spaced.push_str(s.trim());
                    glued.push_str(s.trim());
                    span.end = next.text.full_span().end;
                    pieces += 1;
                    i += 1;
                }
                let (spaced, glued) = (scalar(&spaced), scalar(&glued));
                // Which join the wrap took is unknown: keep the reading that names a cause.
                let (text, other) = if classify(&glued).specificity > classify(&spaced).specificity
                {
                    (glued, spaced)
                } else {
                    (spaced, glued)
                };
                item.message = Some((text, span));
                item.message_glued = Some(other);
            }
        }
    }
    emit(item, &mut out);
    out
}

fn emit(item: Item, out: &mut Vec<Observation>) {
    let Some((reason, reason_span)) = item.reason else {
        return;
    };
    if !is_pull_reason(&reason) {
        return;
    }
    let (evidence, text) = match &item.message {
        Some((m, span)) if !m.is_empty() => (span.clone(), m.clone()),
        _ => (reason_span.clone(), reason.clone()),
    };
    let mut o = Observation::failure(InputKind::PodStatus, 0, evidence);
    o.container = item.name;
    o.init = item.init;
    if let Some((image, span)) = item.image {
        o.image = Some(image);
        o.image_span = Some(span);
    } else {
        // Only `state` pasted: the message names the image (in one of its readings).
        o.image = super::events::message_image(&text)
            .or_else(|| super::events::message_image(item.message_glued.as_deref()?));
    }
    let mut cause = classify(&text);
    if cause.specificity == 0 {
        cause = classify(&reason);
    }
    o.cause = cause;
    o.reason = Some(reason);
    o.reason_span = Some(reason_span);
    o.state = true;
    o.rank = 3;
    o.evidence_text = text;
    out.push(o);
}

/// Where the value of a one-line scalar lies in `raw`: without quotes or a trailing comma.
fn inner_range(raw: &str) -> Range<usize> {
    let end = raw.trim_end().trim_end_matches(',').trim_end().len();
    let v = raw.get(..end).unwrap_or(raw);
    let quoted = v.len() >= 2 && (v.starts_with('"') || v.starts_with('\''));
    if quoted && v.ends_with(['"', '\'']) {
        1..end - 1
    } else {
        0..end
    }
}

/// A YAML or JSON scalar as written, without its quotes, escapes or trailing comma.
fn scalar(raw: &str) -> String {
    let v = raw.trim().trim_end_matches(',').trim();
    if let Some(body) = v.strip_prefix('"') {
        let body = body.strip_suffix('"').unwrap_or(body);
        let mut out = String::with_capacity(body.len());
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(e) => out.push(e),
                    None => {}
                },
                c => out.push(c),
            }
        }
        out
    } else if let Some(body) = v.strip_prefix('\'') {
        body.strip_suffix('\'').unwrap_or(body).replace("''", "'")
    } else {
        v.to_string()
    }
}
