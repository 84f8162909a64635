//! Which service owns which public resource.

use std::collections::BTreeMap;

/// Public resource (first segment after `/api/v1/`) → owning service.
#[derive(Clone, Debug)]
pub struct RouteTable {
    owners: BTreeMap<&'static str, &'static str>,
}

impl RouteTable {
    /// The platform's public surface. Internal endpoints (`/v1/events`) are deliberately absent.
    pub fn platform() -> Self {
        let owners = BTreeMap::from([
            ("customers", "identity"),
            ("sessions", "identity"),
            ("me", "identity"),
            ("staff-users", "identity"),
            ("staff-sessions", "identity"),
            ("products", "catalog"),
            ("categories", "catalog"),
            ("availability", "inventory"),
            ("stock", "inventory"),
            ("locations", "inventory"),
            // Staff reads, captures, voids and refunds; authorising is internal to the
            // checkout, and payments refuses it without the internal credential.
            ("payments", "payments"),
            ("quotes", "pricing"),
            ("prices", "pricing"),
            ("price-lists", "pricing"),
            ("promotions", "pricing"),
            // Staff create coupons; redeeming one is internal to the checkout.
            ("coupons", "pricing"),
            ("shipping-rates", "pricing"),
            ("tax-rules", "pricing"),
            ("carts", "cart"),
            // Full-text search (public); rebuilding the index is for staff.
            ("search", "search"),
            ("checkouts", "orders"),
            ("orders", "orders"),
            // Staff: e-mail templates, sent messages, merchant webhooks.
            ("templates", "notifications"),
            ("messages", "notifications"),
            ("webhooks", "notifications"),
            // Recommendations (public reads) and the storefront's product views.
            ("recommendations", "recommendations"),
            ("views", "recommendations"),
        ]);
        Self { owners }
    }

    /// The service owning `resource`.
    pub fn owner(&self, resource: &str) -> Option<&'static str> {
        self.owners.get(resource).copied()
    }

    /// The distinct services behind the public surface.
    pub fn services(&self) -> Vec<&'static str> {
        let mut services: Vec<_> = self.owners.values().copied().collect();
        services.sort_unstable();
        services.dedup();
        services
    }

    /// Whether an upstream path (`/v1/products/{id}`) is part of the public surface.
    pub fn is_public(&self, upstream_path: &str) -> bool {
        upstream_path
            .strip_prefix("/v1/")
            .and_then(|rest| rest.split('/').next())
            .is_some_and(|resource| self.owners.contains_key(resource))
    }
}

#[cfg(test)]
mod tests {
    use super::RouteTable;

    #[test]
    fn internal_endpoints_stay_internal() {
        let table = RouteTable::platform();
        assert_eq!(table.owner("products"), Some("catalog"));
        assert!(table.owner("events").is_none());
        assert!(table.is_public("/v1/stock/{sku}"));
        assert!(!table.is_public("/v1/events"));
        assert_eq!(
            table.services(),
            [
                "cart",
                "catalog",
                "identity",
                "inventory",
                "notifications",
                "orders",
                "payments",
                "pricing",
                "recommendations",
                "search"
            ]
        );
        assert!(!table.is_public("/v1/reservations"), "reservations are internal to the checkout");
    }
}
