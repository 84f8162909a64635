//! Words for the content model: split on anything but letters and digits, lower-cased;
//! one-character words, very long ones and common English words are dropped (they say
//! nothing about what a product is).

/// Words longer than this are not kept.
const MAX_WORD_CHARS: usize = 40;

/// Words too common to tell products apart.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is", "it", "its", "of", "on", "or",
    "that", "the", "this", "to", "with", "you", "your", "our", "we", "all", "but", "not", "so", "than", "too", "very",
    "after", "into", "made", "new",
];

/// The words of `text`, in order.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).filter(|w| {
        let chars = w.chars().count();
        chars > 1 && chars <= MAX_WORD_CHARS && !STOPWORDS.contains(&w.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lower_case_without_punctuation_or_stopwords() {
        let got: Vec<String> = words("A breezy summer-shirt, in washed FLAX (100% linen)!").collect();
        assert_eq!(got, ["breezy", "summer", "shirt", "washed", "flax", "100", "linen"]);
        assert_eq!(words("Crème brûlée").collect::<Vec<_>>(), ["crème", "brûlée"]);
        assert_eq!(words(&"x".repeat(41)).count(), 0);
    }
}
