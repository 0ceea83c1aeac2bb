//! `--diff`: what `--fix` would write, as a unified diff (`git apply` / `patch -p1` read it).

/// The unified diff from `before` to `after` of the file reported as `name` (`a/NAME`,
/// `b/NAME`, three lines of context); empty when they are equal.
pub fn unified_diff(name: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let name = crate::sanitize::sanitize(name);
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::unified_diff;

    #[test]
    fn a_one_line_change_with_its_context() {
        let before = "a: 1\nb: always\nc: 3\n";
        let after = "a: 1\nb: Always\nc: 3\n";
        assert_eq!(
            unified_diff("x.yaml", before, after),
            "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,3 +1,3 @@\n a: 1\n-b: always\n+b: Always\n c: 3\n"
        );
        assert_eq!(unified_diff("x.yaml", before, before), "");
    }
}
