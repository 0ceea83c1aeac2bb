//! One pass over the lines: recognise each, join terminal hard-wraps back onto the message or
//! image they cut, and collect observations for `merge`.

use super::describe::Describe;
use super::detect::{self, Header};
use super::mapped_text::{Line, MappedText};
use super::observation::{Found, Observation, ObservationKind, RowContext};
use super::table::Table;
use super::{events, get_pods, kubelet_log};
use regex::Regex;
use std::sync::LazyLock;

/// A value that may continue on the next lines because the terminal wrapped it.
enum Pending {
    Message {
        text: MappedText,
        at: usize,
        ctx: RowContext,
        lines: usize,
    },
    Image {
        text: MappedText,
        lines: usize,
    },
}

/// A line that starts with a registry error code (distribution's errcode `Error()` text).
static ERRCODE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:errors|denied|unauthorized|forbidden|toomanyrequests|manifest unknown|name unknown|name invalid|blob unknown|unsupported|unknown)(?::|$)")
        .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

/// More than this many wrapped lines is not a wrap but unrelated text.
const MAX_CONTINUATION: usize = 12;

struct Scanner {
    found: Found,
    segment: usize,
    describe: Describe,
    /// Pod named by the last `kubectl describe pod X` / `kubectl logs X` command line.
    command_pod: Option<String>,
    command_namespace: Option<String>,
    namespace_column: bool,
    pending: Option<Pending>,
    /// The last event row that named an image: (segment, pod, container, image, reason).
    last_image: Option<LastImage>,
}

/// An event row that named an image, for the image-less `Error: <reason>` row after it.
struct LastImage {
    segment: usize,
    pod: Option<String>,
    container: Option<String>,
    image: String,
    reason: Option<String>,
}

/// More wrapped pieces than this are not one line.
const MAX_PIECES: usize = 40;

/// Joins the pieces of lines that a terminal or a chat window wrapped back into one logical
/// line each, so that every reader sees whole rows and messages whatever the width (issue 11).
///
/// A piece continues the line before it when it is not something of its own (a row, a key, a
/// header, a message at its start) and its first word would not have fitted on the line before
/// it within the widest line of the paste, which is the wrap width of a wrapped paste. Where the pieces
/// meet: nothing inside a quoted image or after a piece that fills the whole width and runs
/// on into the next (a terminal cut a word); a space otherwise (the wrap was at a space). A
/// space before an indented continuation of a full-width piece is doubtful (the indent may be
/// the terminal's, the cut inside a word) and is recorded so that classification tries both.
pub(crate) fn unwrap(lines: &[Line]) -> Vec<Line> {
    let width = lines.iter().map(|l| l.width).max().unwrap_or(0);
    let lens: Vec<usize> = lines.iter().map(|l| l.width).collect();
    // A wrap moved the next word down because it did not fit: the line before it plus that
    // word is wider than the paste. A line the word would have fitted on ended there.
    let continues = |i: usize, last_len: usize, pieces: usize| {
        let Some(line) = lines.get(i) else {
            return false;
        };
        // Measured as written (an HTML entity, markdown), as the wrapper measured it.
        let s = line.str();
        let start = s.len() - s.trim_start().len();
        let end = s
            .get(start..)
            .and_then(|w| w.find(char::is_whitespace))
            .map_or(s.len(), |e| start + e);
        let word = s.get(start..end).map_or(0, |w| {
            let written = line.text.span(start..end).len();
            w.chars().count().max(written)
        });
        pieces < MAX_PIECES
            && last_len > 0
            && last_len + 1 + word > width
            && !line.is_blank()
            && !is_line_start(lines, i)
    };
    let indent = continuation_indent(lines, &lens, width, &continues);
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    let mut pieces = 0;
    let mut last_len = 0;
    // A quote left open by the line before, when this one is the rest of it (a wrap the
    // scanner joins later, narrower than the paste's widest line).
    let mut carried_quote = false;
    let odd = |t: &str| t.matches('"').count() % 2 == 1;
    // An event row whose Message cell the wrap moved down: the row has its Type and Reason
    // but no message yet, and the next line starts with one (`Failed to pull image "…`).
    // kubectl never prints a row without its message, so no width test is needed (the cells
    // were padded: how much did not fit is unknown).
    let message_moved_down = |i: usize, prev: Option<&Line>| {
        lines
            .get(i)
            .is_some_and(|line| events::marker(line.str().trim_start()) == Some(0))
            && prev
                .is_some_and(|p| detect::is_event_row(p.str()) && events::marker(p.str()).is_none())
    };
    // For each line, the next line that is not blank (past the end when none): found in one
    // pass from the end, so that runs of blank lines stay linear.
    let mut next_filled = vec![lines.len(); lines.len()];
    let mut after = lines.len();
    for k in (0..lines.len()).rev() {
        if let Some(slot) = next_filled.get_mut(k) {
            *slot = after;
        }
        if lines.get(k).is_some_and(|l| !l.is_blank()) {
            after = k;
        }
    }
    // The table whose header or rows are being read, if any.
    let mut table: Option<Table> = None;
    let mut first_row = false;
    // The row being read: its pieces, whether each join glued, and all pieces spaced apart.
    let mut row_pieces: Vec<MappedText> = Vec::new();
    let mut row_glue: Vec<bool> = Vec::new();
    let mut row_spaced = MappedText::default();
    for (i, line) in lines.iter().enumerate() {
        let s = line.str();
        let len = lens.get(i).copied().unwrap_or(0);
        // A piece of nothing but padding (a wide table cut at a narrow width, or the padding a
        // chat window moved down with a cell) wraps to a blank line: inside a table (its
        // header too) it ends nothing when the next line goes on with the header or row.
        if line.is_blank()
            && !line.fence
            && let Some(t) = &table
            && let Some(next) = next_filled.get(i).and_then(|&k| lines.get(k))
            && t.padding_goes_on(
                next.str(),
                out.last().filter(|_| !first_row).map(|row| row.str()),
            )
        {
            // The padding was a piece of its own: the next one starts a new cell.
            last_len = 0;
            continue;
        }
        if let Some(t) = table.take() {
            if t.in_header() {
                if !line.is_blank()
                    && pieces < MAX_PIECES
                    && t.continues_header(s)
                    && let Some(prev) = out.last_mut()
                {
                    // The titles tell a cut title (`REA⏎  DY`) from a wrap between two,
                    // whatever the continuation's indent.
                    let full = last_len == width;
                    match full.then(|| Table::glues_titles(prev.str(), s.trim_start())) {
                        Some(Some(glue)) => join(&mut prev.text, &line.text, false, indent, glue),
                        _ => join(&mut prev.text, &line.text, full, indent, false),
                    }
                    pieces += 1;
                    last_len = len;
                    table = Some(t);
                    continue;
                }
                table = out.last().and_then(|h| t.header_done(h.str()));
                first_row = true;
            } else {
                table = Some(t);
            }
        }
        if let Some(t) = &table {
            if t.holds(s) {
                let row_goes_on = !first_row
                    && pieces < MAX_PIECES
                    && out.last().is_some_and(|row| {
                        t.continues_row(row.str(), &row_spaced.text, s, last_len == width)
                    });
                first_row = false;
                match out.last_mut() {
                    Some(row) if row_goes_on => {
                        let open = glues_in_quote(&row.text.text, s, false);
                        let mut glued = row.text.clone();
                        join(&mut glued, &line.text, false, indent, true);
                        // Before its message an events row has one word per cell: a piece
                        // that filled the width and runs on unindented was cut inside a cell.
                        let lead = s.len() - s.trim_start().len();
                        if last_len == width
                            && t.cut_inside_cell(&row.text.text)
                            && lead <= indent.unwrap_or(0)
                        {
                            row.text = glued.clone();
                        } else {
                            join(&mut row.text, &line.text, last_len == width, indent, open);
                        }
                        row_glue.push(row.text.text == glued.text);
                        join(&mut row_spaced, &line.text, false, indent, false);
                        row_pieces.push(line.text.clone());
                        pieces += 1;
                    }
                    _ => {
                        settle_row(t, out.last_mut(), &row_pieces, &row_glue, indent);
                        out.push(line.clone());
                        row_pieces = vec![line.text.clone()];
                        row_glue.clear();
                        row_spaced = line.text.clone();
                        pieces = 0;
                    }
                }
                carried_quote = false;
                last_len = len;
                continue;
            }
            settle_row(t, out.last_mut(), &row_pieces, &row_glue, indent);
            row_pieces.clear();
            table = None;
        }
        if let Some(t) = Table::start(s) {
            out.push(line.clone());
            pieces = 0;
            carried_quote = false;
            last_len = len;
            table = Some(t);
            continue;
        }
        // A klog line left inside a quoted value goes on, whatever the next piece looks like.
        // So does journald's prefix alone, with the entry it begins.
        let klog_open = |prev: Option<&Line>| {
            !line.is_blank()
                && prev.is_some_and(|p| {
                    (kubelet_log::ends_open(p.str()) && !kubelet_log::starts_entry(s))
                        || (kubelet_log::bare_prefix(p.str()) && !kubelet_log::bare_prefix(s))
                })
        };
        let joins = (continues(i, last_len, pieces)
            || (pieces < MAX_PIECES
                && (message_moved_down(i, out.last()) || klog_open(out.last()))))
            && out.last().is_some_and(|p| !p.is_blank());
        match out.last_mut() {
            Some(prev) if joins => {
                let open = glues_in_quote(&prev.text.text, s, carried_quote);
                join(&mut prev.text, &line.text, last_len == width, indent, open);
                pieces += 1;
            }
            prev => {
                let orphan = !line.is_blank() && !is_line_start(lines, i);
                carried_quote = orphan
                    && prev.is_some_and(|p| !p.is_blank() && odd(&p.text.text) != carried_quote);
                out.push(line.clone());
                pieces = 0;
            }
        }
        last_len = lens.get(i).copied().unwrap_or(0);
    }
    if let Some(t) = &table {
        settle_row(t, out.last_mut(), &row_pieces, &row_glue, indent);
    }
    out
}

/// Whether the piece `next` continues `text` inside a quoted name, where a wrap added nothing:
/// not when the two sides are known words (a quoted message, `\"rpc⏎error:`).
fn glues_in_quote(text: &str, next: &str, carried: bool) -> bool {
    in_quoted_word(text, carried) && !two_known_words(text, next.trim_start())
}

/// Whether `text` ends inside a quoted name (an image, a container: `Failed to pull image
/// "ghcr.io/ac`) or a field path, where a wrap added nothing; `carried`: a quote was left
/// open before `text` began.
fn in_quoted_word(text: &str, carried: bool) -> bool {
    in_field_path(text) || in_quoted(text, carried)
}

/// Whether `text` ends inside an event's field path (`spec.containers{legacy-to`): a
/// container's name holds no space, so a wrap there added nothing.
fn in_field_path(text: &str) -> bool {
    let Some(open) = text.rfind('{') else {
        return false;
    };
    let (before, name) = text.split_at(open);
    let path = before.rsplit(char::is_whitespace).next().unwrap_or(before);
    path.starts_with("spec.")
        && name
            .chars()
            .skip(1)
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// The value of a JSON key around a copied message (`"message": "Back-off`, `"text": "Failed
/// to pull`) is words, and a wrap there was at a space as anywhere else.
fn in_quoted(text: &str, carried: bool) -> bool {
    let (before, tail) = text.rsplit_once('"').unwrap_or(("", text));
    // An escaped last quote (`\"api\" with`, a kubelet log's value quoting a message that
    // quotes a name) opens or closes among the quotes escaped as deeply as it is.
    let level = escapes_before(before.len(), text);
    let open = if level > 0 {
        let same = text
            .as_bytes()
            .iter()
            .enumerate()
            .filter(|&(q, b)| *b == b'"' && escapes_before(q, text) == level)
            .count();
        same % 2 == 1
    } else {
        (text.matches('"').count() % 2 == 1) != carried
    };
    let json_value = before.trim_end().strip_suffix(':').is_some_and(|k| {
        let k = k.trim_end();
        k.ends_with('"') && !tail.trim().is_empty()
    });
    open && !json_value
        && !kubelet_log::message_opens(text, before)
        && !tail.trim().contains(char::is_whitespace)
}

/// How many backslashes stand right before byte `q` of `text`.
fn escapes_before(q: usize, text: &str) -> usize {
    text.as_bytes()
        .get(..q)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|b| **b == b'\\')
        .count()
}

/// More pieces than this in one row: the joins are left as read.
const MAX_ROW_PIECES: usize = 6;

/// A whole `get pods` row whose joins did not give one word per column: the joins differing
/// least from those read (a space, or nothing where a terminal cut a cell) that do.
fn settle_row(
    t: &Table,
    row: Option<&mut Line>,
    pieces: &[MappedText],
    glue: &[bool],
    indent: Option<usize>,
) {
    let Some(row) = row else { return };
    if pieces.len() < 2 || pieces.len() > MAX_ROW_PIECES || !t.is_exact_kind() {
        return;
    }
    if t.is_exact(&row.text.text) {
        return;
    }
    let joins = pieces.len() - 1;
    // The wrapper puts the same indent before every continuation, so a piece led by more
    // whitespace than the least-indented one began with padding: no cell was cut there.
    let lead = |p: &MappedText| p.text.len() - p.text.trim_start().len();
    let least = pieces.iter().skip(1).map(lead).min().unwrap_or(0);
    let mut best: Option<(usize, MappedText)> = None;
    for mask in 0u32..(1 << joins) {
        let mut text = pieces.first().cloned().unwrap_or_default();
        let mut differs = 0;
        let mut padded_glue = false;
        for (k, piece) in pieces.iter().enumerate().skip(1) {
            let g = mask & (1 << (k - 1)) != 0;
            padded_glue |= g && lead(piece) > least;
            differs += usize::from(glue.get(k - 1).copied().unwrap_or(false) != g);
            join(&mut text, piece, false, indent, g);
        }
        if !padded_glue && t.is_exact(&text.text) && best.as_ref().is_none_or(|(d, _)| differs < *d)
        {
            best = Some((differs, text));
        }
    }
    if let Some((_, text)) = best {
        row.text = text;
    }
}

/// The indent a wrapping terminal or editor put before every continuation, if the paste shows
/// one: the least leading whitespace of the continuations of full-width pieces (a cut inside a
/// word leaves none of its own, so only the wrapper's indent remains).
fn continuation_indent(
    lines: &[Line],
    lens: &[usize],
    width: usize,
    continues: &dyn Fn(usize, usize, usize) -> bool,
) -> Option<usize> {
    // The first piece of the last table header above each line.
    let mut header: Vec<Option<&str>> = Vec::with_capacity(lines.len());
    let mut last = None;
    for line in lines {
        if Table::start(line.str()).is_some() {
            last = Some(line.str());
        }
        header.push(last);
    }
    (1..lines.len())
        .filter(|&i| {
            let prev = lens.get(i - 1).copied().unwrap_or(0);
            let s = lines.get(i).map_or("", |l| l.str());
            // A registry error list (CRI-O's `errors:⏎denied: …`) starts real lines, and so
            // does an events row cut right after its Type (`dev   20s (x5 over 11m)   Warning`).
            let errcode = ERRCODE_LINE.is_match(s);
            let events_header = header
                .get(i)
                .copied()
                .flatten()
                .filter(|h| Table::is_events_header_start(h));
            let row = events_header.is_some_and(|h| Table::starts_events_row(h, s));
            // Inside an events table every line but a row start is the rest of a row, full
            // width or not (a chat window wraps at spaces), so its lead bounds the indent too:
            // padding moved down with a cell (`  spec.containers{web}`) is no indent when
            // other continuations have none.
            (prev == width || events_header.is_some()) && !errcode && !row && continues(i, prev, 0)
        })
        .map(|i| {
            let s = lines.get(i).map_or("", |l| l.str());
            s.len() - s.trim_start().len()
        })
        .min()
}

fn join(
    prev: &mut MappedText,
    next: &MappedText,
    full_width: bool,
    indent: Option<usize>,
    open_quote: bool,
) {
    let s = next.text.as_str();
    let lead = s.len() - s.trim_start().len();
    let body_end = s.trim_end().len().max(lead);
    let trimmed_len = prev.text.trim_end().len();
    let ends_in_space = trimmed_len < prev.text.len();
    // Whitespace beyond the paste's continuation indent was in the text.
    let real_space = match indent {
        Some(k) => lead > k,
        None => lead > 0,
    };
    if open_quote {
        // Inside a quoted image the wrap added nothing.
        prev.truncate(trimmed_len);
    } else if full_width
        && !real_space
        && !ends_in_space
        && !space_between(&prev.text, s.get(lead..).unwrap_or(""))
    {
        // A word cut by the terminal; or two words that also make one (`not⏎found`), which
        // classification reads both ways.
        if joins_known_words(&prev.text, s.get(lead..).unwrap_or("")) {
            prev.doubtful_glues.push(prev.text.len());
        }
    } else if !ends_in_space {
        let at = prev.text.len();
        prev.push(" ", prev.orig(at.saturating_sub(1)));
        if full_width && indent.is_none() {
            prev.doubtful_spaces.push(at);
        }
    }
    prev.append(&next.slice(lead..body_end));
}

/// Words of the messages we read (`words.txt`), lowercase.
static WORDS: LazyLock<std::collections::HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("words.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
});

fn known(word: &str) -> bool {
    !word.is_empty() && WORDS.contains(word.to_ascii_lowercase().as_str())
}

/// The alphanumeric run that ends `before` and the one that starts `after`: the two halves of
/// a word a break may have cut.
fn words_at_break<'a>(before: &'a str, after: &'a str) -> (&'a str, &'a str) {
    let left_start = before
        .rfind(|c: char| !c.is_ascii_alphanumeric())
        .map_or(0, |i| i + 1);
    let right_end = after
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(after.len());
    (
        before.get(left_start..).unwrap_or(""),
        after.get(..right_end).unwrap_or(""),
    )
}

/// Two known words on either side of a break that together make a known word too.
fn joins_known_words(before: &str, after: &str) -> bool {
    let (left, right) = words_at_break(before, after);
    known(left) && known(right) && known(&format!("{left}{right}"))
}

/// Two known words on either side of a break that make no known word together.
fn two_known_words(before: &str, after: &str) -> bool {
    let (left, right) = words_at_break(before, after);
    known(left) && known(right) && !known(&format!("{left}{right}"))
}

/// At a break that fills the whole width (the wrap may have cut a word, or fallen exactly on
/// a space): whether `before` and `after` were two words. Two known words stay apart unless
/// they make a known word together; a cut inside an image, a name or a number glues.
fn space_between(before: &str, after: &str) -> bool {
    let (Some(a), Some(b)) = (before.chars().last(), after.chars().next()) else {
        return false;
    };
    // A quote that closes the one left open (`"Failed to pull image⏎" err=`): no space
    // before it.
    if b == '"' {
        let open = before
            .char_indices()
            .filter(|&(q, c)| c == '"' && escapes_before(q, before) == 0)
            .count();
        if open % 2 == 1 {
            return false;
        }
    }
    // The kubelet's fixed phrases are words apart: `Failed to create pod⏎sandbox:` is no
    // `podsandbox`, though both read as words.
    if events::marker_across(before, after) {
        return true;
    }
    if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() {
        let (left, right) = words_at_break(before, after);
        let together = format!("{left}{right}");
        return !known(&together) && (known(left) || known(right));
    }
    match (a, b) {
        // An escape goes with what it escapes (`\⏎"x\"`), a key with its quoted value
        // (klog's `pod="ns/name"`).
        ('\\', _) | ('=', '"') => false,
        (_, '"' | '(') => true,
        (_, '\\') => after.trim_start_matches('\\').starts_with('"'),
        ('"', b) => b.is_ascii_alphanumeric(),
        (',' | ';' | ')' | '=', _) => true,
        (':', b) => b.is_ascii_alphabetic(),
        _ => false,
    }
}

/// A line that begins something of its own, never the rest of a wrapped one: a blank line, a
/// prompt, a header, a describe key or container, an event or `get pods` row, a message at
/// its very start.
fn is_line_start(lines: &[Line], i: usize) -> bool {
    let Some(line) = lines.get(i) else {
        return true;
    };
    let s = line.str();
    line.is_blank()
        || detect::is_describe_key(s)
        || detect::is_event_row(s)
        || events::marker(s.trim_start()) == Some(0)
        // kubectl's own error line (`kubectl logs` of a container that never started).
        || s.starts_with("Error from server")
        // The first piece of a table header, even one a wrap cut short.
        || Table::start(s).is_some()
        || get_pods::is_row(s)
        || kubelet_log::starts_entry(s)
        || detect::header(s).is_some()
        || detect::prompt(s).is_some()
        || super::describe::is_container_name(lines, i)
}

pub(crate) fn scan(lines: &[Line]) -> Found {
    // Pieces of pod YAML/JSON keep their own line structure: read them before unwrapping.
    let fragments = super::fragment::read(lines);
    let mut lines = unwrap(lines);
    // An HTML entity for a quote that a wrap cut in two is whole again.
    for line in lines.iter_mut() {
        if let Some(t) = line.text.html_quotes() {
            line.text = t;
        }
    }
    let lines = &lines[..];
    let mut s = Scanner {
        found: Found::default(),
        segment: 0,
        describe: Describe::default(),
        command_pod: None,
        command_namespace: None,
        namespace_column: false,
        pending: None,
        last_image: None,
    };
    for i in 0..lines.len() {
        s.line(lines, i);
    }
    s.flush();
    s.found.observations.extend(fragments);
    s.found
}

impl Scanner {
    fn line(&mut self, lines: &[Line], i: usize) {
        let Some(line) = lines.get(i) else { return };
        if line.is_blank() {
            self.flush();
            return;
        }
        if self.continues(lines, i) {
            return;
        }
        self.flush();
        let s = line.str();
        if let Some(cmd) = detect::prompt(s) {
            self.new_segment();
            self.namespace_column = false;
            self.command_pod = cmd.pod;
            self.command_namespace = cmd.namespace;
            return;
        }
        match detect::header(s) {
            Some(Header::GetPods) => {
                self.new_segment();
                self.namespace_column = false;
                return;
            }
            Some(Header::GetEvents { namespace_column }) => {
                self.new_segment();
                self.namespace_column = namespace_column;
                return;
            }
            Some(Header::DescribeEvents) => {
                self.describe.events_started();
                return;
            }
            None => {}
        }
        if kubelet_log::is_line(s)
            && let Some(found) = kubelet_log::read(&line.text, self.segment)
        {
            self.found.observations.extend(found);
            return;
        }
        if get_pods::is_row(s) {
            if let Some(o) = get_pods::row(&line.text, self.segment, &self.command_namespace) {
                self.found.observations.push(o);
            }
            return;
        }
        if let Some(step) = self
            .describe
            .line(lines, i, &mut self.segment, &mut self.found)
        {
            if step.new_pod {
                self.command_pod = None;
                self.command_namespace = None;
                self.namespace_column = false;
            }
            if let Some(value) = step.image {
                self.pending = Some(Pending::Image {
                    text: value,
                    lines: 0,
                });
            }
            return;
        }
        if let Some(at) = events::marker(s) {
            let ctx = RowContext {
                segment: self.segment,
                pod: self.describe.pod().or_else(|| self.command_pod.clone()),
                namespace: self
                    .describe
                    .namespace()
                    .or_else(|| self.command_namespace.clone()),
                command_namespace: self.command_namespace.clone(),
                namespace_column: self.namespace_column,
            };
            self.pending = Some(Pending::Message {
                text: line.text.clone(),
                at,
                ctx,
                lines: 0,
            });
        }
    }

    /// Appends line `i` to the pending value when it is the rest of a wrapped one.
    fn continues(&mut self, lines: &[Line], i: usize) -> bool {
        let Some(line) = lines.get(i) else {
            return false;
        };
        let Some(pending) = self.pending.as_mut() else {
            return false;
        };
        if is_structural(lines, i) {
            return false;
        }
        let s = line.str();
        match pending {
            Pending::Message { text, lines, .. } => {
                if *lines >= MAX_CONTINUATION {
                    return false;
                }
                *lines += 1;
                // Inside a quoted image the wrap adds nothing; elsewhere a leading space
                // may be the one the terminal moved to the next line.
                let open_quote = in_quoted_word(&text.text, false);
                let start = s.len() - s.trim_start().len();
                let start = if open_quote || start == 0 {
                    start
                } else {
                    start - 1
                };
                // A registry error list (CRI-O `errors:\ndenied: …\nunauthorized: …`) is a
                // real newline, not a wrap: keep the words apart.
                if start == 0 && !open_quote && ERRCODE_LINE.is_match(s) {
                    let end = text.text.len();
                    text.push(" ", text.orig(end.saturating_sub(1)));
                }
                text.append(&line.text.slice(start..s.trim_end().len()));
                true
            }
            Pending::Image { text, lines } => {
                let t = s.trim();
                if *lines >= 2 || t.contains(char::is_whitespace) || t.ends_with(':') {
                    return false;
                }
                *lines += 1;
                let start = s.len() - s.trim_start().len();
                text.append(&line.text.slice(start..start + t.len()));
                true
            }
        }
    }

    fn flush(&mut self) {
        match self.pending.take() {
            Some(Pending::Message { text, at, ctx, .. }) => {
                let mut parsed = events::parse(&text, at, &ctx);
                for o in parsed.observations.iter_mut() {
                    self.pair_with_last_image(o);
                }
                self.found.observations.extend(parsed.observations);
                if let Some((ns, pod)) = parsed.scheduled {
                    self.found.scheduled.push((ctx.segment, ns, pod));
                }
            }
            Some(Pending::Image { text, .. }) => {
                self.describe.image(&text, self.segment, &mut self.found)
            }
            None => {}
        }
    }

    /// The kubelet records `Error: ErrImagePull` right after `Failed to pull image "x"` (and
    /// `Error: ImagePullBackOff` after `Back-off pulling image "x"`, …) for the same container:
    /// an image-less row with the reason of the row before it, for the same pod, is about
    /// that row's image. So the events of two containers interleaved in one table each go to
    /// their own container, not all to the first.
    fn pair_with_last_image(&mut self, o: &mut Observation) {
        if o.kind != ObservationKind::Failure || o.sandbox {
            return;
        }
        if let Some(image) = &o.image {
            self.last_image = Some(LastImage {
                segment: o.segment,
                pod: o.pod.clone(),
                container: o.container.clone(),
                image: image.clone(),
                reason: o.reason.clone(),
            });
            return;
        }
        let Some(last) = &self.last_image else { return };
        if o.container.is_none()
            && last.segment == o.segment
            && last.pod == o.pod
            && o.reason.is_some()
            && last.reason == o.reason
        {
            o.image = Some(last.image.clone());
            o.container = last.container.clone();
        }
    }

    /// A new command, table or described pod. The command line's pod and namespace stay: the
    /// table header that follows a prompt belongs to it.
    fn new_segment(&mut self) {
        self.segment += 1;
        self.describe = Describe::default();
    }
}

/// A line that is something of its own, never the rest of a wrapped message.
fn is_structural(lines: &[Line], i: usize) -> bool {
    let Some(line) = lines.get(i) else {
        return true;
    };
    let s = line.str();
    line.is_blank()
        || detect::is_describe_key(s)
        || detect::is_event_row(s)
        || events::marker(s).is_some()
        || get_pods::is_row(s)
        || kubelet_log::starts_entry(s)
        || detect::header(s).is_some()
        || detect::prompt(s).is_some()
        || super::describe::is_container_name(lines, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unwrapped(text: &str) -> Vec<String> {
        unwrap(&super::super::mapped_text::lines(text))
            .iter()
            .map(|l| l.str().to_string())
            .collect()
    }

    #[test]
    fn a_title_cut_in_a_wrapped_header_is_glued() {
        let got = unwrapped(concat!(
            "NAMESPACE   NAME                     REA\n",
            "  DY   STATUS             RESTARTS   AGE\n",
            "default     worker-5c7b9d8f7-fghij   0/1\n",
            "       ImagePullBackOff   0          27m\n",
        ));
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].contains(" READY "), "{got:?}");
        assert!(got[1].contains("0/1 ImagePullBackOff"), "{got:?}");
    }

    #[test]
    fn padding_wrapped_to_blank_lines_ends_neither_header_nor_row() {
        let got = unwrapped(concat!(
            "NAMESPACE   LAST SEEN   TYPE      REASON\n",
            "      OBJECT        MESSAGE\n",
            "\n",
            "             FIRST SEEN\n",
            "team-a      41s         Warning   Failed\n",
            "\n",
            "Pod/web-1   Error: ErrImagePull   41s\n",
        ));
        assert_eq!(
            got,
            [
                "NAMESPACE   LAST SEEN   TYPE      REASON OBJECT        MESSAGE FIRST SEEN",
                "team-a      41s         Warning   Failed Pod/web-1   Error: ErrImagePull   41s",
            ]
        );
    }

    #[test]
    fn an_events_row_cut_after_its_type_is_no_continuation() {
        // Cut at 40 columns, continuations indented by two spaces: a row start that the
        // wrap left ending in its Type (after a full-width piece) is no sign of a zero indent,
        // and the pod name cut inside (`…-a1⏎  s2d`) is one word.
        let got = unwrapped(concat!(
            "NAMESPACE   LAST SEEN            TYPE\n",
            "     REASON      OBJECT\n",
            "        MESSAGE\n",
            "dev         20s (x5 over 11m)    Warning\n",
            "     Failed      Pod/devapp-5f4d3c2b1-a1\n",
            "  s2d   Failed to pull image \"localhost:\n",
            "  ::1]:5000: connect: connection refused\n",
            "dev         20s (x5 over 11m)    Warning\n",
            "     Failed      Pod/devapp-5f4d3c2b1-a1\n",
            "  s2d   Error: RegistryUnavailable\n",
        ));
        assert_eq!(got.len(), 3, "{got:?}");
        for row in &got[1..] {
            assert!(row.contains(" Pod/devapp-5f4d3c2b1-a1s2d "), "{got:?}");
        }
    }

    #[test]
    fn a_field_path_cut_by_a_terminal_is_glued() {
        assert!(in_quoted_word(
            "  Warning  Failed  41s  kubelet  spec.containers{to",
            false
        ));
        assert!(!in_quoted_word("spec.containers{tool}: Failed to", false));
        assert!(!in_quoted_word("mount {a", false));
    }

    #[test]
    fn a_padded_piece_of_a_row_is_never_glued() {
        let got = unwrapped(concat!(
            "NAME            READY   STATUS\n",
            "     RESTARTS   AGE   IP           NODE\n",
            "        NOMINATED NODE   READINESS GATES\n",
            "api-gateway-0   0/1     ImagePullBackOff\n",
            "     0          33m   10.244.2.8   worke\n",
            "  r-2   <none>           <none>\n",
        ));
        let row = got.get(1).map(|r| r.split_whitespace().collect::<Vec<_>>());
        assert_eq!(
            row,
            Some(vec![
                "api-gateway-0",
                "0/1",
                "ImagePullBackOff",
                "0",
                "33m",
                "10.244.2.8",
                "worker-2",
                "<none>",
                "<none>"
            ])
        );
    }
}
