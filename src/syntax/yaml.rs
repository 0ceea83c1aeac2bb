//! Building the arena tree from `saphyr` events.
//!
//! saphyr's loaders recurse (a 40 KB nested input overflows the stack), so we consume its event
//! stream with an explicit stack and a depth cap instead.

use super::saphyr::{Event, Parser, ScalarStyle as SaphyrStyle, ScanError};
use super::tree::{Document, DuplicateKey, Node, NodeId, NodeKind, ScalarStyle};
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

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<NodeId>,
    },
    Map {
        start: usize,
        anchor: usize,
        pairs: Vec<(NodeId, NodeId)>,
        key: Option<NodeId>,
    },
}

struct Builder<'a> {
    chunk: &'a str,
    offsets: OffsetMap,
    nodes: Vec<Node>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
    root: Option<NodeId>,
    duplicate_keys: Vec<DuplicateKey>,
}

impl Builder<'_> {
    /// The node an id stands for, through an alias.
    fn resolved(&self, id: NodeId) -> Option<&Node> {
        let node = self.nodes.get(id.0 as usize)?;
        match node.kind {
            NodeKind::Alias { target } => self.nodes.get(target.0 as usize),
            _ => Some(node),
        }
    }

    fn is_map(&self, id: NodeId) -> bool {
        matches!(self.resolved(id).map(|n| &n.kind), Some(NodeKind::Map(_)))
    }

    /// What go-yaml v2 decoding into `interface{}` and sigs.k8s.io/yaml's conversion to JSON
    /// refuse in a mapping (so `kubectl apply` rejects the document), as `(offset, message)`;
    /// else the keys written twice are recorded.
    fn check_mapping(
        &mut self,
        pairs: &[(NodeId, NodeId)],
    ) -> Result<(), (usize, String, Option<String>)> {
        for &(k, v) in pairs {
            let Some(key) = self.resolved(k) else {
                continue;
            };
            let at = self.nodes.get(k.0 as usize).map_or(key.start, |n| n.start) as usize;
            let NodeKind::Scalar {
                value,
                style,
                str_tag,
            } = &key.kind
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
            let plain = *style == ScalarStyle::Plain && !str_tag;
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
        self.record_duplicates(pairs);
        Ok(())
    }

    /// A key as go-yaml tells keys apart: its text, and whether it is a string. A plain `1` (a
    /// number) and a quoted `"1"` differ; two spellings of one number (`1`, `0x1`) are not told
    /// apart here. `None` for merge keys, which may repeat.
    fn key_identity(&self, id: NodeId) -> Option<(&str, bool)> {
        match &self.resolved(id)?.kind {
            NodeKind::Scalar {
                value,
                style,
                str_tag,
            } => {
                let plain = *style == ScalarStyle::Plain && !str_tag;
                (!(plain && value == "<<")).then(|| {
                    (
                        value.as_str(),
                        super::is_plain_non_string(value, *style, *str_tag),
                    )
                })
            }
            _ => None,
        }
    }

    fn record_duplicates(&mut self, pairs: &[(NodeId, NodeId)]) {
        let mut found = Vec::new();
        // Manifests' mappings are small: compare pairwise, and hash only large ones.
        if pairs.len() <= 16 {
            // Compare the texts first: telling strings from numbers costs more, and is needed
            // only for keys written alike.
            let text = |id: NodeId| match self.resolved(id).map(|n| &n.kind) {
                Some(NodeKind::Scalar { value, .. }) => Some(value.as_str()),
                _ => None,
            };
            for (i, (k, _)) in pairs.iter().enumerate().skip(1) {
                let Some(written) = text(*k) else {
                    continue;
                };
                let same_text = pairs
                    .iter()
                    .take(i)
                    .position(|(e, _)| text(*e) == Some(written));
                if let Some(first) = same_text {
                    let identity = self.key_identity(*k);
                    let mut earlier = pairs.iter().take(i).enumerate().skip(first);
                    if let Some((first, _)) = earlier
                        .find(|(_, (e, _))| identity.is_some() && self.key_identity(*e) == identity)
                    {
                        found.push((first, i));
                    }
                }
            }
        } else {
            let mut seen: HashMap<(&str, bool), usize> = HashMap::new();
            for (i, (k, _)) in pairs.iter().enumerate() {
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
        let key_node = |i: usize| pairs.get(i).and_then(|(k, _)| self.nodes.get(k.0 as usize));
        let duplicates: Vec<DuplicateKey> = found
            .into_iter()
            .map(|(first, again)| DuplicateKey {
                key: pairs
                    .get(again)
                    .and_then(|(k, _)| self.key_identity(*k))
                    .map(|(text, _)| text.to_string())
                    .unwrap_or_default(),
                first: key_node(first).map_or(0..0, Node::range),
                again: key_node(again).map_or(0..0, Node::range),
            })
            .collect();
        self.duplicate_keys.extend(duplicates);
    }

    /// go-yaml v2 `decoder.merge`: a mapping, an alias of one, or a sequence of those.
    fn is_merge_value(&self, id: NodeId) -> bool {
        let Some(node) = self.nodes.get(id.0 as usize) else {
            return false;
        };
        match &node.kind {
            NodeKind::Map(_) => true,
            NodeKind::Alias { target } => self.is_map(*target),
            NodeKind::Seq(items) => items.iter().all(|item| self.is_map(*item)),
            NodeKind::Scalar { .. } => false,
        }
    }

    fn push_node(&mut self, kind: NodeKind, start: usize, end: usize, anchor: usize) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        let anchor_at = (anchor > 0)
            .then(|| self.find_anchor(start))
            .flatten()
            .map(|a| a as u32);
        self.nodes.push(Node {
            kind,
            start: start as u32,
            end: end as u32,
            anchor_at,
        });
        if anchor > 0 {
            self.anchors.insert(anchor, id);
        }
        id
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
        match self.stack.last_mut() {
            None => self.root = Some(id),
            Some(Frame::Seq { items, .. }) => items.push(id),
            Some(Frame::Map { pairs, key, .. }) => match key.take() {
                None => *key = Some(id),
                Some(k) => pairs.push((k, id)),
            },
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
pub fn parse_document(
    chunk: &str,
    base: usize,
    limits: &ParseLimits,
) -> Result<Vec<Document>, SyntaxError> {
    let mut b = Builder {
        chunk,
        offsets: OffsetMap::new(chunk, base),
        nodes: Vec::new(),
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
            }
            Event::DocumentEnd => {
                if let Some(error) = decode_error {
                    return Err(error);
                }
                let nodes = std::mem::take(&mut b.nodes);
                if let Some(root) = b.root.take() {
                    docs.push(Document {
                        nodes,
                        root: Some(root),
                        range: doc_start..end.max(doc_start),
                        duplicate_keys: std::mem::take(&mut b.duplicate_keys),
                    });
                }
                // Kubernetes' decoder (go-yaml v2 `Unmarshal`) reads one document per chunk and
                // never looks past its end: content after a `...` is ignored, not an error
                // (unless scanning the end itself trips on it, as here too).
                break;
            }
            Event::Scalar(value, st, anchor, tag) => {
                let str_tag = tag.is_some_and(|t| t.suffix == "str");
                let id = b.push_node(
                    NodeKind::Scalar {
                        value: value.into_owned(),
                        style: style(st),
                        str_tag,
                    },
                    start,
                    end,
                    anchor,
                );
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
                let id = b.push_node(NodeKind::Alias { target }, start, end, 0);
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
                b.stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        start,
                        anchor,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        start,
                        anchor,
                        pairs: Vec::new(),
                        key: None,
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (kind, start, anchor) = match b.stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        items,
                    }) => (NodeKind::Seq(items), start, anchor),
                    Some(Frame::Map {
                        start,
                        anchor,
                        pairs,
                        ..
                    }) => {
                        if let Err((offset, message, kubectl)) = b.check_mapping(&pairs) {
                            // go-yaml decodes once the whole document has parsed: a syntax
                            // error further on is what kubectl reports.
                            decode_error.get_or_insert(SyntaxError {
                                document: document.clone(),
                                offset,
                                message,
                                kubectl,
                            });
                        }
                        (NodeKind::Map(pairs), start, anchor)
                    }
                    None => continue,
                };
                let id = b.push_node(kind, start, end.max(start), anchor);
                b.attach(id);
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
    Ok(docs)
}
