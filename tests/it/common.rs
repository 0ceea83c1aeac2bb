//! Helpers shared by the integration tests.
#![allow(dead_code)]

use pullcheck::emit;
use pullcheck::engine::{LintOptions, Report, lint, lint_memory};
use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Lints paths relative to the repository root (so reported names are stable).
pub fn lint_paths(paths: &[&str]) -> Report {
    std::env::set_current_dir(repo()).expect("repo root");
    let opts = LintOptions {
        paths: paths.iter().map(PathBuf::from).collect(),
        jobs: 2,
        ..LintOptions::default()
    };
    lint(&opts).expect("lint runs")
}

pub fn lint_text(name: &str, text: &str) -> Report {
    lint_memory(&[(name, text)], &LintOptions::default()).expect("lint runs")
}

pub fn human(report: &Report) -> String {
    let mut out = Vec::new();
    let opts = emit::human::HumanOptions {
        color: false,
        width: 100,
    };
    emit::human::write(report, &opts, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8")
}

pub fn json(report: &Report) -> String {
    let mut out = Vec::new();
    emit::json::write(report, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8")
}

pub fn rules_fired(report: &Report) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.rule).collect()
}

/// Files directly under `dir` and in its subdirectories, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walk(dir);
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                walk(&p)
            } else {
                vec![p]
            }
        })
        .collect()
}

/// Lints one fixture case (a file, or a directory linted together) with its `.pullcheck.yaml`.
pub fn run_case(case: &Path) -> Report {
    std::env::set_current_dir(repo()).expect("repo root");
    let cfg_path = case.join(pullcheck::config::FILE_NAME);
    let cfg = if case.is_dir() && cfg_path.is_file() {
        pullcheck::config::load(Some(&cfg_path)).expect("fixture config is valid")
    } else {
        pullcheck::config::Config::default()
    };
    let opts = LintOptions {
        paths: vec![case.to_path_buf()],
        jobs: 1,
        settings: cfg.settings(),
        severities: cfg.severities.clone(),
        ..LintOptions::default()
    };
    lint(&opts).expect("lint runs")
}

/// xorshift64*: a tiny deterministic PRNG so the generated corpus is the same on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}
