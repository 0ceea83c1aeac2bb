//! `.pullcheck.yaml`: valid configs apply; invalid ones are errors that point into the file.

use pullcheck::config::{self, Config};
use pullcheck::finding::Severity;

fn err(text: &str) -> (String, String, String) {
    let e = config::parse(".pullcheck.yaml", text).expect_err("must be rejected");
    let at = text.get(e.span.clone()).unwrap_or("").to_string();
    (e.message.clone(), at, e.help.clone().unwrap_or_default())
}

#[test]
fn a_full_config_parses() {
    let c = config::parse(
        "x",
        "rules:\n  missing-tag: off\n  latest-tag: error\nregistries:\n  public: [registry.example.com]\n  private: [ghcr.io/acme]\n  node-credentials: ['*.azurecr.io']\n  allowed: [ghcr.io/acme, docker.io]\nprepulled:\n  - nginx:1.25.3\nexclude: [vendor]\nnamespace: shop\n",
    )
    .unwrap();
    assert_eq!(c.severities.get("missing-tag"), Some(&None));
    assert_eq!(c.severities.get("latest-tag"), Some(&Some(Severity::Error)));
    assert_eq!(c.public, ["registry.example.com"]);
    assert_eq!(c.private, ["ghcr.io/acme"]);
    assert_eq!(c.node_credentials, ["*.azurecr.io"]);
    assert_eq!(c.allowed, ["ghcr.io/acme", "docker.io"]);
    assert_eq!(c.prepulled, ["nginx:1.25.3"]);
    assert_eq!(c.exclude, ["vendor"]);
    assert_eq!(c.namespace.as_deref(), Some("shop"));
    assert_eq!(c.settings().default_namespace, "shop");
}

#[test]
fn empty_and_comment_only_configs_are_the_defaults() {
    assert_eq!(config::parse("x", "").unwrap(), Config::default());
    assert_eq!(
        config::parse("x", "# nothing\n").unwrap(),
        Config::default()
    );
}

#[test]
fn unknown_keys_point_at_the_key_with_a_suggestion() {
    let (msg, at, help) = err("rules: {}\nregistires:\n  public: [a.io]\n");
    assert!(msg.contains("unknown key \"registires\""), "{msg}");
    assert_eq!(at, "registires");
    assert!(help.contains("did you mean `registries`"), "{help}");
    let (msg, at, help) = err("registries:\n  pubilc: [a.io]\n");
    assert!(msg.contains("under `registries`"), "{msg}");
    assert_eq!(at, "pubilc");
    assert!(help.contains("did you mean `public`"), "{help}");
}

#[test]
fn unknown_rules_and_bad_severities_point_into_the_file() {
    let (msg, at, help) = err("rules:\n  latest-tags: error\n");
    assert!(msg.contains("unknown rule"), "{msg}");
    assert_eq!(at, "latest-tags");
    assert!(help.contains("did you mean `latest-tag`"), "{help}");
    let (msg, at, _) = err("rules:\n  latest-tag: fatal\n");
    assert!(
        msg.contains("not one of error, warning, note, off"),
        "{msg}"
    );
    assert_eq!(at, "fatal");
}

#[test]
fn bad_values_point_at_the_value() {
    let (_, at, _) = err("prepulled: [\"nginx:1.25.3\", \"Not A Ref\"]\n");
    assert_eq!(at, "\"Not A Ref\"");
    let (_, at, _) = err("registries:\n  allowed: ghcr.io\n");
    assert_eq!(at, "ghcr.io");
    let (_, at, _) = err("registries:\n  public: ['https://']\n");
    assert_eq!(at, "'https://'");
    let (_, at, _) = err("namespace: Shop_1\n");
    assert_eq!(at, "Shop_1");
    let (_, at, _) = err("exclude: ['a[']\n");
    assert_eq!(at, "'a['");
    let (msg, _, _) = err("- a\n- b\n");
    assert!(msg.contains("mapping"), "{msg}");
    let (msg, _, _) = err("rules: [\n");
    assert!(msg.contains("not valid YAML"), "{msg}");
    let (msg, _, _) = err("rules: {}\n---\nrules: {}\n");
    assert!(msg.contains("single YAML document"), "{msg}");
}

#[test]
fn the_cli_reports_a_bad_config_with_its_span_and_exits_2() {
    let dir = std::env::temp_dir().join(format!("pullcheck-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("bad.yaml");
    std::fs::write(&cfg, "rules:\n  missing-tagg: off\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pullcheck"))
        .arg("--config")
        .arg(&cfg)
        .arg("rules")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown rule \"missing-tagg\""), "{stderr}");
    assert!(stderr.contains("bad.yaml:2:3"), "{stderr}");
    assert!(stderr.contains("did you mean `missing-tag`"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rules_shows_the_effective_severity() {
    let dir = std::env::temp_dir().join(format!("pullcheck-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(".pullcheck.yaml"),
        "rules:\n  missing-tag: off\n  latest-tag: error\n",
    )
    .unwrap();
    let sub = dir.join("deploy");
    std::fs::create_dir_all(&sub).unwrap();
    // Found by walking up from the current directory.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pullcheck"))
        .arg("rules")
        .current_dir(&sub)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("missing-tag").contains(" off "), "{stdout}");
    assert!(line("latest-tag").contains(" error "), "{stdout}");
    assert!(line("tag-and-digest").contains(" note "), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn render_and_charts_parse_with_set_values_typed_as_yaml_types_them() {
    let c = config::parse(
        "x",
        "render:\n  helm: tools/helm\n  kustomize: kubectl\n  release: web\n  timeout: 30\ncharts:\n  - path: charts/web\n    values: [charts/web/prod.yaml]\n    set:\n      image.tag: 2.10\n      image.repository: \"2.10\"\n    release: web-prod\n    namespace: shop\n",
    )
    .unwrap();
    assert_eq!(c.render.release, "web");
    assert_eq!(c.render.timeout.as_secs(), 30);
    let chart = &c.render.charts[0];
    assert_eq!(
        chart.values,
        [std::path::PathBuf::from("charts/web/prod.yaml")]
    );
    assert_eq!(chart.release.as_deref(), Some("web-prod"));
    let tag = &chart.set[0];
    assert!(tag.is_number);
    assert_eq!(tag.json, serde_json::json!(2.1));
    let repo = &chart.set[1];
    assert!(!repo.is_number);
    assert_eq!(repo.json, serde_json::json!("2.10"));
}

#[test]
fn bad_render_and_charts_entries_point_into_the_config() {
    let (m, at, help) = err("render:\n  helmm: x\n");
    assert!(m.contains("unknown key \"helmm\""), "{m}");
    assert_eq!(at, "helmm");
    assert!(help.contains("did you mean `helm`"), "{help}");
    let (m, _, _) = err("charts:\n  - values: [a.yaml]\n");
    assert!(m.contains("needs a `path`"), "{m}");
    let (m, at, _) = err("charts:\n  - path: c\n    release: Web_Prod\n");
    assert!(m.contains("not a valid Helm release name"), "{m}");
    assert_eq!(at, "Web_Prod");
    let (m, _, _) = err("render:\n  timeout: soon\n");
    assert!(m.contains("not a number of seconds"), "{m}");
    let (m, _, _) = err("charts:\n  - path: c\n    set: [a]\n");
    assert!(m.contains("must map value paths"), "{m}");
}

#[test]
fn config_paths_resolve_against_the_config_files_directory() {
    let mut c = config::parse(
        "x",
        "exclude: [vendor, 'generated/**']\nrender:\n  helm: tools/helm\n  kustomize: kubectl\ncharts:\n  - path: charts/web\n    values: [prod.yaml]\n",
    )
    .unwrap();
    let dir = std::path::Path::new("/repo/deploy");
    c.resolve_paths(dir, &dir.join(".pullcheck.yaml"));
    // A bare name still matches at any depth; a glob with a `/` is anchored at the config.
    assert_eq!(c.exclude, ["vendor", "/repo/deploy/generated/**"]);
    assert_eq!(
        c.render.helm.as_deref(),
        Some(std::path::Path::new("/repo/deploy/tools/helm"))
    );
    // A bare program name is looked up on PATH.
    assert_eq!(
        c.render.kustomize.as_deref(),
        Some(std::path::Path::new("kubectl"))
    );
    let chart = &c.render.charts[0];
    assert_eq!(chart.dir, std::path::Path::new("/repo/deploy/charts/web"));
    assert_eq!(
        chart.values,
        [std::path::PathBuf::from("/repo/deploy/prod.yaml")]
    );
    assert_eq!(
        chart.config_file.as_deref(),
        Some(std::path::Path::new("/repo/deploy/.pullcheck.yaml"))
    );
}

#[test]
fn an_untrusted_config_may_not_name_programs() {
    for key in ["helm", "kustomize"] {
        let text = format!("render:\n  release: web\n  {key}: ./tools/{key}\n");
        // Trusted (a developer's own tree): followed.
        assert!(config::parse(".pullcheck.yaml", &text).is_ok());
        let e = config::parse_as(".pullcheck.yaml", &text, config::Trust::Untrusted)
            .expect_err("an untrusted config names a program");
        assert!(
            e.message.contains(&format!("`render.{key}`")),
            "{}",
            e.message
        );
        assert!(e.message.contains("--untrusted"), "{}", e.message);
        // The key is pointed at, so the user sees which line to remove.
        assert_eq!(&text[e.span.clone()], key);
    }
    // Everything else stays allowed.
    let text = "render:\n  release: web\n  timeout: 30\n";
    assert!(config::parse_as(".pullcheck.yaml", text, config::Trust::Untrusted).is_ok());
}

#[test]
fn a_charts_path_that_names_no_chart_is_a_config_error() {
    let dir = crate::ci_support::temp_dir("config-no-chart");
    std::fs::create_dir_all(dir.join("charts/web")).expect("mkdir");
    std::fs::write(
        dir.join("charts/web/Chart.yaml"),
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    )
    .expect("write");
    let cfg = dir.join(".pullcheck.yaml");
    std::fs::write(&cfg, "charts:\n  - path: charts/web\n").expect("write");
    assert!(config::load(Some(&cfg)).is_ok());
    let text = "charts:\n  - path: charts/web\n  - path: chrts/api\n";
    std::fs::write(&cfg, text).expect("write");
    let e = config::load(Some(&cfg)).expect_err("a path with no chart");
    assert!(e.message.contains("is not a chart"), "{}", e.message);
    assert_eq!(&text[e.span.clone()], "chrts/api");
}

#[test]
fn the_registry_checks_settings_and_what_an_untrusted_config_may_not_set() {
    let text = "registries:\n  mirrors:\n    docker.io: mirror.example.com:5000\n  insecure: [registry.lab:5000]\n  ca-files: [certs/ca.pem]\nplatforms: [linux/amd64, linux/arm64/v8]\n";
    let c = config::parse(".pullcheck.yaml", text).expect("valid");
    assert_eq!(
        c.online.mirrors,
        [(
            "docker.io".to_string(),
            "mirror.example.com:5000".to_string()
        )]
    );
    assert_eq!(c.online.insecure, ["registry.lab:5000"]);
    assert_eq!(c.online.platforms, ["linux/amd64", "linux/arm64/v8"]);
    // Where credentials may travel in the clear, or whose certificates to trust: not up to a
    // pull request.
    for key in ["insecure", "ca-files"] {
        let e = config::parse_as(".pullcheck.yaml", text, config::Trust::Untrusted)
            .err()
            .filter(|e| e.message.contains(&format!("`registries.{key}`")));
        let only = text
            .lines()
            .filter(|l| {
                !l.contains(if key == "insecure" {
                    "ca-files"
                } else {
                    "insecure"
                })
            })
            .collect::<Vec<_>>()
            .join("\n");
        let e = e
            .or_else(|| config::parse_as(".pullcheck.yaml", &only, config::Trust::Untrusted).err());
        let e = e.expect("refused when untrusted");
        assert!(e.message.contains("--untrusted"), "{}", e.message);
    }
    // The cache's tag lifetime: seconds, 300 by default, at most a day.
    assert_eq!(c.online.tag_lifetime, std::time::Duration::from_secs(300));
    for (text, secs) in [
        ("online:\n  tag-lifetime: 60\n", 60),
        ("online: {tag-lifetime: 0}\n", 0),
        ("online: {tag-lifetime: 90s}\n", 90),
    ] {
        let c = config::parse_as(".pullcheck.yaml", text, config::Trust::Untrusted).expect(text);
        assert_eq!(c.online.tag_lifetime, std::time::Duration::from_secs(secs));
    }
    for bad in [
        "online: {tag-lifetime: -1}\n",
        "online: {tag-lifetime: soon}\n",
        "online: {tag-lifetime: 86401}\n",
        "online: {tag-lifetime: [1]}\n",
        "online: [tag-lifetime]\n",
        "online: {lifetime: 60}\n",
    ] {
        let e = config::parse(".pullcheck.yaml", bad).expect_err(bad);
        assert!(e.message.contains("online"), "{bad}: {}", e.message);
    }
    // Mirrors get no credential: allowed.
    let mirrors_only = "registries:\n  mirrors:\n    docker.io: mirror.example.com:5000\n";
    assert!(config::parse_as(".pullcheck.yaml", mirrors_only, config::Trust::Untrusted).is_ok());
    for bad in [
        "platforms: [amd64]\n",
        "registries:\n  mirrors:\n    docker.io: https://mirror/x\n",
        "registries:\n  mirrors: [a]\n",
    ] {
        assert!(config::parse(".pullcheck.yaml", bad).is_err(), "{bad}");
    }
}
