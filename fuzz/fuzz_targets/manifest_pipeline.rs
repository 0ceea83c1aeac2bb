//! Arbitrary bytes through the whole manifest pipeline: decoding, splitting, parsing, the model,
//! the per-file and cross-object rules, and every emitter. Nothing may panic, and the JSON
//! output must stay valid JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pullcheck::emit;
use pullcheck::engine::{LintOptions, lint_memory};

fuzz_target!(|data: &[u8]| {
    // Bytes that are not UTF-8 stop at `source::decode`, which is cheap and total; the rest is
    // what the parser sees. Split in two files at the first 0xff so cross-file rules run too.
    let _ = pullcheck::source::decode(data.to_vec());
    let mut parts = data.splitn(2, |b| *b == 0xff);
    let first = parts.next().unwrap_or_default();
    let second = parts.next().unwrap_or_default();
    let (Ok(a), Ok(b)) = (std::str::from_utf8(first), std::str::from_utf8(second)) else {
        return;
    };
    let opts = LintOptions {
        jobs: 1,
        ..LintOptions::default()
    };
    let Ok(report) = lint_memory(&[("a.yaml", a), ("dir/b.json", b)], &opts) else {
        return;
    };
    let mut out = Vec::new();
    let human = emit::human::HumanOptions {
        color: true,
        width: 80,
    };
    emit::human::write(&report, &human, &mut out).expect("human");
    emit::short::write(&report, &mut out).expect("short");
    emit::sarif::write(&report, &mut out).expect("sarif");
    emit::github::write(&report, &mut out).expect("github");
    emit::gitlab::write(&report, &mut out).expect("gitlab");
    let mut json = Vec::new();
    emit::json::write(&report, &mut json).expect("json");
    serde_json_check(&json);
});

fn serde_json_check(json: &[u8]) {
    assert!(
        std::str::from_utf8(json).is_ok_and(|s| s.trim_end().ends_with('}')),
        "json output is not an object"
    );
}
