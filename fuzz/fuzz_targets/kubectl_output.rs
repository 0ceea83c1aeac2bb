//! Arbitrary text through the kubectl-output readers (`get pods`, `describe`, `get events`,
//! `logs`, pasted prompts): detection, scanning, merging, the diagnosis rules, and every
//! emitter. No panic, and every finding's span lies on char boundaries of the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pullcheck::emit;
use pullcheck::engine::{LintOptions, lint_memory};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = pullcheck::kubectl::looks_like_kubectl_output(text);
    for d in pullcheck::kubectl::diagnose(text) {
        let _ = d.help();
    }
    let opts = LintOptions {
        jobs: 1,
        ..LintOptions::default()
    };
    // Named like a saved paste, and explicit, as `pullcheck pods.txt` would read it.
    let Ok(report) = lint_memory(&[("pods.txt", text)], &opts) else {
        return;
    };
    for f in &report.findings {
        for span in std::iter::once(f.span).chain(f.secondary.iter().map(|l| l.span)) {
            assert!(
                text.get(span.range()).is_some(),
                "{}: span {:?} not on char boundaries",
                f.rule,
                span.range()
            );
        }
    }
    let mut out = Vec::new();
    let human = emit::human::HumanOptions {
        color: false,
        width: 80,
    };
    emit::human::write(&report, &human, &mut out).expect("human");
    emit::short::write(&report, &mut out).expect("short");
    emit::json::write(&report, &mut out).expect("json");
    emit::sarif::write(&report, &mut out).expect("sarif");
    emit::github::write(&report, &mut out).expect("github");
    emit::gitlab::write(&report, &mut out).expect("gitlab");
});
