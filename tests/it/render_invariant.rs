//! The tracing invariant (issue 23) over every real chart and Kustomize tree in
//! `fixtures/render/real`, at their defaults and with overrides that make each image rule fire:
//! every traced finding points at a line that holds the flagged value or the key that sets it,
//! and a finding that reaches only a file (line 1, nothing better) says the line is not
//! certain. With `PULLCHECK_HELM4` set, every chart is rendered by Helm 3 and by Helm 4 and the
//! findings (rule, file, line, column, label, message) must be the same.

use crate::common::{renderers_available, repo, with_renderers};
use pullcheck::engine::{LintOptions, Report, lint};
use pullcheck::render::RenderSettings;
use std::path::{Path, PathBuf};

const REAL: &str = "fixtures/render/real";

/// Values files a user would write to turn each image rule on, by what they change.
const HELM_OVERRIDES: &[(&str, &str)] = &[
    ("defaults", ""),
    (
        "latest",
        "image:\n  tag: latest\nmetrics:\n  enabled: true\n  image:\n    tag: latest\n",
    ),
    ("numeric", "image:\n  tag: 2.10\n"),
    ("policy", "image:\n  pullPolicy: Sometimes\n"),
    ("never", "image:\n  pullPolicy: Never\n"),
    ("digest", "image:\n  digest: sha256:abc\n"),
    (
        "mirror",
        "global:\n  imageRegistry: mirror.example.com\n  security:\n    allowInsecureImages: true\nimage:\n  registry: registry.example.com\n",
    ),
    (
        "secrets",
        "global:\n  imagePullSecrets: [regcred]\nimagePullSecrets:\n  - name: regcred\n",
    ),
];

/// A finding as the invariant and the Helm comparison see it.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    rule: &'static str,
    file: String,
    line: usize,
    column: usize,
    label: String,
    message: String,
}

fn lint_with(paths: &[PathBuf], values: &[PathBuf], helm: Option<&Path>) -> Report {
    std::env::set_current_dir(repo()).expect("repo root");
    // Only ghcr.io is allowed: every other registry is `registry-not-allowed`.
    let cfg = pullcheck::config::load(Some(Path::new("fixtures/render/registry/.pullcheck.yaml")))
        .expect("config");
    let mut render = with_renderers(RenderSettings::default());
    if let Some(h) = helm {
        render.helm = Some(h.to_path_buf());
    }
    render.values = values.to_vec();
    lint(&LintOptions {
        paths: paths.to_vec(),
        jobs: 2,
        settings: cfg.settings(),
        render,
        ..LintOptions::default()
    })
    .expect("lint runs")
}

fn seen(report: &Report) -> Vec<Seen> {
    report
        .findings
        .iter()
        .map(|f| {
            let file = report.sources.get(f.span.file).expect("file");
            let (line, column) = file.lines.line_col(file.raw_text(), f.span.start as usize);
            Seen {
                rule: f.rule,
                file: file.name.clone(),
                line,
                column,
                label: f.label.clone(),
                message: f.message.clone(),
            }
        })
        .collect()
}

/// What a line that sets the flagged value may hold: the rendered value or one of its parts
/// (`latest`, `registry.example.com`, `bitnami/memcached`), a number Helm printed as a float.
fn value_tokens(rendered: &str) -> Vec<String> {
    let mut out = vec![rendered.to_string()];
    let text = match rendered.split_once("%!s(float64=") {
        Some((a, b)) => format!("{a}{}", b.trim_end_matches(')')),
        None => rendered.to_string(),
    };
    out.extend(
        text.split(['/', ':', '@'])
            .filter(|p| p.len() >= 2)
            .map(str::to_string),
    );
    out
}

/// Keys that set a part of an image, a pull policy or secret, or name a container.
fn sets_an_image_part(line: &str) -> bool {
    let body = line.trim_start().trim_start_matches("- ");
    let Some((key, _)) = body.split_once(':') else {
        return false;
    };
    let key = key.to_ascii_lowercase();
    [
        "image",
        "tag",
        "registry",
        "repository",
        "digest",
        "policy",
        "secret",
        "name",
        "value",
    ]
    .iter()
    .any(|k| key.contains(k))
}

/// Checks the invariant on one report; returns (traced findings, not certain).
fn check(report: &Report, case: &str) -> (usize, usize) {
    let (mut traced, mut not_certain) = (0, 0);
    for f in &report.findings {
        let Some(r) = f.rendered.as_deref() else {
            continue;
        };
        if f.rule == "remote-resource" {
            continue;
        }
        traced += 1;
        let file = report.sources.get(f.span.file).expect("file");
        let text = file.raw_text();
        if f.span.range().is_empty() {
            assert!(
                f.label.contains("not certain"),
                "{case}: {} at {}:1 without saying why: {}",
                f.rule,
                file.name,
                f.message
            );
            eprintln!(
                "not certain: {case}: {} in {}: {}",
                f.rule, file.name, f.message
            );
            not_certain += 1;
            continue;
        }
        let start = text[..f.span.start as usize]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[start..end];
        let has_value = value_tokens(&r.text)
            .iter()
            .any(|t| line.contains(t.as_str()))
            || f.container.as_deref().is_some_and(|c| line.contains(c));
        assert!(
            has_value || sets_an_image_part(line),
            "{case}: {} points at {:?} in {}, which neither holds `{}` nor sets it",
            f.rule,
            line,
            file.name,
            r.text
        );
    }
    (traced, not_certain)
}

/// Image names written in a tree's YAML files (`image: name[:tag]`).
fn images_in(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            images_in(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            for line in text.lines() {
                let body = line.trim_start().trim_start_matches("- ");
                if let Some(v) = body.strip_prefix("image:") {
                    let v = v.trim().trim_matches('"');
                    let slash = v.rfind('/').map_or(0, |i| i + 1);
                    let name = match v[slash..].find(':') {
                        Some(i) => &v[..slash + i],
                        None => v,
                    };
                    if !name.is_empty() && !out.iter().any(|n| n == name) {
                        out.push(name.to_string());
                    }
                }
            }
        }
    }
}

/// Overlays over one real root (written under `target/`, inside the tree): `images:` entries
/// that set `latest`, a private registry, a malformed digest, and a JSON 6902 patch that sets
/// `imagePullPolicy: Never` on each Deployment's first container.
fn kustomize_overlays(root: &Path, scratch: &Path) -> Vec<PathBuf> {
    let mut names = Vec::new();
    images_in(root, &mut names);
    names.sort();
    let up = "../".repeat(scratch.components().count() + 1);
    let resource = format!("{up}{}", root.display());
    let entries = |field: &dyn Fn(&str) -> String| -> String {
        names
            .iter()
            .map(|n| format!("  - name: {n}\n    {}\n", field(n)))
            .collect()
    };
    let overlays = [
        ("latest", format!("images:\n{}", entries(&|_| "newTag: latest".into()))),
        (
            "registry",
            format!(
                "images:\n{}",
                entries(&|n| format!("newName: registry.example.com/{n}"))
            ),
        ),
        ("digest", format!("images:\n{}", entries(&|_| "digest: sha256:abc".into()))),
        (
            "never",
            "patches:\n  - target:\n      kind: Deployment\n    patch: |-\n      - op: add\n        path: /spec/template/spec/containers/0/imagePullPolicy\n        value: Never\n"
                .to_string(),
        ),
    ];
    overlays
        .iter()
        .map(|(name, body)| {
            let dir = scratch.join(name);
            std::fs::create_dir_all(&dir).expect("overlay dir");
            std::fs::write(
                dir.join("kustomization.yaml"),
                format!("resources:\n  - {resource}\n{body}"),
            )
            .expect("overlay");
            dir
        })
        .collect()
}

#[test]
fn every_finding_in_the_real_charts_and_trees_points_at_its_value_or_says_why_not() {
    if !renderers_available("render_invariant") {
        return;
    }
    let helm4 = std::env::var_os("PULLCHECK_HELM4").map(PathBuf::from);
    assert!(
        helm4.is_some() || std::env::var_os("PULLCHECK_REQUIRE_CLIENTS").is_none(),
        "PULLCHECK_HELM4 is not set but PULLCHECK_REQUIRE_CLIENTS is"
    );
    let scratch = repo().join("target").join("render-invariant");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch");
    let (mut traced, mut not_certain, mut runs) = (0, 0, 0);
    let mut rules: Vec<&'static str> = Vec::new();
    let charts = std::fs::read_dir(repo().join(REAL).join("helm")).expect("charts");
    let mut charts: Vec<PathBuf> = charts
        .flatten()
        .map(|e| PathBuf::from(REAL).join("helm").join(e.file_name()))
        .collect();
    charts.sort();
    for chart in &charts {
        for (name, values) in HELM_OVERRIDES {
            let file = scratch.join(format!("values-{name}.yaml"));
            std::fs::write(&file, values).expect("values");
            let values = if values.is_empty() {
                vec![]
            } else {
                vec![file]
            };
            let case = format!("{} ({name})", chart.display());
            let report = lint_with(std::slice::from_ref(chart), &values, None);
            let (t, n) = check(&report, &case);
            traced += t;
            not_certain += n;
            runs += 1;
            rules.extend(report.findings.iter().map(|f| f.rule));
            if let Some(h4) = &helm4 {
                let four = lint_with(std::slice::from_ref(chart), &values, Some(h4));
                assert_eq!(
                    seen(&report),
                    seen(&four),
                    "{case}: Helm 3 and Helm 4 differ"
                );
            }
        }
    }
    let roots = [
        "kustomize/multibases",
        "kustomize/springboot/overlays/production",
        "kustomize/springboot/overlays/staging",
        "kustomize/wordpress",
    ];
    for root in roots {
        let root = PathBuf::from(REAL).join(root);
        let report = lint_with(std::slice::from_ref(&root), &[], None);
        let (t, n) = check(&report, &root.display().to_string());
        traced += t;
        not_certain += n;
        runs += 1;
        let dir = PathBuf::from("target/render-invariant").join(root.file_name().expect("name"));
        for overlay in kustomize_overlays(&root, &dir) {
            let report = lint_with(std::slice::from_ref(&overlay), &[], None);
            let (t, n) = check(&report, &overlay.display().to_string());
            traced += t;
            not_certain += n;
            runs += 1;
            rules.extend(report.findings.iter().map(|f| f.rule));
        }
    }
    rules.sort();
    rules.dedup();
    eprintln!(
        "render_invariant: {runs} runs, {traced} traced findings, {not_certain} not certain; rules: {rules:?}"
    );
    // The overrides reach every image rule they aim at (a test that cannot fail otherwise).
    for rule in [
        "latest-tag",
        "stale-if-not-present",
        "numeric-tag",
        "invalid-pull-policy",
        "never-without-prepull",
        "malformed-digest",
        "private-registry-without-pull-secret",
        "registry-not-allowed",
        "missing-tag",
    ] {
        assert!(
            rules.contains(&rule),
            "no override made {rule} fire: {rules:?}"
        );
    }
    assert!(
        rules.iter().any(|r| r.starts_with("pull-secret-")),
        "no override made a pull-secret rule fire: {rules:?}"
    );
    assert!(traced > 50, "{traced}");
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Chart directories under `dir` (not the subcharts under a chart's `charts/`).
fn charts_under(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.join("Chart.yaml").is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !p.is_symlink())
        .collect();
    dirs.sort();
    for d in dirs {
        charts_under(&d, out);
    }
}

#[test]
fn every_chart_in_fixtures_gives_the_same_findings_with_helm_3_and_helm_4() {
    if !renderers_available("render_invariant::helm4") {
        return;
    }
    let Some(helm4) = std::env::var_os("PULLCHECK_HELM4").map(PathBuf::from) else {
        assert!(
            std::env::var_os("PULLCHECK_REQUIRE_CLIENTS").is_none(),
            "PULLCHECK_HELM4 is not set but PULLCHECK_REQUIRE_CLIENTS is"
        );
        eprintln!("skipping render_invariant::helm4: set PULLCHECK_HELM4");
        return;
    };
    std::env::set_current_dir(repo()).expect("repo root");
    let mut charts = Vec::new();
    charts_under(Path::new("fixtures"), &mut charts);
    // The real charts are compared with every override above; hostile inputs have their tests.
    charts.retain(|c| !c.starts_with(REAL) && !c.starts_with("fixtures/hostile"));
    assert!(charts.len() > 10, "{charts:?}");
    for chart in &charts {
        let three = seen(&lint_with(std::slice::from_ref(chart), &[], None));
        let four = seen(&lint_with(std::slice::from_ref(chart), &[], Some(&helm4)));
        // A schema's message is Helm's own words, which Helm 4's validator writes otherwise
        // (`at '/image/tag': got number, want string`); where it points must not differ.
        let place = |s: &Seen| (s.rule, s.file.clone(), s.line, s.column, s.label.clone());
        assert_eq!(
            three.iter().map(place).collect::<Vec<_>>(),
            four.iter().map(place).collect::<Vec<_>>(),
            "{}",
            chart.display()
        );
        for (a, b) in three.iter().zip(&four) {
            if !a.message.contains("schema") {
                assert_eq!(a.message, b.message, "{}", chart.display());
            }
        }
    }
}
