//! Attaching objects: the cross-object and suppression findings learn which object, container
//! and image they are about from the facts their span falls in.

use crate::finding::{Finding, ObjectRef};
use crate::model::{ContainerFacts, ObjectFacts};

/// Fills in `object`, `container` and `image` of cross-object findings from the object whose
/// span holds the finding's primary span.
pub(super) fn attach_objects(
    findings: &mut [Finding],
    objects: &[Vec<ObjectFacts>],
    default_ns: &str,
) {
    // A file's objects come in document order, each its own document or `List` item, so
    // their spans are sorted and apart: a binary search finds the one a finding is in. (A scan
    // per finding made a 100,000-pod dump quadratic: 10,000 pod-status findings times 100,000
    // objects.) Files where that does not hold are scanned.
    let apart: Vec<bool> = objects
        .iter()
        .map(|list| {
            list.windows(2)
                .all(|w| matches!(w, [a, b] if a.span.end <= b.span.start))
        })
        .collect();
    for f in findings.iter_mut().filter(|f| f.object.is_none()) {
        let at = f.span.start as usize;
        // Look only at this file's objects (a scan of all of them per finding made the run
        // quadratic in the number of files).
        let file = f.span.file.0 as usize;
        let list = objects.get(file).map_or(&[][..], Vec::as_slice);
        let found = if apart.get(file).copied().unwrap_or(false) {
            let after = list.partition_point(|o| o.span.start <= at);
            after
                .checked_sub(1)
                .and_then(|i| list.get(i))
                .filter(|o| o.span.contains(&at))
        } else {
            list.iter()
                .filter(|o| o.span.contains(&at))
                .min_by_key(|o| o.span.len())
        };
        let Some(object) = found else {
            continue;
        };
        f.object = Some(object_ref(object, default_ns));
        if let Some(c) = object
            .pod
            .iter()
            .flat_map(|p| &p.containers)
            .find(|c| c.span.contains(&at))
        {
            name_container(f, c);
        }
    }
}

/// The object a finding is about, as findings name it.
pub(super) fn object_ref(object: &ObjectFacts, default_ns: &str) -> ObjectRef {
    ObjectRef {
        kind: object.kind.clone(),
        namespace: object.namespace_or(default_ns).to_string(),
        name: object.name.clone().unwrap_or_default(),
    }
}

/// Names the container a finding is about, and its image as written (none when null).
pub(super) fn name_container(f: &mut Finding, container: &ContainerFacts) {
    f.container = container.name_text().map(str::to_string);
    f.image = container
        .image
        .as_ref()
        .filter(|i| !i.is_null())
        .map(|i| i.text.clone());
}
