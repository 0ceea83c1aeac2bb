//! Making untrusted text safe to show on a terminal or in a CI log.

/// Escapes control characters (ANSI escapes, newlines, BEL, …) so a hostile file name or image
/// string cannot recolour the terminal or forge lines in the output.
pub fn sanitize(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Like [`sanitize`], but keeps line breaks (for multi-line help text we wrote ourselves).
pub fn sanitize_multiline(text: &str) -> String {
    text.split('\n')
        .map(|l| sanitize(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}
