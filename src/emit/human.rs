//! The default, human report: one miette graphical diagnostic per finding.

use super::{file_name, sanitize, sanitize_multiline, summary_line};
use crate::finding::{Finding, Severity};
use crate::report::Report;
use crate::source::SourceFile;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode, SourceSpan,
};
use std::fmt;
use std::io::Write;

/// One finding, ready for miette. Labels in other files become `related` diagnostics with their
/// own source, so "the secret is defined here" shows the secret's file.
struct Rendered<'a> {
    rule: &'a str,
    severity: Severity,
    message: String,
    help: Option<String>,
    source: Option<&'a SourceFile>,
    labels: Vec<LabeledSpan>,
    related: Vec<Rendered<'a>>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        (!self.rule.is_empty()).then(|| Box::new(self.rule) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as _)
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)) as _)
    }
}

fn label(text: &str, span: crate::source::Span, primary: bool) -> LabeledSpan {
    let text = (!text.is_empty()).then(|| sanitize(text).into_owned());
    let span = SourceSpan::new((span.start as usize).into(), span.len());
    if primary {
        LabeledSpan::new_primary_with_span(text, span)
    } else {
        LabeledSpan::new_with_span(text, span)
    }
}

fn render<'a>(report: &'a Report, f: &'a Finding) -> Rendered<'a> {
    let source = report.sources.get(f.span.file).filter(|s| !s.is_empty());
    let mut labels = Vec::new();
    let mut related = Vec::new();
    if source.is_some() {
        labels.push(label(&f.label, f.span, true));
    }
    for l in &f.secondary {
        if l.span.file == f.span.file {
            labels.push(label(&l.text, l.span, false));
        } else {
            let other = report.sources.get(l.span.file);
            related.push(Rendered {
                rule: "",
                severity: Severity::Note,
                message: format!(
                    "related: {}",
                    sanitize(other.map_or("<unknown>", |s| s.name.as_str()))
                ),
                help: None,
                source: other,
                labels: vec![label(&l.text, l.span, true)],
                related: Vec::new(),
            });
        }
    }
    let mut help = f
        .help
        .as_deref()
        .map(sanitize_multiline)
        .unwrap_or_default();
    if let Some(note) = super::fix_note(f) {
        if !help.is_empty() {
            help.push('\n');
        }
        help.push_str(&sanitize(&note));
    }
    if !f.rule.is_empty() {
        if !help.is_empty() {
            help.push('\n');
        }
        help.push_str(&format!("more: pullcheck explain {}", f.rule));
    }
    let message = match source {
        Some(_) => sanitize(&f.message).into_owned(),
        // No snippet to show the file name: put it in the message.
        None => format!(
            "{}: {}",
            sanitize(file_name(report, f)),
            sanitize(&f.message)
        ),
    };
    Rendered {
        rule: f.rule,
        severity: f.severity,
        message,
        help: Some(help),
        source,
        labels,
        related,
    }
}

pub struct HumanOptions {
    pub color: bool,
    pub width: usize,
}

pub fn write(report: &Report, opts: &HumanOptions, out: &mut dyn Write) -> std::io::Result<()> {
    // One write per diagnostic, not per line (stdout is line-buffered).
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        // Break lines only at spaces: an image name split at its `/` cannot be copied.
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_break_words(false)
        .with_width(opts.width)
        .with_context_lines(2);
    for f in &report.findings {
        let rendered = render(report, f);
        let mut buf = String::new();
        if handler.render_report(&mut buf, &rendered).is_err() {
            // A span miette cannot show still gets a line.
            buf = format!(
                "{}: {}[{}] {}\n",
                sanitize(file_name(report, f)),
                f.severity.as_str(),
                f.rule,
                sanitize(&f.message)
            );
        }
        out.write_all(buf.as_bytes())?;
    }
    if let Some(line) = super::online_line(report) {
        writeln!(out, "{}", sanitize(&line))?;
    }
    writeln!(out, "{}", summary_line(report))?;
    out.flush()
}
