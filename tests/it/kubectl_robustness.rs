//! The kubectl readers never panic, and every span they return lies on char boundaries of the
//! input, whatever the input.

use pullcheck::kubectl::{diagnose, looks_like_kubectl_output};
use std::ops::Range;

use crate::common;
use common::Rng;

fn assert_spans_ok(text: &str) {
    let _ = looks_like_kubectl_output(text);
    let ok = |r: &Range<usize>| {
        r.start <= r.end && text.is_char_boundary(r.start) && text.is_char_boundary(r.end)
    };
    for d in diagnose(text) {
        assert!(ok(&d.evidence), "evidence {:?} in {text:?}", d.evidence);
        if let Some(r) = &d.image_span {
            assert!(ok(r), "image span {r:?} in {text:?}");
        }
        if let Some(r) = &d.reason_span {
            assert!(ok(r), "reason span {r:?} in {text:?}");
        }
        let _ = d.help();
    }
}

const PIECES: &[&str] = &[
    "Name:",
    "Namespace:",
    "Containers:",
    "Init Containers:",
    "  web:",
    "    Container ID:",
    "    Image:",
    "    State:          Waiting",
    "      Reason:       ErrImagePull",
    "      Message:",
    "Events:",
    "  Type  Reason  Age  From  Message",
    "  Warning  Failed  1s  kubelet  ",
    "Failed to pull image \"",
    "Back-off pulling image \"",
    "Error: ErrImagePull",
    "Error: ImagePullBackOff",
    "Container image \"",
    "\" is not present with pull policy of Never",
    "Failed to create pod sandbox: ",
    "failed to get sandbox image \"",
    "failed to \"StartContainer\" for \"",
    "\" with ErrImagePull: \"",
    "\\\"",
    "Successfully assigned ",
    "/",
    " to ",
    "pod/",
    "Pod/",
    "spec.containers{",
    "}",
    "NAME READY STATUS RESTARTS AGE",
    "0/1",
    "Init:ImagePullBackOff",
    "container \"",
    "\" in pod \"",
    "\" is waiting to start: ",
    "no such host",
    "x509:",
    "toomanyrequests",
    "**",
    "_**",
    "`",
    "```",
    "> ",
    "$ kubectl describe pod x -n",
    "\r",
    "\n",
    "\t",
    " ",
    "  ",
    "é",
    "│",
    "\u{feff}",
    "ü€",
    "\"",
    ":",
    "nginx:1.2",
    "docker.io/library/",
    "@sha256:",
    "日本",
];

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..300 {
        let len = rng.below(400);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        assert_spans_ok(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn garbage_made_of_kubectl_pieces_never_panics() {
    let mut rng = Rng(42);
    for _ in 0..1500 {
        let mut text = String::new();
        for _ in 0..rng.below(60) {
            text.push_str(PIECES[rng.below(PIECES.len())]);
            if rng.below(4) == 0 {
                text.push('\n');
            }
        }
        assert_spans_ok(&text);
    }
}

#[test]
fn every_prefix_and_cut_of_a_fixture_is_safe() {
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/kubectl/markdown-prompt-wrapped-crlf.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut cut = 0;
    while cut <= text.len() {
        if text.is_char_boundary(cut) {
            assert_spans_ok(&text[..cut]);
            assert_spans_ok(&text[cut..]);
        }
        cut += 7;
    }
}

#[test]
fn large_input_is_linear() {
    let one = std::fs::read_to_string(format!(
        "{}/fixtures/kubectl/describe-many-pods.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let small = one.repeat(50);
    let big = one.repeat(500);
    let time = |t: &str| {
        let start = std::time::Instant::now();
        let n = diagnose(t).len();
        (start.elapsed(), n)
    };
    let (_, _) = time(&small); // warm the regex caches
    let (ts, ns) = time(&small);
    let (tb, nb) = time(&big);
    // Same pod names repeat, so the pods merge; what matters is the time.
    assert!(ns >= 2 && nb >= 2);
    assert!(
        tb < ts * 30 + std::time::Duration::from_millis(200),
        "10x input took {tb:?} vs {ts:?}"
    );
    // Distinct failing pods must not make merging quadratic.
    let rows = |n: usize| {
        (0..n)
            .map(|i| format!("pod-{i}   0/1   ImagePullBackOff   0   1m\n"))
            .collect::<String>()
    };
    let (ts, ns) = time(&rows(1000));
    let (tb, nb) = time(&rows(10000));
    assert_eq!((ns, nb), (1000, 10000));
    assert!(
        tb < ts * 30 + std::time::Duration::from_millis(200),
        "10x pods took {tb:?} vs {ts:?}"
    );
    // Blank lines inside a table (padding a wrap cut to nothing) are looked past once each.
    let padded = |n: usize| {
        format!(
            "NAME   READY   STATUS   RESTARTS   AGE\nweb-1   0/1   ErrImagePull   0   1m\n{}   x\n",
            "\n".repeat(n)
        )
    };
    let (ts, _) = time(&padded(20_000));
    let (tb, nb) = time(&padded(200_000));
    assert_eq!(nb, 1);
    assert!(
        tb < ts * 30 + std::time::Duration::from_millis(200),
        "10x blank lines took {tb:?} vs {ts:?}"
    );
    // One pathological line: a megabyte with no newline.
    let line = "Failed to pull image \"".to_string() + &"a".repeat(1 << 20);
    assert_spans_ok(&line);
}
