//! The integration tests: one crate (one binary to link), one module per area.

mod ci_support;
mod common;

mod architecture;
mod ci_action;
mod ci_actionlint;
mod ci_github_gitlab;
mod ci_output_flag;
mod ci_pre_commit;
mod ci_sarif;
mod cli;
mod completions;
mod config;
mod cross_object;
mod docs;
mod fixtures;
mod hostile;
mod hostile_regressions;
mod image_differential;
mod image_reference;
mod json_reader;
mod kinds;
mod kubectl_fixtures;
mod kubectl_paste;
mod kubectl_robustness;
mod kubectl_samples;
mod kubectl_snapshots;
mod kubectl_wrapping;
mod list_streaming;
mod new_rule;
mod no_secret_leak;
mod render;
mod suppression;
mod third_party_licenses;
mod version;
mod yaml_differential;
