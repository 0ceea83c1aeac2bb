//! ServiceAccounts: the `imagePullSecrets` every pod running as them gets.

use super::{PullSecretRef, pull_secrets_of};
use crate::syntax::Cursor;
use std::ops::Range;

#[derive(Clone, Debug, Default)]
pub struct ServiceAccountFacts {
    pub image_pull_secrets: Vec<PullSecretRef>,
    /// The `imagePullSecrets` key, when present.
    pub pull_secrets_key: Option<Range<usize>>,
}

pub fn extract_service_account(obj: &Cursor<'_>) -> ServiceAccountFacts {
    let (pull_secrets_key, image_pull_secrets) = pull_secrets_of(obj);
    ServiceAccountFacts {
        image_pull_secrets,
        pull_secrets_key,
    }
}
