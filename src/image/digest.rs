//! Digest validation: the reference grammar's `digestPat`, then go-digest's `Digest.Validate`.

use std::ops::Range;

use super::error::{RefError, RefErrorKind as K, RefPart};

/// The algorithms the kubelet can verify, with their hex lengths. go-digest (algorithm.go) only
/// accepts algorithms whose hash is linked in; kubelet links sha256 and sha512 (which registers
/// sha384 too). `oci_spec::image::DigestAlgorithm::digest_hexlen` agrees on these three.
const ALGORITHMS: [(&str, usize); 3] = [("sha256", 64), ("sha384", 96), ("sha512", 128)];

/// Validates `input[range]`, the digest after '@'. Every error it returns has `in_digest` set.
///
/// Checks run left to right so the span lands on the first bad byte: algorithm characters
/// (regexp.go `digestPat`), the ':', the algorithm name (go-digest `Algorithm.Available`),
/// the hex characters, the exact length (`Algorithm.Validate`), and lowercase hex
/// (algorithm.go `anchoredEncodedRegexps`). Go also rejects fewer than 32 hex characters in the
/// grammar itself; that case is reported as a length error too.
pub(crate) fn validate_digest(input: &str, range: Range<usize>) -> Result<(), RefError> {
    let error = |span, kind| RefError::new(span, kind, RefPart::Digest);
    if range.is_empty() {
        let at = range.start - 1;
        return Err(error(at..at + 1, K::EmptyDigest));
    }
    let text = input.get(range.clone()).unwrap_or_default();
    let colon = text.find(':');
    let algorithm_end = colon.map_or(range.end, |c| range.start + c);
    let algorithm = input.get(range.start..algorithm_end).unwrap_or_default();
    if let Some((i, c)) = algorithm
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.')))
    {
        let pos = range.start + i;
        return Err(error(pos..pos + c.len_utf8(), K::InvalidCharacter(c)));
    }
    if colon.is_none() {
        return Err(error(range, K::DigestMissingEncoded));
    }
    let Some(expected) = ALGORITHMS
        .iter()
        .find(|(name, _)| *name == algorithm)
        .map(|&(_, len)| len)
    else {
        let span = if algorithm.is_empty() {
            algorithm_end..algorithm_end + 1
        } else {
            range.start..algorithm_end
        };
        return Err(error(span, K::DigestAlgorithm));
    };
    let encoded_start = algorithm_end + 1;
    let encoded = input.get(encoded_start..range.end).unwrap_or_default();
    if encoded.is_empty() {
        return Err(error(algorithm_end..encoded_start, K::DigestMissingEncoded));
    }
    if let Some((i, c)) = encoded.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        let pos = encoded_start + i;
        return Err(error(pos..pos + c.len_utf8(), K::DigestNotHex).with_char(c));
    }
    if encoded.len() != expected {
        let found = encoded.len();
        return Err(error(
            encoded_start..range.end,
            K::DigestLength { expected, found },
        ));
    }
    if let Some((i, c)) = encoded.char_indices().find(|(_, c)| c.is_ascii_uppercase()) {
        let pos = encoded_start + i;
        return Err(error(pos..pos + 1, K::DigestUppercase).with_char(c));
    }
    Ok(())
}
