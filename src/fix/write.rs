//! Writing a fixed file: atomically (a temporary file in the same directory, then a rename,
//! the mode kept), and never over a file that changed since it was read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug)]
pub enum WriteError {
    /// The file on disk is no longer the text the fixes were made for.
    Changed,
    Io(std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Changed => f.write_str("the file changed since it was read"),
            WriteError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        WriteError::Io(e)
    }
}

/// Replaces the file at `path` (through a symbolic link: its target) with `new`, if it still
/// holds exactly `original`. Readers see the old file or the new one, never a part: the text
/// goes to a temporary file beside it, is flushed to disk, gets the file's permissions, and is
/// renamed over it.
pub fn write_atomically(path: &Path, original: &str, new: &str) -> Result<(), WriteError> {
    let target = std::fs::canonicalize(path)?;
    let unchanged = |t: &Path| -> Result<(), WriteError> {
        if std::fs::read(t)? == original.as_bytes() {
            Ok(())
        } else {
            Err(WriteError::Changed)
        }
    };
    unchanged(&target)?;
    let permissions = std::fs::metadata(&target)?.permissions();
    let temp = temp_path(&target)?;
    let written = (|| -> Result<(), WriteError> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(new.as_bytes())?;
        file.sync_all()?;
        std::fs::set_permissions(&temp, permissions)?;
        // Checked again last: an editor that saved while the fix was written wins.
        unchanged(&target)?;
        std::fs::rename(&temp, &target)?;
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// `.NAME.pullcheck-PID-N.tmp` beside `target`: hidden, and unique within and across runs.
fn temp_path(target: &Path) -> std::io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = target
        .parent()
        .ok_or_else(|| std::io::Error::other("no directory"))?;
    let name = target
        .file_name()
        .ok_or_else(|| std::io::Error::other("no file name"))?
        .to_string_lossy();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Ok(dir.join(format!(".{name}.pullcheck-{}-{n}.tmp", std::process::id())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pullcheck-write-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn writes_in_place_keeping_the_mode_and_no_temporary_file() {
        let dir = scratch("mode");
        let file = dir.join("a.yaml");
        std::fs::write(&file, "a: 1\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomically(&file, "a: 1\n", "a: 2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "a: 2\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn refuses_a_file_that_changed_since_it_was_read() {
        let dir = scratch("changed");
        let file = dir.join("a.yaml");
        std::fs::write(&file, "a: edited\n").unwrap();
        let result = write_atomically(&file, "a: 1\n", "a: 2\n");
        assert!(matches!(result, Err(WriteError::Changed)));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "a: edited\n");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_keeps_pointing_at_its_fixed_target() {
        let dir = scratch("link");
        let file = dir.join("real.yaml");
        let link = dir.join("link.yaml");
        std::fs::write(&file, "a: 1\n").unwrap();
        std::os::unix::fs::symlink(&file, &link).unwrap();
        write_atomically(&link, "a: 1\n", "a: 2\n").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "a: 2\n");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
