//! Where `pullcheck pin` writes a digest for an image of rendered text (issue 21): the values
//! key the chart reads for a digest, a Kustomize `images:` entry's `digest:`, or the reference
//! itself where it is written whole. The same tracing as findings, so a digest lands where the
//! tag was set; anything it cannot place exactly is refused with the line to change by hand.

use super::{Field, Tracer, scalar_at, source_comment};
use crate::model::{KindTable, ObjectFacts};
use crate::render::{Kind, SourceText};
use std::ops::Range;
use std::sync::Arc;

/// What to write, and where, for one image.
#[derive(Clone, Debug)]
pub enum PinPlace {
    /// The reference is written whole in `file`: `@sha256:…` goes in at byte `at`.
    Append {
        file: Arc<SourceText>,
        at: usize,
        /// The values key holding it, when it is one (`image`).
        key: Option<String>,
    },
    /// The value at `range` (an existing `digest:`, `""` or empty) becomes the digest.
    Replace {
        file: Arc<SourceText>,
        range: Range<usize>,
        key: String,
    },
    /// A new line `digest: sha256:…` at byte `at` (a line start), indented by `indent`.
    Insert {
        file: Arc<SourceText>,
        at: usize,
        indent: String,
        /// The line end of the line before it (`\r\n` or `\n`); `lead`: the file's last line
        /// had none, so one goes first.
        eol: &'static str,
        lead: bool,
        key: String,
    },
    /// Nothing is written: why, naming the line to change.
    Refuse { why: String },
}

impl Tracer {
    /// Where to pin the image whose `part` (a byte range of the rendered `text`: its tag, else
    /// its repository) is flagged; `image` is the whole rendered reference.
    pub fn pin_place(
        &self,
        text: &str,
        part: Range<usize>,
        image: &str,
        objects: &[ObjectFacts],
        kinds: &KindTable,
    ) -> PinPlace {
        let traced = self.trace(text, part.clone(), super::Focus::Span, objects, kinds);
        let place = &traced.place;
        let at = line_of(&place.file, place.range.start);
        match self.kind {
            Kind::Helm if traced.exact => match &traced.values_key {
                Some(key) => self.values_pin(key, image, text, &part, objects),
                None => refuse(format!(
                    "it is set at {at}, which is no values key; write the digest there by hand"
                )),
            },
            Kind::Helm => refuse(format!(
                "no values key sets its tag (it is written by {at}): change that line to \
                 read a digest, e.g. `@{{{{ .Values.image.digest }}}}`",
            )),
            Kind::Kustomize if traced.exact => self
                .entry_pin(place.file.as_ref(), &place.range)
                .unwrap_or_else(|| {
                    refuse(format!("the `images:` entry at {at} could not be read"))
                }),
            Kind::Kustomize => match append_at(&place.file.text, &place.range, image) {
                Some(at) if !place.range.is_empty() => PinPlace::Append {
                    file: place.file.clone(),
                    at,
                    key: None,
                },
                _ => refuse(format!(
                    "it is not written as `{image}` in one place that can be edited (traced \
                     to {at}); add an `images:` entry with its `digest:` by hand"
                )),
            },
        }
    }

    /// Helm: the digest key beside the values key that set the tag (`image.tag` →
    /// `image.digest`), or the key itself when it holds the whole reference.
    fn values_pin(
        &self,
        key: &str,
        image: &str,
        text: &str,
        part: &Range<usize>,
        objects: &[ObjectFacts],
    ) -> PinPlace {
        let Some(leaf) = self.leaves.iter().find(|l| l.path == key) else {
            return refuse(format!("the values key `{key}` could not be read again"));
        };
        let shown = format!("`{key}` ({})", line_of(&leaf.file, leaf.span.start));
        // A number is rendered as Go prints it (`1.10` → `1.1`): pinning would make the wrong
        // tag's digest permanent.
        if leaf.is_number {
            return refuse(format!(
                "{shown} is the number {}, rendered as `{}` (`numeric-tag`): quote it first",
                leaf.written, leaf.rendered
            ));
        }
        if leaf.rendered == image {
            return match append_at(&leaf.file.text, &leaf.span, image) {
                Some(at) => PinPlace::Append {
                    file: leaf.file.clone(),
                    at,
                    key: Some(key.to_string()),
                },
                None => refuse(format!(
                    "{shown} holds the reference with escapes or folds; edit it by hand"
                )),
            };
        }
        let digest_key = match key.rsplit_once('.') {
            Some((parent, _)) => format!("{parent}.digest"),
            None => "digest".to_string(),
        };
        let template = self.image_template_line(text, part, objects);
        let Some(digest) = self.leaves.iter().find(|l| l.path == digest_key) else {
            return refuse(format!(
                "the chart has no `{digest_key}` beside {shown} (its values do not declare \
                 one); change {template} to read a digest"
            ));
        };
        // A digest already set that the rendered image does not carry: the chart does not
        // read that key.
        if !digest.rendered.is_empty() {
            return refuse(format!(
                "`{digest_key}` is set ({}) but the rendered image has no digest, so the chart \
                 does not read it; change {template} to read a digest",
                line_of(&digest.file, digest.span.start)
            ));
        }
        if Arc::ptr_eq(&digest.file, &leaf.file) || digest.file.path == leaf.file.path {
            return PinPlace::Replace {
                file: digest.file.clone(),
                range: digest.span.clone(),
                key: digest_key,
            };
        }
        // The tag comes from a later values file than the digest key's default: the digest
        // goes beside the tag, so that file keeps both.
        beside(&leaf.file, leaf.span.start, "digest", digest_key.clone()).unwrap_or_else(|| {
            refuse(format!(
                "{shown} is not written as a `key: value` line of a block mapping; add \
                 `{digest_key}` beside it by hand"
            ))
        })
    }

    /// The template line that writes the image, for refusals: `templates/x.yaml:12`.
    fn image_template_line(
        &self,
        text: &str,
        part: &Range<usize>,
        objects: &[ObjectFacts],
    ) -> String {
        let field = scalar_at(objects, part).map_or(Field::Image, |h| h.field);
        source_comment(text, part.start)
            .and_then(|t| self.template_place(t, field, None))
            .map_or_else(
                || "the template that writes the image".to_string(),
                |p| {
                    if p.range.is_empty() && p.range.start == 0 {
                        format!("the `image:` line of {}", p.file.display)
                    } else {
                        format!("the `image:` line at {}", line_of(&p.file, p.range.start))
                    }
                },
            )
    }

    /// Kustomize: the `images:` entry one of whose values is at `range` of `file`.
    fn entry_pin(&self, file: &SourceText, range: &Range<usize>) -> Option<PinPlace> {
        let k = self
            .kustomizations
            .iter()
            .find(|k| k.file.path == file.path)?;
        let entry = k.images.iter().find(|e| {
            [&e.name, &e.new_name, &e.new_tag, &e.digest]
                .into_iter()
                .flatten()
                .any(|w| w.span == *range)
        })?;
        if let Some(d) = &entry.digest {
            return Some(PinPlace::Replace {
                file: k.file.clone(),
                range: d.span.clone(),
                key: "digest".into(),
            });
        }
        // After the entry's last line that holds one of its values.
        let last = [&entry.name, &entry.new_name, &entry.new_tag]
            .into_iter()
            .flatten()
            .map(|w| w.span.start)
            .max()?;
        beside(&k.file, last, "digest", "digest".into())
    }
}

fn refuse(why: String) -> PinPlace {
    PinPlace::Refuse { why }
}

/// `file:line` (1-based).
fn line_of(file: &SourceText, at: usize) -> String {
    let line = file
        .text
        .get(..at)
        .map_or(1, |t| t.bytes().filter(|b| *b == b'\n').count() + 1);
    format!("{}:{line}", file.display)
}

/// Where `@digest` goes for `image` written whole (plain, or quoted without escapes) at
/// `range`: just after its last byte.
pub fn append_at(text: &str, range: &Range<usize>, image: &str) -> Option<usize> {
    let written = text.get(range.clone())?;
    let quote = usize::from(written.starts_with(['"', '\'']));
    let inner = written.get(quote..)?;
    if !inner.starts_with(image) {
        return None;
    }
    let end = range.start + quote + image.len();
    // The reference must end there: a closing quote, a space before a comment, the line's end.
    match text.get(end..).and_then(|t| t.chars().next()) {
        None | Some('"' | '\'' | ' ' | '\t' | '\r' | '\n' | ',' | '}' | ']') => Some(end),
        Some(_) => None,
    }
}

/// A `key: …` line for `key` in the block mapping whose line holds byte `sibling` (a value
/// of that mapping written `name: value` on its own line), or the empty value of one already
/// there (`digest:` with nothing after it).
fn beside(file: &Arc<SourceText>, sibling: usize, key: &str, shown: String) -> Option<PinPlace> {
    let text = &*file.text;
    let line_start = text.get(..sibling)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text
        .get(sibling..)?
        .find('\n')
        .map_or(text.len(), |i| sibling + i + 1);
    let line = text.get(line_start..line_end)?;
    let content = line.trim_end_matches(['\n', '\r']);
    let body = content.trim_start_matches(' ');
    let mut indent = content.len() - body.len();
    // `- name: nginx`: the mapping's keys start after the dash.
    let body = match body.strip_prefix("- ") {
        Some(rest) => {
            let rest_trimmed = rest.trim_start_matches(' ');
            indent += 2 + (rest.len() - rest_trimmed.len());
            rest_trimmed
        }
        None => body,
    };
    // A block mapping's `key: value` line: a plain key (no flow, no quotes, no `?`).
    let (k, _) = body.split_once(':')?;
    let key_end = line_start + (content.len() - body.len()) + k.len() + 1;
    let plain_key = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    // The sibling is this key's own value (not inside a flow mapping after it).
    if !plain_key
        || text
            .get(key_end..sibling)
            .is_none_or(|gap| !gap.trim().is_empty())
    {
        return None;
    }
    if let Some(existing) = key_in_block(text, line_start, indent, key) {
        return Some(PinPlace::Replace {
            file: file.clone(),
            range: existing,
            key: shown,
        });
    }
    let crlf = line.ends_with("\r\n");
    Some(PinPlace::Insert {
        file: file.clone(),
        at: line_end,
        indent: " ".repeat(indent),
        eol: if crlf { "\r\n" } else { "\n" },
        lead: !line.ends_with('\n'),
        key: shown,
    })
}

/// The value range of `key:` among the lines of the block mapping at `indent` around
/// `line_start` (empty, just after the colon, when it has no value): a key the values parser
/// saw as null.
fn key_in_block(text: &str, line_start: usize, indent: usize, key: &str) -> Option<Range<usize>> {
    // The block starts after the last line before `line_start` indented less.
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let here = starts.iter().position(|s| *s == line_start)?;
    let item_start = |s: usize| {
        text.get(s..)
            .is_some_and(|r| r.trim_start_matches(' ').starts_with("- "))
    };
    let depth = |s: usize| -> Option<usize> {
        let rest = text.get(s..)?;
        let line = rest.split('\n').next().unwrap_or("");
        let body = line.trim_start_matches(' ');
        let body_t = body.trim_end_matches('\r');
        if body_t.is_empty() || body_t.starts_with('#') {
            return None;
        }
        let mut d = line.len() - body.len();
        if let Some(rest) = body.strip_prefix("- ") {
            d += 2 + (rest.len() - rest.trim_start_matches(' ').len());
        }
        Some(d)
    };
    let mut lines: Vec<usize> = Vec::new();
    // Back to the block's first line (a list item's `- ` line ends it), then on to its end.
    if !item_start(line_start) {
        for &s in starts.get(..here)?.iter().rev() {
            match depth(s) {
                Some(d) if d < indent => break,
                _ => lines.push(s),
            }
            if item_start(s) {
                break;
            }
        }
    }
    for &s in starts.get(here..)? {
        if s != line_start && (depth(s).is_some_and(|d| d < indent) || item_start(s)) {
            break;
        }
        lines.push(s);
    }
    for s in lines {
        if depth(s) != Some(indent) {
            continue;
        }
        let line = text.get(s..)?.split('\n').next().unwrap_or("");
        let body = line.trim_start_matches(' ');
        let body = body
            .strip_prefix("- ")
            .map_or(body, |b| b.trim_start_matches(' '));
        if let Some(rest) = body.strip_prefix(key)
            && let Some(value) = rest.strip_prefix(':')
        {
            let colon = s + (line.len() - body.len()) + key.len() + 1;
            let v = value.trim_end_matches('\r');
            let lead = v.len() - v.trim_start().len();
            let value_text = v.trim_start();
            let value_len = value_text
                .find(" #")
                .map_or(value_text.trim_end().len(), |i| {
                    value_text[..i].trim_end().len()
                });
            return Some(colon + lead..colon + lead + value_len);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Arc<SourceText> {
        Arc::new(SourceText {
            display: "values.yaml".into(),
            path: "values.yaml".into(),
            text: text.into(),
        })
    }

    #[test]
    fn append_only_after_the_whole_reference() {
        let t = "image: \"nginx:1.25\" # web\n";
        assert_eq!(append_at(t, &(7..19), "nginx:1.25"), Some(18));
        assert_eq!(append_at(t, &(7..19), "nginx:1.2"), None);
        assert_eq!(append_at("image: a\\u0041:1", &(7..17), "aA:1"), None);
    }

    #[test]
    fn a_line_goes_beside_the_tag_keeping_indent_and_crlf() {
        let f = file("image:\r\n  repository: nginx\r\n  tag: \"1.25\"\r\nother: 1\r\n");
        let tag = f.text.find("\"1.25").unwrap_or(0);
        match beside(&f, tag, "digest", "image.digest".into()) {
            Some(PinPlace::Insert {
                at, indent, eol, ..
            }) => {
                assert_eq!(
                    &f.text[..at],
                    "image:\r\n  repository: nginx\r\n  tag: \"1.25\"\r\n"
                );
                assert_eq!((indent.as_str(), eol), ("  ", "\r\n"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_empty_digest_key_of_the_block_is_filled_not_repeated() {
        let f = file("image:\n  digest:\n  tag: 1.25 # pinned\nx:\n  digest: no\n");
        let tag = f.text.find("1.25").unwrap_or(0);
        match beside(&f, tag, "digest", "image.digest".into()) {
            Some(PinPlace::Replace { range, .. }) => {
                assert_eq!(range, 16..16);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flow_mappings_are_refused() {
        let f = file("image: {tag: \"1.25\"}\n");
        let tag = f.text.find("\"1.25").unwrap_or(0);
        assert!(beside(&f, tag, "digest", "image.digest".into()).is_none());
    }

    #[test]
    fn a_kustomize_entry_gets_its_own_digest_not_its_neighbours() {
        let f = file(
            "images:\n  - name: a\n    digest: sha256:x\n  - name: nginx\n    newTag: \"1.25\"\n  - name: b\n    digest: y\n",
        );
        let tag = f.text.find("\"1.25").unwrap_or(0);
        match beside(&f, tag, "digest", "digest".into()) {
            Some(PinPlace::Insert { at, indent, .. }) => {
                assert_eq!(&f.text[at..], "  - name: b\n    digest: y\n");
                assert_eq!(indent, "    ");
            }
            other => panic!("{other:?}"),
        }
    }
}
