//! Hand-built OCI image layouts: what the harness pushes with skopeo.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST, sha256_digest};

/// A hand-built OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`).
pub(super) struct OciLayout {
    pub(super) dir: PathBuf,
    openssl: PathBuf,
    repo: String,
    tag: String,
}

/// A blob written to a layout: its digest and size.
struct Blob {
    digest: String,
    size: usize,
}

impl OciLayout {
    pub(super) fn new(openssl_bin: &Path, registry_dir: &Path, repo: &str, tag: &str) -> OciLayout {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let dir = registry_dir.join(format!("layout-{}", SEQ.fetch_add(1, Ordering::Relaxed)));
        fs::create_dir_all(dir.join("blobs").join("sha256")).expect("mkdir layout");
        fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).expect("write");
        OciLayout {
            dir,
            openssl: openssl_bin.into(),
            repo: repo.into(),
            tag: tag.into(),
        }
    }

    fn blob(&self, data: &[u8]) -> Blob {
        let digest = sha256_digest(&self.openssl, data);
        let hex = digest.trim_start_matches("sha256:");
        fs::write(self.dir.join("blobs").join("sha256").join(hex), data).expect("write blob");
        Blob {
            digest,
            size: data.len(),
        }
    }

    /// One image manifest for `os/arch[/variant]`: a config and a one-file gzip layer, both
    /// naming the repository, tag and platform (so every image has its own digests).
    fn image(&self, platform: &str) -> Blob {
        let mut parts = platform.split('/');
        let os = parts.next().unwrap_or("linux");
        let arch = parts.next().unwrap_or("amd64");
        let variant = parts.next();
        let content = format!(
            "pullcheck test image {}:{} for {platform}\n",
            self.repo, self.tag
        );
        let tar = tar_one_file("pullcheck-test.txt", content.as_bytes());
        let layer = self.blob(&gzip_stored(&tar));
        let diff_id = sha256_digest(&self.openssl, &tar);
        let mut config = serde_json::json!({
            "created": "2024-01-01T00:00:00Z",
            "architecture": arch,
            "os": os,
            "config": {"Labels": {"dev.pullcheck.test": format!("{}:{}", self.repo, self.tag)}},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "pullcheck tests"}],
        });
        if let Some(v) = variant {
            config["variant"] = v.into();
        }
        let config = self.blob(config.to_string().as_bytes());
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config.digest, "size": config.size},
            "layers": [{"mediaType": OCI_LAYER_GZIP, "digest": layer.digest, "size": layer.size}],
        });
        self.blob(manifest.to_string().as_bytes())
    }

    fn write_top(&self, media_type: &str, blob: &Blob) {
        let index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [{
                "mediaType": media_type,
                "digest": blob.digest,
                "size": blob.size,
                "annotations": {"org.opencontainers.image.ref.name": self.tag},
            }],
        });
        fs::write(self.dir.join("index.json"), index.to_string()).expect("write index.json");
    }

    pub(super) fn write_single(&self, platform: &str) {
        let manifest = self.image(platform);
        self.write_top(OCI_MANIFEST, &manifest);
    }

    pub(super) fn write_index(&self, platforms: &[&str]) {
        let manifests: Vec<serde_json::Value> = platforms
            .iter()
            .map(|platform| {
                let blob = self.image(platform);
                let mut parts = platform.split('/');
                let mut p = serde_json::json!({
                    "os": parts.next().unwrap_or("linux"),
                    "architecture": parts.next().unwrap_or("amd64"),
                });
                if let Some(v) = parts.next() {
                    p["variant"] = v.into();
                }
                serde_json::json!({
                    "mediaType": OCI_MANIFEST, "digest": blob.digest, "size": blob.size,
                    "platform": p,
                })
            })
            .collect();
        let index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": manifests,
        });
        let blob = self.blob(index.to_string().as_bytes());
        self.write_top(OCI_INDEX, &blob);
    }

    /// The digest `index.json` points at (the image's manifest or index).
    pub(super) fn top_digest(&self) -> String {
        let index: serde_json::Value =
            serde_json::from_slice(&fs::read(self.dir.join("index.json")).expect("read"))
                .expect("index.json");
        index["manifests"][0]["digest"]
            .as_str()
            .expect("digest")
            .to_owned()
    }
}

/// A ustar archive holding one regular file.
fn tar_one_file(name: &str, data: &[u8]) -> Vec<u8> {
    let mut header = [0u8; 512];
    let field = |header: &mut [u8; 512], at: usize, value: &[u8]| {
        header[at..at + value.len()].copy_from_slice(value);
    };
    field(&mut header, 0, name.as_bytes());
    field(&mut header, 100, b"0000644\0");
    field(&mut header, 108, b"0000000\0");
    field(&mut header, 116, b"0000000\0");
    field(
        &mut header,
        124,
        format!("{:011o}\0", data.len()).as_bytes(),
    );
    field(&mut header, 136, b"14556525400\0"); // 2024-01-01
    field(&mut header, 148, b"        ");
    header[156] = b'0';
    field(&mut header, 257, b"ustar\0");
    field(&mut header, 263, b"00");
    let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
    field(&mut header, 148, format!("{sum:06o}\0 ").as_bytes());
    let mut out = header.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// A gzip member whose deflate stream is stored blocks (valid gzip, no compression library).
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let chunks: Vec<&[u8]> = data.chunks(65535).collect();
    if chunks.is_empty() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    for (i, chunk) in chunks.iter().enumerate() {
        let last = u8::from(i + 1 == chunks.len());
        let len = chunk.len() as u16;
        out.push(last);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
