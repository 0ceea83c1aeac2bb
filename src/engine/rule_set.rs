//! Which rules run in this run, and at which severity: `--select`, `--ignore` and the config,
//! applied to the rule table.

use super::options::LintOptions;
use crate::finding::{Finding, Severity};
use crate::rules::{self, ContainerRule, RuleMeta};
use std::collections::HashMap;

/// Which rules run, and the severity a user set for them (`None`: the rule's own, which for a
/// few rules depends on the finding, e.g. a cloud registry is only a note).
pub struct RuleSet {
    enabled: HashMap<&'static str, Option<Severity>>,
    /// The enabled container rules, in table order (run for every container).
    pub(super) container_rules: Vec<ContainerRule>,
}

impl RuleSet {
    pub fn new(opts: &LintOptions) -> Result<RuleSet, String> {
        for name in opts.select.iter().chain(&opts.ignore) {
            if rules::find(name).is_none() {
                return Err(format!(
                    "unknown rule {name:?}; `pullcheck rules` lists them"
                ));
            }
        }
        let enabled = rules::CATALOG
            .iter()
            .filter(|r| opts.select.is_empty() || opts.select.iter().any(|s| s == r.name))
            .filter(|r| !opts.ignore.iter().any(|s| s == r.name))
            .filter_map(|r| match opts.severities.get(r.name) {
                Some(None) => None,
                Some(Some(sev)) => Some((r.name, Some(*sev))),
                None => Some((r.name, None)),
            })
            .collect::<HashMap<_, _>>();
        let container_rules = rules::container_rules()
            .filter(|(meta, _)| enabled.contains_key(meta.name))
            .map(|(_, rule)| rule)
            .collect();
        Ok(RuleSet {
            enabled,
            container_rules,
        })
    }

    pub fn is_enabled(&self, rule: &RuleMeta) -> bool {
        self.enabled.contains_key(rule.name)
    }

    pub fn is_enabled_name(&self, rule: &str) -> bool {
        self.enabled.contains_key(rule)
    }

    /// Drops findings of disabled rules and applies severity overrides.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        findings.retain_mut(|f| match self.enabled.get(f.rule) {
            Some(sev) => {
                if let Some(sev) = sev {
                    f.severity = *sev;
                }
                true
            }
            None => false,
        });
    }
}
