//! The e-mail sender: a background loop that claims due messages and hands each to the SMTP
//! server, or — without one — writes it to the mail directory as `<message id>.eml`.
//!
//! Delivery is at least once: a sender that dies after the server accepted a message but
//! before recording it leaves the message claimed; once the claim lapses it is sent again.
//! Failures the server calls permanent (5xx) and unusable recipients fail the message at
//! once; anything else is retried on the schedule of [`crate::domain::retry::mail`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use contracts::notifications::Message;
use futures::StreamExt as _;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use runtime::db::{Db, DbError};
use runtime::settings::SettingsError;

use crate::domain::retry::{self, Next};
use crate::settings::NotificationSettings;
use crate::store::messages::{self, Outcome};

/// Messages claimed at once.
const BATCH: i64 = 20;
/// Messages sent at once.
const CONCURRENCY: usize = 4;
/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

enum Sink {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Directory(PathBuf),
}

/// Why an attempt failed.
enum Failure {
    /// Worth another attempt.
    Transient(String),
    /// Never going to work.
    Permanent(String),
}

/// Sends queued e-mail.
pub struct Mailer {
    db: Db,
    sink: Sink,
    from: Mailbox,
    retry_base: Duration,
    max_attempts: u32,
    lease: Duration,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sink = match &self.sink {
            Sink::Smtp(_) => "smtp".to_owned(),
            Sink::Directory(dir) => dir.display().to_string(),
        };
        f.debug_struct("Mailer").field("sink", &sink).field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// A sender for the configured sink.
    pub fn new(db: Db, settings: &NotificationSettings) -> Result<Arc<Self>, SettingsError> {
        let from = settings
            .mail_from
            .parse::<Mailbox>()
            .map_err(|_| SettingsError::Value("the notifications `From` is not an e-mail address".into()))?;
        let sink = match &settings.smtp_url {
            Some(url) => {
                // Never print the URL: it may carry the SMTP password.
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|_| SettingsError::Value("MERCATO_NOTIFICATIONS_SMTP_URL is not a valid SMTP URL".into()))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Sink::Smtp(transport)
            }
            None => Sink::Directory(settings.maildir.clone()),
        };
        Ok(Arc::new(Self {
            db,
            sink,
            from,
            retry_base: settings.retry_base,
            max_attempts: settings.mail_max_attempts,
            lease: retry::claim_lease(SMTP_TIMEOUT, BATCH as u32, CONCURRENCY as u32),
        }))
    }

    /// Where e-mail goes, for the start-up log.
    pub fn describe(&self) -> String {
        match &self.sink {
            Sink::Smtp(_) => "smtp".to_owned(),
            Sink::Directory(dir) => format!("directory {}", dir.display()),
        }
    }

    /// One run of the loop: sends every message due now, a batch at a time.
    pub async fn run(self: Arc<Self>) {
        crate::drain::drain("e-mail", BATCH as usize, || self.send_due()).await;
    }

    async fn send_due(&self) -> Result<usize, DbError> {
        let token = crate::store::token();
        let lease_until = runtime::db::timestamp(time::OffsetDateTime::now_utc() + self.lease);
        let claimed = {
            let mut conn = self.db.write().await?;
            messages::claim(&mut conn, &runtime::db::now(), &lease_until, &token, BATCH).await?
        };
        let count = claimed.len();
        futures::stream::iter(claimed).for_each_concurrent(CONCURRENCY, |m| self.attempt(m, &token)).await;
        Ok(count)
    }

    async fn attempt(&self, message: Message, token: &str) {
        let result = match self.build(&message) {
            Ok(email) => self.deliver(&message, email).await,
            Err(failure) => Err(failure),
        };
        let attempts = u32::try_from(message.attempts).unwrap_or(u32::MAX).saturating_add(1);
        let next_at;
        let (outcome, result_label) = match &result {
            Ok(()) => (Outcome::Sent, "sent"),
            Err(Failure::Permanent(error)) => (Outcome::Failed { error }, "failed"),
            Err(Failure::Transient(error)) => match retry::mail(attempts, self.max_attempts, self.retry_base) {
                Next::RetryIn(delay) => {
                    next_at = runtime::db::timestamp(time::OffsetDateTime::now_utc() + delay);
                    (Outcome::Retry { at: &next_at, error }, "retry")
                }
                Next::GiveUp => (Outcome::Failed { error }, "failed"),
            },
        };
        metrics::counter!("notifications_email_attempts_total", "result" => result_label).increment(1);
        match result_label {
            "sent" => tracing::info!(message_id = %message.id, attempts, "e-mail sent"),
            _ => {
                tracing::warn!(message_id = %message.id, attempts, result = result_label, error = ?failure_text(&result), "e-mail attempt failed")
            }
        }
        let settled = async {
            let mut conn = self.db.write().await?;
            messages::settle(&mut conn, &message.id, token, outcome).await
        };
        match settled.await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(message_id = %message.id, "e-mail claim lapsed before its outcome was recorded")
            }
            Err(err) => {
                tracing::warn!(message_id = %message.id, error = %runtime::error_chain(&err), "recording an e-mail attempt failed")
            }
        }
    }

    fn build(&self, message: &Message) -> Result<lettre::Message, Failure> {
        let to = message
            .to
            .parse::<Mailbox>()
            .map_err(|e| Failure::Permanent(format!("the recipient `{}` is not a usable address: {e}", message.to)))?;
        let builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .message_id(Some(format!("<{}@{}>", message.id, self.from.email.domain())));
        let built = if message.html.is_empty() {
            builder.header(ContentType::TEXT_PLAIN).body(message.text.clone())
        } else {
            builder.multipart(MultiPart::alternative_plain_html(message.text.clone(), message.html.clone()))
        };
        built.map_err(|e| Failure::Permanent(format!("the message cannot be built: {e}")))
    }

    async fn deliver(&self, message: &Message, email: lettre::Message) -> Result<(), Failure> {
        match &self.sink {
            Sink::Smtp(transport) => transport.send(email).await.map(drop).map_err(|e| {
                let text = runtime::error_chain(&e);
                if e.is_permanent() { Failure::Permanent(text) } else { Failure::Transient(text) }
            }),
            Sink::Directory(dir) => write_eml(dir, message, &email.formatted())
                .await
                .map_err(|e| Failure::Transient(format!("cannot write to the mail directory {}: {e}", dir.display()))),
        }
    }
}

fn failure_text(result: &Result<(), Failure>) -> Option<&str> {
    match result {
        Ok(()) => None,
        Err(Failure::Permanent(text) | Failure::Transient(text)) => Some(text),
    }
}

/// Writes `<dir>/<id>.eml` whole or not at all (a temporary file renamed into place), so a
/// reader of the directory never sees half a message and a retry simply replaces it.
async fn write_eml(dir: &std::path::Path, message: &Message, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let path = dir.join(format!("{}.eml", message.id));
    let partial = dir.join(format!(".{}.eml.partial", message.id));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, &path).await
}
