//! `scripts/new-rule` lays out the four places a rule lives: its line in the rule table (and
//! its `pub mod`), its module, its doc and its fixture folders. Run against a copy of the table
//! in a scratch root, so the repository is never touched.

use crate::common::repo;
use crate::docs::SECTIONS;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MARKER: &str = "// scripts/new-rule adds manifest rules above this line.";

fn scratch(name: &str) -> PathBuf {
    let root =
        std::env::temp_dir().join(format!("pullcheck-new-rule-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src/rules")).expect("mkdir");
    std::fs::copy(
        repo().join("src/rules/mod.rs"),
        root.join("src/rules/mod.rs"),
    )
    .expect("copy");
    root
}

fn new_rule(root: &Path, args: &[&str]) -> Output {
    Command::new("bash")
        .arg(repo().join("scripts/new-rule"))
        .args(args)
        .env("PULLCHECK_ROOT", root)
        .output()
        .expect("run scripts/new-rule")
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn mod_lines(table: &str) -> Vec<&str> {
    table
        .lines()
        .filter(|l| l.starts_with("pub mod "))
        .collect()
}

#[test]
fn a_container_rule_gets_its_table_line_module_doc_and_fixtures() {
    let root = scratch("container");
    let before = read(root.join("src/rules/mod.rs"));
    let out = new_rule(&root, &["digest-without-tag", "container", "warning"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let table = read(root.join("src/rules/mod.rs"));
    let line = "    rule(&digest_without_tag::META, &[Container(digest_without_tag::check)]),";
    assert!(
        table.contains(&format!("{line}\n    {MARKER}")),
        "table line before the marker"
    );
    let mods = mod_lines(&table);
    assert!(mods.contains(&"pub mod digest_without_tag;"));
    let mut sorted = mods.clone();
    sorted.sort_unstable();
    assert_eq!(mods, sorted, "`pub mod` lines stay sorted");
    assert_eq!(
        table.lines().count(),
        before.lines().count() + 2,
        "two lines added, nothing else"
    );

    let module = read(root.join("src/rules/digest_without_tag.rs"));
    for needle in [
        "name: \"digest-without-tag\"",
        "severity: Severity::Warning",
        "category: Category::Image",
        "include_str!(\"../../rules/digest-without-tag.md\")",
        "pub fn check(c: &ContainerCheck<'_>, out: &mut Vec<Finding>)",
    ] {
        assert!(module.contains(needle), "module lacks {needle}");
    }

    let doc = read(root.join("rules/digest-without-tag.md"));
    assert!(doc.starts_with("# digest-without-tag\n"));
    assert!(doc.contains("**Severity:** warning · **Category:** image"));
    for section in SECTIONS {
        assert!(doc.contains(section), "doc lacks {section}");
    }
    for side in ["fail", "pass"] {
        let dir = root.join("fixtures/digest-without-tag").join(side);
        let files = std::fs::read_dir(&dir).expect("fixture folder").count();
        assert_eq!(files, 1, "{}", dir.display());
    }
}

#[test]
fn a_cross_object_rule_sorting_last_is_added_after_the_last_module() {
    let root = scratch("cross");
    let out = new_rule(&root, &["zz-secret-check", "cross-object", "note"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = read(root.join("src/rules/mod.rs"));
    assert_eq!(mod_lines(&table).last(), Some(&"pub mod zz_secret_check;"));
    assert!(table.contains(&format!(
        "    rule(&zz_secret_check::META, &[CrossObject(zz_secret_check::check)]),\n    {MARKER}"
    )));
    let module = read(root.join("src/rules/zz_secret_check.rs"));
    assert!(module.contains("pub fn check(index: &Index<'_>, out: &mut Vec<Finding>)"));
    assert!(module.contains("category: Category::CrossObject"));
    assert!(
        read(root.join("rules/zz-secret-check.md"))
            .contains("**Severity:** note · **Category:** cross-object")
    );
}

#[test]
fn bad_names_kinds_and_existing_rules_change_nothing() {
    let root = scratch("refused");
    let table = read(root.join("src/rules/mod.rs"));
    std::fs::create_dir_all(root.join("rules")).expect("mkdir");
    std::fs::write(root.join("rules/latest-tag.md"), "# latest-tag\n").expect("write");
    for args in [
        &["Bad_Name", "container"][..],
        &["-x", "container"],
        &["ok-name", "pod"],
        &["ok-name", "container", "fatal"],
        &["ok-name"],
        &["latest-tag", "container"],
    ] {
        let out = new_rule(&root, args);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(!out.stderr.is_empty(), "{args:?} failed without saying why");
    }
    assert_eq!(read(root.join("src/rules/mod.rs")), table);
    assert!(!root.join("src/rules/ok_name.rs").exists());
    assert!(!root.join("fixtures").exists());
}
