//! Reservations: what a valid request is, how a line is spread over locations, and which
//! status changes are allowed.

use contracts::ids::Sku;
use contracts::inventory::{NewReservation, ReservationStatus};
use runtime::http::FieldError;

/// Most lines in one reservation.
pub const MAX_LINES: usize = 100;
/// Most units of one line.
pub const MAX_LINE_QUANTITY: i64 = 1_000;
/// Longest hold, in seconds.
pub const MAX_TTL_SECONDS: i64 = 3_600;
/// The hold when the caller names none, in seconds.
pub const DEFAULT_TTL_SECONDS: i64 = 900;

/// One line of a valid reservation request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WantedLine {
    /// SKU, unique within the request.
    pub sku: Sku,
    /// Units, 1 to [`MAX_LINE_QUANTITY`].
    pub quantity: i64,
}

/// A reservation request that passed validation.
#[derive(Clone, Debug)]
pub struct ValidReservation {
    /// The caller's reference.
    pub reference: String,
    /// Lines in request order.
    pub lines: Vec<WantedLine>,
    /// Hold duration in seconds.
    pub ttl_seconds: i64,
}

fn valid_reference(reference: &str) -> bool {
    let len = reference.chars().count();
    (1..=100).contains(&len) && reference.chars().all(|c| !c.is_control() && !c.is_whitespace())
}

impl TryFrom<NewReservation> for ValidReservation {
    type Error = Vec<FieldError>;

    fn try_from(dto: NewReservation) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        if !valid_reference(&dto.reference) {
            errors.push(FieldError::new("reference", "must be 1–100 visible characters (no spaces)"));
        }
        if dto.lines.is_empty() || dto.lines.len() > MAX_LINES {
            errors.push(FieldError::new("lines", format!("must have 1 to {MAX_LINES} lines")));
        }
        let mut lines: Vec<WantedLine> = Vec::with_capacity(dto.lines.len());
        for (i, line) in dto.lines.iter().enumerate() {
            let sku = match Sku::parse(&line.sku) {
                Ok(sku) if lines.iter().any(|l| l.sku == sku) => {
                    errors.push(FieldError::new(format!("lines[{i}].sku"), "appears in an earlier line"));
                    None
                }
                Ok(sku) => Some(sku),
                Err(e) => {
                    errors.push(FieldError::new(format!("lines[{i}].sku"), e.to_string()));
                    None
                }
            };
            if !(1..=MAX_LINE_QUANTITY).contains(&line.quantity) {
                errors
                    .push(FieldError::new(format!("lines[{i}].quantity"), format!("must be 1 to {MAX_LINE_QUANTITY}")));
            }
            if let Some(sku) = sku {
                lines.push(WantedLine { sku, quantity: line.quantity });
            }
        }
        let ttl_seconds = dto.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS);
        if !(1..=MAX_TTL_SECONDS).contains(&ttl_seconds) {
            errors.push(FieldError::new("ttl_seconds", format!("must be 1 to {MAX_TTL_SECONDS} seconds")));
        }
        if errors.is_empty() { Ok(Self { reference: dto.reference, lines, ttl_seconds }) } else { Err(errors) }
    }
}

/// Stock of a SKU that one location could give to a reservation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate<L> {
    /// The location (an id, or anything that names it).
    pub location: L,
    /// Its code, which breaks ties so that plans are deterministic.
    pub code: String,
    /// On hand minus reserved there.
    pub available: i64,
}

/// Where to take the units of one line from: location and quantity, in the order taken.
pub type Plan<L> = Vec<(L, i64)>;

/// Spreads `quantity` units over `candidates`: the one location with the most available if
/// it can serve the whole line (one parcel, one pick), else locations in descending
/// availability until the line is served. `Err(total available)` when all of them together
/// cannot serve it.
pub fn allocate<L: Clone>(quantity: i64, candidates: &[Candidate<L>]) -> Result<Plan<L>, i64> {
    let mut ranked: Vec<&Candidate<L>> = candidates.iter().filter(|c| c.available > 0).collect();
    ranked.sort_by(|a, b| b.available.cmp(&a.available).then_with(|| a.code.cmp(&b.code)));
    let total: i64 = ranked.iter().map(|c| c.available).sum();
    if total < quantity {
        return Err(total);
    }
    let mut plan = Vec::new();
    let mut remaining = quantity;
    for candidate in ranked {
        if remaining == 0 {
            break;
        }
        let take = remaining.min(candidate.available);
        plan.push((candidate.location.clone(), take));
        remaining -= take;
    }
    Ok(plan)
}

/// What a caller asks of an existing reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The units leave stock.
    Commit,
    /// The units go back to available stock.
    Release,
    /// The sweeper found it past its expiry.
    Expire,
    /// The order of a committed reservation was cancelled: its units go back on hand.
    Return,
}

/// What to do about an [`Action`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Move to this status, adjusting stock.
    Apply(ReservationStatus),
    /// Already done (a retry): answer with the reservation as it is.
    Unchanged,
    /// The reservation is not in a status that allows this.
    Refuse,
}

/// Decides `action` on a reservation in `status`; `lapsed` says whether its expiry has passed.
/// A held reservation past its expiry is expired, whatever the action: a commit must never
/// take units the checkout no longer holds, even when the sweeper has not come by yet.
/// Only a committed reservation can be returned; a returned one is final.
pub fn decide(action: Action, status: ReservationStatus, lapsed: bool) -> Decision {
    use ReservationStatus::{Committed, Expired, Held, Released, Returned};
    match (action, status) {
        (_, Held) if lapsed => Decision::Apply(Expired),
        (Action::Commit, Held) => Decision::Apply(Committed),
        (Action::Release, Held) => Decision::Apply(Released),
        (Action::Return, Committed) => Decision::Apply(Returned),
        (Action::Expire, _) => Decision::Unchanged,
        (Action::Commit, Committed) | (Action::Release, Released | Expired) | (Action::Return, Returned) => {
            Decision::Unchanged
        }
        (Action::Commit, Released | Expired | Returned)
        | (Action::Release, Committed | Returned)
        | (Action::Return, Held | Released | Expired) => Decision::Refuse,
    }
}

/// Whether applying `action` left the reservation in a status the action refuses: a commit or
/// a return that found the hold lapsed expired it instead, and must still be refused.
pub fn refused_after(action: Action, applied: ReservationStatus) -> bool {
    decide(action, applied, false) == Decision::Refuse
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::inventory::NewReservationLine;
    use proptest::prelude::*;

    fn line(sku: &str, quantity: i64) -> NewReservationLine {
        NewReservationLine { sku: sku.into(), quantity }
    }

    fn fields(dto: NewReservation) -> Vec<String> {
        ValidReservation::try_from(dto).expect_err("invalid").into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn validates_every_field_and_defaults_the_ttl() {
        let ok = ValidReservation::try_from(NewReservation {
            reference: "chk_1".into(),
            lines: vec![line("A-1", 2)],
            ttl_seconds: None,
        })
        .expect("valid");
        assert_eq!(ok.ttl_seconds, DEFAULT_TTL_SECONDS);
        assert_eq!(ok.lines, vec![WantedLine { sku: Sku::parse("A-1").expect("sku"), quantity: 2 }]);

        let bad = NewReservation {
            reference: "two words".into(),
            lines: vec![line("A-1", 0), line("bad sku", 1), line("A-1", 1001), line("B", -1)],
            ttl_seconds: Some(3601),
        };
        assert_eq!(
            fields(bad),
            [
                "reference",
                "lines[0].quantity",
                "lines[1].sku",
                "lines[2].sku",
                "lines[2].quantity",
                "lines[3].quantity",
                "ttl_seconds"
            ]
        );
        assert_eq!(
            fields(NewReservation { reference: String::new(), lines: vec![], ttl_seconds: Some(0) }),
            ["reference", "lines", "ttl_seconds"]
        );
        let too_many = (0..=MAX_LINES).map(|i| line(&format!("S{i}"), 1)).collect();
        assert_eq!(fields(NewReservation { reference: "r".into(), lines: too_many, ttl_seconds: None }), ["lines"]);
    }

    fn candidates(available: &[i64]) -> Vec<Candidate<usize>> {
        available
            .iter()
            .enumerate()
            .map(|(i, &a)| Candidate { location: i, code: format!("l{i}"), available: a })
            .collect()
    }

    #[test]
    fn prefers_the_one_location_with_most_available_else_splits_in_descending_order() {
        assert_eq!(allocate(3, &candidates(&[4, 6, 3])), Ok(vec![(1, 3)]));
        assert_eq!(allocate(8, &candidates(&[4, 6, 3])), Ok(vec![(1, 6), (0, 2)]));
        assert_eq!(allocate(13, &candidates(&[4, 6, 3])), Ok(vec![(1, 6), (0, 4), (2, 3)]));
        assert_eq!(allocate(14, &candidates(&[4, 6, 3])), Err(13));
        assert_eq!(allocate(1, &candidates(&[])), Err(0));
        assert_eq!(allocate(2, &candidates(&[2, 2])), Ok(vec![(0, 2)]), "ties go to the first code");
    }

    #[test]
    fn a_lapsed_hold_expires_whatever_is_asked() {
        use ReservationStatus::*;
        assert_eq!(decide(Action::Commit, Held, false), Decision::Apply(Committed));
        assert_eq!(decide(Action::Commit, Held, true), Decision::Apply(Expired));
        assert_eq!(decide(Action::Release, Held, true), Decision::Apply(Expired));
        assert_eq!(decide(Action::Expire, Held, true), Decision::Apply(Expired));
        assert_eq!(decide(Action::Expire, Held, false), Decision::Unchanged);
        assert_eq!(decide(Action::Commit, Committed, true), Decision::Unchanged);
        assert_eq!(decide(Action::Commit, Expired, false), Decision::Refuse);
        assert_eq!(decide(Action::Commit, Released, false), Decision::Refuse);
        assert_eq!(decide(Action::Release, Committed, false), Decision::Refuse);
        assert_eq!(decide(Action::Release, Released, false), Decision::Unchanged);
        assert_eq!(decide(Action::Release, Expired, false), Decision::Unchanged);
        assert_eq!(decide(Action::Expire, Committed, true), Decision::Unchanged);
    }

    #[test]
    fn only_a_committed_reservation_is_returned_and_a_returned_one_is_final() {
        use ReservationStatus::*;
        assert_eq!(decide(Action::Return, Committed, false), Decision::Apply(Returned));
        assert_eq!(decide(Action::Return, Committed, true), Decision::Apply(Returned), "expiry no longer matters");
        assert_eq!(decide(Action::Return, Returned, false), Decision::Unchanged, "a retry");
        assert_eq!(decide(Action::Return, Held, false), Decision::Refuse);
        assert_eq!(decide(Action::Return, Held, true), Decision::Apply(Expired), "a lapsed hold expires");
        assert_eq!(decide(Action::Return, Released, false), Decision::Refuse);
        assert_eq!(decide(Action::Return, Expired, false), Decision::Refuse);
        assert_eq!(decide(Action::Commit, Returned, false), Decision::Refuse);
        assert_eq!(decide(Action::Release, Returned, false), Decision::Refuse);
        assert_eq!(decide(Action::Expire, Returned, true), Decision::Unchanged);
    }

    #[test]
    fn an_action_that_expired_a_lapsed_hold_is_still_refused_unless_it_let_the_units_go() {
        use ReservationStatus::*;
        assert!(refused_after(Action::Commit, Expired));
        assert!(refused_after(Action::Return, Expired));
        assert!(!refused_after(Action::Release, Expired));
        assert!(!refused_after(Action::Expire, Expired));
        assert!(!refused_after(Action::Commit, Committed));
        assert!(!refused_after(Action::Release, Released));
        assert!(!refused_after(Action::Return, Returned));
    }

    const ACTIONS: [Action; 4] = [Action::Commit, Action::Release, Action::Expire, Action::Return];
    const STATUSES: [ReservationStatus; 5] = [
        ReservationStatus::Held,
        ReservationStatus::Committed,
        ReservationStatus::Released,
        ReservationStatus::Expired,
        ReservationStatus::Returned,
    ];

    #[test]
    fn stock_moves_only_from_held_or_from_committed_to_returned() {
        use ReservationStatus::*;
        for action in ACTIONS {
            for status in STATUSES {
                for lapsed in [false, true] {
                    if let Decision::Apply(to) = decide(action, status, lapsed) {
                        assert!(
                            matches!((status, to), (Held, Committed | Released | Expired) | (Committed, Returned)),
                            "{action:?} on {status:?} (lapsed: {lapsed}) applies {to:?}"
                        );
                        // Asked again of where it went, the action is done or refused: never
                        // a second move.
                        assert!(!matches!(decide(action, to, lapsed), Decision::Apply(_)), "{action:?} twice");
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn a_plan_serves_exactly_the_line_within_what_each_location_has(
            available in proptest::collection::vec(0i64..50, 0..6),
            quantity in 1i64..200,
        ) {
            let cands = candidates(&available);
            match allocate(quantity, &cands) {
                Ok(plan) => {
                    prop_assert_eq!(plan.iter().map(|(_, q)| q).sum::<i64>(), quantity);
                    for (location, q) in &plan {
                        prop_assert!(*q > 0 && *q <= available[*location]);
                    }
                    let mut locations: Vec<_> = plan.iter().map(|(l, _)| *l).collect();
                    locations.dedup();
                    prop_assert_eq!(locations.len(), plan.len(), "a location appears once");
                    if available.iter().any(|&a| a >= quantity) {
                        prop_assert_eq!(plan.len(), 1, "one location when one suffices");
                    }
                }
                Err(total) => {
                    prop_assert_eq!(total, available.iter().sum::<i64>());
                    prop_assert!(total < quantity);
                }
            }
        }
    }
}
