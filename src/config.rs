//! `.pullcheck.yaml`: rule severities, registry lists, pre-pulled images, excludes, namespace.
//!
//! Found by walking up from the current directory (or named with `--config`), and read with the
//! project's own spanned YAML tree, so every error points into the config file.

use crate::finding::Severity;
use crate::index::keyring::RegistryPattern;
use crate::rules::{CATALOG, closest_name, find};
use crate::syntax::{Cursor, ParseLimits, parse_stream};
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = ".pullcheck.yaml";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Where it was read from (`None`: no config file).
    pub path: Option<PathBuf>,
    /// Rule name → severity (`None` = off).
    pub severities: HashMap<String, Option<Severity>>,
    pub public: Vec<String>,
    pub private: Vec<String>,
    pub node_credentials: Vec<String>,
    pub allowed: Vec<String>,
    pub prepulled: Vec<String>,
    pub exclude: Vec<String>,
    pub namespace: Option<String>,
    /// `render:` and `charts:` (paths resolved against the config file's directory).
    pub render: crate::render::RenderSettings,
    /// Custom kinds and where they keep their images (`kinds`).
    pub kinds: Vec<crate::model::kinds::KindSpec>,
    /// How the registry check (`--online`) reaches registries.
    pub online: OnlineConfig,
}

/// The registry check's settings. The config can tune the check but never switch it on: only
/// `--online` on the command line does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnlineConfig {
    /// `registries.insecure`: hosts spoken to over plain HTTP (loopback always may be).
    pub insecure: Vec<String>,
    /// `registries.mirrors`: registry host → the host the nodes pull it from.
    pub mirrors: Vec<(String, String)>,
    /// `registries.ca-files`: extra certificate authorities (resolved against the config's
    /// directory).
    pub ca_files: Vec<PathBuf>,
    /// `platforms`: what the nodes run (`linux/amd64`), when no pod or Node object says.
    pub platforms: Vec<String>,
    /// `online.tag-lifetime`: how long a cached answer about a tag is reused.
    pub tag_lifetime: std::time::Duration,
}

impl Default for OnlineConfig {
    fn default() -> OnlineConfig {
        OnlineConfig {
            insecure: Vec::new(),
            mirrors: Vec::new(),
            ca_files: Vec::new(),
            platforms: Vec::new(),
            tag_lifetime: crate::registry::cache::DEFAULT_TAG_LIFETIME,
        }
    }
}

/// The longest `online.tag-lifetime`: a tag moves, and a day-old answer about it is a guess.
const MAX_TAG_LIFETIME_SECS: u64 = 24 * 3600;

impl Config {
    /// Makes the config's paths (charts, values files, renderers, `exclude` globs with a `/`)
    /// relative to `dir`, the config file's directory, so the config means the same from any
    /// working directory.
    pub fn resolve_paths(&mut self, dir: &Path, file: &Path) {
        let abs = crate::source::comparable(dir);
        let join = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                crate::source::normalize(&abs.join(p))
            }
        };
        for glob in &mut self.exclude {
            // A bare name (`vendor`) matches at any depth, wherever the config is.
            if glob.contains('/') && !glob.starts_with('/') && !glob.starts_with("**") {
                let rel = glob.trim_start_matches("./");
                *glob = format!("{}/{rel}", abs.to_string_lossy().trim_end_matches('/'));
            }
        }
        let render = &mut self.render;
        for tool in [&mut render.helm, &mut render.kustomize]
            .into_iter()
            .flatten()
        {
            // A bare program name (`helm`) is looked up on PATH, not in the config's directory.
            if tool.components().count() > 1 {
                *tool = join(tool);
            }
        }
        for ca in &mut self.online.ca_files {
            *ca = join(ca);
        }
        let file = crate::source::comparable(file);
        for chart in &mut render.charts {
            chart.dir = join(&chart.dir);
            for v in &mut chart.values {
                *v = join(v);
            }
            chart.config_file = Some(file.clone());
        }
    }

    /// The run settings this config gives (before command-line flags).
    pub fn settings(&self) -> crate::index::RunSettings {
        let mut settings = crate::index::RunSettings::new();
        if let Some(ns) = &self.namespace {
            settings.default_namespace = ns.clone();
        }
        settings.public = self.public.clone();
        settings.private = self.private.clone();
        settings.node_credentials = self.node_credentials.clone();
        settings.allowed = self.allowed.clone();
        settings.prepulled = self.prepulled.clone();
        settings
    }
}

/// An invalid config: a miette diagnostic pointing into the file.
#[derive(Debug)]
pub struct ConfigError {
    pub message: String,
    pub help: Option<String>,
    /// `None` when the file itself could not be read.
    pub source: Option<NamedSource<String>>,
    pub span: Range<usize>,
    pub label: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("config"))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(
                Some(self.label.clone()),
                (self.span.start, self.span.len()),
            ),
        )))
    }
}

/// The nearest `.pullcheck.yaml` from `start` upwards.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Whether the config may name programs to run. A pull request can edit `.pullcheck.yaml`, so
/// where the tree comes from someone else (`--untrusted`, the GitHub Action's default) it may
/// not: `render.helm: ./evil.sh` would run the pull request's own code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Trust {
    #[default]
    Trusted,
    Untrusted,
}

/// Reads `explicit`, else the discovered file, else the defaults (a trusted config).
pub fn load(explicit: Option<&Path>) -> Result<Config, Box<ConfigError>> {
    load_as(explicit, Trust::Trusted)
}

/// [`load`], refusing what an untrusted config may not say.
pub fn load_as(explicit: Option<&Path>, trust: Trust) -> Result<Config, Box<ConfigError>> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            match discover(&cwd) {
                Some(p) => p,
                None => return Ok(Config::default()),
            }
        }
    };
    let text = crate::source::read_file(&path, 1024 * 1024).map_err(|e| {
        Box::new(ConfigError {
            message: format!("cannot read config {}: {e}", path.display()),
            help: None,
            source: None,
            span: 0..0,
            label: String::new(),
        })
    })?;
    let mut config = parse_as(&path.display().to_string(), &text, trust)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    config.resolve_paths(&dir, &path);
    // An entry that names no chart would otherwise be ignored without a word.
    if let Some(chart) = config
        .render
        .charts
        .iter()
        .find(|c| !c.dir.join("Chart.yaml").is_file())
    {
        return Err(Box::new(ConfigError {
            message: format!(
                "`charts[].path` {} is not a chart: it holds no Chart.yaml",
                crate::render::display_dir(&chart.dir)
            ),
            help: Some(
                "paths in .pullcheck.yaml are relative to the config file's directory".into(),
            ),
            source: Some(NamedSource::new(path.display().to_string(), text.clone())),
            span: chart.path_span.clone(),
            label: "no chart here".into(),
        }));
    }
    config.path = Some(path);
    Ok(config)
}

struct Reader<'t> {
    name: &'t str,
    text: &'t str,
    trust: Trust,
}

impl Reader<'_> {
    fn error(
        &self,
        span: Range<usize>,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> Box<ConfigError> {
        Box::new(ConfigError {
            message,
            help,
            source: Some(NamedSource::new(self.name, self.text.to_string())),
            span,
            label: label.to_string(),
        })
    }

    fn string(&self, c: &Cursor<'_>, what: &str) -> Result<String, Box<ConfigError>> {
        match c.as_str() {
            Some(s) if !c.is_null() && !s.trim().is_empty() => Ok(s.trim().to_string()),
            _ => Err(self.error(
                c.report_range(),
                format!("{what} must be a non-empty string"),
                "expected a string",
                None,
            )),
        }
    }

    fn list(
        &self,
        c: &Cursor<'_>,
        what: &str,
    ) -> Result<Vec<(String, Range<usize>)>, Box<ConfigError>> {
        if c.is_null() {
            return Ok(Vec::new());
        }
        if !c.is_seq() {
            return Err(self.error(
                c.report_range(),
                format!("`{what}` must be a list"),
                "expected a list",
                Some(format!("e.g. `{what}: [a, b]`")),
            ));
        }
        c.items()
            .map(|item| {
                Ok((
                    self.string(&item, &format!("each `{what}` entry"))?,
                    item.report_range(),
                ))
            })
            .collect()
    }

    /// A section of mappings (`registries:`, `render:`, `online:`): `false` when it is empty
    /// (null), an error naming its keys when it is not a mapping.
    fn section(
        &self,
        value: &Cursor<'_>,
        name: &str,
        keys: &[&str],
    ) -> Result<bool, Box<ConfigError>> {
        if value.is_null() {
            return Ok(false);
        }
        if !value.is_map() {
            return Err(self.error(
                value.report_range(),
                format!("`{name}` must be a mapping"),
                "expected a mapping",
                Some(format!("known keys in `{name}`: {}", keys.join(", "))),
            ));
        }
        Ok(true)
    }

    fn unknown_key(&self, key: &Cursor<'_>, known: &[&str], within: &str) -> Box<ConfigError> {
        let name = key.as_str().unwrap_or("");
        let close = closest_name(name, known.iter().copied());
        let help = match close {
            Some(c) => format!(
                "did you mean `{c}`? known keys{within}: {}",
                known.join(", ")
            ),
            None => format!("known keys{within}: {}", known.join(", ")),
        };
        self.error(
            key.report_range(),
            format!("unknown key {name:?} in the config{within}"),
            "unknown key",
            Some(help),
        )
    }
}

const TOP_KEYS: &[&str] = &[
    "rules",
    "registries",
    "prepulled",
    "exclude",
    "namespace",
    "render",
    "charts",
    "kinds",
    "platforms",
    "online",
];
const ONLINE_KEYS: &[&str] = &["tag-lifetime"];
const RENDER_KEYS: &[&str] = &["helm", "kustomize", "release", "timeout"];
const CHART_KEYS: &[&str] = &["path", "values", "set", "release", "namespace"];
const REGISTRY_KEYS: &[&str] = &[
    "public",
    "private",
    "node-credentials",
    "allowed",
    "insecure",
    "mirrors",
    "ca-files",
];

/// Parses a config's text; `name` is how errors name the file.
pub fn parse(name: &str, text: &str) -> Result<Config, Box<ConfigError>> {
    parse_as(name, text, Trust::Trusted)
}

/// [`parse`], refusing what an untrusted config may not say.
pub fn parse_as(name: &str, text: &str, trust: Trust) -> Result<Config, Box<ConfigError>> {
    let r = Reader { name, text, trust };
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut docs = parse_stream(text, bom, &ParseLimits::default()).into_iter();
    let doc = match docs.next() {
        None => return Ok(Config::default()),
        Some(Err(e)) => {
            let end = (e.offset + 1).min(text.len()).max(e.offset);
            return Err(r.error(
                e.offset..end,
                format!("the config is not valid YAML: {}", e.message),
                "here",
                None,
            ));
        }
        Some(Ok(doc)) => doc,
    };
    if let Some(extra) = docs.next() {
        let at = match &extra {
            Ok(d) => d.range.start,
            Err(e) => e.offset,
        };
        return Err(r.error(
            at..at,
            "the config must be a single YAML document".into(),
            "second document",
            None,
        ));
    }
    let mut config = Config::default();
    let Some(root) = doc.root() else {
        return Ok(config);
    };
    if root.is_null() {
        return Ok(config);
    }
    if !root.is_map() {
        return Err(r.error(
            root.report_range(),
            "the config must be a mapping of keys".into(),
            "not a mapping",
            Some(format!("known keys: {}", TOP_KEYS.join(", "))),
        ));
    }
    for (key, value) in root.entries() {
        match key.as_str().unwrap_or("") {
            "rules" => read_rules(&r, &value, &mut config)?,
            "registries" => read_registries(&r, &value, &mut config)?,
            "platforms" => {
                for (platform, span) in r.list(&value, "platforms")? {
                    let parts: Vec<&str> = platform.split('/').collect();
                    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
                        return Err(r.error(
                            span,
                            format!("`platforms` entry {platform:?} is not os/arch[/variant]"),
                            "not a platform",
                            Some("e.g. `platforms: [linux/amd64, linux/arm64]`".into()),
                        ));
                    }
                    config.online.platforms.push(platform);
                }
            }
            "prepulled" => {
                for (image, span) in r.list(&value, "prepulled")? {
                    if let Err(e) = crate::image::parse_reference(&image) {
                        return Err(r.error(
                            span,
                            format!(
                                "`prepulled` entry {image:?} is not a valid image reference: {}",
                                e.message()
                            ),
                            "invalid reference",
                            None,
                        ));
                    }
                    config.prepulled.push(image);
                }
            }
            "exclude" => {
                for (glob, span) in r.list(&value, "exclude")? {
                    if let Err(e) = globset::Glob::new(&glob) {
                        return Err(r.error(
                            span,
                            format!("`exclude` entry {glob:?} is not a valid glob: {e}"),
                            "invalid glob",
                            None,
                        ));
                    }
                    config.exclude.push(glob);
                }
            }
            "namespace" => {
                let ns = r.string(&value, "`namespace`")?;
                if !is_dns_label(&ns) {
                    return Err(r.error(value.report_range(), format!("`namespace` {ns:?} is not a valid namespace name"), "invalid namespace", Some("a namespace is a DNS label: lower-case letters, digits and `-`, at most 63 characters".into())));
                }
                config.namespace = Some(ns);
            }
            "render" => read_render(&r, &value, &mut config)?,
            "charts" => read_charts(&r, &value, &mut config)?,
            "kinds" => read_kinds(&r, &value, &mut config)?,
            "online" => read_online(&r, &value, &mut config)?,
            _ => return Err(r.unknown_key(&key, TOP_KEYS, "")),
        }
    }
    Ok(config)
}

fn read_rules(
    r: &Reader<'_>,
    value: &Cursor<'_>,
    config: &mut Config,
) -> Result<(), Box<ConfigError>> {
    if value.is_null() {
        return Ok(());
    }
    if !value.is_map() {
        return Err(r.error(
            value.report_range(),
            "`rules` must map rule names to error, warning, note or off".into(),
            "expected a mapping",
            Some("e.g. `rules: {latest-tag: error, missing-tag: off}`".into()),
        ));
    }
    for (key, sev) in value.entries() {
        let name = key.as_str().unwrap_or("");
        if find(name).is_none() {
            let close = closest_name(name, CATALOG.iter().map(|m| m.name));
            let help = match close {
                Some(c) => format!("did you mean `{c}`? `pullcheck rules` lists every rule"),
                None => "`pullcheck rules` lists every rule".to_string(),
            };
            return Err(r.error(
                key.report_range(),
                format!("unknown rule {name:?} in `rules`"),
                "unknown rule",
                Some(help),
            ));
        }
        let text = sev.as_str().unwrap_or("");
        let level = match text {
            "off" => None,
            other => {
                match Severity::parse(other) {
                    Some(s) => Some(s),
                    None => {
                        return Err(r.error(sev.report_range(), format!("severity {text:?} for `{name}` is not one of error, warning, note, off"), "invalid severity", None));
                    }
                }
            }
        };
        config.severities.insert(name.to_string(), level);
    }
    Ok(())
}

fn read_kinds(
    r: &Reader<'_>,
    value: &Cursor<'_>,
    config: &mut Config,
) -> Result<(), Box<ConfigError>> {
    if value.is_null() {
        return Ok(());
    }
    if !value.is_seq() {
        return Err(r.error(
            value.report_range(),
            "`kinds` must be a list of kinds".into(),
            "expected a list",
            Some("e.g. `kinds: [{apiVersion: acme.io/v1, kind: Runner, containers: [spec.steps[]], pullSecrets: spec.imagePullSecrets}]`".into()),
        ));
    }
    for item in value.items() {
        let spec = crate::model::kinds::read_entry(&item, r.text, true).map_err(|e| {
            let close = e
                .unknown_key
                .as_deref()
                .and_then(|k| closest_name(k, crate::model::kinds::ENTRY_KEYS.iter().copied()));
            let help = match (close, e.help) {
                (Some(c), Some(h)) => Some(format!("did you mean `{c}`? {h}")),
                (_, h) => h,
            };
            r.error(e.span, e.message, &e.label, help)
        })?;
        let twice = config.kinds.iter().find(|old| {
            old.api_version == spec.api_version && old.kinds.iter().any(|k| spec.kinds.contains(k))
        });
        if let Some(old) = twice {
            let kind = old
                .kinds
                .iter()
                .find(|k| spec.kinds.contains(k))
                .cloned()
                .unwrap_or_default();
            let at = item.report_range();
            return Err(r.error(
                at.start..at.start,
                format!("`kinds` declares {kind} twice for the same apiVersion"),
                "second entry",
                Some("merge the paths into one entry".into()),
            ));
        }
        config.kinds.push(spec);
    }
    Ok(())
}

fn read_registries(
    r: &Reader<'_>,
    value: &Cursor<'_>,
    config: &mut Config,
) -> Result<(), Box<ConfigError>> {
    if !r.section(value, "registries", REGISTRY_KEYS)? {
        return Ok(());
    }
    for (key, list) in value.entries() {
        let field = key.as_str().unwrap_or("");
        // Where credentials may travel in the clear, or whose certificates to trust: a pull
        // request must not decide that for the person running the check.
        if r.trust == Trust::Untrusted && matches!(field, "insecure" | "ca-files") {
            return Err(r.error(
                key.report_range(),
                format!(
                    "`registries.{field}` decides how far the registry check trusts a host, \
                     which --untrusted refuses: a pull request can edit this file"
                ),
                "set by the linted tree",
                Some("keep it in a config outside the checkout, named with `--config`".into()),
            ));
        }
        if field == "mirrors" {
            config.online.mirrors = read_mirrors(r, &list)?;
            continue;
        }
        if field == "ca-files" {
            for (file, _) in r.list(&list, "registries.ca-files")? {
                config.online.ca_files.push(PathBuf::from(file));
            }
            continue;
        }
        let target = match field {
            "insecure" => &mut config.online.insecure,
            "public" => &mut config.public,
            "private" => &mut config.private,
            "node-credentials" => &mut config.node_credentials,
            "allowed" => &mut config.allowed,
            _ => return Err(r.unknown_key(&key, REGISTRY_KEYS, " under `registries`")),
        };
        for (entry, span) in r.list(&list, &format!("registries.{field}"))? {
            let valid = RegistryPattern::parse(&entry).is_some()
                && !entry.contains(char::is_whitespace)
                && !entry.contains('@');
            if !valid {
                return Err(r.error(span, format!("`registries.{field}` entry {entry:?} is not a registry host"), "not a host[:port][/path]", Some("write a host, optionally with a port and a path prefix: `registry.example.com`, `reg.local:5000`, `ghcr.io/acme`, `*.azurecr.io`".into())));
            }
            target.push(entry);
        }
    }
    Ok(())
}

/// `mirrors: {docker.io: mirror.example.com:5000}`: hosts only, as containerd's `hosts.toml`
/// names them.
fn read_mirrors(
    r: &Reader<'_>,
    value: &Cursor<'_>,
) -> Result<Vec<(String, String)>, Box<ConfigError>> {
    if value.is_null() {
        return Ok(Vec::new());
    }
    let example = "e.g. `mirrors: {docker.io: mirror.example.com:5000}`";
    if !value.is_map() {
        return Err(r.error(
            value.report_range(),
            "`registries.mirrors` must map registry hosts to mirror hosts".into(),
            "expected a mapping",
            Some(example.into()),
        ));
    }
    let mut out = Vec::new();
    for (key, v) in value.entries() {
        let from = key.as_str().unwrap_or("").trim().to_string();
        let to = r.string(&v, "a `registries.mirrors` value")?;
        for (host, span) in [(&from, key.report_range()), (&to, v.report_range())] {
            let is_host = !host.is_empty()
                && !host.contains(['/', '@', '*'])
                && !host.contains(char::is_whitespace)
                && RegistryPattern::parse(host).is_some();
            if !is_host {
                return Err(r.error(
                    span,
                    format!("`registries.mirrors`: {host:?} is not a registry host"),
                    "not a host[:port]",
                    Some(example.into()),
                ));
            }
        }
        out.push((from, to));
    }
    Ok(out)
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn read_render(
    r: &Reader<'_>,
    value: &Cursor<'_>,
    config: &mut Config,
) -> Result<(), Box<ConfigError>> {
    if !r.section(value, "render", RENDER_KEYS)? {
        return Ok(());
    }
    for (key, v) in value.entries() {
        let name = key.as_str().unwrap_or("");
        if r.trust == Trust::Untrusted && matches!(name, "helm" | "kustomize") {
            return Err(r.error(
                key.report_range(),
                format!(
                    "`render.{name}` names a program to run, which --untrusted refuses: a pull \
                     request can edit this file and make the run execute its own code"
                ),
                "a program named by the linted tree",
                Some(format!(
                    "remove it and let `{name}` come from PATH, or name the program on the \
                     command line (`--{name} PATH`, in the Action's `args`), which a pull request \
                     cannot change"
                )),
            ));
        }
        match name {
            "helm" => config.render.helm = Some(PathBuf::from(r.string(&v, "`render.helm`")?)),
            "kustomize" => {
                config.render.kustomize = Some(PathBuf::from(r.string(&v, "`render.kustomize`")?));
            }
            "release" => config.render.release = release_name(r, &v, "`render.release`")?,
            "timeout" => {
                let text = r.string(&v, "`render.timeout`")?;
                let secs = text
                    .trim_end_matches('s')
                    .parse::<u64>()
                    .ok()
                    .filter(|s| *s > 0);
                let Some(secs) = secs else {
                    return Err(r.error(
                        v.report_range(),
                        format!("`render.timeout` {text:?} is not a number of seconds"),
                        "expected seconds",
                        Some("e.g. `timeout: 60`".into()),
                    ));
                };
                config.render.timeout = std::time::Duration::from_secs(secs);
            }
            _ => return Err(r.unknown_key(&key, RENDER_KEYS, " under `render`")),
        }
    }
    Ok(())
}

fn read_online(
    r: &Reader<'_>,
    value: &Cursor<'_>,
    config: &mut Config,
) -> Result<(), Box<ConfigError>> {
    if !r.section(value, "online", ONLINE_KEYS)? {
        return Ok(());
    }
    for (key, v) in value.entries() {
        match key.as_str().unwrap_or("") {
            "tag-lifetime" => {
                let text = r.string(&v, "`online.tag-lifetime`")?;
                let secs = text
                    .strip_suffix('s')
                    .unwrap_or(&text)
                    .parse::<u64>()
                    .ok()
                    .filter(|s| *s <= MAX_TAG_LIFETIME_SECS);
                let Some(secs) = secs else {
                    return Err(r.error(
                        v.report_range(),
                        format!(
                            "`online.tag-lifetime` {text:?} is not a number of seconds from 0 to \
                             {MAX_TAG_LIFETIME_SECS}"
                        ),
                        "expected seconds",
                        Some(
                            "e.g. `online: {tag-lifetime: 300}`; 0 asks about every tag each run"
                                .into(),
                        ),
                    ));
                };
                config.online.tag_lifetime = std::time::Duration::from_secs(secs);
            }
            _ => return Err(r.unknown_key(&key, ONLINE_KEYS, " under `online`")),
        }
    }
    Ok(())
}

fn release_name(r: &Reader<'_>, v: &Cursor<'_>, what: &str) -> Result<String, Box<ConfigError>> {
    let name = r.string(v, what)?;
    if name.len() > 53 || !is_dns_label(&name) {
        return Err(r.error(
            v.report_range(),
            format!("{what} {name:?} is not a valid Helm release name"),
            "invalid release name",
            Some("lower-case letters, digits and `-`, at most 53 characters".into()),
        ));
    }
    Ok(name)
}

fn read_charts(
    r: &Reader<'_>,
    value: &Cursor<'_>,
    config: &mut Config,
) -> Result<(), Box<ConfigError>> {
    if value.is_null() {
        return Ok(());
    }
    if !value.is_seq() {
        return Err(r.error(
            value.report_range(),
            "`charts` must be a list of charts".into(),
            "expected a list",
            Some("e.g. `charts: [{path: charts/web, values: [values-prod.yaml]}]`".into()),
        ));
    }
    for item in value.items() {
        if !item.is_map() {
            return Err(r.error(
                item.report_range(),
                "each `charts` entry must be a mapping".into(),
                "expected a mapping",
                Some(format!("known keys: {}", CHART_KEYS.join(", "))),
            ));
        }
        let mut chart = crate::render::ChartSettings::default();
        let mut has_path = false;
        for (key, v) in item.entries() {
            match key.as_str().unwrap_or("") {
                "path" => {
                    chart.dir = PathBuf::from(r.string(&v, "`charts[].path`")?);
                    chart.path_span = v.report_range();
                    has_path = true;
                }
                "values" => {
                    for (file, span) in r.list(&v, "charts[].values")? {
                        chart.values.push(PathBuf::from(file));
                        chart.values_spans.push(span);
                    }
                }
                "set" => chart.set = read_set(r, &v)?,
                "release" => chart.release = Some(release_name(r, &v, "`charts[].release`")?),
                "namespace" => {
                    let ns = r.string(&v, "`charts[].namespace`")?;
                    if !is_dns_label(&ns) {
                        return Err(r.error(
                            v.report_range(),
                            format!("`namespace` {ns:?} is not a valid namespace name"),
                            "invalid namespace",
                            None,
                        ));
                    }
                    chart.namespace = Some(ns);
                }
                _ => return Err(r.unknown_key(&key, CHART_KEYS, " in a `charts` entry")),
            }
        }
        if !has_path {
            return Err(r.error(
                item.report_range(),
                "a `charts` entry needs a `path` (the chart's directory)".into(),
                "no `path`",
                None,
            ));
        }
        config.render.charts.push(chart);
    }
    Ok(())
}

/// `set:` maps dotted value paths to scalars, typed as YAML types them (as `--set` would
/// be written in a values file): `image.tag: 2.10` is the number 2.1.
fn read_set(
    r: &Reader<'_>,
    value: &Cursor<'_>,
) -> Result<Vec<crate::render::SetValue>, Box<ConfigError>> {
    if value.is_null() {
        return Ok(Vec::new());
    }
    if !value.is_map() {
        return Err(r.error(
            value.report_range(),
            "`set` must map value paths to values".into(),
            "expected a mapping",
            Some("e.g. `set: {image.tag: \"1.25.3\"}`".into()),
        ));
    }
    let mut out = Vec::new();
    for (key, v) in value.entries() {
        let path = r.string(&key, "a `set` key")?;
        let Some((text, style, str_tag)) = v.scalar() else {
            return Err(r.error(
                v.report_range(),
                format!("`set` value for {path:?} must be a scalar"),
                "expected a scalar",
                None,
            ));
        };
        let plain = style == crate::syntax::ScalarStyle::Plain && !str_tag;
        let number = if plain {
            crate::render::values::yaml_number(text)
        } else {
            None
        };
        let json = match number {
            Some(n) => serde_json::Number::from_f64(n).map_or_else(
                || serde_json::Value::String(text.to_string()),
                serde_json::Value::Number,
            ),
            None if plain && matches!(text, "true" | "false") => {
                serde_json::Value::Bool(text == "true")
            }
            None if v.is_null() => serde_json::Value::Null,
            None => serde_json::Value::String(text.to_string()),
        };
        out.push(crate::render::SetValue {
            path,
            json,
            written: text.to_string(),
            is_number: number.is_some(),
            span: v.value_range(),
        });
    }
    Ok(out)
}
