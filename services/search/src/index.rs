//! The full-text index: tantivy, in RAM, built from the read model at start and kept in step
//! by the indexer (`crate::indexer`).
//!
//! Tantivy matches words and scores the matches; everything else a search answers with —
//! filters, facets, prices, stock, order — comes from a [`ProductDoc`] per indexed product,
//! kept in memory beside it and published together with the searcher, so a search sees one
//! consistent state. A product's document has a numeric `key` (a fast field) that leads from a
//! match to its `ProductDoc`.
//!
//! Matching (see [`Snapshot::candidates`]): every word of `q` must match in some field (name
//! ×3, brand ×2, category name ×2, attribute values ×1.5, SKUs ×1.5, description ×1). A word
//! the index does not know is looked up with typos: edit distance 1 from 4 characters, 2 from
//! 8 (a transposition counts as one edit). The last word also matches as a prefix ("linen shi"
//! finds "Linen Shirt"), and is only looked up with typos when no indexed word starts with it.
//! A `q` that is a SKU also finds its product directly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use contracts::ids::ProductId;
use contracts::search::SearchResults;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, EmptyQuery, FuzzyTermQuery, Query, TermQuery};
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher, SegmentOrdinal, SegmentReader,
    TantivyDocument, Term,
};

use crate::domain::IndexedProduct;
use crate::domain::facet_ids::FacetIds;
use crate::domain::request::{AnswerKey, SearchRequest};
use crate::domain::results::{Answer, Candidate};
use crate::product_docs::ProductDocs;

const TEXT_ANALYZER: &str = "mercato_text";
const SKU_ANALYZER: &str = "mercato_sku";
const KEY: &str = "key";
/// The writer's memory (tantivy needs at least 15 MB per indexing thread; one thread).
const WRITER_MEMORY: usize = 20_000_000;
/// Words of `q` beyond this are ignored.
const MAX_WORDS: usize = 16;
/// Words longer than this are not indexed (nor looked up).
const MAX_WORD_LEN: usize = 40;
/// A prefix match weighs less than the whole word…
const PREFIX_WEIGHT: Score = 0.8;
/// …and a match with typos less still.
const TYPO_WEIGHT: Score = 0.5;
/// A `q` that is exactly a SKU puts its product first.
const SKU_WEIGHT: Score = 10.0;

/// The index failed. In RAM this is a bug or resource exhaustion, never bad input.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Tantivy refused.
    #[error("search index failed")]
    Tantivy(#[from] tantivy::TantivyError),
    /// A blocking index task panicked or was cancelled.
    #[error("search index task did not finish")]
    Task(#[from] tokio::task::JoinError),
}

#[derive(Clone, Copy, Debug)]
struct Fields {
    key: Field,
    name: Field,
    brand: Field,
    category: Field,
    attributes: Field,
    skus: Field,
    description: Field,
    sku_exact: Field,
}

impl Fields {
    /// The text fields a word is looked up in, with their weights.
    fn weighted(&self) -> [(Field, Score); 6] {
        [
            (self.name, 3.0),
            (self.brand, 2.0),
            (self.category, 2.0),
            (self.attributes, 1.5),
            (self.skus, 1.5),
            (self.description, 1.0),
        ]
    }
}

fn schema() -> (Schema, Fields) {
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(TEXT_ANALYZER).set_index_option(IndexRecordOption::WithFreqs),
    );
    let sku = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(SKU_ANALYZER)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let mut builder = Schema::builder();
    let fields = Fields {
        key: builder.add_u64_field(KEY, INDEXED | FAST),
        name: builder.add_text_field("name", text.clone()),
        brand: builder.add_text_field("brand", text.clone()),
        category: builder.add_text_field("category", text.clone()),
        attributes: builder.add_text_field("attributes", text.clone()),
        skus: builder.add_text_field("skus", text.clone()),
        description: builder.add_text_field("description", text),
        sku_exact: builder.add_text_field("sku_exact", sku),
    };
    (builder.build(), fields)
}

/// Words: split on anything but letters and digits, lower-cased, accents folded.
fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// A SKU whole, lower-cased.
fn sku_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser).build()
}

/// The words of `q`, as the index holds them.
fn words(q: &str) -> Vec<String> {
    let mut analyzer = text_analyzer();
    let mut stream = analyzer.token_stream(q);
    let mut words = Vec::new();
    while stream.advance() && words.len() < MAX_WORDS {
        words.push(stream.token().text.clone());
    }
    words
}

/// How many edits a word may be off: none below 4 characters, 1 from 4, 2 from 8.
pub fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..4 => 0,
        4..8 => 1,
        _ => 2,
    }
}

fn boosted(query: impl Query, boost: Score) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(query), boost))
}

/// Collects every match: the product key and the score.
struct Keys;

struct SegmentKeys {
    keys: Column<u64>,
    hits: Vec<(u64, Score)>,
}

impl Collector for Keys {
    type Fruit = Vec<(u64, Score)>;
    type Child = SegmentKeys;

    fn for_segment(&self, _segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentKeys> {
        Ok(SegmentKeys { keys: reader.fast_fields().u64(KEY)?, hits: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u64, Score)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentKeys {
    type Fruit = Vec<(u64, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(key) = self.keys.first(doc) {
            self.hits.push((key, score));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.hits
    }
}

/// Most hits a snapshot keeps in all its answers (24 bytes each: about 12 MiB); the least
/// recently used answers go first.
const KEPT_HITS: usize = 500_000;
/// Answers with more hits than this are computed afresh each time.
const MAX_KEPT_HITS: usize = KEPT_HITS / 4;

/// An answer being computed: the first asker fills it, later askers of the same wait on it.
type Flight = Arc<Mutex<Option<Arc<Answer>>>>;

/// Answers a snapshot keeps, and their hits in all; and those being computed.
struct Kept {
    answers: lru::LruCache<AnswerKey, Arc<Answer>>,
    hits: usize,
    flights: HashMap<AnswerKey, Flight>,
}

impl Kept {
    fn put(&mut self, key: AnswerKey, answer: Arc<Answer>) {
        while self.hits + answer.len() > KEPT_HITS {
            let Some((_, old)) = self.answers.pop_lru() else { break };
            self.hits -= old.len();
        }
        self.hits += answer.len();
        if let Some(old) = self.answers.put(key, answer) {
            self.hits -= old.len();
        }
    }
}

/// What one search reads: a searcher and the documents of the same moment, and the answers
/// already computed from them.
///
/// A listing without words, or a facet count, touches every product it matches: O(catalog)
/// for a category page of a large shop. The answer (filtered, counted, sorted) only changes
/// when the index does, so a snapshot keeps the latest: the next page, and
/// the next shopper asking the same, are cut from it (at most [`KEPT_HITS`] hits in all). A change publishes a new snapshot,
/// which starts with none, so a kept answer is never stale.
pub struct Snapshot {
    searcher: Searcher,
    docs: ProductDocs,
    fields: Fields,
    /// The last change (`search_changes.seq`) the index includes.
    pub position: i64,
    kept: Mutex<Kept>,
}

impl Snapshot {
    /// Products in the index.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The answer to `request` (all its pages), kept or computed.
    ///
    /// One computation per answer at a time: shoppers asking the same while it is computed
    /// (a popular category right after a change, every page of a listing at once) wait for
    /// it rather than each scanning the catalog, which on a large one starved the machine.
    pub fn answer(&self, request: &SearchRequest) -> Result<Arc<Answer>, IndexError> {
        let key = request.answer_key();
        let flight = {
            let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(answer) = kept.answers.get(&key).cloned() {
                metrics::counter!("search_answers_total", "result" => "kept").increment(1);
                return Ok(answer);
            }
            kept.flights.entry(key.clone()).or_default().clone()
        };
        let mut slot = flight.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(answer) = slot.as_ref() {
            metrics::counter!("search_answers_total", "result" => "shared").increment(1);
            return Ok(answer.clone());
        }
        metrics::counter!("search_answers_total", "result" => "computed").increment(1);
        let computed = self.candidates(&request.q).map(|candidates| Arc::new(Answer::compute(request, &candidates)));
        if let Ok(answer) = &computed {
            *slot = Some(answer.clone());
        }
        drop(slot);
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        // Landing in `answers` and leaving `flights` under one lock: no asker sees neither.
        if kept.flights.get(&key).is_some_and(|f| Arc::ptr_eq(f, &flight)) {
            kept.flights.remove(&key);
        }
        if let Ok(answer) = &computed
            && answer.len() <= MAX_KEPT_HITS
        {
            kept.put(key, answer.clone());
        }
        computed
    }

    /// Every product `q` matches, with its score; every product for an empty `q`.
    pub fn candidates(&self, q: &str) -> Result<Vec<Candidate<'_>>, IndexError> {
        if q.trim().is_empty() {
            // Every record, as tantivy's `AllQuery` would score them (1.0), without a scorer
            // per document and a lookup from its key back to the record.
            return Ok(self.docs.all(1.0).collect());
        }
        let query = self.query(q)?;
        let hits = self.searcher.search(query.as_ref(), &Keys)?;
        Ok(hits.into_iter().filter_map(|(key, score)| self.docs.get(key, score)).collect())
    }

    fn query(&self, q: &str) -> tantivy::Result<Box<dyn Query>> {
        let words = words(q);
        let Some(last) = words.len().checked_sub(1) else {
            // Only punctuation: nothing to look for.
            return Ok(Box::new(EmptyQuery));
        };
        let mut every_word = Vec::with_capacity(words.len());
        for (i, word) in words.iter().enumerate() {
            every_word.push(self.word_query(word, i == last)?);
        }
        let sku = Term::from_field_text(self.fields.sku_exact, &q.trim().to_lowercase());
        Ok(Box::new(BooleanQuery::union(vec![
            Box::new(BooleanQuery::intersection(every_word)),
            boosted(TermQuery::new(sku, IndexRecordOption::Basic), SKU_WEIGHT),
        ])))
    }

    /// One word, in any field: as is, as a prefix (the last word), with typos (a word the
    /// index does not know, and for the last word only when nothing starts with it).
    fn word_query(&self, word: &str, last: bool) -> tantivy::Result<Box<dyn Query>> {
        let distance = typo_distance(word);
        let typos = distance > 0 && !self.known(word)? && !(last && self.has_prefix(word)?);
        let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
        for (field, weight) in self.fields.weighted() {
            let term = Term::from_field_text(field, word);
            alternatives.push(boosted(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs), weight));
            if last {
                alternatives.push(boosted(FuzzyTermQuery::new_prefix(term.clone(), 0, true), weight * PREFIX_WEIGHT));
            }
            if typos {
                alternatives.push(boosted(FuzzyTermQuery::new(term.clone(), distance, true), weight * TYPO_WEIGHT));
                if last {
                    alternatives.push(boosted(FuzzyTermQuery::new_prefix(term, distance, true), weight * TYPO_WEIGHT));
                }
            }
        }
        Ok(Box::new(BooleanQuery::union(alternatives)))
    }

    /// Whether some indexed field holds `word` exactly.
    fn known(&self, word: &str) -> tantivy::Result<bool> {
        for (field, _) in self.fields.weighted() {
            if self.searcher.doc_freq(&Term::from_field_text(field, word))? > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether some indexed word starts with `prefix`.
    fn has_prefix(&self, prefix: &str) -> tantivy::Result<bool> {
        for segment in self.searcher.segment_readers() {
            for (field, _) in self.fields.weighted() {
                let inverted = segment.inverted_index(field)?;
                let mut terms = inverted.terms().range().ge(prefix.as_bytes()).into_stream()?;
                if terms.advance() && terms.key().starts_with(prefix.as_bytes()) {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}

/// The writing side: one per index, owned by whoever holds the lock.
struct Writer {
    writer: IndexWriter,
    reader: IndexReader,
    fields: Fields,
    keys: HashMap<ProductId, u64>,
    next_key: u64,
    docs: ProductDocs,
    /// The facet values' numbers in `docs`.
    facets: FacetIds,
    /// A hash of each indexed product's words: a change that leaves them alone (a price, a
    /// stock level) updates the product's record without touching the full-text index.
    words: HashMap<ProductId, u64>,
    /// Whether the full-text index has changes to commit.
    dirty: bool,
    position: i64,
}

/// A hash of everything of `product` that the full-text index holds.
fn words_of(product: &IndexedProduct) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    product.name.hash(&mut h);
    product.brand.hash(&mut h);
    product.category.as_ref().map(|c| &c.name).hash(&mut h);
    product.merged_attributes().hash(&mut h);
    for variant in &product.variants {
        variant.sku.as_str().hash(&mut h);
    }
    product.description.hash(&mut h);
    h.finish()
}

impl Writer {
    /// A new index holding `products` (archived ones are left out), up to `position`.
    fn build(products: &[IndexedProduct], position: i64) -> Result<Self, IndexError> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(TEXT_ANALYZER, text_analyzer());
        index.tokenizers().register(SKU_ANALYZER, sku_analyzer());
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let mut built = Self {
            writer,
            reader,
            fields,
            keys: HashMap::new(),
            next_key: 1,
            docs: ProductDocs::default(),
            facets: FacetIds::default(),
            words: HashMap::new(),
            dirty: false,
            position,
        };
        for product in products {
            built.put(product)?;
        }
        built.commit()?;
        Ok(built)
    }

    fn document(&self, key: u64, product: &IndexedProduct) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.key, key);
        doc.add_text(f.name, &product.name);
        if let Some(brand) = &product.brand {
            doc.add_text(f.brand, brand);
        }
        if let Some(category) = &product.category {
            doc.add_text(f.category, &category.name);
        }
        for value in product.merged_attributes().values().flatten() {
            doc.add_text(f.attributes, value);
        }
        for variant in &product.variants {
            doc.add_text(f.skus, variant.sku.as_str());
            doc.add_text(f.sku_exact, variant.sku.as_str());
        }
        doc.add_text(f.description, &product.description);
        doc
    }

    /// Replaces the product's document (removes it, for an archived product).
    fn put(&mut self, product: &IndexedProduct) -> Result<(), IndexError> {
        let words = words_of(product);
        if !product.archived
            && let Some(&key) = self.keys.get(&product.id)
            && self.words.get(&product.id) == Some(&words)
        {
            // Same words (a price or stock change): only the record filters and facets read.
            self.docs.insert(key, Arc::new(product.doc(&mut self.facets)));
            return Ok(());
        }
        self.remove(&product.id);
        if product.archived {
            return Ok(());
        }
        let key = self.next_key;
        self.next_key += 1;
        self.writer.add_document(self.document(key, product))?;
        self.keys.insert(product.id.clone(), key);
        self.docs.insert(key, Arc::new(product.doc(&mut self.facets)));
        self.words.insert(product.id.clone(), words);
        self.dirty = true;
        Ok(())
    }

    fn remove(&mut self, id: &ProductId) {
        if let Some(key) = self.keys.remove(id) {
            self.writer.delete_term(Term::from_field_u64(self.fields.key, key));
            self.docs.remove(key);
            self.words.remove(id);
            self.dirty = true;
        }
    }

    fn commit(&mut self) -> Result<(), IndexError> {
        if self.dirty {
            self.writer.commit()?;
            self.reader.reload()?;
            self.dirty = false;
        }
        Ok(())
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            searcher: self.reader.searcher(),
            docs: self.docs.clone(),
            fields: self.fields,
            position: self.position,
            kept: Mutex::new(Kept { answers: lru::LruCache::unbounded(), hits: 0, flights: HashMap::new() }),
        }
    }
}

struct Inner {
    writer: Mutex<Writer>,
    published: RwLock<Arc<Snapshot>>,
}

/// The index, shared by the HTTP handlers (readers) and the indexer (the one writer).
///
/// Every method blocks (tantivy works synchronously); async callers run them with
/// `tokio::task::spawn_blocking`.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let snapshot = self.snapshot();
        f.debug_struct("SearchIndex").field("documents", &snapshot.len()).field("position", &snapshot.position).finish()
    }
}

impl SearchIndex {
    /// An index of `products`, including every change up to `position`.
    pub fn build(products: &[IndexedProduct], position: i64) -> Result<Self, IndexError> {
        let writer = Writer::build(products, position)?;
        let published = RwLock::new(Arc::new(writer.snapshot()));
        Ok(Self { inner: Arc::new(Inner { writer: Mutex::new(writer), published }) })
    }

    /// What searches read now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.published.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The last change the index includes.
    pub fn position(&self) -> i64 {
        self.snapshot().position
    }

    fn publish(&self, writer: &Writer) {
        *self.inner.published.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(writer.snapshot());
    }

    /// Replaces the whole index with one of `products` up to `position` (built before the
    /// swap, so searches never see it half-built). Returns the number of documents.
    pub fn replace(&self, products: &[IndexedProduct], position: i64) -> Result<usize, IndexError> {
        let fresh = Writer::build(products, position)?;
        let documents = fresh.docs.len();
        let mut writer = self.inner.writer.lock().unwrap_or_else(PoisonError::into_inner);
        *writer = fresh;
        self.publish(&writer);
        Ok(documents)
    }

    /// Applies the changes after `from` up to `to`: `products` as they are now, and `gone`
    /// (no longer in the read model). Refused (`false`) when the index is no longer at
    /// `from` — a rebuild replaced it meanwhile; the caller reads again.
    pub fn apply(
        &self,
        from: i64,
        to: i64,
        products: &[IndexedProduct],
        gone: &[ProductId],
    ) -> Result<bool, IndexError> {
        let mut writer = self.inner.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if writer.position != from {
            return Ok(false);
        }
        for product in products {
            writer.put(product)?;
        }
        for id in gone {
            writer.remove(id);
        }
        writer.commit()?;
        writer.position = to;
        self.publish(&writer);
        Ok(true)
    }

    /// Answers a search from the current snapshot.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, IndexError> {
        Ok(self.snapshot().answer(request)?.page(request))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use contracts::ids::Sku;
    use contracts::search::HitCategory;

    use super::*;
    use crate::domain::IndexedVariant;
    use crate::domain::cursor::SortKey;

    fn product(name: &str, category: &str, description: &str, sku: &str) -> IndexedProduct {
        IndexedProduct {
            id: ProductId::generate(),
            slug: name.to_lowercase().replace(' ', "-"),
            name: name.to_owned(),
            description: description.to_owned(),
            brand: None,
            category: Some(HitCategory { slug: category.to_lowercase(), name: category.to_owned() }),
            attributes: BTreeMap::new(),
            variants: vec![IndexedVariant {
                sku: Sku::parse(sku).expect("sku"),
                name: "One size".into(),
                attributes: BTreeMap::new(),
            }],
            archived: false,
            version: 1,
            prices: BTreeMap::new(),
            available: 0,
        }
    }

    fn names(index: &SearchIndex, q: &str) -> Vec<String> {
        let request = SearchRequest { q: q.to_owned(), ..SearchRequest::default() };
        index.search(&request).expect("searches").data.into_iter().map(|h| h.name).collect()
    }

    fn catalog() -> Vec<IndexedProduct> {
        vec![
            product("Linen Shirt", "Shirts", "A breezy shirt in washed linen.", "LIN-SHIRT-W"),
            product("Oxford Shirt", "Shirts", "Button-down cotton oxford.", "OXF-SHIRT-B"),
            product("Linen Trousers", "Trousers", "Relaxed trousers in linen.", "LIN-TROU-S"),
            product("Cargo Shorts", "Trousers", "Cotton twill shorts.", "CRG-SHORT-K"),
            product("Crème Brûlée Mug", "Kitchen", "Stoneware.", "MUG-CB"),
        ]
    }

    #[test]
    fn words_typos_and_prefixes() {
        let index = SearchIndex::build(&catalog(), 0).expect("builds");
        assert_eq!(names(&index, "linen shirt"), ["Linen Shirt"]);
        assert_eq!(names(&index, "lnen shirt"), ["Linen Shirt"]);
        assert_eq!(names(&index, "shrit"), ["Linen Shirt", "Oxford Shirt"]);
        assert_eq!(names(&index, "linen shi"), ["Linen Shirt"]);
        assert_eq!(names(&index, "shirt").len(), 2, "a known word is not widened to `short` or `skirt`");
        assert_eq!(names(&index, "creme brulee"), ["Crème Brûlée Mug"], "accents fold");
        assert_eq!(names(&index, "oxf-shirt-b"), ["Oxford Shirt"], "a SKU finds its product");
        assert_eq!(names(&index, "car"), ["Cargo Shorts"], "the last word is a prefix");
        assert!(names(&index, "cra").is_empty(), "three letters get no typos");
        assert!(names(&index, "---").is_empty());
        assert_eq!(names(&index, "").len(), 5);
    }

    #[test]
    fn the_name_weighs_more_than_the_description() {
        let index = SearchIndex::build(&catalog(), 0).expect("builds");
        assert_eq!(names(&index, "trousers")[0], "Linen Trousers");
        let linen = names(&index, "linen");
        assert_eq!(linen.len(), 2);
    }

    #[test]
    fn a_kept_answer_serves_every_page_and_a_change_replaces_it() {
        let mut products: Vec<IndexedProduct> =
            (0..30).map(|i| product(&format!("Shirt {i:02}"), "Shirts", "cotton", &format!("S-{i:02}"))).collect();
        products.push(product("Chino", "Trousers", "cotton", "C-1"));
        let index = SearchIndex::build(&products, 1).expect("builds");
        let request = |after: Option<SortKey>| SearchRequest {
            categories: vec!["shirts".into()],
            sort: contracts::search::SearchSort::Name,
            limit: 20,
            after,
            ..SearchRequest::default()
        };
        let first = index.search(&request(None)).expect("searches");
        let snapshot = index.snapshot();
        let kept = snapshot.answer(&request(None)).expect("answers");
        assert!(Arc::ptr_eq(&kept, &snapshot.answer(&request(None)).expect("answers")), "the second ask is kept");
        assert_eq!((first.total, first.data.len()), (30, 20));
        assert_eq!(first.facets.category.iter().map(|f| f.count).collect::<Vec<_>>(), [30, 1]);
        let cursor = first.next.as_deref().expect("a next page");
        let after = crate::domain::cursor::decode(cursor, contracts::search::SearchSort::Name).expect("cursor");
        let second = index.search(&request(Some(after))).expect("searches");
        let names: Vec<&str> = second.data.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, (20..30).map(|i| format!("Shirt {i:02}")).collect::<Vec<_>>());
        assert!(second.next.is_none());

        products[0].name = "Zebra Shirt".into();
        products[1].category = Some(HitCategory { slug: "trousers".into(), name: "Trousers".into() });
        assert!(index.apply(1, 2, &products[..2], &[]).expect("applies"));
        let changed = index.search(&request(None)).expect("searches");
        assert_eq!(changed.total, 29);
        assert_eq!(changed.data[0].name, "Shirt 02");
        assert_eq!(changed.facets.category.iter().map(|f| f.count).collect::<Vec<_>>(), [29, 2]);
    }

    #[test]
    fn shoppers_asking_the_same_at_once_share_one_computation() {
        let products: Vec<IndexedProduct> = (0..3_000)
            .map(|i| product(&format!("Shirt {i:04}"), ["Shirts", "Trousers"][i % 2], "cotton", &format!("S-{i:04}")))
            .collect();
        let index = SearchIndex::build(&products, 1).expect("builds");
        let snapshot = index.snapshot();
        let request = SearchRequest { q: "cotton".into(), ..SearchRequest::default() };
        let start = std::sync::Barrier::new(8);
        let answers: Vec<Arc<Answer>> = std::thread::scope(|scope| {
            let askers: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        snapshot.answer(&request).expect("answers")
                    })
                })
                .collect();
            askers.into_iter().map(|asker| asker.join().expect("asks")).collect()
        });
        assert_eq!(answers[0].len(), 3_000);
        assert!(answers.iter().all(|a| Arc::ptr_eq(a, &answers[0])), "computed once, shared by all");
        assert!(snapshot.kept.lock().expect("lock").flights.is_empty(), "no flight is left behind");
    }

    #[test]
    fn changes_apply_once_and_only_from_the_expected_position() {
        let mut products = catalog();
        let index = SearchIndex::build(&products, 3).expect("builds");
        products[0].name = "Hemp Shirt".into();
        products[1].archived = true;
        let gone = products[2].id.clone();
        assert!(!index.apply(2, 5, &products[..2], &[]).expect("applies"), "stale position");
        assert!(index.apply(3, 5, &products[..2], std::slice::from_ref(&gone)).expect("applies"));
        assert_eq!(index.position(), 5);
        assert_eq!(names(&index, "shirt"), ["Hemp Shirt"]);
        assert_eq!(names(&index, "trousers"), ["Cargo Shorts"], "by its category");
        assert_eq!(index.snapshot().len(), 3);
        assert_eq!(index.replace(&catalog(), 1).expect("rebuilds"), 5);
        assert_eq!(index.position(), 1);
    }

    #[test]
    fn typo_distances() {
        assert_eq!(
            [typo_distance("abc"), typo_distance("abcd"), typo_distance("abcdefg"), typo_distance("abcdefgh")],
            [0, 1, 1, 2]
        );
    }
}
