//! Values as Helm sees them: every scalar leaf of a values file with its path, what Helm
//! renders for it (a YAML number is a float64 to Helm: `2.10` → `2.1`, `44526276` →
//! `4.4526276e+07`) and where it is written.

use super::{SetValue, SourceText};
use crate::syntax::{Cursor, ParseLimits, ScalarStyle, parse_stream};
use std::ops::Range;
use std::sync::Arc;

/// One scalar of a values source.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// Dotted path from the chart's values root (`image.tag`, `postgresql.image.tag`).
    pub path: String,
    /// As written.
    pub written: String,
    /// As `{{ .Values.x }}` prints it.
    pub rendered: String,
    /// YAML types it as an int or a float.
    pub is_number: bool,
    pub file: Arc<SourceText>,
    pub span: Range<usize>,
}

impl Leaf {
    /// The texts this value can print as inside an image. `{{ .Values.x }}` prints a number as
    /// Go's `%v` does (`rendered`); a chart that formats it with `printf "%s"` (as
    /// prometheus-community's image helper does) gets Go's bad-verb form, `%!s(float64=2.1)`:
    /// Helm reads every YAML number of a values file as a float64.
    pub fn renderings(&self) -> Vec<String> {
        if self.is_number {
            vec![
                self.rendered.clone(),
                format!("%!s(float64={})", self.rendered),
            ]
        } else {
            vec![self.rendered.clone()]
        }
    }
}

const MAX_DEPTH: usize = 48;

/// The leaves of one values file; `prefix` places a subchart's values under its name.
pub fn leaves(file: &Arc<SourceText>, prefix: &str) -> Vec<Leaf> {
    let mut out = Vec::new();
    for doc in parse_stream(&file.text, 0, &ParseLimits::default())
        .into_iter()
        .take(1)
        .flatten()
    {
        if let Some(root) = doc.root() {
            walk(&root, prefix, file, 0, &mut out);
        }
    }
    out
}

fn walk(c: &Cursor<'_>, path: &str, file: &Arc<SourceText>, depth: usize, out: &mut Vec<Leaf>) {
    if depth > MAX_DEPTH || out.len() > 100_000 {
        return;
    }
    if c.is_map() {
        for (k, v) in c.entries() {
            let Some(key) = k.as_str() else { continue };
            let p = if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            };
            walk(&v, &p, file, depth + 1, out);
        }
    } else if c.is_seq() {
        for (i, item) in c.items().enumerate() {
            walk(&item, &format!("{path}[{i}]"), file, depth + 1, out);
        }
    } else if let Some((text, style, str_tag)) = c.scalar() {
        if c.is_null() || matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            return;
        }
        let number = if style == ScalarStyle::Plain && !str_tag {
            yaml_number(text)
        } else {
            None
        };
        out.push(Leaf {
            path: path.to_string(),
            written: text.to_string(),
            rendered: number.map_or_else(|| text.to_string(), go_float),
            is_number: number.is_some(),
            file: file.clone(),
            span: c.value_range(),
        });
    }
}

/// The leaves of the config's `set:` entries.
pub fn set_leaves(set: &[SetValue], file: &Arc<SourceText>) -> Vec<Leaf> {
    set.iter()
        .map(|s| Leaf {
            path: s.path.clone(),
            written: s.written.clone(),
            rendered: match &s.json {
                serde_json::Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), go_float),
                serde_json::Value::String(t) => t.clone(),
                other => other.to_string(),
            },
            is_number: s.is_number,
            file: file.clone(),
            span: s.span.clone(),
        })
        .collect()
}

/// `set:` as a values document (`{"image": {"tag": 2.1}}`).
pub fn set_document(set: &[SetValue]) -> serde_json::Value {
    let mut root = serde_json::Map::new();
    for s in set {
        insert_path(&mut root, &s.path, s.json.clone());
    }
    serde_json::Value::Object(root)
}

/// Sets the dotted `path` (`image.tag`) in a values document.
pub fn insert_path(
    map: &mut serde_json::Map<String, serde_json::Value>,
    path: &str,
    value: serde_json::Value,
) {
    let parts: Vec<&str> = path.split('.').filter(|p| !p.is_empty()).collect();
    insert(map, &parts, value);
}

fn insert(
    map: &mut serde_json::Map<String, serde_json::Value>,
    parts: &[&str],
    value: serde_json::Value,
) {
    match parts {
        [] => {}
        [last] => {
            map.insert((*last).to_string(), value);
        }
        [first, rest @ ..] => {
            let entry = map
                .entry((*first).to_string())
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if !entry.is_object() {
                *entry = serde_json::Value::Object(serde_json::Map::new());
            }
            if let serde_json::Value::Object(next) = entry {
                insert(next, rest, value);
            }
        }
    }
}

/// The value of a plain scalar that YAML 1.1 (go-yaml v2, which Helm reads values with)
/// types as a number: `ParseInt(s, 0, 64)` with `_` removed, then the YAML float form.
pub fn yaml_number(text: &str) -> Option<f64> {
    let plain = text.replace('_', "");
    let (sign, body) = match plain.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, plain.strip_prefix('+').unwrap_or(&plain)),
    };
    if body.is_empty() {
        return None;
    }
    let int = if let Some(hex) = body.strip_prefix("0x") {
        u64::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = body.strip_prefix("0b") {
        u64::from_str_radix(bin, 2).ok()
    } else if body.len() > 1 && body.starts_with('0') {
        u64::from_str_radix(body, 8).ok()
    } else if body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse::<u64>().ok()
    } else {
        None
    };
    if let Some(i) = int {
        return Some(sign * i as f64);
    }
    is_yaml_float(body)
        .then(|| body.parse::<f64>().ok())
        .flatten()
        .map(|f| sign * f)
}

/// `^(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` (go-yaml v2's float form, sign removed).
fn is_yaml_float(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (s.get(..i).unwrap_or(""), s.get(i + 1..)),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()),
        Some((int, frac)) => {
            !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exp_ok = exp.is_none_or(|e| {
        let d = e.strip_prefix(['-', '+']).unwrap_or(e);
        !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exp_ok
}

/// Go's `fmt.Sprint(float64)` (`%v`, i.e. `%g` with the shortest digits): exponent form when
/// the exponent is below -4 or at least 6 (strconv's `eprec` for shortest).
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as Go's shortest does.
    let e = format!("{:e}", f.abs());
    let Some((mantissa, exp)) = e.split_once('e') else {
        return e;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let nd = digits.len() as i32;
    let point = exp + 1;
    let body = if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point >= nd {
        format!("{digits}{}", "0".repeat((point - nd) as usize))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_prints_numbers_as_go_prints_float64() {
        let v = |s: &str| yaml_number(s).map(go_float);
        assert_eq!(v("2.10").as_deref(), Some("2.1"));
        assert_eq!(v("44526276").as_deref(), Some("4.4526276e+07"));
        assert_eq!(v("1.0").as_deref(), Some("1"));
        assert_eq!(v("1e3").as_deref(), Some("1000"));
        assert_eq!(v("123456").as_deref(), Some("123456"));
        assert_eq!(v("1234567").as_deref(), Some("1.234567e+06"));
        assert_eq!(v("0.0001").as_deref(), Some("0.0001"));
        assert_eq!(v("0.00001").as_deref(), Some("1e-05"));
        assert_eq!(v("-3").as_deref(), Some("-3"));
        assert_eq!(v("0755").as_deref(), Some("493"));
        assert_eq!(v("0x1F").as_deref(), Some("31"));
        assert_eq!(v("10_000").as_deref(), Some("10000"));
        assert_eq!(v("1.2.3"), None);
        assert_eq!(v("v1"), None);
        assert_eq!(v("latest"), None);
        assert_eq!(v("."), None);
        assert_eq!(v("1e"), None);
    }
}
