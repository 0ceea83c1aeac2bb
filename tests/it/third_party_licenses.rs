//! `scripts/third-party-licenses.py`, which the release workflow runs to put the licences of
//! every crate linked into the binary into each archive (THIRD-PARTY-LICENSES.md).

use std::process::Command;

#[test]
fn lists_linked_crates_with_their_licence_texts_and_nothing_else() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = match Command::new("python3")
        .arg(format!("{root}/scripts/third-party-licenses.py"))
        .arg(root)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            let required = ["PULLCHECK_REQUIRE_CLIENTS", "CI"]
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
            assert!(!required, "python3 is needed: {e}");
            eprintln!("skipping: python3 is not installed ({e})");
            return;
        }
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    // Direct dependencies that end up in the binary…
    for name in ["clap", "miette", "serde_json", "regex", "oci-spec"] {
        assert!(listed.contains(&name), "{name} missing from {listed:?}");
    }
    // …and neither test-only crates nor compile-time-only proc macros.
    for name in [
        "insta",
        "serde_yaml",
        "serde_derive",
        "clap_derive",
        "thiserror-impl",
    ] {
        assert!(!listed.contains(&name), "{name} is not in the binary");
    }
    // Licence texts, not just names: the MIT permission notice and the Apache licence.
    assert!(text.contains("Permission is hereby granted, free of charge"));
    assert!(text.contains("Apache License"));
    assert!(text.contains("UNICODE LICENSE") || text.contains("Unicode License"));
    // The YAML parser folded into src/syntax/saphyr/ keeps its authors' licences.
    assert!(
        listed.contains(&"saphyr-parser")
            && text.contains("folded into src/syntax/saphyr")
            && text.contains("Chen Yuheng"),
        "the folded parser's licence is missing"
    );
}
