//! The constants of Go's `distribution/reference` that the grammar, its messages and its
//! suggestions share.

/// Docker Hub's canonical domain (normalize.go `defaultDomain`).
pub const DOCKER_HUB: &str = "docker.io";
/// The legacy Docker Hub domain, rewritten to [`DOCKER_HUB`] (normalize.go `legacyDefaultDomain`).
pub const DOCKER_HUB_LEGACY: &str = "index.docker.io";
/// The namespace of official images (normalize.go `officialRepoPrefix`).
pub const OFFICIAL_PREFIX: &str = "library/";
/// Longest repository path, counted after normalization (reference.go `RepositoryNameTotalLengthMax`).
pub const NAME_MAX: usize = 255;
/// Longest tag (regexp.go `tag`: one character then at most 127).
pub const TAG_MAX: usize = 128;
