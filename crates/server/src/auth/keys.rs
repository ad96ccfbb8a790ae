//! The access-token signing key: from configuration (`RESKILL_JWT_SECRET`), or generated once
//! into the data folder with owner-only permissions. Never a constant in the code.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

/// File name of the generated key inside the data folder.
pub const KEY_FILE: &str = "jwt-signing.key";
/// Fewest bytes of key material accepted (HS256 wants at least 256 bits).
pub const MIN_KEY_BYTES: usize = 32;

/// HMAC key material for HS256.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

impl SigningKey {
    /// Uses a configured secret; it must be at least 32 bytes.
    pub fn from_secret(secret: &str) -> anyhow::Result<Self> {
        let bytes = secret.trim().as_bytes().to_vec();
        anyhow::ensure!(
            bytes.len() >= MIN_KEY_BYTES,
            "RESKILL_JWT_SECRET must be at least {MIN_KEY_BYTES} bytes (generate one with `openssl rand -base64 48`)"
        );
        Ok(Self(bytes))
    }

    /// Returns 32 random bytes, for tests and for the generated development key.
    pub fn random() -> Self {
        let mut bytes = vec![0u8; 48];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Reads `DATA_DIR/jwt-signing.key`, creating it (mode 0600) with a random key on first
    /// run. Returns the key and whether it was just created.
    pub fn load_or_generate(data_dir: &Path) -> anyhow::Result<(Self, bool)> {
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let bytes = STANDARD
                    .decode(text.trim())
                    .with_context(|| format!("{} is not base64", path.display()))?;
                anyhow::ensure!(
                    bytes.len() >= MIN_KEY_BYTES,
                    "{} holds fewer than {MIN_KEY_BYTES} bytes",
                    path.display()
                );
                Ok((Self(bytes), false))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::random();
                write_new_key(&path, &key)?;
                Ok((key, true))
            }
            Err(error) => {
                Err(error).with_context(|| format!("failed to read the key {}", path.display()))
            }
        }
    }

    /// Returns the key material.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

fn write_new_key(path: &PathBuf, key: &SigningKey) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create {}", parent.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("failed to create the key file {}", path.display()))?;
    file.write_all(STANDARD.encode(key.bytes()).as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_is_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let (first, created) = SigningKey::load_or_generate(dir.path()).unwrap();
        assert!(created);
        let (second, created) = SigningKey::load_or_generate(dir.path()).unwrap();
        assert!(!created);
        assert_eq!(first.bytes(), second.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(SigningKey::from_secret("too short").is_err());
        assert!(SigningKey::from_secret(&"k".repeat(32)).is_ok());
    }
}
