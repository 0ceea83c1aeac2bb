//! Hand-picked cases for the image-reference parser: normalization, spans, every error kind.

use std::ops::Range;

use pullcheck::image::{ImageRef, RefError, RefErrorKind as K, RefPart, parse_reference};

const HEX64: &str = "6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";

fn ok(input: &str) -> ImageRef {
    parse_reference(input).unwrap_or_else(|e| panic!("{input:?} rejected: {e:?}"))
}

fn err(input: &str) -> RefError {
    match parse_reference(input) {
        Ok(r) => panic!("{input:?} accepted as {}", r.normalized(input)),
        Err(e) => e,
    }
}

/// Asserts the error kind and the exact text its span covers.
fn check_err(input: &str, kind: K, underlined: &str) -> RefError {
    let e = err(input);
    assert_eq!(e.kind, kind, "{input:?}: {e:?}");
    assert_eq!(
        input.get(e.span.clone()),
        Some(underlined),
        "{input:?}: {e:?}"
    );
    e
}

fn text(input: &str, range: &Option<Range<usize>>) -> Option<String> {
    range.clone().and_then(|r| input.get(r)).map(str::to_owned)
}

#[test]
fn normalizes_docker_hub_names() {
    for (input, normalized, familiar) in [
        ("nginx", "docker.io/library/nginx", "nginx"),
        ("nginx:1.25", "docker.io/library/nginx:1.25", "nginx:1.25"),
        ("library/nginx", "docker.io/library/nginx", "nginx"),
        ("docker.io/nginx", "docker.io/library/nginx", "nginx"),
        (
            "docker.io/library/nginx",
            "docker.io/library/nginx",
            "nginx",
        ),
        ("index.docker.io/nginx", "docker.io/library/nginx", "nginx"),
        ("index.docker.io/foo/bar", "docker.io/foo/bar", "foo/bar"),
        ("foo/bar", "docker.io/foo/bar", "foo/bar"),
        ("library/a/b", "docker.io/library/a/b", "library/a/b"),
        ("quay.io/x/y:1", "quay.io/x/y:1", "quay.io/x/y:1"),
        ("quay.io/nginx", "quay.io/nginx", "quay.io/nginx"),
        // Go compares the domain with "docker.io" exactly.
        ("Docker.io/nginx", "Docker.io/nginx", "Docker.io/nginx"),
        // A first component with an uppercase letter is a domain (v0.6 splitDockerDomain).
        ("MyOrg/app:1", "MyOrg/app:1", "MyOrg/app:1"),
        // Without '/', `host:port` is a name and a tag.
        (
            "localhost:5000",
            "docker.io/library/localhost:5000",
            "localhost:5000",
        ),
        ("quay.io", "docker.io/library/quay.io", "quay.io"),
    ] {
        let r = ok(input);
        assert_eq!(r.normalized(input), normalized, "{input}");
        assert_eq!(r.familiar(input), familiar, "{input}");
    }
    let r = ok("nginx");
    assert_eq!(
        (r.registry.as_str(), r.repository.as_str()),
        ("docker.io", "library/nginx")
    );
    assert_eq!(r.name(), "docker.io/library/nginx");
    assert_eq!(r.familiar_name(), "nginx");
    assert_eq!(r.domain, None);
}

#[test]
fn component_ranges_point_at_the_written_bytes() {
    let input = format!("quay.io:443/org/app:v1.2@sha256:{HEX64}");
    let r = ok(&input);
    assert_eq!(text(&input, &r.domain).as_deref(), Some("quay.io:443"));
    assert_eq!(input.get(r.path.clone()), Some("org/app"));
    assert_eq!(r.tag(&input), Some("v1.2"));
    assert_eq!(r.digest(&input), Some(format!("sha256:{HEX64}").as_str()));
    assert_eq!(r.registry, "quay.io:443");
    assert_eq!(r.repository, "org/app");
    assert_eq!(r.normalized(&input), input);
    assert!(r.oci_digest(&input).is_some());

    let input = "docker.io/nginx";
    let r = ok(input);
    assert_eq!(text(input, &r.domain).as_deref(), Some("docker.io"));
    assert_eq!(r.path(input), "nginx");
    assert_eq!(r.repository, "library/nginx");
}

#[test]
fn registries_ports_localhost_and_ipv6() {
    let r = ok("registry:5000/app");
    assert_eq!(
        (r.registry.as_str(), r.tag.clone()),
        ("registry:5000", None)
    );
    assert_eq!(r.repository, "app");

    let r = ok("localhost/app");
    assert_eq!(r.registry, "localhost");
    assert_eq!(r.normalized("localhost/app"), "localhost/app");

    let input = "[::1]:5000/app:1";
    let r = ok(input);
    assert_eq!(r.registry, "[::1]:5000");
    assert_eq!(r.tag(input), Some("1"));
    assert_eq!(r.normalized(input), input);
    assert_eq!(ok("[FE80::1]/a").registry, "[FE80::1]");

    // `localhost` is a domain only when spelled exactly so; "LOCALHOST" has uppercase.
    assert_eq!(ok("LOCALHOST/app").registry, "LOCALHOST");
    assert_eq!(ok("127.0.0.1:5000/app").registry, "127.0.0.1:5000");
    // Any number of port digits: Go does not range-check ports.
    assert_eq!(ok("host:99999999/app").registry, "host:99999999");
}

#[test]
fn underscore_host_is_accepted_as_go_does() {
    // Go matches `my_reg.io/app` as a domain-less path; we keep the host a runtime contacts.
    let r = ok("my_reg.io/app");
    assert_eq!(r.normalized("my_reg.io/app"), "my_reg.io/app");
    assert_eq!(r.registry, "my_reg.io");
    // With a port or uppercase it cannot be a path, so it is an invalid host.
    let e = check_err("my_reg.io:5000/app", K::InvalidCharacter('_'), "_");
    assert_eq!(e.part, RefPart::Domain);
    check_err("My_reg.io/app", K::InvalidCharacter('_'), "_");
}

#[test]
fn path_separators() {
    for valid in ["a__b", "a_b", "a.b", "a-b", "a---b", "a.b-c_d__e/f"] {
        ok(valid);
    }
    check_err("a___b", K::BadSeparator, "___");
    check_err("a..b", K::BadSeparator, "..");
    check_err("a._b", K::BadSeparator, "._");
    check_err("a-.b", K::BadSeparator, "-.");
    check_err("foo/a-", K::TrailingSeparator, "-");
    check_err("app-:1", K::TrailingSeparator, "-");
    check_err("foo/-a", K::LeadingSeparator, "-");
    check_err("_a", K::LeadingSeparator, "_");
    let e = check_err("foo/bar-", K::TrailingSeparator, "-");
    assert_eq!(
        e.help("foo/bar-").as_deref(),
        Some("remove the separator: `foo/bar`")
    );
}

#[test]
fn slashes() {
    let e = check_err("/nginx", K::LeadingSlash, "/");
    assert_eq!(e.help("/nginx").as_deref(), Some("remove it: `nginx`"));
    check_err("foo//bar", K::DoubleSlash, "/");
    check_err("quay.io//bar", K::DoubleSlash, "/");
    check_err("foo/bar/", K::TrailingSlash, "/");
    check_err("quay.io/", K::TrailingSlash, "/");
    check_err("quay.io/:1", K::TrailingSlash, "/");
    let e = check_err(":latest", K::MissingRepository, "");
    assert_eq!(e.span, 0..0);
    let e = check_err(&format!("@sha256:{HEX64}"), K::MissingRepository, "");
    assert!(!e.in_digest);
}

#[test]
fn uppercase_repository() {
    let e = check_err("Nginx:1.0", K::Uppercase, "N");
    assert_eq!(
        e.message(),
        "uppercase letter 'N' in the repository name; repository names must be lowercase"
    );
    assert_eq!(
        e.help("Nginx:1.0").as_deref(),
        Some("use the lowercase name: `nginx:1.0`")
    );
    let e = check_err("quay.io/MyOrg/App:V1", K::Uppercase, "M");
    assert_eq!(
        e.help("quay.io/MyOrg/App:V1").as_deref(),
        Some("use the lowercase name: `quay.io/myorg/app:V1`")
    );
    check_err("docker.io/MyOrg/app", K::Uppercase, "M");
    check_err("MyOrg/App", K::Uppercase, "A");
    // Uppercase tags are fine.
    ok("nginx:Latest");
}

#[test]
fn whitespace_anywhere() {
    for (input, at) in [(" nginx", 0), ("nginx ", 5), ("ngi\tnx", 3), ("nginx\n", 5)] {
        let e = err(input);
        assert_eq!((&e.kind, e.span.start), (&K::Whitespace, at), "{input:?}");
        assert_eq!(
            e.help(input).as_deref(),
            Some("remove the whitespace: `nginx`")
        );
    }
    let input = format!("nginx@sha256:{HEX64}\u{a0}");
    let e = err(&input);
    assert_eq!(e.kind, K::Whitespace);
    assert!(e.in_digest);
    assert_eq!(input.get(e.span.clone()), Some("\u{a0}"));
}

#[test]
fn scheme_prefix() {
    let e = check_err("https://quay.io/a/b:1", K::Scheme, "https://");
    assert_eq!(
        e.message(),
        "the image must not start with a scheme like `https://`"
    );
    assert_eq!(
        e.help("https://quay.io/a/b:1").as_deref(),
        Some("drop the scheme: `quay.io/a/b:1`")
    );
    check_err("docker://nginx", K::Scheme, "docker://");
}

#[test]
fn tags() {
    let e = check_err("nginx:", K::EmptyTag, ":");
    assert_eq!(e.message(), "empty tag after ':'");
    assert_eq!(e.help("nginx:").as_deref(), Some("remove it: `nginx`"));
    check_err("nginx:.1", K::InvalidTag, ".");
    check_err("nginx:-1", K::InvalidTag, "-");
    ok("nginx:_1");
    check_err("nginx:1:2", K::InvalidCharacter(':'), ":");
    check_err("quay.io/a:b/c", K::InvalidCharacter('/'), "/");
    check_err("nginx:tä", K::InvalidCharacter('ä'), "ä");
    ok(&format!("nginx:{}", "t".repeat(128)));
    let long = format!("nginx:{}", "t".repeat(129));
    let e = check_err(&long, K::TagTooLong, &"t".repeat(129));
    assert_eq!(e.message(), "tag longer than 128 characters");
    assert_eq!(e.part, RefPart::Tag);
}

#[test]
fn digests() {
    let input = format!("nginx@sha256:{HEX64}");
    let r = ok(&input);
    assert_eq!(r.tag, None);
    assert_eq!(r.normalized(&input), format!("docker.io/library/{input}"));
    let both = format!("nginx:1.25@sha256:{HEX64}");
    assert_eq!(
        ok(&both).normalized(&both),
        format!("docker.io/library/{both}")
    );
    ok(&format!("a@sha384:{}", "ab".repeat(48)));
    ok(&format!("a@sha512:{}", "ab".repeat(64)));

    let e = check_err(
        "nginx@sha256:abc",
        K::DigestLength {
            expected: 64,
            found: 3,
        },
        "abc",
    );
    assert!(e.in_digest);
    assert_eq!(
        e.message(),
        "digest has 3 hex characters, its algorithm needs exactly 64"
    );
    // Go rejects fewer than 32 hex characters in the grammar already: still a digest problem.
    let e = check_err(
        "nginx@sha256:123456",
        K::DigestLength {
            expected: 64,
            found: 6,
        },
        "123456",
    );
    assert!(e.in_digest);
    check_err(
        &format!("a@sha256:{HEX64}0"),
        K::DigestLength {
            expected: 64,
            found: 65,
        },
        &format!("{HEX64}0"),
    );

    let upper = format!("nginx@sha256:{}", HEX64.to_uppercase());
    let e = check_err(&upper, K::DigestUppercase, "C");
    assert_eq!(
        e.help(&upper),
        Some(format!("use the lowercase digest: `nginx@sha256:{HEX64}`"))
    );

    let e = check_err(&format!("a@SHA256:{HEX64}"), K::DigestAlgorithm, "SHA256");
    assert_eq!(
        e.help(&format!("a@SHA256:{HEX64}")).as_deref(),
        Some("write the algorithm in lowercase: `sha256`")
    );
    check_err(
        "a@md5:d41d8cd98f00b204e9800998ecf8427e",
        K::DigestAlgorithm,
        "md5",
    );
    check_err(&format!("a@:{HEX64}"), K::DigestAlgorithm, ":");
    check_err(&format!("a@sha256:{}g", &HEX64[1..]), K::DigestNotHex, "g");
    check_err("a@sha256", K::DigestMissingEncoded, "sha256");
    check_err("a@sha256:", K::DigestMissingEncoded, ":");
    let e = check_err("a@", K::EmptyDigest, "@");
    assert!(e.in_digest);
    let e = check_err("a@sha256:ab@cd", K::DigestNotHex, "@");
    assert!(e.in_digest);

    // '@' then '/' looks like credentials, which belong in imagePullSecrets.
    let e = err("user@quay.io/app");
    assert!(e.in_digest);
    assert!(
        e.help("user@quay.io/app")
            .unwrap_or_default()
            .contains("imagePullSecrets")
    );
}

#[test]
fn bare_hex_and_lengths() {
    let e = check_err(HEX64, K::HexName, HEX64);
    assert!(e.help(HEX64).unwrap_or_default().contains("@sha256:"));
    ok(&HEX64[..63]);
    ok(&format!("{HEX64}:tag"));
    ok(&format!("quay.io/{HEX64}"));

    // The limit is on the normalized path: "library/" counts, the domain does not (v0.6).
    ok(&"a".repeat(247));
    check_err(&"a".repeat(248), K::NameTooLong, &"a".repeat(248));
    ok(&format!("quay.io/{}", "a".repeat(255)));
    check_err(
        &format!("quay.io/{}", "a".repeat(256)),
        K::NameTooLong,
        &"a".repeat(256),
    );
    let e = err(&format!("foo/{}", "a".repeat(252)));
    assert_eq!(e.message(), "repository name longer than 255 characters");
}

#[test]
fn domains() {
    check_err("a..b.io/app", K::EmptyComponent, ".");
    check_err(":5000/app", K::EmptyComponent, ":");
    check_err("-a.io/app", K::LeadingSeparator, "-");
    check_err("a-.io/app", K::TrailingSeparator, "-");
    check_err("quay.io:/app", K::InvalidPort, ":");
    let e = check_err("quay.io:50x0/app", K::InvalidPort, "x");
    assert_eq!(
        e.message(),
        "the registry port must be digits only, found 'x'"
    );
    check_err("[::1/app", K::InvalidIpv6, "[");
    check_err("[]:5000/app", K::InvalidIpv6, "[]");
    // Without "." or ":" the first component is a path, where "[" is just invalid.
    check_err("[]/app", K::InvalidCharacter('['), "[");
    check_err("[::1]x/app", K::InvalidIpv6, "x");
    check_err("[::g]/app", K::InvalidCharacter('g'), "g");
    check_err("quay.io!/app", K::InvalidCharacter('!'), "!");
    check_err("ÉCOLE.io/app", K::InvalidCharacter('É'), "É");
}

#[test]
fn unicode_and_odd_input_never_panics() {
    check_err("", K::Empty, "");
    check_err("ngïnx", K::InvalidCharacter('ï'), "ï");
    check_err("💥", K::InvalidCharacter('💥'), "💥");
    check_err("a\u{0}b", K::InvalidCharacter('\u{0}'), "\u{0}");
    // KELVIN SIGN lowercases to 'k' in Go too; it is no ASCII letter, so it is invalid anyway.
    check_err(
        "\u{212A}ube/app",
        K::InvalidCharacter('\u{212A}'),
        "\u{212A}",
    );
    for input in [
        "@",
        ":",
        "/",
        "[",
        "]",
        "@@",
        "::",
        "a:b:c@d:e",
        "é@é:é",
        "[é]/a",
        "a/é:é@é",
    ] {
        let e = err(input);
        assert!(input.get(e.span.clone()).is_some(), "{input:?}: {e:?}");
        let _ = (e.message(), e.help(input));
    }
}

#[test]
fn errors_are_displayable() {
    let e = err("Nginx");
    assert_eq!(e.to_string(), e.message());
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(!boxed.to_string().is_empty());
}
