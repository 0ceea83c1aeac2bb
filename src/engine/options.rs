//! What to lint and how: the options a caller (the CLI, a test, a fuzzer) hands the engine.

use crate::finding::Severity;
use crate::index::RunSettings;
use std::collections::HashMap;
use std::path::PathBuf;

/// What to lint and how; built by the CLI or by tests.
#[derive(Clone, Debug)]
pub struct LintOptions {
    /// Files and directories; `-` is standard input. Empty means `.`.
    pub paths: Vec<PathBuf>,
    /// The name stdin is reported under.
    pub stdin_filename: Option<String>,
    pub exclude: Vec<String>,
    /// When non-empty, only these rules run.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// Severity overrides (`None` = off).
    pub severities: HashMap<String, Option<Severity>>,
    pub jobs: usize,
    pub max_file_size: u64,
    pub follow_links: bool,
    /// Skip what the repository ignores (`.gitignore`, `.ignore`, global git excludes).
    pub respect_ignore: bool,
    /// What the cross-object rules know about the run: default namespace, registry lists,
    /// pre-pulled images, `--require-secrets`.
    pub settings: RunSettings,
    /// How charts and Kustomize roots found in the run are rendered.
    pub render: crate::render::RenderSettings,
    /// Where each kind keeps its images: `rules/kinds.yaml` and the config's `kinds`.
    pub kinds: std::sync::Arc<crate::model::KindTable>,
    /// The registry check (`--online`). `None`, the default: no connection is ever made.
    pub online: Option<super::online::OnlineSettings>,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            paths: Vec::new(),
            stdin_filename: None,
            exclude: Vec::new(),
            select: Vec::new(),
            ignore: Vec::new(),
            severities: HashMap::new(),
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_file_size: 64 * 1024 * 1024,
            follow_links: true,
            respect_ignore: true,
            settings: RunSettings::new(),
            render: crate::render::RenderSettings::default(),
            kinds: crate::model::KindTable::builtin(),
            online: None,
        }
    }
}
