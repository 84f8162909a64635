//! The rules a quote applies besides prices (automatic promotions, shipping rates, tax
//! rules), kept in memory: every quote needs all of them, they change rarely, and reading
//! them took three of a quote's five statements.
//!
//! Never stale: every change to a rule moves a generation in its own transaction
//! ([`crate::store::rules`]); each quote reads the generation (one statement) and reloads the
//! rules when it moved. A change committed through any instance is therefore seen by the
//! next quote of every instance, as if the rules were read each time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use contracts::money::Currency;
use contracts::pricing::{Promotion, ShippingRate, TaxRule};
use runtime::db::DbError;
use sqlx::AnyConnection;

use crate::store::{promotions, rules, shipping, tax};

/// The rules as of one generation.
#[derive(Debug)]
pub struct QuoteRules {
    generation: i64,
    /// Automatic promotions that had not ended when loaded (the engine checks windows).
    pub automatic: Vec<Promotion>,
    /// Oldest first.
    shipping: Vec<ShippingRate>,
    tax: HashMap<String, TaxRule>,
}

impl QuoteRules {
    /// The oldest rate of `method` in `currency` that ships to `country`.
    pub fn shipping_rate(&self, method: &str, country: &str, currency: Currency) -> Option<&ShippingRate> {
        self.shipping.iter().find(|rate| {
            rate.method == method && rate.amount.currency == currency && rate.countries.iter().any(|c| c == country)
        })
    }

    /// The tax rule of `country`.
    pub fn tax(&self, country: &str) -> Option<&TaxRule> {
        self.tax.get(country)
    }
}

/// The rules last loaded by this instance, shared by its requests.
#[derive(Debug, Default)]
pub struct RulesCache {
    loaded: Mutex<Option<Arc<QuoteRules>>>,
}

impl RulesCache {
    /// The current rules: those kept if their generation is still the current one, else
    /// freshly loaded (`now` bounds which promotions are kept at all).
    pub async fn current(&self, conn: &mut AnyConnection, now: &str) -> Result<Arc<QuoteRules>, DbError> {
        // Read before the rules, so that rules loaded after a concurrent change are kept
        // under the older generation and reloaded once more, never the other way round.
        let generation = rules::generation(conn).await?;
        let kept = self.loaded.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(rules) = kept.filter(|rules| rules.generation == generation) {
            return Ok(rules);
        }
        let rules = Arc::new(QuoteRules {
            generation,
            automatic: promotions::automatic(conn, now).await?,
            shipping: shipping::all(conn).await?,
            tax: tax::all(conn).await?.into_iter().map(|rule| (rule.country.clone(), rule)).collect(),
        });
        *self.loaded.lock().unwrap_or_else(PoisonError::into_inner) = Some(rules.clone());
        Ok(rules)
    }
}
