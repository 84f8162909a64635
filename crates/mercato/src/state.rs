//! The state file a running supervisor leaves in its data directory, so that `mercato status`
//! (and tests) can find it. It holds the staff token, so it is readable by its owner only.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// What a running platform tells other commands about itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlatformState {
    /// The supervisor's process id.
    pub pid: u32,
    /// The control API (registry, status, scale).
    pub control_url: String,
    /// The public gateway.
    pub gateway_url: String,
    /// The embedded-mode staff token.
    pub staff_token: String,
    /// `sqlite` or `postgres`, plus `nats` when used.
    pub mode: String,
}

/// Path of the state file in `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("mercato.json")
}

/// Writes the state file (mode 0600).
pub fn write(data_dir: &Path, state: &PlatformState) -> anyhow::Result<()> {
    let path = path(data_dir);
    let tmp = path.with_extension("json.tmp");
    {
        use std::io::Write as _;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        file.write_all(&serde_json::to_vec_pretty(state)?)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

/// Reads the state file, if a platform has written one.
pub fn read(data_dir: &Path) -> anyhow::Result<PlatformState> {
    let path = path(data_dir);
    let bytes =
        std::fs::read(&path).with_context(|| format!("no running platform found ({} is missing)", path.display()))?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// Removes the state file at shutdown.
pub fn remove(data_dir: &Path) {
    let _ = std::fs::remove_file(path(data_dir));
}
