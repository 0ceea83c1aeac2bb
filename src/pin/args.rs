//! The `pullcheck pin` command line: what to pin, how, and the subset of the lint flags that
//! decide what is rendered and which credentials are used.

use std::path::PathBuf;

/// Pin every image to the digest its tag points at now (`repo:tag@sha256:…`), where the
/// image is set: the manifest, the chart's digest values key, the Kustomize `images:` entry.
/// Asks each image's registry (with the credentials `--online` uses).
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Examples:\n  pullcheck pin deploy/\n  pullcheck pin --diff charts/web --values prod.yaml\n  \
    pullcheck pin --check .        # CI: exit 1 when an image is unpinned or its tag moved"
)]
pub struct PinArgs {
    /// Files and directories (charts and Kustomize roots are rendered). Default: `.`
    pub paths: Vec<PathBuf>,

    /// Write nothing; exit 1 when an image is not pinned, or its digest is no longer the one
    /// its tag points at (saying which, and what the tag points at now).
    #[arg(long, conflicts_with = "diff")]
    pub check: bool,

    /// Write nothing; print the unified diff of what would be written.
    #[arg(long)]
    pub diff: bool,

    /// Pin an image without a tag (`nginx`) to what `latest` is now; without this it is
    /// reported, not pinned.
    #[arg(long)]
    pub pin_latest: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = PinFormat::Human)]
    pub format: PinFormat,

    /// A Helm values file for every chart of the run (repeatable; later files win).
    #[arg(long = "values", short = 'f', value_name = "FILE")]
    pub values: Vec<PathBuf>,

    /// The `helm` program that renders charts.
    #[arg(long, value_name = "PATH")]
    pub helm: Option<PathBuf>,

    /// The `kustomize` or `kubectl` program that builds Kustomize roots.
    #[arg(long, value_name = "PATH")]
    pub kustomize: Option<PathBuf>,

    /// The release name charts are rendered with.
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,

    /// Namespace of objects that name none.
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Skip paths matching this glob while walking directories (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Also walk what `.gitignore` and `.ignore` ignore.
    #[arg(long)]
    pub no_ignore: bool,

    /// Never use your Docker config (`~/.docker/config.json`); only pull secrets of the run.
    #[arg(long)]
    pub no_docker_config: bool,

    /// Where registry answers are kept between runs (tags are always asked again).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,

    /// Neither read nor write the answer cache.
    #[arg(long)]
    pub no_cache: bool,

    /// Worker threads (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// The tree is untrusted (a pull request): as for linting, its config may not name
    /// programs, and your Docker config is not used.
    #[arg(long)]
    pub untrusted: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PinFormat {
    Human,
    Json,
}
