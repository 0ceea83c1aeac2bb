//! Image references as the kubelet parses them, with the byte range of every component.
//!
//! The grammar is Go's `github.com/distribution/reference` v0.6 (`ParseNormalizedNamed`); where
//! we deliberately differ, `DIFFERENCES.md` in this folder says so and why.

mod constants;
mod digest;
mod error;
mod reference;
mod suggest;

pub use constants::{DOCKER_HUB, DOCKER_HUB_LEGACY, NAME_MAX, OFFICIAL_PREFIX, TAG_MAX};
pub use error::{RefError, RefErrorKind, RefPart};
pub use reference::{ImageRef, parse_reference};
pub use suggest::{Correction, correct};
