//! A circuit breaker per dependency: after enough consecutive failures calls fail fast for a
//! cool-down, then one probe decides between closing and opening again.
//!
//! Hand-written rather than taken from a crate: it is a few dozen lines, its state feeds our
//! own metrics and the retry loop, and the tower-based breakers available wrap a whole
//! `Service`, while ours must be consulted once per attempt inside one call.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// When a breaker opens and for how long.
#[derive(Clone, Copy, Debug)]
pub struct BreakerPolicy {
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long it stays open before a probe.
    pub open_for: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self { failure_threshold: 5, open_for: Duration::from_secs(5) }
    }
}

/// The breaker's state, as exported in metrics (`0` closed, `1` open, `2` half-open).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls flow.
    Closed,
    /// Calls fail fast.
    Open,
    /// One probe is allowed through.
    HalfOpen,
}

#[derive(Debug)]
enum Inner {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probe_started: Instant },
}

/// A circuit breaker for one dependency.
#[derive(Debug)]
pub struct Breaker {
    dependency: String,
    policy: BreakerPolicy,
    inner: Mutex<Inner>,
}

impl Breaker {
    /// A closed breaker for `dependency`.
    pub fn new(dependency: &str, policy: BreakerPolicy) -> Self {
        let breaker =
            Self { dependency: dependency.to_owned(), policy, inner: Mutex::new(Inner::Closed { failures: 0 }) };
        breaker.export(BreakerState::Closed);
        breaker
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a call may go out now. In half-open state only one probe at a time may, and a
    /// probe that never reports back is replaced after the cool-down.
    pub fn allow(&self) -> bool {
        let now = Instant::now();
        let mut inner = self.lock();
        match *inner {
            Inner::Closed { .. } => true,
            Inner::Open { until } if now >= until => {
                *inner = Inner::HalfOpen { probe_started: now };
                drop(inner);
                self.transition(BreakerState::HalfOpen);
                true
            }
            Inner::Open { .. } => false,
            Inner::HalfOpen { probe_started } if now.duration_since(probe_started) >= self.policy.open_for => {
                *inner = Inner::HalfOpen { probe_started: now };
                true
            }
            Inner::HalfOpen { .. } => false,
        }
    }

    /// Records a successful call. While open it changes nothing: the call was let through
    /// before the breaker opened (a long poll, say), so it says nothing about the dependency
    /// since; only a half-open probe may close the breaker.
    pub fn on_success(&self) {
        let mut inner = self.lock();
        let closes = match *inner {
            Inner::Closed { .. } => {
                *inner = Inner::Closed { failures: 0 };
                false
            }
            Inner::Open { .. } => false,
            Inner::HalfOpen { .. } => {
                *inner = Inner::Closed { failures: 0 };
                true
            }
        };
        drop(inner);
        if closes {
            self.transition(BreakerState::Closed);
        }
    }

    /// Records a failed call.
    pub fn on_failure(&self) {
        let mut inner = self.lock();
        let opened = match *inner {
            Inner::Closed { failures } if failures + 1 >= self.policy.failure_threshold => true,
            Inner::Closed { failures } => {
                *inner = Inner::Closed { failures: failures + 1 };
                false
            }
            Inner::HalfOpen { .. } => true,
            Inner::Open { .. } => false,
        };
        if opened {
            *inner = Inner::Open { until: Instant::now() + self.policy.open_for };
            drop(inner);
            self.transition(BreakerState::Open);
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        match *self.lock() {
            Inner::Closed { .. } => BreakerState::Closed,
            Inner::Open { .. } => BreakerState::Open,
            Inner::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    fn transition(&self, to: BreakerState) {
        let name = match to {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        };
        tracing::info!(dependency = %self.dependency, state = name, "circuit breaker transition");
        metrics::counter!("client_circuit_transitions_total", "dependency" => self.dependency.clone(), "to" => name)
            .increment(1);
        self.export(to);
    }

    fn export(&self, state: BreakerState) {
        let value = match state {
            BreakerState::Closed => 0.0,
            BreakerState::Open => 1.0,
            BreakerState::HalfOpen => 2.0,
        };
        metrics::gauge!("client_circuit_state", "dependency" => self.dependency.clone()).set(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(open_for: Duration) -> Breaker {
        Breaker::new("dep", BreakerPolicy { failure_threshold: 3, open_for })
    }

    #[test]
    fn opens_after_threshold_and_a_success_resets_the_count() {
        let b = breaker(Duration::from_secs(60));
        b.on_failure();
        b.on_failure();
        b.on_success();
        b.on_failure();
        b.on_failure();
        assert_eq!(b.state(), BreakerState::Closed);
        b.on_failure();
        assert_eq!(b.state(), BreakerState::Open);
        assert!(!b.allow());
    }

    #[test]
    fn half_open_admits_one_probe_then_closes_or_reopens() {
        let b = breaker(Duration::ZERO);
        for _ in 0..3 {
            b.on_failure();
        }
        assert!(b.allow(), "cool-down elapsed: probe allowed");
        assert_eq!(b.state(), BreakerState::HalfOpen);
        b.on_failure();
        assert_eq!(b.state(), BreakerState::Open);
        assert!(b.allow());
        b.on_success();
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn a_late_success_of_a_call_from_before_the_opening_does_not_close_it() {
        let b = breaker(Duration::from_secs(60));
        for _ in 0..3 {
            b.on_failure();
        }
        b.on_success();
        assert_eq!(b.state(), BreakerState::Open);
        assert!(!b.allow());
    }

    #[test]
    fn only_one_probe_while_half_open() {
        let b = Breaker::new("dep", BreakerPolicy { failure_threshold: 1, open_for: Duration::from_millis(50) });
        b.on_failure();
        std::thread::sleep(Duration::from_millis(60));
        assert!(b.allow());
        assert!(!b.allow(), "second caller must wait for the probe");
    }
}
