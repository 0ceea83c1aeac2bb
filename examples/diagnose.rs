//! Prints the kubectl diagnoses of the files named on the command line (a development aid).

fn main() {
    for path in std::env::args().skip(1) {
        let text = match std::fs::read(&path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let kubectl = pullcheck::kubectl::looks_like_kubectl_output(&text);
        println!("== {path} (kubectl output: {kubectl})");
        for d in pullcheck::kubectl::diagnose(&text) {
            println!(
                "{} pod={:?} ns={:?} container={:?} init={} sandbox={} recovered={} image={:?} reason={:?} via {}",
                d.cause.rule,
                d.pod,
                d.namespace,
                d.container,
                d.init,
                d.sandbox,
                d.recovered,
                d.image,
                d.reason,
                d.source_kind.as_str()
            );
            let show = |r: &std::ops::Range<usize>| {
                text.get(r.clone()).unwrap_or("<bad span>").to_string()
            };
            println!("   evidence: {:?}", show(&d.evidence));
            println!("   text:     {:?}", d.evidence_text);
            if let Some(r) = &d.image_span {
                println!("   image at: {:?}", show(r));
            }
            if let Some(r) = &d.reason_span {
                println!("   reason at: {:?}", show(r));
            }
        }
    }
}
