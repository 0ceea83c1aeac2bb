//! Rendering a finished [`Report`]; emitters never decide what is a finding or its severity.

pub mod human;
pub mod json;
pub mod short;

use crate::engine::Report;
use crate::finding::Finding;
use crate::source::SourceFile;

/// 1-based (line, column) of a finding's start and end, columns in characters.
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn position(file: &SourceFile, f: &Finding) -> Position {
    let (line, column) = file.lines.line_col(&file.text, f.span.start as usize);
    let (end_line, end_column) = file.lines.line_col(&file.text, f.span.end as usize);
    Position {
        line,
        column,
        end_line,
        end_column,
    }
}

pub fn file_name<'a>(report: &'a Report, f: &Finding) -> &'a str {
    report
        .sources
        .get(f.span.file)
        .map_or("<unknown>", |s| s.name.as_str())
}

/// Escapes control characters (ANSI escapes, newlines, BEL, …) so a hostile file name or image
/// string cannot recolour the terminal or forge lines in the output.
pub fn sanitize(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Like [`sanitize`], but keeps line breaks (for multi-line help text we wrote ourselves).
pub fn sanitize_multiline(text: &str) -> String {
    text.split('\n')
        .map(|l| sanitize(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!(
        "{} checked ({}): {}, {}, {}",
        plural(s.files, "file"),
        plural(s.documents, "document"),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note"),
    )
}
