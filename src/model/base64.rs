//! Standard base64 (RFC 4648, padded), as Go's `encoding/json` decodes `[]byte` fields of a
//! Secret's `data`: `base64.StdEncoding`, which skips `\r` and `\n` and rejects anything else.

/// Why decoding failed; never carries the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base64Error {
    /// A character outside the alphabet at this character position (newlines not counted).
    InvalidCharacter { position: usize },
    /// The length (without newlines) is not a multiple of 4, or padding is misplaced.
    BadLength,
}

impl std::fmt::Display for Base64Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Base64Error::InvalidCharacter { position } => {
                write!(
                    f,
                    "a character outside the base64 alphabet at position {position}"
                )
            }
            Base64Error::BadLength => f.write_str("its length or `=` padding is wrong"),
        }
    }
}

fn value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

pub fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let chars: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    if !chars.len().is_multiple_of(4) {
        // Report a bad character first: it is the more useful message.
        if let Some(position) = chars.iter().position(|&c| c != b'=' && value(c).is_none()) {
            return Err(Base64Error::InvalidCharacter { position });
        }
        return Err(Base64Error::BadLength);
    }
    let mut out = Vec::with_capacity(chars.len() / 4 * 3);
    let quads = chars.chunks_exact(4);
    let last = quads.len().saturating_sub(1);
    for (q, quad) in quads.enumerate() {
        let mut acc: u32 = 0;
        let mut pad = 0;
        for (i, &c) in quad.iter().enumerate() {
            let position = q * 4 + i;
            if c == b'=' {
                // Padding only at the end of the last quad, at most two.
                if q != last || i < 2 {
                    return Err(Base64Error::BadLength);
                }
                pad += 1;
                acc <<= 6;
                continue;
            }
            if pad > 0 {
                return Err(Base64Error::BadLength);
            }
            let v = value(c).ok_or(Base64Error::InvalidCharacter { position })?;
            acc = (acc << 6) | u32::from(v);
        }
        let bytes = acc.to_be_bytes();
        let take = 3 - pad;
        out.extend(bytes.iter().skip(1).take(take));
    }
    Ok(out)
}

/// Standard base64 with padding (what `kubectl create secret` writes): for tests, examples and
/// the benchmark corpus, which build Secrets.
pub fn encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for i in 0..4 {
            if i <= chunk.len() {
                let sextet = (n >> (18 - 6 * i)) & 63;
                out.push(char::from(
                    ALPHABET.get(sextet as usize).copied().unwrap_or(b'A'),
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn encode_round_trips() {
        for text in ["", "a", "ab", "abc", "user:pass", "\u{e9}t\u{e9}"] {
            assert_eq!(
                super::decode(&super::encode(text.as_bytes()))
                    .ok()
                    .as_deref(),
                Some(text.as_bytes())
            );
        }
    }

    use super::*;

    #[test]
    fn decodes_padded_and_unpadded_lengths() {
        assert_eq!(decode("").unwrap(), b"");
        assert_eq!(decode("Zg==").unwrap(), b"f");
        assert_eq!(decode("Zm8=").unwrap(), b"fo");
        assert_eq!(decode("Zm9v").unwrap(), b"foo");
        assert_eq!(decode("dXNlcjpwYXNz").unwrap(), b"user:pass");
        assert_eq!(decode("Zm9v\nYmFy\r\n").unwrap(), b"foobar");
    }

    #[test]
    fn rejects_bad_input_without_echoing_it() {
        assert_eq!(
            decode("Zm9v!mFy"),
            Err(Base64Error::InvalidCharacter { position: 4 })
        );
        assert_eq!(decode("Zm9"), Err(Base64Error::BadLength));
        assert_eq!(decode("Z==="), Err(Base64Error::BadLength));
        assert_eq!(decode("Zg==Zm9v"), Err(Base64Error::BadLength));
        assert!(decode("Zm9v YmFy").is_err());
        assert!(decode("{\"auths\":{}}").is_err());
    }
}
