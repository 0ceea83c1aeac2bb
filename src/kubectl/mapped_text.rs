//! Physical lines of a paste, cleaned of markdown and quoting, with a map back to the original
//! byte offsets so every span we report points into the text the user gave us.

use std::ops::Range;

/// A cleaned string whose bytes each map back to one byte of the original text.
/// Cleaning only ever drops ASCII bytes, so a run of kept bytes is contiguous in both.
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
        if drop > 0 {
            text.push(body.get(keep_from..i).unwrap_or(""), base + keep_from);
            i += drop;
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
    fn joined_text_maps_each_part() {
        let input = "ab\ncd\n";
        let ls = lines(input);
        let mut t = ls[0].text.clone();
        t.append(&ls[1].text);
        assert_eq!(t.text, "abcd");
        assert_eq!(&input[t.span(1..3)], "b\nc");
    }
}
