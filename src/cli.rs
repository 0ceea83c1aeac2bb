//! Command-line interface: parse arguments, run the library, print, return the exit code.

use crate::emit;
use crate::engine::{LintOptions, lint};
use crate::finding::Severity;
use crate::report::Report;
use crate::rules::{CATALOG, find};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Catch Kubernetes image-pull failures before they happen, offline.
#[derive(Parser, Debug, Clone)]
// The version line names the commit for builds from a git checkout (see build.rs).
#[command(
    name = "pullcheck",
    version = env!("PULLCHECK_VERSION"),
    args_conflicts_with_subcommands = true
)]
#[command(
    after_help = "Examples:\n  pullcheck deploy/\n  pullcheck charts/web --values values-prod.yaml\n  helm template ./chart | pullcheck -\n  \
    kubectl get deploy -A -o yaml | pullcheck --stdin-filename live.yaml -\n  \
    pullcheck explain missing-tag"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Files and directories to lint (`-` reads standard input). Default: `.`
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead of standard output, which then gets the human report.
    /// `FORMAT=FILE` picks another format for that file (an unknown FORMAT is an error; a file
    /// name with `=` needs a directory, `./a=b.json`); repeat to write several in one run
    /// (e.g. `--output sarif=results.sarif --output json=report.json`).
    #[arg(long, short = 'o', value_name = "[FORMAT=]FILE", value_parser = parse_output)]
    pub output: Vec<OutputSpec>,

    /// When to colour the human report (`NO_COLOR` is respected in `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Exit 1 when a finding of at least this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,

    /// Only run these rules (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,

    /// Do not run these rules (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,

    /// Skip paths matching this glob while walking directories (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// The file name to report for standard input (e.g. `live.yaml`).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Worker threads (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// Files larger than this are reported, not read (bytes; K, M, G suffixes allowed).
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size)]
    pub max_file_size: u64,

    /// Config file (default: the nearest `.pullcheck.yaml` from the current directory up).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// Namespace of objects that name none (default: the config's `namespace`, else `default`).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Report every imagePullSecrets name whose Secret is not among the linted files, even for
    /// namespaces with no Secret in the run.
    #[arg(long)]
    pub require_secrets: bool,

    /// The `helm` program that renders charts (default: the config's `render.helm`, else `helm`
    /// on PATH).
    #[arg(long, value_name = "PATH")]
    pub helm: Option<PathBuf>,

    /// The `kustomize` or `kubectl` program that builds Kustomize roots (default: the config's
    /// `render.kustomize`, else `kustomize`, then `kubectl`, on PATH).
    #[arg(long, value_name = "PATH")]
    pub kustomize: Option<PathBuf>,

    /// A Helm values file for every chart of the run, after the chart's own `values.yaml` and
    /// the config's (repeatable; later files win, as `helm -f`).
    #[arg(long = "values", short = 'f', value_name = "FILE")]
    pub values: Vec<PathBuf>,

    /// The release name charts are rendered with (default: the config's, else `release-name`).
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,

    /// Also walk what `.gitignore`, `.ignore` and the global git excludes ignore
    /// (`node_modules/`, build output). Paths named on the command line are always read.
    #[arg(long)]
    pub no_ignore: bool,

    /// Ask each image's registry whether the pod could pull it (tag, digest, credentials,
    /// platforms). Off by default: without it pullcheck makes no network connection, and the
    /// config cannot turn it on.
    #[arg(long)]
    pub online: bool,

    /// With `--online`: never use your Docker config (`~/.docker/config.json`) to tell a
    /// missing image from a refused one.
    #[arg(long, requires = "online")]
    pub no_docker_config: bool,

    /// Where rendered charts and Kustomize roots (and, with `--online`, registry answers) are
    /// kept between runs (default `$XDG_CACHE_HOME/pullcheck`, else `~/.cache/pullcheck`). No
    /// credential and no Secret value is ever stored.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,

    /// Neither read nor write any cache: render every chart and root, ask every registry.
    #[arg(long)]
    pub no_cache: bool,

    /// With `--online`: ask again about every tag, ignoring cached answers (and keep the fresh
    /// ones); answers about digests are still reused.
    #[arg(long, requires = "online", conflicts_with = "no_cache")]
    pub refresh: bool,

    /// Apply the safe fixes in place (the files a user edits: manifests, values files,
    /// kustomizations), then lint again until nothing is left to fix, and report what is left.
    #[arg(long)]
    pub fix: bool,

    /// Print the fixes as a unified diff instead of a report and write nothing; exit 1 when
    /// there is something to fix.
    #[arg(long)]
    pub diff: bool,

    /// With `--fix` or `--diff`: also apply the unsafe fixes (suggestions that may change what
    /// the manifest means).
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// The tree comes from someone you do not trust (a pull request): its `.pullcheck.yaml` may
    /// not name programs to run (`render.helm`, `render.kustomize`); take them from PATH or
    /// `--helm`/`--kustomize`. The GitHub Action sets this by default.
    #[arg(long)]
    pub untrusted: bool,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// List every rule with its severity and what it catches.
    Rules,
    /// Show one rule's documentation.
    Explain {
        /// Rule name, e.g. `missing-tag`.
        rule: String,
    },
    /// Print a shell completion script, e.g. `pullcheck completions bash > ~/.local/share/bash-completion/completions/pullcheck`.
    Completions {
        /// The shell to complete in.
        shell: crate::generate::Shell,
    },
    /// Print the manual page (roff), e.g. `pullcheck man > ~/.local/share/man/man1/pullcheck.1`.
    Man,
    /// Diagnose the pods of a cluster with your kubectl, read-only: one finding per container
    /// whose image pull fails (docs/kubectl-output.md).
    #[command(after_help = PODS_HELP)]
    Pods(PodsArgs),
    /// Pin images to the digest their tag points at now (`repo:tag@sha256:…`); `--check` for CI.
    Pin(crate::pin::PinArgs),
}

const PODS_HELP: &str = "Examples:\n  pullcheck pods                      # the current namespace\n  \
    pullcheck pods -n shop web-7d9c5b8f4-x2x9q\n  pullcheck pods -A --format json\n  \
    pullcheck pods -n shop --save incident-42/   # later: pullcheck incident-42/*\n  \
    kubectl pullcheck pods -n shop      # as a kubectl plugin (kubectl-pullcheck on PATH)\n\n\
    Only `kubectl get` is sent to the cluster (pods, events, ServiceAccounts, and the names and \
    types of pull Secrets, never their data). Exit codes: 0 no failing pull (at --fail-on), 1 \
    failing pulls, 2 nothing could be read (no kubectl, no context, unreachable, forbidden, no \
    such namespace).";

/// `pullcheck pods`: what to read and how to report it.
#[derive(clap::Args, Debug, Clone)]
pub struct PodsArgs {
    /// Pods to diagnose (default: every pod of the namespace).
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,

    /// The namespace (default: the context's).
    #[arg(
        long,
        short = 'n',
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,

    /// Every namespace.
    #[arg(long, short = 'A', conflicts_with = "pods")]
    pub all_namespaces: bool,

    /// The kubeconfig context (default: the current one).
    #[arg(long, value_name = "CTX")]
    pub context: Option<String>,

    /// The kubeconfig file (default: kubectl's: `KUBECONFIG`, else `~/.kube/config`).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubectl program (default: `kubectl` on PATH).
    #[arg(long, value_name = "PATH")]
    pub kubectl: Option<PathBuf>,

    /// Read at most this many pods (lists are read in pages of 500).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub limit: usize,

    /// Each request's time limit, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub request_timeout: u64,

    /// Also write what was read (masked JSON) into DIR: `pullcheck DIR/*` gives the same
    /// diagnoses later.
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Also write a report to FILE (`FORMAT=FILE` for another format; repeatable).
    #[arg(long, value_name = "[FORMAT=]FILE", value_parser = parse_output)]
    pub output: Vec<OutputSpec>,

    /// When to colour the human report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Also ask each failing image's registry, from here, whether it can be pulled: the
    /// diagnosis says whether the answer confirms or contradicts it (docs/online.md).
    #[arg(long)]
    pub online: bool,

    /// With `--online`: never use your Docker config to tell a missing image from a refused one.
    #[arg(long, requires = "online")]
    pub no_docker_config: bool,

    /// Exit 1 when a finding of at least this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
}

pub use crate::emit::Format;

/// One `--output`: a file and, if given as `FORMAT=FILE`, its own format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: Option<Format>,
    pub path: PathBuf,
}

/// `FORMAT=FILE` or `FILE`. Text before the first `=` that holds no path separator is a
/// format and must be a known one: `xml=o.xml` is a typo to report, not a file to create. A
/// file name with `=` in it is written with a directory (`./a=b.json`).
fn parse_output(s: &str) -> Result<OutputSpec, String> {
    let (format, path) = match s.split_once('=') {
        Some((name, path)) if !name.chars().any(std::path::is_separator) => {
            match Format::from_str(name, true) {
                Ok(format) => (Some(format), path),
                Err(_) => {
                    let known: Vec<String> = Format::all().iter().map(|f| f.name()).collect();
                    return Err(format!(
                        "unknown format {name:?}; known formats: {} (a file name with `=` is \
                         written with a directory, e.g. ./{s})",
                        known.join(", ")
                    ));
                }
            }
        }
        _ => (None, s),
    };
    if path.is_empty() {
        return Err("expected FILE or FORMAT=FILE".to_string());
    }
    Ok(OutputSpec {
        format,
        path: PathBuf::from(path),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, factor) = match s.char_indices().last() {
        Some((i, 'K' | 'k')) => (&s[..i], 1024),
        Some((i, 'M' | 'm')) => (&s[..i], 1024 * 1024),
        Some((i, 'G' | 'g')) => (&s[..i], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    digits
        .parse::<u64>()
        .map(|n| n.saturating_mul(factor))
        .map_err(|_| format!("not a size: {s:?} (examples: 1048576, 512K, 64M)"))
}

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// Runs the CLI; returns the process exit code.
pub fn main_with_args(args: Vec<std::ffi::OsString>) -> i32 {
    let cli = match parse(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Generated files need no configuration: a broken `.pullcheck.yaml` must not stop them.
    let generated = match &cli.command {
        Some(Command::Completions { shell }) => Some(crate::generate::completions(
            Cli::command(),
            *shell,
            &mut out,
        )),
        Some(Command::Man) => Some(crate::generate::man(Cli::command(), &mut out)),
        _ => None,
    };
    if let Some(result) = generated {
        return match result.and_then(|()| out.flush()) {
            Ok(()) => EXIT_OK,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
            Err(e) => {
                eprintln!("pullcheck: {e}");
                EXIT_USAGE
            }
        };
    }
    let config = match crate::config::load_as(cli.config.as_deref(), trust(&cli)) {
        Ok(c) => c,
        Err(e) => {
            print_config_error(&e, cli.color);
            return EXIT_USAGE;
        }
    };
    let code = match &cli.command {
        Some(Command::Rules) => print_rules(&config, &mut out).map(|()| EXIT_OK),
        Some(Command::Explain { rule }) => explain(rule, &mut out),
        Some(Command::Completions { .. } | Command::Man) => Ok(EXIT_OK),
        Some(Command::Pods(args)) => run_pods(&cli, args, &config, &mut out),
        Some(Command::Pin(args)) => run_pin(args, &config, &mut out),
        None => run_lint(&cli, &config, &mut out),
    };
    match code {
        Ok(code) => code,
        // `pullcheck … | head` closes the pipe early: not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("pullcheck: {e}");
            EXIT_USAGE
        }
    }
}

/// The program's name when kubectl runs it as a plugin (`kubectl pullcheck …` runs
/// `kubectl-pullcheck …` from PATH).
pub const PLUGIN_NAME: &str = "kubectl-pullcheck";

/// Parses the command line; run as `kubectl-pullcheck`, usage and help say `kubectl pullcheck`
/// (krew's convention for a plugin's help).
fn parse(args: Vec<std::ffi::OsString>) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let plugin = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_stem())
        .is_some_and(|n| n == PLUGIN_NAME);
    let mut command = Cli::command();
    if plugin {
        command = command
            .name(PLUGIN_NAME)
            .bin_name("kubectl pullcheck")
            .display_name("kubectl pullcheck");
    }
    let matches = command.try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

fn trust(cli: &Cli) -> crate::config::Trust {
    if cli.untrusted {
        crate::config::Trust::Untrusted
    } else {
        crate::config::Trust::Trusted
    }
}

fn print_config_error(e: &crate::config::ConfigError, color: ColorChoice) {
    let theme = if matches!(color, ColorChoice::Always) {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_links(false);
    let mut buf = String::new();
    if handler.render_report(&mut buf, e).is_err() {
        buf = format!("pullcheck: {e}\n");
    }
    eprint!("{buf}");
}

/// The command line over the config: the config's lists, then the flags.
pub fn options(cli: &Cli, config: &crate::config::Config) -> LintOptions {
    let mut settings = config.settings();
    if let Some(ns) = &cli.namespace {
        settings.default_namespace = ns.clone();
    }
    settings.require_secrets = cli.require_secrets;
    let mut opts = LintOptions {
        paths: cli.paths.clone(),
        stdin_filename: cli.stdin_filename.clone(),
        exclude: config.exclude.iter().chain(&cli.exclude).cloned().collect(),
        select: cli.select.clone(),
        ignore: cli.ignore.clone(),
        severities: config.severities.clone(),
        max_file_size: cli.max_file_size,
        respect_ignore: !cli.no_ignore,
        settings,
        kinds: crate::model::KindTable::with_user(&config.kinds),
        ..LintOptions::default()
    };
    if let Some(jobs) = cli.jobs {
        opts.jobs = jobs.max(1);
    }
    let mut render = config.render.clone();
    if let Some(helm) = &cli.helm {
        render.helm = Some(helm.clone());
    }
    if let Some(kustomize) = &cli.kustomize {
        render.kustomize = Some(kustomize.clone());
    }
    if let Some(release) = &cli.release {
        render.release = release.clone();
    }
    if cli.namespace.is_some() {
        render.namespace = cli.namespace.clone();
    }
    render.values.extend(cli.values.iter().cloned());
    // A renderer's output is a file like any other: the same cap.
    render.max_output = cli.max_file_size;
    let cache_root = if cli.no_cache {
        None
    } else {
        cli.cache_dir
            .clone()
            .or_else(crate::source::private_dir::default_root)
    };
    render.cache = cache_root.as_ref().map(|root| root.join("render"));
    opts.render = render;
    if cli.online {
        let client = crate::registry::Options {
            insecure: config.online.insecure.clone(),
            mirrors: config.online.mirrors.clone(),
            ca_files: config.online.ca_files.clone(),
            proxy: crate::registry::ProxySettings::from_env(),
            ..crate::registry::Options::default()
        };
        opts.online = Some(crate::engine::OnlineSettings {
            client,
            platforms: config.online.platforms.clone(),
            docker_config: None,
            // A pull request could otherwise learn which private images the CI job's own login
            // can see ("exists" against "does not exist").
            no_docker_config: cli.no_docker_config || cli.untrusted,
            ask_tags: false,
            cache: cache_root.map(|root| crate::registry::CacheSettings {
                dir: root.join("registry"),
                tag_lifetime: config.online.tag_lifetime,
                refresh: cli.refresh,
            }),
            progress: progress_line(cli),
        });
    }
    opts
}

/// The registry check's progress on the terminal, once it has taken more than a second: one
/// line on stderr, rewritten in place and erased when the check ends. Never in machine formats
/// or when stderr is a file or a CI log.
fn progress_line(cli: &Cli) -> Option<crate::engine::Progress> {
    let human = matches!(cli.format, Format::Human | Format::Short) && cli.output.is_empty();
    if !human || !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return None;
    }
    let start = std::time::Instant::now();
    let shown = std::sync::atomic::AtomicBool::new(false);
    Some(crate::engine::Progress(std::sync::Arc::new(
        move |answered: usize, asked: usize| {
            use std::sync::atomic::Ordering;
            let mut err = std::io::stderr().lock();
            if answered >= asked {
                if shown.swap(false, Ordering::Relaxed) {
                    let _ = write!(err, "\r\x1b[K");
                }
            } else if start.elapsed() >= std::time::Duration::from_secs(1) {
                shown.store(true, Ordering::Relaxed);
                let _ = write!(
                    err,
                    "\r\x1b[Kpullcheck: asking registries: {answered} of {asked} answered ({:.0} s)",
                    start.elapsed().as_secs_f64()
                );
            }
            let _ = err.flush();
        },
    )))
}

fn run_lint(
    cli: &Cli,
    config: &crate::config::Config,
    out: &mut dyn Write,
) -> std::io::Result<i32> {
    // A values file that is not there is a mistyped command line, not a chart that fails.
    if let Some(missing) = cli.values.iter().find(|v| !v.is_file()) {
        eprintln!("pullcheck: --values {}: no such file", missing.display());
        return Ok(EXIT_USAGE);
    }
    let settings = crate::fix::FixSettings {
        unsafe_fixes: cli.unsafe_fixes,
    };
    let opts = options(cli, config);
    if cli.diff {
        return print_diff(&opts, settings, out);
    }
    let linted = if cli.fix {
        // Each pass reads the config again: a fix may have quoted one of its `set:` values.
        let lint_pass = || match crate::config::load_as(cli.config.as_deref(), trust(cli)) {
            Ok(config) => lint(&options(cli, &config)),
            Err(e) => Err(e.to_string()),
        };
        crate::fix::fix_with(lint_pass, settings).map(|run| {
            say_what_was_fixed(&run);
            run.report
        })
    } else {
        lint(&opts)
    };
    let report = match linted {
        Ok(r) => r,
        Err(message) => {
            eprintln!("pullcheck: {message}");
            return Ok(EXIT_USAGE);
        }
    };
    if report.summary.files == 0 {
        // An existing but empty tree exits 0; say so, since a wrong path in CI looks the same.
        eprintln!(
            "pullcheck: no .yaml, .yml or .json files found under {}",
            display_paths(&cli.paths)
        );
    }
    let Some(stdout_format) = write_outputs(&report, cli.format, &cli.output, cli.color, out)?
    else {
        return Ok(EXIT_USAGE);
    };
    out.flush()?;
    let github = stdout_format == Format::Github
        || cli
            .output
            .iter()
            .any(|o| o.format.unwrap_or(cli.format) == Format::Github);
    if github {
        append_step_summary(&report);
    }
    Ok(exit_code(&report, cli.fail_on))
}

/// `pullcheck pods`: read the cluster with kubectl, then lint what was read.
fn run_pods(
    cli: &Cli,
    args: &PodsArgs,
    config: &crate::config::Config,
    out: &mut dyn Write,
) -> std::io::Result<i32> {
    use crate::cluster::{Request, Scope};
    // `pullcheck pods` was a directory's name before it was a command.
    if std::path::Path::new("pods").is_dir() {
        eprintln!(
            "pullcheck pods: reading the cluster; to lint the directory ./pods, run `pullcheck ./pods`"
        );
    }
    let request = Request {
        pods: args.pods.clone(),
        scope: match (&args.namespace, args.all_namespaces) {
            (Some(ns), _) => Scope::Namespace(ns.clone()),
            (None, true) => Scope::All,
            (None, false) => Scope::Current,
        },
        context: args.context.clone(),
        kubeconfig: args.kubeconfig.clone(),
        kubectl: args.kubectl.clone(),
        limit: args.limit.max(1),
        timeout: std::time::Duration::from_secs(args.request_timeout.max(1)),
        max_output: cli.max_file_size,
    };
    let reading = match crate::cluster::read(&request) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pullcheck pods: {e}");
            return Ok(EXIT_USAGE);
        }
    };
    let names: Vec<String> = match &args.save {
        Some(dir) => match crate::cluster::save(&reading, dir) {
            Ok(paths) => paths
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
            Err(e) => {
                eprintln!("pullcheck pods: cannot write into {}: {e}", dir.display());
                return Ok(EXIT_USAGE);
            }
        },
        None => reading.files.iter().map(|(n, _)| n.clone()).collect(),
    };
    // The lint options of the top-level command, with this command's report and `--online`.
    let mut as_lint = cli.clone();
    as_lint.online = args.online;
    as_lint.no_docker_config = args.no_docker_config;
    as_lint.format = args.format;
    as_lint.output = args.output.clone();
    as_lint.paths.clear();
    let opts = options(&as_lint, config);
    let diagnosed = match crate::cluster::diagnose(&reading, &names, &opts) {
        Ok(d) => d,
        Err(message) => {
            eprintln!("pullcheck pods: {message}");
            return Ok(EXIT_USAGE);
        }
    };
    let Some(stdout_format) = write_outputs(
        &diagnosed.report,
        args.format,
        &args.output,
        args.color,
        out,
    )?
    else {
        return Ok(EXIT_USAGE);
    };
    // The counts and what was not read: on the terminal after the report, on standard error
    // beside a machine-readable one.
    let mut lines = vec![crate::cluster::summary_line(&reading, &diagnosed)];
    lines.extend(reading.not_read.iter().map(|n| format!("not read: {n}")));
    if let Some(dir) = &args.save {
        lines.push(format!(
            "saved what was read in {} (`pullcheck {}/*` diagnoses it again)",
            dir.display(),
            dir.display()
        ));
    }
    for line in lines {
        if stdout_format == Format::Human {
            writeln!(out, "{line}")?;
        } else {
            eprintln!("pullcheck pods: {line}");
        }
    }
    out.flush()?;
    Ok(exit_code(&diagnosed.report, args.fail_on))
}

/// Writes each `--output` file, then the report on standard output (the human one when files
/// were asked for) and returns its format; `None` when a file could not be written (said).
fn write_outputs(
    report: &Report,
    format: Format,
    outputs: &[OutputSpec],
    color: ColorChoice,
    out: &mut dyn Write,
) -> std::io::Result<Option<Format>> {
    // Files first: a closed stdout (`| head`) must not leave a report file unwritten.
    for spec in outputs {
        if let Err(e) = write_file(report, spec.format.unwrap_or(format), &spec.path) {
            eprintln!("pullcheck: cannot write {}: {e}", spec.path.display());
            return Ok(None);
        }
    }
    let stdout_format = if outputs.is_empty() {
        format
    } else {
        Format::Human
    };
    write_report(report, stdout_format, use_color(color), out)?;
    Ok(Some(stdout_format))
}

/// `--diff`: the fixes of one pass as a unified diff on stdout, what it would fix on stderr.
fn print_diff(
    opts: &LintOptions,
    settings: crate::fix::FixSettings,
    out: &mut dyn Write,
) -> std::io::Result<i32> {
    let report = match lint(opts) {
        Ok(r) => r,
        Err(message) => {
            eprintln!("pullcheck: {message}");
            return Ok(EXIT_USAGE);
        }
    };
    let (diff, fixed) = crate::fix::diff(&report, settings);
    out.write_all(diff.as_bytes())?;
    out.flush()?;
    if fixed > 0 {
        eprintln!(
            "pullcheck: would fix {fixed} finding{} (run with --fix to write the files)",
            if fixed == 1 { "" } else { "s" }
        );
    }
    Ok(if report.input_failed {
        EXIT_USAGE
    } else if diff.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

/// `--fix`: what was written, and what could not be, on stderr (stdout holds the report).
fn say_what_was_fixed(run: &crate::fix::FixRun) {
    for problem in &run.problems {
        eprintln!("pullcheck: warning: {}", crate::sanitize::sanitize(problem));
    }
    if run.fixed > 0 {
        eprintln!(
            "pullcheck: fixed {} finding{} in {} file{}",
            run.fixed,
            if run.fixed == 1 { "" } else { "s" },
            run.files.len(),
            if run.files.len() == 1 { "" } else { "s" }
        );
    }
    if run.unsettled {
        eprintln!(
            "pullcheck: warning: fixes were still left after {} passes; run --fix again",
            crate::fix::MAX_PASSES
        );
    }
}

/// `pullcheck pin`: the lint run's options from the pin flags, the registry asked by tag.
fn run_pin(
    args: &crate::pin::PinArgs,
    config: &crate::config::Config,
    out: &mut dyn Write,
) -> std::io::Result<i32> {
    if let Some(missing) = args.values.iter().find(|v| !v.is_file()) {
        eprintln!("pullcheck: --values {}: no such file", missing.display());
        return Ok(EXIT_USAGE);
    }
    let Ok(mut cli) = Cli::try_parse_from(["pullcheck"]) else {
        return Ok(EXIT_USAGE);
    };
    cli.paths = args.paths.clone();
    cli.values = args.values.clone();
    cli.helm = args.helm.clone();
    cli.kustomize = args.kustomize.clone();
    cli.release = args.release.clone();
    cli.namespace = args.namespace.clone();
    cli.exclude = args.exclude.clone();
    cli.no_ignore = args.no_ignore;
    cli.no_docker_config = args.no_docker_config;
    cli.cache_dir = args.cache_dir.clone();
    cli.no_cache = args.no_cache;
    cli.jobs = args.jobs;
    cli.untrusted = args.untrusted;
    cli.online = true;
    // What a tag points at *now*: cached answers about tags are not used (digests still are).
    cli.refresh = true;
    let mut opts = options(&cli, config);
    if let Some(online) = &mut opts.online {
        online.ask_tags = true;
    }
    let pin = crate::pin::PinOptions {
        check: args.check,
        diff: args.diff,
        pin_latest: args.pin_latest,
    };
    let report = match crate::pin::run(&opts, pin) {
        Ok(r) => r,
        Err(message) => {
            eprintln!("pullcheck: {message}");
            return Ok(EXIT_USAGE);
        }
    };
    match args.format {
        crate::pin::PinFormat::Human => crate::pin::print_human(&report, out)?,
        crate::pin::PinFormat::Json => crate::pin::print_json(&report, out)?,
    }
    out.flush()?;
    Ok(if report.input_failed {
        EXIT_USAGE
    } else if report.failed() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn write_report(
    report: &Report,
    format: Format,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let width = if format == Format::Human {
        terminal_width()
    } else {
        80
    };
    emit::write(
        report,
        format,
        &emit::human::HumanOptions { color, width },
        out,
    )
}

fn write_file(report: &Report, format: Format, path: &std::path::Path) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    write_report(report, format, false, &mut file)?;
    file.flush()
}

/// GitHub Actions shows the Markdown appended to this file on the run's summary page.
fn append_step_summary(report: &Report) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|f| {
            let mut f = std::io::BufWriter::new(f);
            emit::github::write_summary(report, &mut f)?;
            f.flush()
        });
    if let Err(e) = written {
        eprintln!(
            "pullcheck: warning: cannot append the job summary to {}: {e}",
            std::path::Path::new(&path).display()
        );
    }
}

pub fn exit_code(report: &Report, fail_on: FailOn) -> i32 {
    if report.input_failed {
        return EXIT_USAGE;
    }
    match (fail_on.threshold(), report.worst()) {
        (Some(threshold), Some(worst)) if worst >= threshold => EXIT_FINDINGS,
        _ => EXIT_OK,
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(100)
}

fn print_rules(config: &crate::config::Config, out: &mut dyn Write) -> std::io::Result<()> {
    let width = CATALOG.iter().map(|r| r.name.len()).max().unwrap_or(0);
    writeln!(
        out,
        "{:width$}  {:8}  {:12}  summary",
        "rule", "severity", "category"
    )?;
    for r in CATALOG {
        let severity = match config.severities.get(r.name) {
            Some(Some(s)) => s.as_str(),
            Some(None) => "off",
            None => r.severity.as_str(),
        };
        writeln!(
            out,
            "{:width$}  {:8}  {:12}  {}",
            r.name,
            severity,
            r.category.as_str(),
            r.summary
        )?;
    }
    if let Some(path) = &config.path {
        writeln!(out, "\nSeverities as set by {}.", path.display())?;
    }
    let kinds = crate::model::KindTable::with_user(&config.kinds);
    let mut sections = vec![(
        "Kinds whose images are checked (rules/kinds.yaml; other kinds too when they keep a pod \
         template at spec.template.spec):"
            .to_string(),
        kinds.builtin_entries(),
    )];
    if let Some(path) = config.path.as_ref().filter(|_| !config.kinds.is_empty()) {
        sections.push((
            format!("Kinds declared in {}:", path.display()),
            kinds.user_entries(),
        ));
    }
    for (title, entries) in sections {
        writeln!(out, "\n{title}")?;
        for (group, names) in crate::model::kinds::describe(entries) {
            writeln!(out, "  {group}: {}", names.join(", "))?;
        }
    }
    writeln!(
        out,
        "\n`pullcheck explain RULE` shows a rule's documentation."
    )
}

fn explain(rule: &str, out: &mut dyn Write) -> std::io::Result<i32> {
    match find(rule) {
        Some(meta) => {
            out.write_all(meta.doc.as_bytes())?;
            writeln!(out, "\n{}", explain_fix(meta.name))?;
            Ok(EXIT_OK)
        }
        None => {
            let close: Vec<&str> = CATALOG
                .iter()
                .map(|r| r.name)
                .filter(|n| n.contains(rule) || rule.contains(n))
                .collect();
            eprintln!("pullcheck: unknown rule {rule:?}; `pullcheck rules` lists them");
            if !close.is_empty() {
                eprintln!("did you mean: {}?", close.join(", "));
            }
            Ok(EXIT_USAGE)
        }
    }
}

/// The section `explain` adds to a rule's doc: whether and how `--fix` fixes it.
pub fn explain_fix(rule: &str) -> String {
    let body = match crate::rules::fix_summary(rule) {
        Some(how) => format!("`pullcheck --fix` fixes it; {how}"),
        None => "None: `pullcheck --fix` leaves it to you (the fix above needs a decision \
                 pullcheck cannot make for you)."
            .to_string(),
    };
    let wrapped = textwrap::fill(&body, textwrap::Options::new(96).break_words(false));
    format!("## Automatic fix\n{wrapped}\n\nEvery fix: docs/fixes.md.")
}

fn display_paths(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return ".".into();
    }
    paths
        .iter()
        .map(|p| crate::sanitize::sanitize(&p.to_string_lossy()).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}
