//! `pullcheck pin` against the real registry of the `--online` tests (distribution 2.8 on
//! 127.0.0.1, images pushed with skopeo) and the real helm and kubectl: tags, an OCI index, a
//! Docker manifest list, a tag that moved, a private repository with a pull secret, a chart's
//! `image.digest`, a Kustomize `images:` entry, refusals — and the bytes written, exactly.

use crate::common;
use crate::registry_support::{Auth, MULTI_PLATFORMS, Registry};
use std::path::{Path, PathBuf};
use std::process::Command;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pullcheck-pin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read")
}

/// `pullcheck pin ARGS` with no Docker config and no cache: (exit code, stdout, stderr).
fn pin(args: &[&str]) -> (i32, String, String) {
    let empty = std::env::temp_dir().join(format!("pullcheck-pin-docker-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("mkdir");
    pin_with(&empty, args)
}

/// `pullcheck pin ARGS` with the Docker config of `docker` and no cache.
fn pin_with(docker: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pullcheck"));
    cmd.arg("pin").arg("--no-cache").args(args);
    if let Some(helm) = std::env::var_os("PULLCHECK_HELM") {
        cmd.arg("--helm").arg(helm);
    }
    if let Some(kubectl) = std::env::var_os("PULLCHECK_KUBECTL") {
        cmd.arg("--kustomize").arg(kubectl);
    }
    let out = cmd
        .env("DOCKER_CONFIG", docker)
        .env("HOME", docker)
        .env_remove("XDG_CACHE_HOME")
        .output()
        .expect("pullcheck runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn pod(name: &str, image: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n    - name: app\n      image: {image}\n"
    )
}

/// The offline findings of `rules` in a lint of `path`.
fn lint_rules(path: &Path, rules: &[&str]) -> Vec<String> {
    let opts = pullcheck::engine::LintOptions {
        paths: vec![path.to_path_buf()],
        jobs: 2,
        render: common::with_renderers(pullcheck::render::RenderSettings::default()),
        ..Default::default()
    };
    let report = pullcheck::engine::lint(&opts).expect("lint runs");
    report
        .findings
        .iter()
        .filter(|f| rules.contains(&f.rule))
        .map(|f| format!("{}: {}", f.rule, f.message))
        .collect()
}

#[test]
fn manifests_are_pinned_byte_exactly_to_the_index_or_list_digest() {
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    let single = registry.push_single("team/app", "1.4.2");
    let latest = registry.push_single("team/app", "latest");
    let index = registry.push_index("team/multi", "1.0", &MULTI_PLATFORMS);
    let list = registry.push_docker_list("team/list", "2.0", &MULTI_PLATFORMS);
    let d = dir("manifests");
    // A BOM, CRLF line ends, comments and each quoting style survive; only the reference grows.
    let crlf = format!(
        "\u{feff}# keep me\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: crlf\r\nspec:\r\n  containers:\r\n    - name: app\r\n      image: \"{host}/team/app:1.4.2\"   # the app\r\n    - name: side\r\n      image: '{host}/team/multi:1.0'\r\n      imagePullPolicy: IfNotPresent\r\n    - name: latest\r\n      image: {host}/team/app:latest\r\n      imagePullPolicy: IfNotPresent\r\n"
    );
    write(&d.join("crlf.yaml"), &crlf);
    let json = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"j\"}},\n \"spec\": {{\"containers\": [{{\"name\": \"a\", \"image\": \"{host}/team/list:2.0\"}}]}}}}\n"
    );
    write(&d.join("pod.json"), &json);
    let pinned_already = pod("pinned", &single.by_digest());
    write(&d.join("pinned.yaml"), &pinned_already);

    let (code, out, err) = pin(&[d.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{out}\n{err}");
    let expected_crlf = crlf
        .replace(
            "team/app:1.4.2\"",
            &format!("team/app:1.4.2@{}\"", single.digest),
        )
        .replace(
            "team/multi:1.0'",
            &format!("team/multi:1.0@{}'", index.digest),
        )
        .replace(
            "team/app:latest\r",
            &format!("team/app:latest@{}\r", latest.digest),
        );
    assert_eq!(read(&d.join("crlf.yaml")), expected_crlf);
    assert_eq!(
        read(&d.join("pod.json")),
        json.replace(
            "team/list:2.0\"",
            &format!("team/list:2.0@{}\"", list.digest)
        )
    );
    assert_eq!(read(&d.join("pinned.yaml")), pinned_already, "left alone");
    // The index's and the list's own digests, never a platform's.
    for pushed in [&index, &list] {
        assert!(!pushed.children.is_empty());
        for child in &pushed.children {
            assert!(!out.contains(&child.digest), "{out}");
        }
    }
    assert!(
        out.contains("5 images: 4 pinned, 1 up to date; 2 files written"),
        "{out}"
    );

    // The findings pinning answers are gone (the tag kept for people is a note).
    assert_eq!(
        lint_rules(&d, &["latest-tag", "missing-tag", "stale-if-not-present"]),
        Vec::<String>::new()
    );
    // A fixed point: a second run writes nothing, and --check passes.
    let (code, out, _) = pin(&[d.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("5 images: 5 up to date; 0 files written"),
        "{out}"
    );
    assert_eq!(read(&d.join("crlf.yaml")), expected_crlf);
    let (code, out, _) = pin(&["--check", d.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_moved_tag_fails_the_check_and_says_what_it_points_at_now() {
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    let before = registry.push_single("team/app", "1.0");
    let d = dir("drift");
    let file = d.join("pod.yaml");
    write(&file, &pod("web", &format!("{host}/team/app:1.0")));
    let path = d.to_str().expect("utf-8");

    let (code, out, _) = pin(&["--check", path]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "not pinned; `1.0` points at {} now",
            before.digest
        )),
        "{out}"
    );
    let (code, out, _) = pin(&[path]);
    assert_eq!(code, 0, "{out}");
    let pinned = read(&file);
    assert!(pinned.contains(&format!("team/app:1.0@{}\n", before.digest)));

    // The tag moves to an index: the pinned digest is no longer the tag's.
    let after = registry.push_index("team/app", "1.0", &MULTI_PLATFORMS);
    assert_ne!(before.digest, after.digest);
    let (code, out, _) = pin(&["--check", path]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "pinned to {}, but `1.0` points at {} now (the tag moved)",
            before.digest, after.digest
        )),
        "{out}"
    );
    let (code, out, _) = pin(&["--check", "--format", "json", path]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["images"][0]["status"], "drifted");
    assert_eq!(json["images"][0]["served"], after.digest.as_str());
    assert_eq!(json["images"][0]["pinned"], before.digest.as_str());
    assert_eq!(json["failed"], true);
    // Pinning leaves a pinned image alone (and says it drifted).
    let (code, out, _) = pin(&[path]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(read(&file), pinned);
}

#[test]
fn a_private_repository_is_pinned_with_the_pods_pull_secret_and_no_credential_is_printed() {
    let Some(registry) = Registry::start(Auth::basic("alice", "pin-s3cret-Passw0rd"), false) else {
        return;
    };
    let host = registry.host();
    let pushed = registry.push_single("private/app", "1.0");
    let d = dir("private");
    let auth = pullcheck::model::base64::encode(b"alice:pin-s3cret-Passw0rd");
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\ntype: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: '{{\"auths\": {{\"{host}\": {{\"auth\": \"{auth}\"}}}}}}'\n"
    );
    write(&d.join("secret.yaml"), &secret);
    let with = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: with\nspec:\n  imagePullSecrets:\n    - name: regcred\n  containers:\n    - name: app\n      image: {host}/private/app:1.0\n"
    );
    write(&d.join("with.yaml"), &with);
    let without = pod("without", &format!("{host}/private/app:1.0"));
    write(&d.join("without.yaml"), &without);
    let path = d.to_str().expect("utf-8");

    for format in ["human", "json"] {
        let (code, out, err) = pin(&["--diff", "--format", format, path]);
        assert_eq!(code, 1, "the pod without the secret is refused: {out}");
        for secret in ["pin-s3cret-Passw0rd", auth.as_str()] {
            assert!(!out.contains(secret) && !err.contains(secret), "{out}{err}");
        }
    }
    let (code, out, _) = pin(&[path]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the registry refused an anonymous pull (HTTP 401) and no pull secret of the pod matches it"), "{out}");
    assert_eq!(
        read(&d.join("with.yaml")),
        with.replace(":1.0\n", &format!(":1.0@{}\n", pushed.digest))
    );
    assert_eq!(read(&d.join("without.yaml")), without);
    assert_eq!(read(&d.join("secret.yaml")), secret);

    // Your own login resolves what the pod's credentials may not read (the lint says the pod
    // cannot pull it); never under --untrusted or --no-docker-config.
    let docker = d.join("docker");
    write(
        &docker.join("config.json"),
        &format!("{{\"auths\": {{\"{host}\": {{\"auth\": \"{auth}\"}}}}}}"),
    );
    for refused in ["--untrusted", "--no-docker-config"] {
        let (code, out, _) = pin_with(&docker, &[refused, path]);
        assert_eq!(code, 1, "{refused}: {out}");
        assert_eq!(read(&d.join("without.yaml")), without);
    }
    let (code, out, err) = pin_with(&docker, &["--format", "json", path]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("pin-s3cret-Passw0rd") && !out.contains(auth.as_str()));
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let by_docker: Vec<&serde_json::Value> = json["images"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["credentials"] == "docker config")
        .collect();
    assert_eq!(by_docker.len(), 1, "{out}");
    assert_eq!(
        read(&d.join("without.yaml")),
        without.replace(":1.0\n", &format!(":1.0@{}\n", pushed.digest))
    );
}

#[test]
fn no_tag_is_never_invented_and_diff_writes_nothing() {
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    let latest = registry.push_single("team/app", "latest");
    let d = dir("notag");
    let file = d.join("pod.yaml");
    let text = pod("web", &format!("{host}/team/app"));
    write(&file, &text);
    let path = d.to_str().expect("utf-8");

    let (code, out, _) = pin(&[path]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no tag, so not pinned"), "{out}");
    assert_eq!(read(&file), text);

    let (code, out, _) = pin(&["--pin-latest", "--diff", path]);
    assert_eq!(code, 1, "something to pin: {out}");
    let name = format!("{}", file.display());
    assert!(
        out.contains(&format!(
            "--- a/{name}\n+++ b/{name}\n@@ -5,4 +5,4 @@\n spec:\n   containers:\n     - name: app\n-      image: {host}/team/app\n+      image: {host}/team/app@{}\n",
            latest.digest
        )),
        "{out}"
    );
    assert_eq!(read(&file), text, "--diff writes nothing");
    let (code, _, _) = pin(&["--pin-latest", path]);
    assert_eq!(code, 0);
    assert_eq!(
        read(&file),
        text.replace("team/app\n", &format!("team/app@{}\n", latest.digest))
    );
}

/// A chart whose image block has (or not) Bitnami's `digest` key.
fn chart(dir: &Path, name: &str, values: &str, image_line: &str) {
    write(
        &dir.join("Chart.yaml"),
        &format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\nappVersion: \"9.9\"\n"),
    );
    write(&dir.join("values.yaml"), values);
    write(
        &dir.join("templates/deployment.yaml"),
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{{{ .Release.Name }}}}-{name}\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: {name}\n          image: {image_line}\n          imagePullPolicy: IfNotPresent\n"
        ),
    );
}

#[test]
fn charts_get_their_digest_key_or_a_refusal_naming_the_template_line() {
    if !common::renderers_available("pin charts") {
        return;
    }
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    let v1 = registry.push_single("team/app", "1.4.2");
    let v2 = registry.push_single("team/app", "2.0.0");
    let d = dir("charts");
    let web = d.join("web");
    let values = format!(
        "# Bitnami-style\nimage:\n  registry: {host}\n  repository: team/app\n  tag: \"1.4.2\"   # the version\n  digest: \"\"\n  pullPolicy: IfNotPresent\n"
    );
    chart(
        &web,
        "web",
        &values,
        "\"{{ .Values.image.registry }}/{{ .Values.image.repository }}:{{ .Values.image.tag }}{{ with .Values.image.digest }}@{{ . }}{{ end }}\"",
    );
    let prod = d.join("prod.yaml");
    let prod_text = "image:\n  tag: 2.0.0\n";
    write(&prod, prod_text);
    let web_path = web.to_str().expect("utf-8");
    let prod_path = prod.to_str().expect("utf-8");

    // The tag comes from prod.yaml: the digest goes beside it there, the chart is not touched.
    let (code, out, err) = pin(&[web_path, "--values", prod_path]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        read(&prod),
        format!("image:\n  tag: 2.0.0\n  digest: {}\n", v2.digest)
    );
    assert_eq!(read(&web.join("values.yaml")), values);
    let (code, out, _) = pin(&["--check", web_path, "--values", prod_path]);
    assert_eq!(code, 0, "rendered again by helm, pinned: {out}");
    // The chart alone: its own `digest: ""` is filled, quotes and comments kept.
    let (code, out, _) = pin(&[web_path]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(`image.digest`)"), "{out}");
    assert_eq!(
        read(&web.join("values.yaml")),
        values.replace("digest: \"\"", &format!("digest: \"{}\"", v1.digest))
    );
    let (code, out, _) = pin(&["--check", web_path]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        lint_rules(&web, &["latest-tag", "missing-tag", "stale-if-not-present"]),
        Vec::<String>::new()
    );

    // No digest key: refused, naming the template line to change.
    let plain = d.join("plain");
    let plain_values = format!("image:\n  repository: {host}/team/app\n  tag: \"1.4.2\"\n");
    chart(
        &plain,
        "plain",
        &plain_values,
        "\"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"",
    );
    let (code, out, _) = pin(&[plain.to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("the chart has no `image.digest` beside `image.tag`"),
        "{out}"
    );
    assert!(out.contains("templates/deployment.yaml:14"), "{out}");
    assert_eq!(read(&plain.join("values.yaml")), plain_values);

    // The whole reference in one values key: the reference itself is pinned.
    let whole = d.join("whole");
    let whole_values = format!("image: {host}/team/app:1.4.2  # pinned by pin\n");
    chart(
        &whole,
        "whole",
        &whole_values,
        "{{ .Values.image | quote }}",
    );
    let (code, out, _) = pin(&[whole.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        read(&whole.join("values.yaml")),
        whole_values.replace("1.4.2 ", &format!("1.4.2@{} ", v1.digest))
    );

    // Near misses: a digest key the chart does not print, a tag YAML reads as a number.
    let unread = d.join("unread");
    let unread_values = format!(
        "image:\n  repository: {host}/team/app\n  tag: \"1.4.2\"\n  digest: sha256:{}\n",
        "0".repeat(64)
    );
    chart(
        &unread,
        "unread",
        &unread_values,
        "\"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"",
    );
    let (code, out, _) = pin(&[unread.to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("so the chart does not read it"), "{out}");
    assert_eq!(read(&unread.join("values.yaml")), unread_values);
    let numeric = d.join("numeric");
    let numeric_values =
        format!("image:\n  repository: {host}/team/app\n  tag: 1.4\n  digest: \"\"\n");
    registry.push_single("team/app", "1.4");
    chart(
        &numeric,
        "numeric",
        &numeric_values,
        "\"{{ .Values.image.repository }}:{{ .Values.image.tag }}{{ with .Values.image.digest }}@{{ . }}{{ end }}\"",
    );
    let (code, out, _) = pin(&[numeric.to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("is the number 1.4"), "{out}");
    assert_eq!(read(&numeric.join("values.yaml")), numeric_values);

    // A chart that does not render hides its images: --check must not pass.
    let broken = d.join("broken");
    chart(
        &broken,
        "broken",
        "image: x\n",
        "{{ .Values.image | required }}",
    );
    let (code, out, _) = pin(&["--check", broken.to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("images not seen:") && out.contains("(render-failed)"),
        "{out}"
    );
}

#[test]
fn kustomize_gets_an_images_digest_or_its_resource_line() {
    if !common::renderers_available("pin kustomize") {
        return;
    }
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    let v1 = registry.push_single("team/app", "1.4.2");
    let multi = registry.push_index("team/multi", "1.0", &MULTI_PLATFORMS);
    let d = dir("kustomize");
    let deployment = |name: &str, image: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: {name}\n          image: {image}\n"
        )
    };
    let base = deployment("web", &format!("{host}/team/app:1.0"));
    write(&d.join("base/deployment.yaml"), &base);
    write(
        &d.join("base/kustomization.yaml"),
        "resources:\n  - deployment.yaml\n",
    );
    let overlay = format!(
        "resources:\n  - ../base\nimages:\n  - name: {host}/team/app\n    newTag: \"1.4.2\"  # prod\nnamePrefix: prod-\n"
    );
    write(&d.join("overlay/kustomization.yaml"), &overlay);
    let lone = deployment("lone", &format!("{host}/team/multi:1.0"));
    write(&d.join("lone/deployment.yaml"), &lone);
    write(
        &d.join("lone/kustomization.yaml"),
        "resources:\n  - deployment.yaml\n",
    );
    let path = d.to_str().expect("utf-8");

    let (code, out, err) = pin(&[path]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        read(&d.join("overlay/kustomization.yaml")),
        overlay.replace(
            "  # prod\n",
            &format!("  # prod\n    digest: {}\n", v1.digest)
        )
    );
    assert_eq!(
        read(&d.join("base/deployment.yaml")),
        base,
        "the base is not touched"
    );
    assert_eq!(
        read(&d.join("lone/deployment.yaml")),
        lone.replace("multi:1.0\n", &format!("multi:1.0@{}\n", multi.digest))
    );
    // Built again by kubectl: both pinned, and to their tags' digests now.
    let (code, out, _) = pin(&["--check", path]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 images: 2 up to date"), "{out}");
}

#[test]
fn aliases_escapes_stdin_and_flags_are_handled_not_guessed() {
    let Some(registry) = Registry::start(Auth::Anonymous, false) else {
        return;
    };
    let host = registry.host();
    let pushed = registry.push_single("team/app", "1.4.2");
    let d = dir("odd");
    // One anchored reference used by two containers: pinned once, at the anchor.
    let anchored = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n    - name: one\n      image: &img {host}/team/app:1.4.2\n    - name: two\n      image: *img\n"
    );
    write(&d.join("anchored.yaml"), &anchored);
    // A JSON escape in the reference: its bytes are not its text, so it is refused.
    let escaped = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"e\"}}, \"spec\": {{\"containers\": [{{\"name\": \"a\", \"image\": \"{}\"}}]}}}}\n",
        format!("{host}/team/app:1.4.2").replace('/', "\\/")
    );
    write(&d.join("escaped.json"), &escaped);
    let path = d.to_str().expect("utf-8");
    let (code, out, _) = pin(&[path]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("written with escapes"), "{out}");
    assert_eq!(
        read(&d.join("anchored.yaml")),
        anchored.replace(":1.4.2\n", &format!(":1.4.2@{}\n", pushed.digest))
    );
    assert_eq!(read(&d.join("escaped.json")), escaped);

    // Standard input cannot be written; --check and --diff together are a usage error; a path
    // that is not there is exit 2.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pullcheck"));
    let mut child = cmd
        .args(["pin", "--no-cache", "--no-docker-config", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write as _;
        stdin
            .write_all(pod("s", &format!("{host}/team/app:1.4.2")).as_bytes())
            .expect("stdin");
    }
    let out = child.wait_with_output().expect("pullcheck runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("standard input, which cannot be written"),
        "{stdout}"
    );
    assert_eq!(pin(&["--check", "--diff", path]).0, 2);
    assert_eq!(pin(&[d.join("nope").to_str().expect("utf-8")]).0, 2);
}
