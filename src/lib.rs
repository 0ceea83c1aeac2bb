//! pullcheck: an offline linter for Kubernetes image-pull failures.
