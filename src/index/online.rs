//! What the registry check (`--online`) learned about the images of the run: facts the rules
//! read, keyed by the container's image. The engine fills them (it alone calls
//! `crate::registry`); offline they are empty and the online rules find nothing.

use crate::source::FileId;
use std::collections::HashMap;

/// The answers of one run, per container image (its file and the image value's offset).
#[derive(Clone, Debug, Default)]
pub struct Availability {
    by_image: HashMap<(FileId, usize), Verdict>,
}

impl Availability {
    pub fn insert(&mut self, file: FileId, image_start: usize, verdict: Verdict) {
        self.by_image.insert((file, image_start), verdict);
    }

    pub fn get(&self, file: FileId, image_start: usize) -> Option<&Verdict> {
        self.by_image.get(&(file, image_start))
    }

    pub fn is_empty(&self) -> bool {
        self.by_image.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by_image.len()
    }
}

/// What the registry said about one container's image, asked the way its pod would ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    /// Which credentials were used, by name, never by value: `pull secret default/regcred`,
    /// `docker config`, `anonymous`.
    pub credentials: String,
    /// The digest the registry serves for the reference (when it answered).
    pub digest: Option<String>,
    /// The platforms the image offers (`linux/amd64`), when they were asked for.
    pub platforms: Vec<String>,
    /// Answered from the cache, without a request.
    pub cached: bool,
    /// The pod's ServiceAccount when it is not among the linted files: pull secrets it may
    /// add were not tried.
    pub unseen_service_account: Option<String>,
}

impl Verdict {
    /// The registry said something about the image itself (not: unreachable, rate limited).
    pub fn answered(&self) -> bool {
        !matches!(
            self.outcome,
            Outcome::Unreachable { .. } | Outcome::RateLimited { .. }
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pullable,
    /// The tag, digest or repository does not exist. `maybe_private`: the registry would not
    /// tell (Docker Hub answers 401 for a repository that does not exist, and no credentials
    /// could ask again); `nearest`: the closest existing tags.
    NotFound {
        what: String,
        maybe_private: bool,
        nearest: Vec<String>,
    },
    /// The registry refuses the credentials the pod would use, or wants some and the pod has
    /// none. `exists`: asked again with the user's Docker config, the image was found
    /// (`Some(true)`), or that could not be asked (`None`).
    Unauthorized {
        status: u16,
        exists: Option<bool>,
    },
    /// No variant for a platform the pod may run on; `because` says where the platforms came
    /// from (`nodeSelector`, `Node objects`, `the config's platforms`).
    PlatformMissing {
        wanted: Vec<String>,
        because: String,
    },
    /// DNS, connection, TLS or timeout: CI's network may differ from the nodes'.
    Unreachable {
        error: String,
    },
    RateLimited {
        retry_after_secs: Option<u64>,
    },
}
