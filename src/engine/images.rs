//! Every container image of a run with where a digest would be written (`pullcheck pin`,
//! issue 21): the reference's own bytes in a manifest, or, for charts and Kustomize roots, the
//! place tracing finds (`crate::render::trace::pin`), with what its registry answered for the
//! tag (the run's `--online` check, asked by tag).

use crate::index::Index;
use crate::index::online::Outcome;
use crate::model::image_state::{ImageState, image_state};
use crate::model::{KindTable, ObjectFacts};
use crate::render::{PinPlace, SourceText, Tracer};
use crate::source::{FileId, Origin, SourceMap};
use std::collections::HashMap;
use std::sync::Arc;

/// One container's image and where pinning it writes.
#[derive(Clone, Debug)]
pub struct ImageSite {
    /// As the pod gets it (rendered, for charts and roots).
    pub image: String,
    /// Where the container is: `deploy/web.yaml:12`, or the chart or root and its template.
    pub at: String,
    /// `Deployment prod/web`, container `app`.
    pub object: String,
    pub container: String,
    /// The image's tag, digest and the repository as the registry names it.
    pub tag: Option<String>,
    pub digest: Option<String>,
    pub name: String,
    /// What the registry serves for the tag now.
    pub served: Served,
    pub place: PinPlace,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Served {
    /// The digest of what the tag points at (an index's or list's own digest for a
    /// multi-platform image), and the credentials that asked, by name.
    Digest { digest: String, credentials: String },
    /// Why there is no digest: not found, refused, unreachable.
    Failed(String),
    /// Not asked (`imagePullPolicy: Never`, a registry whose credentials live on the nodes).
    NotAsked(String),
}

/// The sites of every container image in `located`.
pub(super) fn collect(
    sources: &SourceMap,
    located: &[(FileId, &ObjectFacts)],
    objects: &[Vec<ObjectFacts>],
    tracers: &HashMap<FileId, Tracer>,
    index: &Index<'_>,
    kinds: &KindTable,
    default_ns: &str,
) -> Vec<ImageSite> {
    let mut out = Vec::new();
    for (file, object) in located {
        let Some(pod) = &object.pod else { continue };
        let Some(source) = sources.get(*file) else {
            continue;
        };
        let text = source.raw_text();
        let file_objects = objects.get(file.0 as usize).map_or(&[][..], Vec::as_slice);
        for c in &pod.containers {
            let ImageState::Valid(image, r) = image_state(c) else {
                continue;
            };
            let (line, _) = source.line_col(image.value_span.start);
            let tag = r.tag(&image.text).map(str::to_string);
            let digest = r.digest(&image.text).map(str::to_string);
            // The part tracing follows back: the tag, else the repository.
            let part = r.tag.clone().unwrap_or(r.path.clone());
            let place = match tracers.get(file) {
                Some(tracer) => tracer.pin_place(
                    text,
                    image.text_range(text, part),
                    &image.text,
                    file_objects,
                    kinds,
                ),
                None => literal_place(source, image),
            };
            let served = if c.explicit_pull_policy().is_some_and(|p| p.text == "Never") {
                Served::NotAsked("`imagePullPolicy: Never` runs the node's own copy".into())
            } else {
                served(index, *file, image.span.start)
            };
            // Rendered text has no line a user can open: the chart or root, and the template.
            let at = match tracers.get(file) {
                Some(t) => match crate::render::trace::source_comment(text, image.span.start) {
                    Some(template) => format!("{} ({template})", t.root),
                    None => t.root.clone(),
                },
                None => format!("{}:{line}", source.name),
            };
            out.push(ImageSite {
                image: image.text.clone(),
                at,
                object: format!(
                    "{} {}/{}",
                    object.kind,
                    object.namespace_or(default_ns),
                    object.name.as_deref().unwrap_or("")
                ),
                container: c.name_text().unwrap_or("").to_string(),
                tag,
                digest,
                name: r.familiar_name(),
                served,
                place,
            });
        }
    }
    out
}

/// A manifest's own reference: `@sha256:…` goes right after it, when its bytes are its text.
fn literal_place(source: &crate::source::SourceFile, image: &crate::model::Scalar) -> PinPlace {
    let Origin::Path(path) = &source.origin else {
        return PinPlace::Refuse {
            why: "it was read from standard input, which cannot be written".into(),
        };
    };
    let text = source.raw_text();
    let range = image.text_range(text, 0..image.text.len());
    if text.get(range.clone()) != Some(image.text.as_str()) {
        return PinPlace::Refuse {
            why: "the reference is written with escapes or over several lines; edit it by hand"
                .into(),
        };
    }
    PinPlace::Append {
        file: Arc::new(SourceText {
            display: source.name.clone(),
            path: path.clone(),
            text: text.into(),
        }),
        at: range.end,
        key: None,
    }
}

fn served(index: &Index<'_>, file: FileId, image_start: usize) -> Served {
    let Some(v) = index.availability.get(file, image_start) else {
        return Served::NotAsked(
            "not asked: its registry's credentials live on the nodes and your Docker config \
             has none"
                .into(),
        );
    };
    match (&v.outcome, &v.digest) {
        (Outcome::Pullable | Outcome::PlatformMissing { .. }, Some(d)) => Served::Digest {
            digest: d.clone(),
            credentials: v.credentials.clone(),
        },
        (Outcome::NotFound { what, nearest, .. }, _) => {
            let mut why = format!("{what} not found (asked with {})", v.credentials);
            if !nearest.is_empty() {
                why.push_str(&format!("; nearest tags: {}", nearest.join(", ")));
            }
            Served::Failed(why)
        }
        // The pod's credentials were refused, your Docker config's found it: the digest is
        // the same whoever asks (the lint's `image-unauthorized` says the pod cannot pull).
        (Outcome::Unauthorized { .. }, Some(d)) => Served::Digest {
            digest: d.clone(),
            credentials: "docker config".into(),
        },
        (Outcome::Unauthorized { status, .. }, _) if v.credentials == "anonymous" => {
            Served::Failed(format!(
                "the registry refused an anonymous pull (HTTP {status}) and no pull secret of \
                 the pod matches it"
            ))
        }
        (Outcome::Unauthorized { status, .. }, _) => Served::Failed(format!(
            "the registry refused {} (HTTP {status})",
            v.credentials
        )),
        (Outcome::Unreachable { error }, _) => {
            Served::Failed(format!("registry unreachable: {error}"))
        }
        (Outcome::RateLimited { .. }, _) => {
            Served::Failed("the registry is rate-limiting requests (HTTP 429)".into())
        }
        (_, None) => Served::Failed("the registry sent no digest".into()),
    }
}
