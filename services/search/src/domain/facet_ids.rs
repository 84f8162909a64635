//! Numbers for facet values, handed out as products are indexed, so that counting a
//! product's values at search time is a lookup by number rather than hashing and comparing
//! strings (at 100,000 products that was the larger part of a category listing's cost).

use std::collections::HashMap;

/// A facet value's number: the same for every product with that value of that facet
/// (compared without case), different for every other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FacetId(u32);

impl FacetId {
    /// Its position among the numbers handed out (they are handed out densely from 0).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The numbers handed out so far, by facet and lower-cased value.
///
/// It only grows: a value no product has any more keeps its number until the index is
/// rebuilt, which starts afresh. Products' records keep their numbers, so every snapshot
/// that shares a record agrees on them.
#[derive(Debug, Default)]
pub struct FacetIds {
    categories: HashMap<String, FacetId>,
    attributes: HashMap<String, HashMap<String, FacetId>>,
    next: u32,
}

impl FacetIds {
    /// The number of the category whose lower-cased slug is `key`.
    pub fn category(&mut self, key: &str) -> FacetId {
        Self::id(&mut self.next, &mut self.categories, key)
    }

    /// The number of the value whose lower-cased form is `key` of the attribute `name`.
    pub fn attribute(&mut self, name: &str, key: &str) -> FacetId {
        let values = match self.attributes.get_mut(name) {
            Some(values) => values,
            None => self.attributes.entry(name.to_owned()).or_default(),
        };
        Self::id(&mut self.next, values, key)
    }

    /// How many numbers were handed out.
    pub fn len(&self) -> usize {
        self.next as usize
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.next == 0
    }

    fn id(next: &mut u32, ids: &mut HashMap<String, FacetId>, key: &str) -> FacetId {
        if let Some(&id) = ids.get(key) {
            return id;
        }
        // Four billion distinct values would need far more memory than their records take
        // anywhere this runs; should it ever happen, the last number is shared rather than
        // wrapping round onto the first.
        let id = FacetId(*next);
        *next = next.saturating_add(1);
        ids.insert(key.to_owned(), id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_number_per_value_of_each_facet() {
        let mut ids = FacetIds::default();
        let shirts = ids.category("shirts");
        let white = ids.attribute("color", "white");
        assert_eq!(ids.attribute("color", "white"), white);
        assert_eq!(ids.category("shirts"), shirts);
        assert_ne!(ids.attribute("material", "white"), white, "the same value of another attribute");
        assert_ne!(ids.category("white"), white, "a category named like a value");
        assert_eq!(ids.len(), 4);
        assert_eq!([shirts.index(), white.index()], [0, 1], "dense, from 0");
    }
}
