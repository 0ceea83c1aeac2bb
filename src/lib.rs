//! pullcheck: an offline linter for Kubernetes image-pull failures.
pub mod cli;
pub mod config;
pub mod emit;
pub mod engine;
pub mod finding;
pub mod generate;
pub mod image;
pub mod index;
pub mod kubectl;
pub mod model;
pub mod render;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod source;
pub mod suppression;
pub mod syntax;
