//! The objects kubectl returned: what is looked at in them, and what is kept of them.

use serde_json::{Value, json};

/// `namespace/name` of an object.
pub fn pod_id(o: &Value) -> String {
    let (ns, name) = ns_name(o);
    format!("{ns}/{name}")
}

pub fn ns_name(o: &Value) -> (String, String) {
    let text = |p: &str| {
        o.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (text("/metadata/namespace"), text("/metadata/name"))
}

/// Not every container is running: a pull may be failing (or the sandbox's, which only the
/// events show). A pod whose containers all run pulled fine.
pub fn not_running(pod: &Value) -> bool {
    let phase = pod.pointer("/status/phase").and_then(Value::as_str);
    let statuses = ["initContainerStatuses", "containerStatuses"]
        .iter()
        .filter_map(|k| {
            pod.pointer(&format!("/status/{k}"))
                .and_then(Value::as_array)
        })
        .flatten();
    let waiting = statuses
        .clone()
        .any(|s| s.pointer("/state/waiting").is_some());
    phase == Some("Pending") || waiting
}

/// `spec.serviceAccountName`, else `default` (what admission sets).
pub fn service_account(pod: &Value) -> String {
    pod.pointer("/spec/serviceAccountName")
        .or_else(|| pod.pointer("/spec/serviceAccount"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
        .to_string()
}

/// The names in `imagePullSecrets` (of a pod's spec or of a ServiceAccount).
pub fn pull_secret_names(o: &Value) -> Vec<String> {
    o.pointer("/spec/imagePullSecrets")
        .or_else(|| o.get("imagePullSecrets"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("name").and_then(Value::as_str))
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// What is kept of a ServiceAccount: its name and `imagePullSecrets` (its token Secrets'
/// names are of no use here).
pub fn service_account_kept(sa: &Value) -> Value {
    let (ns, name) = ns_name(sa);
    let mut out = json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": name, "namespace": ns},
    });
    if let (Some(refs), Some(map)) = (sa.get("imagePullSecrets"), out.as_object_mut()) {
        map.insert("imagePullSecrets".into(), refs.clone());
    }
    out
}

/// `NAME TYPE DATA AGE` rows of `kubectl get secret … --no-headers`: (name, type).
pub fn secret_rows(table: &str) -> Vec<(String, String)> {
    table
        .lines()
        .filter_map(|l| {
            let mut cells = l.split_whitespace();
            Some((cells.next()?.to_string(), cells.next()?.to_string()))
        })
        .collect()
}

/// A Secret as far as it was read: its name and type, marked so that its missing data is no
/// finding (`crate::model::secrets::METADATA_ONLY`).
pub fn secret_metadata(ns: &str, name: &str, kind: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": ns,
            "annotations": {crate::model::secrets::METADATA_ONLY: "true"},
        },
        "type": kind,
    })
}

/// A list the way `kubectl get -o json` prints one, masked.
pub fn list(kind: &str, version: &str, items: Vec<Value>) -> String {
    let mut items = items;
    for item in &mut items {
        mask_json(item);
    }
    let list = json!({
        "apiVersion": version,
        "kind": kind,
        "metadata": {"resourceVersion": ""},
        "items": items,
    });
    let text = serde_json::to_string_pretty(&list).unwrap_or_default() + "\n";
    let ranges = crate::source::redact::credential_ranges(&text);
    crate::source::redact::mask_ranges(&text, &ranges)
}

/// What is never kept of an object: `managedFields` (noise), the last-applied annotation (a
/// copy of the whole manifest), and every environment variable's value (often a password; no
/// pull depends on it). Credential-shaped text anywhere else is masked by [`list`].
pub fn mask_json(o: &mut Value) {
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    let Some(spec) = o.get_mut("spec") else {
        return;
    };
    for key in ["initContainers", "containers", "ephemeralContainers"] {
        let Some(list) = spec.get_mut(key).and_then(Value::as_array_mut) else {
            continue;
        };
        for c in list {
            let Some(env) = c.get_mut("env").and_then(Value::as_array_mut) else {
                continue;
            };
            for var in env {
                if let Some(v) = var.get_mut("value").filter(|v| v.is_string()) {
                    *v = Value::String("******".into());
                }
            }
        }
    }
}

/// A name as one segment of an API path (names are DNS labels; anything else is escaped).
pub fn path_segment(s: &str) -> String {
    query_value(s)
}

/// Percent-encoding of everything but unreserved characters.
pub fn query_value(s: &str) -> String {
    crate::registry::encode_query(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_and_credentials_are_not_kept() {
        let pod = json!({
            "metadata": {"name": "p", "namespace": "n", "managedFields": [{"x": 1}],
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"password\":\"x\"}"}},
            "spec": {"containers": [{"name": "c", "image": "nginx",
                "env": [{"name": "DB_PASSWORD", "value": "hunter2"},
                        {"name": "FROM", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                "args": ["--password=sw0rdfish"]}]},
        });
        let text = list("PodList", "v1", vec![pod]);
        for secret in ["hunter2", "sw0rdfish", "managedFields", "last-applied"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("\"image\": \"nginx\""));
        assert!(text.contains("secretKeyRef"));
    }

    #[test]
    fn names_are_escaped_in_paths() {
        assert_eq!(path_segment("web-1.a"), "web-1.a");
        assert_eq!(path_segment("../x?y"), "..%2Fx%3Fy");
        assert_eq!(query_value("a.name=b,c"), "a.name%3Db%2Cc");
    }

    #[test]
    fn pods_that_run_are_not_looked_at() {
        let running = json!({"status": {"phase": "Running", "containerStatuses": [{"state": {"running": {}}}]}});
        let waiting = json!({"status": {"phase": "Running", "containerStatuses": [{"state": {"waiting": {"reason": "ImagePullBackOff"}}}]}});
        let pending = json!({"status": {"phase": "Pending"}});
        assert!(!not_running(&running));
        assert!(not_running(&waiting));
        assert!(not_running(&pending));
    }
}
