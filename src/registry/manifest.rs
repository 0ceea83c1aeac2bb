//! What a registry sends, read with `oci-spec`'s image types: which kind of manifest a media
//! type names, the platforms of an index, the config digest of a single manifest and the
//! platform of its config, the error codes of an error body, and the SHA-256 of a body.

use super::platform::Platform;
use oci_spec::image::{ImageConfiguration, ImageIndex, ImageManifest};

pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub(crate) const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Index,
    Manifest,
}

/// The kind a `Content-Type` names, else what the body's shape says (some registries answer
/// `application/json` or nothing).
pub(crate) fn kind(media_type: &str, body: &[u8]) -> Option<Kind> {
    match media_type {
        OCI_INDEX | DOCKER_LIST => return Some(Kind::Index),
        OCI_MANIFEST | DOCKER_MANIFEST => return Some(Kind::Manifest),
        _ => {}
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    if value.get("manifests").is_some() {
        Some(Kind::Index)
    } else if value.get("config").is_some() {
        Some(Kind::Manifest)
    } else {
        None
    }
}

/// The platforms an index offers. Entries without a platform, and buildx's attestation
/// entries (`unknown/unknown`), run nowhere and are left out.
pub(crate) fn index_platforms(body: &[u8]) -> Result<Vec<Platform>, String> {
    let index = ImageIndex::from_reader(body).map_err(|e| format!("unreadable index: {e}"))?;
    let mut out: Vec<Platform> = Vec::new();
    for entry in index.manifests() {
        let Some(p) = entry.platform() else { continue };
        let platform = Platform {
            os: p.os().to_string(),
            architecture: p.architecture().to_string(),
            variant: p.variant().clone().filter(|v| !v.is_empty()),
        };
        if platform.os == "unknown" && platform.architecture == "unknown" {
            continue;
        }
        if !out.contains(&platform) {
            out.push(platform);
        }
    }
    Ok(out)
}

/// Config media types of runnable images. Anything else (a Helm chart, a signature, an SBOM
/// stored as an OCI artifact) runs on no platform.
const IMAGE_CONFIGS: &[&str] = &[
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
];

/// The config blob's digest of a single manifest, `None` when it is not an image's config.
pub(crate) fn config_digest(body: &[u8]) -> Result<Option<String>, String> {
    let manifest =
        ImageManifest::from_reader(body).map_err(|e| format!("unreadable manifest: {e}"))?;
    let config = manifest.config();
    let media_type = config.media_type().to_string();
    Ok(IMAGE_CONFIGS
        .contains(&media_type.as_str())
        .then(|| config.digest().to_string()))
}

/// The platform an image config says it was built for.
pub(crate) fn config_platform(body: &[u8]) -> Result<Platform, String> {
    let config = ImageConfiguration::from_reader(body)
        .map_err(|e| format!("unreadable image config: {e}"))?;
    Ok(Platform {
        os: config.os().to_string(),
        architecture: config.architecture().to_string(),
        variant: config.variant().clone().filter(|v| !v.is_empty()),
    })
}

#[derive(serde::Deserialize)]
struct Errors {
    errors: Vec<ErrorEntry>,
}

#[derive(serde::Deserialize)]
struct ErrorEntry {
    code: Option<String>,
    message: Option<String>,
}

/// `MANIFEST_UNKNOWN: manifest unknown` from an OCI error body; the first line of anything
/// else (distribution answers "404 page not found" in plain text for some paths). Bounded and
/// single-line: it is printed.
pub(crate) fn error_detail(body: &[u8]) -> Option<String> {
    let text = if let Ok(errors) = serde_json::from_slice::<Errors>(body) {
        errors
            .errors
            .iter()
            .take(3)
            .map(|e| match (&e.code, &e.message) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.clone(),
                (None, Some(m)) => m.clone(),
                (None, None) => String::new(),
            })
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        String::from_utf8_lossy(body)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    };
    let text: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    let text = text.trim().to_string();
    (!text.is_empty()).then_some(text)
}

pub(crate) fn sha256(body: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    let mut out = String::from("sha256:");
    for b in digest.as_ref() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_index_platforms_and_skips_attestations() {
        let body = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":1,"platform":{"os":"linux","architecture":"amd64"}},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333","size":1,"platform":{"os":"unknown","architecture":"unknown"}}]}"#;
        assert_eq!(kind("", body), Some(Kind::Index));
        let platforms = index_platforms(body).expect("index");
        let names: Vec<String> = platforms.iter().map(|p| p.to_string()).collect();
        assert_eq!(names, ["linux/amd64", "linux/arm64/v8"]);
        assert!(index_platforms(b"{").is_err());
    }

    #[test]
    fn error_bodies_become_one_line() {
        assert_eq!(
            error_detail(br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}"#),
            Some("MANIFEST_UNKNOWN: manifest unknown".to_string())
        );
        assert_eq!(
            error_detail(b"404 page not found\n\x1b[31mmore"),
            Some("404 page not found".to_string())
        );
        assert_eq!(error_detail(b""), None);
        assert_eq!(
            sha256(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
