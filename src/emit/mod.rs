//! Rendering a finished [`Report`]; emitters never decide what is a finding or its severity.

pub mod human;
pub mod json;
pub mod short;

use crate::engine::Report;
use crate::finding::Finding;
use crate::source::SourceFile;
pub use crate::text::{sanitize, sanitize_multiline};

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
