//! The end of a run: findings masked (no secret in any string), in their final, deterministic
//! order (whatever the thread count) and the counts, as the [`Report`] every emitter receives.

use crate::finding::{Applicability, Finding, Severity};
use crate::report::{Report, Summary};
use crate::source::SourceMap;

/// Sorts the findings, counts them by severity and hands over the report.
pub(super) fn report(
    sources: SourceMap,
    mut findings: Vec<Finding>,
    mut summary: Summary,
    input_failed: bool,
) -> Report {
    mask_secrets(&sources, &mut findings);
    drop_unwritable_fixes(&sources, &mut findings);
    sort_findings(&sources, &mut findings);
    for f in &findings {
        match f.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Note => summary.notes += 1,
        }
        match f.fix.as_ref().map(|x| x.applicability) {
            Some(Applicability::Safe) => summary.fixable += 1,
            Some(Applicability::Unsafe) => summary.unsafe_fixable += 1,
            None => {}
        }
    }
    Report {
        sources,
        findings,
        summary,
        input_failed,
        online: None,
    }
}

/// Masks every string of every finding with the same rules as the snippets
/// ([`crate::source::redact`]): credential-shaped text everywhere, and a Secret's own values in
/// the findings that point into them (a syntax error inside `data`). A Secret's value found in
/// any other finding is not Secret data there: a Secret holding `latest` must not turn
/// `nginx:latest` into `nginx:******` across the run, which would also tell its value.
fn mask_secrets(sources: &SourceMap, findings: &mut [Finding]) {
    use crate::source::redact::{KnownSecrets, mask_str};
    use std::collections::HashMap;
    let none = KnownSecrets::new(std::iter::empty());
    let mut known: HashMap<crate::source::FileId, KnownSecrets> = HashMap::new();
    let memo = Memo::default();
    for f in findings {
        let spans = std::iter::once(&f.span)
            .chain(f.secondary.iter().map(|l| &l.span))
            .chain(f.evidence.iter());
        let mut touched: Vec<crate::source::FileId> = spans
            .filter(|s| {
                sources
                    .get(s.file)
                    .is_some_and(|file| file.touches_secret(&s.range()))
            })
            .map(|s| s.file)
            .collect();
        touched.sort_unstable_by_key(|id| id.0);
        touched.dedup();
        for id in &touched {
            known.entry(*id).or_insert_with(|| {
                KnownSecrets::new(sources.get(*id).into_iter().flat_map(|s| s.secret_values()))
            });
        }
        let values: Vec<&KnownSecrets> = touched.iter().filter_map(|id| known.get(id)).collect();
        let values = if values.is_empty() {
            vec![&none]
        } else {
            values
        };
        let mask = |s: &str| {
            let mut out: Option<String> = None;
            for k in &values {
                let current = out.as_deref().unwrap_or(s);
                if let std::borrow::Cow::Owned(masked) = mask_str(current, k) {
                    out = Some(masked);
                }
            }
            out
        };
        if touched.is_empty() {
            f.mask_texts(|s| memo.mask(s, mask));
        } else {
            f.mask_texts(mask);
        }
    }
}

/// The masking of the strings findings repeat (help texts, kinds, namespaces, registries): the
/// same for every finding that touches no Secret, so each is masked once. The credential
/// patterns ran again on each finding's help text ("… imagePullSecrets …"): 8 % of a 25 MB
/// dump's run with 10,000 findings (issue 24). Bounded: cleared when full.
#[derive(Default)]
struct Memo(std::cell::RefCell<std::collections::HashMap<String, Option<String>>>);

impl Memo {
    const CAPACITY: usize = 4096;

    fn mask(&self, s: &str, mask: impl Fn(&str) -> Option<String>) -> Option<String> {
        if let Some(known) = self.0.borrow().get(s) {
            return known.clone();
        }
        let masked = mask(s);
        let mut memo = self.0.borrow_mut();
        if memo.len() >= Self::CAPACITY {
            memo.clear();
        }
        memo.insert(s.to_string(), masked.clone());
        masked
    }
}

/// A fix is offered only where it can be written and shown: in a file a user edits (never
/// rendered text: tracing carries fixes out of it or drops them), on text that was kept, and
/// touching no secret, with a replacement that shows nothing the masking would hide.
fn drop_unwritable_fixes(sources: &SourceMap, findings: &mut [Finding]) {
    use crate::source::redact::{KnownSecrets, mask_str};
    let none = KnownSecrets::new(std::iter::empty());
    for f in findings {
        let keep = f.fix.as_ref().is_some_and(|fix| {
            sources.get(fix.span.file).is_some_and(|file| {
                !matches!(file.origin, crate::source::Origin::Rendered)
                    && file.raw_text().get(fix.span.range()).is_some()
                    && !file.touches_secret(&fix.span.range())
                    && file.display_text().get(fix.span.range())
                        == file.raw_text().get(fix.span.range())
                    && matches!(
                        mask_str(&fix.replacement, &none),
                        std::borrow::Cow::Borrowed(_)
                    )
            })
        });
        if !keep {
            f.fix = None;
        }
    }
}

fn sort_findings(sources: &SourceMap, findings: &mut [Finding]) {
    let name = |f: &Finding| sources.get(f.span.file).map(|s| s.name.as_str());
    // Positions are sorted, not the findings: a stable sort of 300-byte findings takes a buffer
    // as big as all of them (3.4 MB at the peak of a dump with 10,000 findings, issue 24), of
    // positions 8 bytes each. Same comparison, stable too (ties keep their order): same order.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| match (findings.get(a), findings.get(b)) {
        (Some(a), Some(b)) => name(a)
            .cmp(&name(b))
            .then(a.span.start.cmp(&b.span.start))
            .then(a.span.end.cmp(&b.span.end))
            .then(a.rule.cmp(b.rule))
            .then(a.message.cmp(&b.message)),
        _ => a.cmp(&b),
    });
    permute(findings, &mut order);
}

/// Puts `items[order[i]]` at `i` for every `i`, in place: each cycle of the permutation is
/// walked once with swaps. `order` must be a permutation of `0..items.len()`; it is used up.
fn permute<T>(items: &mut [T], order: &mut [usize]) {
    const DONE: usize = usize::MAX;
    for start in 0..order.len() {
        let mut at = start;
        while let Some(next) = order.get_mut(at).map(|n| std::mem::replace(n, DONE)) {
            if next == DONE || next == start || next >= items.len() {
                break;
            }
            items.swap(at, next);
            at = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::permute;

    #[test]
    fn permuting_in_place_is_indexing() {
        for order in [
            vec![],
            vec![0],
            vec![2, 0, 1],
            vec![1, 0, 3, 2],
            vec![4, 3, 2, 1, 0],
            vec![0, 2, 4, 1, 3, 5],
            vec![5, 0, 1, 2, 3, 4],
        ] {
            let items: Vec<usize> = (0..order.len()).map(|i| i * 10).collect();
            let want: Vec<usize> = order.iter().map(|&i| items[i]).collect();
            let mut got = items.clone();
            permute(&mut got, &mut order.clone());
            assert_eq!(got, want, "{order:?}");
        }
    }
}
