//! Writing a file in place, safely: the new bytes go to a temporary file in the same directory
//! (same file system, so the rename is atomic), which takes the old file's mode and replaces it
//! by `rename(2)`. Nothing is written when the file on disk is no longer the bytes the edit was
//! made from (an editor saved it meanwhile), or when it is a symbolic link (a rename would put
//! a regular file in the link's place).

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Replaces `path`'s content `original` by `new`; an error says why nothing was written.
pub fn write_atomically(path: &Path, original: &[u8], new: &[u8]) -> Result<(), String> {
    let shown = path.display();
    let meta = fs::symlink_metadata(path).map_err(|e| format!("{shown}: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err(format!(
            "{shown} is a symbolic link: pin the file it points to"
        ));
    }
    if !meta.is_file() {
        return Err(format!("{shown} is not a regular file"));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let tmp = dir.join(format!(
        ".{name}.pullcheck-{}-{}.tmp",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        f.write_all(new)
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        fs::set_permissions(&tmp, meta.permissions())
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        // Checked last, just before the rename: the window for a lost edit is this one call.
        let now = fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
        if now != original {
            return Err(format!(
                "{shown} changed since it was read; nothing written (run again)"
            ));
        }
        fs::rename(&tmp, path).map_err(|e| format!("{shown}: {e}"))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("pullcheck-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).ok();
        d
    }

    #[test]
    fn replaces_keeping_the_mode_and_leaving_no_temp_file() {
        let d = scratch("mode");
        let p = d.join("a.yaml");
        fs::write(&p, b"old").ok();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).ok();
        }
        assert_eq!(write_atomically(&p, b"old", b"new"), Ok(()));
        assert_eq!(fs::read(&p).ok().as_deref(), Some(&b"new"[..]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&p).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o640));
        }
        let left: Vec<_> = fs::read_dir(&d).into_iter().flatten().collect();
        assert_eq!(left.len(), 1, "the temporary file is gone");
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn refuses_a_file_that_changed_since_it_was_read() {
        let d = scratch("changed");
        let p = d.join("a.yaml");
        fs::write(&p, b"edited meanwhile").ok();
        let err = write_atomically(&p, b"old", b"new");
        assert!(err.is_err_and(|e| e.contains("changed since it was read")));
        assert_eq!(fs::read(&p).ok().as_deref(), Some(&b"edited meanwhile"[..]));
        assert_eq!(fs::read_dir(&d).into_iter().flatten().count(), 1);
        let _ = fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_symbolic_link() {
        let d = scratch("link");
        let target = d.join("target.yaml");
        fs::write(&target, b"old").ok();
        let link = d.join("link.yaml");
        std::os::unix::fs::symlink(&target, &link).ok();
        assert!(write_atomically(&link, b"old", b"new").is_err());
        assert_eq!(fs::read(&target).ok().as_deref(), Some(&b"old"[..]));
        let _ = fs::remove_dir_all(&d);
    }
}
