//! When to try again. Both schedules grow from one configurable base delay (10 s by
//! default; tests use a few milliseconds):
//!
//! - e-mail: `base × 2^(n-1)` after the n-th failed attempt, capped at `base × 360` (1 h by
//!   default): 10 s, 20 s, 40 s, … 1 h;
//! - webhooks: `base × [1, 3, 12, 60, 180, 360, 720]` (10 s, 30 s, 2 min, 10 min, 30 min,
//!   1 h, 2 h by default), each spread by ±20 % jitter so that an endpoint coming back is
//!   not hit by every delivery at once.
//!
//! After the last allowed attempt a message or delivery is given up (`failed`).

use std::time::Duration;

/// Multiples of the base delay after the 1st, 2nd, … failed webhook attempt; the last
/// repeats.
pub const WEBHOOK_STEPS: [u32; 7] = [1, 3, 12, 60, 180, 360, 720];

/// The longest e-mail retry delay, in base delays.
const MAIL_CAP: u32 = 360;

/// What follows a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Try again after this long.
    RetryIn(Duration),
    /// No attempts left.
    GiveUp,
}

/// After `attempts` failed e-mail attempts (at least 1) of at most `max`.
pub fn mail(attempts: u32, max: u32, base: Duration) -> Next {
    if attempts >= max {
        return Next::GiveUp;
    }
    let factor = 1u32.checked_shl(attempts.saturating_sub(1)).unwrap_or(u32::MAX).min(MAIL_CAP);
    Next::RetryIn(base.saturating_mul(factor))
}

/// After `attempts` failed webhook attempts (at least 1) of at most `max`; `jitter` in
/// `[0, 1)` picks where in ±20 % the delay lands.
pub fn webhook(attempts: u32, max: u32, base: Duration, jitter: f64) -> Next {
    if attempts >= max {
        return Next::GiveUp;
    }
    let step = WEBHOOK_STEPS[(attempts.max(1) as usize - 1).min(WEBHOOK_STEPS.len() - 1)];
    let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    Next::RetryIn(base.saturating_mul(step).mul_f64(spread))
}

/// How long a claimed batch stays claimed: long enough for every item of it to be
/// attempted (`batch` items, `concurrency` at a time, each taking at most `per_attempt`),
/// plus a margin. Only when the claimant died does a claim lapse, and then another instance
/// (or the same one, restarted) takes the items up.
pub fn claim_lease(per_attempt: Duration, batch: u32, concurrency: u32) -> Duration {
    per_attempt.saturating_mul(batch.div_ceil(concurrency.max(1))) + Duration::from_secs(30)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_secs(10);

    #[test]
    fn a_claim_outlasts_its_batch() {
        assert_eq!(claim_lease(Duration::from_secs(20), 20, 4), Duration::from_secs(130));
        assert_eq!(claim_lease(Duration::from_secs(5), 20, 8), Duration::from_secs(45));
    }

    #[test]
    fn mail_doubles_up_to_an_hour_then_gives_up() {
        let delays: Vec<Next> = (1..=12).map(|n| mail(n, 12, BASE)).collect();
        assert_eq!(delays[0], Next::RetryIn(Duration::from_secs(10)));
        assert_eq!(delays[1], Next::RetryIn(Duration::from_secs(20)));
        assert_eq!(delays[5], Next::RetryIn(Duration::from_secs(320)));
        assert_eq!(delays[10], Next::RetryIn(Duration::from_secs(3600)), "capped");
        assert_eq!(delays[11], Next::GiveUp);
        assert_eq!(mail(40, 50, BASE), Next::RetryIn(Duration::from_secs(3600)), "no overflow");
    }

    #[test]
    fn webhooks_follow_the_schedule_with_bounded_jitter() {
        assert_eq!(webhook(1, 8, BASE, 0.5), Next::RetryIn(Duration::from_secs(10)));
        assert_eq!(webhook(2, 8, BASE, 0.5), Next::RetryIn(Duration::from_secs(30)));
        assert_eq!(webhook(3, 8, BASE, 0.5), Next::RetryIn(Duration::from_secs(120)));
        assert_eq!(webhook(7, 8, BASE, 0.5), Next::RetryIn(Duration::from_secs(7200)));
        assert_eq!(webhook(8, 8, BASE, 0.5), Next::GiveUp);
        assert_eq!(webhook(1, 8, BASE, 0.0), Next::RetryIn(Duration::from_secs(8)));
        let Next::RetryIn(high) = webhook(1, 8, BASE, 0.999) else { panic!("retries") };
        assert!(high <= Duration::from_secs(12) && high > Duration::from_secs(11));
        assert_eq!(webhook(20, 50, BASE, 0.5), Next::RetryIn(Duration::from_secs(7200)), "the last step repeats");
    }
}
