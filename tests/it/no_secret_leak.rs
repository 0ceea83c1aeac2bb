//! No credential byte reaches any output. Secrets are planted in every place they live — every
//! Secret type's `data` and `stringData`, a Secret's `last-applied-configuration` annotation, and
//! pasted kubectl output (`get secret -o yaml|json`, `--docker-password=…`, `Authorization:
//! Basic …`, `"auth": "…"`) — next to findings that point at, next to and far from them; then
//! every format the code knows (`Format::all()`, so a new emitter is covered the day it lands),
//! the GitHub job summary and the CLI's `--output` files are searched for each needle: each
//! password, each `auth` string, each 12-byte stretch of each encoded value.

use crate::common;

use common::Rng;
use pullcheck::emit::{self, Format, human::HumanOptions};
use pullcheck::engine::{LintOptions, Report, lint};
use std::path::{Path, PathBuf};

const USER: &str = "leakuser7";
const PASS: &str = "Sup3rS3cretPassw0rd";
const TOKEN: &str = "tok-9f8e7d6c5b4a";
const OPAQUE_PASS: &str = "OpaqueValue4711xyz";
const TLS_KEY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC";
const CLI_PASS: &str = "CliPassw0rd-551";
const HEADER_AUTH: &str = "aGVhZGVydXNlcjpoZWFkZXJwYXNz";
const PASTED_AUTH: &str = "cGFzdGVkdXNlcjpwYXN0ZWRwYXNz";
const URL_PASS: &str = "UrlPassw0rd88";

fn b64(bytes: &[u8]) -> String {
    pullcheck::model::base64::encode(bytes)
}

/// A needle and every 12-byte stretch of it (a partial leak is a leak).
fn needles_of(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string()];
    if secret.len() > 12 {
        out.extend(
            secret
                .as_bytes()
                .windows(12)
                .step_by(3)
                .filter_map(|w| std::str::from_utf8(w).ok().map(str::to_string)),
        );
    }
    out
}

fn secret_doc(name: &str, ty: &str, field: &str, key: &str, value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\ntype: {ty}\n{field}:\n  {key}: '{value}'\n"
    )
}

struct Case {
    dir: PathBuf,
    forbidden: Vec<String>,
}

impl Drop for Case {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pullcheck-leak-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixed_case() -> Case {
    let auth = b64(format!("{USER}:{PASS}").as_bytes());
    let json_cfg = format!(
        r#"{{"auths":{{"registry.example.com":{{"username":"{USER}","password":"{PASS}","auth":"{auth}","identitytoken":"{TOKEN}"}}}}}}"#
    );
    let cfg_legacy =
        format!(r#"{{"registry.example.com":{{"auth":"{auth}","email":"{USER}@example.com"}}}}"#);
    let broken =
        format!(r#"{{"auths":{{"registry.example.com":{{"auth":"{auth}","password":"{PASS}"}}"#);
    let no_colon = b64(format!("{USER}{PASS}").as_bytes());
    let bad_auth = format!(r#"{{"auths":{{"other.example.com":{{"auth":"{no_colon}"}}}}}}"#);
    let json_b64 = b64(json_cfg.as_bytes());
    let legacy_b64 = b64(cfg_legacy.as_bytes());
    let broken_b64 = b64(broken.as_bytes());
    let opaque_b64 = b64(OPAQUE_PASS.as_bytes());
    let tls_b64 = b64(TLS_KEY.as_bytes());
    let dcj = "kubernetes.io/dockerconfigjson";
    let last_applied = format!(
        r#"{{"apiVersion":"v1","data":{{".dockerconfigjson":"{json_b64}"}},"kind":"Secret","metadata":{{"name":"applied"}},"type":"{dcj}"}}"#
    );
    let docs = [
        secret_doc("json-data", dcj, "data", ".dockerconfigjson", &json_b64),
        secret_doc(
            "json-string",
            dcj,
            "stringData",
            ".dockerconfigjson",
            &json_cfg,
        ),
        secret_doc(
            "cfg-data",
            "kubernetes.io/dockercfg",
            "data",
            ".dockercfg",
            &legacy_b64,
        ),
        secret_doc(
            "cfg-string",
            "kubernetes.io/dockercfg",
            "stringData",
            ".dockercfg",
            &cfg_legacy,
        ),
        secret_doc("broken-data", dcj, "data", ".dockerconfigjson", &broken_b64),
        secret_doc(
            "broken-string",
            dcj,
            "stringData",
            ".dockerconfigjson",
            &broken,
        ),
        secret_doc(
            "bad-auth",
            dcj,
            "stringData",
            ".dockerconfigjson",
            &bad_auth,
        ),
        secret_doc("plain-not-b64", dcj, "data", ".dockerconfigjson", &json_cfg),
        secret_doc("opaque", "Opaque", "stringData", "password", PASS),
        secret_doc("opaque-data", "Opaque", "data", "db-password", &opaque_b64),
        secret_doc("tls", "kubernetes.io/tls", "data", "tls.key", &tls_b64),
        secret_doc(
            "basic",
            "kubernetes.io/basic-auth",
            "stringData",
            "password",
            OPAQUE_PASS,
        ),
        secret_doc("wrong-key", dcj, "data", "config.json", &json_b64),
        // The annotation repeats the data as JSON; the Secret itself lacks its key (a finding).
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: applied\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {last_applied}\ntype: {dcj}\n"
        ),
        // A pod right after a Secret's value: its finding's context lines show that value.
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: near}}\ntype: Opaque\ndata:\n  token: {opaque_b64}\n---\n{{apiVersion: v1, kind: Pod, metadata: {{name: near}}, spec: {{containers: [{{name: a, image: nginx}}]}}}}\n"
        ),
    ];
    let far_filler = "# filler\n".repeat(40);
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  imagePullSecrets:\n    - name: json-data\n    - name: cfg-string\n  containers:\n    - name: api\n      image: ghcr.example.com/shop/api:1.0.0\n---\n{far_filler}apiVersion: v1\nkind: Pod\nmetadata:\n  name: other\nspec:\n  imagePullSecrets:\n    - name: opaque\n    - name: broken-data\n    - name: missing\n    - name: applied\n  containers:\n    - name: api\n      image: registry.example.com/shop/api:latest\n"
    );
    // A Secret document that does not parse: its values are masked too.
    let unparsable = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: broken-yaml\ndata:\n  .dockerconfigjson: {json_b64}\n  password: {PASS}\n  bad: [\n"
    );
    // Pasted kubectl output: a failed pull whose message and neighbours carry credentials.
    let paste = format!(
        "$ kubectl create secret docker-registry regcred --docker-server=registry.example.com --docker-username=ci --docker-password={CLI_PASS}\n\
         $ kubectl get secret regcred -o yaml\n\
         apiVersion: v1\n\
         data:\n  .dockerconfigjson: {json_b64}\n\
         kind: Secret\n\
         metadata:\n  name: regcred\n\
         type: kubernetes.io/dockerconfigjson\n\
         $ kubectl get secret other -o json\n\
         {{\n    \"apiVersion\": \"v1\",\n    \"data\": {{\n        \"password\": \"{opaque_b64}\"\n    }},\n    \"kind\": \"Secret\"\n}}\n\
         $ cat ~/.docker/config.json\n\
         {{\"auths\": {{\"registry.example.com\": {{\"auth\": \"{PASTED_AUTH}\"}}}}}}\n\
         $ kubectl describe pod api-0\n\
         Name:         api-0\n\
         Namespace:    shop\n\
         Containers:\n  api:\n    Image:          registry.example.com/shop/api:1.0.0\n    State:          Waiting\n      Reason:       ErrImagePull\n\
         Events:\n\
         \x20 Type     Reason   Age  From     Message\n\
         \x20 ----     ------   ---  ----     -------\n\
         \x20 Warning  Failed   5s   kubelet  Failed to pull image \"registry.example.com/shop/api:1.0.0\": failed to pull and unpack image \"registry.example.com/shop/api:1.0.0\": failed to resolve reference \"registry.example.com/shop/api:1.0.0\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed (sent Authorization: Basic {HEADER_AUTH} to https://ci:{URL_PASS}@registry.example.com/v2/)\n\
         \x20 Warning  Failed   5s   kubelet  Error: ErrImagePull\n"
    );
    let dir = temp_dir("fixed");
    std::fs::write(dir.join("secrets.yaml"), docs.join("---\n")).unwrap();
    std::fs::write(dir.join("pods.yaml"), pod).unwrap();
    std::fs::write(dir.join("unparsable.yaml"), unparsable).unwrap();
    // Pasted output is read when named (a walk reads only manifests' extensions).
    std::fs::write(dir.join("paste.txt"), paste).unwrap();
    let mut forbidden = Vec::new();
    for secret in [
        USER,
        PASS,
        TOKEN,
        OPAQUE_PASS,
        TLS_KEY,
        CLI_PASS,
        HEADER_AUTH,
        PASTED_AUTH,
        URL_PASS,
    ] {
        forbidden.extend(needles_of(secret));
    }
    for encoded in [
        &auth,
        &no_colon,
        &json_b64,
        &legacy_b64,
        &broken_b64,
        &opaque_b64,
        &tls_b64,
    ] {
        forbidden.extend(needles_of(encoded));
    }
    Case { dir, forbidden }
}

/// Every byte every format writes for `report`, plus the GitHub job summary.
fn library_outputs(report: &Report) -> Vec<(String, Vec<u8>)> {
    let mut outputs = Vec::new();
    for format in Format::all() {
        let colors: &[bool] = if *format == Format::Human {
            &[false, true]
        } else {
            &[false]
        };
        for &color in colors {
            let mut out = Vec::new();
            emit::write(
                report,
                *format,
                &HumanOptions { color, width: 80 },
                &mut out,
            )
            .unwrap();
            outputs.push((format!("{} (color {color})", format.name()), out));
        }
    }
    let mut summary = Vec::new();
    emit::github::write_summary(report, &mut summary).unwrap();
    outputs.push(("github job summary".to_string(), summary));
    outputs
}

/// Every byte the binary writes: stdout, stderr, one `--output` file per format and the job
/// summary.
fn cli_outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let out_dir = temp_dir(&format!(
        "out-{}",
        dir.file_name().unwrap().to_string_lossy()
    ));
    let summary = out_dir.join("summary.md");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pullcheck"));
    cmd.arg(dir)
        .arg(dir.join("paste.txt"))
        .arg("--color")
        .arg("always");
    for format in Format::all() {
        cmd.arg("--output").arg(format!(
            "{}={}",
            format.name(),
            out_dir.join(format.name()).display()
        ));
    }
    let run = cmd.env("GITHUB_STEP_SUMMARY", &summary).output().unwrap();
    let mut outputs = vec![
        ("cli stdout".to_string(), run.stdout),
        ("cli stderr".to_string(), run.stderr),
    ];
    for entry in std::fs::read_dir(&out_dir).unwrap() {
        let path = entry.unwrap().path();
        outputs.push((
            format!("--output {}", path.display()),
            std::fs::read(&path).unwrap(),
        ));
    }
    assert!(
        outputs.len() == Format::all().len() + 3,
        "every --output file and the job summary were written: {:?}",
        outputs.iter().map(|o| &o.0).collect::<Vec<_>>()
    );
    let _ = std::fs::remove_dir_all(&out_dir);
    outputs
}

fn assert_no_needle(outputs: &[(String, Vec<u8>)], forbidden: &[String]) {
    for (what, bytes) in outputs {
        let text = String::from_utf8_lossy(bytes);
        for secret in forbidden {
            assert!(
                !text.contains(secret.as_str()),
                "{what} leaks {secret:?}:\n{text}"
            );
        }
    }
}

/// Lints a directory and, named explicitly, its pasted output (`paste.txt`).
fn lint_dir(dir: &Path) -> Report {
    let mut paths = vec![dir.to_path_buf()];
    if dir.join("paste.txt").is_file() {
        paths.push(dir.join("paste.txt"));
    }
    lint(&LintOptions {
        paths,
        jobs: 2,
        ..LintOptions::default()
    })
    .unwrap()
}

#[test]
fn no_credential_reaches_any_output() {
    let case = fixed_case();
    let report = lint_dir(&case.dir);
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
    // The run does look at the secrets, and flags lines at, next to and far from them
    // (otherwise the test proves nothing).
    for expected in [
        "pull-secret-malformed",
        "pull-secret-wrong-type",
        "pull-secret-not-found",
        "parse-error",
        "missing-tag",
        "latest-tag",
        "pull-not-found",
    ] {
        assert!(
            rules.contains(&expected),
            "{expected} missing from {rules:?}"
        );
    }
    let outputs = library_outputs(&report);
    for (what, bytes) in &outputs {
        let text = String::from_utf8_lossy(bytes);
        assert!(text.contains("secrets.yaml"), "{what} shows the file");
    }
    assert_no_needle(&outputs, &case.forbidden);
    assert_no_needle(&cli_outputs(&case.dir), &case.forbidden);
}

#[test]
fn emitters_never_read_the_raw_text() {
    // The masked text is the only text an emitter may copy (`SourceFile::shown`,
    // `display_text`); the raw text is for the readers.
    let emit_dir = common::repo().join("src/emit");
    for entry in std::fs::read_dir(&emit_dir).unwrap() {
        let path = entry.unwrap().path();
        let code = std::fs::read_to_string(&path).unwrap();
        assert!(
            !code.contains("raw_text"),
            "{} reads the unmasked source text",
            path.display()
        );
    }
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn random_secret(rng: &mut Rng) -> String {
    let len = 14 + rng.below(30);
    (0..len)
        .map(|_| char::from(ALPHABET[rng.below(ALPHABET.len())]))
        .collect()
}

/// Random Secrets (type, field, key, quoting, block scalars, annotations) with random secrets,
/// interleaved with pods that have findings, in random order and files.
#[test]
fn random_secrets_in_random_secrets_never_leak() {
    let mut rng = Rng(0x5ec2_e71e_a4c0);
    let types = [
        "Opaque",
        "kubernetes.io/dockerconfigjson",
        "kubernetes.io/dockercfg",
        "kubernetes.io/basic-auth",
        "kubernetes.io/tls",
        "kubernetes.io/service-account-token",
    ];
    let keys = [
        ".dockerconfigjson",
        ".dockercfg",
        "password",
        "username",
        "tls.key",
        "api-key",
        "k",
    ];
    for round in 0..16 {
        let dir = temp_dir(&format!("random-{round}"));
        let mut forbidden = Vec::new();
        let mut docs = Vec::new();
        for i in 0..(2 + rng.below(5)) {
            let secret = random_secret(&mut rng);
            let data = rng.chance(50);
            let value = if data {
                b64(secret.as_bytes())
            } else {
                secret.clone()
            };
            forbidden.extend(needles_of(&secret));
            forbidden.extend(needles_of(&value));
            let ty = rng.pick(&types);
            let key = rng.pick(&keys);
            let field = if data { "data" } else { "stringData" };
            let written = match rng.below(4) {
                0 => value.clone(),
                1 => format!("'{value}'"),
                2 => format!("\"{value}\""),
                _ => format!("|\n    {value}"),
            };
            let annotation = if rng.chance(30) {
                format!(
                    "  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{{\"{field}\":{{\"{key}\":\"{value}\"}},\"kind\":\"Secret\"}}'\n"
                )
            } else {
                String::new()
            };
            docs.push(format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s{i}\n{annotation}type: {ty}\n{field}:\n  {key}: {written}\n"
            ));
            if rng.chance(60) {
                let image =
                    rng.pick(&["nginx", "Nginx:1", "reg.example.com/a:latest", "x@sha256:1"]);
                docs.push(format!(
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  imagePullSecrets: [{{name: s{i}}}]\n  containers:\n    - name: c\n      image: {image}\n"
                ));
            }
        }
        // Shuffle the documents over one or two files.
        for i in (1..docs.len()).rev() {
            docs.swap(i, rng.below(i + 1));
        }
        let split = rng.below(docs.len() + 1);
        let (a, b) = docs.split_at(split);
        std::fs::write(dir.join("a.yaml"), a.join("---\n")).unwrap();
        std::fs::write(dir.join("b.yaml"), b.join("---\n")).unwrap();
        let report = lint_dir(&dir);
        assert!(!report.findings.is_empty(), "round {round} found nothing");
        assert_no_needle(&library_outputs(&report), &forbidden);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_secret_holding_a_common_word_masks_only_itself() {
    // A Secret whose values are ordinary words: masking them everywhere would break every
    // other finding (`nginx:******`) and tell the reader what the Secret holds.
    let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  tag: latest\n  user: root\n  image: nginx\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: root, image: \"nginx:latest\"}\n";
    let report = common::lint_text("all.yaml", text);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "latest-tag")
        .expect("latest-tag");
    assert_eq!(f.image.as_deref(), Some("nginx:latest"));
    assert_eq!(f.container.as_deref(), Some("root"));
    assert!(f.message.contains("nginx:latest"), "{}", f.message);
    // The Secret's own bytes are still masked where they are shown.
    let human = common::human(&report);
    assert!(!human.contains("tag: latest"), "{human}");
    // A finding inside a Secret's value still never quotes it.
    let broken = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: \"latestSup3rS3cretPassw0rd\\q\"\n";
    let report = common::lint_text("broken.yaml", broken);
    for out in library_outputs(&report) {
        let text = String::from_utf8_lossy(&out.1);
        assert!(!text.contains("Sup3rS3cret"), "{}: {text}", out.0);
    }
}
