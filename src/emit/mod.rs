//! Rendering a finished [`Report`]; emitters never decide what is a finding or its severity.

pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod sarif;
pub mod short;

use crate::finding::Finding;
use crate::report::Report;
pub use crate::sanitize::{sanitize, sanitize_multiline};
use crate::source::SourceFile;

/// The output formats. Tests enumerate them (`Format::value_variants()`), so a new format is
/// checked for secret leaks the day it lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Short,
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).
    Sarif,
    /// GitHub Actions annotations; also appends a job summary to `$GITHUB_STEP_SUMMARY`.
    Github,
    /// GitLab Code Quality report (`artifacts:reports:codequality`).
    Gitlab,
}

impl Format {
    /// Every format, in declaration order.
    pub fn all() -> &'static [Format] {
        <Format as clap::ValueEnum>::value_variants()
    }

    /// The name used on the command line (`sarif`, `github`, …).
    pub fn name(self) -> String {
        clap::ValueEnum::to_possible_value(&self)
            .map_or_else(|| format!("{self:?}"), |v| v.get_name().to_string())
    }
}

/// Writes a report in one format (`human` options apply to the human format only).
pub fn write(
    report: &Report,
    format: Format,
    human: &human::HumanOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(report, human, out),
        Format::Short => short::write(report, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
        Format::Gitlab => gitlab::write(report, out),
    }
}

/// 1-based (line, column) of a finding's start and end, columns in characters.
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn position(file: &SourceFile, f: &Finding) -> Position {
    let (line, column) = file.line_col(f.span.start as usize);
    let (end_line, end_column) = file.line_col(f.span.end as usize);
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
    let mut line = format!(
        "{} checked ({}): {}, {}, {}",
        plural(s.files, "file"),
        plural(s.documents, "document"),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note"),
    );
    match (s.fixable, s.unsafe_fixable) {
        (0, 0) => {}
        (n, 0) => line.push_str(&format!("; {n} fixable with --fix")),
        (0, u) => line.push_str(&format!("; {u} fixable with --fix --unsafe-fixes")),
        (n, u) => line.push_str(&format!(
            "; {n} fixable with --fix ({u} more with --unsafe-fixes)"
        )),
    }
    line
}

/// What a finding's fix says in a report: `fixable with --fix: write `Always``.
pub fn fix_note(f: &Finding) -> Option<String> {
    let fix = f.fix.as_ref()?;
    let how = match fix.applicability {
        crate::finding::Applicability::Safe => "fixable with --fix",
        crate::finding::Applicability::Unsafe => "suggested fix (--fix --unsafe-fixes)",
    };
    Some(format!("{how}: {}", fix.description))
}

/// `14 images checked in 3 registries (52 requests) in 0.6 s; 2 not checked: …`, after a run
/// with `--online`.
pub fn online_line(report: &Report) -> Option<String> {
    let o = report.online.as_ref()?;
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let cached = if o.from_cache > 0 {
        format!("{} from cache, ", o.from_cache)
    } else {
        String::new()
    };
    let mut line = format!(
        "{} checked in {} ({cached}{}) in {:.1} s",
        plural(o.images, "image", "images"),
        plural(o.registries, "registry", "registries"),
        plural(o.requests, "request", "requests"),
        o.elapsed.as_secs_f64()
    );
    if let Some((image, why)) = o.skipped.first() {
        line.push_str(&format!(
            "; {} not checked ({image}: {why}{})",
            plural(o.skipped.len(), "image", "images"),
            if o.skipped.len() > 1 { ", …" } else { "" }
        ));
    }
    if let Some(why) = &o.cache_problem {
        line.push_str(&format!("; cache not used: {why}"));
    }
    Some(line)
}

/// The name a CI system should show for a finding's file: relative to the working directory
/// (the repository root in CI), `/`-separated, without a leading `./`. `None` when the file is
/// outside the working directory (an absolute path elsewhere) and so has no relative name.
pub fn repo_path(name: &str) -> Option<String> {
    if name == "<stdin>" {
        return Some("stdin".to_string());
    }
    let name = name.replace('\\', "/");
    let path = std::path::Path::new(&name);
    let relative = if path.is_absolute() {
        let cwd = std::env::current_dir().ok()?;
        let cwd = cwd.to_string_lossy().replace('\\', "/");
        let rest = name.strip_prefix(cwd.trim_end_matches('/'))?;
        rest.strip_prefix('/')?.to_string()
    } else {
        name
    };
    normalize_relative(&relative)
}

/// Drops `.` segments and resolves `..` lexically; `None` if the path climbs above its root.
fn normalize_relative(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// 128-bit FNV-1a, as 32 hex digits: a hash that is stable across Rust releases and platforms
/// (std's `DefaultHasher` promises neither), for fingerprints only — not for security.
pub fn stable_hash(parts: &[&str]) -> String {
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for part in parts {
        // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        for b in (part.len() as u64)
            .to_le_bytes()
            .iter()
            .chain(part.as_bytes())
        {
            h ^= u128::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    }
    format!("{h:032x}")
}

/// One fingerprint per finding (same order as `report.findings`), stable across runs when
/// unrelated lines move: built from the rule, the file, the object and container, the flagged
/// text and the text of its line — never from line numbers. Findings that would collide (the
/// same text flagged twice in one object) are told apart by their rank among equals.
pub fn fingerprints(report: &Report) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    report
        .findings
        .iter()
        .map(|f| {
            let file = report.sources.get(f.span.file);
            let name = file.map_or("<unknown>", |s| s.name.as_str());
            let path = repo_path(name).unwrap_or_else(|| name.to_string());
            // Shown (masked) text only: a hash of a short secret can be brute-forced.
            let flagged = file.map_or("", |s| s.shown(f.span));
            let line_text = file.map_or("", |s| {
                let line = s.lines.line_of(f.span.start as usize);
                s.shown_lines(line, line).trim()
            });
            let object = f.object.as_ref();
            let base = stable_hash(&[
                f.rule,
                &path,
                object.map_or("", |o| o.kind.as_str()),
                object.map_or("", |o| o.namespace.as_str()),
                object.map_or("", |o| o.name.as_str()),
                f.container.as_deref().unwrap_or(""),
                flagged,
                line_text,
            ]);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                stable_hash(&[&base, &n.to_string()])
            }
        })
        .collect()
}

/// Appends a period unless the text already ends a sentence (SARIF viewers and the multitool
/// expect messages to be sentences).
pub fn as_sentence(text: &str) -> String {
    let t = text.trim_end();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_paths_are_relative_and_normalized() {
        assert_eq!(repo_path("./a/./b.yaml").as_deref(), Some("a/b.yaml"));
        assert_eq!(repo_path("a/../b.yaml").as_deref(), Some("b.yaml"));
        assert_eq!(repo_path("../outside.yaml"), None);
        assert_eq!(repo_path("<stdin>").as_deref(), Some("stdin"));
        let cwd = std::env::current_dir().unwrap();
        let abs = cwd.join("x").join("y.yaml");
        assert_eq!(
            repo_path(&abs.to_string_lossy()).as_deref(),
            Some("x/y.yaml")
        );
    }

    #[test]
    fn stable_hash_is_stable_and_length_prefixed() {
        assert_eq!(stable_hash(&["a"]), stable_hash(&["a"]));
        assert_ne!(stable_hash(&["ab", "c"]), stable_hash(&["a", "bc"]));
        assert_eq!(stable_hash(&[]).len(), 32);
    }
}
