//! A deterministic cluster dump: what `kubectl get pods -A -o json|yaml` (or `get events -A`)
//! prints on a large cluster, for the one-big-file benchmark (`scripts/bench-dump.sh`).
//!
//! ```sh
//! cargo run --release --example gen_dump -- --pods 20000 --seed 1 --format json --out pods.json
//! cargo run --release --example gen_dump -- --pods 20000 --seed 1 --format yaml --out pods.yaml
//! cargo run --release --example gen_dump -- --events 20000 --seed 1 --format json --out ev.json
//! cargo run --release --example gen_dump -- --pods 20000 --small --format json --out small.json
//! ```
//!
//! Same arguments → byte-identical output. A pods dump is a `v1` `List` of Pods with one or two
//! containers, init containers on about a fifth of them, pull secrets, env, volumes and a
//! `status` with container statuses, like a live cluster's. Every tenth pod is stuck in a pull
//! failure, the waiting reasons in turn: `ErrImagePull`, `ImagePullBackOff`,
//! `ErrImageNeverPull` (with `imagePullPolicy: Never`) and `InvalidImageName` (with an image
//! the kubelet cannot parse), with the messages the kubelet writes. An events dump is a `List`
//! of Events about pulls (`Pulling`, `Pulled`, `Failed`, `BackOff`). The layout is kubectl's:
//! JSON indented by four spaces, YAML with sorted keys and block sequences at the key's
//! indentation. Items are written one at a time, so a dump of any size takes little memory.
//!
//! `--small` writes small pods instead (~1.2 KB of JSON, ~0.55 KB of YAML a pod: one container,
//! no init containers, env, volumes or conditions), the shape of issue 24's dump of a cluster
//! of small pods: 20,000 of them are ~25 MB of JSON and ~11 MB of YAML, with the same stuck
//! pods (every tenth, the four reasons in turn).

use serde_json::{Value, json};
use std::io::{BufWriter, Write};

/// splitmix64: tiny, seeded, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16)]))
            .collect()
    }
    fn uid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    }
}

const NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "monitoring",
    "shop",
    "payments",
    "search",
    "ingress-nginx",
    "data",
];
const APPS: &[&str] = &[
    "web", "api", "worker", "cart", "checkout", "indexer", "gateway", "cache", "exporter",
];
const IMAGES: &[&str] = &[
    "nginx:1.27.2",
    "docker.io/library/redis:7.4",
    "registry.k8s.io/kube-proxy:v1.31.1",
    "quay.io/prometheus/node-exporter:v1.8.2",
    "ghcr.io/example/api:2.14.0",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/cart:8f3c2a1",
    "europe-docker.pkg.dev/acme-prod/apps/checkout:1.9.3",
    "registry.internal.example:5000/search/indexer:0.42.1",
];
const INIT_IMAGES: &[&str] = &[
    "busybox:1.36",
    "alpine:3.20",
    "ghcr.io/example/migrate:2.14.0",
];
const REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "ErrImageNeverPull",
    "InvalidImageName",
];

fn timestamp(rng: &mut Rng) -> String {
    format!(
        "2026-11-{:02}T{:02}:{:02}:{:02}Z",
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )
}

/// A failing container's image and its waiting state, for one of the four reasons.
fn failure(rng: &mut Rng, reason: &str, image: &str) -> (String, Value) {
    match reason {
        "InvalidImageName" => {
            let bad = format!("Registry.Example.com/{}", image.replace(':', "::"));
            let message = format!(
                "Failed to apply default image tag \"{bad}\": couldn't parse image name \"{bad}\": invalid reference format"
            );
            (
                bad,
                json!({"waiting": {"reason": reason, "message": message}}),
            )
        }
        "ErrImageNeverPull" => {
            let message =
                format!("Container image \"{image}\" is not present with pull policy of Never");
            (
                image.to_string(),
                json!({"waiting": {"reason": reason, "message": message}}),
            )
        }
        "ImagePullBackOff" => {
            let missing = format!("{}-rc{}", image, rng.below(9));
            let message = format!("Back-off pulling image \"{missing}\"");
            (
                missing,
                json!({"waiting": {"reason": reason, "message": message}}),
            )
        }
        _ => {
            let missing = format!("{}-rc{}", image, rng.below(9));
            let message = format!(
                "rpc error: code = NotFound desc = failed to pull and unpack image \"{missing}\": failed to resolve reference \"{missing}\": {missing}: not found"
            );
            (
                missing,
                json!({"waiting": {"reason": reason, "message": message}}),
            )
        }
    }
}

fn container(rng: &mut Rng, name: &str, image: &str, policy: &str) -> Value {
    json!({
        "name": name,
        "image": image,
        "imagePullPolicy": policy,
        "ports": [{"containerPort": 8080 + rng.below(10), "name": "http", "protocol": "TCP"}],
        "env": [
            {"name": "LOG_LEVEL", "value": rng.pick(&["info", "debug", "warn"])},
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}
        ],
        "resources": {
            "limits": {"memory": format!("{}Mi", 128 << rng.below(4))},
            "requests": {"cpu": format!("{}m", 50 * (1 + rng.below(8))), "memory": format!("{}Mi", 64 << rng.below(4))}
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true}]
    })
}

fn status_of(rng: &mut Rng, name: &str, image: &str, state: Value) -> Value {
    let running = state.get("running").is_some();
    let image_id = if running {
        format!(
            "{}@sha256:{}",
            image.split(':').next().unwrap_or(image),
            rng.hex(64)
        )
    } else {
        String::new()
    };
    json!({
        "name": name,
        "image": image,
        "imageID": image_id,
        "containerID": if running { format!("containerd://{}", rng.hex(64)) } else { String::new() },
        "ready": running,
        "restartCount": 0,
        "started": running,
        "state": state
    })
}

/// What every pod has: namespace, app, name, whether it is stuck and why, start time.
struct Basics(
    &'static str,
    &'static str,
    String,
    bool,
    &'static str,
    String,
);

fn basics(rng: &mut Rng, i: usize) -> Basics {
    let namespace = rng.pick(NAMESPACES);
    let app = rng.pick(APPS);
    let name = format!("{app}-{}-{}", rng.hex(10), rng.hex(5));
    // Every tenth pod is stuck, the reasons in turn.
    let reason = REASONS
        .get((i / 10) % REASONS.len())
        .copied()
        .unwrap_or("ErrImagePull");
    Basics(namespace, app, name, i % 10 == 9, reason, timestamp(rng))
}

fn pod(rng: &mut Rng, i: usize) -> Value {
    let Basics(namespace, app, name, failing, reason, started) = basics(rng, i);
    let (mut containers, mut statuses) = (Vec::new(), Vec::new());
    let count = if rng.chance(25) { 2 } else { 1 };
    for c in 0..count {
        let cname = if c == 0 {
            app.to_string()
        } else {
            "sidecar".to_string()
        };
        let base = rng.pick(IMAGES);
        let policy = if failing && reason == "ErrImageNeverPull" && c == 0 {
            "Never"
        } else {
            rng.pick(&["IfNotPresent", "IfNotPresent", "Always"])
        };
        let (image, state) = if failing && c == 0 {
            failure(rng, reason, base)
        } else {
            (base.to_string(), json!({"running": {"startedAt": started}}))
        };
        containers.push(container(rng, &cname, &image, policy));
        statuses.push(status_of(rng, &cname, &image, state));
    }
    let mut spec = json!({
        "containers": containers,
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": true,
        "nodeName": format!("node-{}", rng.below(500)),
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccount": app,
        "serviceAccountName": app,
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}
        ],
        "volumes": [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
        ]}}]
    });
    let mut status = json!({
        "conditions": [
            {"lastProbeTime": null, "lastTransitionTime": started, "status": "True", "type": "Initialized"},
            {"lastProbeTime": null, "lastTransitionTime": started, "status": if failing { "False" } else { "True" }, "type": "Ready"},
            {"lastProbeTime": null, "lastTransitionTime": started, "status": "True", "type": "PodScheduled"}
        ],
        "containerStatuses": statuses,
        "hostIP": format!("10.0.{}.{}", rng.below(256), rng.below(256)),
        "phase": if failing { "Pending" } else { "Running" },
        "podIP": format!("10.244.{}.{}", rng.below(256), rng.below(256)),
        "qosClass": "Burstable",
        "startTime": started
    });
    if rng.chance(20) {
        let image = rng.pick(INIT_IMAGES);
        if let (Some(s), Some(st)) = (spec.as_object_mut(), status.as_object_mut()) {
            s.insert(
                "initContainers".into(),
                json!([container(rng, "init", image, "IfNotPresent")]),
            );
            let state = json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started, "finishedAt": started}});
            st.insert(
                "initContainerStatuses".into(),
                json!([status_of(rng, "init", image, state)]),
            );
        }
    }
    if rng.chance(30)
        && let Some(s) = spec.as_object_mut()
    {
        s.insert("imagePullSecrets".into(), json!([{"name": "regcred"}]));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "creationTimestamp": started,
            "generateName": format!("{app}-"),
            "labels": {"app.kubernetes.io/name": app, "pod-template-hash": rng.hex(10)},
            "name": name,
            "namespace": namespace,
            "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true,
                "kind": "ReplicaSet", "name": format!("{app}-{}", rng.hex(10)), "uid": rng.uid()}],
            "resourceVersion": format!("{}", 1_000_000 + rng.below(9_000_000)),
            "uid": rng.uid()
        },
        "spec": spec,
        "status": status
    })
}

/// A pod as small as `kubectl get pods -A -o json` shows on a cluster of plain one-container
/// pods: what a pull diagnosis reads (the container, its status and the waiting reason) and
/// little else.
fn small_pod(rng: &mut Rng, i: usize) -> Value {
    let Basics(namespace, app, name, failing, reason, started) = basics(rng, i);
    let base = rng.pick(IMAGES);
    let policy = if failing && reason == "ErrImageNeverPull" {
        "Never"
    } else {
        rng.pick(&["IfNotPresent", "IfNotPresent", "Always"])
    };
    let (image, state) = if failing {
        failure(rng, reason, base)
    } else {
        (base.to_string(), json!({"running": {"startedAt": started}}))
    };
    let running = state.get("running").is_some();
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "creationTimestamp": started,
            "name": name,
            "namespace": namespace
        },
        "spec": {
            "containers": [{"image": image, "imagePullPolicy": policy, "name": app}],
            "nodeName": format!("node-{}", rng.below(500))
        },
        "status": {
            "containerStatuses": [{"image": image, "name": app, "ready": running,
                "restartCount": 0, "started": running, "state": state}],
            "phase": if failing { "Pending" } else { "Running" }
        }
    })
}

fn event(rng: &mut Rng) -> Value {
    let namespace = rng.pick(NAMESPACES);
    let app = rng.pick(APPS);
    let pod = format!("{app}-{}-{}", rng.hex(10), rng.hex(5));
    let image = format!("{}-rc{}", rng.pick(IMAGES), rng.below(9));
    let (kind, reason, message) = match rng.below(4) {
        0 => ("Normal", "Pulling", format!("Pulling image \"{image}\"")),
        1 => (
            "Normal",
            "Pulled",
            format!("Successfully pulled image \"{image}\" in 1.2s (1.2s including waiting)"),
        ),
        2 => (
            "Warning",
            "Failed",
            format!(
                "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found"
            ),
        ),
        _ => (
            "Warning",
            "BackOff",
            format!("Back-off pulling image \"{image}\""),
        ),
    };
    let at = timestamp(rng);
    json!({
        "apiVersion": "v1",
        "count": 1 + rng.below(20),
        "eventTime": null,
        "firstTimestamp": at,
        "involvedObject": {"apiVersion": "v1", "fieldPath": format!("spec.containers{{{app}}}"),
            "kind": "Pod", "name": pod, "namespace": namespace, "resourceVersion": "1234", "uid": rng.uid()},
        "kind": "Event",
        "lastTimestamp": at,
        "message": message,
        "metadata": {"creationTimestamp": at, "name": format!("{pod}.{}", rng.hex(16)),
            "namespace": namespace, "resourceVersion": "5678", "uid": rng.uid()},
        "reason": reason,
        "reportingComponent": "kubelet",
        "reportingInstance": format!("node-{}", rng.below(500)),
        "source": {"component": "kubelet", "host": format!("node-{}", rng.below(500))},
        "type": kind
    })
}

/// JSON as kubectl prints it: four-space indentation.
fn to_json(value: &Value) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    match serde::Serialize::serialize(value, &mut ser) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => fatal(&format!("serialize: {e}")),
    }
}

fn write_json(
    out: &mut impl Write,
    n: usize,
    item: &mut dyn FnMut(usize) -> Value,
) -> std::io::Result<()> {
    out.write_all(b"{\n    \"apiVersion\": \"v1\",\n    \"items\": [")?;
    for i in 0..n {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        for (j, line) in to_json(&item(i)).lines().enumerate() {
            if j > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(b"        ")?;
            out.write_all(line.as_bytes())?;
        }
    }
    out.write_all(b"\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n")
}

fn write_yaml(
    out: &mut impl Write,
    n: usize,
    item: &mut dyn FnMut(usize) -> Value,
) -> std::io::Result<()> {
    out.write_all(b"apiVersion: v1\nitems:\n")?;
    for i in 0..n {
        let text = serde_yaml::to_string(&item(i)).unwrap_or_else(|e| fatal(&format!("yaml: {e}")));
        for (j, line) in text.lines().enumerate() {
            out.write_all(if j == 0 { b"- " } else { b"  " })?;
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    out.write_all(b"kind: List\nmetadata:\n  resourceVersion: \"\"\n")
}

fn fatal(message: &str) -> ! {
    eprintln!("gen_dump: {message}");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let number = |flag: &str| {
        value(flag).map(|v| {
            v.parse::<usize>()
                .unwrap_or_else(|_| fatal(&format!("{flag}: not a number: {v}")))
        })
    };
    let (pods, events) = (number("--pods"), number("--events"));
    let seed = number("--seed").unwrap_or(1) as u64;
    let format = value("--format").unwrap_or_else(|| "json".into());
    let small = args.iter().any(|a| a == "--small");
    let Some(path) = value("--out") else {
        fatal(
            "usage: gen_dump (--pods N [--small] | --events N) [--seed S] [--format json|yaml] --out FILE",
        )
    };
    let mut rng = Rng(seed);
    let (n, mut item): (usize, Box<dyn FnMut(usize) -> Value>) = match (pods, events) {
        (Some(n), None) if small => (n, Box::new(move |i| small_pod(&mut rng, i))),
        (Some(n), None) => (n, Box::new(move |i| pod(&mut rng, i))),
        (None, Some(n)) => (n, Box::new(move |_| event(&mut rng))),
        _ => fatal("give one of --pods N or --events N"),
    };
    let file = std::fs::File::create(&path).unwrap_or_else(|e| fatal(&format!("{path}: {e}")));
    let mut out = BufWriter::new(file);
    let written = match format.as_str() {
        "json" => write_json(&mut out, n, &mut *item),
        "yaml" => write_yaml(&mut out, n, &mut *item),
        other => fatal(&format!("unknown format {other:?}")),
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        fatal(&format!("{path}: {e}"));
    }
}
