//! The image reference grammar on arbitrary strings: no panic, every span on a char boundary
//! inside the input, and a parsed reference's normalized form parses again to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pullcheck::image::parse_reference;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match parse_reference(input) {
        Ok(r) => {
            for span in [r.domain.clone(), r.tag.clone(), r.digest.clone()]
                .into_iter()
                .flatten()
                .chain([r.path.clone()])
            {
                assert!(
                    input.get(span.clone()).is_some(),
                    "span {span:?} of {input:?}"
                );
            }
            let _ = (
                r.name(),
                r.familiar_name(),
                r.familiar(input),
                r.oci_digest(input),
            );
            let normalized = r.normalized(input);
            let again = parse_reference(&normalized).unwrap_or_else(|e| {
                panic!("{normalized:?} (from {input:?}) does not parse: {e:?}")
            });
            assert_eq!(again.normalized(&normalized), normalized, "from {input:?}");
        }
        Err(e) => {
            assert!(
                input.get(e.span.clone()).is_some(),
                "error span {:?} of {input:?}",
                e.span
            );
        }
    }
});
