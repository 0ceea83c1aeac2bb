//! Platforms (`linux/arm64/v8`) and whether a node of one can run an image made for another,
//! as containerd decides it: `platforms.Only` over normalised platforms
//! (github.com/containerd/platforms, `compare.go` `platformVector` and `database.go`
//! `normalizeArch`). containerd is what the kubelet's runtime uses to pick an index entry.

use std::fmt;

/// An operating system, a CPU architecture and its variant, as an OCI index entry names them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// `os/arch` or `os/arch/variant`, as `--platform` and the config spell it.
    pub fn parse(s: &str) -> Option<Platform> {
        let mut parts = s.trim().split('/');
        let os = parts.next().filter(|p| valid_part(p))?;
        let architecture = parts.next().filter(|p| valid_part(p))?;
        let variant = match parts.next() {
            None => None,
            Some(v) if valid_part(v) => Some(v.to_string()),
            Some(_) => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Platform {
            os: os.to_string(),
            architecture: architecture.to_string(),
            variant,
        })
    }
}

fn valid_part(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 64
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// A platform in containerd's canonical form: lower case, `aarch64` → `arm64`, `arm64/v8` →
/// `arm64`, `arm` → `arm/v7`, `amd64/v1` → `amd64`, no variant as "".
#[derive(Clone, Debug, PartialEq, Eq)]
struct Norm {
    os: String,
    arch: String,
    variant: String,
}

fn normalize(os: &str, arch: &str, variant: &str) -> Norm {
    let mut os = os.to_ascii_lowercase();
    if os == "macos" {
        os = "darwin".to_string();
    }
    let (arch, variant) = normalize_arch(&arch.to_ascii_lowercase(), &variant.to_ascii_lowercase());
    Norm { os, arch, variant }
}

fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let (arch, variant) = match arch {
        "i386" => ("386", ""),
        "x86_64" | "x86-64" | "amd64" => ("amd64", if variant == "v1" { "" } else { variant }),
        "aarch64" | "arm64" => (
            "arm64",
            if matches!(variant, "8" | "v8") {
                ""
            } else {
                variant
            },
        ),
        "armhf" => ("arm", "v7"),
        "armel" => ("arm", "v6"),
        "arm" => match variant {
            "" | "7" => ("arm", "v7"),
            "5" => ("arm", "v5"),
            "6" => ("arm", "v6"),
            "8" => ("arm", "v8"),
            v => ("arm", v),
        },
        a => (a, variant),
    };
    (arch.to_string(), variant.to_string())
}

/// A variant number such as `v7` → 7 (Go's `strconv.Atoi` after trimming `v`).
fn variant_number(variant: &str) -> Option<u32> {
    variant.strip_prefix('v').unwrap_or(variant).parse().ok()
}

/// The platforms a node of `p` (normalised) runs, best first: containerd's `platformVector`.
fn vector(p: &Norm) -> Vec<Norm> {
    let mut out = vec![p.clone()];
    let with = |arch: &str, variant: String| Norm {
        os: p.os.clone(),
        arch: arch.to_string(),
        variant,
    };
    match p.arch.as_str() {
        "amd64" => {
            if let Some(n) = variant_number(&p.variant).filter(|n| *n > 1) {
                out.extend((1..n).rev().map(|k| with("amd64", format!("v{k}"))));
            }
            out.push(with("386", String::new()));
        }
        "arm" => {
            if let Some(n) = variant_number(&p.variant).filter(|n| *n > 5) {
                out.extend((5..n).rev().map(|k| with("arm", format!("v{k}"))));
            }
        }
        "arm64" => {
            let variant = if p.variant.is_empty() {
                "v8"
            } else {
                p.variant.as_str()
            };
            let (major_text, minor_text) = match variant.split_once('.') {
                Some((a, b)) => (a, Some(b)),
                None => (variant, None),
            };
            if let Some(mut major) = variant_number(major_text).filter(|m| *m >= 8) {
                // containerd reads a minor only from the four-character form `v8.2`.
                let mut minor: u32 = if variant.len() == 4 {
                    minor_text.and_then(|m| m.parse().ok()).unwrap_or(0)
                } else {
                    0
                };
                let name = |major: u32, minor: u32| {
                    if minor == 0 {
                        format!("v{major}")
                    } else {
                        format!("v{major}.{minor}")
                    }
                };
                if major == 9 {
                    out.extend((0..minor).rev().map(|m| with("arm64", name(9, m))));
                    // v9.0 diverged from v8.5: v9.x runs v8.{x+5}, up to v8.9.
                    minor = (minor + 5).min(9);
                    major = 8;
                    out.push(with("arm64", format!("v8.{minor}")));
                }
                out.extend((0..minor).rev().map(|m| with("arm64", name(major, m))));
            }
            // Every arm64 runs 32-bit arm up to v8.
            let arm_variant = if variant.starts_with("v8.") || variant.starts_with("v9.") {
                "v8"
            } else {
                variant
            };
            out.extend(vector(&with("arm", arm_variant.to_string())));
        }
        _ => {}
    }
    out
}

/// Whether a node that runs `wanted` can run an image entry made for `offered`, as containerd's
/// `platforms.Only(wanted).Match(offered)`: `arm64` is `arm64/v8`, an `amd64` node runs `386`,
/// `arm/v7` runs `arm/v6` and `arm/v5`, an `arm64` node runs `arm/v8` and below, `aarch64` is
/// `arm64`, `arm` alone is `arm/v7`.
pub fn platform_matches(wanted: &Platform, offered: &Platform) -> bool {
    let norm = |p: &Platform| normalize(&p.os, &p.architecture, p.variant.as_deref().unwrap_or(""));
    let offered = norm(offered);
    vector(&norm(wanted)).iter().any(|candidate| {
        // containerd's matcher normalises each candidate too (arm64 `v8` → "").
        normalize(&candidate.os, &candidate.arch, &candidate.variant) == offered
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        Platform::parse(s).unwrap_or_else(|| panic!("test platform {s}"))
    }

    #[test]
    fn parse_accepts_two_or_three_parts() {
        assert_eq!(
            Platform::parse("linux/arm64/v8"),
            Some(Platform {
                os: "linux".into(),
                architecture: "arm64".into(),
                variant: Some("v8".into())
            })
        );
        assert_eq!(p("linux/amd64").variant, None);
        for bad in [
            "",
            "linux",
            "linux/",
            "/amd64",
            "linux/amd64/v8/x",
            "linux/am d64",
            "a//b",
        ] {
            assert_eq!(Platform::parse(bad), None, "{bad:?}");
        }
        assert_eq!(p("linux/arm/v7").to_string(), "linux/arm/v7");
    }

    /// (wanted, offered, runs?) as containerd's `platforms.Only` answers.
    const TABLE: &[(&str, &str, bool)] = &[
        ("linux/amd64", "linux/amd64", true),
        ("linux/amd64", "linux/x86_64", true),
        ("linux/amd64", "linux/amd64/v1", true),
        ("linux/amd64", "linux/386", true),
        ("linux/amd64", "linux/amd64/v2", false),
        ("linux/amd64/v3", "linux/amd64/v2", true),
        ("linux/amd64/v3", "linux/amd64", true),
        ("linux/amd64/v2", "linux/amd64/v3", false),
        ("linux/amd64", "linux/arm64", false),
        ("linux/amd64", "windows/amd64", false),
        ("linux/arm64", "linux/arm64/v8", true),
        ("linux/arm64/v8", "linux/arm64", true),
        ("linux/aarch64", "linux/arm64", true),
        ("linux/arm64", "linux/arm/v7", true),
        ("linux/arm64", "linux/arm/v8", true),
        ("linux/arm64", "linux/arm", true),
        ("linux/arm64", "linux/amd64", false),
        ("linux/arm64", "linux/arm64/v8.2", false),
        ("linux/arm64/v8.2", "linux/arm64/v8.1", true),
        ("linux/arm64/v8.2", "linux/arm64", true),
        ("linux/arm64/v9", "linux/arm64/v8.5", true),
        ("linux/arm64/v9", "linux/arm64/v8.6", false),
        ("linux/arm/v7", "linux/arm", true),
        ("linux/arm/v7", "linux/arm/v6", true),
        ("linux/arm/v7", "linux/arm/v5", true),
        ("linux/arm/v7", "linux/arm/v8", false),
        ("linux/arm/v6", "linux/arm/v7", false),
        ("linux/arm", "linux/arm/v7", true),
        ("linux/armhf", "linux/arm/v7", true),
        ("linux/arm/v7", "linux/arm64", false),
        ("linux/s390x", "linux/s390x", true),
        ("Linux/AMD64", "linux/amd64", true),
        ("linux/amd64", "unknown/unknown", false),
        ("linux/ppc64le", "linux/ppc64le", true),
    ];

    #[test]
    fn platform_matching_follows_containerd() {
        for (wanted, offered, expect) in TABLE {
            assert_eq!(
                platform_matches(&p(wanted), &p(offered)),
                *expect,
                "{wanted} runs {offered}?"
            );
        }
    }
}
