//! A deterministic corpus of realistic Kubernetes manifests, for benchmarks.
//!
//! ```sh
//! cargo run --release --example gen_corpus -- --files 20000 --seed 1 --out target/corpus-20k
//! ```
//!
//! Same `--files` and `--seed` → byte-identical files. The mix follows what monorepos hold (and
//! the size distribution of `../shared/corpus/`: most files 0.3–3 KB, a heavy tail of bundles,
//! Node dumps and ConfigMaps with big data blobs, mean ≈ 5 KB): every workload kind, multi-document
//! files, `kind: List` JSON, dockerconfigjson Secrets (fake credentials), ServiceAccounts with
//! `imagePullSecrets`, Nodes with `status.images`, comments, anchors and aliases, and about 3 % of
//! containers with a bad image (uppercase, no tag, bad digest, `:latest`).

use std::fmt::Write as _;
use std::path::PathBuf;

/// splitmix64: tiny, seeded, good enough for shuffling test data.
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
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(1000) < percent * 10
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16)]))
            .collect()
    }
    /// Log-uniform between lo and hi: a heavy tail, like real blob sizes.
    fn log_size(&mut self, lo: usize, hi: usize) -> usize {
        let (l, h) = ((lo as f64).ln(), (hi as f64).ln());
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        (l + (h - l) * u).exp() as usize
    }
}

const REGISTRIES: &[&str] = &[
    "",
    "",
    "docker.io/",
    "ghcr.io/acme/",
    "quay.io/prometheus/",
    "registry.k8s.io/",
    "gcr.io/acme-prod/",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/",
    "registry.internal.acme.com:5000/platform/",
    "acme.azurecr.io/",
];
const REPOS: &[&str] = &[
    "nginx",
    "redis",
    "postgres",
    "busybox",
    "node-exporter",
    "pause",
    "checkout-service",
    "payments-api",
    "frontend",
    "kube-state-metrics",
    "envoy",
    "fluent-bit",
    "cart",
    "worker",
    "migrations",
];
const TAGS: &[&str] = &[
    "1.25.3",
    "7.2-alpine",
    "v1.7.0",
    "3.9",
    "2024.01.05-abc1234",
    "v2.14.1",
    "16.1-bookworm",
    "1.36.1",
    "sha-4f2a9c1",
    "v0.42.0-rc.1",
];
const NAMES: &[&str] = &[
    "web",
    "api",
    "worker",
    "cache",
    "db",
    "gateway",
    "auth",
    "billing",
    "search",
    "ingest",
    "metrics",
    "scheduler",
    "notifier",
    "reports",
    "admin",
];

struct Gen {
    rng: Rng,
    bad: usize,
    images: usize,
}

impl Gen {
    fn good_image(&mut self) -> String {
        let reg = self.rng.pick(REGISTRIES);
        let repo = self.rng.pick(REPOS);
        if self.rng.chance(10) {
            let hex = self.rng.hex(64);
            format!("{reg}{repo}@sha256:{hex}")
        } else {
            let tag = self.rng.pick(TAGS);
            format!("{reg}{repo}:{tag}")
        }
    }

    /// About 3 % of images are wrong in one of the ways pullcheck reports.
    fn image(&mut self) -> String {
        self.images += 1;
        if !self.rng.chance(3) {
            return self.good_image();
        }
        self.bad += 1;
        let repo = self.rng.pick(REPOS);
        match self.rng.below(5) {
            0 => format!("acme.io/{}{}:1.0", repo[..1].to_uppercase(), &repo[1..]),
            1 => format!("registry.internal.acme.com:5000/{repo}"),
            2 => format!("{repo}@sha256:{}", self.rng.hex(40)),
            3 => format!("{repo}:latest"),
            _ => repo.to_string(),
        }
    }

    fn name(&mut self) -> String {
        format!("{}-{}", self.rng.pick(NAMES), self.rng.below(1000))
    }

    fn labels(&mut self, out: &mut String, indent: &str, app: &str) {
        let _ = writeln!(out, "{indent}labels:");
        let _ = writeln!(out, "{indent}  app.kubernetes.io/name: {app}");
        let _ = writeln!(out, "{indent}  app.kubernetes.io/part-of: shop");
        if self.rng.chance(50) {
            let _ = writeln!(
                out,
                "{indent}  app.kubernetes.io/version: \"1.{}\"",
                self.rng.below(40)
            );
        }
    }

    fn metadata(&mut self, out: &mut String, name: &str) {
        out.push_str("metadata:\n");
        let _ = writeln!(out, "  name: {name}");
        if self.rng.chance(70) {
            let _ = writeln!(out, "  namespace: team-{}", self.rng.below(30));
        }
        self.labels(out, "  ", name);
        if self.rng.chance(20) {
            out.push_str("  annotations:\n    # owned by the platform team\n");
            let _ = writeln!(
                out,
                "    deploy.acme.com/revision: \"{}\"",
                self.rng.below(500)
            );
        }
    }

    fn container(&mut self, out: &mut String, indent: &str, name: &str) {
        let image = self.image();
        let _ = writeln!(out, "{indent}- name: {name}");
        let _ = writeln!(out, "{indent}  image: {image}");
        if self.rng.chance(40) {
            let policy = self
                .rng
                .pick(&["IfNotPresent", "Always", "IfNotPresent", "Never"]);
            let _ = writeln!(out, "{indent}  imagePullPolicy: {policy}");
        }
        if self.rng.chance(60) {
            let _ = writeln!(
                out,
                "{indent}  ports:\n{indent}  - containerPort: {}\n{indent}    protocol: TCP",
                8000 + self.rng.below(100)
            );
        }
        if self.rng.chance(60) {
            let _ = writeln!(out, "{indent}  env:");
            for i in 0..self.rng.range(1, 6) {
                let _ = writeln!(
                    out,
                    "{indent}  - name: VAR_{i}\n{indent}    value: \"{}\"",
                    self.rng.hex(8)
                );
            }
        }
        if self.rng.chance(70) {
            let _ = writeln!(
                out,
                "{indent}  resources:\n{indent}    requests:\n{indent}      cpu: {}m\n{indent}      memory: {}Mi\n{indent}    limits:\n{indent}      memory: {}Mi",
                self.rng.range(50, 500),
                self.rng.range(64, 512),
                self.rng.range(512, 2048)
            );
        }
        if self.rng.chance(40) {
            let _ = writeln!(
                out,
                "{indent}  readinessProbe:\n{indent}    httpGet:\n{indent}      path: /healthz\n{indent}      port: {}\n{indent}    periodSeconds: 10",
                8000 + self.rng.below(100)
            );
        }
    }

    /// A pod spec at `indent` (the spec's own keys are at `indent`).
    fn pod_spec(&mut self, out: &mut String, indent: &str, app: &str) {
        if self.rng.chance(30) {
            let _ = writeln!(out, "{indent}serviceAccountName: {app}");
        }
        // Most pods are set up right: the namespace's `regcred` (see `namespace_secret`)
        // covers every private registry; the rest are part of the few per cent that are not.
        if self.rng.chance(97) {
            let _ = writeln!(out, "{indent}imagePullSecrets:\n{indent}- name: regcred");
        }
        if self.rng.chance(20) {
            let _ = writeln!(out, "{indent}initContainers:");
            self.container(out, indent, "init");
        }
        let _ = writeln!(out, "{indent}containers:");
        self.container(out, indent, app);
        for i in 0..self.rng.below(3) {
            self.container(out, indent, &format!("sidecar-{i}"));
        }
        if self.rng.chance(30) {
            let _ = writeln!(
                out,
                "{indent}nodeSelector:\n{indent}  kubernetes.io/os: linux"
            );
        }
    }

    fn template(&mut self, out: &mut String, indent: &str, app: &str) {
        let _ = writeln!(out, "{indent}template:\n{indent}  metadata:");
        self.labels(out, &format!("{indent}    "), app);
        let _ = writeln!(out, "{indent}  spec:");
        self.pod_spec(out, &format!("{indent}    "), app);
    }

    fn selector(&mut self, out: &mut String, app: &str) {
        let _ = writeln!(
            out,
            "  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}"
        );
    }

    fn workload(&mut self, out: &mut String) {
        let name = self.name();
        let kind = self.rng.pick(&[
            "Deployment",
            "Deployment",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "Job",
            "CronJob",
            "ReplicaSet",
            "ReplicationController",
            "PodTemplate",
            "Pod",
            "Rollout",
        ]);
        if self.rng.chance(30) {
            let _ = writeln!(
                out,
                "# {kind} {name}: generated for the pullcheck benchmark"
            );
        }
        let api = match kind {
            "Job" | "CronJob" => "batch/v1",
            "Pod" | "PodTemplate" | "ReplicationController" => "v1",
            "Rollout" => "argoproj.io/v1alpha1",
            _ => "apps/v1",
        };
        let _ = writeln!(out, "apiVersion: {api}\nkind: {kind}");
        self.metadata(out, &name);
        match kind {
            "Pod" => {
                out.push_str("spec:\n");
                self.pod_spec(out, "  ", &name);
            }
            "PodTemplate" => self.template(out, "", &name),
            "CronJob" => {
                let _ = writeln!(
                    out,
                    "spec:\n  schedule: \"*/{} * * * *\"\n  jobTemplate:\n    spec:",
                    self.rng.range(2, 59)
                );
                self.template(out, "      ", &name);
            }
            "Job" => {
                out.push_str("spec:\n  backoffLimit: 3\n");
                self.template(out, "  ", &name);
            }
            "ReplicationController" => {
                let _ = writeln!(
                    out,
                    "spec:\n  replicas: {}\n  selector:\n    app.kubernetes.io/name: {name}",
                    self.rng.range(1, 5)
                );
                self.template(out, "  ", &name);
            }
            _ => {
                let _ = writeln!(out, "spec:\n  replicas: {}", self.rng.range(1, 12));
                self.selector(out, &name);
                if kind == "Rollout" {
                    out.push_str("  strategy:\n    canary:\n      steps:\n      - setWeight: 20\n      - pause: {duration: 10m}\n");
                }
                self.template(out, "  ", &name);
            }
        }
    }

    fn service(&mut self, out: &mut String) {
        let name = self.name();
        out.push_str("apiVersion: v1\nkind: Service\n");
        self.metadata(out, &name);
        let _ = writeln!(
            out,
            "spec:\n  selector:\n    app.kubernetes.io/name: {name}\n  ports:\n  - port: 80\n    targetPort: {}",
            8000 + self.rng.below(100)
        );
    }

    fn secret(&mut self, out: &mut String) {
        // Fake credentials: base64 of {"auths":{"<registry>":{"auth":"<user:pass>"}}}.
        let reg = self.rng.pick(&[
            "ghcr.io",
            "registry.internal.acme.com:5000",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            "https://index.docker.io/v1/",
        ]);
        let auth = b64(format!("bot:{}", self.rng.hex(24)).as_bytes());
        let config = format!("{{\"auths\":{{\"{reg}\":{{\"auth\":\"{auth}\"}}}}}}");
        out.push_str("apiVersion: v1\nkind: Secret\n");
        let name = format!("extra-cred-{}", self.rng.below(100));
        self.metadata(out, &name);
        let _ = writeln!(
            out,
            "type: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}",
            b64(config.as_bytes())
        );
    }

    fn service_account(&mut self, out: &mut String) {
        let name = self.name();
        out.push_str("apiVersion: v1\nkind: ServiceAccount\n");
        self.metadata(out, &name);
        out.push_str("imagePullSecrets:\n- name: regcred\n");
    }

    fn config_map(&mut self, out: &mut String, blob: usize) {
        let name = self.name();
        out.push_str("apiVersion: v1\nkind: ConfigMap\n");
        self.metadata(out, &name);
        out.push_str("data:\n  settings.yaml: |\n");
        let mut written = 0;
        while written < blob {
            let width = self.rng.range(8, 48);
            let line = format!(
                "    {}_{}: \"{}\" # {}\n",
                self.rng.pick(NAMES),
                self.rng.below(100_000),
                self.rng.hex(width),
                self.rng
                    .pick(&["default", "tuned for prod", "see runbook", "legacy"])
            );
            written += line.len();
            out.push_str(&line);
        }
    }

    fn node(&mut self, out: &mut String) {
        let _ = writeln!(
            out,
            "apiVersion: v1\nkind: Node\nmetadata:\n  name: ip-10-0-{}-{}.ec2.internal\n  labels:\n    kubernetes.io/os: linux\nspec:\n  podCIDR: 10.244.{}.0/24\nstatus:\n  images:",
            self.rng.below(255),
            self.rng.below(255),
            self.rng.below(255)
        );
        for _ in 0..self.rng.range(10, 60) {
            let digest = self.rng.hex(64);
            let image = self.good_image();
            let repo = image.split([':', '@']).next().unwrap_or("x").to_string();
            let _ = writeln!(
                out,
                "  - names:\n    - {repo}@sha256:{digest}\n    - {image}\n    sizeBytes: {}",
                self.rng.range(1_000_000, 900_000_000)
            );
        }
    }

    /// Anchors and aliases: a shared container block reused by two workloads.
    fn anchored(&mut self, out: &mut String) {
        let image = self.image();
        let name = self.name();
        let _ = writeln!(
            out,
            "# shared defaults (YAML anchors)\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels: &labels\n    app: {name}\n    tier: backend\nspec:\n  selector:\n    matchLabels: *labels\n  template:\n    metadata:\n      labels: *labels\n    spec:\n      imagePullSecrets: [{{name: regcred}}]\n      containers:\n      - &main\n        name: main\n        image: &img {image}\n        resources: &res\n          limits: {{memory: 256Mi}}\n      - name: copy\n        image: *img\n        resources: *res"
        );
    }

    fn list_json(&mut self) -> String {
        let items: Vec<serde_json::Value> = (0..self.rng.range(1, 8))
            .map(|_| {
                let name = self.name();
                let image = self.image();
                serde_json::json!({
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
                    "spec": {
                        "replicas": 2,
                        "selector": {"matchLabels": {"app": name}},
                        "template": {
                            "metadata": {"labels": {"app": name}},
                            "spec": {
                                "imagePullSecrets": [{"name": "regcred"}],
                                "containers": [{"name": name, "image": image, "ports": [{"containerPort": 8080}]}]
                            }
                        }
                    }
                })
            })
            .collect();
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}});
        serde_json::to_string_pretty(&list).unwrap_or_default() + "\n"
    }

    /// Several documents in one file, as `helm template` or kustomize output.
    fn bundle(&mut self, out: &mut String, docs: usize) {
        for i in 0..docs {
            if i > 0 || self.rng.chance(30) {
                out.push_str("---\n");
            }
            match self.rng.below(10) {
                0..=4 => self.workload(out),
                5 | 6 => self.service(out),
                7 => self.service_account(out),
                8 => self.secret(out),
                _ => {
                    let blob = self.rng.log_size(100, 4000);
                    self.config_map(out, blob);
                }
            }
        }
    }

    /// `regcred` in one namespace, with credentials for every private registry images use.
    fn namespace_secret(&mut self, namespace: &str) -> String {
        let auths: Vec<String> = REGISTRIES
            .iter()
            .filter_map(|r| r.split('/').next().filter(|host| host.contains('.')))
            .map(|host| {
                let auth = b64(format!("bot:{}", self.rng.hex(24)).as_bytes());
                format!("\"{host}\":{{\"auth\":\"{auth}\"}}")
            })
            .collect();
        let config = format!("{{\"auths\":{{{}}}}}", auths.join(","));
        format!(
            "# pull credentials of {namespace} (fake)\napiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\n  namespace: {namespace}\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n",
            b64(config.as_bytes())
        )
    }

    /// One file: (relative path, contents).
    fn file(&mut self, index: usize) -> (String, String) {
        // The first files hold each namespace's pull secret (namespaces team-0..29, default).
        if index <= 30 {
            let ns = if index == 30 {
                "default".to_string()
            } else {
                format!("team-{index}")
            };
            return (
                format!("namespaces/{ns}/regcred.yaml"),
                self.namespace_secret(&ns),
            );
        }
        let dir = format!("team-{:02}/app-{:03}", index % 40, index / 40 % 250);
        let mut out = String::new();
        let roll = self.rng.below(1000);
        let (stem, ext) = match roll {
            0..=449 => {
                self.workload(&mut out);
                ("workload", "yaml")
            }
            450..=549 => {
                self.service(&mut out);
                ("service", "yaml")
            }
            550..=599 => {
                self.service_account(&mut out);
                ("serviceaccount", "yaml")
            }
            600..=639 => {
                self.secret(&mut out);
                ("secret", "yaml")
            }
            640..=689 => {
                self.anchored(&mut out);
                ("anchored", "yml")
            }
            690..=729 => return (format!("{dir}/list-{index}.json"), self.list_json()),
            730..=759 => {
                self.node(&mut out);
                ("node", "yaml")
            }
            760..=779 => {
                let blob = self.rng.log_size(10_000, 500_000);
                self.config_map(&mut out, blob);
                ("configmap", "yaml")
            }
            780..=929 => {
                let blob = self.rng.log_size(200, 3_000);
                self.config_map(&mut out, blob);
                ("configmap", "yaml")
            }
            _ => {
                let docs = self.rng.log_size(2, 60);
                self.bundle(&mut out, docs);
                ("bundle", "yaml")
            }
        };
        (format!("{dir}/{stem}-{index}.{ext}"), out)
    }
}

fn b64(bytes: &[u8]) -> String {
    pullcheck::model::base64::encode(bytes)
}

fn main() -> std::io::Result<()> {
    let mut files = 20_000usize;
    let mut seed = 1u64;
    let mut out = PathBuf::from("target/corpus");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--files", Some(v)) => files = v.parse().map_err(std::io::Error::other)?,
            ("--seed", Some(v)) => seed = v.parse().map_err(std::io::Error::other)?,
            ("--out", Some(v)) => out = PathBuf::from(v),
            _ => {
                eprintln!("usage: gen_corpus [--files N] [--seed S] [--out DIR]");
                std::process::exit(2);
            }
        }
    }
    let mut generator = Gen {
        rng: Rng(seed),
        bad: 0,
        images: 0,
    };
    let mut bytes = 0usize;
    for i in 0..files {
        let (rel, text) = generator.file(i);
        let path = out.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &text)?;
        bytes += text.len();
    }
    eprintln!(
        "wrote {files} files, {:.1} MB, {} images ({} bad) to {}",
        bytes as f64 / 1e6,
        generator.images,
        generator.bad,
        out.display()
    );
    Ok(())
}
