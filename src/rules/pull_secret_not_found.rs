//! `pull-secret-not-found`: `imagePullSecrets` names a Secret that the linted set lacks.

use super::{Category, RuleMeta, closest_name};
use crate::finding::{Finding, Severity};
use crate::index::{Index, SecretStatus};
use crate::model::{PullSecretRef, Scalar};
use crate::source::{FileId, Span};

pub const META: RuleMeta = RuleMeta {
    name: "pull-secret-not-found",
    severity: Severity::Warning,
    category: Category::CrossObject,
    summary: "imagePullSecrets names a Secret that is not in the linted files (which hold Secrets of that namespace)",
    doc: include_str!("../../rules/pull-secret-not-found.md"),
};

/// Each named reference of every pod and ServiceAccount, with its namespace and file.
pub fn references<'a>(
    index: &'a Index<'a>,
) -> impl Iterator<Item = (FileId, &'a str, &'a Scalar, &'static str)> + 'a {
    index.objects().flat_map(move |at| {
        let ns = index.namespace_of(at.object);
        let pod = at.object.pod.iter().flat_map(|p| &p.image_pull_secrets);
        let sa = at
            .object
            .service_account
            .iter()
            .flat_map(|s| &s.image_pull_secrets);
        let owner = if at.object.service_account.is_some() {
            "ServiceAccount"
        } else {
            "pod"
        };
        pod.chain(sa).filter_map(move |r| match r {
            PullSecretRef::Named(name) => Some((at.file, ns, name, owner)),
            PullSecretRef::Malformed(_) => None,
        })
    })
}

pub fn check(index: &Index<'_>, out: &mut Vec<Finding>) {
    for (file, ns, name, owner) in references(index) {
        if !matches!(index.secret_status(ns, &name.text), SecretStatus::Missing) {
            continue;
        }
        let names = index.secret_names(ns);
        let mut help = match closest_name(&name.text, names.iter().copied()) {
            Some(close) => format!("did you mean {close:?}? "),
            None => String::new(),
        };
        if names.is_empty() {
            help.push_str(
                "no Secret of this namespace is in the linted files (--require-secrets is on); \
                 add the Secret's manifest to the run or create it in the cluster",
            );
        } else {
            help.push_str(&format!(
                "Secrets of namespace {ns:?} in the linted files: {}",
                names
                    .iter()
                    .take(10)
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.push(
            Finding::new(
                &META,
                Span::new(file, name.span.clone()),
                format!(
                    "the {owner}'s imagePullSecrets names Secret {:?}, which is not in namespace \
                     {ns:?} of the linted files: the kubelet skips it and pulls without its \
                     credentials",
                    name.text
                ),
            )
            .label("no such Secret")
            .help(help),
        );
    }
}
