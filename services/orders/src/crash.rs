//! A test hook that kills this process at a named step of the checkout saga, so that tests
//! can prove a checkout survives a crash at every step. Off unless the process was started
//! with `MERCATO_ORDERS_TEST_CRASH=1`; then a checkout request carrying
//! `x-mercato-test-crash: <step>` dies right after persisting that step, by SIGKILL: no
//! destructor, no flush, no goodbye, as in a power cut of the process.

/// The request header naming the step to die at.
pub const HEADER: &str = "x-mercato-test-crash";

/// The steps a checkout can be killed after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashPoint {
    /// The quote is stored; no stock is held yet.
    Quoted,
    /// The stock is held; the card is not yet authorised.
    Reserved,
    /// The payment is authorised; no order yet.
    Authorized,
    /// The order is stored; its reservation is not yet committed.
    Placed,
    /// The reservation is committed; the checkout's answer is not yet recorded.
    Committed,
}

impl CrashPoint {
    /// Parses a header value.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "quoted" => Self::Quoted,
            "reserved" => Self::Reserved,
            "authorized" => Self::Authorized,
            "placed" => Self::Placed,
            "committed" => Self::Committed,
            _ => return None,
        })
    }
}

/// Whether the hook is armed in this process.
#[derive(Clone, Copy, Debug, Default)]
pub struct Crasher {
    armed: bool,
}

impl Crasher {
    /// Armed by `MERCATO_ORDERS_TEST_CRASH=1` in the environment.
    pub fn from_env() -> Self {
        Self { armed: std::env::var("MERCATO_ORDERS_TEST_CRASH").is_ok_and(|v| v == "1") }
    }

    /// Whether crash requests are honoured.
    pub fn armed(&self) -> bool {
        self.armed
    }

    /// Kills the process if armed and `asked` is `at`.
    pub fn maybe(&self, at: CrashPoint, asked: Option<CrashPoint>) {
        if self.armed && asked == Some(at) {
            tracing::warn!(step = ?at, "test hook: killing this process");
            let _ = nix::sys::signal::kill(nix::unistd::Pid::this(), nix::sys::signal::Signal::SIGKILL);
        }
    }
}
