//! Output helpers: atomic file writes (temporary file in the target directory + rename), so a
//! failed run never leaves a half-written file behind.

use std::io::Write;
use std::path::Path;

/// Errors from writing an output file.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file (or its temporary sibling) could not be written or renamed.
    #[error("cannot write {path}: {cause}")]
    Io {
        /// Target path.
        path: String,
        /// Underlying error (part of the message, so not repeated as a source).
        cause: std::io::Error,
    },
    /// The directory the file should go in does not exist.
    #[error("cannot write {path}: directory {dir} does not exist")]
    NoDir {
        /// Target path.
        path: String,
        /// Its parent directory.
        dir: String,
    },
}

/// The directory `path` goes in (`.` for a bare file name), which must exist.
fn target_dir(path: &Path) -> Result<&Path, ReportError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(ReportError::NoDir {
            path: path.display().to_string(),
            dir: dir.display().to_string(),
        });
    }
    Ok(dir)
}

/// Check, before any work, that `path` can be written: its directory exists.
pub fn check_target(path: &Path) -> Result<(), ReportError> {
    target_dir(path).map(|_| ())
}

/// Write `path` atomically: `fill` writes into a temporary file in the same directory, which
/// is renamed over `path` only if `fill` succeeds. On error nothing is left at `path`.
pub fn write_atomic<F, E>(path: &Path, fill: F) -> Result<(), E>
where
    F: FnOnce(&mut dyn Write) -> Result<(), E>,
    E: From<ReportError>,
{
    let io = |cause| ReportError::Io {
        path: path.display().to_string(),
        cause,
    };
    let dir = target_dir(path)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    {
        let mut buf = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut buf)?;
        buf.flush().map_err(io)?;
    }
    // Output files are ordinary files (the temporary file starts private, mode 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// A file written a piece at a time (long per-cycle listings) and put in place atomically by
/// [`AtomicFile::commit`]; dropped uncommitted, it leaves nothing behind.
pub struct AtomicFile {
    path: std::path::PathBuf,
    tmp: tempfile::NamedTempFile,
    w: std::io::BufWriter<std::fs::File>,
}

impl AtomicFile {
    /// Start writing `path` (a temporary file in the same directory).
    pub fn create(path: &Path) -> Result<AtomicFile, ReportError> {
        let io = |cause| ReportError::Io {
            path: path.display().to_string(),
            cause,
        };
        let dir = target_dir(path)?;
        let tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        let w = std::io::BufWriter::new(tmp.reopen().map_err(io)?);
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            w,
        })
    }

    /// Flush and rename over the target path (mode 0644).
    pub fn commit(mut self) -> Result<(), ReportError> {
        let path = self.path.display().to_string();
        let io = |cause| ReportError::Io {
            path: path.clone(),
            cause,
        };
        self.w.flush().map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            self.tmp
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(io)?;
        }
        self.tmp.persist(&self.path).map_err(|e| io(e.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.w.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

/// SHA-256 of `data` as lower-case hex (checksums of data files and cell-library sources).
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_matches_the_standard_vector() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    use super::*;

    #[test]
    fn failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        let r: Result<(), ReportError> = write_atomic(&p, |w| {
            w.write_all(b"half").unwrap();
            Err(ReportError::Io {
                path: "x".into(),
                cause: std::io::Error::other("boom"),
            })
        });
        assert!(r.is_err());
        assert!(!p.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn successful_write_is_complete() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        write_atomic::<_, ReportError>(&p, |w| {
            w.write_all(b"a,b\n1,2\n").unwrap();
            Ok(())
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a,b\n1,2\n");
    }
}
