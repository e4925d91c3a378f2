//! Writing files so that a crash or a full disk leaves the old file or the
//! new one, never half of one.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` through a temporary file in the same folder,
/// synced and renamed over the target; the folder is synced after.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let ctx = || format!("writing {}", path.display());
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(ctx(), e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(ctx(), e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(ctx(), e))?;
    tmp.persist(path).map_err(|e| Error::io(ctx(), e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Options that write a file readable by its owner only, should they create it.
pub fn private_options() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    o.write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o
}

/// Creates `path` (which must not exist) readable by its owner only.
pub(crate) fn private_file(path: &Path) -> Result<std::fs::File> {
    private_options().create_new(true).open(path).map_err(|e| Error::io(format!("creating {}", path.display()), e))
}

/// Makes a rename in `dir` durable (a no-op where folders cannot be synced).
pub(crate) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_behind() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.txt");
        std::fs::write(&p, "old").unwrap();
        write_atomic(&p, "новый".as_bytes()).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "новый");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
        // A folder that does not exist: an error, nothing written.
        let e = write_atomic(&d.path().join("no/such/file"), b"x").unwrap_err();
        assert_eq!(e.code(), "io");
    }
}
