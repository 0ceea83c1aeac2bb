//! `--format github`: GitHub Actions workflow commands (annotations on the pull request diff),
//! and a Markdown job summary for `$GITHUB_STEP_SUMMARY`.
//!
//! Every finding is exactly one line that starts with `::error`, `::warning` or `::notice`:
//! untrusted text (file names, image strings, messages) is escaped the way the runner unescapes
//! it (`actions/runner`, `src/Runner.Common/ActionCommand.cs`), so a hostile file name or message
//! can neither end the command early nor start a line of its own.

use super::{file_name, position, repo_path, sanitize, sanitize_multiline};
use crate::finding::{Finding, Severity};
use crate::report::Report;
use std::collections::BTreeMap;
use std::io::Write;

/// Escapes a command's message (data): `%`, `\r`, `\n`.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a command's property value: as data, plus `:` and `,`, which end a property.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// The file name GitHub matches against the diff: relative to the workspace.
fn annotation_file(report: &Report, f: &Finding) -> String {
    let name = file_name(report, f);
    repo_path(name).unwrap_or_else(|| name.to_string())
}

fn annotation(report: &Report, f: &Finding) -> String {
    let file = sanitize(&annotation_file(report, f)).into_owned();
    let mut props = vec![format!("file={}", escape_property(&file))];
    if let Some(source) = report.sources.get(f.span.file) {
        let p = position(source, f);
        props.push(format!("line={}", p.line));
        props.push(format!("endLine={}", p.end_line));
        // GitHub ignores columns on multi-line annotations.
        if p.line == p.end_line {
            props.push(format!("col={}", p.column));
            props.push(format!("endColumn={}", p.end_column.max(p.column + 1)));
        }
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("pullcheck {}", f.rule))
    ));
    let mut message = sanitize(&f.message).into_owned();
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(&sanitize_multiline(help));
    }
    message.push_str(&format!("\nmore: pullcheck explain {}", f.rule));
    format!(
        "::{} {}::{}",
        command(f.severity),
        props.join(","),
        escape_data(&message)
    )
}

/// One workflow command per finding.
pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for f in &report.findings {
        writeln!(out, "{}", annotation(report, f))?;
    }
    Ok(())
}

/// Escapes untrusted text for one Markdown table cell: no line breaks, no `|`, no inline
/// Markdown or HTML (a file name like `<img src=x>` or `[a](http://…)` is shown, not rendered).
/// Cells hold only inline content, so block syntax (`#`, `-`, `>` at a line start) needs nothing.
pub fn escape_markdown_cell(text: &str) -> String {
    let text = sanitize(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '$' | '!' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Findings listed in the summary table; GitHub caps a step summary at 1 MiB.
pub const SUMMARY_MAX_ROWS: usize = 500;

/// The job summary: totals, counts per rule, and a table of findings.
pub fn write_summary(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let s = &report.summary;
    writeln!(out, "## pullcheck\n")?;
    writeln!(
        out,
        "**{} error(s), {} warning(s), {} note(s)** in {} file(s), {} document(s).\n",
        s.errors, s.warnings, s.notes, s.files, s.documents
    )?;
    if report.findings.is_empty() {
        writeln!(out, "No image-pull problems found.\n")?;
        return Ok(());
    }
    let mut per_rule: BTreeMap<(std::cmp::Reverse<Severity>, &str), usize> = BTreeMap::new();
    for f in &report.findings {
        *per_rule
            .entry((std::cmp::Reverse(f.severity), f.rule))
            .or_default() += 1;
    }
    writeln!(out, "| Rule | Severity | Findings |")?;
    writeln!(out, "| --- | --- | ---: |")?;
    for ((severity, rule), n) in &per_rule {
        writeln!(
            out,
            "| {} | {} | {n} |",
            escape_markdown_cell(rule),
            severity.0.as_str()
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "<details><summary>Findings ({})</summary>\n",
        report.findings.len()
    )?;
    writeln!(out, "| Severity | Rule | Location | Message |")?;
    writeln!(out, "| --- | --- | --- | --- |")?;
    for f in report.findings.iter().take(SUMMARY_MAX_ROWS) {
        let line = report
            .sources
            .get(f.span.file)
            .map_or(1, |src| position(src, f).line);
        writeln!(
            out,
            "| {} | {} | {}:{line} | {} |",
            f.severity.as_str(),
            escape_markdown_cell(f.rule),
            escape_markdown_cell(&annotation_file(report, f)),
            escape_markdown_cell(&f.message)
        )?;
    }
    if report.findings.len() > SUMMARY_MAX_ROWS {
        writeln!(
            out,
            "\n{} more not shown; the annotations and the log have all of them.",
            report.findings.len() - SUMMARY_MAX_ROWS
        )?;
    }
    writeln!(out, "\n</details>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped_like_the_runner_unescapes() {
        assert_eq!(escape_data("50%\r\n::error::x"), "50%25%0D%0A::error::x");
        assert_eq!(escape_property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        let cell = escape_markdown_cell("a|b\n<img src=x> [l](u) *x* `c`");
        assert!(!cell.contains('\n') && !cell.contains('<'));
        assert_eq!(cell.matches('|').count(), cell.matches("\\|").count());
        assert!(cell.contains("\\[l\\](u)"));
    }
}
