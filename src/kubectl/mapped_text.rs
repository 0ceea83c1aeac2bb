//! Physical lines of a paste, cleaned of markdown and quoting, with a map back to the original
//! byte offsets so every span we report points into the text the user gave us.

use std::ops::Range;

/// A cleaned string whose bytes each map back to one byte of the original text.
/// Cleaning only ever drops ASCII bytes (or reads an HTML entity as the `"` it stands for,
/// mapped to its `&`), so a run of kept bytes is contiguous in both.
#[derive(Debug, Clone, Default)]
pub(crate) struct MappedText {
    pub text: String,
    /// (offset in `text`, offset in the original) at the start of each contiguous run.
    runs: Vec<(usize, usize)>,
    /// Offsets in `text` of the spaces put where two wrapped pieces met, when the wrap may as
    /// well have cut a word (a terminal's hard wrap followed by an indented continuation).
    pub(crate) doubtful_spaces: Vec<usize>,
    /// Offsets in `text` where two wrapped pieces were glued although a space may have been
    /// there (two known words that also make one: `not⏎found`).
    pub(crate) doubtful_glues: Vec<usize>,
}

impl MappedText {
    pub fn push(&mut self, piece: &str, orig: usize) {
        if piece.is_empty() {
            return;
        }
        let continues = self
            .runs
            .last()
            .is_some_and(|&(t, o)| o + (self.text.len() - t) == orig);
        if !continues {
            self.runs.push((self.text.len(), orig));
        }
        self.text.push_str(piece);
    }

    pub fn append(&mut self, other: &MappedText) {
        for (i, &(t, o)) in other.runs.iter().enumerate() {
            let end = other.runs.get(i + 1).map_or(other.text.len(), |r| r.0);
            if let Some(piece) = other.text.get(t..end) {
                self.push(piece, o);
            }
        }
    }

    /// Drops the text from byte `len` on (a char boundary), with the runs that started there.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.text.len() || !self.text.is_char_boundary(len) {
            return;
        }
        self.text.truncate(len);
        self.runs.retain(|r| r.0 < len);
        self.doubtful_spaces.retain(|&i| i < len);
        self.doubtful_glues.retain(|&i| i < len);
    }

    /// The text in `r` without the doubtful spaces and with a space at each doubtful glue:
    /// the other reading of a wrapped message.
    pub fn glued(&self, r: Range<usize>) -> Option<String> {
        let inside =
            |v: &[usize]| -> Vec<usize> { v.iter().copied().filter(|i| r.contains(i)).collect() };
        let (spaces, glues) = (inside(&self.doubtful_spaces), inside(&self.doubtful_glues));
        if spaces.is_empty() && glues.is_empty() {
            return None;
        }
        let piece = self.text.get(r.clone())?;
        let mut out = String::with_capacity(piece.len() + glues.len());
        for (i, c) in piece.char_indices() {
            if glues.contains(&(r.start + i)) {
                out.push(' ');
            }
            if !spaces.contains(&(r.start + i)) {
                out.push(c);
            }
        }
        Some(out)
    }

    /// The text with the escapes of copying taken off: a message copied out of a JSON string
    /// or a Go `%q` (`Failed to pull image \"x\": …`, `\\\"` when that was quoted again)
    /// escapes every double quote in it, and one level of escaping comes off for as long as
    /// that holds. A text with one bare quote is as kubectl printed it (the old `FailedSync`
    /// message quotes an error that quotes the image: `ErrImagePull: "… \"x\" …"`). `None`
    /// when nothing changes.
    pub fn unescaped_quotes(&self) -> Option<MappedText> {
        let mut cur: Option<MappedText> = None;
        // Each level at least halves the backslashes: a few levels are all a paste can have.
        for _ in 0..4 {
            let t = cur.as_ref().unwrap_or(self);
            let bytes = t.text.as_bytes();
            // (first backslash, run length) before every `"`.
            let runs: Vec<(usize, usize)> = bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'"')
                .map(|(q, _)| {
                    let n = bytes
                        .get(..q)
                        .unwrap_or_default()
                        .iter()
                        .rev()
                        .take_while(|b| **b == b'\\')
                        .count();
                    (q - n, n)
                })
                .collect();
            // A bare quote (an even run) is where the escaping of this level ends.
            if runs.is_empty() || runs.iter().any(|&(_, n)| n % 2 == 0) {
                break;
            }
            let drops: Vec<(Range<usize>, &str)> = runs
                .iter()
                .map(|&(start, n)| (start + (n - 1) / 2..start + n, ""))
                .collect();
            cur = Some(t.edited(&drops));
        }
        cur
    }

    /// The text with HTML's spellings of `"` read as the quote, for an entity that a wrap cut
    /// in two (the lines' cleaning reads whole ones). `None` when there is none.
    pub fn html_quotes(&self) -> Option<MappedText> {
        let mut edits: Vec<(Range<usize>, &str)> = Vec::new();
        let mut from = 0;
        while let Some(at) = self.text.get(from..).and_then(|t| t.find('&')) {
            let at = from + at;
            let rest = self.text.get(at..).unwrap_or("");
            let len = HTML_QUOTES
                .iter()
                .find(|e| rest.starts_with(*e))
                .map_or(0, |e| e.len());
            if len > 0 {
                edits.push((at..at + len, "\""));
            }
            from = at + len.max(1);
        }
        (!edits.is_empty()).then(|| self.edited(&edits))
    }

    /// This text with each range of `edits` (in order, disjoint) replaced by its text, which
    /// maps to the range's start; the doubtful joins move along.
    fn edited(&self, edits: &[(Range<usize>, &str)]) -> MappedText {
        let mut out = MappedText::default();
        let mut pos = 0;
        for (r, with) in edits {
            out.append(&self.slice(pos..r.start));
            out.push(with, self.orig(r.start));
            pos = r.end;
        }
        out.append(&self.slice(pos..self.text.len()));
        let shift = |v: &[usize]| -> Vec<usize> {
            v.iter()
                .map(|&x| {
                    let gone: usize = edits
                        .iter()
                        .filter(|(r, _)| r.end <= x)
                        .map(|(r, with)| r.len() - with.len())
                        .sum();
                    x.saturating_sub(gone)
                })
                .collect()
        };
        out.doubtful_spaces = shift(&self.doubtful_spaces);
        out.doubtful_glues = shift(&self.doubtful_glues);
        out
    }

    /// The part of this text in `r` (clamped to char boundaries that exist), still mapped.
    pub fn slice(&self, r: Range<usize>) -> MappedText {
        let mut out = MappedText::default();
        let Some(piece) = self.text.get(r.clone()) else {
            return out;
        };
        // Walk the runs that overlap `r`, pushing each overlapping part with its origin.
        let mut pos = r.start;
        for ch_end in piece
            .char_indices()
            .map(|(i, c)| r.start + i + c.len_utf8())
        {
            if let Some(ch) = self.text.get(pos..ch_end) {
                out.push(ch, self.orig(pos));
            }
            pos = ch_end;
        }
        out
    }

    /// Original offset of byte `i` of `text` (or just past the last byte when `i == len`).
    pub fn orig(&self, i: usize) -> usize {
        if i >= self.text.len() {
            return self.end_orig();
        }
        let k = self.runs.partition_point(|r| r.0 <= i);
        match k.checked_sub(1).and_then(|k| self.runs.get(k)) {
            Some(&(t, o)) => o + (i - t),
            None => 0,
        }
    }

    fn end_orig(&self) -> usize {
        match self.runs.last() {
            Some(&(t, o)) => o + (self.text.len() - t),
            None => 0,
        }
    }

    /// The original byte range covering `r` (a range of `text`).
    pub fn span(&self, r: Range<usize>) -> Range<usize> {
        if r.start >= r.end {
            let p = self.orig(r.start);
            return p..p;
        }
        self.orig(r.start)..self.orig(r.end - 1) + 1
    }

    pub fn full_span(&self) -> Range<usize> {
        let t = self.text.trim_end();
        let start = self.text.len() - self.text.trim_start().len();
        self.span(start.min(t.len())..t.len())
    }
}

/// One physical line after cleaning.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub text: MappedText,
    /// A markdown code fence (```` ``` ```` or `~~~`), dropped from the content.
    pub fence: bool,
    /// Characters of the line as written (markdown and quoting included, trailing blanks
    /// not): its width on the screen that wrapped it.
    pub width: usize,
}

impl Line {
    pub fn str(&self) -> &str {
        &self.text.text
    }
    pub fn is_blank(&self) -> bool {
        self.fence || self.text.text.trim().is_empty()
    }
    pub fn indent(&self) -> usize {
        self.text.text.len() - self.text.text.trim_start().len()
    }
}

/// HTML's spellings of `"`.
const HTML_QUOTES: &[&str] = &["&quot;", "&#34;", "&#x22;"];

/// Splits `input` into cleaned lines. Linear in the input.
pub(crate) fn lines(input: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    for raw in input.split_inclusive('\n') {
        let body = raw.trim_end_matches(['\n', '\r']);
        out.push(clean(body, start));
        start += raw.len();
    }
    out
}

fn clean(body: &str, base: usize) -> Line {
    let mut off = 0;
    if base == 0 && body.starts_with('\u{feff}') {
        off = '\u{feff}'.len_utf8();
    }
    let trimmed = body.get(off..).unwrap_or("").trim_start();
    if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
        return Line {
            text: MappedText::default(),
            fence: true,
            width: 0,
        };
    }
    // E-mail / markdown quoting: "> " at the very start, possibly nested.
    while let Some(rest) = body.get(off..) {
        if let Some(r) = rest.strip_prefix('>') {
            off += 1;
            if r.starts_with(' ') {
                off += 1;
            }
        } else {
            break;
        }
    }
    let mut text = MappedText::default();
    let bytes = body.as_bytes();
    let mut keep_from = off;
    let mut i = off;
    while let Some(rest) = bytes.get(i..) {
        if rest.is_empty() {
            break;
        }
        // Markdown emphasis (`**x**`, `_**x**_`), inline code and k9s borders never occur in
        // kubectl's own output, nor in image names, so they are dropped. Every match starts
        // with an ASCII byte or a UTF-8 lead byte, so the cuts stay on char boundaries.
        let drop = if rest.starts_with(b"_**") || rest.starts_with(b"**_") {
            3
        } else if rest.starts_with(b"**") {
            2
        } else if rest.starts_with(b"`") {
            1
        } else if rest.starts_with("│".as_bytes()) {
            "│".len()
        } else {
            0
        };
        // A double quote that a web page or an issue tracker's export wrote as an HTML
        // entity: kubectl never prints one, so it is read as the quote it stands for.
        let entity = HTML_QUOTES
            .iter()
            .find(|e| rest.starts_with(e.as_bytes()))
            .map_or(0, |e| e.len());
        if drop > 0 || entity > 0 {
            text.push(body.get(keep_from..i).unwrap_or(""), base + keep_from);
            if entity > 0 {
                text.push("\"", base + i);
            }
            i += drop + entity;
            keep_from = i;
        } else {
            i += 1;
        }
    }
    if let Some(rest) = body.get(keep_from..) {
        text.push(rest, base + keep_from);
    }
    Line {
        text,
        fence: false,
        width: body.trim_end().chars().count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_back_through_removed_markdown() {
        let input = "\u{feff}x\r\n> F**ailed \"a/b\"**\n";
        let ls = lines(input);
        assert_eq!(ls[0].str(), "x");
        assert_eq!(ls[1].str(), "Failed \"a/b\"");
        let at = ls[1].str().find("a/b").unwrap();
        let span = ls[1].text.span(at..at + 3);
        assert_eq!(&input[span], "a/b");
        let span = ls[1].text.span(0..6);
        assert_eq!(&input[span], "F**ailed");
    }

    #[test]
    fn fences_are_blank() {
        let ls = lines("```bash\nx\n```");
        assert!(ls[0].fence && ls[0].is_blank());
        assert!(!ls[1].is_blank());
    }

    #[test]
    fn escaped_quotes_come_off_level_by_level() {
        let un = |s: &str| lines(s)[0].text.unescaped_quotes().map(|t| t.text);
        assert_eq!(
            un(r#"image \"a/b:1\": x"#).as_deref(),
            Some(r#"image "a/b:1": x"#)
        );
        assert_eq!(
            un(r#"image \\\"a/b:1\\\": x"#).as_deref(),
            Some(r#"image "a/b:1": x"#)
        );
        // One level only: the inner quotes of a quoted error stay escaped.
        assert_eq!(
            un(r#"with E: \"Back-off pulling image \\\"a\\\"\""#).as_deref(),
            Some(r#"with E: "Back-off pulling image \"a\"""#)
        );
        assert_eq!(un(r#"with E: "Back-off pulling image \"a\"""#), None);
        assert_eq!(un("no quotes"), None);
        let input = "x &quot;a/b&quot; y";
        let l = &lines(input)[0];
        assert_eq!(l.str(), "x \"a/b\" y");
        let at = l.str().find("a/b").unwrap();
        assert_eq!(&input[l.text.span(at..at + 3)], "a/b");
    }

    #[test]
    fn joined_text_maps_each_part() {
        let input = "ab\ncd\n";
        let ls = lines(input);
        let mut t = ls[0].text.clone();
        t.append(&ls[1].text);
        assert_eq!(t.text, "abcd");
        assert_eq!(&input[t.span(1..3)], "b\nc");
    }
}
