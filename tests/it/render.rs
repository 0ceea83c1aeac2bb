//! Charts and Kustomize roots through the real renderers (issue 9): tracing to the source a user
//! edits, bases linted only through overlays, a path inside a chart linting the chart once.
//! Needs helm and kubectl (scripts/install-renderers.sh); skipped with a message without them,
//! failed under PULLCHECK_REQUIRE_CLIENTS=1.

use crate::common::{renderers_available, repo, with_renderers};
use pullcheck::engine::{LintOptions, Report, lint};
use pullcheck::render::RenderSettings;
use std::path::PathBuf;

fn run(paths: &[&str], values: &[&str]) -> Report {
    std::env::set_current_dir(repo()).expect("repo root");
    let mut render = with_renderers(RenderSettings::default());
    render.values = values.iter().map(PathBuf::from).collect();
    let opts = LintOptions {
        paths: paths.iter().map(PathBuf::from).collect(),
        jobs: 2,
        render,
        ..LintOptions::default()
    };
    lint(&opts).expect("lint runs")
}

/// Every finding as (rule, file, line).
fn every(report: &Report) -> Vec<(&'static str, String, usize)> {
    report
        .findings
        .iter()
        .map(|f| {
            let file = report.sources.get(f.span.file).expect("file");
            let (line, _) = file.lines.line_col(file.raw_text(), f.span.start as usize);
            (f.rule, file.name.clone(), line)
        })
        .collect()
}

fn at(report: &Report, rule: &str) -> Vec<(String, usize)> {
    report
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            let file = report.sources.get(f.span.file).expect("file");
            let (line, _) = file.lines.line_col(file.raw_text(), f.span.start as usize);
            (file.name.clone(), line)
        })
        .collect()
}

#[test]
fn an_overlay_images_entry_is_blamed_and_the_base_placeholder_is_not() {
    if !renderers_available("render::overlays") {
        return;
    }
    let report = run(&["fixtures/render/overlays"], &[]);
    assert_eq!(
        at(&report, "latest-tag"),
        [(
            "fixtures/render/overlays/prod/kustomization.yaml".to_string(),
            7
        )]
    );
    // `image: checkout` in the base is replaced by every overlay: no missing-tag.
    assert!(at(&report, "missing-tag").is_empty());
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "latest-tag")
        .expect("finding");
    let r = f.rendered.as_deref().expect("rendered");
    assert_eq!(
        (r.by, r.text.as_str()),
        ("kustomize", "ghcr.io/acme/checkout:latest")
    );
}

#[test]
fn the_last_values_file_that_sets_a_value_is_blamed() {
    if !renderers_available("render::values") {
        return;
    }
    let report = run(
        &["fixtures/numeric-tag/pass/chart-quoted"],
        &["fixtures/render/values-latest.yaml"],
    );
    assert_eq!(
        at(&report, "latest-tag"),
        [("fixtures/render/values-latest.yaml".to_string(), 2)]
    );
    let json = crate::common::json(&report);
    assert!(
        json.contains("\"template\": \"web/templates/deployment.yaml\""),
        "{json}"
    );
}

#[test]
fn a_numeric_tag_formatted_with_printf_is_blamed_on_its_values_line() {
    if !renderers_available("render::numeric printf") {
        return;
    }
    // prometheus-pushgateway builds its image with `printf "%s:%s"`: a tag written `2.10`
    // renders `%!s(float64=2.1)`, which must still lead back to the values line.
    let report = run(
        &["fixtures/render/real/helm/prometheus-pushgateway"],
        &["fixtures/render/values-numeric-printf.yaml"],
    );
    let here = [("fixtures/render/values-numeric-printf.yaml".to_string(), 4)];
    assert_eq!(at(&report, "numeric-tag"), here);
    // The number is why the reference is invalid: one root problem, not two.
    assert_eq!(at(&report, "invalid-reference"), []);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "numeric-tag")
        .expect("numeric-tag");
    assert!(
        f.message.contains("renders as `%!s(float64=2.1)`"),
        "{}",
        f.message
    );
}

#[test]
fn a_path_inside_a_chart_lints_the_chart_once() {
    if !renderers_available("render::inside") {
        return;
    }
    let chart = "fixtures/numeric-tag/fail/chart";
    let alone = run(&[chart], &[]);
    let inside = run(
        &[
            "fixtures/numeric-tag/fail/chart/values.yaml",
            "fixtures/numeric-tag/fail/chart/templates/deployment.yaml",
            chart,
        ],
        &[],
    );
    assert_eq!(at(&alone, "numeric-tag").len(), 1);
    assert_eq!(at(&inside, "numeric-tag"), at(&alone, "numeric-tag"));
    assert!(at(&inside, "templated-file").is_empty());
}

#[test]
fn a_missing_renderer_is_a_warning_per_chart_never_a_silent_pass() {
    std::env::set_current_dir(repo()).expect("repo root");
    let render = RenderSettings {
        helm: Some(PathBuf::from("target/no-such-helm")),
        ..RenderSettings::default()
    };
    let opts = LintOptions {
        paths: vec![PathBuf::from("fixtures/numeric-tag/fail/chart")],
        render,
        ..LintOptions::default()
    };
    let report = lint(&opts).expect("lint runs");
    assert_eq!(
        at(&report, "renderer-missing"),
        [("fixtures/numeric-tag/fail/chart/Chart.yaml".to_string(), 1)]
    );
}

#[test]
fn real_charts_and_trees_at_their_defaults_report_only_what_is_true() {
    if !renderers_available("render::real") {
        return;
    }
    let report = run(&["fixtures/render/real"], &[]);
    // Checked by hand against `kubectl kustomize` / `helm template` output: the springboot base
    // really has `image: jingfang/sbdemo` (no tag) in both overlays, and wordpress's patch adds
    // an init container `image: debian`. The Helm charts (pushgateway, memcached with Bitnami's
    // vendored `common`) and multibases pin every image.
    let found = every(&report);
    assert_eq!(
        found,
        [
            (
                "missing-tag",
                "fixtures/render/real/kustomize/springboot/base/deployment.yaml".to_string(),
                18
            ),
            (
                "missing-tag",
                "fixtures/render/real/kustomize/wordpress/patch.yaml".to_string(),
                10
            ),
        ],
        "{}",
        crate::common::human(&report)
    );
    let shared = report.findings.first().and_then(|f| f.rendered.as_deref());
    assert_eq!(
        shared.map(|r| r.also.clone()),
        Some(vec![
            "fixtures/render/real/kustomize/springboot/overlays/staging".to_string()
        ])
    );
    // Every chart and root was rendered, once: 2 charts, springboot's 2 overlays, wordpress and
    // multibases (whose dev/staging/production and base are consumed, not built alone).
    assert_eq!(report.summary.files, 6, "{}", crate::common::human(&report));
}

#[test]
fn a_component_is_applied_by_its_root_and_never_built_alone() {
    if !renderers_available("render::component") {
        return;
    }
    let report = run(&["fixtures/render/with-component"], &[]);
    assert_eq!(
        at(&report, "latest-tag"),
        [(
            "fixtures/render/with-component/comp/kustomization.yaml".to_string(),
            5
        )]
    );
    assert_eq!(report.summary.files, 1);
}

#[test]
fn a_default_the_template_computes_is_not_blamed_on_the_values_file() {
    if !renderers_available("render::computed") {
        return;
    }
    // `tag: ""` falls back to `appVersion: latest` in the template: the template line is the
    // source, never the empty value.
    let report = run(&["fixtures/render/computed-default"], &[]);
    assert_eq!(
        at(&report, "latest-tag"),
        [(
            "fixtures/render/computed-default/templates/deployment.yaml".to_string(),
            14
        )]
    );
}

#[test]
fn a_subchart_renders_with_its_parent_and_values_trace_to_the_right_file() {
    if !renderers_available("render::umbrella") {
        return;
    }
    // Named directly, the subchart still renders only through its parent.
    let report = run(
        &[
            "fixtures/render/umbrella",
            "fixtures/render/umbrella/charts/api/values.yaml",
        ],
        &[],
    );
    assert_eq!(report.summary.files, 1);
    assert_eq!(
        at(&report, "latest-tag"),
        [("fixtures/render/umbrella/values.yaml".to_string(), 4)]
    );
    assert_eq!(
        at(&report, "invalid-pull-policy"),
        [(
            "fixtures/render/umbrella/charts/api/values.yaml".to_string(),
            4
        )]
    );
}

#[test]
fn a_library_chart_is_not_rendered_on_its_own() {
    if !renderers_available("render::library") {
        return;
    }
    // `helm template` refuses library charts ("library charts are not installable"): that is
    // not a finding, and its files are not linted raw either.
    let report = run(&["fixtures/render/library"], &[]);
    assert!(
        report.findings.is_empty(),
        "{}",
        crate::common::human(&report)
    );
}

#[test]
fn broken_charts_and_trees_are_findings_never_crashes_or_silent_passes() {
    if !renderers_available("render::hostile") {
        return;
    }
    // A Chart.yaml that is not YAML, a kustomization that is not YAML, and two kustomizations
    // that consume each other (no root outside the cycle: both are built, Kustomize says why).
    let report = run(&["fixtures/render/hostile"], &[]);
    let mut got = at(&report, "render-failed");
    got.sort();
    assert_eq!(
        got,
        [
            (
                "fixtures/render/hostile/bad-chart/Chart.yaml".to_string(),
                1
            ),
            (
                "fixtures/render/hostile/bad-kustomization/kustomization.yaml".to_string(),
                1
            ),
            (
                "fixtures/render/hostile/cycle/a/kustomization.yaml".to_string(),
                2
            ),
            (
                "fixtures/render/hostile/cycle/b/kustomization.yaml".to_string(),
                2
            ),
        ],
        "{}",
        crate::common::human(&report)
    );
    let cwd = std::env::current_dir().expect("cwd");
    for f in &report.findings {
        assert!(
            !f.message.contains(&*cwd.to_string_lossy()),
            "absolute path in {}",
            f.message
        );
    }
}

#[test]
fn an_aliased_subchart_template_is_found_and_ci_formats_point_at_sources() {
    if !renderers_available("render::alias") {
        return;
    }
    // An empty tag is not a values-file error (nothing to blame there): the template line is,
    // found under the subchart's directory although Helm names it by its alias.
    let report = run(
        &["fixtures/render/umbrella"],
        &["fixtures/render/values-empty-tag.yaml"],
    );
    assert_eq!(
        at(&report, "invalid-reference"),
        [(
            "fixtures/render/umbrella/charts/api/templates/deployment.yaml".to_string(),
            14
        )]
    );
    let mut sarif = Vec::new();
    pullcheck::emit::sarif::write(&report, &mut sarif).expect("sarif");
    let sarif: serde_json::Value = serde_json::from_slice(&sarif).expect("json");
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| {
            r["locations"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(r["relatedLocations"].as_array().into_iter().flatten())
        })
        .filter_map(|l| l["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(!uris.is_empty());
    for uri in uris {
        assert!(
            repo().join(uri).is_file(),
            "SARIF points at {uri}, not a file in the repository"
        );
    }
    let mut gitlab = Vec::new();
    pullcheck::emit::gitlab::write(&report, &mut gitlab).expect("gitlab");
    let gitlab: serde_json::Value = serde_json::from_slice(&gitlab).expect("json");
    for issue in gitlab.as_array().expect("issues") {
        let path = issue["location"]["path"].as_str().expect("path");
        assert!(repo().join(path).is_file(), "GitLab points at {path}");
    }
}

#[test]
fn credentials_in_values_files_and_rendered_secrets_are_never_printed() {
    if !renderers_available("render::secrets") {
        return;
    }
    // The finding sits on `tag: latest`, two lines below a password in the same values file;
    // the rendered Secret carries it too. Neither may reach any output format.
    let report = run(&["fixtures/render/secret-values"], &[]);
    assert_eq!(
        at(&report, "latest-tag"),
        [("fixtures/render/secret-values/values.yaml".to_string(), 5)]
    );
    for out in crate::common::every_format(&report) {
        assert!(!out.contains("s3cr3t-Hunter2-value"), "{out}");
    }
}

#[test]
fn a_config_exclude_glob_is_relative_to_the_config_file() {
    if !renderers_available("render::exclude") {
        return;
    }
    // As if `.pullcheck.yaml` in fixtures/render/overlays said `exclude: ['prod/**']`: the prod
    // overlay is not walked, so its `newTag: latest` is not seen, from any working directory.
    let mut cfg = pullcheck::config::parse("x", "exclude: ['prod/**']\n").expect("config");
    let dir = repo().join("fixtures/render/overlays");
    cfg.resolve_paths(&dir, &dir.join(".pullcheck.yaml"));
    std::env::set_current_dir(repo()).expect("repo root");
    let opts = LintOptions {
        paths: vec![PathBuf::from("fixtures/render/overlays")],
        exclude: cfg.exclude.clone(),
        render: with_renderers(RenderSettings::default()),
        ..LintOptions::default()
    };
    let report = lint(&opts).expect("lint runs");
    assert!(
        at(&report, "latest-tag").is_empty(),
        "{}",
        crate::common::human(&report)
    );
    assert_eq!(report.summary.files, 1);
}

/// docs/ci.md: every path of the JSON, GitLab and SARIF reports is relative to the working
/// directory, a config's values file beside it too (it was absolute, the one exception).
#[test]
fn a_config_values_file_beside_the_working_directory_is_named_relative_to_it() {
    if !renderers_available("render::relative_values") {
        return;
    }
    use crate::ci_support as support;
    let dir = support::temp_dir("render-relative-values");
    support::copy_tree(
        &repo().join("fixtures/numeric-tag/pass/chart-quoted"),
        &dir.join("deploy/web"),
    );
    std::fs::create_dir_all(dir.join("values")).expect("mkdir");
    std::fs::copy(
        repo().join("fixtures/render/values-latest.yaml"),
        dir.join("values/prod.yaml"),
    )
    .expect("copy");
    std::fs::write(
        dir.join(".pullcheck.yaml"),
        "charts:\n  - path: deploy/web\n    values: [values/prod.yaml]\n",
    )
    .expect("write config");
    let helm = std::env::var_os("PULLCHECK_HELM").expect("renderers_available");
    let (code, stdout, stderr) = support::run(
        std::process::Command::new(support::pullcheck_bin())
            .arg("--helm")
            .arg(helm)
            .args([
                "-o",
                "json=r.json",
                "-o",
                "gitlab=gl.json",
                "-o",
                "sarif=r.sarif",
            ])
            .arg("web")
            .current_dir(dir.join("deploy")),
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("deploy").join(name)).expect(name))
            .expect("JSON")
    };
    let json = read("r.json");
    let mut files: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    files.sort_unstable();
    files.dedup();
    assert_eq!(files, ["../values/prod.yaml", "web/values.yaml"]);
    let gitlab = read("gl.json");
    let mut paths: Vec<&str> = gitlab
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(|i| i["location"]["path"].as_str())
        .collect();
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(paths, files);
    let sarif = read("r.sarif");
    for result in sarif["runs"][0]["results"].as_array().expect("results") {
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        let uri = artifact["uri"].as_str().expect("uri");
        assert!(files.contains(&uri), "SARIF names {uri}");
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%", "{uri}");
        assert!(dir.join("deploy").join(uri).is_file(), "{uri}");
    }
}

#[test]
fn an_image_written_literally_in_a_template_is_blamed_on_its_line() {
    if !renderers_available("render::literal") {
        return;
    }
    // Issue 23, class 7: two `image:` lines in the template, the sidecar's a literal that no
    // values scalar prints: that line, not the template's line 1 "not certain".
    let report = run(&["fixtures/render/literal-image"], &[]);
    assert_eq!(
        at(&report, "latest-tag"),
        [(
            "fixtures/render/literal-image/templates/deployment.yaml".to_string(),
            17
        )],
        "{}",
        crate::common::human(&report)
    );
    let f = report.findings.first().expect("finding");
    assert!(!f.label.contains("not certain"), "{}", f.label);
}

#[test]
fn a_default_pull_policy_is_blamed_on_the_values_line_beside_its_image() {
    if !renderers_available("render::default_policy") {
        return;
    }
    // Issue 23, class 8: the chart's own values.yaml says `pullPolicy: IfNotPresent` twice; the
    // one beside the `latest` image is the one to edit, not the template's line 1.
    let report = run(&["fixtures/render/default-policy"], &[]);
    assert_eq!(
        at(&report, "stale-if-not-present"),
        [("fixtures/render/default-policy/values.yaml".to_string(), 6)],
        "{}",
        crate::common::human(&report)
    );
    // The same in a real chart (Bitnami's memcached: three `pullPolicy: IfNotPresent`), with
    // the user's `image.tag: latest` in another file.
    let report = run(
        &["fixtures/render/real/helm/bitnami-memcached"],
        &["fixtures/render/values-latest.yaml"],
    );
    assert_eq!(
        at(&report, "stale-if-not-present"),
        [(
            "fixtures/render/real/helm/bitnami-memcached/values.yaml".to_string(),
            94
        )],
        "{}",
        crate::common::human(&report)
    );
}

#[test]
fn a_container_with_no_image_in_a_kustomize_root_is_blamed_on_its_resource_file() {
    if !renderers_available("render::kustomize_missing_image") {
        return;
    }
    // Issue 23, class 6: no image line to trace; the container's name in the resource file
    // that writes it (the rendered object is `prod-web`), not `kustomization.yaml:1:1`.
    let report = run(&["fixtures/render/missing-image"], &[]);
    assert_eq!(
        at(&report, "missing-image"),
        [(
            "fixtures/render/missing-image/deployment.yaml".to_string(),
            15
        )],
        "{}",
        crate::common::human(&report)
    );
}

#[test]
fn a_patch_written_in_the_kustomization_is_blamed_not_the_base_line_it_replaced() {
    if !renderers_available("render::inline_patch") {
        return;
    }
    // Issue 23, class 1: a JSON 6902 operation's `value:` and a strategic-merge snippet's
    // `image:`, both inline under `patches:`. The snippet moves `agent` first in the rendered
    // object: the operation's index counts in the base as written.
    let report = run(&["fixtures/render/inline-patch"], &[]);
    let k = "fixtures/render/inline-patch/prod/kustomization.yaml".to_string();
    // `selected` patches by label: which objects that reached cannot be told from the rendered
    // one, so its kustomization is blamed, not certain — never the base line.
    let selected = "fixtures/render/inline-patch/selected/kustomization.yaml".to_string();
    assert_eq!(
        at(&report, "latest-tag"),
        [(k.clone(), 12), (selected.clone(), 1)],
        "{}",
        crate::common::human(&report)
    );
    assert_eq!(at(&report, "missing-tag"), [(k, 23)]);
    for f in &report.findings {
        let in_selected = f
            .rendered
            .as_deref()
            .is_some_and(|r| r.root.ends_with("/selected"));
        assert_eq!(f.label.contains("not certain"), in_selected, "{}", f.label);
    }
}

#[test]
fn an_images_entry_is_blamed_only_for_the_objects_its_kustomization_holds() {
    if !renderers_available("render::images_scope") {
        return;
    }
    // Issue 23, class 2: `a`'s `newTag: latest` made `a`'s Deployment `nginx:latest`; `b`'s
    // Deployment writes `nginx:latest` itself. Two findings, each at its own line (one was
    // blamed on `a`'s entry and merged away).
    let report = run(&["fixtures/render/images-scope"], &[]);
    let mut got = at(&report, "latest-tag");
    got.sort();
    assert_eq!(
        got,
        [
            (
                "fixtures/render/images-scope/a/kustomization.yaml".to_string(),
                5
            ),
            (
                "fixtures/render/images-scope/b/deployment.yaml".to_string(),
                14
            ),
        ],
        "{}",
        crate::common::human(&report)
    );
}

#[test]
fn a_remote_resource_in_a_shared_base_is_reported_once_naming_its_roots() {
    if !renderers_available("render::shared_remote") {
        return;
    }
    // Issue 23, class 11: one line, two overlays that build from it: one finding, both roots.
    let report = run(&["fixtures/render/shared-remote"], &[]);
    assert_eq!(
        at(&report, "remote-resource"),
        [(
            "fixtures/render/shared-remote/base/kustomization.yaml".to_string(),
            4
        )],
        "{}",
        crate::common::human(&report)
    );
    let f = report.findings.first().expect("finding");
    let r = f.rendered.as_deref().expect("roots");
    assert_eq!(r.root, "fixtures/render/shared-remote/prod");
    assert_eq!(r.also, ["fixtures/render/shared-remote/staging"]);
    assert!(
        f.message.ends_with(
            "(Kustomize roots `fixtures/render/shared-remote/prod`, \
             `fixtures/render/shared-remote/staging`)"
        ),
        "{}",
        f.message
    );
}

#[test]
fn a_registry_finding_is_blamed_where_the_registry_is_set() {
    if !renderers_available("render::registry") {
        return;
    }
    // Issue 23, class 3: the chart's `image.registry`, the overlay's `newName` — not the
    // template's line 1 or the base's image line — for both registry rules.
    let report = crate::common::run_case(std::path::Path::new("fixtures/render/registry"));
    let chart = ("fixtures/render/registry/chart/values.yaml".to_string(), 6);
    let overlay = (
        "fixtures/render/registry/kustomize/prod/kustomization.yaml".to_string(),
        7,
    );
    for rule in [
        "private-registry-without-pull-secret",
        "registry-not-allowed",
    ] {
        let mut got = at(&report, rule);
        got.sort();
        assert_eq!(
            got,
            [chart.clone(), overlay.clone()],
            "{rule}: {}",
            crate::common::human(&report)
        );
    }
    // `global.imageRegistry` wins when a user's file sets it, and is blamed.
    let report = run(
        &["fixtures/render/registry/chart"],
        &["fixtures/render/registry/values-mirror.yaml"],
    );
    assert_eq!(
        at(&report, "private-registry-without-pull-secret"),
        [("fixtures/render/registry/values-mirror.yaml".to_string(), 2)]
    );
    // The same in a real chart: Bitnami's memcached behind a mirror.
    let report = run(
        &["fixtures/render/real/helm/bitnami-memcached"],
        &["fixtures/render/values-mirror.yaml"],
    );
    assert_eq!(
        at(&report, "private-registry-without-pull-secret"),
        [("fixtures/render/values-mirror.yaml".to_string(), 3)],
        "{}",
        crate::common::human(&report)
    );
}

#[test]
fn one_values_line_behind_several_containers_is_one_finding_naming_them_all() {
    if !renderers_available("render::shared_value") {
        return;
    }
    // Issue 23, class 5: `image.tag: latest` is printed into three containers (two of them the
    // same image, which was merged away unnamed). One finding at the line, naming the others.
    let report = run(&["fixtures/render/shared-value"], &[]);
    assert_eq!(
        at(&report, "latest-tag"),
        [("fixtures/render/shared-value/values.yaml".to_string(), 4)],
        "{}",
        crate::common::human(&report)
    );
    let r = report.findings[0].rendered.as_deref().expect("rendered");
    let others: Vec<(&str, &str, Option<&str>, &str)> = r
        .also_objects
        .iter()
        .map(|o| {
            (
                o.object.kind.as_str(),
                o.object.name.as_str(),
                o.container.as_deref(),
                o.text.as_str(),
            )
        })
        .collect();
    let mut named = vec![(
        report.findings[0]
            .object
            .as_ref()
            .expect("object")
            .name
            .as_str(),
        report.findings[0].container.as_deref(),
    )];
    named.extend(others.iter().map(|o| (o.1, o.2)));
    named.sort();
    assert_eq!(
        named,
        [
            ("release-name-migrate", Some("migrate")),
            ("release-name-web", Some("web")),
            ("release-name-worker", Some("worker")),
        ]
    );
    let json = crate::common::json(&report);
    assert!(json.contains("\"also_objects\": ["), "{json}");
    assert!(
        report.findings[0].message.contains("release-name-migrate"),
        "{}",
        report.findings[0].message
    );
    // A real chart: a mirror for Bitnami's memcached with its exporter on; the user's one
    // `global.imageRegistry` line is behind both containers.
    let report = run(
        &["fixtures/render/real/helm/bitnami-memcached"],
        &[
            "fixtures/render/values-mirror.yaml",
            "fixtures/render/values-metrics.yaml",
        ],
    );
    assert_eq!(
        at(&report, "private-registry-without-pull-secret"),
        [("fixtures/render/values-mirror.yaml".to_string(), 3)],
        "{}",
        crate::common::human(&report)
    );
    let r = report.findings[0].rendered.as_deref().expect("rendered");
    assert_eq!(r.also_objects.len(), 1, "{:?}", r.also_objects);
}

#[test]
fn a_tie_between_values_keys_is_decided_by_rendering_with_a_sentinel() {
    if !renderers_available("render::ambiguous") {
        return;
    }
    // Issue 23, class 4: `latest` is written three times (the image's tag, an unrelated
    // `config.version`, a disabled subchart's tag). Text cannot tell them apart; one render
    // with a sentinel at each can: `image.tag`, certain.
    let report = run(&["fixtures/render/ambiguous"], &[]);
    assert_eq!(
        at(&report, "latest-tag"),
        [("fixtures/render/ambiguous/values.yaml".to_string(), 6)],
        "{}",
        crate::common::human(&report)
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.label.contains("not certain"))
    );
    assert_eq!(report.summary.sentinel_renders, 3);
    // A chart whose findings are all unambiguous renders once.
    let report = run(&["fixtures/render/shared-value"], &[]);
    assert_eq!(report.summary.sentinel_renders, 0);
    // A real chart: only ghcr.io is allowed, and Bitnami's memcached writes `registry:
    // docker.io` for each of its three images (two rendered, with the exporter on). Each
    // finding at its own image's key; the chart refuses images it does not ship, which the
    // sentinel renders tell it to allow.
    std::env::set_current_dir(repo()).expect("repo root");
    let cfg = pullcheck::config::load(Some(std::path::Path::new(
        "fixtures/render/registry/.pullcheck.yaml",
    )))
    .expect("config");
    let mut render = with_renderers(RenderSettings::default());
    render.values = vec![PathBuf::from("fixtures/render/values-metrics.yaml")];
    let report = lint(&LintOptions {
        paths: vec![PathBuf::from("fixtures/render/real/helm/bitnami-memcached")],
        jobs: 2,
        settings: cfg.settings(),
        render,
        ..LintOptions::default()
    })
    .expect("lint runs");
    let values = "fixtures/render/real/helm/bitnami-memcached/values.yaml".to_string();
    let mut got = at(&report, "registry-not-allowed");
    got.sort();
    assert_eq!(
        got,
        [(values.clone(), 87), (values, 691)],
        "{}",
        crate::common::human(&report)
    );
    assert_eq!(report.summary.sentinel_renders, 3);
}

#[test]
fn findings_in_a_kind_the_config_declares_are_traced_like_built_in_ones() {
    if !renderers_available("render::user_kind") {
        return;
    }
    // Issue 23: a `Runner` keeps containers at `spec.jobs[].container`. Helm: the values line;
    // Kustomize: the JSON 6902 operation's `value:` (its path followed in the resource as
    // written), and the untouched job at its own line.
    let report = crate::common::run_case(std::path::Path::new("fixtures/render/user-kind"));
    let mut got = every(&report);
    got.sort();
    let d = "fixtures/render/user-kind";
    assert_eq!(
        got,
        [
            ("latest-tag", format!("{d}/chart/values.yaml"), 4),
            (
                "latest-tag",
                format!("{d}/kustomize/kustomization.yaml"),
                11
            ),
            (
                "missing-tag",
                format!("{d}/chart/templates/runner.yaml"),
                13
            ),
            ("missing-tag", format!("{d}/kustomize/runner.yaml"), 12),
            ("stale-if-not-present", format!("{d}/chart/values.yaml"), 5),
        ],
        "{}",
        crate::common::human(&report)
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.label.contains("not certain"))
    );
}
