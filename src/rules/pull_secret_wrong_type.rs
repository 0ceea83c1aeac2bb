//! `pull-secret-wrong-type`: the referenced Secret is not a docker config Secret.

use super::{Category, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::index::Index;
use crate::model::secrets::{DOCKER_CONFIG_JSON, DOCKERCFG};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "pull-secret-wrong-type",
    severity: Severity::Error,
    category: Category::CrossObject,
    summary: "an imagePullSecrets Secret is not of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg",
    doc: include_str!("../../rules/pull-secret-wrong-type.md"),
};

pub fn check(index: &Index<'_>, out: &mut Vec<Finding>) {
    for (file, ns, name, owner) in super::pull_secret_not_found::references(index) {
        let Some(secret_at) = index.secret(ns, &name.text) else {
            continue;
        };
        let Some(secret) = secret_at.object.secret.as_ref() else {
            continue;
        };
        if secret.is_docker_type() {
            continue;
        }
        let ty = secret.type_text();
        let there = secret
            .secret_type
            .as_ref()
            .map_or_else(|| secret_at.object.anchor_span(), |t| t.span.clone());
        let label = if secret.secret_type.is_some() {
            format!("type {ty}")
        } else {
            "no `type`, so Opaque".to_string()
        };
        out.push(
            Finding::new(
                &META,
                Span::new(file, name.span.clone()),
                format!(
                    "the {owner}'s imagePullSecrets names Secret {:?} of type {ty}: the kubelet \
                     only reads {DOCKER_CONFIG_JSON} and {DOCKERCFG} Secrets, so it gets no \
                     credentials from it",
                    name.text
                ),
            )
            .label("not a registry Secret")
            .secondary(Span::new(secret_at.file, there), label)
            .help(format!(
                "recreate it with `kubectl create secret docker-registry {} --docker-server=… \
                 --docker-username=… --docker-password=…`, or set `type: {DOCKER_CONFIG_JSON}` \
                 with the config under `.dockerconfigjson`",
                name.text
            )),
        );
    }
}
