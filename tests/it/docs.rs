//! The catalog, the rule docs and `pullcheck explain` agree: every rule has a doc with the
//! standard sections, no doc is orphaned, and each doc's example fires its rule while the fix
//! does not.

use crate::common;

use common::repo;
use pullcheck::config;
use pullcheck::engine::{LintOptions, Report, lint_memory};
use pullcheck::rules::CATALOG;

/// Lints a doc block; a first line `# .pullcheck.yaml: {…}` is the config to lint it with.
fn lint_block(name: &str, yaml: &str) -> Report {
    let cfg = yaml
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# .pullcheck.yaml:"))
        .map(|c| config::parse("doc", c.trim()).expect("doc config"))
        .unwrap_or_default();
    let opts = LintOptions {
        settings: cfg.settings(),
        severities: cfg.severities.clone(),
        ..LintOptions::default()
    };
    lint_memory(&[(name, yaml)], &opts).expect("lint runs")
}

pub(crate) const SECTIONS: &[&str] = &[
    "## What it does",
    "## Why the pull fails",
    "## Example",
    "## Fix",
    "## References",
];

/// The ```yaml blocks of one section.
fn yaml_blocks<'a>(doc: &'a str, section: &str) -> Vec<&'a str> {
    let Some(start) = doc.find(section) else {
        return Vec::new();
    };
    let body = &doc[start + section.len()..];
    let body = &body[..body.find("\n## ").unwrap_or(body.len())];
    body.split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect()
}

#[test]
fn every_rule_has_a_doc_with_the_standard_sections() {
    for rule in CATALOG {
        let path = repo().join("rules").join(format!("{}.md", rule.name));
        let on_disk = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("missing rules/{}.md", rule.name));
        assert_eq!(on_disk, rule.doc, "{} embeds a stale doc", rule.name);
        assert!(
            rule.doc.starts_with(&format!("# {}\n", rule.name)),
            "rules/{}.md must start with its name",
            rule.name
        );
        let severity_line = format!(
            "**Severity:** {} · **Category:** {}",
            rule.severity.as_str(),
            rule.category.as_str()
        );
        assert!(
            rule.doc.contains(&severity_line),
            "rules/{}.md must state `{severity_line}`",
            rule.name
        );
        for section in SECTIONS {
            assert!(
                rule.doc.contains(section),
                "rules/{}.md lacks {section}",
                rule.name
            );
        }
    }
}

#[test]
fn no_doc_without_a_rule() {
    for entry in std::fs::read_dir(repo().join("rules")).expect("rules/") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(rule) = name.strip_suffix(".md") {
            assert!(
                pullcheck::rules::find(rule).is_some(),
                "rules/{name} documents no rule"
            );
        }
    }
}

#[test]
fn doc_examples_fire_and_fixes_do_not() {
    for rule in CATALOG {
        for example in yaml_blocks(rule.doc, "## Example") {
            let report = lint_block("example.yaml", example);
            assert!(
                report.findings.iter().any(|f| f.rule == rule.name),
                "the example in rules/{}.md does not fire it",
                rule.name
            );
        }
        for fix in yaml_blocks(rule.doc, "## Fix") {
            let report = lint_block("fix.yaml", fix);
            assert!(
                !report.findings.iter().any(|f| f.rule == rule.name),
                "the fix in rules/{}.md still fires it",
                rule.name
            );
        }
    }
}

const RULES_BEGIN: &str = "<!-- rules:begin -->\n";
const RULES_END: &str = "<!-- rules:end -->\n";

/// The README's rule table is generated from the catalog. `UPDATE_README=1` rewrites it (then
/// review the diff like a snapshot's).
#[test]
fn readme_rule_table_is_generated_from_the_catalog() {
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (head, rest) = readme
        .split_once(RULES_BEGIN)
        .expect("README.md has a `<!-- rules:begin -->` line");
    let (table, tail) = rest
        .split_once(RULES_END)
        .expect("README.md has a `<!-- rules:end -->` line after the begin line");
    let fresh = pullcheck::rules::markdown_table();
    if table == fresh {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{head}{RULES_BEGIN}{fresh}{RULES_END}{tail}");
        std::fs::write(&path, updated).expect("write docs/kinds.md");
        return;
    }
    panic!(
        "README.md's rule table is stale: run `UPDATE_README=1 cargo test --test it readme` \
         and review the diff"
    );
}

#[test]
fn the_rule_table_lists_every_rule_once_with_its_doc() {
    let table = pullcheck::rules::markdown_table();
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert_eq!(rows.len(), CATALOG.len());
    for (row, rule) in rows.iter().zip(CATALOG) {
        let start = format!(
            "| [`{0}`](rules/{0}.md) | {1} | {2} | ",
            rule.name,
            rule.severity.as_str(),
            rule.category.as_str()
        );
        assert!(row.starts_with(&start), "{row}");
        assert!(repo().join(format!("rules/{}.md", rule.name)).is_file());
        // A `|` in a summary would add a column.
        assert_eq!(row.matches(" | ").count(), 3, "{row}");
    }
}

/// The list of known kinds in `docs/kinds.md` is generated from `rules/kinds.yaml`, never kept
/// by hand: `UPDATE_README=1 cargo test --test it kinds_list` rewrites it.
#[test]
fn kinds_list_in_the_docs_matches_the_table() {
    let path = repo().join("docs/kinds.md");
    let readme = std::fs::read_to_string(&path).expect("docs/kinds.md");
    let table = pullcheck::model::KindTable::builtin();
    let want = pullcheck::model::kinds::markdown(table.builtin_entries());
    let begin = readme
        .find("<!-- kinds:begin")
        .and_then(|i| readme[i..].find("-->\n").map(|j| i + j + 4))
        .expect("docs/kinds.md has a `<!-- kinds:begin … -->` marker");
    let end = readme
        .find("<!-- kinds:end -->")
        .expect("docs/kinds.md has a `<!-- kinds:end -->` marker");
    let have = &readme[begin..end];
    if have != want && std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{}{}", &readme[..begin], want, &readme[end..]);
        std::fs::write(&path, updated).expect("write docs/kinds.md");
        return;
    }
    assert_eq!(
        have, want,
        "docs/kinds.md's kinds list differs from rules/kinds.yaml; run UPDATE_README=1 cargo test --test it kinds_list"
    );
    for (group, kinds) in pullcheck::model::kinds::describe(table.builtin_entries()) {
        assert!(!kinds.is_empty(), "{group}");
    }
}

/// The user and developer docs: README, ARCHITECTURE, CONTRIBUTING and every page of docs/.
fn doc_pages() -> Vec<std::path::PathBuf> {
    let mut docs = vec![
        repo().join("README.md"),
        repo().join("ARCHITECTURE.md"),
        repo().join("CONTRIBUTING.md"),
    ];
    let mut pages: Vec<_> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    assert!(!pages.is_empty(), "docs/ has no page");
    docs.extend(pages);
    docs
}

/// Every relative link of the user and developer docs points at a file or folder that exists.
#[test]
fn relative_links_in_the_docs_resolve() {
    let mut broken = Vec::new();
    for doc in &doc_pages() {
        let text = std::fs::read_to_string(doc).expect("read doc");
        let dir = doc.parent().expect("doc has a folder");
        for target in text.split("](").skip(1).filter_map(|t| t.split(')').next()) {
            let path = target.split('#').next().unwrap_or_default();
            if path.is_empty() || path.contains("://") {
                continue;
            }
            if !dir.join(path).exists() {
                broken.push(format!("{}: {target}", doc.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// docs/json.md lists every value of a diagnosis' `source`, and each says what was read: the
/// real kubectl's output of every command (`fixtures/kubectl/rendered/`), by the file it wrote.
#[test]
fn json_source_values_are_documented_and_say_what_was_read() {
    let doc = std::fs::read_to_string(repo().join("docs/json.md")).expect("docs/json.md");
    for kind in pullcheck::kubectl::InputKind::ALL {
        let value = format!("`{}`", kind.as_str());
        assert!(doc.contains(&value), "docs/json.md does not list {value}");
    }
    let expected = |file: &str| match file {
        "describe-pod.txt" => "describe",
        f if f.starts_with("get-pods") => "get-pods",
        f if f.starts_with("get-pod.") => "pod-status",
        f if f.starts_with("get-events") && f.ends_with(".txt") => "get-events",
        f if f.starts_with("events") && f.ends_with(".txt") => "events",
        _ => "event-objects",
    };
    let mut seen = std::collections::BTreeSet::new();
    let rendered = repo().join("fixtures/kubectl/rendered");
    for case in common::files_under(&rendered) {
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == "expected.tsv" {
            continue;
        }
        let text = std::fs::read_to_string(&case).expect("read fixture");
        let report = common::lint_text(name, &text);
        let json: serde_json::Value = serde_json::from_str(&common::json(&report)).expect("json");
        for finding in json["findings"].as_array().expect("findings") {
            let Some(source) = finding["source"].as_str() else {
                continue;
            };
            assert_eq!(source, expected(name), "{}", case.display());
            seen.insert(source.to_string());
        }
    }
    assert_eq!(
        seen.len(),
        6,
        "every kubectl command's output was diagnosed: {seen:?}"
    );
}

/// The YAML examples of the configuration and kinds pages work as written: a config block parses
/// as `.pullcheck.yaml`, a manifest block lints without a syntax error or an unused
/// suppression, and one that shows suppressions leaves no finding unsuppressed.
#[test]
fn config_and_manifest_examples_in_the_docs_work_as_written() {
    let mut checked = 0;
    for page in ["docs/configuration.md", "docs/kinds.md"] {
        let text = std::fs::read_to_string(repo().join(page)).expect("doc page");
        for block in text
            .split("```yaml\n")
            .skip(1)
            .filter_map(|b| b.split("```").next())
        {
            checked += 1;
            if !block.starts_with("apiVersion:") {
                if let Err(e) = config::parse(page, block) {
                    panic!("a config example in {page} is refused: {e}\n{block}");
                }
                continue;
            }
            let report = lint_block("example.yaml", block);
            let rules = common::rules_fired(&report);
            assert!(
                !rules.contains(&"parse-error") && !rules.contains(&"unused-suppression"),
                "a manifest example in {page}: {}",
                common::human(&report)
            );
            if block.contains("pullcheck: ignore") || block.contains("pullcheck.dev/ignore") {
                assert!(
                    rules.is_empty(),
                    "the suppression example in {page} leaves {rules:?}"
                );
            }
        }
    }
    assert_eq!(checked, 4, "the pages' YAML examples were found");
}

/// The sample report in docs/kubectl-output.md is what the binary prints for the real
/// kubectl's `describe pod` of `fixtures/kubectl/rendered/containerd-not-found/`;
/// `UPDATE_README=1 cargo test --test it kubectl_output_sample` rewrites it.
#[test]
fn kubectl_output_sample_is_what_the_binary_prints() {
    const COMMAND: &str = "$ kubectl describe pod web-7d9c5b8f4-x2x9q -n shop | pullcheck -\n";
    let path = repo().join("docs/kubectl-output.md");
    let doc = std::fs::read_to_string(&path).expect("docs/kubectl-output.md");
    let start = doc.find(COMMAND).expect("the sample's command line") + COMMAND.len();
    let end = start + doc[start..].find("```\n").expect("the sample's end");
    let paste = repo().join("fixtures/kubectl/rendered/containerd-not-found/describe-pod.txt");
    let paste = std::fs::read_to_string(paste).expect("fixture");
    let report = common::lint_text("<stdin>", &paste);
    // Trailing blanks (kubectl's empty `Container ID:` cells) are not kept in Markdown.
    let fresh: String = common::human(&report)
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    if doc[start..end] != fresh && std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{fresh}{}", &doc[..start], &doc[end..]);
        std::fs::write(&path, updated).expect("write docs/kubectl-output.md");
        return;
    }
    assert_eq!(
        doc[start..end],
        fresh,
        "docs/kubectl-output.md's sample is stale: UPDATE_README=1 cargo test --test it kubectl_output_sample"
    );
}

/// Every repository path the docs name in backticks (`tests/it/completions.rs`,
/// `scripts/bench.sh`) exists: a moved file must take its mentions along.
#[test]
fn repository_paths_named_in_the_docs_exist() {
    let named = regex::Regex::new(
        r"`((?:src|tests|scripts|fixtures|docs|rules|examples|benches|fuzz|\.github|\.ci)/[^`\s*{}<>|]*)`",
    )
    .expect("regex");
    let mut missing = Vec::new();
    for doc in doc_pages() {
        let text = std::fs::read_to_string(&doc).expect("read doc");
        for c in named.captures_iter(&text) {
            let path = c[1].trim_end_matches(':');
            if !repo().join(path).exists() {
                missing.push(format!("{}: {path}", doc.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "named but absent:\n{}",
        missing.join("\n")
    );
}

/// What the docs tell a user to run must work today. No release is tagged yet, so: no `OWNER`
/// or `REF` placeholder to fill in (the repository is `Cargo.toml`'s, the ref `main` or a
/// commit), no version but `Cargo.toml`'s in a tag, a `pullcheck X.Y.Z` line or an archive name,
/// and crates.io, release binaries and checksums only "from the first release on" (drop that
/// last check once a release is tagged).
#[test]
fn the_docs_claim_nothing_a_user_cannot_follow_today() {
    let version = env!("CARGO_PKG_VERSION");
    let mut files = doc_pages();
    for extra in [
        "action.yml",
        ".pre-commit-hooks.yaml",
        "tests/ci/example-workflow.yml",
    ] {
        files.push(repo().join(extra));
    }
    files.extend(common::files_under(&repo().join("examples")));
    let placeholder = regex::Regex::new(r"\bOWNER\b|@REF\b|\bREF\b\s*#").expect("regex");
    let versioned = regex::Regex::new(r"(?:@v|--tag v|rev: v|\bpullcheck[ -]v?)(\d+\.\d+\.\d+)")
        .expect("regex");
    let unreleased = regex::Regex::new(
        r"cargo install (?:--locked )?pullcheck\b|\bSHA256SUMS\b|releases/download|static binar",
    )
    .expect("regex");
    let mut wrong = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        let name = file
            .strip_prefix(repo())
            .unwrap_or(file)
            .display()
            .to_string();
        for m in placeholder.find_iter(&text) {
            wrong.push(format!("{name}: placeholder {:?}", m.as_str()));
        }
        for c in versioned.captures_iter(&text) {
            if &c[1] != version {
                wrong.push(format!("{name}: {:?} (Cargo.toml: {version})", &c[0]));
            }
        }
        if name.ends_with(".md") && name != "docs/releasing.md" {
            for m in unreleased.find_iter(&text) {
                // The section that mentions it says when (its heading or text before it).
                let head = ["\n## ", "\n### "]
                    .iter()
                    .filter_map(|h| text[..m.start()].rfind(h))
                    .max()
                    .unwrap_or(0);
                let before = &text[head..m.start()];
                let line_end = text[m.end()..]
                    .find('\n')
                    .map_or(text.len(), |i| m.end() + i);
                if !before.contains("first release")
                    && !text[m.end()..line_end].contains("first release")
                {
                    wrong.push(format!(
                        "{name}: {:?} without \"from the first release on\"",
                        m.as_str()
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
