//! The render cache (issue 24): what `helm template` or `kustomize build` printed, kept between
//! runs, so that a pre-commit hook or an editor's save over an unchanged chart runs no renderer.
//!
//! - **The key covers every input.** An HMAC-SHA256 (keyed with this cache's random `salt`, as
//!   the answer cache does) over: the entry format and pullcheck's version; the renderer
//!   binary's identity (canonical path, size, modification and change times, inode), which
//!   fixes its version and its built-in Kubernetes version; every argument of the command line
//!   (release, namespace, flags, values files' paths), with the run's private scratch directory
//!   written as `<scratch>`; the content of every file an argument names (values files, the
//!   `set:` entries' file); every file of a chart's confined copy (relative path, mode,
//!   content: subcharts included, exactly what Helm reads); for a Kustomize root, every file
//!   under the directory of each kustomization of its tree (root, bases, components: the load
//!   restrictor keeps Kustomize's reads there) and every in-tree path any string of those
//!   kustomizations names (`kustomize::cache_inputs`). Any change re-renders that chart or root
//!   only.
//! - **What is kept:** successful output only (a failure, a timeout or a cut output is rendered
//!   again next time), replayed byte for byte. A tree too large to hash within [`MAX_HASHED`]
//!   is not cached.
//! - **Nothing in clear text.** Rendered output holds whatever the chart puts in a Secret (a
//!   password from a values file the CI job passes with `--values`), and a cache directory
//!   travels (CI caches, backups). Each entry is sealed with AES-256-GCM under a second HMAC
//!   of the same inputs, with another label: the file name does not give it, the salt alone
//!   does not give it, only the salt *and* every input do, and whoever holds every input can
//!   render the chart anyway. A Secret's value is therefore never on disk in clear text, and
//!   neither is anything else of the output.
//! - **Safety:** the directory is created 0700 (an existing one that others may read, or that
//!   is another user's, is not used) and entries 0600; entries are written to a temporary file
//!   and renamed, so concurrent runs see an old entry or a new one; the seal authenticates the
//!   entry and its name, so a corrupt, truncated, foreign or oversized one is a miss.
//!   At most [`MAX_ENTRIES`] entries and [`MAX_BYTES`] bytes, least recently used first.

use super::exec::{self, Outcome, Scratch};
use crate::source::private_dir::{
    TEMP_SEQ, create_private_dir, hex, private_file, prune_dir, salt,
};
use ring::{aead, hmac};
use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};

/// The most entries kept; beyond it the least recently used go.
pub const MAX_ENTRIES: usize = 2_000;
/// The most bytes of entries kept.
pub const MAX_BYTES: u64 = 512 * 1024 * 1024;
/// Bytes of files hashed for one key at most: a bigger tree is rendered every time.
pub const MAX_HASHED: u64 = 256 * 1024 * 1024;
/// Files hashed for one key at most.
const MAX_FILES: usize = 100_000;
/// Links inside a tree may form loops: deeper than this, the tree is not cached.
const MAX_DEPTH: usize = 64;
const MAGIC: &str = "pullcheck-render";
const FORMAT: u32 = 1;
const NONCE_LEN: usize = 12;

/// An open render cache.
pub struct Cache {
    dir: PathBuf,
    key: hmac::Key,
}

/// The caches opened in this process, by directory (every chart of a run shares one).
type Opened = Mutex<HashMap<PathBuf, Option<Arc<Cache>>>>;

impl Cache {
    /// The cache in `dir`, created 0700 if needed; `None` (rendering as if there were none)
    /// when it cannot be used. Opened once per process and directory.
    pub fn open(dir: &Path) -> Option<Arc<Cache>> {
        static OPENED: OnceLock<Opened> = OnceLock::new();
        let opened = OPENED.get_or_init(Mutex::default);
        let mut map = opened.lock().ok()?;
        if let Some(known) = map.get(dir) {
            return known.clone();
        }
        let cache = create_private_dir(dir)
            .and_then(|()| salt(dir))
            .ok()
            .map(|salt| {
                Arc::new(Cache {
                    dir: dir.to_path_buf(),
                    key: hmac::Key::new(hmac::HMAC_SHA256, &salt),
                })
            });
        map.insert(dir.to_path_buf(), cache.clone());
        cache
    }

    /// A key under construction, for one use (`what`: `helm-template`, `helm-version`, …).
    pub fn key(&self, what: &str) -> Key {
        let mut key = Key {
            name: hmac::Context::with_key(&self.key),
            seal: hmac::Context::with_key(&self.key),
            hashed: 0,
            files: 0,
            whole: true,
        };
        // The two HMACs differ by their first field only: neither tells anything of the other.
        key.name.update(b"name");
        key.seal.update(b"seal");
        key.field(MAGIC.as_bytes());
        key.field(&FORMAT.to_be_bytes());
        key.field(env!("CARGO_PKG_VERSION").as_bytes());
        key.field(what.as_bytes());
        key
    }

    /// The text kept under `key`, if an intact entry is there; a hit marks it recently used.
    pub fn get(&self, key: &Sealed) -> Option<String> {
        let path = self.dir.join(format!("{}.render", key.name));
        let file = fs::File::open(&path).ok()?;
        let mut bytes = Vec::new();
        file.take(MAX_ENTRY + 4096).read_to_end(&mut bytes).ok()?;
        let text = open_entry(bytes, key)?;
        // Least recently used goes first when pruning; a failure only makes it look older.
        if let Ok(f) = fs::File::options().write(true).open(&path) {
            let _ = f.set_modified(std::time::SystemTime::now());
        }
        Some(text)
    }

    /// Keeps `text` under `key`, sealed; then prunes to the bounds. A failure is not an error
    /// of the run: the output is simply not kept.
    pub fn put(&self, key: &Sealed, text: &str) {
        if text.len() as u64 > MAX_ENTRY {
            return;
        }
        let Some(entry) = seal_entry(text, key) else {
            return;
        };
        let temp = self.dir.join(format!(
            ".tmp-{}-{}-{}",
            std::process::id(),
            TEMP_SEQ.fetch_add(1, Ordering::Relaxed),
            key.name
        ));
        let written = private_file(&temp).and_then(|mut f| f.write_all(&entry));
        if written.is_err()
            || fs::rename(&temp, self.dir.join(format!("{}.render", key.name))).is_err()
        {
            let _ = fs::remove_file(&temp);
            return;
        }
        // Every store follows a renderer's run (tens of milliseconds at least): a scan of the
        // directory beside it costs little and keeps the bounds within one run too.
        prune_dir(&self.dir, is_entry_name, MAX_ENTRIES, MAX_BYTES);
    }
}

/// The largest rendered output kept (`--max-file-size`'s default).
const MAX_ENTRY: u64 = 64 * 1024 * 1024;

/// The two halves of a finished key: the entry's name, and the key that seals it.
pub struct Sealed {
    pub name: String,
    seal: [u8; 32],
}

impl Sealed {
    fn aead(&self) -> Option<aead::LessSafeKey> {
        let key = aead::UnboundKey::new(&aead::AES_256_GCM, &self.seal).ok()?;
        Some(aead::LessSafeKey::new(key))
    }
}

/// `MAGIC FORMAT\n`, a random nonce, then the text sealed with the entry's name as associated
/// data (a file copied under another name does not open).
fn seal_entry(text: &str, key: &Sealed) -> Option<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce).ok()?;
    let mut sealed = text.as_bytes().to_vec();
    key.aead()?
        .seal_in_place_append_tag(
            aead::Nonce::assume_unique_for_key(nonce),
            aead::Aad::from(key.name.as_bytes()),
            &mut sealed,
        )
        .ok()?;
    let mut entry = format!("{MAGIC} {FORMAT}\n").into_bytes();
    entry.extend_from_slice(&nonce);
    entry.extend_from_slice(&sealed);
    Some(entry)
}

/// The text of an entry, if it is whole and is the entry of `key`.
fn open_entry(mut bytes: Vec<u8>, key: &Sealed) -> Option<String> {
    let header = format!("{MAGIC} {FORMAT}\n");
    if !bytes.starts_with(header.as_bytes()) {
        return None;
    }
    let nonce_end = header.len() + NONCE_LEN;
    let nonce: [u8; NONCE_LEN] = bytes.get(header.len()..nonce_end)?.try_into().ok()?;
    let sealed = bytes.get_mut(nonce_end..)?;
    let text = key
        .aead()?
        .open_in_place(
            aead::Nonce::assume_unique_for_key(nonce),
            aead::Aad::from(key.name.as_bytes()),
            sealed,
        )
        .ok()?;
    String::from_utf8(text.to_vec()).ok()
}

fn is_entry_name(name: &str) -> bool {
    name.strip_suffix(".render")
        .is_some_and(|k| k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A cache key under construction: length-prefixed fields, so that no two different inputs
/// give the same stream.
pub struct Key {
    /// Names the entry.
    name: hmac::Context,
    /// Seals it: known only to whoever has the salt and every input.
    seal: hmac::Context,
    hashed: u64,
    files: usize,
    /// False once an input could not be hashed whole (too large, a loop): no key then.
    whole: bool,
}

impl Key {
    pub fn field(&mut self, bytes: &[u8]) {
        let len = (bytes.len() as u64).to_be_bytes();
        for ctx in [&mut self.name, &mut self.seal] {
            ctx.update(&len);
            ctx.update(bytes);
        }
    }

    fn path(&mut self, path: &Path) {
        use std::os::unix::ffi::OsStrExt;
        self.field(path.as_os_str().as_bytes());
    }

    /// A renderer binary: its canonical path and what changes when it is replaced or rebuilt.
    pub fn program(&mut self, program: &Path) {
        use std::os::unix::fs::MetadataExt;
        let real = fs::canonicalize(program).unwrap_or_else(|_| program.to_path_buf());
        self.path(&real);
        match fs::metadata(&real) {
            Ok(m) => {
                for n in [
                    m.size(),
                    m.ino(),
                    m.dev(),
                    m.mtime() as u64,
                    m.mtime_nsec() as u64,
                    m.ctime() as u64,
                    m.ctime_nsec() as u64,
                ] {
                    self.field(&n.to_be_bytes());
                }
            }
            Err(_) => self.whole = false,
        }
    }

    /// A file's content (followed through links), or that it could not be read.
    pub fn file(&mut self, path: &Path) {
        let Ok(meta) = fs::metadata(path) else {
            self.field(b"unreadable");
            return;
        };
        self.files += 1;
        self.hashed += meta.len();
        if self.hashed > MAX_HASHED || self.files > MAX_FILES {
            self.whole = false;
            return;
        }
        match content_digest(path, &meta) {
            Some(sum) => {
                self.field(b"file");
                self.field(&sum);
            }
            None => self.field(b"unreadable"),
        }
    }

    /// Every entry under `dir`, in name order: relative path, kind, mode and content;
    /// version-control directories left out (no renderer may read them); a link by where it
    /// points and, when it stays in `tree`, what it points at.
    pub fn tree(&mut self, dir: &Path, tree: &super::confine::Tree) {
        self.path(&fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()));
        self.walk(dir, Path::new(""), tree, 0);
    }

    fn walk(&mut self, dir: &Path, rel: &Path, tree: &super::confine::Tree, depth: usize) {
        use std::os::unix::fs::PermissionsExt;
        if depth > MAX_DEPTH || !self.whole {
            self.whole = false;
            return;
        }
        let Ok(read) = fs::read_dir(dir) else {
            self.field(b"unreadable-dir");
            return;
        };
        let mut entries: Vec<_> = read.flatten().collect();
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name();
            if crate::source::is_vcs(&name) {
                continue;
            }
            let rel = rel.join(&name);
            let path = entry.path();
            self.path(&rel);
            let Ok(kind) = entry.file_type() else {
                self.field(b"unknown");
                continue;
            };
            if kind.is_symlink() {
                self.field(b"link");
                match fs::read_link(&path) {
                    Ok(target) => self.path(&target),
                    Err(_) => self.field(b"unreadable-link"),
                }
                // Where it leads is read only if a renderer could read it.
                if tree.resolve(&path).is_err() {
                    continue;
                }
            }
            let Ok(meta) = fs::metadata(&path) else {
                self.field(b"dangling");
                continue;
            };
            self.field(&meta.permissions().mode().to_be_bytes());
            if meta.is_dir() {
                self.field(b"dir");
                self.walk(&path, &rel, tree, depth + 1);
            } else if meta.is_file() {
                self.file(&path);
            } else {
                self.field(b"special");
            }
        }
        self.field(b"end-of-dir");
    }

    /// The key, or `None` when an input could not be hashed whole.
    pub fn finish(self) -> Option<Sealed> {
        if !self.whole {
            return None;
        }
        let seal = self.seal.sign().as_ref().try_into().ok()?;
        Some(Sealed {
            name: hex(self.name.sign().as_ref()),
            seal,
        })
    }
}

/// The SHA-256 of a file's content, computed once per run: the roots of a Kustomize tree share
/// their bases, and each root's key covers them. Remembered by the file's identity and times,
/// which any write changes.
fn content_digest(path: &Path, meta: &fs::Metadata) -> Option<[u8; 32]> {
    use std::os::unix::fs::MetadataExt;
    type Seen = Mutex<HashMap<[i64; 6], [u8; 32]>>;
    static SEEN: OnceLock<Seen> = OnceLock::new();
    let id = [
        meta.dev() as i64,
        meta.ino() as i64,
        meta.size() as i64,
        meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
        meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
        i64::from(meta.mode()),
    ];
    let seen = SEEN.get_or_init(Mutex::default);
    if let Some(sum) = seen.lock().ok().and_then(|m| m.get(&id).copied()) {
        return Some(sum);
    }
    let bytes = fs::read(path).ok()?;
    let sum: [u8; 32] = ring::digest::digest(&ring::digest::SHA256, &bytes)
        .as_ref()
        .try_into()
        .ok()?;
    if let Ok(mut m) = seen.lock() {
        m.insert(id, sum);
    }
    Some(sum)
}

/// What a renderer reads besides its command line.
pub enum Input<'a> {
    /// A directory read in place (a Kustomize root or base): every entry, within `tree`.
    Dir(PathBuf, &'a super::confine::Tree),
    /// A file read in place, by its content.
    File(PathBuf),
}

/// Runs `program args` as [`exec::run`] does, unless the cache holds its output for these
/// exact inputs; keeps a successful output. The second value says whether it came from the
/// cache.
pub fn run(
    cache_dir: Option<&Path>,
    program: &Path,
    args: &[OsString],
    inputs: Option<&[Input<'_>]>,
    scratch: &Scratch,
    limits: exec::Limits,
) -> (Outcome, bool) {
    let cache = cache_dir.and_then(Cache::open);
    let key = cache.as_ref().and_then(|cache| {
        let mut key = cache.key("render");
        key.program(program);
        command_line(&mut key, args, scratch);
        match inputs {
            Some(inputs) => {
                for input in inputs {
                    match input {
                        Input::Dir(dir, tree) => {
                            key.field(b"input-dir");
                            key.tree(dir, tree);
                        }
                        Input::File(file) => {
                            key.field(b"input-file");
                            key.path(file);
                            key.file(file);
                        }
                    }
                }
            }
            None => key.whole = false,
        }
        key.finish()
    });
    if let (Some(cache), Some(key)) = (&cache, &key)
        && let Some(stdout) = cache.get(key)
        && stdout.len() as u64 <= limits.max_output
    {
        return (Outcome::Ok { stdout }, true);
    }
    let outcome = exec::run(program, args, scratch, limits);
    if let (Some(cache), Some(key), Outcome::Ok { stdout }) = (&cache, &key, &outcome) {
        cache.put(key, stdout);
    }
    (outcome, false)
}

/// The arguments, with the scratch directory written as `<scratch>` (it differs every run),
/// and what each names: a directory in the scratch (the chart's private copy) entry by entry,
/// a file anywhere (values files) by its content.
fn command_line(key: &mut Key, args: &[OsString], scratch: &Scratch) {
    use std::os::unix::ffi::OsStrExt;
    let scratch_tree = super::confine::Tree::of(std::slice::from_ref(&scratch.dir), &[]);
    for arg in args {
        let path = Path::new(arg);
        match path.strip_prefix(&scratch.dir) {
            Ok(rest) => {
                key.field(b"<scratch>");
                key.path(rest);
                if path.is_dir() {
                    key.walk(path, Path::new(""), &scratch_tree, 0);
                } else if path.is_file() {
                    key.file(path);
                }
            }
            Err(_) => {
                key.field(arg.as_bytes());
                if path.is_file() {
                    key.file(path);
                }
            }
        }
    }
}

/// What `helm version` said of `program`, kept under the binary's identity: a warm run then
/// starts no renderer at all. `ask` runs it when the cache has no answer.
pub fn version(
    cache_dir: Option<&Path>,
    program: &Path,
    ask: impl FnOnce() -> Option<String>,
) -> Option<String> {
    let cache = cache_dir.and_then(Cache::open);
    let key = cache.as_ref().and_then(|cache| {
        let mut key = cache.key("version");
        key.program(program);
        key.finish()
    });
    if let (Some(cache), Some(key)) = (&cache, &key)
        && let Some(v) = cache.get(key)
    {
        return Some(v);
    }
    let answer = ask()?;
    if let (Some(cache), Some(key)) = (&cache, &key) {
        cache.put(key, &answer);
    }
    Some(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(name: &str) -> (PathBuf, Arc<Cache>) {
        let dir = std::env::temp_dir()
            .join(format!("pullcheck-rcache-{name}-{}", std::process::id()))
            .join("render");
        let _ = fs::remove_dir_all(&dir);
        let cache = Cache::open(&dir).expect("opens");
        (dir, cache)
    }

    fn key_of(cache: &Cache, dir: &Path) -> String {
        let mut key = cache.key("test");
        key.tree(
            dir,
            &super::super::confine::Tree::of(&[dir.to_path_buf()], &[]),
        );
        key.finish().expect("a key").name
    }

    fn sealed(cache: &Cache, input: &str) -> Sealed {
        let mut key = cache.key("test");
        key.field(input.as_bytes());
        key.finish().expect("a key")
    }

    #[test]
    fn every_file_of_a_tree_is_in_the_key() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, cache) = open("key");
        let tree = dir.parent().expect("parent").join("tree");
        fs::create_dir_all(tree.join("templates")).expect("mkdir");
        fs::write(tree.join("Chart.yaml"), "name: a\n").expect("write");
        fs::write(tree.join("templates/a.yaml"), "a: 1\n").expect("write");
        let first = key_of(&cache, &tree);
        assert_eq!(key_of(&cache, &tree), first, "stable");
        fs::write(tree.join("templates/a.yaml"), "a: 2\n").expect("write");
        let content = key_of(&cache, &tree);
        assert_ne!(content, first);
        fs::set_permissions(
            tree.join("templates/a.yaml"),
            fs::Permissions::from_mode(0o600),
        )
        .expect("chmod");
        let mode = key_of(&cache, &tree);
        assert_ne!(mode, content);
        fs::rename(tree.join("templates/a.yaml"), tree.join("templates/b.yaml")).expect("mv");
        let renamed = key_of(&cache, &tree);
        assert_ne!(renamed, mode);
        // An empty new directory (a subchart's `charts/`) counts too; `.git` does not.
        fs::create_dir(tree.join("charts")).expect("mkdir");
        let with_dir = key_of(&cache, &tree);
        assert_ne!(with_dir, renamed);
        fs::create_dir(tree.join(".git")).expect("mkdir");
        fs::write(tree.join(".git/config"), "token").expect("write");
        assert_eq!(key_of(&cache, &tree), with_dir);
        let _ = fs::remove_dir_all(dir.parent().expect("parent"));
    }

    #[test]
    fn entries_come_back_whole_or_not_at_all() {
        let (dir, cache) = open("entries");
        let key = sealed(&cache, "one");
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";
        cache.put(&key, text);
        assert_eq!(cache.get(&key).as_deref(), Some(text));
        let path = dir.join(format!("{}.render", key.name));
        let mode = {
            use std::os::unix::fs::PermissionsExt;
            fs::metadata(&path).expect("entry").permissions().mode() & 0o777
        };
        assert_eq!(mode, 0o600);
        let whole = fs::read(&path).expect("read");
        // Cut short, one byte changed, or copied under another key: a miss.
        fs::write(&path, &whole[..whole.len() - 3]).expect("write");
        assert_eq!(cache.get(&key), None);
        for at in [whole.len() - 2, 20, 3] {
            let mut flipped = whole.clone();
            flipped[at] ^= 1;
            fs::write(&path, &flipped).expect("write");
            assert_eq!(cache.get(&key), None, "{at}");
        }
        let other = sealed(&cache, "two");
        fs::write(dir.join(format!("{}.render", other.name)), &whole).expect("write");
        assert_eq!(cache.get(&other), None);
        fs::write(&path, b"").expect("write");
        assert_eq!(cache.get(&key), None);
        fs::write(&path, &whole).expect("write");
        assert_eq!(cache.get(&key).as_deref(), Some(text));
        let _ = fs::remove_dir_all(dir.parent().expect("parent"));
    }

    #[test]
    fn nothing_is_kept_in_clear_text() {
        let (dir, cache) = open("sealed");
        let key = sealed(&cache, "chart");
        let text = "kind: Secret\nstringData:\n  password: s3cr3t-Hunter2-value\n";
        cache.put(&key, text);
        let entry = fs::read(dir.join(format!("{}.render", key.name))).expect("entry");
        for needle in ["s3cr3t", "Secret", "password"] {
            assert!(
                !entry.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle}"
            );
        }
        // Another salt (another cache, or the salt replaced): the same inputs no longer open it.
        fs::write(dir.join("salt"), [7u8; 32]).expect("write");
        let moved = dir.parent().expect("parent").join("moved");
        fs::rename(&dir, &moved).expect("mv");
        let reopened = Cache::open(&moved).expect("opens");
        assert_eq!(reopened.get(&sealed(&reopened, "chart")), None);
        assert_eq!(cache.get(&key), None, "the old directory is gone");
        let _ = fs::remove_dir_all(dir.parent().expect("parent"));
    }

    #[test]
    fn the_directory_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, _cache) = open("private");
        let mode = fs::metadata(&dir).expect("dir").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let open_to_all = dir.parent().expect("parent").join("open");
        fs::create_dir_all(&open_to_all).expect("mkdir");
        fs::set_permissions(&open_to_all, fs::Permissions::from_mode(0o777)).expect("chmod");
        assert!(Cache::open(&open_to_all).is_none());
        let _ = fs::remove_dir_all(dir.parent().expect("parent"));
    }
}
