//! Differential test: our parser against the Go library the kubelet uses.
//!
//! Build the oracle with `scripts/build-go-oracle.sh`, then
//! `PULLCHECK_GO_ORACLE=target/reforacle cargo test --test image_differential -- --nocapture`.
//! Every reference must get the same verdict, and on success the same `String()` and
//! `FamiliarString()`, except the explicit library-version differences in `version_difference`.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use pullcheck::image::{ImageRef, parse_reference};

use crate::common;
use common::Rng;

const HEX64: &str = "6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";

fn hand_picked() -> Vec<String> {
    let long = |n: usize| "a".repeat(n);
    let mut cases: Vec<String> = [
        "nginx",
        "nginx:1.25",
        "nginx:latest",
        "library/nginx",
        "docker.io/nginx",
        "docker.io/library/nginx",
        "index.docker.io/nginx",
        "index.docker.io/library/nginx",
        "index.docker.io/foo/bar",
        "docker.io/foo/bar",
        "Docker.io/nginx",
        "foo/bar",
        "foo/bar/baz",
        "quay.io/x/y",
        "quay.io/x/y:1",
        "gcr.io/project/app:v1.2.3",
        "registry:5000/app",
        "registry:5000",
        "registry:5000/app:1",
        "localhost/app",
        "localhost:5000/app",
        "localhost",
        "localhost:5000",
        "LOCALHOST/app",
        "[::1]:5000/app:1",
        "[::1]/app",
        "[fe80::1]:80/a",
        "[::1]",
        "[]/app",
        "[::1/app",
        "[::g]/app",
        "[::1]x/app",
        "127.0.0.1:5000/app",
        "127.0.0.1/app",
        "MyOrg/app:1",
        "Nginx:1.0",
        "nginx:Latest",
        "my_reg.io/app",
        "my_reg.io/app:1",
        "my__reg.io/app",
        "my___reg.io/app",
        "a_b/c",
        "a__b",
        "a___b",
        "a..b",
        "a.b",
        "a-b",
        "a--b",
        "a---b",
        "a-",
        "-a",
        "a.",
        ".a",
        "_a",
        "a_",
        "a._b",
        "a-.b",
        "a/b/",
        "/a",
        "a//b",
        "a/",
        "/",
        ":",
        "@",
        ":tag",
        "@sha256:abc",
        "nginx:",
        "nginx@",
        "nginx:@sha256:abc",
        "nginx:.tag",
        "nginx:-tag",
        "nginx:_tag",
        "nginx:t:t",
        "quay.io/a:b/c",
        "nginx:1.0/foo",
        "foo:bar/baz",
        "https://nginx",
        "https://quay.io/a/b",
        "http://localhost:5000/app",
        "docker://nginx",
        "oci://x/y",
        "nginx@sha256:abc",
        "nginx@sha256:123456",
        "nginx@sha256",
        "nginx@sha256:",
        "nginx@:abc",
        "nginx@md5:d41d8cd98f00b204e9800998ecf8427e",
        "user@host.io/app",
        "user:pass@quay.io/app",
        " nginx",
        "nginx ",
        "ngi nx",
        "nginx\n",
        "\tnginx",
        "nginx:1.0\r",
        "nginx@sha256:\u{a0}",
        "nginx\u{a0}",
        "ngïnx",
        "nginx:tä",
        "\u{212A}ube/app",
        "\u{212A}ube.io/app",
        "ÉCOLE/app",
        "école/app",
        "a\u{0}b",
        "💥",
        "nginx:💥",
        "a\u{0301}",
        HEX64,
        "A-invalid",
        "sha256:abc",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for digest_len in [31, 32, 63, 64, 65, 95, 96, 97, 127, 128, 129, 200] {
        for algorithm in [
            "sha256",
            "sha384",
            "sha512",
            "SHA256",
            "sha1",
            "sha256+b64",
            "a.b",
        ] {
            let hex = "ab"
                .repeat(digest_len)
                .chars()
                .take(digest_len)
                .collect::<String>();
            cases.push(format!("nginx@{algorithm}:{hex}"));
            cases.push(format!("nginx:1@{algorithm}:{}", hex.to_uppercase()));
        }
    }
    cases.push(HEX64.to_uppercase());
    cases.push(format!("{HEX64}:tag"));
    cases.push(format!("{HEX64}0"));
    cases.push(format!("quay.io/{HEX64}"));
    cases.push(format!("nginx@sha256:{HEX64}"));
    cases.push(format!("nginx:1.25@sha256:{HEX64}"));
    cases.push(format!("nginx@sha256:{}", HEX64.to_uppercase()));
    cases.push(format!("nginx@sha256:{}", &HEX64[..40]));
    for n in [246, 247, 248, 253, 254, 255, 256] {
        cases.push(long(n));
        cases.push(format!("foo/{}", long(n - 4)));
        cases.push(format!("quay.io/{}", long(n)));
        cases.push(format!("{}.io/{}", long(10), long(n - 1)));
        cases.push(format!("my_reg.io/{}", long(n - 10)));
    }
    for n in [127, 128, 129] {
        cases.push(format!("nginx:{}", "t".repeat(n)));
    }
    cases
}

const NAME_ATOMS: &[&str] = &[
    "a",
    "b",
    "z",
    "0",
    "9",
    "ab",
    "nginx",
    "library",
    "app",
    "v1",
    "MyOrg",
    "A",
    "Z",
    ".",
    "_",
    "__",
    "___",
    "-",
    "--",
    "/",
    "/",
    "/",
    "//",
    ":",
    ":",
    "@",
    "5000",
    "localhost",
    "docker.io",
    "index.docker.io",
    "quay.io",
    "example.com",
    "reg_istry.io",
    "[::1]",
    "[fe80::1]",
    "[",
    "]",
    "sha256:",
    "sha384:",
    "sha512:",
    "SHA256:",
    "md5:",
    "latest",
    "v1.2.3",
    "é",
    "ß",
    "İ",
    "\u{212A}",
    " ",
    "\t",
    "\n",
    "https://",
    "💥",
    "\u{0}",
    "+",
    "=",
    "#",
    "%",
    "~",
    "*",
];

const HEX_ATOMS: &[&str] = &["0", "9", "a", "f", "A", "F", "g", "deadbeef"];

fn token_soup(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..1 + rng.below(8) {
        if rng.chance(10) {
            for _ in 0..rng.below(20) {
                out.push_str(rng.pick(HEX_ATOMS));
            }
        } else {
            out.push_str(rng.pick(NAME_ATOMS));
        }
    }
    out
}

fn lower_word(rng: &mut Rng, max: usize) -> String {
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..1 + rng.below(max))
        .map(|_| ALNUM[rng.below(ALNUM.len())] as char)
        .collect()
}

fn hex(rng: &mut Rng, len: usize, upper_percent: usize) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    (0..len)
        .map(|_| {
            let c = HEX[rng.below(16)] as char;
            if rng.chance(upper_percent) {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// A reference built from grammar pieces, mostly valid, with lengths near every limit.
fn structured(rng: &mut Rng) -> String {
    let mut out = String::new();
    match rng.below(6) {
        0 => out.push_str(rng.pick(&[
            "quay.io",
            "gcr.io",
            "localhost",
            "docker.io",
            "index.docker.io",
        ])),
        1 => out.push_str(&format!(
            "reg-{}.example.com:{}",
            lower_word(rng, 6),
            rng.below(70000)
        )),
        2 => {
            out.push_str(rng.pick(&["[::1]", "[2001:db8::1]:5000", "My-Registry.io", "My_Reg.io"]))
        }
        3 => out.push_str(&format!("{}.{}", lower_word(rng, 12), lower_word(rng, 3))),
        _ => {}
    }
    if !out.is_empty() {
        out.push('/');
    }
    let components = 1 + rng.below(4);
    for i in 0..components {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&lower_word(rng, 10));
        if rng.chance(40) {
            out.push_str(rng.pick(&[".", "_", "__", "-", "---"]));
            out.push_str(&lower_word(rng, 5));
        }
    }
    if rng.chance(5) {
        // Push the path length around the 255 limit.
        let pad = 230 + rng.below(40);
        while out.len() < pad {
            out.push('x');
        }
    }
    if rng.chance(50) {
        out.push(':');
        let len = if rng.chance(10) {
            120 + rng.below(15)
        } else {
            1 + rng.below(12)
        };
        const TAG: &[u8] = b"abcXYZ019_.-";
        for i in 0..len {
            let c = TAG[rng.below(TAG.len())] as char;
            out.push(if i == 0 && matches!(c, '.' | '-') {
                'v'
            } else {
                c
            });
        }
    }
    if rng.chance(40) {
        let algorithm = rng.pick(&["sha256", "sha256", "sha384", "sha512", "sha1", "Sha256"]);
        let len = match rng.below(4) {
            0 => 28 + rng.below(110),
            _ => match algorithm {
                "sha384" => 96,
                "sha512" => 128,
                _ => 64,
            },
        };
        let upper = if rng.chance(20) { 5 } else { 0 };
        out.push_str(&format!("@{algorithm}:{}", hex(rng, len, upper)));
    }
    out
}

const MUTATION_CHARS: &[char] = &[
    'A', 'Z', 'q', '0', '.', '_', '-', '/', ':', '@', '[', ']', ' ', '\t', '\n', 'é', '💥', '+',
    '\u{212A}', 'F',
];

fn mutate(rng: &mut Rng, base: &str) -> String {
    let mut chars: Vec<char> = base.chars().collect();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(chars.len() + 1);
        let c = MUTATION_CHARS[rng.below(MUTATION_CHARS.len())];
        match rng.below(5) {
            0 => chars.insert(at, c),
            1 if at < chars.len() => {
                chars.remove(at);
            }
            2 if at < chars.len() => chars[at] = c,
            3 if at < chars.len() => chars[at] = chars[at].to_ascii_uppercase(),
            4 if at < chars.len() => chars.insert(at, chars[at]),
            _ => chars.push(c),
        }
    }
    chars.into_iter().collect()
}

fn corpus() -> Vec<String> {
    let mut rng = Rng(0x5EED_1234_ABCD_0042);
    let hand = hand_picked();
    let mut all = hand.clone();
    for _ in 0..2000 {
        all.push(token_soup(&mut rng));
    }
    let mut valid_bases = Vec::new();
    for _ in 0..1500 {
        let reference = structured(&mut rng);
        valid_bases.push(reference.clone());
        all.push(reference);
    }
    valid_bases.extend(hand);
    for _ in 0..2500 {
        let base = valid_bases[rng.below(valid_bases.len())].clone();
        all.push(mutate(&mut rng, &base));
    }
    let mut seen = HashSet::new();
    all.retain(|s| seen.insert(s.clone()));
    all
}

#[derive(Debug)]
enum GoVerdict {
    Ok { string: String, familiar: String },
    Err(String),
}

fn run_oracle(oracle: &std::ffi::OsStr, inputs: &[String]) -> Vec<GoVerdict> {
    let mut child = Command::new(oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the Go oracle (PULLCHECK_GO_ORACLE)");
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let payload: String = inputs
        .iter()
        .map(|s| s.bytes().map(|b| format!("{b:02x}")).collect::<String>() + "\n")
        .collect();
    // Write from another thread so a full stdout pipe cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(payload.as_bytes()));
    let stdout = child.stdout.take().expect("oracle stdout");
    let verdicts: Vec<GoVerdict> = BufReader::new(stdout)
        .lines()
        .map(|line| {
            let line = line.expect("oracle output is UTF-8");
            let mut fields = line.splitn(3, '\t');
            match (fields.next(), fields.next(), fields.next()) {
                (Some("OK"), Some(string), Some(familiar)) => GoVerdict::Ok {
                    string: string.to_owned(),
                    familiar: familiar.to_owned(),
                },
                (Some("ERR"), Some(message), None) => GoVerdict::Err(message.to_owned()),
                _ => panic!("unexpected oracle line: {line:?}"),
            }
        })
        .collect();
    writer
        .join()
        .expect("writer thread")
        .expect("write to oracle");
    assert!(child.wait().expect("oracle exit").success());
    assert_eq!(verdicts.len(), inputs.len(), "one oracle line per input");
    verdicts
}

/// Known differences between the Go oracle's library and the kubelet's, not bugs of ours.
/// Debian packages docker/distribution 2.8 `reference`; the kubelet uses distribution/reference
/// v0.6, which added IPv6 hosts (regexp.go `ipv6address`) and counts only the path against the
/// 255 limit (reference.go `RepositoryNameTotalLengthMax`). Both are covered by unit tests.
fn version_difference(
    ours: &Result<ImageRef, impl std::fmt::Debug>,
    go: &GoVerdict,
) -> Option<&'static str> {
    let (Ok(ours), GoVerdict::Err(message)) = (ours, go) else {
        return None;
    };
    if ours.registry.starts_with('[') && message.contains("invalid reference format") {
        return Some("IPv6 host: v0.6 accepts, 2.8 does not");
    }
    if message.contains("must not be more than 255 characters")
        && ours.repository.len() <= 255
        && ours.name().len() > 255
    {
        return Some("255 limit: v0.6 counts the path, 2.8 the whole name");
    }
    None
}

/// For a reference we accept with an IPv6 host, the same reference with the bracketed address
/// replaced by a DNS name, and our normalized form with the same replacement: Go 2.8 must agree.
fn ipv6_stand_in(input: &str, ours: &ImageRef) -> Option<(String, String)> {
    const STAND_IN: &str = "ipv6.stand-in.test";
    let domain = ours.domain(input)?;
    let host = domain.get(..=domain.find(']')?)?;
    // Go 2.8 counts the domain against the 255 limit (see `version_difference`).
    if ours.name().replacen(host, STAND_IN, 1).len() > 255 {
        return None;
    }
    let substituted = input.replacen(host, STAND_IN, 1);
    let expected = ours.normalized(input).replacen(host, STAND_IN, 1);
    Some((substituted, expected))
}

#[test]
fn parser_agrees_with_go_distribution_reference() {
    let Some(oracle) = std::env::var_os("PULLCHECK_GO_ORACLE") else {
        // scripts/test.sh (and so CI) builds the oracle: there a missing one is a failure.
        assert!(
            std::env::var_os("PULLCHECK_REQUIRE_CLIENTS").is_none(),
            "PULLCHECK_GO_ORACLE is not set but PULLCHECK_REQUIRE_CLIENTS is: scripts/build-go-oracle.sh failed"
        );
        // Straight to stderr, past the test harness's capture, so the skip is visible.
        let _ = writeln!(
            std::io::stderr(),
            "skipping: set PULLCHECK_GO_ORACLE (see scripts/build-go-oracle.sh)"
        );
        return;
    };
    let inputs = corpus();
    assert!(
        inputs.len() >= 5000,
        "corpus has only {} references",
        inputs.len()
    );
    let verdicts = run_oracle(&oracle, &inputs);

    let mut mismatches = Vec::new();
    let mut allowed: BTreeMap<&str, usize> = BTreeMap::new();
    let mut ipv6_rechecks = Vec::new();
    let mut accepted = 0;
    for (input, go) in inputs.iter().zip(&verdicts) {
        let ours = parse_reference(input);
        if let Some(reason) = version_difference(&ours, go) {
            *allowed.entry(reason).or_default() += 1;
            if let Ok(r) = &ours {
                ipv6_rechecks.extend(ipv6_stand_in(input, r));
            }
            continue;
        }
        let agrees = match (&ours, go) {
            (Ok(r), GoVerdict::Ok { string, familiar }) => {
                accepted += 1;
                r.normalized(input) == *string && r.familiar(input) == *familiar
            }
            (Err(_), GoVerdict::Err(_)) => true,
            _ => false,
        };
        if !agrees {
            let ours = match &ours {
                Ok(r) => format!("OK {} | {}", r.normalized(input), r.familiar(input)),
                Err(e) => format!("ERR {:?} at {:?}: {}", e.kind, e.span, e.message()),
            };
            mismatches.push(format!("{input:?}\n    ours: {ours}\n    go:   {go:?}"));
        }
    }
    eprintln!(
        "differential: {} references, {} accepted by both, {} rejected by both, {} mismatches",
        inputs.len(),
        accepted,
        inputs.len() - accepted - mismatches.len() - allowed.values().sum::<usize>(),
        mismatches.len()
    );
    for (reason, count) in &allowed {
        eprintln!("  allowed library-version difference ({count}): {reason}");
    }
    // The rest of an IPv6-hosted reference is still checked by Go, with a stand-in DNS host.
    let substituted: Vec<String> = ipv6_rechecks.iter().map(|(s, _)| s.clone()).collect();
    for ((input, expected), go) in ipv6_rechecks.iter().zip(run_oracle(&oracle, &substituted)) {
        let agrees = matches!(&go, GoVerdict::Ok { string, .. } if string == expected);
        if !agrees {
            mismatches.push(format!(
                "{input:?} (IPv6 stand-in)\n    ours: OK {expected}\n    go:   {go:?}"
            ));
        }
    }
    eprintln!(
        "  IPv6 references re-checked with a stand-in host: {}",
        ipv6_rechecks.len()
    );
    for m in mismatches.iter().take(20) {
        eprintln!("MISMATCH {m}");
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches with the Go oracle",
        mismatches.len()
    );
}

/// Runs without the oracle: over the whole corpus, nothing panics, every span is a char-boundary
/// range inside the input, `in_digest` matches the span's side of the '@', and every digest we
/// accept is one `oci_spec::image::Digest` accepts too.
#[test]
fn corpus_spans_are_sound_and_digests_agree_with_oci_spec() {
    let mut digests = 0;
    for input in corpus() {
        match parse_reference(&input) {
            Ok(r) => {
                for range in [
                    Some(r.path.clone()),
                    r.domain.clone(),
                    r.tag.clone(),
                    r.digest.clone(),
                ]
                .into_iter()
                .flatten()
                {
                    assert!(input.get(range.clone()).is_some(), "{input:?}: {range:?}");
                }
                if r.digest.is_some() {
                    digests += 1;
                    let oci = r.oci_digest(&input).expect("oci_spec accepts our digest");
                    assert_eq!(Some(oci.to_string().as_str()), r.digest(&input));
                }
            }
            Err(e) => {
                assert!(
                    input.get(e.span.clone()).is_some(),
                    "{input:?}: {:?}",
                    e.span
                );
                assert!(e.span.end <= input.len());
                // A zero-width span at the '@' marks the missing name before it.
                let after_at = input.find('@').is_some_and(|at| {
                    e.span.start > at || (e.span.start == at && !e.span.is_empty())
                });
                assert_eq!(e.in_digest, after_at, "{input:?}: {e:?}");
                assert!(!e.message().is_empty());
                let _ = e.help(&input);
            }
        }
    }
    assert!(digests > 100, "only {digests} digests accepted");
}
