//! Issue 11: the diagnosis does not depend on the terminal width. Every kubectl fixture and
//! shared sample is re-wrapped at widths from 40 to 200 columns (a hard wrap, as a terminal
//! does, and a wrap at spaces, as a chat window does; continuation lines indented or not; LF
//! or CRLF) and must give the same pods, images and causes as the text as written.

use crate::common::{files_under, kubectl_sample_pastes, repo};
use pullcheck::kubectl::{diagnose, image_key};
use std::path::PathBuf;

fn inputs() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = files_under(&repo().join("fixtures/kubectl"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        // `wrapped/` holds wraps of rendered files (their sources are wrapped here at every
        // width); a wrap of a wrap has two widths and two indents, which no paste of one
        // window has.
        .filter(|p| !p.parent().is_some_and(|d| d.ends_with("wrapped")))
        .collect();
    out.extend(kubectl_sample_pastes());
    out
}

/// What must not change: (pod, image, cause) of every diagnosis, sorted.
fn answer(text: &str) -> Vec<(Option<String>, Option<String>, String)> {
    let mut out: Vec<_> = diagnose(text)
        .into_iter()
        .map(|d| {
            (
                d.pod,
                d.image.as_deref().map(image_key),
                d.cause.rule.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Style {
    /// Cut every `width` characters (a terminal).
    Hard,
    /// Break at the last space before `width` when there is one (a chat window).
    Words,
}

/// Re-wraps every line longer than `width` characters.
pub(crate) fn wrap(text: &str, width: usize, style: Style, indent: &str, eol: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut rest: Vec<char> = line.chars().collect();
        let mut first = true;
        loop {
            let room = if first {
                width
            } else {
                width.saturating_sub(indent.len()).max(10)
            };
            if !first {
                out.push_str(indent);
            }
            if rest.len() <= room {
                out.extend(rest.iter());
                out.push_str(eol);
                break;
            }
            let cut = match style {
                Style::Hard => room,
                // A word may end exactly at the width: the space after it is where to break.
                Style::Words => rest
                    .iter()
                    .take(room + 1)
                    .rposition(|c| *c == ' ')
                    .filter(|&i| i > 0)
                    .map_or(room, |i| i + 1),
            };
            let piece: String = rest.drain(..cut).collect();
            out.push_str(piece.trim_end_matches(' '));
            out.push_str(eol);
            first = false;
        }
    }
    out
}

#[test]
fn the_same_answer_at_every_width() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for path in inputs() {
        let text = std::fs::read_to_string(&path).expect("read");
        let want = answer(&text);
        if want.is_empty() {
            continue;
        }
        for width in (40..=200).step_by(8) {
            for style in [Style::Hard, Style::Words] {
                for indent in ["", "  "] {
                    for eol in ["\n", "\r\n"] {
                        let wrapped = wrap(&text, width, style, indent, eol);
                        cases += 1;
                        let got = answer(&wrapped);
                        if got != want {
                            failures.push(format!(
                                "{} width {width} {style:?} indent {:?} eol {:?}:\n  want {want:?}\n  got  {got:?}",
                                path.file_name().unwrap_or_default().to_string_lossy(),
                                indent,
                                eol
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(cases > 5000, "only {cases} cases");
    eprintln!("{cases} wrapped inputs, {} changed", failures.len());
    let mut per_file: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in &failures {
        *per_file
            .entry(f.split(' ').next().unwrap_or(""))
            .or_default() += 1;
    }
    // Invariant, strictly: no wrapped input may change the answer (no exclusions).
    assert!(
        failures.is_empty(),
        "{} of {cases} wrapped inputs changed the answer: {per_file:?}; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Issue 22: rendered events tables and a 1.35 describe, wrapped as a chat window or a
/// terminal did (`fixtures/kubectl/wrapped/`, cut down from the wraps of
/// `fixtures/kubectl/rendered/` and `versions/` that changed the answer; one pod renamed so
/// the folder's files do not merge). Each gave a wrong pod, container or cause before.
#[test]
fn wrapped_tables_keep_their_cells() {
    let cases: &[(&str, &str, Option<&str>, &str, &str)] = &[
        // Padding wrapped to blank lines inside the header; `Failed to create pod⏎sandbox:`
        // (`podsandbox` is a word too) lost the message.
        (
            "get-events-wide-words-64-sandbox.txt",
            "ingest-7d8f9c6b5-l2m3n",
            None,
            "registry.k8s.io/pause:3.9",
            "pull-network-timeout",
        ),
        // A row cut right after its Type (`dev   20s (x5 over 11m)   Warning`) was taken
        // for a continuation, so the wrapper's two-space indent was not seen and the cut pod
        // name `…-a1⏎  s2d` got a space.
        (
            "events-A-hard-40-indented-row-cut-after-type.txt",
            "devapp-5f4d3c2b1-a1s2d",
            None,
            "localhost:5000/dev/app:latest",
            "pull-connection-refused",
        ),
        // The padding a chat window moved down with `  spec.containers{…}` was taken for the
        // wrapper's indent: the OBJECT and SUBOBJECT cells were glued.
        (
            "get-events-wide-words-64-padding-moved-down.txt",
            "report-gen-7c9d8e6f5-b4n6m",
            Some("report-gen"),
            "acme/report-gen:3.1",
            "pull-platform-mismatch",
        ),
        // A piece of padding between REASON and OBJECT wrapped to a blank line, the OBJECT
        // cell to the start of the next: the table ended there and the missing pull secret's
        // event was lost.
        (
            "events-A-words-48-padding-line.txt",
            "private-api-59d7f8c6b-r4t7n",
            None,
            "acme/private-api:1.2.0",
            "pull-unauthorized",
        ),
        // An event about the whole pod has no SUBOBJECT: its row has one word fewer, and
        // `Unable⏎  to retrieve` was glued as if cut inside a cell.
        (
            "get-events-wide-words-40-indented-empty-subobject.txt",
            "private-api-59d7f8c6b-x8k2p",
            Some("api"),
            "acme/private-api:1.2.0",
            "pull-unauthorized",
        ),
        // 1.35's `spec.containers{to⏎  ol}:` prefix: `to` and `ol` are no words apart.
        (
            "describe-1.35-hard-40-indented-field-path.txt",
            "legacy-tool-6d5f8b9c4-zt8rw",
            Some("tool"),
            "acme/legacy-tool:1.0",
            "pull-platform-mismatch",
        ),
    ];
    for &(name, pod, container, image, rule) in cases {
        let path = repo().join("fixtures/kubectl/wrapped").join(name);
        let text = std::fs::read_to_string(&path).expect("read");
        let got: Vec<_> = diagnose(&text)
            .into_iter()
            .map(|d| (d.pod, d.container, d.image, d.cause.rule.clone()))
            .collect();
        let want = vec![(
            Some(pod.to_string()),
            container.map(str::to_string),
            Some(image.to_string()),
            rule.to_string(),
        )];
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn a_single_wrapped_event_line_keeps_its_cause_at_every_width() {
    // Issue 11: "a single wrapped `Failed to pull image … 401 Unauthorized` line can give no
    // finding at all".
    let lines = [
        (
            "  Warning  Failed     12s (x3 over 50s)  kubelet            Failed to pull image \"registry.example.com/team/web:1.0\": rpc error: code = Unknown desc = failed to pull and unpack image \"registry.example.com/team/web:1.0\": failed to resolve reference \"registry.example.com/team/web:1.0\": unexpected status from HEAD request to https://registry.example.com/v2/team/web/manifests/1.0: 401 Unauthorized",
            "pull-unauthorized",
        ),
        (
            "Failed to pull image \"ghcr.io/acme/api:2.0\": failed to pull and unpack image \"ghcr.io/acme/api:2.0\": failed to resolve reference \"ghcr.io/acme/api:2.0\": failed to do request: Head \"https://ghcr.io/v2/acme/api/manifests/2.0\": dial tcp: lookup ghcr.io on 10.96.0.10:53: no such host",
            "pull-dns",
        ),
    ];
    for (line, rule) in lines {
        let want = answer(line);
        assert_eq!(want.len(), 1, "{line}");
        assert_eq!(want[0].2, rule);
        for width in 40..=200 {
            for style in [Style::Hard, Style::Words] {
                for indent in ["", "  "] {
                    for eol in ["\n", "\r\n"] {
                        let wrapped = wrap(line, width, style, indent, eol);
                        assert_eq!(
                            answer(&wrapped),
                            want,
                            "width {width} {style:?} indent {indent:?}:\n{wrapped}"
                        );
                    }
                }
            }
        }
    }
}
