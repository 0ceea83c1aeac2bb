//! An arena tree of one YAML/JSON document, with byte spans into the file.
//!
//! Aliases stay aliases (a DAG, never expanded), so an alias bomb costs one node per alias.
//! [`Cursor`] resolves them on the way and remembers the alias it went through, so a finding on
//! a value reached through `*ref` can point at the alias and mention the anchor.

use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug)]
pub enum NodeKind {
    Scalar {
        /// saphyr's own `String`, kept as is (boxing it would reallocate every scalar).
        value: String,
        style: ScalarStyle,
        /// Explicitly tagged `!!str`: a string whatever it looks like.
        str_tag: bool,
    },
    Seq(Vec<NodeId>),
    Map(Vec<(NodeId, NodeId)>),
    Alias {
        target: NodeId,
    },
}

#[derive(Debug)]
pub struct Node {
    pub kind: NodeKind,
    /// Byte range in the file.
    pub start: u32,
    pub end: u32,
    /// Byte offset of `&name` when this node carries an anchor.
    pub anchor_at: Option<u32>,
}

impl Node {
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

#[derive(Debug, Default)]
pub struct Document {
    pub nodes: Vec<Node>,
    pub root: Option<NodeId>,
    /// Byte range of the document in its file.
    pub range: Range<usize>,
    /// Keys written twice in one mapping, in document order.
    pub duplicate_keys: Vec<DuplicateKey>,
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

impl Document {
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0 as usize)
    }

    pub fn root(&self) -> Option<Cursor<'_>> {
        self.root.map(|id| Cursor::new(self, id))
    }
}

/// A position in a document, with aliases resolved transparently.
#[derive(Clone, Copy, Debug)]
pub struct Cursor<'d> {
    pub doc: &'d Document,
    pub id: NodeId,
    /// The outermost alias this value was reached through.
    pub via_alias: Option<NodeId>,
}

impl<'d> Cursor<'d> {
    pub fn new(doc: &'d Document, id: NodeId) -> Cursor<'d> {
        Cursor {
            doc,
            id,
            via_alias: None,
        }
        .resolve()
    }

    fn resolve(mut self) -> Cursor<'d> {
        if let Some(Node {
            kind: NodeKind::Alias { target },
            ..
        }) = self.doc.node(self.id)
        {
            self.via_alias = self.via_alias.or(Some(self.id));
            self.id = *target;
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
        self.via_alias?;
        // The anchored node is the alias target or one of its ancestors; the target is the
        // common case (`image: *img`), which is what we can find cheaply.
        let target = match self.via_alias.and_then(|a| self.doc.node(a)) {
            Some(Node {
                kind: NodeKind::Alias { target },
                ..
            }) => self.doc.node(*target)?,
            _ => return None,
        };
        target.anchor_at.map(|a| a as usize)
    }

    pub fn as_str(&self) -> Option<&'d str> {
        match &self.node()?.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn scalar(&self) -> Option<(&'d str, ScalarStyle, bool)> {
        match &self.node()?.kind {
            NodeKind::Scalar {
                value,
                style,
                str_tag,
            } => Some((value, *style, *str_tag)),
            _ => None,
        }
    }

    /// YAML null: `~`, `null`, an empty plain scalar.
    pub fn is_null(&self) -> bool {
        matches!(self.scalar(), Some((v, ScalarStyle::Plain, false)) if is_null_text(v))
    }

    pub fn is_map(&self) -> bool {
        matches!(self.node().map(|n| &n.kind), Some(NodeKind::Map(_)))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.node().map(|n| &n.kind), Some(NodeKind::Seq(_)))
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(&self) -> impl Iterator<Item = Cursor<'d>> + 'd {
        let this = *self;
        let ids: &'d [NodeId] = match self.node().map(|n| &n.kind) {
            Some(NodeKind::Seq(items)) => items,
            _ => &[],
        };
        ids.iter().map(move |id| this.child(*id))
    }

    /// Entries of a mapping as written (merge keys not expanded).
    pub fn entries(&self) -> impl Iterator<Item = (Cursor<'d>, Cursor<'d>)> + 'd {
        let this = *self;
        let pairs: &'d [(NodeId, NodeId)] = match self.node().map(|n| &n.kind) {
            Some(NodeKind::Map(pairs)) => pairs,
            _ => &[],
        };
        pairs
            .iter()
            .map(move |(k, v)| (this.child(*k), this.child(*v)))
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
            match k.scalar() {
                Some((name, _, _)) if name == key && !k.is_merge_key() => found = Some((k, v)),
                _ if k.is_merge_key() && depth < MAX_MERGE_DEPTH => {
                    if let Some(merged) = v.merged_lookup(key, depth) {
                        found = Some(merged);
                    }
                }
                _ => {}
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
