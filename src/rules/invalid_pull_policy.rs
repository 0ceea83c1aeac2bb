//! `invalid-pull-policy`: `imagePullPolicy` must be exactly `Always`, `IfNotPresent` or `Never`.

use super::{Category, ContainerCheck, RuleMeta};
use crate::finding::{Applicability, Finding, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "invalid-pull-policy",
    severity: Severity::Error,
    category: Category::Image,
    summary: "`imagePullPolicy` is not exactly `Always`, `IfNotPresent` or `Never`",
    doc: include_str!("../../rules/invalid-pull-policy.md"),
};

pub const POLICIES: [&str; 3] = ["Always", "IfNotPresent", "Never"];

pub fn check(c: &ContainerCheck<'_>, out: &mut Vec<Finding>) {
    let Some(policy) = c.container.explicit_pull_policy() else {
        return;
    };
    if POLICIES.contains(&policy.text.as_str()) {
        return;
    }
    let mut f = Finding::new(
        &META,
        c.span(policy.span.clone()),
        format!(
            "imagePullPolicy {:?} is not one of Always, IfNotPresent, Never (the values are \
             case-sensitive); the API server rejects the object",
            policy.text
        ),
    );
    f = match closest_policy(&policy.text) {
        Some(p) => {
            // Only a case or spacing variant has one reading; a typo's nearest word is a guess.
            let applicability = if variant_of(&policy.text) == Some(p) {
                Applicability::Safe
            } else {
                Applicability::Unsafe
            };
            let fix = c.scalar_fix(policy, p, applicability, &format!("write `{p}`"));
            f.label(format!("did you mean `{p}`?"))
                .help(format!("write `imagePullPolicy: {p}`"))
                .fix(fix)
        }
        None => f
            .label("unknown policy")
            .help("use `IfNotPresent` for pinned tags or digests, `Always` for mutable tags"),
    };
    out.push(c.alias_note(policy, f));
}

/// The policy `text` is a case or spacing variant of (`always`, `"IfNotPresent "`,
/// `if-not-present`, `NEVER`): the same letters once case, blanks, `-` and `_` are set aside.
pub fn variant_of(text: &str) -> Option<&'static str> {
    let squashed: String = text
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '_')))
        .collect::<String>()
        .to_ascii_lowercase();
    POLICIES
        .iter()
        .find(|p| p.to_ascii_lowercase() == squashed)
        .copied()
}

/// The policy the user most likely meant: same letters ignoring case and separators, else
/// within a small edit distance.
pub fn closest_policy(text: &str) -> Option<&'static str> {
    let squashed: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if let Some(p) = POLICIES.iter().find(|p| p.to_ascii_lowercase() == squashed) {
        return Some(p);
    }
    POLICIES
        .iter()
        .map(|p| (edit_distance(&squashed, &p.to_ascii_lowercase()), *p))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, p)| p)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let best = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur[j + 1] = best;
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::closest_policy;

    #[test]
    fn suggests_the_intended_policy() {
        assert_eq!(closest_policy("always"), Some("Always"));
        assert_eq!(closest_policy("if-not-present"), Some("IfNotPresent"));
        assert_eq!(closest_policy("IfNotPresnt"), Some("IfNotPresent"));
        assert_eq!(closest_policy("Nevr"), Some("Never"));
        assert_eq!(closest_policy("sometimes"), None);
    }

    #[test]
    fn only_case_and_spacing_variants_are_variants() {
        use super::variant_of;
        assert_eq!(variant_of("always"), Some("Always"));
        assert_eq!(variant_of("IfNotPresent "), Some("IfNotPresent"));
        assert_eq!(variant_of("if_not-present"), Some("IfNotPresent"));
        assert_eq!(variant_of(" NEVER\t"), Some("Never"));
        assert_eq!(variant_of("IfNotPresnt"), None);
        assert_eq!(variant_of("Never!"), None);
        assert_eq!(variant_of("sometimes"), None);
    }
}
