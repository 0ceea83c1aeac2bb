//! `never-without-prepull`: `imagePullPolicy: Never` with no evidence the image is on the nodes.

use super::{Category, ImageState, RuleMeta, image_state};
use crate::finding::{Finding, Severity};
use crate::index::{Evidence, EvidenceSource, Index};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    name: "never-without-prepull",
    severity: Severity::Error,
    category: Category::CrossObject,
    summary: "`imagePullPolicy: Never` and nothing shows the image is on the nodes (ErrImageNeverPull)",
    doc: include_str!("../../rules/never-without-prepull.md"),
};

/// Does this evidence prove the image (`tag` or `digest`) is present? A reference without tag
/// or digest means `latest`, on both sides.
fn proves(e: &Evidence<'_>, tag: Option<&str>, digest: Option<&str>) -> bool {
    match digest {
        Some(d) => e.digest == Some(d),
        None => {
            let want = tag.unwrap_or("latest");
            match (&e.tag, &e.digest) {
                (Some(t), _) => *t == want,
                (None, None) => want == "latest",
                (None, Some(_)) => false,
            }
        }
    }
}

fn describe(e: &Evidence<'_>) -> String {
    let name = |o: &crate::model::ObjectFacts| o.name.clone().unwrap_or_default();
    match &e.source {
        EvidenceSource::DaemonSet(at, _) => format!("DaemonSet {:?}", name(at.object)),
        EvidenceSource::Node(at, _) => format!("Node {:?}", name(at.object)),
        EvidenceSource::Config => "`prepulled` in the config".to_string(),
    }
}

pub fn check(index: &Index<'_>, out: &mut Vec<Finding>) {
    let counts = index.evidence_counts;
    // Evidence by repository, in index order: one scan of all evidence per `Never` container
    // made the check quadratic in the size of the tree (1 s of 2.8 s on 20,000 files).
    let mut by_name: std::collections::HashMap<&str, Vec<&Evidence<'_>>> =
        std::collections::HashMap::new();
    for e in &index.evidence {
        by_name.entry(e.name.as_str()).or_default().push(e);
    }
    for pod in index.pods() {
        for c in &pod.pod.containers {
            if c.explicit_pull_policy().is_none_or(|p| p.text != "Never") {
                continue;
            }
            let ImageState::Valid(image, r) = image_state(c) else {
                continue;
            };
            let Some(policy) = c.pull_policy.as_ref() else {
                continue;
            };
            let name = r.name();
            let (tag, digest) = (r.tag(&image.text), r.digest(&image.text));
            let own = |e: &&Evidence<'_>| match &e.source {
                EvidenceSource::DaemonSet(at, _) => !std::ptr::eq(at.object, pod.object),
                _ => true,
            };
            let same_repo: Vec<&Evidence<'_>> = by_name
                .get(name.as_str())
                .into_iter()
                .flatten()
                .copied()
                .filter(own)
                .collect();
            if same_repo.iter().any(|e| proves(e, tag, digest)) {
                continue;
            }
            let searched = format!(
                "searched {} DaemonSet{}, status.images of {} Node{}, {} `prepulled` entr{}",
                counts.daemonsets,
                if counts.daemonsets == 1 { "" } else { "s" },
                counts.nodes,
                if counts.nodes == 1 { "" } else { "s" },
                counts.prepulled,
                if counts.prepulled == 1 { "y" } else { "ies" },
            );
            // A tagged entry says more to a reader than a bare digest.
            let closest = same_repo
                .iter()
                .find(|e| e.tag.is_some())
                .or(same_repo.first());
            let closest_text = closest.map_or(String::new(), |e| {
                format!("; closest: {:?} in {}", e.written, describe(e))
            });
            let mut f = Finding::new(
                &META,
                Span::new(pod.file, policy.span.clone()),
                format!(
                    "image {:?} has imagePullPolicy Never, but nothing shows it is on the nodes \
                     ({searched}{closest_text}): pods fail with ErrImageNeverPull",
                    image.text
                ),
            )
            .label("never pulled")
            .secondary(
                Span::new(pod.file, image.span.clone()),
                "must already be on every node",
            )
            .help(
                "pre-pull it (a DaemonSet running this exact image), list it under `prepulled` \
                 in .pullcheck.yaml, lint the nodes' state with it \
                 (`kubectl get nodes -o yaml > nodes.yaml`), or use `imagePullPolicy: IfNotPresent`",
            );
            if let Some(e) = closest {
                match &e.source {
                    EvidenceSource::DaemonSet(at, span) | EvidenceSource::Node(at, span) => {
                        f = f.secondary(
                            Span::new(at.file, span.clone()),
                            "same repository, other version",
                        );
                    }
                    EvidenceSource::Config => {}
                }
            }
            out.push(f);
        }
    }
}
