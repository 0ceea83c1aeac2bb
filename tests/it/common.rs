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
/// The shared kubectl pastes (`../shared/samples/kubectl/*.txt`; each `.json` beside one is its
/// expected answer), or none, said on stderr, when `../shared` is absent.
pub fn kubectl_sample_pastes() -> Vec<PathBuf> {
    let samples = repo().join("../shared/samples/kubectl");
    if !samples.is_dir() {
        eprintln!("samples skipped: {} is absent", samples.display());
        return Vec::new();
    }
    files_under(&samples)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect()
}

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

/// The cases directly under `dir` (relative to the repository): files or case directories,
/// sorted, hidden ones (`.pullcheck.yaml`) left out. A folder with none is an error.
pub fn cases_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| dir.join(e.file_name()))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "{} has no cases", dir.display());
    out
}

/// Lints one fixture case (a file, or a directory linted together) with its `.pullcheck.yaml`.
pub fn run_case(case: &Path) -> Report {
    std::env::set_current_dir(repo()).expect("repo root");
    lint(&case_options(case)).expect("lint runs")
}

/// The options a fixture case is linted with: its `.pullcheck.yaml` (read now), the renderers.
pub fn case_options(case: &Path) -> LintOptions {
    let cfg_path = case.join(pullcheck::config::FILE_NAME);
    let cfg = if case.is_dir() && cfg_path.is_file() {
        pullcheck::config::load(Some(&cfg_path)).expect("fixture config is valid")
    } else {
        pullcheck::config::Config::default()
    };
    LintOptions {
        paths: vec![case.to_path_buf()],
        jobs: 1,
        settings: cfg.settings(),
        severities: cfg.severities.clone(),
        render: with_renderers(cfg.render.clone()),
        kinds: pullcheck::model::KindTable::with_user(&cfg.kinds),
        ..LintOptions::default()
    }
}

/// The renderers scripts/install-renderers.sh installed (`PULLCHECK_HELM`, `PULLCHECK_KUBECTL`),
/// unless the settings name their own.
pub fn with_renderers(
    mut render: pullcheck::render::RenderSettings,
) -> pullcheck::render::RenderSettings {
    if render.helm.is_none() {
        render.helm = std::env::var_os("PULLCHECK_HELM").map(PathBuf::from);
    }
    if render.kustomize.is_none() {
        render.kustomize = std::env::var_os("PULLCHECK_KUBECTL").map(PathBuf::from);
    }
    render
}

/// Whether the real renderers are there. When they are not: a test that needs them fails under
/// `PULLCHECK_REQUIRE_CLIENTS=1` (CI, scripts/test.sh) and is skipped with a message otherwise.
pub fn renderers_available(test: &str) -> bool {
    let have = ["PULLCHECK_HELM", "PULLCHECK_KUBECTL"]
        .iter()
        .all(|v| std::env::var_os(v).is_some_and(|p| Path::new(&p).is_file()));
    if !have {
        assert!(
            std::env::var_os("PULLCHECK_REQUIRE_CLIENTS").is_none(),
            "PULLCHECK_HELM / PULLCHECK_KUBECTL are not set but PULLCHECK_REQUIRE_CLIENTS is: scripts/install-renderers.sh failed"
        );
        eprintln!(
            "skipping {test}: set PULLCHECK_HELM and PULLCHECK_KUBECTL (scripts/test.sh installs them)"
        );
    }
    have
}

/// A fixture case that is (or holds) a chart or a Kustomize root.
pub fn needs_renderer(case: &Path) -> bool {
    case.is_dir()
        && files_under(case).iter().any(|p| {
            p.file_name().is_some_and(|n| {
                n == "Chart.yaml" || n == "kustomization.yaml" || n == "Kustomization"
            })
        })
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

/// The report in every format the library writes (human, JSON, SARIF, GitLab, GitHub, short),
/// for tests that search all of them for something that must not be there.
pub fn every_format(report: &Report) -> Vec<String> {
    let mut outputs = vec![human(report), json(report)];
    for write in [
        pullcheck::emit::sarif::write,
        pullcheck::emit::gitlab::write,
        pullcheck::emit::github::write,
        pullcheck::emit::short::write,
    ] {
        let mut out = Vec::new();
        write(report, &mut out).expect("write");
        outputs.push(String::from_utf8_lossy(&out).into_owned());
    }
    outputs
}
