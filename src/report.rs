//! Output helpers: atomic file writes (temporary file in the target directory + rename), so a
//! failed or interrupted run never leaves a half-written file behind.
//!
//! - A regular file (or a new one) is written to a temporary sibling renamed over it on
//!   success; a symbolic link is followed and its target replaced the same way.
//! - A special file (`/dev/null`, `/dev/stdout`, a FIFO) is written directly, never replaced.
//! - Every live temporary file is in a process-wide registry; after
//!   [`remove_temporaries_on_signal`], SIGINT or SIGTERM removes them and exits 130 or 143.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Errors from writing an output file.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file (or its temporary sibling) could not be written or renamed.
    #[error("cannot write {path}: {}", reason(cause))]
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
    /// The path names something that cannot be written as a file.
    #[error("cannot write {path}: {why}")]
    NotAFile {
        /// Target path.
        path: String,
        /// Why (a directory, a loop of links).
        why: String,
    },
}

/// An I/O error in words, without the OS error number (a full disk says so plainly).
pub fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::StorageFull => "no space left on device".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(k) => s[..k].to_string(),
                None => s,
            }
        }
    }
}

/// Longest quoted value in a message, in characters.
pub const QUOTE_MAX: usize = 80;

/// A value from the input as it goes into a one-line message: control characters escaped
/// (`\n`, `\u{1b}`), at most [`QUOTE_MAX`] characters (a longer one is cut and its size said).
pub fn quote(s: &str) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n == QUOTE_MAX {
            out.push_str(&format!("... ({} bytes)", s.len()));
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Where the bytes for an output path go.
#[derive(Debug, PartialEq)]
enum Target {
    /// A regular file (existing or new) at this path, links resolved: temporary + rename.
    Regular(PathBuf),
    /// A device node, FIFO or socket: written in place.
    Special(PathBuf),
}

/// Most symbolic links followed for one path (as the kernel's limit).
const MAX_LINKS: usize = 40;

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Follow `path`'s symbolic links (also dangling ones) to what a write should reach.
fn resolve(path: &Path) -> Result<Target, ReportError> {
    let shown = || path.display().to_string();
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p).map_err(|cause| ReportError::Io {
                    path: shown(),
                    cause,
                })?;
                p = parent_dir(&p).join(link);
            }
            Ok(m) if m.is_file() => return Ok(Target::Regular(p)),
            Ok(m) if m.is_dir() => {
                return Err(ReportError::NotAFile {
                    path: shown(),
                    why: "it is a directory".into(),
                })
            }
            Ok(_) => return Ok(Target::Special(p)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Target::Regular(p)),
            Err(cause) => {
                return Err(ReportError::Io {
                    path: shown(),
                    cause,
                })
            }
        }
    }
    Err(ReportError::NotAFile {
        path: shown(),
        why: format!("more than {MAX_LINKS} symbolic links (a loop?)"),
    })
}

/// The directory the regular file `target` goes in (`.` for a bare name), which must exist.
fn target_dir<'a>(shown: &Path, target: &'a Path) -> Result<&'a Path, ReportError> {
    let dir = parent_dir(target);
    if !dir.is_dir() {
        return Err(ReportError::NoDir {
            path: shown.display().to_string(),
            dir: dir.display().to_string(),
        });
    }
    Ok(dir)
}

/// Check, before any work, that `path` can be written: it is not a directory and the
/// directory it goes in (after links) exists.
pub fn check_target(path: &Path) -> Result<(), ReportError> {
    match resolve(path)? {
        Target::Regular(t) => target_dir(path, &t).map(|_| ()),
        Target::Special(_) => Ok(()),
    }
}

// ---- registry of live temporary files -------------------------------------------------------

/// Paths of the temporary files not yet renamed or removed. Locked around creating, renaming
/// and removing one, and by the signal handler, which holds it until the process exits.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

fn forget(list: &mut Vec<PathBuf>, p: &Path) {
    list.retain(|q| q != p);
}

/// A temporary file in the registry; dropped without [`LiveTemp::persist`], it is removed.
struct LiveTemp(Option<tempfile::NamedTempFile>);

impl LiveTemp {
    fn new_in(dir: &Path) -> std::io::Result<LiveTemp> {
        let mut l = live();
        let t = tempfile::NamedTempFile::new_in(dir)?;
        l.push(t.path().to_path_buf());
        Ok(LiveTemp(Some(t)))
    }

    fn file(&self) -> &std::fs::File {
        self.0.as_ref().expect("live").as_file()
    }

    /// Mode 0644 (the temporary file starts private) and rename over `target`.
    fn persist(mut self, target: &Path) -> std::io::Result<()> {
        let t = self.0.take().expect("live");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            t.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        let mut l = live();
        let p = t.path().to_path_buf();
        let r = t.persist(target).map(|_| ()).map_err(|e| e.error);
        forget(&mut l, &p);
        r
    }
}

impl Drop for LiveTemp {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            let mut l = live();
            let p = t.path().to_path_buf();
            drop(t);
            forget(&mut l, &p);
        }
    }
}

/// Temporary output files still being written (for tests and diagnostics).
pub fn live_temporaries() -> Vec<PathBuf> {
    live().clone()
}

/// Install a handler: on SIGINT or SIGTERM every live temporary output file is removed and
/// the process exits with 128 + the signal (130, 143). Call once, early in `main`.
pub fn remove_temporaries_on_signal() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                // Held until exit: no temporary file is created or renamed after this.
                let l = live();
                for p in l.iter() {
                    let _ = std::fs::remove_file(p);
                }
                std::process::exit(128 + sig);
            }
        })?;
    Ok(())
}

// ---- writers ---------------------------------------------------------------------------------

/// A writer that keeps the first I/O error it returned, so it can be reported with the path.
struct Recording<W> {
    inner: W,
    err: Option<std::io::Error>,
}

impl<W: Write> Recording<W> {
    fn note<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            if self.err.is_none() {
                self.err = Some(std::io::Error::new(e.kind(), e.to_string()));
            }
        }
        r
    }
}

impl<W: Write> Write for Recording<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

fn open_special(p: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).open(p)
}

/// Write `path` atomically: `fill` writes into a temporary file in the same directory, which
/// is renamed over `path` only if `fill` succeeds. On error nothing is left at `path` (the old
/// file, if any, is untouched). A special file is written directly; a link is followed.
pub fn write_atomic<F, E>(path: &Path, fill: F) -> Result<(), E>
where
    F: FnOnce(&mut dyn Write) -> Result<(), E>,
    E: From<ReportError>,
{
    let io = |cause| ReportError::Io {
        path: path.display().to_string(),
        cause,
    };
    let target = resolve(path)?;
    let (tmp, file) = match &target {
        Target::Regular(t) => {
            let tmp = LiveTemp::new_in(target_dir(path, t)?).map_err(io)?;
            let f = tmp.file().try_clone().map_err(io)?;
            (Some(tmp), f)
        }
        Target::Special(t) => (None, open_special(t).map_err(io)?),
    };
    let mut w = Recording {
        inner: std::io::BufWriter::new(file),
        err: None,
    };
    let filled = fill(&mut w);
    let flushed = w.flush();
    if let Some(cause) = w.err.take() {
        return Err(io(cause).into());
    }
    filled?;
    flushed.map_err(io)?;
    if let (Some(tmp), Target::Regular(t)) = (tmp, &target) {
        tmp.persist(t).map_err(io)?;
    }
    Ok(())
}

/// A file written a piece at a time (long per-cycle listings) and put in place atomically by
/// [`AtomicFile::commit`]; dropped uncommitted, it leaves nothing behind. A special file is
/// written directly.
pub struct AtomicFile {
    path: PathBuf,
    target: PathBuf,
    tmp: Option<LiveTemp>,
    w: std::io::BufWriter<std::fs::File>,
}

impl AtomicFile {
    /// Start writing `path` (a temporary file in the same directory as the link's target).
    pub fn create(path: &Path) -> Result<AtomicFile, ReportError> {
        let io = |cause| ReportError::Io {
            path: path.display().to_string(),
            cause,
        };
        let (target, tmp, file) = match resolve(path)? {
            Target::Regular(t) => {
                let tmp = LiveTemp::new_in(target_dir(path, &t)?).map_err(io)?;
                let f = tmp.file().try_clone().map_err(io)?;
                (t, Some(tmp), f)
            }
            Target::Special(t) => {
                let f = open_special(&t).map_err(io)?;
                (t, None, f)
            }
        };
        Ok(AtomicFile {
            path: path.to_path_buf(),
            target,
            tmp,
            w: std::io::BufWriter::new(file),
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
        if let Some(tmp) = self.tmp.take() {
            tmp.persist(&self.target).map_err(io)?;
        }
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

    #[test]
    fn special_files_are_written_in_place_and_links_to_them_kept() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("null.csv");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        for p in [Path::new("/dev/null"), link.as_path()] {
            write_atomic::<_, ReportError>(p, |w| {
                w.write_all(b"x\n").unwrap();
                Ok(())
            })
            .unwrap();
            let mut f = AtomicFile::create(p).unwrap();
            f.write_all(b"y\n").unwrap();
            f.commit().unwrap();
        }
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_full_device_is_reported_as_a_full_disk_naming_the_path() {
        let e = write_atomic::<_, ReportError>(Path::new("/dev/full"), |w| {
            w.write_all(&[b'x'; 100_000])
                .map_err(|cause| ReportError::Io {
                    path: "elsewhere".into(),
                    cause,
                })
        })
        .unwrap_err()
        .to_string();
        assert_eq!(e, "cannot write /dev/full: no space left on device");
    }

    #[test]
    fn a_link_to_a_regular_file_replaces_the_target_and_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let (real, link) = (dir.path().join("real.csv"), dir.path().join("link.csv"));
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        write_atomic::<_, ReportError>(&link, |w| {
            w.write_all(b"new").unwrap();
            Ok(())
        })
        .unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        // A dangling link creates its target.
        std::fs::remove_file(&real).unwrap();
        let mut f = AtomicFile::create(&link).unwrap();
        f.write_all(b"again").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "again");
        assert!(!live_temporaries().iter().any(|t| t.starts_with(dir.path())));
    }

    #[test]
    fn a_directory_or_a_link_loop_is_refused_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        let e = check_target(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        let a = dir.path().join("a");
        std::os::unix::fs::symlink("a", &a).unwrap();
        let e = check_target(&a).unwrap_err().to_string();
        assert!(e.contains("symbolic links"), "{e}");
    }

    #[test]
    fn dropped_uncommitted_file_leaves_nothing_and_leaves_the_registry() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        std::fs::write(&p, "old").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"half").unwrap();
        assert!(live_temporaries().iter().any(|t| t.starts_with(dir.path())));
        drop(f);
        assert!(!live_temporaries().iter().any(|t| t.starts_with(dir.path())));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn quoted_values_are_one_short_line() {
        assert_eq!(quote("abc"), "abc");
        assert_eq!(quote("a\nb\u{1b}[2J\0"), "a\\nb\\u{1b}[2J\\u{0}");
        let q = quote(&"1".repeat(20_000_000));
        assert_eq!(q, format!("{}... (20000000 bytes)", "1".repeat(QUOTE_MAX)));
    }
}
