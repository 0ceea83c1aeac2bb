//! A unified diff (`diff -u` format, 3 lines of context) of a file before and after pinning.
//! Pinning changes a line or adds one here and there, so the lines are matched greedily with a
//! bounded look-ahead to resynchronise, never a quadratic search over the file.

/// Lines of context around a change.
const CONTEXT: usize = 3;
/// How far ahead, in lines, a change is looked past to find equal lines again.
const LOOKAHEAD: usize = 64;

/// One run of changed lines: old lines `old` replaced by new lines `new`.
struct Change {
    old: std::ops::Range<usize>,
    new: std::ops::Range<usize>,
}

pub fn unified(name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let changes = changes(&a, &b);
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    let mut i = 0;
    while i < changes.len() {
        // Changes closer than twice the context share a hunk.
        let mut j = i;
        while let (Some(cur), Some(next)) = (changes.get(j), changes.get(j + 1)) {
            if next.old.start > cur.old.end + 2 * CONTEXT {
                break;
            }
            j += 1;
        }
        let (Some(first), Some(last)) = (changes.get(i), changes.get(j)) else {
            break;
        };
        let old_start = first.old.start.saturating_sub(CONTEXT);
        let new_start = first.new.start.saturating_sub(first.old.start - old_start);
        let old_end = (last.old.end + CONTEXT).min(a.len());
        let new_end = last.new.end + (old_end - last.old.end);
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(old_start, old_end - old_start),
            range(new_start, new_end - new_start)
        ));
        let mut at = old_start;
        for c in changes.get(i..=j).unwrap_or(&[]) {
            for line in a.get(at..c.old.start).unwrap_or(&[]) {
                push(&mut out, ' ', line);
            }
            for line in a.get(c.old.clone()).unwrap_or(&[]) {
                push(&mut out, '-', line);
            }
            for line in b.get(c.new.clone()).unwrap_or(&[]) {
                push(&mut out, '+', line);
            }
            at = c.old.end;
        }
        for line in a.get(at..old_end).unwrap_or(&[]) {
            push(&mut out, ' ', line);
        }
        i = j + 1;
    }
    out
}

/// `start,len` as `diff -u` writes it (1-based; an empty range names the line before it).
fn range(start: usize, len: usize) -> String {
    if len == 0 {
        format!("{start},0")
    } else {
        format!("{},{len}", start + 1)
    }
}

fn push(out: &mut String, sign: char, line: &str) {
    out.push(sign);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

fn changes(a: &[&str], b: &[&str]) -> Vec<Change> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if a.get(i).is_some() && a.get(i) == b.get(j) {
            i += 1;
            j += 1;
            continue;
        }
        // The nearest (x, y) with a[i+x] == b[j+y], fewest lines skipped first.
        let mut sync = None;
        'search: for k in 1..=2 * LOOKAHEAD {
            for x in 0..=k {
                let y = k - x;
                if x > LOOKAHEAD || y > LOOKAHEAD {
                    continue;
                }
                if let (Some(l), Some(r)) = (a.get(i + x), b.get(j + y))
                    && l == r
                {
                    sync = Some((x, y));
                    break 'search;
                }
            }
        }
        let (x, y) = sync.unwrap_or((a.len() - i, b.len() - j));
        out.push(Change {
            old: i..i + x,
            new: j..j + y,
        });
        i += x;
        j += y;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn a_changed_and_an_added_line_in_diff_u_form() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
        let new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n";
        assert_eq!(
            unified("x.yaml", old, new),
            "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n\
             @@ -10,3 +10,4 @@\n j\n k\n l\n+m\n"
        );
    }

    #[test]
    fn nothing_changed_no_diff() {
        assert_eq!(unified("x", "a\n", "a\n"), "");
    }
}
