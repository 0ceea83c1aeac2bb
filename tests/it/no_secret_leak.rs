//! Secrets are decoded to check, never to print: lint Secrets holding known credentials in every
//! form (plain and base64, `data` and `stringData`, dockercfg and dockerconfigjson, valid and
//! broken) and assert that no byte of them reaches human, short or JSON output.

use pullcheck::emit::{human, json, short};
use pullcheck::engine::{LintOptions, lint};
use std::path::PathBuf;

const USER: &str = "leakuser7";
const PASS: &str = "Sup3rS3cretPassw0rd";
const TOKEN: &str = "tok-9f8e7d6c5b4a";

fn b64(bytes: &[u8]) -> String {
    pullcheck::model::base64::encode(bytes)
}

struct Case {
    dir: PathBuf,
    /// Strings that must never appear in any output.
    forbidden: Vec<String>,
}

fn setup() -> Case {
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
    let secret = |name: &str, ty: &str, field: &str, key: &str, value: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\ntype: {ty}\n{field}:\n  {key}: '{value}'\n"
        )
    };
    let docs = [
        secret(
            "json-data",
            "kubernetes.io/dockerconfigjson",
            "data",
            ".dockerconfigjson",
            &json_b64,
        ),
        secret(
            "json-string",
            "kubernetes.io/dockerconfigjson",
            "stringData",
            ".dockerconfigjson",
            &json_cfg,
        ),
        secret(
            "cfg-data",
            "kubernetes.io/dockercfg",
            "data",
            ".dockercfg",
            &legacy_b64,
        ),
        secret(
            "cfg-string",
            "kubernetes.io/dockercfg",
            "stringData",
            ".dockercfg",
            &cfg_legacy,
        ),
        secret(
            "broken-data",
            "kubernetes.io/dockerconfigjson",
            "data",
            ".dockerconfigjson",
            &broken_b64,
        ),
        secret(
            "broken-string",
            "kubernetes.io/dockerconfigjson",
            "stringData",
            ".dockerconfigjson",
            &broken,
        ),
        secret(
            "bad-auth",
            "kubernetes.io/dockerconfigjson",
            "stringData",
            ".dockerconfigjson",
            &bad_auth,
        ),
        secret(
            "plain-not-b64",
            "kubernetes.io/dockerconfigjson",
            "data",
            ".dockerconfigjson",
            &json_cfg,
        ),
        secret("opaque", "Opaque", "stringData", "password", PASS),
        secret(
            "wrong-key",
            "kubernetes.io/dockerconfigjson",
            "data",
            "config.json",
            &json_b64,
        ),
    ];
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  imagePullSecrets:\n    - name: json-data\n    - name: cfg-string\n  containers:\n    - name: api\n      image: ghcr.example.com/shop/api:1.0.0\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: other\nspec:\n  imagePullSecrets:\n    - name: opaque\n    - name: broken-data\n    - name: missing\n  containers:\n    - name: api\n      image: registry.example.com/shop/api:1.0.0\n";
    // A Secret document that does not parse: its values are masked too.
    let unparsable = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: broken-yaml\ndata:\n  .dockerconfigjson: {json_b64}\n  password: {PASS}\n  bad: [\n"
    );
    let dir = std::env::temp_dir().join(format!("pullcheck-leak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("secrets.yaml"), docs.join("---\n")).unwrap();
    std::fs::write(dir.join("pods.yaml"), pod).unwrap();
    std::fs::write(dir.join("unparsable.yaml"), unparsable).unwrap();
    let mut forbidden = vec![
        USER.to_string(),
        PASS.to_string(),
        TOKEN.to_string(),
        auth,
        no_colon,
        json_b64,
        legacy_b64,
        broken_b64,
    ];
    // Also any 12-character window of the base64 blobs (a partial leak is a leak).
    let windows: Vec<String> = forbidden
        .iter()
        .filter(|s| s.len() > 24)
        .flat_map(|s| {
            s.as_bytes()
                .chunks(12)
                .filter(|c| c.len() == 12)
                .map(|c| String::from_utf8(c.to_vec()).unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    forbidden.extend(windows);
    Case { dir, forbidden }
}

#[test]
fn no_credential_reaches_any_output() {
    let case = setup();
    let opts = LintOptions {
        paths: vec![case.dir.clone()],
        jobs: 2,
        ..LintOptions::default()
    };
    let report = lint(&opts).unwrap();
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
    // The run does look at the secrets (otherwise the test proves nothing).
    for expected in [
        "pull-secret-malformed",
        "pull-secret-wrong-type",
        "pull-secret-not-found",
        "parse-error",
    ] {
        assert!(
            rules.contains(&expected),
            "{expected} missing from {rules:?}"
        );
    }
    let mut outputs = Vec::new();
    for color in [false, true] {
        let mut out = Vec::new();
        human::write(&report, &human::HumanOptions { color, width: 80 }, &mut out).unwrap();
        outputs.push(("human", String::from_utf8(out).unwrap()));
    }
    let mut out = Vec::new();
    short::write(&report, &mut out).unwrap();
    outputs.push(("short", String::from_utf8(out).unwrap()));
    let mut out = Vec::new();
    json::write(&report, &mut out).unwrap();
    outputs.push(("json", String::from_utf8(out).unwrap()));
    for (format, text) in &outputs {
        assert!(
            text.contains("secrets.yaml"),
            "{format} output shows the file"
        );
        for secret in &case.forbidden {
            assert!(
                !text.contains(secret.as_str()),
                "{format} output leaks {secret:?}:\n{text}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&case.dir);
}
