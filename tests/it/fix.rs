//! `--fix` and `--diff` (docs/fixes.md). Every fail fixture is fixed in a copy: the files after
//! `--fix` are snapshotted, the re-lint (charts and Kustomize roots rendered again with the
//! real helm and kubectl) no longer finds what was fixed, and a second `--fix` changes nothing.
//! Near misses keep their bytes. A property test runs `--fix` over every fixture and the shared
//! corpus: only the fixed spans change, the YAML still reads (by kubectl's own YAML library,
//! the Go oracle of `yaml_differential`) as the same objects apart from the fixed values, and
//! a second `--fix` changes nothing.

use crate::common::{
    self, case_options, cases_in, needs_renderer, renderers_available, repo, with_renderers,
};
use pullcheck::engine::{LintOptions, Report, lint};
use pullcheck::finding::{Applicability, Category};
use pullcheck::fix::{
    Edit, FixRun, FixSettings, MAX_PASSES, fix, fix_with, plan, write_atomically,
};
use pullcheck::rules::CATALOG;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

fn scratch(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "pullcheck-fix-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Copies a file or tree; links are copied as links, unlike `ci_support::copy_tree` (a
/// fixture's link that leaves its tree must still leave it).
fn copy_tree(from: &Path, to: &Path) {
    let meta = std::fs::symlink_metadata(from).expect("stat");
    if meta.file_type().is_symlink() {
        #[cfg(unix)]
        std::os::unix::fs::symlink(std::fs::read_link(from).expect("link"), to).expect("link");
    } else if meta.is_dir() {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read dir").flatten() {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).expect("copy");
    }
}

/// Every regular file under `dir`, by path relative to it.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::files_under(dir)
        .into_iter()
        .filter(|p| !p.is_symlink() && p.is_file())
        .map(|p| {
            let rel = p
                .strip_prefix(dir)
                .expect("under dir")
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(&p).expect("read"))
        })
        .collect()
}

/// A snapshot-safe view: a BOM and carriage returns made visible.
fn visible(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let (bom, rest) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("<BOM>", rest),
        None => ("", text.as_ref()),
    };
    format!("{bom}{}", rest.replace('\r', "<CR>"))
}

fn count(report: &Report, rule: &str, safe_fix: Option<bool>) -> usize {
    report
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .filter(|f| match safe_fix {
            None => true,
            Some(want) => {
                f.fix
                    .as_ref()
                    .is_some_and(|x| x.applicability == Applicability::Safe)
                    == want
            }
        })
        .count()
}

struct Fixed {
    dir: PathBuf,
    before: BTreeMap<String, Vec<u8>>,
    after: BTreeMap<String, Vec<u8>>,
    first: Report,
    run: FixRun,
}

/// `--fix` as the CLI runs it: the fixture's config read again for every pass.
fn fix_at(path: &Path, settings: FixSettings) -> FixRun {
    fix_with(|| lint(&case_options(path)), settings).expect("fix runs")
}

/// `--fix` on a copy of a fixture case (`fixtures/…`, relative to the repository).
fn fix_copy(case: &Path, settings: FixSettings) -> Fixed {
    let dir = scratch("case");
    let copy = dir.join(case.file_name().expect("case name"));
    copy_tree(&repo().join(case), &copy);
    let first = lint(&case_options(&copy)).expect("lint runs");
    let before = contents(&dir);
    let run = fix_at(&copy, settings);
    let after = contents(&dir);
    Fixed {
        dir,
        before,
        after,
        first,
        run,
    }
}

#[test]
fn fail_fixtures_are_fixed_to_a_fixed_point_and_snapshotted() {
    let mut fixed_cases = 0;
    for rule in CATALOG.iter().filter(|r| r.category != Category::Registry) {
        for case in cases_in(&Path::new("fixtures").join(rule.name).join("fail")) {
            if needs_renderer(&case) && !renderers_available(&case.display().to_string()) {
                continue;
            }
            let f = fix_copy(&case, FixSettings::default());
            let safe_before = count(&f.first, rule.name, Some(true));
            assert!(!f.run.unsettled, "{}: fixes never settled", case.display());
            assert!(
                f.run.problems.is_empty(),
                "{}: {:?}",
                case.display(),
                f.run.problems
            );
            // What was fixed is gone from the re-lint (charts and roots rendered again), and
            // every finding of the rule without a safe fix is still there.
            assert_eq!(
                count(&f.run.report, rule.name, None),
                count(&f.first, rule.name, None) - safe_before,
                "{}: after --fix:\n{}",
                case.display(),
                common::human(&f.run.report)
            );
            if f.before == f.after {
                assert_eq!(
                    safe_before,
                    0,
                    "{}: a safe fix was not written",
                    case.display()
                );
                let _ = std::fs::remove_dir_all(&f.dir);
                continue;
            }
            fixed_cases += 1;
            let mut shown = String::new();
            for (name, bytes) in &f.after {
                if f.before.get(name) != Some(bytes) {
                    shown.push_str(&format!("=== {name}\n{}\n", visible(bytes)));
                }
            }
            let case_name = case
                .file_name()
                .map(|n| n.to_string_lossy().replace('.', "_"))
                .unwrap_or_default();
            insta::assert_snapshot!(format!("{}__{case_name}", rule.name), shown);
            // A second --fix changes nothing.
            let copy = f.dir.join(case.file_name().expect("name"));
            let again = fix_at(&copy, FixSettings::default());
            assert_eq!(again.fixed, 0, "{}", case.display());
            assert_eq!(contents(&f.dir), f.after, "{}", case.display());
            let _ = std::fs::remove_dir_all(&f.dir);
        }
    }
    // The five rules with safe fixes, in manifests, values files, `set:` and `images:`.
    assert!(fixed_cases >= 12, "only {fixed_cases} fixtures were fixed");
}

fn fixed_text(f: &Fixed, name: &str) -> String {
    String::from_utf8(f.after.get(name).cloned().expect("file after --fix")).expect("utf-8")
}

#[test]
fn near_misses_keep_their_bytes() {
    let f = fix_copy(
        Path::new("fixtures/invalid-reference/fail/host-kept-crlf-bom.yaml"),
        FixSettings::default(),
    );
    let text = fixed_text(&f, "host-kept-crlf-bom.yaml");
    assert!(text.starts_with('\u{feff}'), "the BOM is kept");
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "CRLF kept"
    );
    assert!(
        text.contains("image: Nginx.Example.com/team/web:1.0\r\n"),
        "{text}"
    );
    assert!(
        text.contains("image: \"registry.example.com/web:1.0\"\r\n"),
        "{text}"
    );
    assert!(text.contains("image: ghcr.io/acme/web:1.0\r\n"), "{text}");
    // Inner whitespace: which side of it was meant is a guess.
    assert!(text.contains("image: \"nginx :1.25\"\r\n"), "{text}");

    let f = fix_copy(
        Path::new("fixtures/malformed-digest/fail/uppercase-near-miss.yaml"),
        FixSettings::default(),
    );
    let text = fixed_text(&f, "uppercase-near-miss.yaml");
    assert!(text.contains("@sha256:abcdef0123456789abcdef"), "{text}");
    assert!(
        text.contains("@sha256:ABCDEF0123\n"),
        "a digest too short is not guessed"
    );

    let f = fix_copy(
        Path::new("fixtures/invalid-pull-policy/fail/variants.yaml"),
        FixSettings::default(),
    );
    let text = fixed_text(&f, "variants.yaml");
    assert!(text.contains("imagePullPolicy: \"IfNotPresent\"   # keep this comment\n"));
    assert!(text.contains("imagePullPolicy: 'Never'\n"));
    assert!(
        text.contains("imagePullPolicy: IfNotPresnt\n"),
        "a typo is a suggestion"
    );
    assert!(
        text.contains("imagePullPolicy: sometimes\n"),
        "no valid reading"
    );
    assert!(
        text.contains("imagePullPolicy: &policy always\n"),
        "an anchor is shared"
    );

    // With --unsafe-fixes the suggestions are applied too; the unknown word still is not.
    let f = fix_copy(
        Path::new("fixtures/invalid-pull-policy/fail/variants.yaml"),
        FixSettings { unsafe_fixes: true },
    );
    let text = fixed_text(&f, "variants.yaml");
    assert!(text.contains("imagePullPolicy: IfNotPresent\n"), "{text}");
    assert!(text.contains("imagePullPolicy: &policy Always\n"), "{text}");
    assert!(text.contains("imagePullPolicy: sometimes\n"), "{text}");
    assert_eq!(count(&f.run.report, "invalid-pull-policy", None), 1);
}

/// A `--values` file overrides the chart's: the fix goes to the line that wins, written in
/// flow style, and the chart's own values.yaml is left alone.
#[test]
fn fixes_go_to_the_values_file_that_wins() {
    if !renderers_available("fixes_go_to_the_values_file_that_wins") {
        return;
    }
    let dir = scratch("override");
    let chart = dir.join("chart");
    copy_tree(
        &repo().join("fixtures/invalid-pull-policy/fail/chart-values"),
        &chart,
    );
    let prod = dir.join("prod.yaml");
    std::fs::write(&prod, "image: {tag: 2.10, pullPolicy: never}  # prod\n").expect("write");
    let mut opts = case_options(&chart);
    opts.render.values.push(prod.clone());
    let chart_values = std::fs::read(chart.join("values.yaml")).expect("read");
    let run = fix(&opts, FixSettings::default()).expect("fix runs");
    assert_eq!(
        std::fs::read_to_string(&prod).expect("read"),
        "image: {tag: \"2.10\", pullPolicy: Never}  # prod\n"
    );
    assert_eq!(
        std::fs::read(chart.join("values.yaml")).expect("read"),
        chart_values
    );
    assert_eq!(run.fixed, 2);
    // Rendered again by helm: neither finding is left.
    assert_eq!(count(&run.report, "numeric-tag", None), 0);
    assert_eq!(count(&run.report, "invalid-pull-policy", None), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

fn pullcheck(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pullcheck"))
        .args(args)
        .args(["--color", "never"])
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("run pullcheck");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn diff_writes_nothing_and_fix_writes_what_it_showed() {
    let dir = scratch("cli");
    let file = dir.join("pod.yaml");
    copy_tree(
        &repo().join("fixtures/invalid-reference/fail/uppercase.yaml"),
        &file,
    );
    let before = std::fs::read(&file).expect("read");
    let path = file.to_string_lossy().into_owned();
    let (code, diff) = pullcheck(&["--diff", &path]);
    assert_eq!(code, 1, "something to fix: {diff}");
    assert!(
        diff.contains("-      image: Nginx:1.0\n+      image: nginx:1.0\n"),
        "{diff}"
    );
    assert_eq!(
        std::fs::read(&file).expect("read"),
        before,
        "--diff writes nothing"
    );
    let (code, report) = pullcheck(&["--fix", &path]);
    assert_eq!(code, 0, "nothing left: {report}");
    assert!(report.contains("0 errors"), "{report}");
    assert!(
        std::fs::read_to_string(&file)
            .expect("read")
            .contains("image: nginx:1.0\n")
    );
    let (code, diff) = pullcheck(&["--diff", &path]);
    assert_eq!((code, diff.as_str()), (0, ""));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_report_says_what_is_fixable() {
    let (_, human) = pullcheck(&["fixtures/invalid-pull-policy/fail/variants.yaml"]);
    assert!(
        human.contains("fixable with --fix: write `IfNotPresent`"),
        "{human}"
    );
    assert!(
        human.contains("suggested fix (--fix --unsafe-fixes)"),
        "{human}"
    );
    assert!(
        human.contains("; 2 fixable with --fix (3 more with --unsafe-fixes)"),
        "{human}"
    );
}

/// Breaks a manifest in ways `--fix` mends: a pull policy in lowercase, the last component of a
/// plain image reference capitalised (`bitnami/nginx:1.2` → `bitnami/Nginx:1.2`).
fn break_like_people_do(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            let body = line.trim_end_matches(['\n', '\r']);
            let end = &line[body.len()..];
            let (indent, rest) = body.split_at(body.len() - body.trim_start().len());
            let (dash, rest) = match rest.strip_prefix("- ") {
                Some(r) => ("- ", r),
                None => ("", rest),
            };
            if let Some(p) = rest.strip_prefix("imagePullPolicy: ")
                && ["Always", "IfNotPresent", "Never"].contains(&p)
            {
                return format!("{indent}{dash}imagePullPolicy: {}{end}", p.to_lowercase());
            }
            let Some(image) = rest.strip_prefix("image: ") else {
                return line.to_string();
            };
            let plain = !image.is_empty()
                && image
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "./:_-@".contains(c));
            let last = image.rfind('/').map_or(0, |i| i + 1);
            match image[last..].chars().next() {
                Some(c) if plain && c.is_ascii_lowercase() && !image.contains('@') => format!(
                    "{indent}{dash}image: {}{}{}{end}",
                    &image[..last],
                    c.to_ascii_uppercase(),
                    &image[last + 1..]
                ),
                _ => line.to_string(),
            }
        })
        .collect()
}

/// `after` must be `before` with `edits` and nothing else: rebuilt here from `before`'s bytes
/// between the edits, not by the code under test.
fn rebuilt(before: &str, edits: &[Edit]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    for e in edits {
        assert!(
            e.range.start >= at,
            "edits overlap or are unsorted: {edits:?}"
        );
        out.extend_from_slice(&before.as_bytes()[at..e.range.start]);
        out.extend_from_slice(e.replacement.as_bytes());
        at = e.range.end;
    }
    out.extend_from_slice(&before.as_bytes()[at..]);
    out
}

/// Two readings of one file by kubectl's YAML library are the same objects apart from fixed
/// values: a string fixed into the string it was meant to be (case, blanks, scheme), a number
/// quoted as written, a suppression annotation removed.
fn same_objects_but_fixed(
    before: &serde_json::Value,
    after: &serde_json::Value,
    at: &str,
) -> Result<(), String> {
    use serde_json::Value as V;
    let norm = |s: &str| {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        let t = ["https://", "http://"]
            .iter()
            .find_map(|p| lower.strip_prefix(p))
            .unwrap_or(&lower);
        t.chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '_')))
            .collect::<String>()
    };
    match (before, after) {
        (V::Object(a), V::Object(b)) => {
            for (k, va) in a {
                let path = format!("{at}.{k}");
                match b.get(k) {
                    Some(vb) => same_objects_but_fixed(va, vb, &path)?,
                    None if k == "pullcheck.dev/ignore" => {}
                    None if k == "annotations"
                        && va.as_object().is_some_and(|m| {
                            m.len() == 1 && m.contains_key("pullcheck.dev/ignore")
                        }) => {}
                    None => return Err(format!("{path} removed")),
                }
            }
            match b.keys().find(|k| !a.contains_key(*k)) {
                Some(k) => Err(format!("{at}.{k} added")),
                None => Ok(()),
            }
        }
        (V::Array(a), V::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .try_for_each(|(i, (x, y))| same_objects_but_fixed(x, y, &format!("{at}[{i}]"))),
        (V::String(a), V::String(b)) if a == b || norm(a) == norm(b) => Ok(()),
        (V::String(_), V::String(_)) if at.ends_with("pullcheck.dev/ignore") => Ok(()),
        (V::Number(n), V::String(s)) if s.parse::<f64>().ok() == n.as_f64() => Ok(()),
        _ if before == after => Ok(()),
        _ => Err(format!("{at}: {before} became {after}")),
    }
}

fn oracle_objects(oracle: &std::ffi::OsStr, texts: &[&str]) -> Vec<Vec<String>> {
    crate::yaml_differential::oracle_lines(oracle, texts)
}

#[test]
fn fix_over_fixtures_and_corpus_changes_only_fixed_spans_and_settles() {
    if !renderers_available("fix_over_fixtures_and_corpus") {
        return;
    }
    let dir = scratch("property");
    copy_tree(&repo().join("fixtures"), &dir.join("fixtures"));
    let corpus = repo().join("../shared/corpus");
    let mut mutated: BTreeMap<PathBuf, (Vec<u8>, Vec<u8>)> = BTreeMap::new();
    if corpus.is_dir() {
        copy_tree(&corpus, &dir.join("corpus"));
        // Real-world files are clean: break them the way people do, so the fixes have work.
        for path in common::files_under(&dir.join("corpus")) {
            let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            let Some(text) = is_yaml
                .then(|| std::fs::read_to_string(&path).ok())
                .flatten()
            else {
                continue;
            };
            let broken = break_like_people_do(&text);
            if broken != text {
                std::fs::write(&path, &broken).expect("write");
                mutated.insert(path, (text.into_bytes(), broken.into_bytes()));
            }
        }
    } else {
        eprintln!("corpus skipped: {} is absent", corpus.display());
    }
    let opts = LintOptions {
        paths: vec![dir.clone()],
        jobs: 2,
        render: with_renderers(Default::default()),
        ..LintOptions::default()
    };
    let settings = FixSettings::default();
    let mut report = lint(&opts).expect("lint runs");
    let mut pairs: Vec<(String, String, String)> = Vec::new();
    let mut passes = 0;
    loop {
        let changes = plan(&report, settings);
        if changes.is_empty() {
            break;
        }
        passes += 1;
        assert!(passes <= MAX_PASSES, "fixes never settle");
        for c in changes {
            let path = c.path.clone().expect("a file on disk");
            write_atomically(&path, &c.before, &c.after).expect("write");
            let on_disk = std::fs::read(&path).expect("read");
            assert_eq!(
                on_disk,
                rebuilt(&c.before, &c.edits),
                "{}: bytes outside the fixes changed",
                c.name
            );
            pairs.push((c.name.clone(), c.before.clone(), c.after.clone()));
        }
        report = lint(&opts).expect("lint runs");
    }
    assert!(pairs.len() >= 15, "only {} files were fixed", pairs.len());
    // Each broken line of the corpus is restored byte for byte where pullcheck lints it
    // directly, and left as it was where it cannot tell (a chart's template, an anchor, an
    // `image:` key that is no container's, such as an RBD volume's): never anything else.
    let (mut broken_lines, mut restored) = (0, 0);
    for (path, (original, broken)) in &mutated {
        let now = std::fs::read(path).expect("read");
        let lines =
            |b: &[u8]| -> Vec<Vec<u8>> { b.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect() };
        let (now, original, broken) = (lines(&now), lines(original), lines(broken));
        assert_eq!(
            now.len(),
            original.len(),
            "{}: lines added or removed",
            path.display()
        );
        for ((n, o), b) in now.iter().zip(&original).zip(&broken) {
            assert!(
                n == o || n == b,
                "{}: --fix wrote {:?}",
                path.display(),
                String::from_utf8_lossy(n)
            );
            broken_lines += usize::from(o != b);
            restored += usize::from(o != b && n == o);
        }
    }
    if !mutated.is_empty() {
        eprintln!("corpus: {restored} of {broken_lines} broken lines restored");
        assert!(
            restored * 10 >= broken_lines * 9,
            "only {restored} of {broken_lines} restored"
        );
    }
    // Fixed point: another --fix writes nothing.
    let settled = contents(&dir);
    let again = fix(&opts, settings).expect("fix runs");
    assert_eq!(again.fixed, 0);
    assert_eq!(contents(&dir), settled);
    // kubectl reads the same objects, apart from the fixed values.
    let Some(oracle) = std::env::var_os("PULLCHECK_YAML_ORACLE") else {
        assert!(
            std::env::var_os("PULLCHECK_REQUIRE_CLIENTS").is_none(),
            "PULLCHECK_YAML_ORACLE is not set but PULLCHECK_REQUIRE_CLIENTS is"
        );
        eprintln!("object comparison skipped: set PULLCHECK_YAML_ORACLE");
        return;
    };
    let texts: Vec<&str> = pairs
        .iter()
        .flat_map(|(_, b, a)| [b.as_str(), a.as_str()])
        .collect();
    let answers = oracle_objects(&oracle, &texts);
    let mut compared = 0;
    for ((name, _, _), pair) in pairs.iter().zip(answers.chunks(2)) {
        let [before, after] = pair else { continue };
        assert_eq!(before.len(), after.len(), "{name}: documents differ");
        for (b, a) in before.iter().zip(after) {
            let parse = |line: &str| -> Option<serde_json::Value> {
                let json = line.strip_prefix("DOC\t")?;
                serde_json::from_str(&crate::yaml_differential::unquote(json)).ok()
            };
            match (parse(b), parse(a)) {
                (Some(vb), Some(va)) => {
                    compared += 1;
                    if let Err(e) = same_objects_but_fixed(&vb, &va, "") {
                        panic!("{name}: {e}");
                    }
                }
                _ => assert_eq!(b, a, "{name}"),
            }
        }
    }
    assert!(compared > 0);
    let _ = std::fs::remove_dir_all(&dir);
}
