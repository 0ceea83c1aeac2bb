//! Issue 22: kubectl output as people copy it (`fixtures/kubectl/copied/`): quotes escaped by
//! JSON, Go or HTML, an image that is itself broken, a message cut before its reason, the
//! repeat counts of table rows, the events of two containers interleaved, and
//! `kubectl events -o json`.

use crate::common::{files_under, json, lint_paths, repo};
use pullcheck::kubectl::{Diagnosis, diagnose, diagnose_document};
use pullcheck::syntax::{ParseLimits, parse_stream};

fn read(name: &str) -> String {
    let path = repo().join("fixtures/kubectl/copied").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn summary(got: &[Diagnosis]) -> Vec<String> {
    got.iter()
        .map(|d| {
            format!(
                "{} pod={:?} c={:?} image={:?} reason={:?}",
                d.cause.rule, d.pod, d.container, d.image, d.reason
            )
        })
        .collect()
}

/// The one diagnosis of `name`, which must name `image` (whose label is on the image as
/// written) and `rule`.
fn only(name: &str, image: &str, rule: &str) -> (String, Diagnosis) {
    let text = read(name);
    let got = diagnose(&text);
    assert_eq!(got.len(), 1, "{name}: {:#?}", summary(&got));
    let d = got.into_iter().next().expect("one");
    assert_eq!(d.image.as_deref(), Some(image), "{name}");
    assert_eq!(d.cause.rule, rule, "{name}");
    (text, d)
}

#[test]
fn escaped_quotes_keep_the_image_and_give_one_finding() {
    // Copied out of a JSON string: `\"`.
    let (text, d) = only(
        "escaped-quotes-get-events.txt",
        "registry.example.com/app:2.0",
        "pull-not-found",
    );
    assert_eq!(d.pod.as_deref(), Some("app-5d8f7c6b9-k2m4n"));
    assert_eq!(d.namespace.as_deref(), Some("shop"));
    let span = d.image_span.clone().expect("image label");
    assert_eq!(&text[span], "registry.example.com/app:2.0");
    // Quoted twice: `\\\"`.
    only(
        "double-escaped-message.txt",
        "ghcr.io/acme/api:1.4",
        "pull-unauthorized",
    );
    // An HTML export: `&quot;`; the label still points into the text as written.
    let (text, d) = only(
        "html-quot-describe-events.txt",
        "quay.io/acme/worker:3.2",
        "pull-tls",
    );
    let span = d.image_span.clone().expect("image label");
    assert_eq!(&text[span], "quay.io/acme/worker:3.2");
    // A Go-quoted waiting message in a pasted status, without the container's `image`: the
    // message names it.
    only(
        "container-statuses-go-quoted.txt",
        "docker.io/acme/billing:4.1",
        "pull-dns",
    );
    // The same status with its `image` and under the command that printed it.
    let text = std::fs::read_to_string(
        repo().join("fixtures/kubectl/fragments/container-statuses-json.txt"),
    )
    .expect("fixture");
    let got = diagnose(&text);
    assert_eq!(got.len(), 1, "{:#?}", summary(&got));
    assert_eq!(
        got[0].image.as_deref(),
        Some("registry.example.com/team/api:2.4.1")
    );
}

/// The old `FailedSync` message quotes an error that quotes the image: one level of escapes is
/// kubectl's own and stays.
#[test]
fn kubectls_own_escapes_are_not_taken_off() {
    let text = "  1m\t1m\t1\t{kubelet n}\t\tWarning\tFailedSync\tError syncing pod, skipping: failed to \"StartContainer\" for \"api\" with ImagePullBackOff: \"Back-off pulling image \\\"gcr.io/acme/api:v1.2\\\"\"\n";
    let got = diagnose(text);
    assert_eq!(got.len(), 1, "{:#?}", summary(&got));
    assert_eq!(got[0].image.as_deref(), Some("gcr.io/acme/api:v1.2"));
    assert_eq!(got[0].container.as_deref(), Some("api"));
}

const BROKEN: &str = "example/web: \"{{ .Values.tag }}\"";

#[test]
fn a_broken_image_is_kept_as_written_and_on_its_own_pod() {
    for name in [
        "broken-image-describe.txt",
        "broken-image-describe-excerpt.txt",
        "broken-image-events.txt",
        "broken-image-status-json.txt",
    ] {
        let text = read(name);
        let got = diagnose(&text);
        let s = summary(&got);
        let broken: Vec<&Diagnosis> = got
            .iter()
            .filter(|d| d.cause.rule == "pull-invalid-reference")
            .collect();
        assert_eq!(broken.len(), 1, "{name}: {s:#?}");
        let d = broken[0];
        assert_eq!(d.image.as_deref(), Some(BROKEN), "{name}");
        if name != "broken-image-status-json.txt" {
            assert_eq!(d.pod.as_deref(), Some("web-7c8d9e6f5-x2x9q"), "{name}");
        }
        // The other pod of the table keeps its own, image-less row.
        for other in got
            .iter()
            .filter(|o| o.cause.rule != "pull-invalid-reference")
        {
            assert_eq!(other.pod.as_deref(), Some("api-6f7d8c9b5-r4t6y"), "{name}");
            assert_eq!(other.image, None, "{name}");
        }
        let span = d.image_span.clone().expect("image label");
        assert!(
            text[span.clone()].contains("{{ .Values.tag }}"),
            "{name}: {:?}",
            &text[span]
        );
    }
}

#[test]
fn a_cut_message_says_the_line_was_cut() {
    let (_, d) = only("cut-no-cause.txt", "ghcr.io/acme/report:3.1", "pull-failed");
    assert!(d.cut);
    assert!(d.title().contains("the line was cut"), "{}", d.title());
    let report = lint_paths(&["fixtures/kubectl/copied/cut-no-cause.txt"]);
    let f = &report.findings[0];
    assert!(f.message.contains("the line was cut"), "{}", f.message);
    assert!(!f.message.contains("does not say why"), "{}", f.message);
    // A whole message with no known cause is not called cut.
    let whole = diagnose(
        "Warning  Failed  1m  kubelet  Failed to pull image \"a/b:1\": image pull failed for unknown error\n",
    );
    assert_eq!(whole.len(), 1);
    assert!(!whole[0].cut);
    assert!(whole[0].title().contains("does not say why"));
}

#[test]
fn repeat_counts_of_rows_are_evidence() {
    let (_, d) = only(
        "html-quot-describe-events.txt",
        "quay.io/acme/worker:3.2",
        "pull-tls",
    );
    assert_eq!(d.count, Some(4));
    // kubectl's span stays with the count: `(x4 over 7m)`.
    assert_eq!(d.over.as_deref(), Some("7m"));
    let report = lint_paths(&["fixtures/kubectl/copied/html-quot-describe-events.txt"]);
    assert!(
        report.findings[0]
            .message
            .contains("(failed 4 times over 7m)"),
        "{}",
        report.findings[0].message
    );
    let out = json(&report);
    assert!(out.contains("\"count\": 4,"), "{out}");
    assert!(out.contains("\"over\": \"7m\""), "{out}");
    // `get events -o wide`: its COUNT column, and FIRST SEEN as the span.
    let text = std::fs::read_to_string(repo().join("fixtures/kubectl/get-events-wide.txt"))
        .expect("fixture");
    let got = diagnose(&text);
    assert!(
        got.iter().all(|d| d.count.is_some() && d.over.is_some()),
        "{:?}",
        summary(&got)
    );
    // Old tabbed layouts: FirstSeen LastSeen Count (describe) and LASTSEEN FIRSTSEEN COUNT
    // (`get events`): the first-seen age is the span.
    let old = "  18m\t\t2m\t\t8\t{kubelet n}\tspec.containers{web}\tWarning\t\tFailed\t\tFailed to pull image \"a/b:1\": manifest unknown\n";
    let d = &diagnose(old)[0];
    assert_eq!((d.count, d.over.as_deref()), (Some(8), Some("18m")));
    let text = std::fs::read_to_string(repo().join("fixtures/kubectl/old-get-events-layout.txt"))
        .expect("fixture");
    let d = &diagnose(&text)[0];
    assert_eq!((d.count, d.over.as_deref()), (Some(4), Some("3m")));
}

#[test]
fn image_less_rows_go_to_the_container_of_the_row_before() {
    let text = read("interleaved-events-two-containers.txt");
    let got = diagnose(&text);
    assert_eq!(got.len(), 2, "{:#?}", summary(&got));
    let web = &got[0];
    let metrics = &got[1];
    assert_eq!(web.image.as_deref(), Some("acme/web:2.0"));
    assert_eq!(metrics.image.as_deref(), Some("acme/metrics-exporter:0.4"));
    // web's last event is its `Error: ErrImagePull`; the back-off is metrics'.
    assert_eq!(web.reason.as_deref(), Some("ErrImagePull"));
    assert_eq!(metrics.reason.as_deref(), Some("ImagePullBackOff"));
    let lines = |d: &Diagnosis| -> Vec<&str> {
        d.evidence_all
            .iter()
            .map(|r| text[r.clone()].trim())
            .collect()
    };
    assert!(
        lines(metrics).contains(&"Error: ImagePullBackOff"),
        "{:?}",
        lines(metrics)
    );
    assert!(
        !lines(web).contains(&"Error: ImagePullBackOff"),
        "{:?}",
        lines(web)
    );
    assert_eq!(lines(web).len(), 2, "{:?}", lines(web));
    assert_eq!(lines(metrics).len(), 4, "{:?}", lines(metrics));
}

/// `kubectl events -o json` prints the `EventList` that `-o yaml` prints: every rendered
/// `events.yaml`, written as JSON, is diagnosed the same.
#[test]
fn kubectl_events_o_json_reads_like_its_yaml() {
    let mut seen = 0;
    for path in files_under(&repo().join("fixtures/kubectl/rendered")) {
        if path.file_name().is_none_or(|n| n != "events.yaml") {
            continue;
        }
        let yaml = std::fs::read_to_string(&path).expect("read");
        let value: serde_json::Value = serde_yaml::from_str(&yaml).expect("yaml");
        assert_eq!(value["kind"], "EventList", "{}", path.display());
        let json_text = serde_json::to_string_pretty(&value).expect("json");
        let read = |text: &str| -> Vec<String> {
            let mut out: Vec<String> = parse_stream(text, 0, &ParseLimits::default())
                .into_iter()
                .flatten()
                .flat_map(|d| diagnose_document(&d))
                .map(|d| {
                    format!(
                        "{:?} {:?} {:?} {} {:?} {:?}",
                        d.pod, d.container, d.image, d.cause.rule, d.count, d.last_seen
                    )
                })
                .collect();
            out.sort();
            out
        };
        let want = read(&yaml);
        assert!(!want.is_empty(), "{}", path.display());
        assert_eq!(read(&json_text), want, "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 20, "{seen} events.yaml files");
}

#[test]
fn list_items_copied_without_their_header_are_read() {
    let report = lint_paths(&["fixtures/kubectl/copied/items-without-list-header.yaml"]);
    let got: Vec<(&str, Option<&str>)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.image.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("pull-not-found", Some("quay.io/acme/s3registry:v2.0.0-bob")),
            ("pull-unauthorized", Some("ghcr.io/acme/api:1.4")),
        ],
        "{}",
        json(&report)
    );
    assert!(report.findings[0].message.contains("(failed 61 times"));
}
