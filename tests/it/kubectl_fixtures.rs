//! The kubectl readers over `fixtures/kubectl/`: one assertion per expected diagnosis.

use pullcheck::kubectl::{Diagnosis, InputKind, diagnose, looks_like_kubectl_output};

fn read(name: &str) -> String {
    let path = format!("{}/fixtures/kubectl/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// What a diagnosis must say; `evidence` must lie inside the evidence span.
struct Want<'a> {
    rule: &'a str,
    pod: Option<&'a str>,
    namespace: Option<&'a str>,
    container: Option<&'a str>,
    image: Option<&'a str>,
    reason: Option<&'a str>,
    evidence: &'a str,
}

fn check(name: &str, wants: &[Want]) -> (String, Vec<Diagnosis>) {
    let text = read(name);
    assert!(
        looks_like_kubectl_output(&text),
        "{name}: not sniffed as kubectl output"
    );
    let got = diagnose(&text);
    let summary: Vec<String> = got
        .iter()
        .map(|d| {
            format!(
                "{} {:?} {:?} {:?}",
                d.cause.rule, d.pod, d.container, d.image
            )
        })
        .collect();
    assert_eq!(got.len(), wants.len(), "{name}: {summary:#?}");
    for (d, w) in got.iter().zip(wants) {
        assert_eq!(d.cause.rule, w.rule, "{name}: {summary:?}");
        assert_eq!(d.pod.as_deref(), w.pod, "{name} pod");
        assert_eq!(d.namespace.as_deref(), w.namespace, "{name} namespace");
        assert_eq!(d.container.as_deref(), w.container, "{name} container");
        assert_eq!(d.image.as_deref(), w.image, "{name} image");
        assert_eq!(d.reason.as_deref(), w.reason, "{name} reason");
        let evidence = text.get(d.evidence.clone()).unwrap_or_default();
        assert!(
            evidence.contains(w.evidence),
            "{name}: evidence {evidence:?} lacks {:?}",
            w.evidence
        );
        if let (Some(span), Some(image)) = (&d.image_span, &d.image) {
            let at: String = text
                .get(span.clone())
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            assert_eq!(&at, image, "{name}: image span");
        }
    }
    (text, got)
}

fn want<'a>(rule: &'a str, image: Option<&'a str>, evidence: &'a str) -> Want<'a> {
    Want {
        rule,
        pod: None,
        namespace: None,
        container: None,
        image,
        reason: None,
        evidence,
    }
}

impl<'a> Want<'a> {
    fn pod(mut self, ns: Option<&'a str>, pod: &'a str) -> Self {
        self.namespace = ns;
        self.pod = Some(pod);
        self
    }
    fn container(mut self, c: &'a str) -> Self {
        self.container = Some(c);
        self
    }
    fn reason(mut self, r: &'a str) -> Self {
        self.reason = Some(r);
        self
    }
}

#[test]
fn describe_containerd_not_found() {
    let (text, got) = check(
        "describe-containerd-not-found.txt",
        &[want(
            "pull-not-found",
            Some("nginx:1.999"),
            "nginx:1.999: not found",
        )
        .pod(Some("shop"), "web-7d9c5b8f4-x2x9q")
        .container("nginx")
        .reason("ImagePullBackOff")],
    );
    let d = &got[0];
    assert_eq!(d.source_kind, InputKind::Describe);
    // Secondary labels: the container's Image: line and its Reason:.
    let image_line = text.get(d.image_span.clone().unwrap()).unwrap();
    assert_eq!(image_line, "nginx:1.999");
    assert!(text[..d.image_span.clone().unwrap().start].ends_with("Image:          "));
    assert_eq!(
        text.get(d.reason_span.clone().unwrap()),
        Some("ImagePullBackOff")
    );
    assert!(d.help().contains("library/nginx"), "{}", d.help());
}

#[test]
fn describe_init_container_with_field_paths() {
    let (_, got) = check(
        "describe-init-unauthorized-fieldpath.txt",
        &[want(
            "pull-unauthorized",
            Some("registry.example.com/team/migrate:v3"),
            "401 Unauthorized",
        )
        .pod(Some("billing"), "orders-0")
        .container("migrate")
        .reason("ImagePullBackOff")],
    );
    assert!(got[0].init);
    assert!(got[0].help().contains("registry.example.com"));
}

#[test]
fn describe_many_pods_each_with_its_events() {
    check(
        "describe-many-pods.txt",
        &[
            want("pull-dns", Some("ghcr.io/acme/api:2.1.0"), "no such host")
                .pod(Some("default"), "api-6f9d-abcde")
                .container("api")
                .reason("ErrImagePull"),
            want(
                "pull-rate-limited",
                Some("python:3.12-slim"),
                "toomanyrequests",
            )
            .pod(Some("default"), "worker-5c7b-fghij")
            .container("worker")
            .reason("ImagePullBackOff"),
        ],
    );
}

#[test]
fn markdown_prompt_hard_wraps_and_crlf() {
    let (_, got) = check(
        "markdown-prompt-wrapped-crlf.txt",
        &[want(
            "pull-tls",
            Some("harbor.corp.example/platform/api-gateway:1.4.2"),
            "x509: certificate signed by unknown authority",
        )
        .pod(Some("prod"), "api-5")
        .reason("ImagePullBackOff")],
    );
    assert!(
        got[0]
            .evidence_text
            .contains("\"harbor.corp.example/platform/api-gateway:1.4.2\": failed to resolve"),
        "{}",
        got[0].evidence_text
    );
    assert!(
        got[0]
            .evidence_text
            .contains("tls: failed to verify certificate")
    );
}

#[test]
fn old_tabbed_describe_events() {
    check(
        "old-tabbed-describe-disk-full.txt",
        &[want(
            "pull-disk-full",
            Some("quay.io/data/etl:2017.11"),
            "no space left on device",
        )
        .pod(None, "batch-job-x1")
        .container("etl")
        .reason("ErrImagePull")],
    );
}

#[test]
fn get_pods_all_namespaces_wide() {
    let (_, got) = check(
        "get-pods-all-namespaces-wide.txt",
        &[
            want("pull-failed", None, "ImagePullBackOff")
                .pod(Some("default"), "frontend-5d8f7c9b6d-2kq8z")
                .reason("ImagePullBackOff"),
            want("pull-failed", None, "Init:ErrImagePull")
                .pod(Some("jobs"), "nightly-report-28471230-q8w5c")
                .reason("ErrImagePull"),
            want("pull-invalid-reference", None, "InvalidImageName")
                .pod(Some("payments"), "ledger-0")
                .reason("InvalidImageName"),
        ],
    );
    assert!(got[1].init && !got[0].init);
    assert!(got.iter().all(|d| d.source_kind == InputKind::GetPods));
    assert!(
        got[0]
            .help()
            .contains("kubectl describe pod frontend-5d8f7c9b6d-2kq8z -n default")
    );
}

#[test]
fn get_events_all_namespaces() {
    check(
        "get-events-all-namespaces.txt",
        &[
            want(
                "pull-http-on-https",
                Some("localhost:5000/uploader:dev"),
                "server gave HTTP response to HTTPS client",
            )
            .pod(Some("dev"), "uploader-7b9d8-kkq2p")
            .reason("ImagePullBackOff"),
            want(
                "pull-connection-refused",
                Some("10.20.0.5:5000/search:8.11"),
                "connect: connection refused",
            )
            .pod(Some("staging"), "search-0")
            .reason("ErrImagePull"),
        ],
    );
}

#[test]
fn kubectl_events_command() {
    let (_, got) = check(
        "kubectl-events-platform.txt",
        &[want(
            "pull-platform-mismatch",
            Some("acme/sensor-agent:0.9.1"),
            "no match for platform in manifest",
        )
        .pod(Some("edge"), "sensor-agent-4xk2p")
        .reason("ImagePullBackOff")],
    );
    assert_eq!(got[0].source_kind, InputKind::KubectlEvents);
}

#[test]
fn old_get_events_layout() {
    check(
        "old-get-events-layout.txt",
        &[want(
            "pull-not-found",
            Some("gcr.io/acme-prod/reports:2018-06-01"),
            "not found",
        )
        .pod(None, "reports-6b7c8d9f4-p2x7w")
        .container("reports")
        .reason("ErrImagePull")],
    );
}

#[test]
fn logs_errors() {
    let (_, got) = check(
        "logs-waiting-to-start.txt",
        &[
            want("pull-failed", None, "trying and failing to pull image")
                .pod(None, "checkout-5f6d7c8b9-lmn12")
                .container("checkout")
                .reason("ImagePullBackOff"),
            want("pull-failed", None, "image can't be pulled")
                .pod(None, "tracker-0")
                .container("agent")
                .reason("ErrImagePull"),
            want("pull-invalid-reference", None, "InvalidImageName")
                .pod(None, "legacy-1")
                .container("legacy")
                .reason("InvalidImageName"),
        ],
    );
    assert!(got.iter().all(|d| d.source_kind == InputKind::Logs));
}

#[test]
fn sandbox_pause_image_but_not_cni() {
    let (_, got) = check(
        "sandbox-pause-image.txt",
        &[want(
            "pull-network-timeout",
            Some("registry.k8s.io/pause:3.9"),
            "i/o timeout",
        )
        .pod(Some("kube-system"), "kube-proxy-7hx2c")
        .reason("FailedCreatePodSandBox")],
    );
    assert!(got[0].sandbox);
}

#[test]
fn crio_multiline_registry_errors() {
    let (_, got) = check(
        "crio-multiline-unauthorized.txt",
        &[want(
            "pull-unauthorized",
            Some("quay.io/acme-private/grafana:10.4"),
            "unauthorized: authentication required",
        )
        .pod(Some("tools"), "grafana-0")
        .reason("ErrImagePull")],
    );
    assert!(
        got[0]
            .evidence_text
            .contains("errors: denied: requested access")
    );
}

#[test]
fn views_of_one_pod_merge() {
    let (_, got) = check(
        "merged-views-one-pod.txt",
        &[
            want("pull-failed", None, "ImagePullBackOff")
                .pod(Some("web"), "shop-7c9f5d4b8-cd34e")
                .reason("ImagePullBackOff"),
            want(
                "pull-not-found",
                Some("mycompany/shop:v2.0.1"),
                "manifest unknown",
            )
            .pod(Some("web"), "shop-7c9f5d4b8-ab12c")
            .container("shop")
            .reason("ImagePullBackOff"),
        ],
    );
    assert_eq!(got[1].source_kind, InputKind::Describe);
}

#[test]
fn pull_failure_that_later_recovered() {
    let (_, got) = check(
        "crashloop-after-pull-timeout.txt",
        &[want(
            "pull-network-timeout",
            Some("busybox:1.36"),
            "connection timed out",
        )
        .reason("ErrImagePull")],
    );
    assert!(got[0].recovered);
}

#[test]
fn never_pull_policy() {
    check(
        "never-pull-local-image.txt",
        &[want(
            "pull-never-not-present",
            Some("hello-app:dev"),
            "is not present with pull policy of Never",
        )
        .pod(Some("default"), "hello-dev")
        .container("hello")
        .reason("ErrImageNeverPull")],
    );
}

#[test]
fn invalid_reference_new_wording() {
    check(
        "invalid-reference-uppercase.txt",
        &[want(
            "pull-invalid-reference",
            Some("MyOrg/Api:1.0"),
            "must be lowercase",
        )
        .reason("InvalidImageName")],
    );
}

#[test]
fn old_no_credentials_boilerplate_is_not_auth() {
    check(
        "failedsync-no-credentials-boilerplate.txt",
        &[want(
            "pull-not-found",
            Some("gcr.io/acme/api:v1.2"),
            "Tag v1.2 not found in repository",
        )
        .container("api")
        .reason("ImagePullBackOff")],
    );
}

#[test]
fn healthy_pods_and_crash_loops_are_silent() {
    check("healthy-and-crashloop.txt", &[]);
}

#[test]
fn every_cause_has_a_fixture() {
    let dir = format!("{}/fixtures/kubectl", env!("CARGO_MANIFEST_DIR"));
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        for d in diagnose(&text) {
            seen.insert(d.cause.rule.clone());
        }
    }
    for c in pullcheck::kubectl::causes() {
        assert!(seen.contains(&c.rule), "no fixture diagnoses {}", c.rule);
    }
}

#[test]
fn missing_pull_secret_turns_docker_hub_denial_into_unauthorized() {
    let (_, got) = check(
        "get-events-missing-pull-secret.txt",
        &[
            want(
                "pull-unauthorized",
                Some("acme/private-api:3.2"),
                "insufficient_scope",
            )
            .pod(Some("shop"), "api-6f7d8c9b5-kq2xw")
            .reason("ImagePullBackOff"),
            // Another pod of the same paste, without the Secret event: stays not-found.
            want(
                "pull-not-found",
                Some("acme/web-typo:1.0"),
                "insufficient_scope",
            )
            .pod(Some("shop"), "web-5c6d7e8f9-p4q5r")
            .reason("ErrImagePull"),
        ],
    );
    let d = &got[0];
    assert_eq!(d.confidence, pullcheck::kubectl::Confidence::Inferred);
    assert_eq!(d.missing_secrets, ["regcred", "dockerhub-creds"]);
    let help = d.help();
    assert!(help.contains("\"regcred\", \"dockerhub-creds\""), "{help}");
    assert!(help.contains("namespace shop"), "{help}");
    assert!(d.inference.as_deref().unwrap_or("").contains("regcred"));
    assert_eq!(got[1].confidence, pullcheck::kubectl::Confidence::Certain);
    assert!(got[1].help().contains("private"), "{}", got[1].help());
    // The Secret event is part of the evidence of the first pod only.
    assert_eq!(d.evidence_all.len(), 4, "{:?}", d.evidence_all);
    assert_eq!(got[1].evidence_all.len(), 1);
}

/// Issue 22: the kubelet's own log (`journalctl -u kubelet`), klog's structured lines whose
/// values are Go-quoted: `err="failed to \"StartContainer\" for \"api\" with ErrImagePull:
/// \"… \\\"registry…\\\" …\""` (quotes inside quotes) names the pod (`pod="ns/name"`) and
/// container, the `Failed to pull image` lines the image as the spec names it.
#[test]
fn kubelet_journal_lines_name_pod_container_and_image() {
    let (text, got) = check(
        "kubelet-journal.txt",
        &[
            want(
                "pull-unauthorized",
                Some("registry.example.com/team/api:2.4"),
                "401 Unauthorized",
            )
            .pod(Some("payments"), "api-5f7b9c8d6-q4w8e")
            .container("api")
            // Its last line is the back-off's.
            .reason("ImagePullBackOff"),
            want(
                "pull-not-found",
                Some("nginx:1.999"),
                "nginx:1.999: not found",
            )
            .pod(Some("shop"), "web-7d9c5b8f4-x2x9q")
            .container("nginx")
            .reason("ErrImagePull"),
        ],
    );
    for d in &got {
        assert_eq!(d.source_kind, InputKind::KubeletLog);
        // The evidence is the `err` value as written, escapes and all.
        let evidence = &text[d.evidence.clone()];
        assert!(evidence.starts_with("rpc error: code = "), "{evidence}");
    }
}

#[test]
fn cut_messages_decide_when_unambiguous() {
    use pullcheck::kubectl::Confidence;
    let (_, got) = check(
        "cut-messages.txt",
        &[
            want(
                "pull-dns",
                Some("docker.io/acme/api:1.0"),
                "server misbehaving",
            )
            .pod(Some("batch"), "api-6d5f8b7c9-2xkqp")
            .reason("ErrImagePull"),
            // Cut inside the URL: the full message of the other docker.io pull starts the same.
            want(
                "pull-dns",
                Some("docker.io/acme/worker:2.0"),
                "registry-1.docker.io/v2/acme/wor",
            )
            .pod(Some("batch"), "worker-5b8c9d7f6-q7r2s")
            .reason("ErrImagePull"),
            // Cut the same way, but no other pull from ghcr.io: nothing to infer from.
            want(
                "pull-failed",
                Some("ghcr.io/acme/report:3.1"),
                "ghcr.io/v2/acme/rep",
            )
            .pod(Some("batch"), "report-28471230-zz9kd")
            .reason("ErrImagePull"),
            // `http: s` begins only one known message.
            want(
                "pull-http-on-https",
                Some("10.0.0.5:5000/team/app:1.2"),
                "http: s",
            )
            .pod(Some("dev"), "registry-test-7c9d8f6b5-lp4mn")
            .reason("ImagePullBackOff"),
        ],
    );
    let conf: Vec<Confidence> = got.iter().map(|d| d.confidence).collect();
    assert_eq!(
        conf,
        [
            Confidence::Certain,
            Confidence::Inferred,
            Confidence::Certain,
            Confidence::Inferred
        ]
    );
    assert!(
        got[1]
            .inference
            .as_deref()
            .unwrap_or("")
            .contains("docker.io")
    );
    assert!(
        got[3]
            .inference
            .as_deref()
            .unwrap_or("")
            .contains("cut line")
    );
    // Every finding from a cut line says so, inferred or not; the whole message does not.
    let cut: Vec<bool> = got.iter().map(|d| d.cut).collect();
    assert_eq!(cut, [false, true, true, true]);
    let report = crate::common::lint_paths(&["fixtures/kubectl/cut-messages.txt"]);
    let out: serde_json::Value = serde_json::from_str(&crate::common::json(&report)).expect("json");
    let flagged: Vec<bool> = out["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["cut"] == true)
        .collect();
    assert_eq!(flagged.iter().filter(|c| **c).count(), 3, "{out}");
}

#[test]
fn get_events_wide_keeps_trailing_columns_out_of_the_evidence() {
    let (_, got) = check(
        "get-events-wide.txt",
        &[want(
            "pull-unauthorized",
            Some("quay.io/acme/ingest:7.3"),
            "401 UNAUTHORIZED",
        )
        .pod(Some("etl"), "ingest-7f9c8d6b5-m2n4p")
        .container("ingest")
        .reason("ImagePullBackOff")],
    );
    let d = &got[0];
    assert!(
        d.evidence_text.ends_with("401 UNAUTHORIZED"),
        "{}",
        d.evidence_text
    );
    assert!(!d.evidence_text.contains("182e1f0b"), "{}", d.evidence_text);
}

#[test]
fn pod_status_fragments_are_read_leniently() {
    let (_, got) = check(
        "fragments/container-statuses-json.txt",
        &[want(
            "pull-tls",
            Some("registry.example.com/team/api:2.4.1"),
            "x509: certificate signed by unknown authority",
        )
        // The command it was pasted under names the pod (`get pod NAME -n NS -o json`).
        .pod(Some("shop"), "api-6f7d8c9b5-kq2xw")
        .container("api")
        .reason("ImagePullBackOff")],
    );
    assert_eq!(got[0].source_kind, InputKind::PodStatus);
    check(
        "fragments/status-yaml-no-object.txt",
        &[want(
            "pull-dns",
            Some("ghcr.io/acme/worker:0.9.3"),
            "no such host",
        )
        .container("worker")
        .reason("ErrImagePull")],
    );
    check(
        "fragments/unbalanced-trailing-comma.txt",
        &[want(
            "pull-never-not-present",
            Some("acme/migrate:latest"),
            "is not present with pull policy of Never",
        )
        .container("migrate")
        .reason("ErrImageNeverPull")],
    );
}

#[test]
fn interleaved_events_of_two_containers_are_attributed_by_image() {
    let (_, got) = check(
        "two-containers-interleaved.txt",
        &[
            want("pull-not-found", Some("acme/web:2.0"), "not found")
                .pod(Some("shop"), "web-6c9d8f7b5-h2k4m")
                .container("web")
                .reason("ImagePullBackOff"),
            want(
                "pull-network-timeout",
                Some("acme/metrics-exporter:0.4"),
                "context canceled",
            )
            .pod(Some("shop"), "web-6c9d8f7b5-h2k4m")
            .container("metrics")
            .reason("ErrImagePull"),
        ],
    );
    // The image-less `get pods` row joined the pod's first container, not a finding of its own.
    assert!(got[0].evidence_all.len() > got[1].evidence_all.len());
    // Only one failed pull has a cause: the other container does not inherit it.
    check(
        "two-containers-one-cause.txt",
        &[
            want("pull-not-found", Some("acme/web:2.0"), "not found")
                .pod(Some("shop"), "web-6c9d8f7b5-h2k4m")
                .container("web")
                .reason("ImagePullBackOff"),
            want(
                "pull-failed",
                Some("acme/metrics-exporter:0.4"),
                "ErrImagePull",
            )
            .pod(Some("shop"), "web-6c9d8f7b5-h2k4m")
            .container("metrics")
            .reason("ErrImagePull"),
        ],
    );
}

#[test]
fn a_pull_cut_mid_transfer_is_a_connection_reset() {
    check(
        "get-events-connection-reset.txt",
        &[
            want(
                "pull-connection-reset",
                Some("docker.io/library/buildpack-deps:bookworm"),
                "connection reset by peer",
            )
            .pod(Some("ci"), "runner-7d9c6b5f4-x2x8q")
            .reason("ErrImagePull"),
            want(
                "pull-connection-reset",
                Some("nvcr.io/nvidia/pytorch:24.05-py3"),
                "stream error: stream ID 5; INTERNAL_ERROR",
            )
            .pod(Some("ml"), "trainer-0")
            .reason("ImagePullBackOff"),
        ],
    );
}

#[test]
fn causes_decided_on_the_node_are_named() {
    check(
        "describe-node-side-causes.txt",
        &[
            want(
                "pull-signature-rejected",
                Some("quay.io/acme/payments:3.1"),
                "A signature was required",
            )
            .pod(Some("shop"), "payments-0")
            .reason("SignatureValidationFailed"),
            want(
                "pull-qps-exceeded",
                Some("registry.k8s.io/e2e-test-images/agnhost:2.47"),
                "pull QPS exceeded",
            )
            .pod(Some("batch"), "load-0042")
            .reason("ErrImagePull"),
            want(
                "pull-runtime-store",
                Some("acme/app:2.0"),
                "Failed to inspect image",
            )
            .pod(Some("default"), "app-0")
            .reason("ImageInspectError"),
        ],
    );
}
