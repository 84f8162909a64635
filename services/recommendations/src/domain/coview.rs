//! Co-view: products viewed by the same visitor close in time ("also viewed").
//!
//! Each visitor has a short session: their last [`SESSION_VIEWS`] distinct products viewed
//! within [`SESSION_WINDOW`] seconds. A view of a product not yet in the session pairs it
//! with every product still there; viewing the same product again only refreshes it. The
//! pairs are counted and scored like baskets ([`CoOccurrence`]): a product's count is the
//! number of sessions it was viewed in.

use std::collections::{HashMap, VecDeque};

use super::cooccurrence::CoOccurrence;
use super::{Item, Visitor};

/// Views further apart than this (seconds) are not "close in time".
pub const SESSION_WINDOW: i64 = 30 * 60;
/// Most distinct products a session remembers.
pub const SESSION_VIEWS: usize = 20;
/// Most sessions held; beyond it, the ones idle longest are dropped.
pub const MAX_SESSIONS: usize = 200_000;

/// Sessions and the co-view counts learned from them.
#[derive(Clone, Debug, Default)]
pub struct CoView {
    sessions: HashMap<Visitor, VecDeque<(Item, i64)>>,
    counts: CoOccurrence,
}

impl CoView {
    /// Learns from one view of `item` by `visitor` at `at` (unix seconds).
    pub fn add(&mut self, visitor: &Visitor, item: Item, at: i64) {
        if self.sessions.len() >= MAX_SESSIONS && !self.sessions.contains_key(visitor) {
            self.expire(at);
            if self.sessions.len() >= MAX_SESSIONS {
                self.drop_oldest_sessions();
            }
        }
        let session = self.sessions.entry(visitor.clone()).or_default();
        while session.front().is_some_and(|&(_, t)| t < at - SESSION_WINDOW) {
            session.pop_front();
        }
        if let Some(i) = session.iter().position(|&(seen, _)| seen == item) {
            session.remove(i);
            session.push_back((item, at));
            return;
        }
        self.counts.occur(item);
        for &(other, _) in session.iter() {
            self.counts.pair(item, other);
        }
        session.push_back((item, at));
        if session.len() > SESSION_VIEWS {
            session.pop_front();
        }
    }

    /// Forgets sessions idle for longer than the window.
    pub fn expire(&mut self, now: i64) {
        self.sessions.retain(|_, s| s.back().is_some_and(|&(_, t)| t >= now - SESSION_WINDOW));
    }

    fn drop_oldest_sessions(&mut self) {
        let mut last: Vec<i64> = self.sessions.values().filter_map(|s| s.back().map(|&(_, t)| t)).collect();
        let keep = MAX_SESSIONS / 2;
        if last.len() > keep {
            let cut = last.len() - keep;
            let (_, &mut threshold, _) = last.select_nth_unstable(cut);
            self.sessions.retain(|_, s| s.back().is_some_and(|&(_, t)| t >= threshold));
        }
    }

    /// The counts.
    pub fn counts(&self) -> &CoOccurrence {
        &self.counts
    }

    /// Sessions held.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cooccurrence::MIN_SUPPORT;

    fn visitor(name: &str) -> Visitor {
        Visitor::parse(name).expect("visitor")
    }

    #[test]
    fn views_close_in_time_pair_up_once_per_session() {
        let mut co = CoView::default();
        let t = 1_000_000;
        for (i, v) in ["a", "b", "c"].into_iter().enumerate() {
            let at = t + i as i64 * 10;
            co.add(&visitor(v), 1, at);
            co.add(&visitor(v), 2, at + 60);
            co.add(&visitor(v), 1, at + 90); // again: no new pair
        }
        assert_eq!(co.counts().together(1, 2), 3);
        assert_eq!(co.counts().count(1), 3);
        // Far apart in time: no pair.
        co.add(&visitor("d"), 1, t);
        co.add(&visitor("d"), 3, t + SESSION_WINDOW + 1);
        co.add(&visitor("e"), 1, t);
        co.add(&visitor("e"), 3, t + SESSION_WINDOW + 5);
        assert_eq!(co.counts().together(1, 3), 0);
        let n = co.counts().neighbours(1, MIN_SUPPORT, 5, |_| true);
        assert_eq!(n.iter().map(|&(i, _)| i).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn sessions_expire_and_stay_short() {
        let mut co = CoView::default();
        for item in 0..30 {
            co.add(&visitor("a"), item, 100 + i64::from(item));
        }
        // The 30th view paired with the last 20 only.
        assert_eq!(co.counts().together(29, 0), 0);
        assert_eq!(co.counts().together(29, 10), 1);
        co.add(&visitor("b"), 1, 5_000);
        co.expire(100 + SESSION_WINDOW + 100);
        assert_eq!(co.sessions(), 1);
    }
}
