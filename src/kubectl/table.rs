//! Rows of a `kubectl get pods` or `kubectl get events` table that a terminal or a chat window
//! wrapped (issue 11). Such a table is known by its header: every row starts at the header's
//! indent (tabwriter pads cells, never the first), has one cell per column, and only the last
//! free-text column (MESSAGE) holds spaces. So inside a table a more indented line, or any
//! line while the row still lacks cells, continues the row; a line at the header's indent
//! after a whole row starts the next one when it has the shape of a row's first cell.

use regex::Regex;
use std::sync::LazyLock;

fn re(src: &str) -> Regex {
    Regex::new(src).unwrap_or_else(|e| panic!("bad built-in regex {src:?}: {e}"))
}

/// The first piece of a table header: its first title, maybe a few more, nothing else.
static HEADER_START: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^\s*(?:NAMESPACE|NAME|LAST SEEN|LAST|LASTSEEN)(?:\s+[A-Z][A-Z()]*)*\s*$")
});

/// The rest of a wrapped header: titles only (a cut may leave half a title: `Y     STATUS`).
static TITLES: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*[A-Z][A-Z()]*(?:\s+[A-Z][A-Z()]*)*\s*$"));

/// Titles of two words, which tabwriter separates by one space only.
const TWO_WORD_TITLES: &[(&str, &str)] = &[
    ("LAST SEEN", "LAST_SEEN"),
    ("FIRST SEEN", "FIRST_SEEN"),
    ("NOMINATED NODE", "NOMINATED_NODE"),
    ("READINESS GATES", "READINESS_GATES"),
];

/// Every title of the tables read here, for re-joining a title a terminal cut in two.
const KNOWN_TITLES: &[&str] = &[
    "NAMESPACE",
    "NAME",
    "READY",
    "STATUS",
    "RESTARTS",
    "AGE",
    "IP",
    "NODE",
    "NOMINATED",
    "READINESS",
    "GATES",
    "LAST",
    "SEEN",
    "FIRST",
    "LASTSEEN",
    "FIRSTSEEN",
    "COUNT",
    "KIND",
    "SUBOBJECT",
    "TYPE",
    "REASON",
    "SOURCE",
    "OBJECT",
    "MESSAGE",
];

/// A cell that spans words: `3 (2m ago)` in RESTARTS, `42s (x6 over 13m)` in the LAST SEEN
/// of `kubectl events`, `kubelet, node-1` in the old SOURCE.
static CELL_SPACES: LazyLock<Regex> =
    LazyLock::new(|| re(r"\s+\(\S+ ago\)|\s+\(x\d+ over \S+\)|,\s+"));

/// An age cell (LAST SEEN, LASTSEEN): `2m`, `5m30s`, `<unknown>`, `<invalid>`.
static AGE: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:(?:\d+[smhdy])+|<unknown>|<invalid>)$"));

/// The keys that open a part of `kubectl describe pod`, which no table row starts with.
static DESCRIBE_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^\s*(?:Name|Namespace|Init Containers|Containers|Conditions|Volumes|Events):(?:\s|$)")
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pods,
    Events,
}

#[derive(Debug, Clone)]
pub(crate) struct Table {
    indent: usize,
    /// Still reading the header's pieces.
    in_header: bool,
    kind: Kind,
    /// Cells a whole row has at least: every column, or those up to the first word of MESSAGE.
    cells: usize,
    namespace_first: bool,
    /// Columns of an events table whose cells have a shape of their own (OBJECT `pod/x`,
    /// SUBOBJECT `spec.containers{x}`, SOURCE `kubelet, node`), by index: a row that shows one
    /// is known to have reached it even when a cell before it is empty (SUBOBJECT of an
    /// event about the whole pod).
    shaped: Vec<(usize, CellShape)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellShape {
    Object,
    Subobject,
    Source,
}

impl CellShape {
    fn of_title(title: &str) -> Option<CellShape> {
        match title {
            "OBJECT" => Some(CellShape::Object),
            "SUBOBJECT" => Some(CellShape::Subobject),
            "SOURCE" => Some(CellShape::Source),
            _ => None,
        }
    }

    /// `word` is one cell of a row with `CELL_SPACES` made commas (`kubelet,node-1`).
    fn fits(self, word: &str) -> bool {
        match self {
            CellShape::Object => word.split_once('/').is_some_and(|(kind, name)| {
                !kind.is_empty()
                    && kind.chars().all(|c| c.is_ascii_alphabetic())
                    && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            }),
            CellShape::Subobject => word.starts_with("spec."),
            // The comma of a repeat count (`20s,`) ends its word; a source's has its host after.
            CellShape::Source => word.trim_end_matches(',').contains(','),
        }
    }
}

fn indent(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

impl Table {
    /// A line that may begin a table header.
    pub(crate) fn start(line: &str) -> Option<Table> {
        HEADER_START.is_match(line).then(|| Table {
            indent: indent(line),
            in_header: true,
            kind: Kind::Pods,
            cells: 0,
            namespace_first: false,
            shaped: Vec::new(),
        })
    }

    /// How a header piece `next` (its leading whitespace, the wrapper's or padding, left out)
    /// joins the header read so far after a piece that filled the width: `Some(true)` when a
    /// terminal cut a title there (`REA` + `DY`: together a title, apart not both titles), `Some(false)`
    /// when both sides are whole titles that make none together, `None` when the titles do
    /// not tell (`LAST` + `SEEN` is `LAST SEEN` and the old `LASTSEEN`).
    pub(crate) fn glues_titles(header: &str, next: &str) -> Option<bool> {
        if header.ends_with(char::is_whitespace) {
            return None;
        }
        let left = header.split_whitespace().next_back()?;
        let right = next.split_whitespace().next()?;
        let title = |w: &str| KNOWN_TITLES.contains(&w);
        let together = title(&format!("{left}{right}"));
        match (title(left) && title(right), together) {
            (true, true) => None,
            (false, true) => Some(true),
            (true, false) => Some(false),
            (false, false) => None,
        }
    }

    pub(crate) fn in_header(&self) -> bool {
        self.in_header
    }

    /// Whether `line` is more of the header being read.
    pub(crate) fn continues_header(&self, line: &str) -> bool {
        indent(line) > self.indent || TITLES.is_match(line)
    }

    /// The header is whole: learn the columns, or give up when it is no table header.
    pub(crate) fn header_done(mut self, header: &str) -> Option<Table> {
        let kind = match super::detect::header(header)? {
            super::detect::Header::GetPods => Kind::Pods,
            super::detect::Header::GetEvents { .. } => Kind::Events,
            super::detect::Header::DescribeEvents => return None,
        };
        let mut titles = header.to_string();
        for (two, one) in TWO_WORD_TITLES {
            titles = titles.replace(two, one);
        }
        let titles: Vec<&str> = titles.split_whitespace().collect();
        self.cells = match titles.iter().position(|t| *t == "MESSAGE") {
            Some(m) => m + 1,
            None => titles.len(),
        };
        self.namespace_first = titles.first() == Some(&"NAMESPACE");
        self.shaped = titles
            .iter()
            .enumerate()
            .take(self.cells)
            .filter_map(|(i, t)| Some((i, CellShape::of_title(t)?)))
            .collect();
        self.kind = kind;
        self.in_header = false;
        Some(self)
    }

    /// Whether `next`, after blank lines inside this table, goes on with the header or `row`
    /// (the row read so far, if any) before them: a header's titles, a line more indented
    /// than any row starts, or any line but a row start after a row that still lacks cells
    /// (kubectl prints no row without them; a wrap at a space can move a cell down to the
    /// start of a line).
    pub(crate) fn padding_goes_on(&self, next: &str, row: Option<&str>) -> bool {
        if self.in_header {
            return TITLES.is_match(next) || indent(next) > self.indent;
        }
        let unfinished = self.kind == Kind::Events
            && row.is_some_and(|r| !self.has_all_cells(r))
            && indent(next) >= self.indent
            && !self.starts_row(next);
        (indent(next) > self.indent || unfinished)
            && super::detect::header(next).is_none()
            && super::detect::prompt(next).is_none()
    }

    /// Whether `line` is still part of this table (a blank line, a prompt, a less indented
    /// line or another header ends it).
    pub(crate) fn holds(&self, line: &str) -> bool {
        !line.trim().is_empty()
            && indent(line) >= self.indent
            && super::detect::header(line).is_none()
            && super::detect::prompt(line).is_none()
            // A describe block pasted right under the table (no blank line, no command).
            && !(indent(line) == self.indent && DESCRIBE_BLOCK.is_match(line))
    }

    /// Whether `row` has a word for every column up to the first of MESSAGE: counted, or
    /// counted from a cell whose shape names its column (an empty cell before it is
    /// no word).
    fn has_all_cells(&self, row: &str) -> bool {
        let cells = CELL_SPACES.replace_all(row, ",");
        let words: Vec<&str> = cells.split_whitespace().collect();
        words.len() >= self.cells
            || words.iter().enumerate().any(|(j, w)| {
                self.shaped
                    .iter()
                    .any(|&(c, shape)| shape.fits(w) && words.len() - j >= self.cells - c)
            })
    }

    /// Whether a full-width break at the end of `row` (an events row before its message,
    /// not after the comma of the old SOURCE cell `kubelet, node`) can only be inside a cell.
    pub(crate) fn cut_inside_cell(&self, row: &str) -> bool {
        self.kind == Kind::Events && !row.ends_with(',') && !self.has_all_cells(row)
    }

    /// Whether rows of this table have one word per column (no free-text column).
    pub(crate) fn is_exact_kind(&self) -> bool {
        self.kind == Kind::Pods
    }

    /// A `get pods` row with exactly one word per column: of the ways to join a wrapped row
    /// (a space, or nothing where a terminal cut a cell), the right one gives this.
    pub(crate) fn is_exact(&self, row: &str) -> bool {
        self.kind == Kind::Pods
            && CELL_SPACES.replace_all(row, ",").split_whitespace().count() == self.cells
    }

    /// Whether `line` continues `row` (the row read so far; `spaced`: its pieces all joined
    /// with a space, the most cells they can be). `full_width`: the row's last piece filled
    /// the wrap width, so a terminal may have cut a cell there.
    pub(crate) fn continues_row(
        &self,
        row: &str,
        spaced: &str,
        line: &str,
        full_width: bool,
    ) -> bool {
        let cells = if self.kind == Kind::Pods { spaced } else { row };
        if indent(line) > self.indent || !self.has_all_cells(cells) {
            return true;
        }
        match self.kind {
            Kind::Events => !self.starts_row(line),
            Kind::Pods => full_width && !super::get_pods::is_row(line),
        }
    }

    /// An events row begins with its LAST SEEN age (after the NAMESPACE with `-A`).
    fn starts_row(&self, line: &str) -> bool {
        age_first(line, self.namespace_first)
    }

    /// Whether `line` starts a row of the events table whose header's first piece (maybe a
    /// wrap cut it short) is `header`: at the header's indent, with its LAST SEEN age first.
    /// Before the rows are read (the wrapper's indent is measured first), this tells a row
    /// whose Type a wrap left at its end from a continuation.
    pub(crate) fn starts_events_row(header: &str, line: &str) -> bool {
        Table::is_events_header_start(header)
            && indent(line) == indent(header)
            && age_first(line, header.trim_start().starts_with("NAMESPACE"))
    }

    /// Whether `header`, the first piece of a table header, is an events table's: LAST SEEN
    /// (or the old LASTSEEN) first, after the NAMESPACE.
    pub(crate) fn is_events_header_start(header: &str) -> bool {
        let mut titles = header.split_whitespace();
        if header.trim_start().starts_with("NAMESPACE") {
            titles.next();
        }
        titles.next().is_some_and(|t| t.starts_with("LAST"))
    }
}

/// The first word of `line` (the second with a NAMESPACE column first) is an age.
fn age_first(line: &str, namespace_first: bool) -> bool {
    let mut words = line.split_whitespace();
    if namespace_first {
        words.next();
    }
    words.next().is_some_and(|w| AGE.is_match(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_of_each_layout() {
        let t = |h: &str| {
            Table::start(h)
                .and_then(|t| t.header_done(h))
                .map(|t| t.cells)
        };
        assert_eq!(t("NAME   READY   STATUS   RESTARTS   AGE"), Some(5));
        assert_eq!(
            t(
                "NAMESPACE   NAME   READY   STATUS   RESTARTS   AGE   IP   NODE   NOMINATED NODE   READINESS GATES"
            ),
            Some(10)
        );
        assert_eq!(
            t("LAST SEEN   TYPE      REASON    OBJECT    MESSAGE"),
            Some(5)
        );
        assert_eq!(
            t(
                "LASTSEEN   FIRSTSEEN   COUNT     NAME     KIND      SUBOBJECT    TYPE      REASON    SOURCE    MESSAGE"
            ),
            Some(10)
        );
        assert_eq!(t("NAME   SECRETS   AGE"), None);
    }

    #[test]
    fn a_title_cut_by_a_terminal_is_glued() {
        let g = Table::glues_titles;
        assert_eq!(
            g("NAMESPACE   NAME                     REA", "DY   STATUS"),
            Some(true)
        );
        assert_eq!(g("LAST SEEN   TYPE      REAS", "ON    OBJECT"), Some(true));
        assert_eq!(g("NAME   READY", "STATUS   RESTARTS"), Some(false));
        assert_eq!(g("LAST", "SEEN   FIRSTSEEN"), None);
        // Padding before the cut: it fell between titles.
        assert_eq!(g("NAME   REA ", "DY"), None);
    }

    #[test]
    fn a_repeated_events_age_is_one_cell() {
        let h = "LAST SEEN           TYPE      REASON      OBJECT                        MESSAGE";
        let t = Table::start(h).and_then(|t| t.header_done(h)).unwrap();
        // `Pod/legacy-too` + `l-6d5f8b9c4-zt8rw`: the terminal cut the OBJECT cell.
        assert!(t.cut_inside_cell("42s (x6 over 13m)   Normal    Pulling     Pod/legacy-too"));
        assert!(!t.cut_inside_cell(
            "42s (x6 over 13m)   Normal    Pulling     Pod/legacy-tool   Pulling"
        ));
    }

    #[test]
    fn a_shaped_cell_counts_the_empty_ones_before_it() {
        let h = "LAST SEEN   TYPE      REASON   OBJECT   SUBOBJECT   SOURCE   MESSAGE   FIRST SEEN   COUNT   NAME";
        let t = Table::start(h).and_then(|t| t.header_done(h)).unwrap();
        // No SUBOBJECT (an event about the whole pod): the SOURCE cell says MESSAGE began.
        assert!(!t.cut_inside_cell("9s   Warning   FailedToRetrieveImagePullSecret   pod/api-1   kubelet, worker-3   Unable"));
        assert!(t.cut_inside_cell(
            "9s   Warning   FailedToRetrieveImagePullSecret   pod/api-1   kubelet, wor"
        ));
        assert!(t.cut_inside_cell("42s (x9 over 22m)   Normal   Pulling   pod/api-1"));
        assert!(!t.cut_inside_cell(
            "42s (x9 over 22m)   Normal   Pulling   pod/api-1   spec.containers{api}   kubelet, worker-3   Pulling"
        ));
    }

    #[test]
    fn rows_wrapped_and_rows_whole() {
        let h = "LAST SEEN   TYPE      REASON   OBJECT      MESSAGE";
        let t = Table::start(h).and_then(|t| t.header_done(h)).unwrap();
        let c = |row: &str, line: &str, full: bool| t.continues_row(row, row, line, full);
        assert!(c(
            "2m   Warning   Failed",
            "pod/web-1   Failed to pull",
            false
        ));
        assert!(c(
            "2m   Warning   Failed   pod/web   Failed to",
            "pull image \"x\"",
            false
        ));
        assert!(!c(
            "2m   Warning   Failed   pod/web   Failed to",
            "3m   Normal   Pulling",
            false
        ));
        let h = "NAME    READY   STATUS    RESTARTS   AGE";
        let t = Table::start(h).and_then(|t| t.header_done(h)).unwrap();
        let c = |row: &str, line: &str, full: bool| t.continues_row(row, row, line, full);
        assert!(c("web-1   0/1", "ErrImagePull   0   1m", false));
        assert!(!c(
            "web-1   0/1   ErrImagePull   0   1m",
            "web-2   0/1",
            false
        ));
        assert!(c("web-1   0/1   ErrImagePull   0   1", "m", true));
        assert!(t.is_exact("web-1   0/1   ErrImagePull   3 (2m ago)   1m"));
    }
}
