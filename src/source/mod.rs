//! Inputs: finding files, reading bytes under a size cap, and mapping byte offsets to lines.

mod line_index;
mod miette_source;
pub mod private_dir;
pub mod redact;
mod walk;

pub use line_index::LineIndex;
pub use walk::{WalkOptions, WalkProblem, collect_inputs, comparable, is_vcs, normalize};

use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Index of a file in [`SourceMap`]; spans carry it instead of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: clamp_u32(range.start),
            end: clamp_u32(range.end.max(range.start)),
        }
    }
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where an input came from.
#[derive(Clone, Debug)]
pub enum Origin {
    /// A file on disk: `display` is the path as given or relative to the walked directory.
    Path(PathBuf),
    Stdin,
    /// The output of a renderer (`helm template`, `kustomize build`): no file a user can open,
    /// so reports point at the sources it was traced to.
    Rendered,
}

/// The text of one input. The text is kept whole (BOM included) so spans are byte offsets into
/// the file exactly as it is on disk.
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    pub origin: Origin,
    /// The text as read: for the readers (syntax, model, kubectl), never copied into output —
    /// emitters see only [`SourceFile::shown`] and [`SourceFile::display_text`].
    /// The `String` as read, moved in: never copied (an `Arc<str>` here copied a 156 MB dump
    /// once more at the end of its run).
    raw: String,
    pub lines: LineIndex,
    /// Named on the command line (or stdin), as opposed to found by walking a directory.
    pub explicit: bool,
    /// Byte ranges (Secret values) masked in the text shown in snippets.
    redactions: Vec<Range<usize>>,
    /// The text with control characters blanked out byte for byte, `redactions` and the
    /// credential-looking values that [`redact::credential_ranges`] finds masked, for showing
    /// snippets; built on first use (`None` when it would equal the raw text), so a run that
    /// shows no text of a file never holds a second copy of it.
    display_text: OnceLock<Option<Box<str>>>,
}

impl SourceFile {
    pub fn new(name: String, origin: Origin, text: String, explicit: bool) -> SourceFile {
        let lines = LineIndex::new(&text);
        SourceFile {
            name,
            origin,
            raw: text,
            lines,
            explicit,
            redactions: Vec::new(),
            display_text: OnceLock::new(),
        }
    }

    /// Masks byte ranges (Secret values) in the text shown in snippets, so no output format can
    /// print them, whatever the context lines around a label. Offsets are unchanged.
    pub fn redact(&mut self, ranges: &[Range<usize>]) {
        if ranges.is_empty() {
            return;
        }
        self.redactions.extend_from_slice(ranges);
        self.redactions.shrink_to_fit();
        self.display_text = OnceLock::new();
    }

    /// The text as read, for the readers that analyse it. Output never copies from it: see
    /// [`SourceFile::shown`].
    pub fn raw_text(&self) -> &str {
        &self.raw
    }

    /// The whole text with secrets masked and unsafe characters blanked (same byte offsets as
    /// the raw text): the only text of a source that may reach an output.
    pub fn display_text(&self) -> &str {
        self.display_text
            .get_or_init(|| self.build_display_text())
            .as_deref()
            .unwrap_or(&self.raw)
    }

    /// The shown text of a span, or "" when it does not fall on this file's char boundaries.
    pub fn shown(&self, span: Span) -> &str {
        self.display_text().get(span.range()).unwrap_or("")
    }

    /// The shown text of whole lines `first..=last` (0-based), without the last line break.
    pub fn shown_lines(&self, first: usize, last: usize) -> &str {
        let start = self.lines.line_start(first);
        let end = self.lines.line_end(&self.raw, last).max(start);
        self.display_text().get(start..end).unwrap_or("")
    }

    /// 1-based (line, column) of a byte offset, columns in characters of the raw text.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines.line_col(&self.raw, offset)
    }

    /// 1-based (line, column) of a byte offset, columns in UTF-16 code units (SARIF), a `\r`
    /// not counted.
    pub fn utf16_line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.raw.len());
        let line = self.lines.line_of(offset);
        let start = self.lines.line_start(line);
        let col = self.raw.get(start..offset).map_or(0, |s| {
            s.chars().filter(|c| *c != '\r').map(char::len_utf16).sum()
        });
        (line + 1, col + 1)
    }

    /// End offset of a line (0-based), before its line break.
    pub fn line_end(&self, line: usize) -> usize {
        self.lines.line_end(&self.raw, line)
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    fn build_display_text(&self) -> Option<Box<str>> {
        let text: &str = &self.raw;
        let safe = may_be_unsafe_for_terminal(text).then(|| {
            text.chars()
                .map(|c| {
                    if is_unsafe_for_terminal(c) {
                        "?".repeat(c.len_utf8())
                    } else {
                        c.to_string()
                    }
                })
                .collect::<String>()
        });
        let mut ranges = redact::credential_ranges(text);
        ranges.extend(self.redactions.iter().cloned());
        if ranges.is_empty() {
            return safe.map(String::into_boxed_str);
        }
        let shown = safe.as_deref().unwrap_or(text);
        Some(redact::mask_ranges(shown, &ranges).into_boxed_str())
    }

    /// Whether `range` overlaps a Secret's value (a structured redaction) of this file.
    pub fn touches_secret(&self, range: &Range<usize>) -> bool {
        self.redactions
            .iter()
            .any(|r| r.start < range.end.max(range.start + 1) && range.start < r.end)
    }

    /// The secret values of this file (the structured redactions), for masking strings that
    /// rules built from its text.
    pub fn secret_values(&self) -> Vec<&str> {
        self.redactions
            .iter()
            .filter_map(|r| self.raw.get(r.clone()))
            .collect()
    }

    /// Length of a leading UTF-8 byte-order mark, which parsers must skip.
    pub fn bom_len(&self) -> usize {
        if self.raw.starts_with('\u{feff}') {
            3
        } else {
            0
        }
    }

    pub fn extension(&self) -> Option<&str> {
        match &self.origin {
            Origin::Path(p) => p.extension().and_then(|e| e.to_str()),
            Origin::Rendered => None,
            Origin::Stdin => std::path::Path::new(&self.name)
                .extension()
                .and_then(|e| e.to_str()),
        }
    }
}

/// Whether a text has any char [`is_unsafe_for_terminal`]: a byte scan for the usual printable
/// ASCII text, the char-by-char check only for the rest.
fn may_be_unsafe_for_terminal(text: &str) -> bool {
    let plain = |b: &u8| matches!(b, b' '..=b'~' | b'\t' | b'\n' | b'\r');
    // A whole chunk at a time, without stopping at the first byte: the compiler vectorises it
    // (the byte-by-byte `all` was 5 % of a 25 MB dump's run, issue 24).
    let all_plain = text
        .as_bytes()
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |ok, b| ok & plain(b)));
    !all_plain && text.chars().any(is_unsafe_for_terminal)
}

/// Control characters other than tab and line breaks, and bidi overrides: shown as `?`.
fn is_unsafe_for_terminal(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// All files of one run, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Room for `additional` more files (a run knows its inputs up front).
    pub fn reserve_exact(&mut self, additional: usize) {
        self.files.reserve_exact(additional);
    }
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX))
    }
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }
    /// Swaps in another version of a file (the engine re-reads text it had dropped).
    pub fn replace(&mut self, id: FileId, file: SourceFile) {
        if let Some(slot) = self.files.get_mut(id.0 as usize) {
            *slot = file;
        }
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}

/// Why an input could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    Io(String),
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// NUL bytes: a binary file, not a manifest.
    Binary {
        offset: usize,
    },
    InvalidUtf8 {
        offset: usize,
    },
}

impl std::fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadProblem::Io(e) => write!(f, "cannot read the file: {e}"),
            ReadProblem::TooLarge { size, limit } => write!(
                f,
                "the file is {size} bytes, over the --max-file-size limit of {limit} bytes; it was not read"
            ),
            ReadProblem::Binary { offset } => write!(
                f,
                "this looks like a binary file (NUL byte at offset {offset}), not a manifest"
            ),
            ReadProblem::InvalidUtf8 { offset } => {
                write!(
                    f,
                    "the file is not valid UTF-8 (first bad byte at offset {offset})"
                )
            }
        }
    }
}

/// Turns raw bytes into text, refusing binary and non-UTF-8 input, except in a stream kubectl
/// reads as JSON: there each invalid byte becomes U+FFFD, as `encoding/json` reads it (inside a
/// string; outside one it is a syntax error either way), so such a file is linted, not refused.
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadProblem> {
    if let Some(offset) = memchr_nul(&bytes) {
        return Err(ReadProblem::Binary { offset });
    }
    String::from_utf8(bytes).or_else(|e| {
        if has_json_prefix(e.as_bytes()) {
            Ok(replace_invalid_bytes(e.as_bytes()))
        } else {
            Err(ReadProblem::InvalidUtf8 {
                offset: e.utf8_error().valid_up_to(),
            })
        }
    })
}

/// Whether kubectl decodes `bytes` as a JSON stream: apimachinery's `GuessJSONStream` peeks at
/// 4096 bytes and `hasJSONPrefix` wants `{` after Unicode spaces (pkg/util/yaml/decoder.go, Go's
/// `unicode.IsSpace`, which is Rust's `char::is_whitespace`). A BOM is no space: a file that
/// starts with one is YAML to kubectl.
pub fn has_json_prefix(bytes: &[u8]) -> bool {
    let peek = bytes.get(..4096).unwrap_or(bytes);
    // An invalid or cut sequence is U+FFFD, no space, as Go's rune decoding has it.
    String::from_utf8_lossy(peek).trim_start().starts_with('{')
}

/// UTF-8 with every byte that is not part of a valid sequence replaced by U+FFFD, one per
/// byte: Go's `utf8.DecodeRune` (which `encoding/json` unquotes with) is `(RuneError, 1)` on
/// each, where `String::from_utf8_lossy` would make one of a cut sequence.
fn replace_invalid_bytes(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 16);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len()).max(1);
                out.extend(std::iter::repeat_n('\u{FFFD}', bad.min(rest.len())));
                bytes = rest.get(bad..).unwrap_or_default();
            }
        }
    }
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    // `contains` on bytes is a vectorised memchr; the position is only wanted for binaries.
    if !bytes.contains(&0) {
        return None;
    }
    bytes.iter().position(|&b| b == 0)
}

/// Reads a file with a size cap, without allocating more than the cap for oversized files.
pub fn read_file(path: &std::path::Path, limit: u64) -> Result<String, ReadProblem> {
    let file = std::fs::File::open(path).map_err(|e| ReadProblem::Io(e.to_string()))?;
    let meta = file
        .metadata()
        .map_err(|e| ReadProblem::Io(e.to_string()))?;
    if meta.is_dir() {
        return Err(ReadProblem::Io("is a directory".into()));
    }
    if meta.len() > limit {
        return Err(ReadProblem::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    read_capped(file, limit, usize::try_from(meta.len()).unwrap_or(0))
}

/// Reads at most `limit` bytes: `take` guards inputs that grow or lie about their size (/proc,
/// a FIFO, stdin), so an oversized input never costs more than the limit.
fn read_capped(reader: impl std::io::Read, limit: u64, hint: usize) -> Result<String, ReadProblem> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(hint);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadProblem::Io(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(ReadProblem::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    decode(bytes)
}

/// Reads standard input with the same cap and checks as files.
pub fn read_stdin(limit: u64) -> Result<String, ReadProblem> {
    read_capped(std::io::stdin().lock(), limit, 0)
}

/// The end of the character at `offset` in `text` (a one-character span to point at), or
/// `offset` at the end of the text.
pub fn next_char_end(text: &str, offset: usize) -> usize {
    text.get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(offset, |c| offset + c.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_stream_keeps_invalid_bytes_as_encoding_json_does() {
        // `\xe2\x82` is a cut sequence: Go makes two U+FFFD of it, one per byte.
        let text = decode(b"{\"image\": \"a\xffb\xe2\x82c\xed\xa0\x80\"}".to_vec());
        assert_eq!(
            text.as_deref(),
            Ok("{\"image\": \"a\u{FFFD}b\u{FFFD}\u{FFFD}c\u{FFFD}\u{FFFD}\u{FFFD}\"}")
        );
        assert_eq!(
            decode(b" \n{\"a\": \"\xf0\x9f\x98\"}".to_vec()).as_deref(),
            Ok(" \n{\"a\": \"\u{FFFD}\u{FFFD}\u{FFFD}\"}")
        );
    }

    #[test]
    fn yaml_with_invalid_bytes_is_refused_as_go_yaml_refuses_it() {
        assert_eq!(
            decode(b"image: a\xffb\n".to_vec()),
            Err(ReadProblem::InvalidUtf8 { offset: 8 })
        );
        // A BOM before the `{`: YAML to kubectl, so refused too.
        assert!(decode(b"\xef\xbb\xbf{\"a\": \"\xff\"}".to_vec()).is_err());
        assert!(matches!(
            decode(b"{\"a\": \"\x00\"}".to_vec()),
            Err(ReadProblem::Binary { offset: 7 })
        ));
    }

    #[test]
    fn an_unsafe_char_is_seen_wherever_it_falls() {
        for at in [0, 1, 63, 64, 65, 127, 128, 199] {
            for c in ['\u{1b}', '\u{7f}', '\u{202e}', '\0'] {
                let mut text = "a".repeat(200);
                text.insert(at, c);
                assert!(may_be_unsafe_for_terminal(&text), "{at} {c:?}");
            }
        }
        assert!(!may_be_unsafe_for_terminal(&"ok é\t\r\n".repeat(40)));
        assert!(!may_be_unsafe_for_terminal(""));
    }

    #[test]
    fn json_prefix_is_apimachinery_s() {
        assert!(has_json_prefix(b"  \n\t{"));
        assert!(
            has_json_prefix("\u{a0}\u{2028}{".as_bytes()),
            "Go's unicode.IsSpace"
        );
        assert!(
            !has_json_prefix("\u{feff}{}".as_bytes()),
            "a BOM is no space"
        );
        assert!(!has_json_prefix(b"[1]"));
        assert!(!has_json_prefix(b"# c\n{}"));
        assert!(!has_json_prefix(b"\xff{}"));
        // GuessJSONStream peeks at 4096 bytes.
        let mut far = vec![b' '; 4095];
        far.push(b'{');
        assert!(has_json_prefix(&far));
        far.insert(0, b' ');
        assert!(!has_json_prefix(&far));
    }
}
