//! The catalog's rules, free of IO: what a valid product, variant, category and slug are.

mod product;
mod slug;

pub use product::{ValidCategory, ValidPatch, ValidProduct, ValidVariant, validate_variant};
pub use slug::Slug;
