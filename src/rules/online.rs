//! The registry check's rules (`--online`): what each image's registry answered, asked with
//! the credentials the pod would use. Each rule reads the facts the engine put in
//! [`crate::index::Index::availability`]; none does I/O, and offline they find nothing.
//!
//! - `image-not-found`: the tag, digest or repository does not exist;
//! - `image-unauthorized`: the registry refuses the pod's credentials (or wants some);
//! - `image-platform-missing`: no variant for a platform the pod may run on;
//! - `registry-unreachable`: DNS, connection, TLS or timeout (a warning: CI is not the nodes);
//! - `registry-rate-limited`: 429, after honouring `Retry-After` within a bounded wait.

use super::{Category, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::index::Index;
use crate::index::online::{Outcome, Verdict};
use crate::source::Span;

pub const IMAGE_NOT_FOUND: RuleMeta = RuleMeta {
    name: "image-not-found",
    severity: Severity::Error,
    category: Category::Registry,
    summary: "the registry has no such tag, digest or repository (`--online`)",
    doc: include_str!("../../rules/image-not-found.md"),
};

pub const IMAGE_UNAUTHORIZED: RuleMeta = RuleMeta {
    name: "image-unauthorized",
    severity: Severity::Error,
    category: Category::Registry,
    summary: "the registry refuses the credentials the pod would use, or the pod has none (`--online`)",
    doc: include_str!("../../rules/image-unauthorized.md"),
};

pub const IMAGE_PLATFORM_MISSING: RuleMeta = RuleMeta {
    name: "image-platform-missing",
    severity: Severity::Error,
    category: Category::Registry,
    summary: "the image has no variant for a platform the pod can run on (`--online`)",
    doc: include_str!("../../rules/image-platform-missing.md"),
};

pub const REGISTRY_UNREACHABLE: RuleMeta = RuleMeta {
    name: "registry-unreachable",
    severity: Severity::Warning,
    category: Category::Registry,
    summary: "the registry could not be reached from here: DNS, connection, TLS or timeout (`--online`)",
    doc: include_str!("../../rules/registry-unreachable.md"),
};

pub const REGISTRY_RATE_LIMITED: RuleMeta = RuleMeta {
    name: "registry-rate-limited",
    severity: Severity::Warning,
    category: Category::Registry,
    summary: "the registry answered 429: too many requests (`--online`)",
    doc: include_str!("../../rules/registry-rate-limited.md"),
};

/// Every container image of the run with its verdict, for the rule that wants it; each
/// finding it adds carries the registry's answer.
fn each_verdict<'i>(
    index: &'i Index<'_>,
    out: &mut Vec<Finding>,
    mut visit: impl FnMut(Span, &str, &'i Verdict, &mut Vec<Finding>),
) {
    if index.availability.is_empty() {
        return;
    }
    for pod in index.pods() {
        for c in &pod.pod.containers {
            // Only a valid reference has a verdict: the lookup decides, without parsing the
            // reference again for each of the five rules.
            let Ok(image) = crate::model::image_state::image_to_parse(c) else {
                continue;
            };
            if let Some(v) = index.availability.get(pod.file, image.span.start) {
                let start = out.len();
                visit(Span::new(pod.file, image.span.clone()), &image.text, v, out);
                for f in out.iter_mut().skip(start) {
                    f.registry = Some(Box::new(crate::finding::RegistryInfo {
                        credentials: v.credentials.clone(),
                        digest: v.digest.clone(),
                        platforms: v.platforms.clone(),
                        cached: v.cached,
                    }));
                }
            }
        }
    }
}

pub fn check_not_found(index: &Index<'_>, out: &mut Vec<Finding>) {
    each_verdict(index, out, |span, image, v, out| {
        let Outcome::NotFound {
            what,
            maybe_private,
            nearest,
        } = &v.outcome
        else {
            return;
        };
        let message = if *maybe_private {
            format!(
                "{what} of image {image:?} does not exist, or is private (asked with {}): the \
                 registry would not say which",
                v.credentials
            )
        } else {
            format!(
                "{what} of image {image:?} does not exist in its registry (asked with {})",
                v.credentials
            )
        };
        let help = if nearest.is_empty() {
            "check the spelling of the repository and the tag (`crane ls REPO`, \
             `skopeo list-tags docker://REPO`), or push the image before deploying it"
                .to_string()
        } else {
            format!(
                "existing tags close to it: {}; or push the image before deploying it",
                nearest
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push(
            Finding::new(&IMAGE_NOT_FOUND, span, message)
                .label("not in the registry")
                .help(help),
        );
    });
}

pub fn check_unauthorized(index: &Index<'_>, out: &mut Vec<Finding>) {
    each_verdict(index, out, |span, image, v, out| {
        let Outcome::Unauthorized { status, exists } = &v.outcome else {
            return;
        };
        let exists = match exists {
            Some(true) => {
                "; it exists (your Docker login can pull it), so the pod's credentials are what is wrong"
            }
            Some(false) => "",
            None => "",
        };
        let unseen = v.unseen_service_account.as_ref().map_or_else(String::new, |sa| {
            format!(
                " (its ServiceAccount {sa:?} is not among the linted files: pull secrets it may \
                 add were not tried)"
            )
        });
        let message = if v.credentials == "anonymous" {
            format!(
                "the registry of image {image:?} wants credentials (HTTP {status}) and the pod \
                 has no pull secret for it{unseen}{exists}"
            )
        } else {
            format!(
                "the registry of image {image:?} refuses the pod's credentials ({}, HTTP \
                 {status}){exists}",
                v.credentials
            )
        };
        out.push(
            Finding::new(&IMAGE_UNAUTHORIZED, span, message)
                .label("the pod cannot pull this")
                .help(
                    "give the pod (or its ServiceAccount) an `imagePullSecrets` entry whose \
                     Secret holds a login for this registry that may pull this repository \
                     (`kubectl create secret docker-registry …`)",
                ),
        );
    });
}

pub fn check_platform_missing(index: &Index<'_>, out: &mut Vec<Finding>) {
    each_verdict(index, out, |span, image, v, out| {
        let Outcome::PlatformMissing { wanted, because } = &v.outcome else {
            return;
        };
        let offered = if v.platforms.is_empty() {
            "none that the registry lists".to_string()
        } else {
            v.platforms.join(", ")
        };
        out.push(
            Finding::new(
                &IMAGE_PLATFORM_MISSING,
                span,
                format!(
                    "image {image:?} has no variant for {} ({because}); it offers {offered}",
                    wanted.join(" or ")
                ),
            )
            .label("no variant for the nodes")
            .help(
                "build and push the image for the nodes' platform (`docker buildx build \
                 --platform …`), or schedule the pod on nodes of a platform it offers",
            ),
        );
    });
}

pub fn check_unreachable(index: &Index<'_>, out: &mut Vec<Finding>) {
    each_verdict(index, out, |span, image, v, out| {
        let Outcome::Unreachable { error } = &v.outcome else {
            return;
        };
        out.push(
            Finding::new(
                &REGISTRY_UNREACHABLE,
                span,
                format!("the registry of image {image:?} could not be reached from here: {error}"),
            )
            .label("registry not reached")
            .help(
                "the nodes may reach it where CI does not (a private network, a proxy): check \
                 from a node with `crictl pull`, or name the host the nodes pull through in \
                 `registries.mirrors`",
            ),
        );
    });
}

pub fn check_rate_limited(index: &Index<'_>, out: &mut Vec<Finding>) {
    each_verdict(index, out, |span, image, v, out| {
        let Outcome::RateLimited { retry_after_secs } = &v.outcome else {
            return;
        };
        let wait = retry_after_secs.map_or_else(String::new, |s| format!(" (retry after {s} s)"));
        out.push(
            Finding::new(
                &REGISTRY_RATE_LIMITED,
                span,
                format!(
                    "the registry of image {image:?} answered 429, too many requests{wait}: it \
                     was not checked, and nodes pulling it may be refused the same way"
                ),
            )
            .label("rate limited")
            .help(
                "log in (a Docker Hub account has a higher limit), pull through a mirror \
                 (`registries.mirrors`), or run the check again later",
            ),
        );
    });
}
