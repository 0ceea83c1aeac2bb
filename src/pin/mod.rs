//! `pullcheck pin` (issue 21): every image tag resolved to the digest its registry serves now
//! and written as `repo:tag@sha256:…` where the image is set — the manifest's own reference,
//! the chart's digest values key, a Kustomize `images:` entry's `digest:` — byte-exactly (only
//! the span written changes). `--check` writes nothing and fails when an image is unpinned or
//! its digest is no longer its tag's.
//!
//! The run is an ordinary lint run with the registry check asking by tag
//! (`OnlineSettings::ask_tags`): the same inputs, rendering, credentials and cache rules as
//! `--online`. Where to write comes from `crate::engine::ImageSite`; this module decides what
//! each image needs, turns places into byte edits, and writes them.

mod args;
mod output;

pub use args::{PinArgs, PinFormat};
pub use output::{print_human, print_json};

use crate::fix::{Edit, apply_edits, overlaps, unified_diff, write_atomically};

use crate::engine::{ImageSite, LintOptions, Served};
use crate::render::PinPlace;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What `pullcheck pin` was asked to do.
#[derive(Clone, Copy, Debug, Default)]
pub struct PinOptions {
    /// Write nothing; fail when an image is unpinned or drifted.
    pub check: bool,
    /// Write nothing; print the unified diff of what would be written.
    pub diff: bool,
    /// Pin an image without a tag to what `latest` is now (otherwise it is reported).
    pub pin_latest: bool,
}

/// What became of one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Written (or, with `--check`/`--diff`, would be) at `written_at`.
    Pinned { digest: String },
    /// Pinned, and the digest is still the tag's.
    UpToDate,
    /// Pinned to another digest than the one its tag points at now.
    Drifted { now: String },
    /// No tag: not pinned to whatever `latest` is (`--pin-latest` does).
    NoTag,
    /// Could be pinned, but not at a place pin may write: why, naming the line to change.
    Refused { why: String, digest: Option<String> },
    /// The registry gave no digest.
    Failed { why: String },
    /// Left alone on purpose (`imagePullPolicy: Never`).
    Skipped { why: String },
}

impl Status {
    pub fn name(&self) -> &'static str {
        match self {
            Status::Pinned { .. } => "pinned",
            Status::UpToDate => "up-to-date",
            Status::Drifted { .. } => "drifted",
            Status::NoTag => "no-tag",
            Status::Refused { .. } => "refused",
            Status::Failed { .. } => "failed",
            Status::Skipped { .. } => "skipped",
        }
    }

    /// Whether `--check` fails on it: the image is not pinned to what its tag is now.
    pub fn fails_check(&self) -> bool {
        !matches!(self, Status::UpToDate | Status::Skipped { .. })
    }
}

/// One image and what pin did with it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub site: ImageSite,
    pub status: Status,
    /// Where the digest goes (`charts/web/values.yaml:14`) and under which key, if a key.
    pub written_at: Option<String>,
    pub key: Option<String>,
}

/// One file changed (or that would be).
#[derive(Clone, Debug)]
pub struct FileChange {
    pub path: PathBuf,
    pub display: String,
    pub diff: String,
    /// Why it was not written, when it was not.
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct PinReport {
    pub entries: Vec<Entry>,
    pub files: Vec<FileChange>,
    pub check: bool,
    pub written: bool,
    /// A path could not be read (the lint run's input failure).
    pub input_failed: bool,
    /// What kept images from being seen: a chart or root not rendered, a file not parsed or
    /// not read (`file: message`). Each fails the run: an image not seen is not pinned.
    pub problems: Vec<String>,
}

impl PinReport {
    /// Exit 1: an image is left not pinned to its tag's digest now (with `--check` or `--diff`,
    /// any image that is not; else one that could not be pinned or has drifted), images may
    /// have gone unseen, or a file could not be written.
    pub fn failed(&self) -> bool {
        self.files.iter().any(|f| f.error.is_some())
            || !self.problems.is_empty()
            || self.entries.iter().any(|e| match e.status {
                // Written: done. With `--check` or `--diff` (as `--fix --diff`): still to do.
                Status::Pinned { .. } => !self.written,
                _ => e.status.fails_check(),
            })
    }
}

/// The file an edit is made in, with the text it was made from.
struct Pending {
    display: String,
    original: std::sync::Arc<str>,
    edits: Vec<Edit>,
}

/// Runs pin over `opts` (whose `online` must be set, asking by tag).
pub fn run(opts: &LintOptions, pin: PinOptions) -> Result<PinReport, String> {
    let (report, sites) = crate::engine::lint_images(opts)?;
    let mut out = PinReport {
        check: pin.check,
        written: !pin.check && !pin.diff,
        input_failed: report.input_failed,
        problems: hidden_images(&report),
        ..PinReport::default()
    };
    let mut pending: BTreeMap<PathBuf, Pending> = BTreeMap::new();
    for site in sites {
        let (status, edit) = decide(&site, pin);
        let mut entry = Entry {
            site,
            status,
            written_at: None,
            key: None,
        };
        if let Some((place, digest)) = edit {
            match queue(&place, &digest, &mut pending) {
                Ok((at, key)) => {
                    entry.written_at = Some(at);
                    entry.key = key;
                }
                Err(why) => {
                    entry.status = Status::Refused {
                        why,
                        digest: Some(digest),
                    }
                }
            }
        }
        out.entries.push(entry);
    }
    out.entries.sort_by_key(|e| location_key(&e.site.at));
    // Every edit of a file applies at once; a file whose edits cannot all apply is not touched.
    for (path, p) in pending {
        // The edits were checked for overlaps as they were collected: all of them apply.
        let new = apply_edits(&p.original, &p.edits).text;
        let mut change = FileChange {
            path: path.clone(),
            display: p.display.clone(),
            diff: unified_diff(&p.display, &p.original, &new),
            error: None,
        };
        if out.written {
            change.error = write_atomically(&path, &p.original, &new)
                .err()
                .map(|e| format!("{}: {e}; nothing written (run again)", p.display));
        }
        out.files.push(change);
    }
    Ok(out)
}

/// The findings of the run that mean images may have gone unseen.
fn hidden_images(report: &crate::report::Report) -> Vec<String> {
    use crate::rules::render_problems as r;
    let hiding = [
        r::RENDERER_MISSING.name,
        r::RENDER_FAILED.name,
        r::DEPENDENCIES_MISSING.name,
        r::REMOTE_RESOURCE.name,
        r::RENDER_REFUSED.name,
        crate::rules::parse_error::META.name,
        crate::rules::unreadable_input::META.name,
    ];
    let mut out: Vec<String> = report
        .findings
        .iter()
        .filter(|f| hiding.contains(&f.rule))
        .map(|f| {
            let file = report
                .sources
                .get(f.span.file)
                .map_or("", |s| s.name.as_str());
            format!("{file}: {} ({})", f.message, f.rule)
        })
        .collect();
    out.dedup();
    out
}

/// `file:line` sorted as a file, then a number.
fn location_key(at: &str) -> (String, usize) {
    match at.rsplit_once(':') {
        Some((file, line)) => (file.to_string(), line.parse().unwrap_or(0)),
        None => (at.to_string(), 0),
    }
}

/// What an image needs, and the edit that pins it.
fn decide(site: &ImageSite, pin: PinOptions) -> (Status, Option<(PinPlace, String)>) {
    if let Served::NotAsked(why) = &site.served
        && why.contains("Never")
    {
        return (Status::Skipped { why: why.clone() }, None);
    }
    if let Some(pinned) = &site.digest {
        return match (&site.tag, &site.served) {
            // `repo@sha256:…` names no tag to follow: it is as pinned as it gets.
            (None, _) => (Status::UpToDate, None),
            (Some(_), Served::Digest { digest, .. }) if digest == pinned => {
                (Status::UpToDate, None)
            }
            (Some(_), Served::Digest { digest, .. }) => (
                Status::Drifted {
                    now: digest.clone(),
                },
                None,
            ),
            (Some(_), Served::Failed(why) | Served::NotAsked(why)) => {
                (Status::Failed { why: why.clone() }, None)
            }
        };
    }
    if site.tag.is_none() && !pin.pin_latest {
        return (Status::NoTag, None);
    }
    let digest = match &site.served {
        Served::Digest { digest, .. } => digest.clone(),
        Served::Failed(why) | Served::NotAsked(why) => {
            return (Status::Failed { why: why.clone() }, None);
        }
    };
    match &site.place {
        PinPlace::Refuse { why } => (
            Status::Refused {
                why: why.clone(),
                digest: Some(digest),
            },
            None,
        ),
        place => (
            Status::Pinned {
                digest: digest.clone(),
            },
            Some((place.clone(), digest)),
        ),
    }
}

/// Adds the edit for `place` to its file; returns where it lands (`file:line`) and the key.
fn queue(
    place: &PinPlace,
    digest: &str,
    pending: &mut BTreeMap<PathBuf, Pending>,
) -> Result<(String, Option<String>), String> {
    let (file, edit, key) = match place {
        PinPlace::Append { file, at, key } => (
            file,
            Edit {
                range: *at..*at,
                replacement: format!("@{digest}"),
            },
            key.clone(),
        ),
        PinPlace::Replace { file, range, key } => {
            let old = file.text.get(range.clone()).unwrap_or("");
            let text = match old.chars().next() {
                Some(q @ ('"' | '\'')) => format!("{q}{digest}{q}"),
                // `digest:` with no value: a space after the colon.
                None => format!(" {digest}"),
                Some(_) => digest.to_string(),
            };
            (
                file,
                Edit {
                    range: range.clone(),
                    replacement: text,
                },
                Some(key.clone()),
            )
        }
        PinPlace::Insert {
            file,
            at,
            indent,
            eol,
            lead,
            key,
        } => {
            let first = if *lead { *eol } else { "" };
            (
                file,
                Edit {
                    range: *at..*at,
                    replacement: format!("{first}{indent}digest: {digest}{eol}"),
                },
                Some(key.clone()),
            )
        }
        PinPlace::Refuse { why } => return Err(why.clone()),
    };
    let line = file
        .text
        .get(..edit.range.start)
        .map_or(1, |t| t.bytes().filter(|b| *b == b'\n').count() + 1);
    let at = format!("{}:{line}", file.display);
    let p = pending.entry(file.path.clone()).or_insert_with(|| Pending {
        display: file.display.clone(),
        original: file.text.clone(),
        edits: Vec::new(),
    });
    if p.original != file.text {
        return Err(format!(
            "{} changed while pullcheck read it; run again",
            file.display
        ));
    }
    // The same place for several containers (one values key, one base): once.
    if p.edits.contains(&edit) {
        return Ok((at, key));
    }
    if p.edits.iter().any(|e| overlaps(&e.range, &edit.range)) {
        return Err(format!(
            "another image is pinned at the same place ({at}) with another digest: the \
             charts or roots that share it render different images; pin it by hand"
        ));
    }
    p.edits.push(edit);
    Ok((at, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_order_and_keep_every_other_byte() {
        let original = "\u{feff}a: x # c\r\nb: 'y'\r\n";
        let edits = [
            Edit {
                range: 16..19,
                replacement: "'z'".into(),
            },
            Edit {
                range: 7..7,
                replacement: "@d".into(),
            },
        ];
        assert_eq!(
            apply_edits(original, &edits).text,
            "\u{feff}a: x@d # c\r\nb: 'z'\r\n"
        );
    }

    #[test]
    fn two_insertions_at_one_point_overlap() {
        assert!(overlaps(&(5..5), &(5..5)));
        assert!(!overlaps(&(5..5), &(6..6)));
        assert!(overlaps(&(2..8), &(5..5)));
    }
}
