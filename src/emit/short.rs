//! `file:line:col: severity[rule] message`, one line per finding (for editors and grep).

use super::{file_name, position, sanitize};
use crate::report::Report;
use std::io::Write;

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for f in &report.findings {
        let (line, col) = report.sources.get(f.span.file).map_or((1, 1), |file| {
            let p = position(file, f);
            (p.line, p.column)
        });
        writeln!(
            out,
            "{}:{line}:{col}: {}[{}] {}",
            sanitize(file_name(report, f)),
            f.severity.as_str(),
            f.rule,
            sanitize(&f.message)
        )?;
    }
    Ok(())
}
