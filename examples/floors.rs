//! The floors pullcheck is measured against, on exactly the files pullcheck would lint.
//!
//! ```sh
//! cargo run --release --example floors -- read DIR        # walk + read every byte
//! cargo run --release --example floors -- parse DIR       # + split and parse every document
//! cargo run --release --example floors -- serde-yaml DIR  # + serde_yaml into Values (naive)
//! cargo run --release --example floors -- serde-json FILE # + serde_json into a Value (dumps)
//! ```
//!
//! Single-threaded. Prints one line: `mode files bytes documents seconds peak_rss_kb`.
//! `parse` uses the same parser as the linter (saphyr events through
//! `pullcheck::syntax::parse_stream`, building the spanned tree) and runs no model or rule.

use pullcheck::source::{WalkOptions, collect_inputs, read_file};
use pullcheck::syntax::{ParseLimits, parse_stream};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Instant;

/// Larger than any cluster dump we benchmark (pullcheck gets `--max-file-size` to match).
const MAX_FILE_SIZE: u64 = 4 << 30;

fn parse_floor(text: &str) -> usize {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    parse_stream(text, bom, &ParseLimits::default()).len()
}

fn serde_yaml_floor(text: &str) -> usize {
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| usize::from(serde_yaml::Value::deserialize(doc).is_ok()))
        .sum()
}

fn serde_json_floor(text: &str) -> usize {
    usize::from(serde_json::from_str::<serde_json::Value>(text).is_ok())
}

/// Peak resident set size of this process (Linux), in KiB.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(dir)) = (args.first(), args.get(1)) else {
        eprintln!("usage: floors read|parse|serde-yaml|serde-json PATH");
        std::process::exit(2);
    };
    let per_file: fn(&str) -> usize = match mode.as_str() {
        "read" => |_| 0,
        "parse" => parse_floor,
        "serde-yaml" => serde_yaml_floor,
        "serde-json" => serde_json_floor,
        _ => {
            eprintln!("unknown mode {mode:?}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let walk = WalkOptions {
        exclude: Vec::new(),
        follow_links: true,
        respect_ignore: true,
    };
    let (inputs, _) = match collect_inputs(&[PathBuf::from(dir)], &walk) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let (mut bytes, mut docs) = (0usize, 0usize);
    for input in &inputs {
        if let Ok(text) = read_file(&input.path, MAX_FILE_SIZE) {
            bytes += text.len();
            docs += per_file(&text);
        }
    }
    println!(
        "{mode} {} {bytes} {docs} {:.4} {}",
        inputs.len(),
        started.elapsed().as_secs_f64(),
        peak_rss_kb()
    );
}
