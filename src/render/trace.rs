//! From a span in rendered text back to the bytes a user edits, in this order:
//! 1. a values-file scalar (Helm: the effective one, the last values file that set it wins);
//! 2. a kustomization's `images:` entry, else the resource file that writes the object;
//! 3. the template that wrote it (Helm's `# Source:`), at the line when only one line can be it.
//!
//! Tracing never guesses: a candidate must render to exactly the flagged part of the value, on
//! reference boundaries, under a key that names an image part; two candidates are a tie and
//! tracing falls back to the next step. The last step is the chart's or root's own file.

use super::helm::{ChartFile, HelmRun, chart_file};
use super::kustomize::{ImageEntry, InlinePatch, Kustomization};
use super::values::{Leaf, leaves, set_leaves};
use super::{ChartSettings, Job, Kind, Place, RenderedInfo, SourceText};
use crate::model::{ContainerKind, KindTable, ObjectFacts, PullSecretRef, Scalar};
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod pin;
pub use pin::{PinPlace, append_at};

/// How to trace one chart's or root's rendered text.
#[derive(Debug)]
pub struct Tracer {
    pub kind: Kind,
    pub root: String,
    dir: PathBuf,
    marker: PathBuf,
    /// Helm: the effective values, one leaf per path.
    leaves: Vec<Leaf>,
    /// Kustomize: the root's kustomization first, then its bases.
    kustomizations: Vec<Kustomization>,
    /// Helm: how to render the chart again, to decide a tie between values keys.
    rerun: Option<Rerun>,
}

/// At most this many extra renders per chart: past it, a tie stays not certain.
const MAX_SENTINEL_RENDERS: usize = 16;

/// A chart rendered again with one values key set to a sentinel: a tie between keys that print
/// the same text is decided by which key's sentinel reaches the flagged field. Each key is
/// rendered once per run, and only for the findings that tie.
#[derive(Debug)]
struct Rerun {
    run: HelmRun,
    job: Job,
    /// The chart refuses images it does not ship unless told (Bitnami's
    /// `global.security.allowInsecureImages`): a sentinel is such an image.
    allow_images: Option<String>,
    done: std::sync::Mutex<Sentinels>,
}

#[derive(Debug, Default)]
struct Sentinels {
    /// Per values key: its sentinel and the objects rendered with it (`None`: did not render).
    by_key: HashMap<String, Option<(String, Vec<ObjectFacts>)>>,
    renders: usize,
}

/// Where a finding goes, and what it was rendered from.
pub struct Traced {
    pub place: Place,
    pub rendered: RenderedInfo,
    /// Tracing reached a values scalar or an `images:` entry (not just a file).
    pub exact: bool,
    /// A fix may be carried to the place: it is exact, or the resource file (or patch) that
    /// writes the field in a Kustomize tree with no `images:` entry, which could otherwise
    /// stop matching the image once its name is fixed.
    pub fixable: bool,
    /// The values key (`image.pullPolicy`, or a config `set:` key) tracing reached, and the
    /// pull-policy key beside it (`image.tag` → `image.pullPolicy`), for help that names what
    /// the user edits rather than the rendered field.
    pub values_key: Option<String>,
    pub policy_key: Option<String>,
}

/// Which part of the flagged value a finding is about, beyond its span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// The span says it (`latest-tag` spans the tag).
    Span,
    /// `numeric-tag`: only values typed as numbers can have printed it.
    Number,
    /// A finding about the image's registry (`registry-not-allowed`, a missing pull secret, an
    /// unreachable registry): blamed where the registry is set (`image.registry`,
    /// `global.imageRegistry`, an `images:` entry's `newName`), whatever the span covers. An
    /// image without a registry host (Docker Hub) gets it where its repository is set.
    Registry,
}

/// Which field of the rendered object a span is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Image,
    PullPolicy,
    PullSecret,
    /// A container's `name` (findings about a container with no image line to point at).
    ContainerName,
    Other,
}

impl Field {
    /// The field's key in a container (a pull secret is not one).
    fn key_in_pod(self) -> Option<&'static str> {
        match self {
            Field::Image => Some("image"),
            Field::PullPolicy => Some("imagePullPolicy"),
            Field::ContainerName => Some("name"),
            Field::PullSecret | Field::Other => None,
        }
    }

    fn key(self) -> Option<&'static str> {
        match self {
            Field::Image => Some("image"),
            Field::PullPolicy => Some("imagePullPolicy"),
            Field::PullSecret => Some("imagePullSecrets"),
            // `name:` lines are everywhere in a template (ports, volumes): never one by text.
            Field::ContainerName | Field::Other => None,
        }
    }
}

impl Tracer {
    pub fn helm(
        job: &Job,
        chart: &ChartFile,
        values: &[PathBuf],
        settings: Option<&ChartSettings>,
        run: HelmRun,
    ) -> Tracer {
        let mut all: Vec<Leaf> = Vec::new();
        subchart_leaves(&job.dir, chart, "", 0, &mut all);
        if let Some(f) = SourceText::read(&job.dir.join("values.yaml")) {
            all.extend(leaves(&f, ""));
        }
        for v in values {
            if let Some(f) = SourceText::read(v) {
                all.extend(leaves(&f, ""));
            }
        }
        if let Some(s) = settings
            && let Some(config) = s.config_file.as_deref().and_then(SourceText::read)
        {
            all.extend(set_leaves(&s.set, &config));
        }
        // Later sources win, as in Helm.
        let mut by_path: HashMap<String, usize> = HashMap::new();
        let mut effective: Vec<Option<Leaf>> = Vec::new();
        for leaf in all {
            match by_path.get(&leaf.path) {
                Some(&i) => {
                    if let Some(slot) = effective.get_mut(i) {
                        *slot = Some(leaf);
                    }
                }
                None => {
                    by_path.insert(leaf.path.clone(), effective.len());
                    effective.push(Some(leaf));
                }
            }
        }
        let leaves: Vec<Leaf> = effective.into_iter().flatten().collect();
        let allow_images = leaves
            .iter()
            .find(|l| l.path.ends_with("security.allowInsecureImages"))
            .map(|l| l.path.clone());
        Tracer {
            kind: Kind::Helm,
            root: job.display.clone(),
            dir: job.dir.clone(),
            marker: job.marker.clone(),
            leaves,
            kustomizations: Vec::new(),
            rerun: Some(Rerun {
                run,
                job: job.clone(),
                allow_images,
                done: Default::default(),
            }),
        }
    }

    pub fn kustomize(job: &Job, tree: Vec<Kustomization>) -> Tracer {
        Tracer {
            kind: Kind::Kustomize,
            root: job.display.clone(),
            dir: job.dir.clone(),
            marker: job.marker.clone(),
            leaves: Vec::new(),
            kustomizations: tree,
            rerun: None,
        }
    }

    /// Values scalars typed as numbers whose rendering is a part of `image` (for `numeric-tag`).
    pub fn numeric_sources(&self, image: &str) -> Vec<&Leaf> {
        self.leaves
            .iter()
            .filter(|l| l.is_number && image_key(&l.path))
            .filter(|l| {
                l.renderings()
                    .iter()
                    .any(|r| component_at(image, r, 0..image.len(), true).is_some())
            })
            .collect()
    }

    /// Traces the finding at `span` of the rendered `text` (whose objects are `objects`).
    pub fn trace(
        &self,
        text: &str,
        span: Range<usize>,
        focus: Focus,
        objects: &[ObjectFacts],
        kinds: &KindTable,
    ) -> Traced {
        let numeric_only = focus == Focus::Number;
        let hit = scalar_at(objects, &span);
        let template = source_comment(text, span.start);
        let rendered_text = hit.as_ref().map_or_else(
            || line_text(text, span.start).to_string(),
            |h| h.scalar.text.clone(),
        );
        let info = RenderedInfo {
            by: self.kind.as_str(),
            root: self.root.clone(),
            template: template.map(str::to_string),
            text: rendered_text,
            also: Vec::new(),
            also_objects: Vec::new(),
        };
        if let Some(h) = &hit {
            let part = focused_part(text, &span, h, focus);
            let exact = match self.kind {
                Kind::Helm => self
                    .values_place(h, part.clone(), numeric_only, kinds)
                    .map(|(place, key)| (place, Some(key))),
                Kind::Kustomize => self.images_place(h, part.clone(), kinds).map(|p| (p, None)),
            };
            if let Some((place, values_key)) = exact {
                let policy_key = values_key.as_deref().and_then(|k| self.policy_key_near(k));
                return Traced {
                    place,
                    rendered: info,
                    exact: true,
                    fixable: true,
                    values_key,
                    policy_key,
                };
            }
            if self.kind == Kind::Kustomize
                && let Some(place) = self.resource_place(h, kinds)
            {
                return Traced {
                    place,
                    rendered: info,
                    exact: false,
                    fixable: self.kustomizations.iter().all(|k| k.images.is_empty()),
                    values_key: None,
                    policy_key: None,
                };
            }
        }
        let field = hit.as_ref().map_or(Field::Other, |h| h.field);
        // A value written literally in the template is its line, unless a values scalar could
        // have printed it (a tie above is not a literal).
        let literal = hit.as_ref().filter(|h| {
            self.kind == Kind::Helm
                && self
                    .values_candidates(h, focused_part(text, &span, h, focus), numeric_only)
                    .is_empty()
        });
        let literal = literal.map(|h| (h.scalar.text.as_str(), h.container_name));
        if let Some(place) = template.and_then(|t| self.template_place(t, field, literal)) {
            return Traced {
                place,
                rendered: info,
                exact: false,
                fixable: false,
                values_key: None,
                policy_key: None,
            };
        }
        let place = SourceText::read(&self.marker).map(|file| Place { file, range: 0..0 });
        Traced {
            place: place.unwrap_or_else(|| Place {
                file: Arc::new(SourceText {
                    display: self.root.clone(),
                    path: self.dir.clone(),
                    text: "".into(),
                }),
                range: 0..0,
            }),
            rendered: info,
            exact: false,
            fixable: false,
            values_key: None,
            policy_key: None,
        }
    }

    /// The pull-policy key of the values mapping that holds `key` (`image.tag` →
    /// `image.pullPolicy`), or `key` itself when it is one.
    fn policy_key_near(&self, key: &str) -> Option<String> {
        if policy_key(key) {
            return Some(key.to_string());
        }
        let parent = key.rsplit_once('.').map_or("", |(p, _)| p);
        self.leaves
            .iter()
            .filter(|l| policy_key(&l.path))
            .find(|l| l.path.rsplit_once('.').map_or("", |(p, _)| p) == parent)
            .map(|l| l.path.clone())
    }

    fn values_place(
        &self,
        h: &Hit<'_>,
        part: Range<usize>,
        numeric_only: bool,
        kinds: &KindTable,
    ) -> Option<(Place, String)> {
        let mut candidates = self.values_candidates(h, part, numeric_only);
        if h.field == Field::PullPolicy && candidates.len() > 1 {
            candidates = self.beside_the_image(candidates, h);
        }
        if candidates.len() > 1 {
            candidates = self
                .decide_by_rendering(&candidates, h, kinds)
                .into_iter()
                .collect();
        }
        match candidates.as_slice() {
            [only] => Some((
                Place {
                    file: only.file.clone(),
                    range: only.span.clone(),
                },
                only.path.clone(),
            )),
            _ => None,
        }
    }

    /// Extra renders of the chart so far.
    pub fn sentinel_renders(&self) -> usize {
        self.rerun
            .as_ref()
            .and_then(|r| r.done.lock().ok().map(|d| d.renders))
            .unwrap_or(0)
    }

    /// Of several values keys that print the same text into the hit's field, the one whose
    /// sentinel reaches that field when the chart is rendered with it; `None` unless every
    /// candidate could be tried (rendered, its object and container found again) and exactly
    /// one reached it.
    fn decide_by_rendering<'l>(
        &self,
        candidates: &[&'l Leaf],
        h: &Hit<'_>,
        kinds: &KindTable,
    ) -> Option<&'l Leaf> {
        let rerun = self.rerun.as_ref()?;
        let mut done = rerun.done.lock().ok()?;
        let mut found = None;
        for c in candidates {
            if !done.by_key.contains_key(&c.path) {
                // A list element cannot be set alone, and past the budget nothing is tried.
                if c.path.contains('[') || done.renders >= MAX_SENTINEL_RENDERS {
                    return None;
                }
                done.renders += 1;
                let sentinel = format!("pullcheck-sentinel-{}", done.renders);
                let mut doc = serde_json::Map::new();
                super::values::insert_path(&mut doc, &c.path, sentinel.clone().into());
                if let Some(allow) = &rerun.allow_images {
                    super::values::insert_path(&mut doc, allow, true.into());
                }
                let objects = rerun
                    .run
                    .rerender(&rerun.job, &serde_json::Value::Object(doc))
                    .map(|text| {
                        let docs = crate::syntax::parse_stream(&text, 0, &Default::default());
                        let objects: Vec<ObjectFacts> = docs
                            .iter()
                            .flatten()
                            .flat_map(|d| crate::model::extract_objects(d, kinds))
                            .collect();
                        (sentinel, objects)
                    });
                done.by_key.insert(c.path.clone(), objects);
            }
            let (sentinel, objects) = done.by_key.get(&c.path)?.as_ref()?;
            if sentinel_reaches(objects, h, sentinel)? {
                if found.is_some() {
                    return None;
                }
                found = Some(*c);
            }
        }
        found
    }

    /// Of several pull-policy scalars that print the same word, the one whose mapping also
    /// holds the container's image: every image-part scalar beside it (`repository`, `tag`,
    /// `registry`, …; at least one) prints a component of that container's image. Charts keep
    /// an image's policy beside its repository and tag (`image.pullPolicy`,
    /// `metrics.image.pullPolicy`); when that does not single one out, none.
    fn beside_the_image<'l>(&self, candidates: Vec<&'l Leaf>, h: &Hit<'_>) -> Vec<&'l Leaf> {
        let Some(image) = h.image else {
            return candidates;
        };
        let image = image.text.as_str();
        let parent = |path: &str| path.rsplit_once('.').map_or("", |(p, _)| p).to_string();
        let narrowed: Vec<&Leaf> = candidates
            .iter()
            .copied()
            .filter(|c| {
                let here = parent(&c.path);
                let beside: Vec<&Leaf> = self
                    .leaves
                    .iter()
                    .filter(|l| l.path != c.path && parent(&l.path) == here)
                    .filter(|l| image_key(&l.path) && !l.rendered.is_empty())
                    .collect();
                !beside.is_empty()
                    && beside.iter().all(|l| {
                        l.renderings()
                            .iter()
                            .any(|r| component_at(image, r, 0..image.len(), true).is_some())
                    })
            })
            .collect();
        if narrowed.len() == 1 {
            narrowed
        } else {
            candidates
        }
    }

    /// The values scalars that could have printed `part` of the hit's field.
    fn values_candidates(&self, h: &Hit<'_>, part: Range<usize>, numeric_only: bool) -> Vec<&Leaf> {
        let text = h.scalar.text.as_str();
        self.leaves
            .iter()
            .filter(|l| !numeric_only || l.is_number)
            .filter(|l| match h.field {
                Field::Image => {
                    image_key(&l.path)
                        && l.renderings()
                            .iter()
                            .any(|r| component_at(text, r, part.clone(), numeric_only).is_some())
                }
                Field::PullPolicy => policy_key(&l.path) && l.rendered == text,
                Field::PullSecret => secret_key(&l.path) && l.rendered == text,
                Field::ContainerName | Field::Other => false,
            })
            .collect()
    }

    fn images_place(&self, h: &Hit<'_>, part: Range<usize>, kinds: &KindTable) -> Option<Place> {
        if h.field != Field::Image {
            return None;
        }
        let image = h.scalar.text.as_str();
        let (name, tag, digest) = split_reference(image);
        let applies = self.images_scope(h, kinds);
        for (i, k) in self.kustomizations.iter().enumerate() {
            if applies.as_ref().is_some_and(|a| !a.contains(&i)) {
                continue;
            }
            for entry in &k.images {
                let names_it = entry.name.as_ref().is_some_and(|n| n.text == name)
                    || entry.new_name.as_ref().is_some_and(|n| n.text == name);
                if !names_it {
                    continue;
                }
                if let Some(w) = pick(entry, image, &part, name, tag, digest) {
                    return Some(Place {
                        file: k.file.clone(),
                        range: w,
                    });
                }
            }
        }
        None
    }

    /// The file that writes the container's field: the root's kustomization first, then its
    /// bases (an overlay is applied after its base), and in each the patches before the
    /// resources (patches are applied last). The first file whose object (same kind, a name
    /// the rendered name contains) has that container with that field wins.
    fn resource_place(&self, h: &Hit<'_>, kinds: &KindTable) -> Option<Place> {
        if !matches!(
            h.field,
            Field::Image | Field::PullPolicy | Field::ContainerName
        ) {
            return None;
        }
        let base = AsWritten {
            order: self.container_order(h, kinds),
            field: self.field_as_written(h, kinds),
        };
        for k in &self.kustomizations {
            let mut written: Vec<Option<Range<usize>>> = k
                .inline_patches
                .iter()
                .flat_map(|p| inline_patch_writes(p, &k.file.text, h, kinds, &base))
                .collect();
            if !written.is_empty() {
                // A patch of this kustomization writes the field; a patch file as well, or two
                // of them, or one that cannot be read to the line: the kustomization, not
                // certain — never the base line the patch replaced.
                let files_too = k.patches.iter().any(|r| {
                    SourceText::read(&k.dir().join(r))
                        .is_some_and(|f| field_in_file(&f.text, h, kinds).is_some())
                });
                let range = match written.as_mut_slice() {
                    [Some(r)] if !files_too => r.clone(),
                    _ => 0..0,
                };
                return Some(Place {
                    file: k.file.clone(),
                    range,
                });
            }
            let dir = k.dir();
            let files = k
                .patches
                .iter()
                .map(PathBuf::from)
                .chain(k.local_references());
            for r in files {
                let path = dir.join(r);
                if !path.is_file() {
                    continue;
                }
                let Some(file) = SourceText::read(&path) else {
                    continue;
                };
                if let Some(range) = field_in_file(&file.text, h, kinds) {
                    return Some(Place { file, range });
                }
            }
        }
        None
    }

    /// The kustomizations (indices in `kustomizations`) whose `images:` reach the hit's
    /// object: those whose resource files define it, what includes them (as a resource, base
    /// or component), and the components those include. `None` when no resource file defines
    /// it (a generator, a file that cannot be read): then every one may.
    fn images_scope(&self, h: &Hit<'_>, kinds: &KindTable) -> Option<Vec<usize>> {
        use super::discover::comparable;
        let dirs: Vec<PathBuf> = self
            .kustomizations
            .iter()
            .map(|k| comparable(&k.dir()))
            .collect();
        // What each kustomization includes, by index.
        let includes: Vec<Vec<usize>> = self
            .kustomizations
            .iter()
            .map(|k| {
                let dir = k.dir();
                k.local_references()
                    .filter_map(|r| {
                        let target = comparable(&dir.join(r));
                        dirs.iter().position(|d| *d == target)
                    })
                    .collect()
            })
            .collect();
        // Which kustomization's resource files define it, by the longest name the rendered name
        // contains (`web-api` rather than `web` for `prod-web-api`).
        let defined: Vec<(usize, usize)> = self
            .kustomizations
            .iter()
            .enumerate()
            .filter_map(|(i, k)| {
                let dir = k.dir();
                k.local_references()
                    .map(|r| dir.join(r))
                    .filter(|p| p.is_file())
                    .filter_map(|p| SourceText::read(&p))
                    .filter_map(|f| defines(&f.text, h, kinds))
                    .max()
                    .map(|len| (i, len))
            })
            .collect();
        let longest = defined.iter().map(|&(_, len)| len).max()?;
        let mut reached: Vec<usize> = defined
            .iter()
            .filter(|&&(_, len)| len == longest)
            .map(|&(i, _)| i)
            .collect();
        // Up: every kustomization that includes one reached.
        let mut grew = true;
        while grew {
            grew = false;
            for (i, inc) in includes.iter().enumerate() {
                if !reached.contains(&i) && inc.iter().any(|c| reached.contains(c)) {
                    reached.push(i);
                    grew = true;
                }
            }
        }
        // The components those include apply to what they hold.
        let components: Vec<usize> = reached
            .iter()
            .flat_map(|&i| includes.get(i).into_iter().flatten().copied())
            .filter(|&c| self.kustomizations.get(c).is_some_and(|k| k.component))
            .collect();
        reached.extend(components);
        Some(reached)
    }

    /// The resource file that defines the hit's object (the last kustomization's that does) and
    /// where it writes the hit's field.
    fn field_as_written(
        &self,
        h: &Hit<'_>,
        kinds: &KindTable,
    ) -> Option<(Arc<SourceText>, Range<usize>)> {
        self.resource_files().find_map(|file| {
            let range = field_in_file(&file.text, h, kinds)?;
            Some((file, range))
        })
    }

    /// The resource files of the kustomizations, the last kustomization's first (a base's
    /// before the overlay that includes it).
    fn resource_files(&self) -> impl Iterator<Item = Arc<SourceText>> + '_ {
        self.kustomizations.iter().rev().flat_map(|k| {
            let dir = k.dir();
            k.local_references()
                .map(move |r| dir.join(r))
                .filter(|p| p.is_file())
                .filter_map(|p| SourceText::read(&p))
        })
    }

    /// The names of the containers of the hit's list (`containers`, `initContainers`), in the
    /// order the resource file that defines the object writes them.
    fn container_order(&self, h: &Hit<'_>, kinds: &KindTable) -> Option<Vec<Option<String>>> {
        let (kind, _) = h.slot?;
        for file in self.resource_files() {
            let docs = crate::syntax::parse_stream(&file.text, 0, &Default::default());
            for o in docs
                .iter()
                .flatten()
                .flat_map(|doc| crate::model::extract_objects(doc, kinds))
            {
                let (Some(orig), Some(rendered)) = (o.name.as_deref(), h.object.name.as_deref())
                else {
                    continue;
                };
                if o.kind != h.object.kind || !rendered.contains(orig) {
                    continue;
                }
                if let Some(pod) = &o.pod {
                    return Some(
                        pod.containers
                            .iter()
                            .filter(|c| c.kind == kind)
                            .map(|c| c.name_text().map(str::to_string))
                            .collect(),
                    );
                }
            }
        }
        None
    }

    /// The template named by `# Source:`, at the one line that writes `field`: the only line
    /// that writes `literal` (the rendered value, when no values scalar could have printed it)
    /// as it is, in a container not literally named otherwise, else the only line of the
    /// template that writes the field at all.
    fn template_place(
        &self,
        source: &str,
        field: Field,
        literal: Option<(&str, Option<&str>)>,
    ) -> Option<Place> {
        let path = chart_file(&self.dir, source)?;
        let file = SourceText::read(&path)?;
        let range = field
            .key()
            .and_then(|key| {
                literal
                    .and_then(|(l, container)| literal_key_line(&file.text, key, l, container))
                    .or_else(|| unique_key_line(&file.text, key))
            })
            .unwrap_or(0..0);
        Some(Place { file, range })
    }
}

/// Whether `sentinel` is in the hit's field of the same object and container rendered again;
/// `None` when they cannot be found there (the key changed what is rendered).
fn sentinel_reaches(objects: &[ObjectFacts], h: &Hit<'_>, sentinel: &str) -> Option<bool> {
    let o = objects
        .iter()
        .find(|o| o.kind == h.object.kind && o.name == h.object.name)?;
    let pod = o.pod.as_ref()?;
    if h.field == Field::PullSecret {
        return Some(
            pod.image_pull_secrets
                .iter()
                .any(|r| matches!(r, PullSecretRef::Named(s) if s.text.contains(sentinel))),
        );
    }
    let (kind, at) = h.slot?;
    let c = pod.containers.iter().filter(|c| c.kind == kind).nth(at)?;
    if c.name_text() != h.container_name {
        return None;
    }
    let field = match h.field {
        Field::Image => c.image.as_ref(),
        Field::PullPolicy => c.pull_policy.as_deref(),
        _ => None,
    };
    Some(field.is_some_and(|s| s.text.contains(sentinel)))
}

/// Whether `text` defines the hit's object (its kind, a name the rendered name contains): the
/// length of the longest such name.
fn defines(text: &str, h: &Hit<'_>, kinds: &KindTable) -> Option<usize> {
    let docs = crate::syntax::parse_stream(text, 0, &Default::default());
    let rendered = h.object.name.as_deref()?;
    docs.iter()
        .flatten()
        .flat_map(|doc| crate::model::extract_objects(doc, kinds))
        .filter(|o| o.kind == h.object.kind)
        .filter_map(|o| o.name.filter(|n| rendered.contains(n.as_str())))
        .map(|n| n.len())
        .max()
}

/// Where a resource or patch file writes the field `h` is about, if it writes it.
fn field_in_file(text: &str, h: &Hit<'_>, kinds: &KindTable) -> Option<Range<usize>> {
    field_in_objects(text, h, kinds, true)
}

/// Whether a patch's `target:` reaches the object: `Some(true)` it does, `Some(false)` it does
/// not, `None` it cannot be told (a name that is a regular expression, a label or annotation
/// selector).
fn target_reaches(patch: &InlinePatch, h: &Hit<'_>) -> Option<bool> {
    if patch
        .target_kind
        .as_deref()
        .is_some_and(|k| k != h.object.kind)
    {
        return Some(false);
    }
    if patch.by_selector {
        return None;
    }
    let Some(name) = patch.target_name.as_deref() else {
        return Some(true);
    };
    if name.contains(['*', '.', '^', '$', '[', '(', '|', '+', '?', '\\']) {
        return None;
    }
    let rendered = h.object.name.as_deref()?;
    Some(rendered.contains(name))
}

/// Where an inline patch writes the field `h` is about: one entry per place it writes it,
/// `None` when it may write it but not to a line that can be told.
fn inline_patch_writes(
    patch: &InlinePatch,
    file: &str,
    h: &Hit<'_>,
    kinds: &KindTable,
    base: &AsWritten,
) -> Vec<Option<Range<usize>>> {
    let reach = if patch.targeted {
        target_reaches(patch, h)
    } else {
        Some(true)
    };
    if reach == Some(false) {
        return Vec::new();
    }
    let docs = crate::syntax::parse_stream(&patch.text, 0, &Default::default());
    let Some(Ok(first)) = docs.first() else {
        return Vec::new();
    };
    let in_text: Vec<Option<Range<usize>>> = if first.root().is_some_and(|r| r.is_seq()) {
        json_patch_writes(first, h, kinds, base)
    } else if patch.targeted {
        // A strategic-merge patch with a target: its own kind and name do not matter.
        vec![field_in_objects(&patch.text, h, kinds, false)]
            .into_iter()
            .flatten()
            .map(Some)
            .collect()
    } else {
        field_in_file(&patch.text, h, kinds)
            .into_iter()
            .map(Some)
            .collect()
    };
    in_text
        .into_iter()
        .map(|r| {
            r.filter(|_| reach == Some(true))
                .and_then(|r| patch.in_file(file, &r))
        })
        .collect()
}

/// The `value` ranges (in the patch text) of the JSON 6902 operations that write the field
/// `h` is about: `/…/containers/0/image`, a whole container (`/…/containers/-` with its
/// `name`), or a list of them; `None` for one that may write it (an index whose container
/// cannot be named). An index counts in the resource as written (`order`: its containers'
/// names), never in the rendered object, whose containers a strategic merge may reorder.
fn json_patch_writes(
    doc: &crate::syntax::Document<'_>,
    h: &Hit<'_>,
    kinds: &KindTable,
    base: &AsWritten,
) -> Vec<Option<Range<usize>>> {
    let order = base.order.as_deref();
    let mut out = Vec::new();
    let (Some(root), Some((kind, _)), Some(key)) = (doc.root(), h.slot, h.field.key_in_pod())
    else {
        return out;
    };
    // Whether the container at index `i` is the one the finding is about.
    let is_ours = |i: &str| -> Option<bool> {
        let i = i.parse::<usize>().ok()?;
        let name = order?.get(i)?.as_deref()?;
        Some(Some(name) == h.container_name)
    };
    for op in root.items() {
        let (Some(path), Some(value)) = (op.str_at("path"), op.get("value")) else {
            continue;
        };
        if !matches!(op.str_at("op"), Some("add" | "replace")) {
            continue;
        }
        let segments: Vec<String> = path
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        let Some(j) = segments.iter().position(|s| s == kind.field()) else {
            // A kind that keeps containers elsewhere (a declared kind's `spec.jobs[].container`):
            // the path is followed in the resource as written. It lands on the field: this
            // operation's value; on what holds it (a whole job): it writes it, to a line that
            // cannot be told; elsewhere: not this field.
            let names_the_field = segments.last().is_some_and(|s| s == key);
            let Some((file, field)) = &base.field else {
                if names_the_field {
                    out.push(None);
                }
                continue;
            };
            match node_at(&file.text, h, kinds, &segments) {
                Some(n) if n == *field => out.push(Some(value.value_range())),
                Some(n) if n.start <= field.start && field.end <= n.end => out.push(None),
                Some(_) => {}
                None if names_the_field => out.push(None),
                None => {}
            }
            continue;
        };
        let rest = segments.get(j + 1..).unwrap_or(&[]);
        match rest {
            [] => {
                for c in value
                    .items()
                    .filter(|c| c.str_at("name") == h.container_name)
                {
                    out.extend(c.get(key).map(|v| Some(v.value_range())));
                }
            }
            [i] => {
                let ours = match value.str_at("name") {
                    Some(n) => Some(Some(n) == h.container_name),
                    None => is_ours(i),
                };
                if ours != Some(false)
                    && let Some(v) = value.get(key)
                {
                    out.push(ours.map(|_| v.value_range()));
                }
            }
            [i, k] if k == key => match is_ours(i) {
                Some(false) => {}
                Some(true) => out.push(Some(value.value_range())),
                None => out.push(None),
            },
            _ => {}
        }
    }
    out
}

/// What the resource that defines the hit's object writes, for reading a patch's paths.
struct AsWritten {
    /// The names of the containers of the hit's list, in order.
    order: Option<Vec<Option<String>>>,
    /// The resource file and where it writes the hit's field.
    field: Option<(Arc<SourceText>, Range<usize>)>,
}

/// The value range of the node at a JSON pointer's `segments` in the hit's object as `text`
/// writes it; `None` when the path does not resolve there.
fn node_at(
    text: &str,
    h: &Hit<'_>,
    kinds: &KindTable,
    segments: &[String],
) -> Option<Range<usize>> {
    let docs = crate::syntax::parse_stream(text, 0, &Default::default());
    let rendered = h.object.name.as_deref()?;
    let doc = docs.iter().flatten().find(|doc| {
        crate::model::extract_objects(doc, kinds).iter().any(|o| {
            o.kind == h.object.kind && o.name.as_deref().is_some_and(|n| rendered.contains(n))
        })
    })?;
    let mut at = doc.root()?;
    for s in segments {
        at = if at.is_seq() {
            at.items().nth(s.parse::<usize>().ok()?)?
        } else {
            at.get(s)?
        };
    }
    Some(at.value_range())
}

/// Where the objects of `text` write the field `h` is about; `by_name`: only an object of
/// the rendered one's kind whose name the rendered name contains.
fn field_in_objects(
    text: &str,
    h: &Hit<'_>,
    kinds: &KindTable,
    by_name: bool,
) -> Option<Range<usize>> {
    let docs = crate::syntax::parse_stream(text, 0, &Default::default());
    for o in docs
        .iter()
        .flatten()
        .flat_map(|doc| crate::model::extract_objects(doc, kinds))
    {
        if by_name {
            if o.kind != h.object.kind {
                continue;
            }
            let (Some(orig), Some(rendered)) = (o.name.as_deref(), h.object.name.as_deref()) else {
                continue;
            };
            if !rendered.contains(orig) {
                continue;
            }
        }
        let Some(pod) = &o.pod else { continue };
        let Some(c) = pod
            .containers
            .iter()
            .find(|c| c.name_text().is_some() && c.name_text() == h.container_name)
        else {
            continue;
        };
        let field = match h.field {
            Field::Image => c.image.as_ref(),
            Field::PullPolicy => c.pull_policy.as_deref(),
            Field::ContainerName => c.name.as_ref(),
            _ => None,
        };
        if let Some(s) = field {
            return Some(s.value_span.clone());
        }
    }
    None
}

/// Subcharts' own values.yaml, under their name (or alias), before the parent's.
fn subchart_leaves(dir: &Path, chart: &ChartFile, prefix: &str, depth: usize, out: &mut Vec<Leaf>) {
    if depth > 3 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir.join("charts")) else {
        return;
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for sub in dirs {
        let Some(sub_chart) = ChartFile::read(&sub.join("Chart.yaml")) else {
            continue;
        };
        let Some(name) = sub_chart.name.clone() else {
            continue;
        };
        let key = chart
            .dependencies
            .iter()
            .find(|d| d.name.text == name)
            .and_then(|d| d.alias.clone())
            .unwrap_or(name);
        let p = format!("{prefix}{key}.");
        subchart_leaves(&sub, &sub_chart, &p, depth + 1, out);
        if let Some(f) = SourceText::read(&sub.join("values.yaml")) {
            out.extend(leaves(&f, p.trim_end_matches('.')));
        }
    }
}

/// The `images:` entry field that produced `part` of `image`.
fn pick(
    entry: &ImageEntry,
    image: &str,
    part: &Range<usize>,
    name: &str,
    tag: Option<&str>,
    digest: Option<&str>,
) -> Option<Range<usize>> {
    let within = |value: &str| component_at(image, value, part.clone(), false).is_some();
    if let (Some(w), Some(d)) = (&entry.digest, digest)
        && w.text == d
        && within(d)
    {
        return Some(w.span.clone());
    }
    if let (Some(w), Some(t)) = (&entry.new_tag, tag)
        && w.text == t
        && within(t)
    {
        return Some(w.span.clone());
    }
    if let Some(w) = &entry.new_name
        && w.text == name
        && within(name)
    {
        return Some(w.span.clone());
    }
    None
}

/// `name[:tag][@digest]` split lexically (the reference may be invalid: that is the finding).
fn split_reference(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest.get(slash..).and_then(|last| last.rfind(':')) {
        Some(i) => (
            rest.get(..slash + i).unwrap_or(rest),
            rest.get(slash + i + 1..),
            digest,
        ),
        None => (rest, None, digest),
    }
}

fn last_segment(path: &str) -> String {
    path.rsplit('.')
        .next()
        .unwrap_or(path)
        .split('[')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Keys that name (a part of) an image reference.
fn image_key(path: &str) -> bool {
    let k = last_segment(path);
    [
        "image", "tag", "repo", "registry", "digest", "version", "name",
    ]
    .iter()
    .any(|w| k.contains(w))
}

fn policy_key(path: &str) -> bool {
    last_segment(path).contains("policy")
}

fn secret_key(path: &str) -> bool {
    path.to_ascii_lowercase().contains("secret")
}

/// Where `value` occurs in `text` covering `part`, on reference boundaries (`/`, `:`, `@` or
/// the ends). `whole_component`: only tags, names or digests as a whole.
fn component_at(text: &str, value: &str, part: Range<usize>, any: bool) -> Option<usize> {
    if value.is_empty() {
        return None;
    }
    let boundary = |c: Option<char>| c.is_none_or(|c| matches!(c, '/' | ':' | '@'));
    text.match_indices(value).map(|(i, _)| i).find(|&a| {
        let b = a + value.len();
        let covers = any || (a <= part.start && part.end <= b);
        covers
            && boundary(text.get(..a).and_then(|s| s.chars().last()))
            && boundary(text.get(b..).and_then(|s| s.chars().next()))
    })
}

/// A rendered scalar a finding is about.
struct Hit<'a> {
    scalar: &'a Scalar,
    field: Field,
    object: &'a ObjectFacts,
    container_name: Option<&'a str>,
    /// The container's image, when the hit is another field of it.
    image: Option<&'a Scalar>,
    /// The container's list and its position there (`containers`, 0).
    slot: Option<(ContainerKind, usize)>,
}

fn scalar_at<'a>(objects: &'a [ObjectFacts], span: &Range<usize>) -> Option<Hit<'a>> {
    let inside =
        |s: &Scalar| s.span.start <= span.start && span.end <= s.span.end.max(s.span.start + 1);
    for o in objects.iter().filter(|o| o.span.contains(&span.start)) {
        let Some(pod) = &o.pod else { continue };
        for (i, c) in pod.containers.iter().enumerate() {
            let at = pod
                .containers
                .iter()
                .take(i)
                .filter(|x| x.kind == c.kind)
                .count();
            let slot = Some((c.kind, at));
            if let Some(s) = c.image.as_ref().filter(|s| inside(s)) {
                return Some(Hit {
                    scalar: s,
                    field: Field::Image,
                    object: o,
                    container_name: c.name_text(),
                    image: None,
                    slot,
                });
            }
            if let Some(s) = c.pull_policy.as_deref().filter(|s| inside(s)) {
                return Some(Hit {
                    scalar: s,
                    field: Field::PullPolicy,
                    object: o,
                    container_name: c.name_text(),
                    image: c.image.as_ref(),
                    slot,
                });
            }
            if let Some(s) = c.name.as_ref().filter(|s| inside(s)) {
                return Some(Hit {
                    scalar: s,
                    field: Field::ContainerName,
                    object: o,
                    container_name: c.name_text(),
                    image: c.image.as_ref(),
                    slot,
                });
            }
        }
        for r in &pod.image_pull_secrets {
            if let PullSecretRef::Named(s) = r
                && inside(s)
            {
                return Some(Hit {
                    scalar: s,
                    field: Field::PullSecret,
                    object: o,
                    container_name: None,
                    image: None,
                    slot: None,
                });
            }
        }
    }
    None
}

/// The part of the hit's text the finding is about: the registry host (else the repository)
/// for a registry finding on an image, else the flagged part.
fn focused_part(text: &str, span: &Range<usize>, h: &Hit<'_>, focus: Focus) -> Range<usize> {
    if focus == Focus::Registry
        && h.field == Field::Image
        && let Ok(r) = crate::image::parse_reference(&h.scalar.text)
    {
        return r.domain.clone().unwrap_or_else(|| r.path.clone());
    }
    flagged_part(text, span, h.scalar)
}

/// The flagged part of the scalar's text (byte range in `scalar.text`).
fn flagged_part(text: &str, span: &Range<usize>, scalar: &Scalar) -> Range<usize> {
    let whole = 0..scalar.text.len();
    let raw = text.get(span.clone()).unwrap_or("");
    let f = raw.trim_matches(|c| c == '"' || c == '\'');
    if f.is_empty() || span.start <= scalar.value_span.start && span.end >= scalar.value_span.end {
        return whole;
    }
    // Offset of the span inside the value as written (quotes excluded).
    let written = text.get(scalar.value_span.clone()).unwrap_or("");
    let quote = usize::from(written.starts_with(['"', '\'']));
    let rel = span.start.saturating_sub(scalar.value_span.start + quote);
    match scalar.text.get(rel..rel + f.len()) {
        Some(s) if s == f => rel..rel + f.len(),
        _ => scalar.text.find(f).map_or(whole, |i| i..i + f.len()),
    }
}

/// The `# Source: chart/templates/x.yaml` comment of the document holding `at`.
pub fn source_comment(text: &str, at: usize) -> Option<&str> {
    let before = text.get(..at)?;
    let i = before.rfind("# Source: ")?;
    let rest = text.get(i + "# Source: ".len()..)?;
    let line = rest.split(['\n', '\r']).next()?.trim();
    (!line.is_empty()).then_some(line)
}

fn line_text(text: &str, at: usize) -> &str {
    let start = text
        .get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = text
        .get(at..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| at + i);
    text.get(start..end).unwrap_or("").trim()
}

/// The value part of the one line `key: VALUE` of a template that writes `value` literally
/// (plain or quoted, no template action) in a list item whose `name:` is not literally another
/// than `container`; `None` when none or several do.
fn literal_key_line(
    text: &str,
    key: &str,
    value: &str,
    container: Option<&str>,
) -> Option<Range<usize>> {
    let mut found = None;
    for range in key_lines(text, key) {
        let written = unquoted(text.get(range.clone()).unwrap_or(""));
        let other =
            item_name(text, range.start).is_some_and(|n| !n.contains("{{") && Some(n) != container);
        if written == value && !written.contains("{{") && !other {
            if found.is_some() {
                return None;
            }
            found = Some(range);
        }
    }
    found
}

/// A template value as YAML reads it, for plain or quoted scalars: comment and quotes off.
fn unquoted(written: &str) -> &str {
    written
        .split(" #")
        .next()
        .unwrap_or(written)
        .trim_end()
        .trim_matches(|c| c == '"' || c == '\'')
}

/// The `name:` written in the same list item (the same mapping of a sequence) as the key
/// whose value starts at `at`, as written; `None` when it has none or it cannot be told.
fn item_name(text: &str, at: usize) -> Option<&str> {
    let start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    let key_line = text.get(start..)?.lines().next()?;
    let spaces = key_line.len() - key_line.trim_start_matches(' ').len();
    let column = spaces
        + if key_line.trim_start().starts_with("- ") {
            2
        } else {
            0
        };
    fn name_of(body: &str) -> Option<&str> {
        body.strip_prefix("name:").map(|v| unquoted(v.trim()))
    }
    let mut lines: Vec<&str> = text.get(..start)?.lines().collect();
    let first = key_line.trim_start().starts_with("- ");
    // Up to the item's `- ` line (unless the key line is it).
    if first {
        if let Some(n) = name_of(key_line.trim_start().get(2..)?.trim_start()) {
            return Some(n);
        }
    } else {
        while let Some(line) = lines.pop() {
            let rest = line.trim_start_matches(' ');
            let sp = line.len() - rest.len();
            if rest.is_empty() || rest.starts_with('#') || rest.starts_with("{{") || sp > column {
                continue;
            }
            if let Some(body) = rest.strip_prefix("- ")
                && sp + 2 == column
            {
                if let Some(n) = name_of(body.trim_start()) {
                    return Some(n);
                }
                break;
            }
            if sp != column {
                return None;
            }
            if let Some(n) = name_of(rest) {
                return Some(n);
            }
        }
    }
    // Down to the next item.
    for line in text.get(start..)?.lines().skip(1) {
        let rest = line.trim_start_matches(' ');
        let sp = line.len() - rest.len();
        if rest.is_empty() || rest.starts_with('#') || rest.starts_with("{{") || sp > column {
            continue;
        }
        if sp != column {
            return None;
        }
        if let Some(n) = name_of(rest) {
            return Some(n);
        }
    }
    None
}

/// The value part of the one line `key:` (or `- key:`) of a template; `None` when several lines
/// (or none) could be it.
fn unique_key_line(text: &str, key: &str) -> Option<Range<usize>> {
    match key_lines(text, key).as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    }
}

/// The value part (else the key) of every line `key:` (or `- key:`) of a template.
fn key_lines(text: &str, key: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim_start();
        let body = trimmed.strip_prefix("- ").unwrap_or(trimmed).trim_start();
        if let Some(rest) = body.strip_prefix(key)
            && rest.starts_with(':')
        {
            let key_at = at + (content.len() - body.len());
            let value_from = key_at + key.len() + 1;
            let value = content.get(value_from - at..).unwrap_or("");
            let lead = value.len() - value.trim_start().len();
            let start = value_from + lead;
            let end = at + content.len();
            found.push(if start < end { start..end } else { key_at..end });
        }
        at += line.len();
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_sit_on_reference_boundaries() {
        let img = "docker.io/bitnami/nginx:1.25";
        assert_eq!(component_at(img, "1.25", 24..28, false), Some(24));
        assert_eq!(component_at(img, "1.2", 24..27, false), None);
        assert_eq!(component_at(img, "bitnami/nginx", 10..23, false), Some(10));
        assert_eq!(component_at(img, "nginx", 24..28, false), None);
    }

    #[test]
    fn one_key_line_or_none() {
        let t = "a:\n  image: {{ x }}\n  other: 1\n";
        let r = unique_key_line(t, "image").unwrap();
        assert_eq!(&t[r], "{{ x }}");
        assert_eq!(unique_key_line("image: a\nimage: b\n", "image"), None);
        assert_eq!(unique_key_line("images: a\n", "image"), None);
    }

    #[test]
    fn a_literal_line_only_when_one_writes_it_as_is() {
        let t = "- image: \"{{ .Values.x }}\"\n- image: busybox:latest # pinned later\n";
        let r = literal_key_line(t, "image", "busybox:latest", None).unwrap();
        assert_eq!(&t[r], "busybox:latest # pinned later");
        assert_eq!(literal_key_line(t, "image", "nginx:latest", None), None);
        let twice = "image: busybox:latest\nimage: 'busybox:latest'\n";
        assert_eq!(
            literal_key_line(twice, "image", "busybox:latest", None),
            None
        );
        // Two containers with the same literal image: the one named as the rendered one.
        let named = "containers:\n  - name: a\n    image: busybox:latest\n  - image: busybox:latest\n    name: \"b\"\n";
        let r = literal_key_line(named, "image", "busybox:latest", Some("b")).unwrap();
        assert_eq!(named[..r.start].lines().count(), 4);
        let r = literal_key_line(named, "image", "busybox:latest", Some("a")).unwrap();
        assert_eq!(named[..r.start].lines().count(), 3);
        assert_eq!(
            literal_key_line(named, "image", "busybox:latest", Some("c")),
            None
        );
    }

    #[test]
    fn source_comments() {
        let t = "---\n# Source: web/templates/a.yaml\nkind: Pod\n";
        assert_eq!(source_comment(t, t.len() - 2), Some("web/templates/a.yaml"));
        assert_eq!(source_comment(t, 2), None);
    }
}
