//! An arena tree of one YAML/JSON document, with byte spans into the file.
//!
//! Aliases stay aliases (a DAG, never expanded), so an alias bomb costs one node per alias.
//! [`Cursor`] resolves them on the way and remembers the alias it went through, so a finding on
//! a value reached through `*ref` can point at the alias and mention the anchor.

use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// What a node is, as read through [`Document::kind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind<'d> {
    Scalar {
        value: &'d str,
        style: ScalarStyle,
        /// Explicitly tagged `!!str`: a string whatever it looks like.
        str_tag: bool,
    },
    Seq(&'d [NodeId]),
    /// Keys and values in turn: `[k0, v0, k1, v1, ...]`.
    Map(&'d [NodeId]),
    Alias {
        target: NodeId,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Shape {
    Scalar,
    Seq,
    Map,
    Alias,
}

/// A scalar's value is a copy in [`Document::strings`], not its bytes in the source.
const DECODED: u8 = 1;
const STR_TAG: u8 = 2;

/// One node in 20 bytes, with no allocation of its own: a million-node cluster dump is ~20 MB
/// of nodes. A scalar's value is a range of the source text when it is written as it reads
/// (plain words, JSON strings without escapes: almost all of them), else a range of the
/// document's one string arena; a collection's children are a range of the document's one
/// children arena.
#[derive(Clone, Copy, Debug)]
pub struct Node {
    /// Byte range in the file.
    pub start: u32,
    pub end: u32,
    /// Scalar: value offset (source or arena); Seq/Map: first child in the arena; Alias: target.
    a: u32,
    /// Scalar: value length; Seq: items; Map: pairs.
    b: u32,
    shape: Shape,
    style: ScalarStyle,
    flags: u8,
}

impl Node {
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One document: its nodes, the arenas they point into, and the text they borrow values from.
#[derive(Default)]
pub struct Document<'t> {
    /// The text scalar values are read from (the file, or the chunk of it the document came
    /// from): borrowed, never copied.
    source: &'t str,
    nodes: Vec<Node>,
    children: Vec<NodeId>,
    /// Scalar values that differ from their written bytes (escapes, quotes, folded lines).
    strings: String,
    /// Nodes with an anchor, and the offset of its `&name` (few: kept aside, in node order).
    anchors: Vec<(NodeId, u32)>,
    pub root: Option<NodeId>,
    /// Byte range of the document in its file.
    pub range: Range<usize>,
    /// Keys written twice in one mapping, in document order.
    pub duplicate_keys: Vec<DuplicateKey>,
    /// Whether the items of the root's `items` sequence went to a [`ListEvent`] hook instead
    /// of into this tree.
    pub streamed: Streamed,
}

/// Whether a reader handed a document's `items` over one at a time (see
/// [`super::parse_stream_items`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Streamed {
    /// The tree is whole.
    #[default]
    No,
    /// Every item of the root mapping's one `items` sequence went to the hook, in order, and
    /// was dropped: the sequence is empty in the tree.
    Items,
    /// The hook's items may not be what reading the whole tree gives (an anchor inside an
    /// item, which a later alias could use; a second `items` key): read the input again
    /// without a hook.
    Unfaithful,
}

/// What a reader hands a hook while it reads (see [`super::parse_stream_items`]).
pub enum ListEvent<'a> {
    /// A complete item of the root mapping's `items` sequence, in the document that starts at
    /// byte `document`; its nodes are dropped once the hook returns.
    Item { document: usize, item: Cursor<'a> },
}

/// What the readers take: a hook, or none.
pub(super) type Hook<'h> = Option<&'h mut dyn FnMut(ListEvent<'_>)>;

/// The hook for one more call (shortening the trait object's lifetime, which `as_deref_mut`
/// cannot do behind `&mut`).
pub(super) fn reborrow<'b>(hook: &'b mut Hook<'_>) -> Hook<'b> {
    match hook {
        Some(h) => Some(&mut **h),
        None => None,
    }
}

/// The sizes of a document's arenas at one point: truncating to it drops what came after.
#[derive(Clone, Copy, Debug)]
pub(super) struct Mark {
    nodes: usize,
    children: usize,
    strings: usize,
    anchors: usize,
}

impl std::fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("nodes", &self.nodes.len())
            .field("root", &self.root)
            .field("range", &self.range)
            .field("duplicate_keys", &self.duplicate_keys)
            .finish_non_exhaustive()
    }
}

/// A mapping key written again: go-yaml (and so `kubectl apply`) keeps the last value; the API
/// server's strict field validation rejects the object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    /// The first occurrence of the key.
    pub first: Range<usize>,
    /// This occurrence (the second, third, ...).
    pub again: Range<usize>,
}

/// Merge keys can chain (`<<: *a` where `a` has `<<: *b`); past this depth we stop looking.
const MAX_MERGE_DEPTH: u32 = 16;

/// Offsets and lengths are u32 like spans; past 4 GiB (beyond any size cap) they saturate
/// rather than wrap.
fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl<'t> Document<'t> {
    /// An empty document whose scalars borrow from `source` (spans stay file offsets).
    pub(super) fn new(source: &'t str) -> Document<'t> {
        Document {
            source,
            ..Document::default()
        }
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0 as usize)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// What node `id` is (aliases not followed).
    pub fn kind(&self, id: NodeId) -> Option<NodeKind<'_>> {
        let node = self.node(id)?;
        let (a, b) = (node.a as usize, node.b as usize);
        Some(match node.shape {
            Shape::Scalar => {
                let pool = if node.flags & DECODED != 0 {
                    self.strings.as_str()
                } else {
                    self.source
                };
                NodeKind::Scalar {
                    value: pool.get(a..a + b).unwrap_or(""),
                    style: node.style,
                    str_tag: node.flags & STR_TAG != 0,
                }
            }
            Shape::Seq => NodeKind::Seq(self.children.get(a..a + b).unwrap_or(&[])),
            Shape::Map => NodeKind::Map(self.children.get(a..a + 2 * b).unwrap_or(&[])),
            Shape::Alias => NodeKind::Alias {
                target: NodeId(node.a),
            },
        })
    }

    /// Byte offset of `&name` when node `id` carries an anchor.
    pub fn anchor_at(&self, id: NodeId) -> Option<usize> {
        let i = self.anchors.binary_search_by_key(&id, |(n, _)| *n).ok()?;
        self.anchors.get(i).map(|(_, at)| *at as usize)
    }

    pub fn root(&self) -> Option<Cursor<'_>> {
        self.root.map(|id| Cursor::new(self, id))
    }

    fn push(&mut self, mut node: Node, anchor_at: Option<usize>) -> NodeId {
        let id = NodeId(u32_of(self.nodes.len()));
        node.end = node.end.max(node.start);
        self.nodes.push(node);
        if let Some(at) = anchor_at {
            self.anchors.push((id, u32_of(at)));
        }
        id
    }

    /// A scalar whose value is `value`; `written` is where it may be written verbatim in the
    /// source (without quotes): then it is stored as that range, with no copy.
    pub(super) fn push_scalar(
        &mut self,
        value: &str,
        written: Range<usize>,
        style: ScalarStyle,
        str_tag: bool,
        span: Range<usize>,
        anchor_at: Option<usize>,
    ) -> NodeId {
        // A value the scanner borrowed from the source is those very bytes: no comparison.
        let verbatim = self
            .source
            .get(written.clone())
            .is_some_and(|w| std::ptr::eq(w, value) || w == value);
        let (a, b, decoded) = if verbatim {
            (written.start, value.len(), 0)
        } else {
            let at = self.strings.len();
            self.strings.push_str(value);
            (at, value.len(), DECODED)
        };
        self.push_scalar_at(a, b, decoded, style, str_tag, span, anchor_at)
    }

    /// A scalar whose value is `source[range]`.
    pub(super) fn push_verbatim(
        &mut self,
        range: Range<usize>,
        style: ScalarStyle,
        span: Range<usize>,
    ) -> NodeId {
        let len = range.end.saturating_sub(range.start);
        self.push_scalar_at(range.start, len, 0, style, false, span, None)
    }

    /// The string arena, for a reader that decodes a value straight into it; the value is
    /// then pushed with [`Document::push_decoded`].
    pub(super) fn strings_mut(&mut self) -> &mut String {
        &mut self.strings
    }

    /// A scalar whose value is `strings[from..]` (just written by the reader).
    pub(super) fn push_decoded(
        &mut self,
        from: usize,
        style: ScalarStyle,
        span: Range<usize>,
    ) -> NodeId {
        let len = self.strings.len().saturating_sub(from);
        self.push_scalar_at(from, len, DECODED, style, false, span, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn push_scalar_at(
        &mut self,
        a: usize,
        b: usize,
        decoded: u8,
        style: ScalarStyle,
        str_tag: bool,
        span: Range<usize>,
        anchor_at: Option<usize>,
    ) -> NodeId {
        let node = Node {
            start: u32_of(span.start),
            end: u32_of(span.end),
            a: u32_of(a),
            b: u32_of(b),
            shape: Shape::Scalar,
            style,
            flags: decoded | if str_tag { STR_TAG } else { 0 },
        };
        self.push(node, anchor_at)
    }

    pub(super) fn push_alias(&mut self, target: NodeId, span: Range<usize>) -> NodeId {
        let node = Node {
            start: u32_of(span.start),
            end: u32_of(span.end),
            a: target.0,
            b: 0,
            shape: Shape::Alias,
            style: ScalarStyle::Plain,
            flags: 0,
        };
        self.push(node, None)
    }

    /// A sequence (`map` false) or mapping whose children, in order (keys and values in turn
    /// for a mapping), are `pending[from..]`: they move into the children arena.
    pub(super) fn push_collection(
        &mut self,
        map: bool,
        pending: &mut Vec<NodeId>,
        from: usize,
        span: Range<usize>,
        anchor_at: Option<usize>,
    ) -> NodeId {
        let first = self.children.len();
        // One copy of the slice (a drain would move the ids one at a time).
        let from = from.min(pending.len());
        self.children
            .extend_from_slice(pending.get(from..).unwrap_or(&[]));
        pending.truncate(from);
        let count = self.children.len() - first;
        let node = Node {
            start: u32_of(span.start),
            end: u32_of(span.end),
            a: u32_of(first),
            b: u32_of(if map { count / 2 } else { count }),
            shape: if map { Shape::Map } else { Shape::Seq },
            style: ScalarStyle::Plain,
            flags: 0,
        };
        self.push(node, anchor_at)
    }

    pub(super) fn mark(&self) -> Mark {
        Mark {
            nodes: self.nodes.len(),
            children: self.children.len(),
            strings: self.strings.len(),
            anchors: self.anchors.len(),
        }
    }

    /// Drops every node, child, string and anchor added since `mark` (an item handed to a
    /// hook: nothing before the mark points into it).
    pub(super) fn truncate(&mut self, mark: Mark) {
        self.nodes.truncate(mark.nodes);
        self.children.truncate(mark.children);
        self.strings.truncate(mark.strings);
        self.anchors.truncate(mark.anchors);
    }

    /// Whether `id` is a scalar reading `text` (a key, when a reader asks).
    pub(super) fn is_scalar(&self, id: NodeId, text: &str) -> bool {
        matches!(self.kind(id), Some(NodeKind::Scalar { value, .. }) if value == text)
    }

    /// Spare capacity of the growing arenas is dropped once the document is complete.
    pub(super) fn finish(&mut self, root: NodeId, range: Range<usize>) {
        self.root = Some(root);
        self.range = range;
        self.nodes.shrink_to_fit();
        self.children.shrink_to_fit();
        self.strings.shrink_to_fit();
        self.anchors.shrink_to_fit();
    }
}

/// A position in a document, with aliases resolved transparently.
#[derive(Clone, Copy, Debug)]
pub struct Cursor<'d> {
    pub doc: &'d Document<'d>,
    pub id: NodeId,
    /// The outermost alias this value was reached through.
    pub via_alias: Option<NodeId>,
}

impl<'d> Cursor<'d> {
    pub fn new(doc: &'d Document<'d>, id: NodeId) -> Cursor<'d> {
        Cursor {
            doc,
            id,
            via_alias: None,
        }
        .resolve()
    }

    fn resolve(mut self) -> Cursor<'d> {
        if let Some(NodeKind::Alias { target }) = self.doc.kind(self.id) {
            self.via_alias = self.via_alias.or(Some(self.id));
            self.id = target;
        }
        self
    }

    fn child(&self, id: NodeId) -> Cursor<'d> {
        Cursor {
            doc: self.doc,
            id,
            via_alias: self.via_alias,
        }
        .resolve()
    }

    pub fn node(&self) -> Option<&'d Node> {
        self.doc.node(self.id)
    }

    fn kind(&self) -> Option<NodeKind<'d>> {
        self.doc.kind(self.id)
    }

    /// Where the value itself is written (inside the anchor's definition for an alias).
    pub fn value_range(&self) -> Range<usize> {
        self.node().map_or(0..0, Node::range)
    }

    /// Where a finding about this value should point: the alias when it was reached through
    /// one, else the value.
    pub fn report_range(&self) -> Range<usize> {
        match self.via_alias.and_then(|a| self.doc.node(a)) {
            Some(alias) => alias.range(),
            None => self.value_range(),
        }
    }

    /// Byte offset of the anchor (`&name`) whose alias led here, if any.
    pub fn anchor_offset(&self) -> Option<usize> {
        // The anchored node is the alias target or one of its ancestors; the target is the
        // common case (`image: *img`), which is what we can find cheaply.
        match self.doc.kind(self.via_alias?) {
            Some(NodeKind::Alias { target }) => self.doc.anchor_at(target),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&'d str> {
        match self.kind()? {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn scalar(&self) -> Option<(&'d str, ScalarStyle, bool)> {
        match self.kind()? {
            NodeKind::Scalar {
                value,
                style,
                str_tag,
            } => Some((value, style, str_tag)),
            _ => None,
        }
    }

    /// YAML null: `~`, `null`, an empty plain scalar.
    pub fn is_null(&self) -> bool {
        matches!(self.scalar(), Some((v, ScalarStyle::Plain, false)) if is_null_text(v))
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind(), Some(NodeKind::Map(_)))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.kind(), Some(NodeKind::Seq(_)))
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(&self) -> impl Iterator<Item = Cursor<'d>> + 'd {
        let this = *self;
        let ids: &'d [NodeId] = match self.kind() {
            Some(NodeKind::Seq(items)) => items,
            _ => &[],
        };
        ids.iter().map(move |id| this.child(*id))
    }

    /// Entries of a mapping as written (merge keys not expanded).
    pub fn entries(&self) -> impl Iterator<Item = (Cursor<'d>, Cursor<'d>)> + 'd {
        let this = *self;
        let pairs: &'d [NodeId] = match self.kind() {
            Some(NodeKind::Map(pairs)) => pairs,
            _ => &[],
        };
        pairs.chunks_exact(2).filter_map(move |pair| match pair {
            [k, v] => Some((this.child(*k), this.child(*v))),
            _ => None,
        })
    }

    /// Looks up a key as Kubernetes' decoder (go-yaml v2) reads a mapping: in document order,
    /// each entry overwriting what came before, a `<<` merge key merging its mapping (or, for a
    /// sequence of mappings, the first that has the key) at its place. So the last occurrence
    /// of a duplicate key wins, and a merge written after an explicit key overrides it.
    pub fn get(&self, key: &str) -> Option<Cursor<'d>> {
        self.get_with_key(key).map(|(_, v)| v)
    }

    /// Like [`Cursor::get`], also returning the key node.
    pub fn get_with_key(&self, key: &str) -> Option<(Cursor<'d>, Cursor<'d>)> {
        self.lookup(key, 0)
    }

    fn lookup(&self, key: &str, depth: u32) -> Option<(Cursor<'d>, Cursor<'d>)> {
        let mut found = None;
        for (k, v) in self.entries() {
            // Each key read once (reading it again for `is_merge_key` was a fifth of a 25 MB
            // dump's run, issue 24); a key that is no scalar is neither `key` nor a merge key.
            let Some((name, style, str_tag)) = k.scalar() else {
                continue;
            };
            if name == "<<" && matches!(style, ScalarStyle::Plain) && !str_tag {
                if depth < MAX_MERGE_DEPTH
                    && let Some(merged) = v.merged_lookup(key, depth)
                {
                    found = Some(merged);
                }
            } else if name == key {
                found = Some((k, v));
            }
        }
        found
    }

    /// The value of `key` in a merge key's value: a mapping, or the first mapping of a sequence
    /// that has it (go-yaml v2 `decoder.merge`: earlier mappings take precedence).
    fn merged_lookup(&self, key: &str, depth: u32) -> Option<(Cursor<'d>, Cursor<'d>)> {
        if self.is_map() {
            return self.lookup(key, depth + 1);
        }
        self.items().find_map(|item| item.lookup(key, depth + 1))
    }

    /// A `<<` merge key: plain, untagged (a quoted `"<<"` is an ordinary key).
    pub fn is_merge_key(&self) -> bool {
        matches!(self.scalar(), Some(("<<", ScalarStyle::Plain, false)))
    }

    /// Follows a path of keys.
    pub fn path(&self, keys: &[&str]) -> Option<Cursor<'d>> {
        keys.iter().try_fold(*self, |c, k| c.get(k))
    }

    /// A string value, or None for anything else (numbers count as their text).
    pub fn str_at(&self, key: &str) -> Option<&'d str> {
        self.get(key).and_then(|c| c.as_str())
    }
}

pub fn is_null_text(v: &str) -> bool {
    matches!(v, "" | "~" | "null" | "Null" | "NULL")
}
