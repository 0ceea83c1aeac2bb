//! The pin report: one line per image for people, one JSON document for programs. Credentials
//! appear by name only (`pull secret prod/regcred`), as in every other output.

use super::{Entry, PinReport, Status};
use crate::engine::Served;
use std::io::Write;

/// What happened to one image, in a sentence (no location, no image).
fn message(e: &Entry, report: &PinReport) -> String {
    let tag = e.site.tag.as_deref().unwrap_or("latest");
    match &e.status {
        Status::Pinned { digest } if report.check => {
            format!("not pinned; `{tag}` points at {digest} now")
        }
        Status::Pinned { digest } => {
            let verb = if report.written {
                "pinned"
            } else {
                "would pin"
            };
            let mut s = format!("{verb} to {digest}");
            if let Some(at) = e.written_at.as_ref().filter(|at| **at != e.site.at) {
                s.push_str(&format!(" in {at}"));
            }
            if let Some(key) = &e.key {
                s.push_str(&format!(" (`{key}`)"));
            }
            s
        }
        Status::UpToDate => "pinned, and the digest is still the tag's".to_string(),
        Status::Drifted { now } => format!(
            "pinned to {}, but `{tag}` points at {now} now (the tag moved)",
            e.site.digest.as_deref().unwrap_or("")
        ),
        Status::NoTag => format!(
            "no tag, so not pinned: `{}` would be whatever `latest` is today (name a tag, or \
             `pullcheck pin --pin-latest`)",
            e.site.name
        ),
        Status::Refused { why, digest } => match digest {
            Some(d) if report.check => {
                format!("not pinned (`{tag}` is {d} now); pin cannot write it: {why}")
            }
            Some(d) => format!("not pinned to {d}: {why}"),
            None => format!("not pinned: {why}"),
        },
        Status::Failed { why } => format!("not resolved: {why}"),
        Status::Skipped { why } => format!("left alone: {why}"),
    }
}

pub fn print_human(report: &PinReport, out: &mut dyn Write) -> std::io::Result<()> {
    for e in &report.entries {
        writeln!(
            out,
            "{}: {} ({}, container {}): {}",
            e.site.at,
            e.site.image,
            e.site.object,
            e.site.container,
            message(e, report)
        )?;
    }
    if !report.written {
        for f in &report.files {
            if !report.check {
                write!(out, "{}", f.diff)?;
            }
        }
    }
    for f in &report.files {
        if let Some(err) = &f.error {
            writeln!(out, "pullcheck: not written: {err}")?;
        }
    }
    for p in &report.problems {
        writeln!(out, "pullcheck: images not seen: {p}")?;
    }
    writeln!(out, "{}", summary(report))
}

/// `4 images: 2 pinned, 1 up to date, 1 drifted; 2 files written`.
fn summary(report: &PinReport) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for e in &report.entries {
        let name = match (&e.status, report.check) {
            (Status::Pinned { .. }, true) => "not pinned",
            (Status::Pinned { .. }, false) if !report.written => "to pin",
            (Status::UpToDate, _) => "up to date",
            (s, _) => s.name(),
        };
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => counts.push((name, 1)),
        }
    }
    let n = report.entries.len();
    let mut s = format!("{n} image{}", if n == 1 { "" } else { "s" });
    if !counts.is_empty() {
        let parts: Vec<String> = counts.iter().map(|(k, c)| format!("{c} {k}")).collect();
        s.push_str(&format!(": {}", parts.join(", ")));
    }
    let files = report.files.iter().filter(|f| f.error.is_none()).count();
    if report.written {
        s.push_str(&format!(
            "; {files} file{} written",
            if files == 1 { "" } else { "s" }
        ));
    } else if !report.check {
        s.push_str(&format!(
            "; {files} file{} would change, nothing written",
            if files == 1 { "" } else { "s" }
        ));
    }
    s
}

pub fn print_json(report: &PinReport, out: &mut dyn Write) -> std::io::Result<()> {
    let images: Vec<serde_json::Value> = report
        .entries
        .iter()
        .map(|e| {
            let (served, credentials) = match &e.site.served {
                Served::Digest {
                    digest,
                    credentials,
                } => (Some(digest.as_str()), Some(credentials.as_str())),
                _ => (None, None),
            };
            serde_json::json!({
                "at": e.site.at,
                "object": e.site.object,
                "container": e.site.container,
                "image": e.site.image,
                "tag": e.site.tag,
                "pinned": e.site.digest,
                "served": served,
                "credentials": credentials,
                "status": e.status.name(),
                "fails_check": e.status.fails_check(),
                "written_at": e.written_at,
                "key": e.key,
                "message": message(e, report),
            })
        })
        .collect();
    let files: Vec<serde_json::Value> = report
        .files
        .iter()
        .map(|f| {
            serde_json::json!({
                "path": f.display,
                "written": report.written && f.error.is_none(),
                "error": f.error,
                "diff": f.diff,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "check": report.check,
        "written": report.written,
        "images": images,
        "files": files,
        "problems": report.problems,
        "summary": summary(report),
        "failed": report.failed(),
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
    writeln!(out)
}
