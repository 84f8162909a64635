//! The notifications service's own settings, beside the runtime's [`runtime::Settings`]:
//! where e-mail goes, whether webhooks may reach private addresses, and the retry timing.
//! Read from the environment by [`build`]; tests pass them to [`build_with`] directly.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `MERCATO_NOTIFICATIONS_SMTP_URL` | unset | `smtp://host:port` (plain), `smtp://…?tls=required` (STARTTLS) or `smtps://host:port`, credentials as `smtp://user:pass@host`; unset: the mail directory |
//! | `MERCATO_NOTIFICATIONS_MAILDIR` | `<dir of the SQLite database>/mail`, else `mercato-data/mail` | the file sink: one `<message id>.eml` per message |
//! | `MERCATO_NOTIFICATIONS_MAIL_FROM` | `Mercato <no-reply@mercato.localhost>` | the `From` of every e-mail |
//! | `MERCATO_NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS` | `false` | `true` lets webhooks reach loopback, private and link-local addresses (local development, tests) |
//! | `MERCATO_NOTIFICATIONS_RETRY_BASE_MS` | `10000` | the first retry delay; later ones grow from it (see `domain::retry`) |
//! | `MERCATO_NOTIFICATIONS_MAIL_MAX_ATTEMPTS` | `12` | attempts before a message is `failed` |
//! | `MERCATO_NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS` | `8` | attempts before a delivery is `failed` |
//! | `MERCATO_NOTIFICATIONS_WEBHOOK_TIMEOUT_MS` | `5000` | how long one webhook call may take |
//! | `MERCATO_NOTIFICATIONS_POLL_MS` | `1000` | how often the sender and the dispatcher look for due work |
//!
//! [`build`]: crate::build
//! [`build_with`]: crate::build_with

use std::path::{Path, PathBuf};
use std::time::Duration;

use runtime::settings::{Secret, SettingsError};

/// Settings of the notifications service.
#[derive(Clone, Debug)]
pub struct NotificationSettings {
    /// The SMTP server; `None` writes e-mails to [`Self::maildir`].
    pub smtp_url: Option<Secret>,
    /// The file sink's directory.
    pub maildir: PathBuf,
    /// The `From` header (`Name <address>` or an address).
    pub mail_from: String,
    /// Whether webhooks may target loopback, private, link-local and unspecified addresses.
    pub allow_private_webhooks: bool,
    /// The first retry delay.
    pub retry_base: Duration,
    /// Attempts before a message is given up.
    pub mail_max_attempts: u32,
    /// Attempts before a delivery is given up.
    pub webhook_max_attempts: u32,
    /// The longest one webhook call may take.
    pub webhook_timeout: Duration,
    /// How often the background loops look for due work.
    pub poll_interval: Duration,
}

const SMTP_VAR: &str = "MERCATO_NOTIFICATIONS_SMTP_URL";
const MAILDIR_VAR: &str = "MERCATO_NOTIFICATIONS_MAILDIR";
const FROM_VAR: &str = "MERCATO_NOTIFICATIONS_MAIL_FROM";
const PRIVATE_VAR: &str = "MERCATO_NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS";
const RETRY_VAR: &str = "MERCATO_NOTIFICATIONS_RETRY_BASE_MS";
const MAIL_ATTEMPTS_VAR: &str = "MERCATO_NOTIFICATIONS_MAIL_MAX_ATTEMPTS";
const WEBHOOK_ATTEMPTS_VAR: &str = "MERCATO_NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS";
const TIMEOUT_VAR: &str = "MERCATO_NOTIFICATIONS_WEBHOOK_TIMEOUT_MS";
const POLL_VAR: &str = "MERCATO_NOTIFICATIONS_POLL_MS";

/// The default `From`.
pub const DEFAULT_FROM: &str = "Mercato <no-reply@mercato.localhost>";

impl NotificationSettings {
    /// The defaults for a service whose database is `database_url`.
    pub fn defaults(database_url: &str) -> Self {
        Self {
            smtp_url: None,
            maildir: default_maildir(database_url),
            mail_from: DEFAULT_FROM.to_owned(),
            allow_private_webhooks: false,
            retry_base: Duration::from_secs(10),
            mail_max_attempts: 12,
            webhook_max_attempts: 8,
            webhook_timeout: Duration::from_secs(5),
            poll_interval: Duration::from_secs(1),
        }
    }

    /// The defaults, overridden by the `MERCATO_NOTIFICATIONS_*` environment variables.
    pub fn from_env(database_url: &str) -> Result<Self, SettingsError> {
        Self::from_lookup(database_url, |name| std::env::var(name).ok())
    }

    fn from_lookup(database_url: &str, var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let mut s = Self::defaults(database_url);
        let var = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        if let Some(url) = var(SMTP_VAR) {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(SettingsError::Value(format!("{SMTP_VAR} must start with smtp:// or smtps://")));
            }
            s.smtp_url = Some(Secret::new(url));
        }
        if let Some(dir) = var(MAILDIR_VAR) {
            s.maildir = PathBuf::from(dir);
        }
        if let Some(from) = var(FROM_VAR) {
            if from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(SettingsError::Value(format!("{FROM_VAR} is not an e-mail address (`Name <a@b.c>`)")));
            }
            s.mail_from = from;
        }
        if let Some(flag) = var(PRIVATE_VAR) {
            s.allow_private_webhooks = match flag.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => return Err(SettingsError::Value(format!("{PRIVATE_VAR} must be true or false"))),
            };
        }
        let number = |name: &str, range: std::ops::RangeInclusive<u64>| -> Result<Option<u64>, SettingsError> {
            var(name)
                .map(|v| {
                    v.parse::<u64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                        SettingsError::Value(format!("{name} must be {} to {}", range.start(), range.end()))
                    })
                })
                .transpose()
        };
        if let Some(ms) = number(RETRY_VAR, 1..=3_600_000)? {
            s.retry_base = Duration::from_millis(ms);
        }
        if let Some(n) = number(MAIL_ATTEMPTS_VAR, 1..=50)? {
            s.mail_max_attempts = n as u32;
        }
        if let Some(n) = number(WEBHOOK_ATTEMPTS_VAR, 1..=50)? {
            s.webhook_max_attempts = n as u32;
        }
        if let Some(ms) = number(TIMEOUT_VAR, 100..=60_000)? {
            s.webhook_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = number(POLL_VAR, 10..=60_000)? {
            s.poll_interval = Duration::from_millis(ms);
        }
        Ok(s)
    }
}

/// `mail` beside the SQLite database file, so that the platform's data stays in one place;
/// for PostgreSQL (no local data directory) `mercato-data/mail` under the working directory.
fn default_maildir(database_url: &str) -> PathBuf {
    let sqlite_dir = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .and_then(|rest| rest.split('?').next())
        .filter(|path| !path.is_empty() && !path.starts_with(":memory:"))
        .and_then(|path| Path::new(path).parent().map(Path::to_path_buf));
    match sqlite_dir {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join("mail"),
        Some(_) => PathBuf::from("mail"),
        None => PathBuf::from("mercato-data").join("mail"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maildir_follows_the_sqlite_database() {
        assert_eq!(default_maildir("sqlite://mercato-data/notifications.db?mode=rwc"), Path::new("mercato-data/mail"));
        assert_eq!(default_maildir("sqlite:///var/lib/m/n.db"), Path::new("/var/lib/m/mail"));
        assert_eq!(default_maildir("sqlite://n.db"), Path::new("mail"));
        assert_eq!(default_maildir("postgres://db/notifications"), Path::new("mercato-data/mail"));
        assert_eq!(default_maildir("sqlite::memory:"), Path::new("mercato-data/mail"));
    }

    #[test]
    fn overrides_are_checked() {
        let url = "postgres://x/y";
        let with = |name: &'static str, value: &'static str| {
            NotificationSettings::from_lookup(url, move |n| (n == name).then(|| value.to_owned()))
        };
        let s = NotificationSettings::from_lookup(url, |_| None).expect("defaults");
        assert!(s.smtp_url.is_none() && !s.allow_private_webhooks);
        assert_eq!(s.webhook_timeout, Duration::from_secs(5));
        assert!(with(PRIVATE_VAR, "true").expect("valid").allow_private_webhooks);
        assert!(with(PRIVATE_VAR, "maybe").is_err());
        assert!(with(SMTP_VAR, "http://mail").is_err());
        let smtp = with(SMTP_VAR, "smtp://user:hunter2@mail:25").expect("valid");
        assert!(!format!("{smtp:?}").contains("hunter2"), "the SMTP URL never prints");
        assert_eq!(with(RETRY_VAR, "25").expect("valid").retry_base, Duration::from_millis(25));
        assert!(with(RETRY_VAR, "0").is_err());
        assert!(with(FROM_VAR, "not an address").is_err());
        assert_eq!(with(FROM_VAR, "Shop <shop@example.com>").expect("valid").mail_from, "Shop <shop@example.com>");
    }
}
