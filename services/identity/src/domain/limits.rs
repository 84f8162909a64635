//! Login rate limits: fixed windows per account and per client address, counted in the
//! database so that they hold across identity replicas.

/// How many login attempts are allowed, and over which window.
#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    /// Attempts per account per window.
    pub per_account: i64,
    /// Attempts per client address per window.
    pub per_address: i64,
    /// Window length in seconds.
    pub window_seconds: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self { per_account: 5, per_address: 20, window_seconds: 60 }
    }
}

impl LoginLimits {
    /// Seconds until the window that started at `window_start` (unix seconds) ends.
    pub fn retry_after(&self, window_start: i64, now: i64) -> u64 {
        (window_start + self.window_seconds - now).max(1) as u64
    }
}
