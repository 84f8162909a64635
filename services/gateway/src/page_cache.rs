//! Composed product pages kept in memory while nothing they show has changed: a read model
//! invalidated by the owners' events, so that a popular page costs no hop to catalog,
//! pricing, inventory or recommendations.
//!
//! How stale a page can be:
//! - a change to the product (`product.*`), a price (`price.changed`) or stock
//!   (`stock.changed`) reaches the page within the event lag, since the event drops it;
//! - what changes without an event (a price list's validity window opening or closing, new
//!   recommendations) shows at most `max_age` later;
//! - while any of the three streams is not followed (the gateway starting, an owner down),
//!   nothing is cached and every page is composed afresh.
//!
//! A page composed while an event about it arrives must not be stored with the old data.
//! Each miss therefore takes a [`Ticket`] before it asks the owners, and the page is kept
//! only if no change since the ticket touches it (recent changes are remembered for that).
//!
//! A degraded page (an optional owner did not answer) is kept for [`DEGRADED_MAX_AGE`] only:
//! long enough that a slow owner is asked once a second per page rather than for every
//! shopper (otherwise an owner slowed by load would keep the cache empty and the load high),
//! short enough that its recovery shows at once.

use std::collections::{BTreeSet, VecDeque};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use contracts::EventType as _;
use contracts::catalog::{ProductArchived, ProductCreated, ProductUpdated};
use contracts::inventory::StockChanged;
use contracts::money::Currency;
use contracts::pricing::PriceChanged;
use lru::LruCache;
use runtime::events::{Event, Watcher};

/// The owners whose events can change a product page, and those events.
pub const SOURCES: [(&str, &[&str]); 3] = [
    ("catalog", &[ProductCreated::TYPE, ProductUpdated::TYPE, ProductArchived::TYPE]),
    ("pricing", &[PriceChanged::TYPE]),
    ("inventory", &[StockChanged::TYPE]),
];

/// How many recent changes are remembered to vet the pages composed meanwhile; a page whose
/// composition outlasted that many changes is not stored.
const RECENT_CHANGES: usize = 1024;

/// How long a degraded page is kept.
pub const DEGRADED_MAX_AGE: Duration = Duration::from_secs(1);

/// A page is asked for by id and by slug.
const ALIASES_PER_PAGE: NonZeroUsize = NonZeroUsize::new(2).expect("two is not zero");

/// A page as the shopper asked for it: the URL's id or slug, currency and customer group.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct PageKey {
    /// The id or slug in the path.
    pub reference: String,
    /// The price currency.
    pub currency: Currency,
    /// The shopper's customer group.
    pub customer_group: Option<String>,
}

/// A composed page and what it was composed from.
#[derive(Clone, Debug)]
pub struct Page {
    /// The JSON body as sent.
    pub body: Bytes,
    /// The product's id.
    pub product_id: String,
    /// Its variants' SKUs.
    pub skus: Vec<String>,
    /// The optional owners it lacks.
    pub degraded: Vec<String>,
}

/// A change an owner announced.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Change {
    Product(String),
    Sku(String),
}

impl Change {
    fn of(event: &Event) -> Option<Change> {
        let kind = event.event_type.as_str();
        if [ProductCreated::TYPE, ProductUpdated::TYPE, ProductArchived::TYPE].contains(&kind) {
            Some(Change::Product(event.subject.clone()))
        } else if [PriceChanged::TYPE, StockChanged::TYPE].contains(&kind) {
            Some(Change::Sku(event.subject.clone()))
        } else {
            None
        }
    }

    fn touches(&self, page: &Page) -> bool {
        match self {
            Change::Product(id) => page.product_id == *id,
            Change::Sku(sku) => page.skus.iter().any(|s| s == sku),
        }
    }
}

/// Taken before composing a page; a page is stored only if nothing touched it since.
#[derive(Clone, Copy, Debug)]
pub struct Ticket {
    epoch: u64,
    changes: u64,
}

struct Stored {
    page: Page,
    at: Instant,
}

/// What a page is stored under: one copy per product, whether asked for by id or slug.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct StoredKey {
    product_id: String,
    currency: Currency,
    customer_group: Option<String>,
}

impl StoredKey {
    fn of(key: &PageKey, product_id: &str) -> Self {
        Self { product_id: product_id.to_owned(), currency: key.currency, customer_group: key.customer_group.clone() }
    }
}

struct Inner {
    pages: LruCache<StoredKey, Stored>,
    /// The product each id or slug asked for names; dropped with the product's next change.
    aliases: LruCache<String, String>,
    /// Sources whose stream is not followed now; nothing is stored while one is.
    unfollowed: BTreeSet<&'static str>,
    /// Moves whenever a stream is lost or found again: tickets from before are void.
    epoch: u64,
    /// Changes seen so far.
    changes: u64,
    /// The last [`RECENT_CHANGES`] changes, the newest last.
    recent: VecDeque<Change>,
}

/// The gateway's product pages.
pub struct PageCache {
    inner: Mutex<Inner>,
    max_age: Duration,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache").field("max_age", &self.max_age).finish_non_exhaustive()
    }
}

impl PageCache {
    /// Holds up to `capacity` pages (the least recently read go first), each at most `max_age`.
    pub fn new(capacity: NonZeroUsize, max_age: Duration) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner {
                pages: LruCache::new(capacity),
                aliases: LruCache::new(capacity.saturating_mul(ALIASES_PER_PAGE)),
                unfollowed: SOURCES.into_iter().map(|(source, _)| source).collect(),
                epoch: 0,
                changes: 0,
                recent: VecDeque::with_capacity(RECENT_CHANGES),
            }),
            max_age,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the map consistent (every mutation is a single
        // call on it); serve on.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The stored body of `key` and what it lacks, if there is a fresh one.
    pub fn get(&self, key: &PageKey) -> Option<(Bytes, Vec<String>)> {
        let mut inner = self.lock();
        let stored = inner.aliases.get(&key.reference).map(|product_id| StoredKey::of(key, product_id));
        let fresh = match stored.as_ref().and_then(|stored| inner.pages.get(stored)) {
            Some(stored) if stored.at.elapsed() <= self.max_age_of(&stored.page) => {
                Some((stored.page.body.clone(), stored.page.degraded.clone()))
            }
            Some(_) => {
                stored.map(|stored| inner.pages.pop(&stored));
                None
            }
            None => None,
        };
        drop(inner);
        metrics::counter!("gateway_page_cache_total", "result" => if fresh.is_some() { "hit" } else { "miss" })
            .increment(1);
        fresh
    }

    fn max_age_of(&self, page: &Page) -> Duration {
        if page.degraded.is_empty() { self.max_age } else { self.max_age.min(DEGRADED_MAX_AGE) }
    }

    /// A ticket for a page about to be composed.
    pub fn ticket(&self) -> Ticket {
        let inner = self.lock();
        Ticket { epoch: inner.epoch, changes: inner.changes }
    }

    /// Stores `page` as `key` unless the streams were not all followed since `ticket`, or a
    /// change since then touches it; tells which.
    pub fn put(&self, ticket: Ticket, key: PageKey, page: Page) -> bool {
        let mut inner = self.lock();
        let missed = inner.changes - ticket.changes;
        let stale = !inner.unfollowed.is_empty()
            || inner.epoch != ticket.epoch
            || missed > inner.recent.len() as u64
            || inner.recent.iter().rev().take(missed as usize).any(|change| change.touches(&page));
        if !stale {
            inner.aliases.put(key.reference.clone(), page.product_id.clone());
            inner.pages.put(StoredKey::of(&key, &page.product_id), Stored { page, at: Instant::now() });
        }
        !stale
    }

    fn changed(&self, change: Change) {
        let mut inner = self.lock();
        let gone: Vec<StoredKey> =
            inner.pages.iter().filter(|(_, stored)| change.touches(&stored.page)).map(|(key, _)| key.clone()).collect();
        for key in &gone {
            inner.pages.pop(key);
        }
        if let Change::Product(id) = &change {
            // The slug may have changed, or gone to another product.
            let gone: Vec<String> =
                inner.aliases.iter().filter(|(_, product)| *product == id).map(|(alias, _)| alias.clone()).collect();
            for alias in &gone {
                inner.aliases.pop(alias);
            }
        }
        inner.changes += 1;
        if inner.recent.len() == RECENT_CHANGES {
            inner.recent.pop_front();
        }
        inner.recent.push_back(change);
    }

    fn followed(&self, source: &'static str, followed: bool) {
        let mut inner = self.lock();
        inner.epoch += 1;
        if followed {
            inner.unfollowed.remove(source);
        } else {
            inner.unfollowed.insert(source);
            inner.pages.clear();
            inner.aliases.clear();
        }
        tracing::info!(source, followed, "product page cache: event stream");
    }

    /// The watcher of `source`'s events for this cache.
    pub fn watcher(self: &Arc<Self>, source: &'static str) -> Arc<SourceWatch> {
        Arc::new(SourceWatch { cache: self.clone(), source })
    }
}

/// Feeds one owner's events to the cache.
pub struct SourceWatch {
    cache: Arc<PageCache>,
    source: &'static str,
}

impl Watcher for SourceWatch {
    fn live(&self) {
        self.cache.followed(self.source, true);
    }

    fn event(&self, event: &Event) {
        if let Some(change) = Change::of(event) {
            self.cache.changed(change);
        }
    }

    fn lost(&self) {
        self.cache.followed(self.source, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(reference: &str) -> PageKey {
        PageKey { reference: reference.into(), currency: Currency::Eur, customer_group: None }
    }

    fn page(id: &str, skus: &[&str]) -> Page {
        Page {
            body: Bytes::from(format!("{{\"id\":\"{id}\"}}")),
            product_id: id.into(),
            skus: skus.iter().map(|s| (*s).into()).collect(),
            degraded: Vec::new(),
        }
    }

    fn event(event_type: &str, subject: &str) -> Event {
        Event {
            specversion: "1.0".into(),
            id: format!("evt_{subject}"),
            source: "/mercato/test".into(),
            event_type: event_type.into(),
            subject: subject.into(),
            time: "2026-12-04T00:00:00Z".into(),
            datacontenttype: "application/json".into(),
            schemaversion: 1,
            traceparent: None,
            seq: None,
            data: serde_json::Value::Null,
        }
    }

    fn followed_cache() -> (Arc<PageCache>, Vec<Arc<SourceWatch>>) {
        let cache = PageCache::new(NonZeroUsize::new(16).expect("not zero"), Duration::from_secs(3600));
        let watches: Vec<_> = SOURCES.into_iter().map(|(s, _)| cache.watcher(s)).collect();
        for watch in &watches {
            watch.live();
        }
        (cache, watches)
    }

    #[test]
    fn nothing_is_stored_until_every_stream_is_followed() {
        let cache = PageCache::new(NonZeroUsize::new(16).expect("not zero"), Duration::from_secs(3600));
        let watches: Vec<_> = SOURCES.into_iter().map(|(s, _)| cache.watcher(s)).collect();
        watches[0].live();
        watches[1].live();
        assert!(!cache.put(cache.ticket(), key("a"), page("p1", &["A"])));
        watches[2].live();
        assert!(cache.put(cache.ticket(), key("a"), page("p1", &["A"])));
        assert!(cache.get(&key("a")).is_some());
    }

    #[test]
    fn an_event_drops_the_pages_it_touches_and_only_those() {
        let (cache, watches) = followed_cache();
        assert!(cache.put(cache.ticket(), key("shirt"), page("p1", &["A", "B"])));
        assert!(cache.put(cache.ticket(), key("p1"), page("p1", &["A", "B"])));
        assert!(cache.put(cache.ticket(), key("p2"), page("p2", &["C"])));
        watches[2].event(&event("stock.changed", "B"));
        assert!(cache.get(&key("shirt")).is_none() && cache.get(&key("p1")).is_none());
        assert!(cache.get(&key("p2")).is_some());
        watches[0].event(&event("product.updated", "p2"));
        assert!(cache.get(&key("p2")).is_none());
        watches[1].event(&event("order.placed", "p2"));
    }

    #[test]
    fn a_page_asked_for_by_id_and_by_slug_is_stored_once_and_a_renamed_slug_is_forgotten() {
        let (cache, watches) = followed_cache();
        assert!(cache.put(cache.ticket(), key("shirt"), page("p1", &["A"])));
        assert!(cache.put(cache.ticket(), key("p1"), page("p1", &["A"])));
        assert_eq!(cache.lock().pages.len(), 1);
        assert!(cache.get(&key("shirt")).is_some() && cache.get(&key("p1")).is_some());
        watches[0].event(&event("product.updated", "p1"));
        assert!(cache.lock().aliases.is_empty(), "the slug may now name another product");
        assert!(cache.put(cache.ticket(), key("shirt"), page("p2", &["B"])));
        assert_eq!(cache.get(&key("shirt")).map(|(body, _)| body), Some(Bytes::from_static(b"{\"id\":\"p2\"}")));
    }

    #[test]
    fn a_page_composed_across_a_change_to_it_is_not_stored() {
        let (cache, watches) = followed_cache();
        let ticket = cache.ticket();
        watches[1].event(&event("price.changed", "A"));
        assert!(!cache.put(ticket, key("p1"), page("p1", &["A"])), "composed before the price changed");
        assert!(cache.put(ticket, key("p2"), page("p2", &["C"])), "another product's change does not matter");
        assert!(cache.put(cache.ticket(), key("p1"), page("p1", &["A"])));
    }

    #[test]
    fn a_lost_stream_empties_the_cache_and_voids_older_tickets() {
        let (cache, watches) = followed_cache();
        assert!(cache.put(cache.ticket(), key("p1"), page("p1", &["A"])));
        let ticket = cache.ticket();
        watches[0].lost();
        assert!(cache.get(&key("p1")).is_none());
        assert!(!cache.put(cache.ticket(), key("p1"), page("p1", &["A"])));
        watches[0].live();
        assert!(!cache.put(ticket, key("p1"), page("p1", &["A"])), "composed while catalog's changes were unseen");
        assert!(cache.put(cache.ticket(), key("p1"), page("p1", &["A"])));
    }

    #[test]
    fn too_many_changes_during_a_composition_void_its_ticket() {
        let (cache, watches) = followed_cache();
        let ticket = cache.ticket();
        for i in 0..=RECENT_CHANGES {
            watches[2].event(&event("stock.changed", &format!("X{i}")));
        }
        assert!(!cache.put(ticket, key("p1"), page("p1", &["A"])));
    }

    #[test]
    fn a_degraded_page_is_kept_one_second_at_most() {
        let (cache, _watches) = followed_cache();
        let degraded = Page { degraded: vec!["recommendations".into()], ..page("p1", &["A"]) };
        assert!(cache.put(cache.ticket(), key("p1"), degraded));
        assert_eq!(cache.get(&key("p1")).map(|(_, d)| d), Some(vec!["recommendations".to_owned()]));
        cache.lock().pages.iter_mut().for_each(|(_, stored)| stored.at -= DEGRADED_MAX_AGE);
        assert!(cache.get(&key("p1")).is_none());
    }

    #[test]
    fn pages_expire_after_max_age() {
        let cache = PageCache::new(NonZeroUsize::new(16).expect("not zero"), Duration::ZERO);
        for (source, _) in SOURCES {
            cache.watcher(source).live();
        }
        assert!(cache.put(cache.ticket(), key("p1"), page("p1", &["A"])));
        cache.lock().pages.iter_mut().for_each(|(_, stored)| stored.at -= Duration::from_millis(1));
        assert!(cache.get(&key("p1")).is_none());
    }
}
