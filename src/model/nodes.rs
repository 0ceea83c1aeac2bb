//! Nodes (`kubectl get nodes -o yaml`): `status.images[].names` is evidence of what each node
//! already has, for `imagePullPolicy: Never`.

use super::Scalar;
use crate::syntax::Cursor;

#[derive(Clone, Debug, Default)]
pub struct NodeFacts {
    /// Every name of every image the node reports (`repo:tag` and `repo@digest` forms).
    pub images: Vec<Scalar>,
    /// `status.nodeInfo.operatingSystem` / `architecture`, when the node reports them.
    pub os: Option<String>,
    pub arch: Option<String>,
}

/// A node reports at most 50 images by default (`--node-status-max-images`); cap what we keep
/// from hostile input all the same.
const MAX_IMAGE_NAMES: usize = 10_000;

pub fn extract_node(obj: &Cursor<'_>) -> NodeFacts {
    let mut images = Vec::new();
    if let Some(list) = obj.path(&["status", "images"]) {
        for image in list.items() {
            let Some(names) = image.get("names") else {
                continue;
            };
            for name in names.items() {
                if images.len() >= MAX_IMAGE_NAMES {
                    break;
                }
                if let Some(s) = Scalar::from_cursor(&name).filter(|s| !s.text.is_empty()) {
                    images.push(s);
                }
            }
        }
    }
    images.shrink_to_fit();
    let info = |key: &str| {
        obj.path(&["status", "nodeInfo", key])
            .and_then(|v| v.as_str().map(str::to_string))
            .filter(|v| !v.is_empty())
    };
    NodeFacts {
        images,
        os: info("operatingSystem"),
        arch: info("architecture"),
    }
}
