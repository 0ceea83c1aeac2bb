//! The answer cache of `--online` (issue 20): what a registry said, kept between runs so that a
//! second run over the same files within a tag's lifetime sends nothing.
//!
//! - **What is kept:** definite answers only: `Found` (digest, media type, platforms) and
//!   `NotFound`, and the tag lists used for suggestions. Never `Unauthorized`: a refusal is a
//!   statement about a credential today (a secret rotated, a grant added or a token expired
//!   change it), and reusing it would hide the fix a user just made. Never `Unreachable`,
//!   `RateLimited` or `Refused`: they say something about this network, this moment or this
//!   run's own rules, not about the image.
//! - **For how long:** an answer about a digest for [`DIGEST_LIFETIME`] (a digest names
//!   immutable content); an answer about a tag, and a tag list, for the configured tag lifetime
//!   (`online.tag-lifetime`, 300 s by default). `refresh` ignores cached tag answers (and
//!   still writes fresh ones).
//! - **No credential is stored.** An entry's file name is an HMAC-SHA256, keyed with a random
//!   salt of this cache (`salt`, mode 0600), over the registry, repository, reference, the
//!   options that change who is asked (mirrors, insecure hosts, CA files) and the credential.
//!   Two pull secrets never share an answer, and neither the names nor the contents of the
//!   files reveal a password, even to someone who reads the directory offline (without the
//!   salt a guess cannot be checked; with it, only by asking the HMAC again per guess). The
//!   entry holds the answer and its own key, nothing else.
//! - **Safety:** the directory is created 0700 and an existing one that others may read or
//!   that is not the user's is not used. Entries are written to a temporary file and renamed,
//!   so a reader sees an old entry or a new one, never half of one; a corrupt, truncated,
//!   oversized or foreign file is a miss, never an error. At most [`MAX_ENTRIES`] entries and
//!   [`MAX_BYTES`] bytes: the oldest go first. Concurrent runs may write the same entry: the
//!   last rename wins, and both wrote a true answer.

use super::{Answer, Credential, Platform, Query, Reference};
use crate::source::private_dir::{
    TEMP_SEQ, create_private_dir, hex, private_file, prune_dir, salt,
};
use ring::hmac;
use std::fs;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long an answer about a digest is reused.
pub const DIGEST_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long an answer about a tag is reused unless the config says otherwise.
pub const DEFAULT_TAG_LIFETIME: Duration = Duration::from_secs(300);
/// The most entries kept; beyond it the oldest are removed.
pub const MAX_ENTRIES: usize = 10_000;
/// The most bytes of entries kept.
pub const MAX_BYTES: u64 = 50 * 1024 * 1024;
/// An entry is a few hundred bytes; a tag list of 2,000 tags some dozens of KiB.
const ENTRY_CAP: u64 = 1024 * 1024;
/// Files looked at when pruning, at most (a directory someone filled with junk stays bounded).
const FORMAT: u32 = 1;

/// How the cache is used in a run.
#[derive(Clone, Debug)]
pub struct CacheSettings {
    /// The directory of entries (`$XDG_CACHE_HOME/pullcheck/registry` by default).
    pub dir: PathBuf,
    pub tag_lifetime: Duration,
    /// Ignore cached answers about tags (fresh ones are still written).
    pub refresh: bool,
}

impl CacheSettings {
    /// The default place: `$XDG_CACHE_HOME/pullcheck/registry`, else
    /// `~/.cache/pullcheck/registry`; `None` when neither is known.
    pub fn default_dir() -> Option<PathBuf> {
        Some(crate::source::private_dir::default_root()?.join("registry"))
    }
}

/// An open cache: its directory and the key of its HMAC.
pub struct Cache {
    dir: PathBuf,
    key: hmac::Key,
    /// What else decides an answer: the client's mirrors, insecure hosts and CA files.
    context: String,
    tag_lifetime: Duration,
    refresh: bool,
    /// Whether this run wrote an entry: only then can the bounds have been passed.
    wrote: std::sync::atomic::AtomicBool,
}

/// What an entry holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    v: u32,
    /// The entry's own name: a file copied or renamed from elsewhere is not this entry.
    key: String,
    /// Seconds since the epoch when the answer was received.
    stored: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    found: Option<Found>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_found: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<String>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Found {
    digest: String,
    media_type: String,
    platforms: Option<Vec<String>>,
}

impl Cache {
    /// Opens (creating it 0700 if needed) the cache directory. `context` is everything besides
    /// the query that changes an answer (mirrors, insecure hosts, CA files).
    pub fn open(settings: &CacheSettings, context: &str) -> Result<Cache, String> {
        let dir = &settings.dir;
        create_private_dir(dir)?;
        let salt = salt(dir)?;
        Ok(Cache {
            dir: dir.clone(),
            key: hmac::Key::new(hmac::HMAC_SHA256, &salt),
            context: context.to_string(),
            tag_lifetime: settings.tag_lifetime,
            refresh: settings.refresh,
            wrote: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The cached answer to `q`, if one is fresh enough.
    pub fn answer(&self, q: &Query) -> Option<Answer> {
        let digest = matches!(q.reference, Reference::Digest(_));
        if !digest && self.refresh {
            return None;
        }
        let entry = self.read(&self.query_key(q), self.lifetime(digest))?;
        match (entry.found, entry.not_found) {
            (Some(f), None) => {
                let platforms = match f.platforms {
                    None => None,
                    Some(list) => Some(
                        list.iter()
                            .map(|p| Platform::parse(p))
                            .collect::<Option<Vec<_>>>()?,
                    ),
                };
                if !super::valid_digest(&f.digest) {
                    return None;
                }
                Some(Answer::Found {
                    digest: f.digest,
                    media_type: f.media_type,
                    platforms,
                })
            }
            (None, Some(detail)) => Some(Answer::NotFound { detail }),
            _ => None,
        }
    }

    /// Keeps `answer` if it is definite (see the module's comment); does nothing otherwise.
    pub fn keep_answer(&self, q: &Query, answer: &Answer) {
        let (found, not_found) = match answer {
            Answer::Found {
                digest,
                media_type,
                platforms,
            } => (
                Some(Found {
                    digest: digest.clone(),
                    media_type: media_type.clone(),
                    platforms: platforms
                        .as_ref()
                        .map(|p| p.iter().map(Platform::to_string).collect()),
                }),
                None,
            ),
            Answer::NotFound { detail } => (None, Some(detail.clone())),
            // A refusal, a network failure, a rate limit or a request this run would not send:
            // none of them is a fact about the image (see the module's comment).
            Answer::Unauthorized { .. }
            | Answer::RateLimited { .. }
            | Answer::Unreachable { .. }
            | Answer::Refused { .. } => return,
        };
        let key = self.query_key(q);
        self.write(Entry {
            v: FORMAT,
            key,
            stored: now(),
            found,
            not_found,
            tags: None,
        });
    }

    /// The cached tag list of a repository as `credential` sees it, if fresh.
    pub fn tags(
        &self,
        registry: &str,
        repository: &str,
        credential: &Credential,
    ) -> Option<Vec<String>> {
        if self.refresh {
            return None;
        }
        let entry = self.read(
            &self.tags_key(registry, repository, credential),
            self.tag_lifetime,
        )?;
        entry.tags
    }

    pub fn keep_tags(
        &self,
        registry: &str,
        repository: &str,
        credential: &Credential,
        tags: &[String],
    ) {
        let key = self.tags_key(registry, repository, credential);
        self.write(Entry {
            v: FORMAT,
            key,
            stored: now(),
            found: None,
            not_found: None,
            tags: Some(tags.to_vec()),
        });
    }

    /// After a run that wrote entries: removes what is beyond the bounds, oldest first, and
    /// temporary files left by a run that stopped. Errors are ignored: another run may be
    /// pruning too.
    pub fn prune(&self) {
        if self.wrote.load(Ordering::Relaxed) {
            self.prune_to(MAX_ENTRIES, MAX_BYTES);
        }
    }

    fn prune_to(&self, max_entries: usize, max_bytes: u64) {
        prune_dir(&self.dir, is_entry_name, max_entries, max_bytes);
    }

    fn lifetime(&self, digest: bool) -> Duration {
        if digest {
            DIGEST_LIFETIME
        } else {
            self.tag_lifetime
        }
    }

    fn query_key(&self, q: &Query) -> String {
        let (kind, reference) = match &q.reference {
            Reference::Tag(t) => ("tag", t.as_str()),
            Reference::Digest(d) => ("digest", d.as_str()),
        };
        let platforms = if q.want_platforms { "platforms" } else { "" };
        self.mac(
            &[
                "answer",
                &q.registry,
                &q.repository,
                kind,
                reference,
                platforms,
                &self.context,
            ],
            &q.credential,
        )
    }

    fn tags_key(&self, registry: &str, repository: &str, credential: &Credential) -> String {
        self.mac(&["tags", registry, repository, &self.context], credential)
    }

    /// HMAC-SHA256 over length-prefixed fields and the credential: only this hash of the
    /// credential is ever written.
    fn mac(&self, fields: &[&str], credential: &Credential) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        let mut field = |s: &[u8]| {
            ctx.update(&(s.len() as u64).to_be_bytes());
            ctx.update(s);
        };
        for f in fields {
            field(f.as_bytes());
        }
        match credential {
            Credential::Anonymous => field(b"anonymous"),
            Credential::Basic { username, password } => {
                field(b"basic");
                field(username.as_bytes());
                field(password.as_bytes());
            }
            Credential::IdentityToken(token) => {
                field(b"identity-token");
                field(token.as_bytes());
            }
        }
        hex(ctx.sign().as_ref())
    }

    fn read(&self, key: &str, lifetime: Duration) -> Option<Entry> {
        let mut file = fs::File::open(self.dir.join(format!("{key}.json"))).ok()?;
        // Read by hand: `read_to_end` asks a file's size first and reads until a read returns
        // nothing, two system calls per entry more than needed. A short read of a regular file
        // is its end; were it not, the JSON would be cut short, and a cut entry is a miss.
        // An answer fits the stack buffer; a tag list may need the heap.
        let mut first = [0u8; 8192];
        let n = file.read(&mut first).ok()?;
        let mut rest = Vec::new();
        let text: &[u8] = if n < first.len() {
            first.get(..n)?
        } else {
            rest.extend_from_slice(&first);
            let mut len = rest.len();
            loop {
                if len == rest.len() {
                    rest.resize(len * 2, 0);
                }
                let room = rest.len() - len;
                let n = file.read(rest.get_mut(len..)?).ok()?;
                len += n;
                if len as u64 > ENTRY_CAP {
                    return None;
                }
                if n < room {
                    break;
                }
            }
            rest.truncate(len);
            &rest
        };
        let entry: Entry = serde_json::from_slice(text).ok()?;
        if entry.v != FORMAT || entry.key != key {
            return None;
        }
        let now = now();
        // An entry from the future (a clock set back, a forged file) is not trusted.
        if entry.stored > now.saturating_add(60)
            || now.saturating_sub(entry.stored) >= lifetime.as_secs()
        {
            return None;
        }
        Some(entry)
    }

    /// Writes an entry atomically: a temporary file, then a rename. A failure is not an error
    /// of the run: the answer is simply not kept.
    fn write(&self, entry: Entry) {
        let Ok(text) = serde_json::to_vec(&entry) else {
            return;
        };
        if text.len() as u64 > ENTRY_CAP {
            return;
        }
        let temp = self.dir.join(format!(
            ".tmp-{}-{}-{}",
            std::process::id(),
            TEMP_SEQ.fetch_add(1, Ordering::Relaxed),
            &entry.key
        ));
        let written = private_file(&temp).and_then(|mut f| f.write_all(&text));
        if written.is_err()
            || fs::rename(&temp, self.dir.join(format!("{}.json", entry.key))).is_err()
        {
            let _ = fs::remove_file(&temp);
        } else {
            self.wrote.store(true, Ordering::Relaxed);
        }
    }
}

fn is_entry_name(name: &str) -> bool {
    name.strip_suffix(".json")
        .is_some_and(|k| k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(repository: &str, credential: Credential) -> Query {
        Query {
            registry: "registry.test".into(),
            repository: repository.into(),
            reference: Reference::Tag("1.0".into()),
            credential,
            want_platforms: false,
        }
    }

    fn found(n: usize) -> Answer {
        Answer::Found {
            digest: format!("sha256:{n:064x}"),
            media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            platforms: None,
        }
    }

    fn open(name: &str) -> (PathBuf, Cache) {
        let dir = std::env::temp_dir()
            .join(format!("pullcheck-cache-{name}-{}", std::process::id()))
            .join("registry");
        let _ = fs::remove_dir_all(&dir);
        let settings = CacheSettings {
            dir: dir.clone(),
            tag_lifetime: DEFAULT_TAG_LIFETIME,
            refresh: false,
        };
        let cache = Cache::open(&settings, "").expect("opens");
        (dir, cache)
    }

    #[test]
    fn the_oldest_entries_go_first_beyond_the_bound() {
        let (dir, cache) = open("prune");
        let start = SystemTime::now() - Duration::from_secs(1000);
        for n in 0..30 {
            let q = query(&format!("team/app{n}"), Credential::Anonymous);
            cache.keep_answer(&q, &found(n));
            let file = fs::File::options()
                .write(true)
                .open(dir.join(format!("{}.json", cache.query_key(&q))))
                .expect("the entry");
            file.set_modified(start + Duration::from_secs(n as u64))
                .expect("set mtime");
        }
        cache.prune_to(20, MAX_BYTES);
        let kept: Vec<bool> = (0..30)
            .map(|n| {
                cache
                    .answer(&query(&format!("team/app{n}"), Credential::Anonymous))
                    .is_some()
            })
            .collect();
        assert_eq!(kept.iter().filter(|k| **k).count(), 18, "{kept:?}");
        assert!(kept[12..].iter().all(|k| *k), "the newest stay: {kept:?}");
        // Within bounds, nothing goes.
        cache.prune_to(20, MAX_BYTES);
        assert_eq!(
            (0..30)
                .filter(|n| cache
                    .answer(&query(&format!("team/app{n}"), Credential::Anonymous))
                    .is_some())
                .count(),
            18
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_long_tag_list_is_read_back_and_an_oversized_entry_is_a_miss() {
        let (dir, cache) = open("long");
        let tags: Vec<String> = (0..2000).map(|n| format!("1.{n}.0-build")).collect();
        cache.keep_tags("registry.test", "team/app", &Credential::Anonymous, &tags);
        assert_eq!(
            cache.tags("registry.test", "team/app", &Credential::Anonymous),
            Some(tags)
        );
        let q = query("team/app", Credential::Anonymous);
        cache.keep_answer(&q, &found(1));
        let file = dir.join(format!("{}.json", cache.query_key(&q)));
        let mut text = fs::read(&file).expect("the entry");
        text.truncate(text.len() - 1);
        text.extend(std::iter::repeat_n(b' ', ENTRY_CAP as usize));
        text.push(b'}');
        fs::write(&file, &text).expect("write");
        assert_eq!(cache.answer(&q), None);
        text.drain(text.len() - 1 - ENTRY_CAP as usize..text.len() - 1);
        fs::write(&file, &text).expect("write");
        assert_eq!(cache.answer(&q), Some(found(1)));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn only_definite_answers_are_kept_and_each_credential_has_its_own() {
        let (dir, cache) = open("definite");
        let basic = |password: &str| Credential::Basic {
            username: "u".into(),
            password: password.into(),
        };
        for (n, answer) in [
            Answer::Unauthorized {
                status: 401,
                detail: String::new(),
            },
            Answer::RateLimited { retry_after: None },
            Answer::Unreachable {
                error: "down".into(),
            },
            Answer::Refused { why: "no".into() },
        ]
        .into_iter()
        .enumerate()
        {
            let q = query(&format!("team/x{n}"), Credential::Anonymous);
            cache.keep_answer(&q, &answer);
            assert_eq!(cache.answer(&q), None, "{answer:?}");
        }
        let q = query("team/app", basic("one"));
        cache.keep_answer(&q, &found(1));
        assert_eq!(cache.answer(&q), Some(found(1)));
        assert_eq!(cache.answer(&query("team/app", basic("two"))), None);
        assert_eq!(
            cache.answer(&query("team/app", Credential::Anonymous)),
            None
        );
        let missing = Answer::NotFound {
            detail: "MANIFEST_UNKNOWN".into(),
        };
        let q = query("team/gone", Credential::Anonymous);
        cache.keep_answer(&q, &missing);
        assert_eq!(cache.answer(&q), Some(missing));
        let _ = fs::remove_dir_all(&dir);
    }
}
