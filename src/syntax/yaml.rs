//! Building the arena tree from `saphyr` events.
//!
//! saphyr's loaders recurse (a 40 KB nested input overflows the stack), so we consume its event
//! stream with an explicit stack and a depth cap instead.

use super::saphyr::{Event, Parser, ScalarStyle as SaphyrStyle, ScanError};
use super::tree::{
    Cursor, Document, DuplicateKey, ListEvent, Mark, NodeId, NodeKind, ScalarStyle, Streamed,
};
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub struct ParseLimits {
    /// Deeper nesting is refused with a finding (real manifests stay far below 100).
    pub max_depth: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits { max_depth: 1000 }
    }
}

/// A syntax error at a byte offset of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
    /// The byte range of the document that failed.
    pub document: std::ops::Range<usize>,
    /// What `kubectl apply` prints for this document (after `error parsing FILE: `), when this
    /// error reproduces one of its own checks exactly (the differential test holds it to that).
    /// `None` when only our parser's word is known.
    pub kubectl: Option<String>,
}

/// sigs.k8s.io/yaml's wrapping of a go-yaml error, as `kubectl` prints it.
pub fn kubectl_yaml_error(go_yaml: &str) -> String {
    format!("error converting YAML to JSON: yaml: {go_yaml}")
}

/// saphyr counts characters; spans are bytes. Identity for ASCII, a table otherwise.
struct OffsetMap {
    base: usize,
    char_to_byte: Option<Vec<u32>>,
    len: usize,
}

impl OffsetMap {
    fn new(chunk: &str, base: usize) -> OffsetMap {
        let char_to_byte = (!chunk.is_ascii()).then(|| {
            chunk
                .char_indices()
                .map(|(b, _)| b as u32)
                .chain(std::iter::once(chunk.len() as u32))
                .collect()
        });
        OffsetMap {
            base,
            char_to_byte,
            len: chunk.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        let local = match &self.char_to_byte {
            None => char_index.min(self.len),
            Some(table) => table.get(char_index).map_or(self.len, |b| *b as usize),
        };
        self.base + local
    }
}

/// An open collection: where it starts, its anchor id, and where its children (keys and values
/// in turn for a mapping) start in the pending list.
enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        from: usize,
        /// The root mapping's `items` while its items go to the hook: the arenas are cut back
        /// to the mark after each.
        items: Option<Mark>,
    },
    Map {
        start: usize,
        anchor: usize,
        from: usize,
    },
}

struct Builder<'a, 'h> {
    hook: super::tree::Hook<'h>,
    /// Where the document being read starts (its `range.start`), for the hook.
    doc_start: usize,
    chunk: &'a str,
    offsets: OffsetMap,
    doc: Document<'a>,
    /// Children of the open collections, innermost last.
    pending: Vec<NodeId>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
    root: Option<NodeId>,
    duplicate_keys: Vec<DuplicateKey>,
}

impl<'a> Builder<'a, '_> {
    /// What an id stands for, through an alias.
    fn resolved(&self, id: NodeId) -> Option<NodeKind<'_>> {
        match self.doc.kind(id)? {
            NodeKind::Alias { target } => self.doc.kind(target),
            kind => Some(kind),
        }
    }

    fn is_map(&self, id: NodeId) -> bool {
        matches!(self.resolved(id), Some(NodeKind::Map(_)))
    }

    /// What go-yaml v2 decoding into `interface{}` and sigs.k8s.io/yaml's conversion to JSON
    /// refuse in a mapping (`pairs`: keys and values in turn), so `kubectl apply` rejects the
    /// document, as `(offset, message)`; else the keys written twice are recorded.
    fn check_mapping(&self, pairs: &[NodeId]) -> Result<(), (usize, String, Option<String>)> {
        for pair in pairs.chunks_exact(2) {
            let [k, v] = *pair else { continue };
            let Some(key) = self.resolved(k) else {
                continue;
            };
            let at = self.doc.node(k).map_or(0, |n| n.start as usize);
            let NodeKind::Scalar {
                value,
                style,
                str_tag,
            } = key
            else {
                // go-yaml: "invalid map key" (a Go slice or map cannot be a map key).
                return Err((
                    at,
                    "a sequence or mapping as a mapping key: Kubernetes' YAML decoder rejects \
                     it (\"invalid map key\")"
                        .into(),
                    None,
                ));
            };
            let plain = style == ScalarStyle::Plain && !str_tag;
            if plain && super::is_null_text(value) {
                // sigs.k8s.io/yaml: "Unsupported map key of type: %!s(<nil>)".
                return Err((
                    at,
                    "a null mapping key (empty, `~` or `null`): Kubernetes' YAML decoder rejects \
                     it"
                    .into(),
                    None,
                ));
            }
            if plain && value == "<<" && !self.is_merge_value(v) {
                const MERGE: &str = "map merge requires map or sequence of maps as the value";
                return Err((at, MERGE.into(), Some(kubectl_yaml_error(MERGE))));
            }
        }
        Ok(())
    }

    /// A key as go-yaml tells keys apart: its text, and whether it is a string. A plain `1` (a
    /// number) and a quoted `"1"` differ; two spellings of one number (`1`, `0x1`) are not told
    /// apart here. `None` for merge keys, which may repeat.
    fn key_identity(&self, id: NodeId) -> Option<(&str, bool)> {
        match self.resolved(id)? {
            NodeKind::Scalar {
                value,
                style,
                str_tag,
            } => {
                let plain = style == ScalarStyle::Plain && !str_tag;
                (!(plain && value == "<<"))
                    .then(|| (value, super::is_plain_non_string(value, style, str_tag)))
            }
            _ => None,
        }
    }

    /// The keys of `pairs` (keys and values in turn) written twice.
    fn duplicates(&self, pairs: &[NodeId]) -> Vec<DuplicateKey> {
        // Every other id (no copy: this runs for every mapping).
        let keys = pairs.iter().step_by(2);
        let key = |i: usize| pairs.get(2 * i);
        let mut found = Vec::new();
        // Manifests' mappings are small: compare pairwise, and hash only large ones.
        if keys.len() <= 16 {
            // Compare the texts first: telling strings from numbers costs more, and is needed
            // only for keys written alike. Each key's text is looked up once.
            let mut texts: [Option<&str>; 16] = [None; 16];
            for (slot, k) in texts.iter_mut().zip(keys.clone()) {
                *slot = match self.resolved(*k) {
                    Some(NodeKind::Scalar { value, .. }) => Some(value),
                    _ => None,
                };
            }
            for (i, k) in keys.clone().enumerate().skip(1) {
                let Some(written) = texts.get(i).copied().flatten() else {
                    continue;
                };
                let same_text = texts.iter().take(i).position(|e| *e == Some(written));
                if let Some(first) = same_text {
                    let identity = self.key_identity(*k);
                    let mut earlier = keys.clone().take(i).enumerate().skip(first);
                    if let Some((first, _)) = earlier
                        .find(|(_, e)| identity.is_some() && self.key_identity(**e) == identity)
                    {
                        found.push((first, i));
                    }
                }
            }
        } else {
            let mut seen: HashMap<(&str, bool), usize> = HashMap::new();
            for (i, k) in keys.enumerate() {
                if let Some(key) = self.key_identity(*k) {
                    match seen.get(&key) {
                        Some(&first) => found.push((first, i)),
                        None => {
                            seen.insert(key, i);
                        }
                    }
                }
            }
        }
        let key_range = |i: usize| {
            key(i)
                .and_then(|k| self.doc.node(*k))
                .map_or(0..0, |n| n.range())
        };
        found
            .into_iter()
            .map(|(first, again)| DuplicateKey {
                key: key(again)
                    .and_then(|k| self.key_identity(*k))
                    .map(|(text, _)| text.to_string())
                    .unwrap_or_default(),
                first: key_range(first),
                again: key_range(again),
            })
            .collect()
    }

    /// go-yaml v2 `decoder.merge`: a mapping, an alias of one, or a sequence of those.
    fn is_merge_value(&self, id: NodeId) -> bool {
        match self.doc.kind(id) {
            Some(NodeKind::Map(_)) => true,
            Some(NodeKind::Alias { target }) => self.is_map(target),
            Some(NodeKind::Seq(items)) => items.iter().all(|item| self.is_map(*item)),
            Some(NodeKind::Scalar { .. }) | None => false,
        }
    }

    /// Where `&name` is written when saphyr reported an anchor (id > 0) on a node at `start`.
    fn anchor_at(&self, anchor: usize, start: usize) -> Option<usize> {
        (anchor > 0).then(|| self.find_anchor(start)).flatten()
    }

    fn remember_anchor(&mut self, anchor: usize, id: NodeId) {
        if anchor > 0 {
            self.anchors.insert(anchor, id);
        }
    }

    /// The `&name` before a node's start (saphyr reports anchor ids, not where they are).
    fn find_anchor(&self, node_start: usize) -> Option<usize> {
        let local_start = node_start.checked_sub(self.offsets.base)?;
        if self.chunk.get(local_start..)?.starts_with('&') {
            return Some(node_start);
        }
        let before = self.chunk.get(..local_start)?;
        let amp = before.rfind('&')?;
        Some(self.offsets.base + amp)
    }

    fn attach(&mut self, id: NodeId) {
        match self.stack.last() {
            None => self.root = Some(id),
            Some(Frame::Seq {
                items: Some(mark), ..
            }) if self.doc.streamed == Streamed::Items => {
                let mark = *mark;
                if let Some(hook) = self.hook.as_mut() {
                    hook(ListEvent::Item {
                        document: self.doc_start,
                        item: Cursor::new(&self.doc, id),
                    });
                }
                self.doc.truncate(mark);
            }
            Some(_) => self.pending.push(id),
        }
    }

    /// Whether a sequence starting now is the root mapping's `items`, to stream.
    fn items_mark(&mut self) -> Option<Mark> {
        let key = match (self.hook.is_some(), self.stack.as_slice()) {
            (true, [Frame::Map { from, .. }])
                if self.pending.len().saturating_sub(*from) % 2 == 1 =>
            {
                self.pending.last().copied()?
            }
            _ => return None,
        };
        if !self.doc.is_scalar(key, "items") {
            return None;
        }
        if self.doc.streamed == Streamed::No {
            self.doc.streamed = Streamed::Items;
            Some(self.doc.mark())
        } else {
            self.doc.streamed = Streamed::Unfaithful;
            None
        }
    }

    /// An anchor inside a streamed item could be aliased by a later item, whose nodes are gone
    /// by then: the hook's view is not the tree's.
    fn anchored(&mut self, anchor: usize) {
        if anchor == 0 {
            return;
        }
        let streaming = self
            .stack
            .iter()
            .any(|f| matches!(f, Frame::Seq { items: Some(_), .. }));
        if anchor > 0 && streaming && self.doc.streamed == Streamed::Items {
            self.doc.streamed = Streamed::Unfaithful;
        }
    }
}

fn style(s: SaphyrStyle) -> ScalarStyle {
    match s {
        SaphyrStyle::Plain => ScalarStyle::Plain,
        SaphyrStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        SaphyrStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        SaphyrStyle::Literal => ScalarStyle::Literal,
        SaphyrStyle::Folded => ScalarStyle::Folded,
    }
}

/// Parses the document of one chunk (what follows its `...`, if anything, is ignored, as
/// kubectl does) that sits at byte `base` of its file.
pub fn parse_document<'t>(
    chunk: &'t str,
    base: usize,
    limits: &ParseLimits,
) -> Result<Vec<Document<'t>>, SyntaxError> {
    parse_document_with(chunk, base, limits, None)
}

/// [`parse_document`], handing the root `items` sequence's items to `hook` one at a time (see
/// [`super::parse_stream_items`]).
pub(super) fn parse_document_with<'t>(
    chunk: &'t str,
    base: usize,
    limits: &ParseLimits,
    hook: super::tree::Hook<'_>,
) -> Result<Vec<Document<'t>>, SyntaxError> {
    let mut b = Builder {
        hook,
        doc_start: base,
        chunk,
        offsets: OffsetMap::new(chunk, base),
        doc: Document::new(chunk),
        pending: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        duplicate_keys: Vec::new(),
    };
    let mut docs = Vec::new();
    let mut doc_start = base;
    let document = base..base + chunk.len();
    let scan_error = |e: ScanError, offsets: &OffsetMap| SyntaxError {
        document: document.clone(),
        kubectl: None,
        offset: offsets.byte(e.marker().index()),
        // saphyr's own depth guard; say what it means for the user.
        message: if e.info() == "recursion limit exceeded" {
            "nesting deeper than 255 levels; refusing to parse further".into()
        } else {
            e.info().to_string()
        },
    };
    let mut decode_error: Option<SyntaxError> = None;
    for item in Parser::new_from_str(chunk) {
        let (event, span) = item.map_err(|e| scan_error(e, &b.offsets))?;
        let start = b.offsets.byte(span.start.index());
        let end = b.offsets.byte(span.end.index()).max(start);
        match event {
            Event::DocumentStart(_) => {
                doc_start = start;
                b.doc_start = start;
            }
            Event::DocumentEnd => {
                if let Some(error) = decode_error {
                    return Err(error);
                }
                if let Some(root) = b.root.take() {
                    let mut doc = std::mem::replace(&mut b.doc, Document::new(chunk));
                    doc.duplicate_keys = std::mem::take(&mut b.duplicate_keys);
                    doc.finish(root, doc_start..end.max(doc_start));
                    docs.push(doc);
                }
                // Kubernetes' decoder (go-yaml v2 `Unmarshal`) reads one document per chunk and
                // never looks past its end: content after a `...` is ignored, not an error
                // (unless scanning the end itself trips on it, as here too).
                break;
            }
            Event::Scalar(value, st, anchor, tag) => {
                let str_tag = tag.is_some_and(|t| t.suffix == "str");
                let st = style(st);
                // Most scalars read as written (plain words, quoted strings without escapes):
                // those borrow the chunk's bytes instead of keeping saphyr's copy.
                let (local_start, local_end) =
                    (start.saturating_sub(base), end.saturating_sub(base));
                let written = match st {
                    ScalarStyle::Plain => local_start..local_end,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                        local_start + 1..local_end.saturating_sub(1).max(local_start + 1)
                    }
                    ScalarStyle::Literal | ScalarStyle::Folded => 0..0,
                };
                b.anchored(anchor);
                let anchor_at = b.anchor_at(anchor, start);
                let id = b
                    .doc
                    .push_scalar(&value, written, st, str_tag, start..end, anchor_at);
                b.remember_anchor(anchor, id);
                b.attach(id);
            }
            Event::Alias(anchor) => {
                let Some(target) = b.anchors.get(&anchor).copied() else {
                    return Err(SyntaxError {
                        document: document.clone(),
                        offset: start,
                        message: "alias to an anchor that is not defined before it".into(),
                        kubectl: None,
                    });
                };
                let id = b.doc.push_alias(target, start..end);
                b.attach(id);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if b.stack.len() >= limits.max_depth {
                    return Err(SyntaxError {
                        document: document.clone(),
                        offset: start,
                        kubectl: None,
                        message: format!(
                            "nesting deeper than {} levels; refusing to parse further",
                            limits.max_depth
                        ),
                    });
                }
                b.anchored(anchor);
                let from = b.pending.len();
                let seq = matches!(event, Event::SequenceStart(..));
                let items = if seq { b.items_mark() } else { None };
                b.stack.push(if seq {
                    Frame::Seq {
                        start,
                        anchor,
                        from,
                        items,
                    }
                } else {
                    Frame::Map {
                        start,
                        anchor,
                        from,
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (map, start, anchor, from) = match b.stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        from,
                        ..
                    }) => (false, start, anchor, from),
                    Some(Frame::Map {
                        start,
                        anchor,
                        from,
                    }) => {
                        let pairs = b.pending.get(from..).unwrap_or(&[]);
                        match b.check_mapping(pairs) {
                            Ok(()) => {
                                let found = b.duplicates(pairs);
                                b.duplicate_keys.extend(found);
                            }
                            Err((offset, message, kubectl)) => {
                                // go-yaml decodes once the whole document has parsed: a syntax
                                // error further on is what kubectl reports.
                                decode_error.get_or_insert(SyntaxError {
                                    document: document.clone(),
                                    offset,
                                    message,
                                    kubectl,
                                });
                            }
                        }
                        (true, start, anchor, from)
                    }
                    None => continue,
                };
                let anchor_at = b.anchor_at(anchor, start);
                let span = start..end.max(start);
                let id = b
                    .doc
                    .push_collection(map, &mut b.pending, from, span, anchor_at);
                b.remember_anchor(anchor, id);
                b.attach(id);
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
    Ok(docs)
}
