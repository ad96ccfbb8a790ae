//! Running the real `reskill` binary from tests.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail, ensure};

/// Returns the `reskill` binary beside this test executable (`target/<profile>/reskill`), after
/// asking cargo to build it when cargo is at hand: `cargo test -p reskill-tests` alone does not
/// build other packages' binaries.
pub fn reskill_binary() -> anyhow::Result<PathBuf> {
    let test_exe = std::env::current_exe()?;
    // target/<profile>/deps/integration-<hash>
    let profile_dir = test_exe
        .parent()
        .and_then(Path::parent)
        .context("test executable has no target/<profile> folder")?;
    let binary = profile_dir.join(format!("reskill{}", std::env::consts::EXE_SUFFIX));
    let target_dir = profile_dir.parent().context("no target folder")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "--quiet", "-p", "reskill", "--bin", "reskill"])
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    match build.status() {
        Ok(status) if status.success() => {}
        Ok(status) if !binary.is_file() => bail!("cargo build -p reskill failed: {status}"),
        Err(error) if !binary.is_file() => bail!("could not run cargo to build reskill: {error}"),
        _ => eprintln!("could not rebuild reskill; using {}", binary.display()),
    }
    ensure!(
        binary.is_file(),
        "no reskill binary at {}",
        binary.display()
    );
    Ok(binary)
}

/// Returns a free TCP port on 127.0.0.1.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Runs `reskill --data-dir DIR ARGS…` with a clean environment for its settings.
pub fn reskill(binary: &Path, data_dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(binary);
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("RESKILL_BIND")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    command
}
