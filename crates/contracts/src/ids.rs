//! Ids: one rule for the platform, `<prefix>_<32 hex digits of a UUIDv7>`, so ids sort by
//! creation time (cursor pagination by id is creation order) and say what they name.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// A string that is not an id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {kind} id")]
pub struct InvalidId {
    /// The kind of id expected.
    pub kind: &'static str,
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
        #[schema(value_type = String, example = json!(concat!($prefix, "_0193a4c1e7d27c3a9b1f4e2d8c6a5b40")))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// A new, time-ordered id.
            pub fn generate() -> Self {
                Self(format!("{}_{}", $prefix, uuid::Uuid::now_v7().simple()))
            }

            /// Parses an id, checking prefix and shape.
            pub fn parse(s: &str) -> Result<Self, InvalidId> {
                let ok = s
                    .strip_prefix(concat!($prefix, "_"))
                    .is_some_and(|rest| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
                if ok { Ok(Self(s.to_owned())) } else { Err(InvalidId { kind: $prefix }) }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A product.
    ProductId, "prod"
);
id_type!(
    /// A variant of a product (one SKU).
    VariantId, "var"
);
id_type!(
    /// A category.
    CategoryId, "cat"
);
id_type!(
    /// A stock location (warehouse or store).
    LocationId, "loc"
);
id_type!(
    /// A payment (an authorisation and what happened to it afterwards).
    PaymentId, "pay"
);
id_type!(
    /// A customer account.
    CustomerId, "cus"
);
id_type!(
    /// A price list.
    PriceListId, "pl"
);
id_type!(
    /// A promotion.
    PromotionId, "promo"
);
id_type!(
    /// A shipping rate.
    ShippingRateId, "shr"
);
id_type!(
    /// A stock reservation held for a checkout.
    ReservationId, "res"
);
id_type!(
    /// A shopping cart (a guest's id is its only key: keep it secret).
    CartId, "cart"
);
id_type!(
    /// A checkout: one attempt to turn a cart into an order (the saga's id).
    CheckoutId, "chk"
);
id_type!(
    /// An order.
    OrderId, "ord"
);
id_type!(
    /// An e-mail message rendered from a template.
    MessageId, "msg"
);
id_type!(
    /// A merchant's webhook endpoint.
    WebhookId, "wh"
);
id_type!(
    /// One event on its way to one webhook endpoint.
    DeliveryId, "dlv"
);

/// A stock keeping unit: 1–64 characters, letters, digits, `-`, `_` and `.`, starting with a
/// letter or digit. Case-sensitive, as merchants' SKUs are.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[schema(value_type = String, example = "TSH-ORG-BLK-M")]
#[serde(transparent)]
pub struct Sku(String);

/// Why a string is not a SKU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit")]
pub struct InvalidSku;

impl Sku {
    /// Parses a SKU.
    pub fn parse(s: &str) -> Result<Self, InvalidSku> {
        let valid = !s.is_empty()
            && s.len() <= 64
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if valid { Ok(Self(s.to_owned())) } else { Err(InvalidSku) }
    }

    /// The SKU as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Sku {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Sku::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_ids_parse_and_sort_by_time() {
        let a = ProductId::generate();
        let b = ProductId::generate();
        assert!(ProductId::parse(a.as_str()).is_ok());
        assert!(a < b);
        assert!(VariantId::parse(a.as_str()).is_err(), "prefix is checked");
        assert!(ProductId::parse("prod_XYZ").is_err());
    }

    #[test]
    fn ids_deserialize_only_when_valid() {
        assert!(serde_json::from_str::<ProductId>("\"prod_0193a4c1e7d27c3a9b1f4e2d8c6a5b40\"").is_ok());
        assert!(serde_json::from_str::<ProductId>("\"cat_0193a4c1e7d27c3a9b1f4e2d8c6a5b40\"").is_err());
    }

    proptest! {
        #[test]
        fn sku_accepts_exactly_its_alphabet(s in "\\PC{0,80}") {
            let expected = !s.is_empty() && s.len() <= 64
                && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            prop_assert_eq!(Sku::parse(&s).is_ok(), expected);
        }
    }
}
