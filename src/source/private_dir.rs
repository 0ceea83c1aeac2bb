//! A private directory of cache entries on disk, as the render cache and `--online`'s answer
//! cache keep them: created 0700 and refused when others may read it, a random salt made once
//! for its HMAC keys, entries written 0600 through a temporary file and a rename, and pruned to
//! bounds, least recently written first.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SALT_LEN: usize = 32;
const SALT_FILE: &str = "salt";
/// Files looked at when pruning, at most (a directory someone filled with junk stays bounded).
const SCAN_CAP: usize = 40_000;
/// Numbers the temporary files of this process.
pub static TEMP_SEQ: AtomicUsize = AtomicUsize::new(0);

/// The root of pullcheck's caches: `$XDG_CACHE_HOME/pullcheck`, else `~/.cache/pullcheck`;
/// `None` when neither is known. `--cache-dir` names another root; the answer cache keeps
/// `registry/` below it and the render cache `render/`.
pub fn default_root() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|h| h.join(".cache"))
        })?;
    Some(base.join("pullcheck"))
}

/// Removes what is beyond the bounds in a cache directory, least recently written first (a
/// hit may refresh an entry's time), down to nine tenths of them, and temporary files older
/// than an hour (left by a run that stopped). Errors are ignored: another run may be pruning
/// too. Only files `is_entry` accepts count as entries; nothing else is touched.
pub fn prune_dir(dir: &Path, is_entry: fn(&str) -> bool, max_entries: usize, max_bytes: u64) {
    let Ok(read) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
    let stale_temp = SystemTime::now()
        .checked_sub(Duration::from_secs(3600))
        .unwrap_or(UNIX_EPOCH);
    for item in read.take(SCAN_CAP).flatten() {
        let path = item.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Ok(meta) = item.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let modified = meta.modified().unwrap_or(UNIX_EPOCH);
        if name.starts_with(".tmp-") {
            if modified < stale_temp {
                let _ = fs::remove_file(&path);
            }
            continue;
        }
        if is_entry(name) {
            entries.push((modified, meta.len(), path));
        }
    }
    let mut total: u64 = entries.iter().map(|e| e.1).sum();
    let mut count = entries.len();
    if count <= max_entries && total <= max_bytes {
        return;
    }
    entries.sort();
    // Down to nine tenths, so that the next runs do not prune at every entry.
    for (_, len, path) in entries {
        if count <= max_entries * 9 / 10 && total <= max_bytes / 10 * 9 {
            break;
        }
        if fs::remove_file(&path).is_ok() {
            count -= 1;
            total = total.saturating_sub(len);
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Creates `dir` (and its parents) with mode 0700 for the last part; an existing directory is
/// used only if it is the user's and nobody else may read it.
pub fn create_private_dir(dir: &Path) -> Result<(), String> {
    if let Some(parent) = dir.parent()
        && !parent.as_os_str().is_empty()
    {
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
    }
    let meta = fs::symlink_metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        // SAFETY: getuid cannot fail and touches no memory.
        let uid = unsafe { libc::getuid() };
        if meta.uid() != uid {
            return Err(format!("{} belongs to another user", dir.display()));
        }
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(format!(
                "others may read or write {} (mode {:o}); make it 0700 or name another directory",
                dir.display(),
                meta.permissions().mode() & 0o777
            ));
        }
    }
    Ok(())
}

/// A new file only the user may read.
pub fn private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The cache's salt: read, or made once from the system's random source. Two runs creating it
/// at once agree: each writes a temporary file and links it into place, and the one that loses
/// reads the winner's.
pub fn salt(dir: &Path) -> Result<Vec<u8>, String> {
    let path = dir.join(SALT_FILE);
    for _ in 0..3 {
        if let Some(salt) = read_salt(&path) {
            return Ok(salt);
        }
        let mut fresh = vec![0u8; SALT_LEN];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut fresh)
            .map_err(|_| "no random source for the cache's salt".to_string())?;
        // Unique to this process and this attempt: threads of one process may open the same
        // cache at once too.
        let temp = dir.join(format!(
            ".tmp-salt-{}-{}",
            std::process::id(),
            TEMP_SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        private_file(&temp)
            .and_then(|mut f| f.write_all(&fresh))
            .map_err(|e| format!("cannot write {}: {e}", temp.display()))?;
        // A link fails if the salt is there: made meanwhile by another run (then it is read),
        // or unreadable or of the wrong length (then replaced: its entries become misses).
        let placed = match fs::hard_link(&temp, &path) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if let Some(salt) = read_salt(&path) {
                    let _ = fs::remove_file(&temp);
                    return Ok(salt);
                }
                fs::rename(&temp, &path).is_ok()
            }
            Err(_) => false,
        };
        let _ = fs::remove_file(&temp);
        if placed {
            return Ok(fresh);
        }
    }
    Err(format!("cannot make the cache's salt in {}", dir.display()))
}

fn read_salt(path: &Path) -> Option<Vec<u8>> {
    let file = fs::File::open(path).ok()?;
    let mut salt = Vec::new();
    file.take(SALT_LEN as u64 + 1).read_to_end(&mut salt).ok()?;
    (salt.len() == SALT_LEN).then_some(salt)
}
