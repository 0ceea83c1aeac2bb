//! `private-registry-without-pull-secret`: a registry that needs credentials, and none given.

use super::{Category, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::index::{Index, RegistryClass};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "private-registry-without-pull-secret",
    severity: Severity::Warning,
    category: Category::CrossObject,
    summary: "image from a registry that is not public, and no imagePullSecrets on the pod or its ServiceAccount",
    doc: include_str!("../../rules/private-registry-without-pull-secret.md"),
};

pub fn check(index: &Index<'_>, out: &mut Vec<Finding>) {
    // A Tekton Task or Pipeline gets its pull secrets from the run that uses it.
    for pod in index.pods().filter(|p| !p.pod.credentials_from_run) {
        let creds = index.credentials(&pod);
        if !creds.is_empty() {
            continue;
        }
        let sa_name = pod.service_account_name();
        for pull in index.pulls_needing_credentials(&pod) {
            let (image, r, class) = (pull.image, &pull.reference, pull.class);
            let who = match creds.service_account {
                Some(_) => format!(
                    "neither the pod nor its ServiceAccount {sa_name:?} has imagePullSecrets"
                ),
                None => format!(
                    "the pod has no imagePullSecrets (ServiceAccount {sa_name:?} is not among the \
                     linted files, so any imagePullSecrets it has are not seen)"
                ),
            };
            let span = Span::new(pod.file, image.span.clone());
            let mut f = match class {
                RegistryClass::Cloud(provider) => {
                    let mut f = Finding::new(
                        &META,
                        span,
                        format!(
                            "image {:?} is pulled from the cloud registry {:?} and {who}: this \
                             works if the repository is public or the nodes authenticate \
                             through {provider}",
                            image.text, r.registry
                        ),
                    )
                    .label("credentials from the node?")
                    .help(
                        "if the repository is public, list it under `registries.public`; if the \
                         nodes' credential provider serves it, under `registries.node-credentials` \
                         (in .pullcheck.yaml); otherwise add `imagePullSecrets`",
                    );
                    f.severity = Severity::Note;
                    f
                }
                _ => Finding::new(
                    &META,
                    span,
                    format!(
                        "image {:?} is pulled from {:?}, which is not a known public registry, \
                         and {who}",
                        image.text, r.registry
                    ),
                )
                .label("may need credentials")
                .help(format!(
                    "add `imagePullSecrets: [{{name: <secret>}}]` to the pod or its \
                     ServiceAccount; if {:?} is public, or the nodes authenticate to it \
                     themselves, list it under `registries.public` or \
                     `registries.node-credentials` in .pullcheck.yaml",
                    r.registry
                )),
            };
            if let Some(sa) = creds.service_account {
                f = f.secondary(
                    Span::new(sa.file, sa.object.anchor_span()),
                    "this ServiceAccount has no imagePullSecrets",
                );
            }
            out.push(f);
        }
    }
}
