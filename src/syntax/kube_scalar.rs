//! Kubernetes decodes YAML 1.1: some plain scalars are not strings.

use super::ScalarStyle;

/// True when Kubernetes would read this unquoted scalar as a number, boolean or null rather
/// than a string (`image: 1.10`, `imagePullPolicy: yes`), so a string field rejects it.
pub fn is_plain_non_string(text: &str, style: ScalarStyle, str_tag: bool) -> bool {
    if style != ScalarStyle::Plain || str_tag {
        return false;
    }
    is_yaml11_bool_or_null(text) || looks_numeric(text)
}

fn is_yaml11_bool_or_null(text: &str) -> bool {
    matches!(
        text,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | "~"
            | "null"
            | "Null"
            | "NULL"
    )
}

/// Integers (decimal, octal, hex, with `_`), floats, `.inf`, `.nan` as YAML 1.1 reads them.
fn looks_numeric(text: &str) -> bool {
    let t = text.strip_prefix(['-', '+']).unwrap_or(text);
    if t.is_empty() {
        return false;
    }
    if matches!(t, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    if let Some(hex) = t.strip_prefix("0x") {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit() || c == '_');
    }
    let mut digits = 0;
    let mut dots = 0;
    let mut exp = false;
    for (i, c) in t.char_indices() {
        match c {
            '0'..='9' => digits += 1,
            '_' => {}
            '.' => dots += 1,
            'e' | 'E' if digits > 0 && !exp => exp = true,
            '-' | '+' if exp && t[..i].ends_with(['e', 'E']) => {}
            _ => return false,
        }
    }
    digits > 0 && dots <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_booleans_are_not_strings() {
        for t in ["1.10", "42", "0x1F", "1e3", "yes", "off", "-1"] {
            assert!(is_plain_non_string(t, ScalarStyle::Plain, false), "{t}");
        }
        for t in ["nginx", "1.10.3", "v1", "1.2-alpine", "e3"] {
            assert!(!is_plain_non_string(t, ScalarStyle::Plain, false), "{t}");
        }
        assert!(!is_plain_non_string(
            "1.10",
            ScalarStyle::DoubleQuoted,
            false
        ));
    }
}
