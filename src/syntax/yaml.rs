//! Building the arena tree from `saphyr` events.
//!
//! saphyr's loaders recurse (a 40 KB nested input overflows the stack), so we consume its event
//! stream with an explicit stack and a depth cap instead.

use super::saphyr::{Event, Parser, ScalarStyle as SaphyrStyle, ScanError};
use super::tree::{Document, Node, NodeId, NodeKind, ScalarStyle};
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
}

impl Builder<'_> {
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

/// Parses one chunk (normally one document; `...` can start more) that sits at byte `base` of
/// its file.
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
    };
    let mut docs = Vec::new();
    let mut doc_start = base;
    let document = base..base + chunk.len();
    let scan_error = |e: ScanError, offsets: &OffsetMap| SyntaxError {
        document: document.clone(),
        offset: offsets.byte(e.marker().index()),
        // saphyr's own depth guard; say what it means for the user.
        message: if e.info() == "recursion limit exceeded" {
            "nesting deeper than 255 levels; refusing to parse further".into()
        } else {
            e.info().to_string()
        },
    };
    for item in Parser::new_from_str(chunk) {
        let (event, span) = item.map_err(|e| scan_error(e, &b.offsets))?;
        let start = b.offsets.byte(span.start.index());
        let end = b.offsets.byte(span.end.index()).max(start);
        match event {
            Event::DocumentStart(_) => {
                doc_start = start;
            }
            Event::DocumentEnd => {
                let nodes = std::mem::take(&mut b.nodes);
                if let Some(root) = b.root.take() {
                    docs.push(Document {
                        nodes,
                        root: Some(root),
                        range: doc_start..end.max(doc_start),
                    });
                }
                b.anchors.clear();
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
                    }) => (NodeKind::Map(pairs), start, anchor),
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
