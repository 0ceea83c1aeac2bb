//! Image references as the kubelet parses them, with the byte range of every component.
//!
//! The grammar is Go's `github.com/distribution/reference` v0.6 (`ParseNormalizedNamed`); where
//! we deliberately differ, `DIFFERENCES.md` in this folder says so and why.

mod digest;
mod error;
mod reference;

pub use error::{RefError, RefErrorKind, RefPart};
pub use reference::{
    DOCKER_HUB, DOCKER_HUB_LEGACY, ImageRef, NAME_MAX, OFFICIAL_PREFIX, TAG_MAX, parse_reference,
};
