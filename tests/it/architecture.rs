//! The layers of ARCHITECTURE.md, enforced: a top-level module of `src/` may name (`crate::x`)
//! only modules of lower layers. Nothing below `report` knows the engine or an emitter; nothing
//! below `rules` knows a rule.

use crate::common::repo;
use std::path::Path;

/// Bottom to top, as ARCHITECTURE.md lists them.
const LAYERS: &[&str] = &[
    "sanitize",
    "source",
    "syntax",
    "image",
    "model",
    "kubectl",
    "index",
    "finding",
    "rules",
    "render",
    "registry",
    "suppression",
    "report",
    "engine",
    "cluster",
    "emit",
    "fix",
    "pin",
    "config",
    "generate",
    "cli",
];

/// Every `crate::name` a file mentions outside comments.
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let before = rest[..at].chars().last();
            if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') && !name.is_empty() {
                out.push(name);
            }
            rest = after;
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn layer_of(top: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == top)
}

#[test]
fn every_import_goes_down_a_layer() {
    let src = repo().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src");
        let top = rel
            .components()
            .next()
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_string()
            })
            .unwrap_or_default();
        if top == "lib" || top == "main" {
            continue;
        }
        let Some(here) = layer_of(&top) else {
            panic!("src/{top} is in no layer: add it to LAYERS here and in ARCHITECTURE.md");
        };
        let text = std::fs::read_to_string(&file).expect("read");
        for name in crate_paths(&text) {
            match layer_of(&name) {
                Some(there) if there > here => {
                    upward.push(format!("{} -> crate::{name}", rel.display()))
                }
                _ => {}
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that run up a layer (ARCHITECTURE.md):\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_layer_check_sees_imports_and_ignores_comments() {
    let text = "use crate::finding::Finding;\n// crate::emit in a comment\nlet x = crate::rules::find(n); // crate::cli\nnot_crate::emit";
    assert_eq!(crate_paths(text), ["finding", "rules"]);
}
