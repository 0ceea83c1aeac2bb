//! pullcheck: an offline linter for Kubernetes image-pull failures.

pub mod kubectl;
