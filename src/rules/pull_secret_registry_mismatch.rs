//! `pull-secret-registry-mismatch`: pull secrets are given, but none has the image's registry.

use super::{Category, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::index::{Index, RegistryClass, SecretStatus};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "pull-secret-registry-mismatch",
    severity: Severity::Error,
    category: Category::CrossObject,
    summary: "none of the pod's pull secrets has credentials matching the image's registry (kubelet keyring matching)",
    doc: include_str!("../../rules/pull-secret-registry-mismatch.md"),
};

pub fn check(index: &Index<'_>, out: &mut Vec<Finding>) {
    for pod in index.pods() {
        let creds = index.credentials(&pod);
        // Nothing to compare, or a secret that is missing / unusable: reported elsewhere, once.
        if creds.secrets.is_empty() || !creds.all_usable() {
            continue;
        }
        for pull in index.pulls_needing_credentials(&pod) {
            let (image, r, class) = (pull.image, &pull.reference, pull.class);
            let usable = creds.secrets.iter().filter_map(|(name, s)| match s {
                SecretStatus::Usable(at, keys) => Some((*name, *at, *keys)),
                _ => None,
            });
            if usable.clone().any(|(_, _, keys)| index.keys_match(keys, r)) {
                continue;
            }
            let names: Vec<String> = usable
                .clone()
                .map(|(n, _, _)| format!("{:?}", n.text))
                .collect();
            let mut f = Finding::new(
                &META,
                Span::new(pod.file, image.span.clone()),
                format!(
                    "none of the pull secrets ({}) has credentials for registry {:?}, so the \
                     kubelet pulls {:?} anonymously",
                    names.join(", "),
                    r.registry,
                    image.text
                ),
            )
            .label("no matching `auths` entry")
            .help(format!(
                "add an `auths` entry for {:?} (the kubelet matches the host ignoring case, the \
                 port exactly, `*.` for one label, and a path as a prefix of the repository)",
                r.registry
            ));
            if let RegistryClass::Cloud(provider) = class {
                f.severity = Severity::Note;
                f.message.push_str(&format!(
                    " (unless the nodes authenticate through {provider})"
                ));
            }
            if let Some(key) = pod.pod.pull_secrets_key.clone() {
                f = f.secondary(Span::new(pod.file, key), "pull secrets of this pod");
            }
            let mut seen = Vec::new();
            for (_, at, keys) in usable {
                if seen.iter().any(|s| std::ptr::eq(*s, at.object)) {
                    continue;
                }
                seen.push(at.object);
                let list = if keys.is_empty() {
                    "`auths` is empty".to_string()
                } else {
                    let shown: Vec<String> = keys.iter().take(5).map(|k| k.display()).collect();
                    format!("has credentials for: {}", shown.join(", "))
                };
                f = f.secondary(Span::new(at.file, at.object.anchor_span()), list);
            }
            out.push(f);
        }
    }
}
