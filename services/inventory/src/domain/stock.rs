//! Stock quantities and the rules on them.

/// The largest on-hand quantity accepted (guards against typos and overflow).
pub const MAX_ON_HAND: i64 = 1_000_000_000;

/// A valid on-hand quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnHand(i64);

/// Why a quantity is not acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    /// Below zero.
    #[error("must be zero or more")]
    Negative,
    /// Implausibly large.
    #[error("must be at most 1000000000")]
    TooLarge,
    /// Below what is already promised to checkouts.
    #[error("must not be below the reserved quantity ({reserved})")]
    BelowReserved {
        /// Currently reserved.
        reserved: i64,
    },
}

impl OnHand {
    /// Parses a requested quantity.
    pub fn parse(value: i64) -> Result<Self, StockError> {
        if value < 0 {
            Err(StockError::Negative)
        } else if value > MAX_ON_HAND {
            Err(StockError::TooLarge)
        } else {
            Ok(Self(value))
        }
    }

    /// Checks the quantity against what is reserved at that location.
    pub fn covers(self, reserved: i64) -> Result<Self, StockError> {
        if self.0 < reserved { Err(StockError::BelowReserved { reserved }) } else { Ok(self) }
    }

    /// The quantity.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// Available to promise: what is on hand and not reserved.
pub fn available(on_hand: i64, reserved: i64) -> i64 {
    (on_hand - reserved).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_negative_huge_and_below_reserved() {
        assert_eq!(OnHand::parse(-1), Err(StockError::Negative));
        assert_eq!(OnHand::parse(MAX_ON_HAND + 1), Err(StockError::TooLarge));
        assert_eq!(OnHand::parse(3).and_then(|q| q.covers(4)), Err(StockError::BelowReserved { reserved: 4 }));
        assert_eq!(OnHand::parse(4).and_then(|q| q.covers(4)).map(OnHand::get), Ok(4));
    }

    proptest! {
        #[test]
        fn available_is_never_negative_nor_above_on_hand(on_hand in 0i64..MAX_ON_HAND, reserved in 0i64..MAX_ON_HAND) {
            let a = available(on_hand, reserved);
            prop_assert!(a >= 0 && a <= on_hand);
        }
    }
}
