//! `pull-secret-malformed`: an `imagePullSecrets` entry or a docker config the kubelet cannot use.

use super::{Category, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::index::Index;
use crate::model::PullSecretRef;
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "pull-secret-malformed",
    severity: Severity::Error,
    category: Category::CrossObject,
    summary: "an imagePullSecrets entry is not `{name: …}`, or a registry Secret's config is not valid base64 / JSON / `auths`",
    doc: include_str!("../../rules/pull-secret-malformed.md"),
};

pub fn check(index: &Index<'_>, out: &mut Vec<Finding>) {
    for at in index.objects() {
        let object = at.object;
        let refs = object.pod.iter().flat_map(|p| &p.image_pull_secrets).chain(
            object
                .service_account
                .iter()
                .flat_map(|s| &s.image_pull_secrets),
        );
        for r in refs {
            if let PullSecretRef::Malformed(span) = r {
                out.push(
                    Finding::new(
                        &META,
                        Span::new(at.file, span.clone()),
                        "an imagePullSecrets entry must be a mapping `{name: <secret>}`: the API \
                         server rejects or the kubelet ignores this one"
                            .to_string(),
                    )
                    .label("not `{name: …}`")
                    .help("write `imagePullSecrets: [{name: regcred}]`, not `[regcred]`"),
                );
            }
        }
        let Some(secret) = &object.secret else {
            continue;
        };
        let name = object.name.as_deref().unwrap_or("");
        // Reported on the Secret's own data, referenced or not: a pod that uses it fails to
        // pull (`MakeDockerKeyring` returns the error), and one added later would too.
        for p in &secret.problems {
            let mut f = Finding::new(
                &META,
                Span::new(at.file, p.span.clone()),
                format!("Secret {name:?}: {}", p.message),
            )
            .label("the kubelet cannot use this");
            if let Some(help) = &p.help {
                f = f.help(help.clone());
            }
            out.push(f);
        }
    }
}
