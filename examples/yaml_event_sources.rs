//! Measures the candidate event sources of the YAML layer in one run (issue 10: patch the
//! vendored saphyr, or port libyaml): pullcheck's saphyr, `unsafe-libyaml` (libyaml 0.2.5
//! translated to unsafe Rust; serde_yaml's) and `libyaml-safer` (its safe port).
//!
//! ```sh
//! cargo run --release --example yaml_event_sources -- [DIR] [REPEAT]
//! PULLCHECK_YAML_ORACLE=$(scripts/build-yaml-oracle.sh) cargo run --release --example yaml_event_sources
//! ```
//!
//! Speed: every document of DIR (default `../shared/corpus`), as kubectl's reader cuts them,
//! is parsed to events by each source, REPEAT (default 5) rounds interleaved; the median
//! round of each is printed with its ratio to saphyr's. Agreement (with the oracle of
//! `tests/it/yaml_differential.rs`): on the corpus, the YAML test suite and the fuzz corpus,
//! each document is read the way go-yaml's `Unmarshal` reads it (events up to the first
//! document end) and counted as accepted or refused; both event sources are compared with
//! kubectl's verdict. Decoder checks (null or complex keys, tags) are in neither event source:
//! pullcheck's tree builder makes them on top, so the figures compare the event sources only.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use pullcheck::syntax::saphyr::{Event, Parser};
use pullcheck::syntax::{ParseLimits, parse_yaml_stream, split_documents};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The documents kubectl's reader hands go-yaml (a `---` that ended a document dropped).
fn chunks(text: &str) -> Vec<String> {
    let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
    split_documents(text, base)
        .into_iter()
        .filter_map(|r| {
            let chunk = text.get(r.clone())?;
            let first = chunk.split_inclusive('\n').next().unwrap_or("");
            let separator = first.starts_with("---")
                && first[3..].trim().chars().next().is_none_or(|c| c == '#');
            let chunk = if r.start > base && separator {
                chunk.get(first.len()..)?
            } else {
                chunk
            };
            Some(chunk.to_string())
        })
        .collect()
}

/// Events up to the first document end (`Unmarshal`), or all of them (`whole`): the count, or
/// `None` on an error.
fn saphyr(chunk: &str, whole: bool) -> Option<usize> {
    let mut n = 0;
    for item in Parser::new_from_str(chunk) {
        let (event, _) = item.ok()?;
        n += 1;
        if !whole && matches!(event, Event::DocumentEnd) {
            break;
        }
    }
    Some(n)
}

fn unsafe_libyaml(chunk: &str, whole: bool) -> Option<usize> {
    use std::mem::MaybeUninit;
    use unsafe_libyaml::*;
    // SAFETY: the parser is initialised before use and deleted once; the input outlives it;
    // every event is deleted after its type is read.
    unsafe {
        let mut parser = MaybeUninit::<yaml_parser_t>::uninit();
        if yaml_parser_initialize(parser.as_mut_ptr()).fail {
            return None;
        }
        let parser = parser.as_mut_ptr();
        yaml_parser_set_input_string(parser, chunk.as_ptr(), chunk.len() as u64);
        let mut n = 0;
        let mut result = None;
        loop {
            let mut event = MaybeUninit::<yaml_event_t>::uninit();
            if yaml_parser_parse(parser, event.as_mut_ptr()).fail {
                break;
            }
            let kind = (*event.as_ptr()).type_;
            yaml_event_delete(event.as_mut_ptr());
            n += 1;
            if kind == YAML_STREAM_END_EVENT || (!whole && kind == YAML_DOCUMENT_END_EVENT) {
                result = Some(n);
                break;
            }
        }
        yaml_parser_delete(parser);
        result
    }
}

/// libyaml-safer panics on some real manifests (see `main`): a panic counts as a refusal here,
/// and is counted.
fn libyaml_safer(chunk: &str, whole: bool) -> Option<usize> {
    std::panic::catch_unwind(|| libyaml_safer_events(chunk, whole)).unwrap_or_else(|_| {
        PANICS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        None
    })
}

static PANICS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn libyaml_safer_events(chunk: &str, whole: bool) -> Option<usize> {
    let mut bytes = chunk.as_bytes();
    let mut parser = libyaml_safer::Parser::new();
    parser.set_input_string(&mut bytes);
    let mut n = 0;
    loop {
        let event = parser.parse().ok()?;
        n += 1;
        match event.data {
            libyaml_safer::EventData::StreamEnd => return Some(n),
            libyaml_safer::EventData::DocumentEnd { .. } if !whole => return Some(n),
            _ => {}
        }
    }
}

type Source = (&'static str, fn(&str, bool) -> Option<usize>);
const SOURCES: [Source; 3] = [
    ("saphyr (pullcheck)", saphyr),
    ("unsafe-libyaml", unsafe_libyaml),
    ("libyaml-safer", libyaml_safer),
];

fn read_chunks(dirs: &[PathBuf]) -> Vec<String> {
    let mut paths = Vec::new();
    for d in dirs {
        files(d, &mut paths);
    }
    paths
        .iter()
        .filter_map(|p| String::from_utf8(std::fs::read(p).ok()?).ok())
        .filter(|t| !t.trim_start().starts_with('{'))
        .flat_map(|t| chunks(&t))
        .collect()
}

fn speed(dir: &Path, repeat: usize) {
    let docs = read_chunks(&[dir.to_path_buf()]);
    let bytes: usize = docs.iter().map(String::len).sum();
    println!(
        "speed: {} documents, {bytes} bytes, {repeat} rounds",
        docs.len()
    );
    let mut rounds: Vec<Vec<f64>> = vec![Vec::new(); SOURCES.len()];
    let mut events = vec![0usize; SOURCES.len()];
    for _ in 0..repeat {
        for (i, (_, parse)) in SOURCES.iter().enumerate() {
            let start = Instant::now();
            let n: usize = docs.iter().map(|d| parse(d, true).unwrap_or(0)).sum();
            rounds[i].push(start.elapsed().as_secs_f64());
            events[i] = n;
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let base = median(&mut rounds[0].clone());
    for (i, (name, _)) in SOURCES.iter().enumerate() {
        let m = median(&mut rounds[i]);
        println!(
            "  {name:20} {:8.1} ms  {:5.2}x saphyr  {:6.1} MB/s  {} events",
            m * 1e3,
            m / base,
            bytes as f64 / m / 1e6,
            events[i]
        );
    }
}

fn oracle_verdicts(oracle: &str, docs: &[String]) -> Vec<Option<bool>> {
    let mut child = Command::new(oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the oracle");
    let mut stdin = child.stdin.take().expect("stdin");
    let payload: String = docs
        .iter()
        .map(|d| {
            // A document that starts with `{` would be JSON for kubectl on its own.
            let d = if d.trim_start().starts_with('{') {
                format!("#\n{d}")
            } else {
                d.clone()
            };
            d.bytes().map(|b| format!("{b:02x}")).collect::<String>() + "\n"
        })
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(payload.as_bytes()));
    let mut verdicts = Vec::new();
    let mut current: Option<bool> = Some(true);
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("UTF-8");
        if line == "END" {
            verdicts.push(current.take());
            current = Some(true);
        } else if line == "JSON" {
            current = None;
        } else if line.starts_with("ERR") && current.is_some() {
            current = Some(false);
        }
    }
    let _ = writer.join();
    let _ = child.wait();
    verdicts
}

fn agreement(oracle: &str) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (set, dir) in [
        ("corpus", repo.join("../shared/corpus")),
        ("yaml-test-suite", repo.join("../shared/yaml-test-suite")),
        ("fuzz", repo.join("fuzz/corpus/manifest_pipeline")),
    ] {
        let docs = read_chunks(&[dir]);
        let verdicts = oracle_verdicts(oracle, &docs);
        let panics = PANICS.load(std::sync::atomic::Ordering::Relaxed);
        let mut line = format!("  {set}: {} documents", docs.len());
        for (name, parse) in SOURCES {
            let (mut agree, mut compared, mut false_errors) = (0, 0, 0);
            for (doc, verdict) in docs.iter().zip(&verdicts) {
                let Some(kubectl) = verdict else { continue };
                let ours = parse(doc, false).is_some();
                compared += 1;
                agree += usize::from(ours == *kubectl);
                false_errors += usize::from(!ours && *kubectl);
            }
            line += &format!(
                "\n    {name:20} {:.1} % ({false_errors} refused that kubectl reads)",
                100.0 * agree as f64 / compared.max(1) as f64
            );
        }
        // pullcheck's whole syntax layer: saphyr's events plus the reader's and decoder's
        // checks it makes on top (control characters, `%YAML`, null and complex keys).
        let (mut agree, mut compared, mut false_errors) = (0, 0, 0);
        for (doc, verdict) in docs.iter().zip(&verdicts) {
            let Some(kubectl) = verdict else { continue };
            let ours = parse_yaml_stream(doc, 0, &ParseLimits::default())
                .iter()
                .all(Result::is_ok);
            compared += 1;
            agree += usize::from(ours == *kubectl);
            false_errors += usize::from(!ours && *kubectl);
        }
        line += &format!(
            "\n    {:20} {:.1} % ({false_errors} refused that kubectl reads)",
            "pullcheck's syntax layer",
            100.0 * agree as f64 / compared.max(1) as f64
        );
        let panics = PANICS.load(std::sync::atomic::Ordering::Relaxed) - panics;
        println!("{line}\n    (libyaml-safer panicked on {panics})");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    );
    let repeat = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
    std::panic::set_hook(Box::new(|_| {}));
    speed(&dir, repeat);
    println!(
        "libyaml-safer panicked {} times (on a document of the speed set, every round)",
        PANICS.load(std::sync::atomic::Ordering::Relaxed)
    );
    match std::env::var("PULLCHECK_YAML_ORACLE") {
        Ok(oracle) => {
            println!("agreement of the document verdicts with kubectl's (events only):");
            agreement(&oracle);
        }
        Err(_) => println!("(set PULLCHECK_YAML_ORACLE for the agreement figures)"),
    }
}
