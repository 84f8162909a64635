//! Validation of product, variant and category input: parse, then act. Past this point the
//! handlers hold only valid values.

use std::collections::{BTreeMap, BTreeSet};

use contracts::catalog::{Media, NewCategory, NewProduct, NewVariant, ProductPatch};
use contracts::ids::Sku;
use runtime::http::FieldError;

use super::slug::Slug;

const MAX_NAME: usize = 200;
const MAX_DESCRIPTION: usize = 5_000;
const MAX_ATTRIBUTES: usize = 50;
const MAX_ATTRIBUTE_VALUE: usize = 200;
const MAX_MEDIA: usize = 20;
const MAX_VARIANTS: usize = 100;

/// A product ready to be stored (its category still to be resolved by reference).
#[derive(Debug, Clone)]
pub struct ValidProduct {
    /// Slug.
    pub slug: Slug,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Brand.
    pub brand: Option<String>,
    /// Category slug or id, as given.
    pub category: Option<String>,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
    /// Media.
    pub media: Vec<Media>,
    /// Variants.
    pub variants: Vec<ValidVariant>,
}

/// A variant ready to be stored.
#[derive(Debug, Clone)]
pub struct ValidVariant {
    /// SKU.
    pub sku: Sku,
    /// Name.
    pub name: String,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
}

/// A valid partial update.
#[derive(Debug, Clone, Default)]
pub struct ValidPatch {
    /// New slug.
    pub slug: Option<Slug>,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New brand (empty string clears it).
    pub brand: Option<Option<String>>,
    /// New category reference.
    pub category: Option<String>,
    /// New attributes.
    pub attributes: Option<BTreeMap<String, String>>,
    /// New media.
    pub media: Option<Vec<Media>>,
}

/// A valid category.
#[derive(Debug, Clone)]
pub struct ValidCategory {
    /// Slug.
    pub slug: Slug,
    /// Name.
    pub name: String,
    /// Parent reference.
    pub parent: Option<String>,
}

struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    fn new() -> Self {
        Self { errors: Vec::new() }
    }

    fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    fn text(&mut self, field: &str, value: &str, max: usize, required: bool) -> String {
        let trimmed = value.trim();
        if required && trimmed.is_empty() {
            self.fail(field, "must not be empty");
        } else if trimmed.chars().count() > max {
            self.fail(field, format!("must be at most {max} characters"));
        } else if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            self.fail(field, "must not contain control characters");
        }
        trimmed.to_owned()
    }

    fn attributes(&mut self, field: &str, attributes: &BTreeMap<String, String>) {
        if attributes.len() > MAX_ATTRIBUTES {
            self.fail(field, format!("at most {MAX_ATTRIBUTES} attributes"));
        }
        for (key, value) in attributes {
            let key_ok = !key.is_empty()
                && key.len() <= 40
                && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok {
                self.fail(format!("{field}.{key}"), "attribute names are 1–40 lowercase letters, digits or '_'");
            }
            if value.trim().is_empty() || value.chars().count() > MAX_ATTRIBUTE_VALUE {
                self.fail(format!("{field}.{key}"), format!("attribute values are 1–{MAX_ATTRIBUTE_VALUE} characters"));
            }
        }
    }

    fn media(&mut self, field: &str, media: &[Media]) {
        if media.len() > MAX_MEDIA {
            self.fail(field, format!("at most {MAX_MEDIA} media"));
        }
        for (i, m) in media.iter().enumerate() {
            let url_ok = (m.url.starts_with("https://") || m.url.starts_with('/'))
                && m.url.len() <= 500
                && !m.url.chars().any(char::is_whitespace);
            if !url_ok {
                self.fail(
                    format!("{field}[{i}].url"),
                    "must be an https:// URL or a path starting with '/', up to 500 characters",
                );
            }
            if m.alt.trim().is_empty() || m.alt.chars().count() > 200 {
                self.fail(format!("{field}[{i}].alt"), "alternative text is required, up to 200 characters");
            }
        }
    }

    fn slug(&mut self, field: &str, given: Option<&str>, name: &str) -> Slug {
        let slug = match given {
            Some(s) => Slug::parse(s),
            None => Slug::from_name(name),
        };
        slug.unwrap_or_else(|| {
            if given.is_some() || !name.trim().is_empty() {
                self.fail(field, "must be 1–100 lowercase letters, digits and single hyphens");
            }
            Slug::parse("invalid").unwrap_or_else(|| unreachable!("literal slug is valid"))
        })
    }

    fn variant(&mut self, field: &str, v: &NewVariant) -> Option<ValidVariant> {
        let sku = match Sku::parse(&v.sku) {
            Ok(sku) => Some(sku),
            Err(e) => {
                self.fail(format!("{field}.sku"), e.to_string());
                None
            }
        };
        self.attributes(&format!("{field}.attributes"), &v.attributes);
        let name = match &v.name {
            Some(name) => self.text(&format!("{field}.name"), name, MAX_NAME, true),
            None if v.attributes.is_empty() => v.sku.clone(),
            None => v.attributes.values().cloned().collect::<Vec<_>>().join(" / "),
        };
        Some(ValidVariant { sku: sku?, name, attributes: v.attributes.clone() })
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() { Ok(value) } else { Err(self.errors) }
    }
}

/// Validates a variant added to an existing product.
pub fn validate_variant(v: &NewVariant) -> Result<ValidVariant, Vec<FieldError>> {
    let mut check = Check::new();
    let variant = check.variant("", v);
    match (variant, check.errors.is_empty()) {
        (Some(v), true) => Ok(v),
        _ => {
            Err(check.errors.into_iter().map(|e| FieldError::new(e.field.trim_start_matches('.'), e.message)).collect())
        }
    }
}

impl TryFrom<NewProduct> for ValidProduct {
    type Error = Vec<FieldError>;

    fn try_from(dto: NewProduct) -> Result<Self, Self::Error> {
        let mut check = Check::new();
        let name = check.text("name", &dto.name, MAX_NAME, true);
        let slug = check.slug("slug", dto.slug.as_deref(), &name);
        let description =
            check.text("description", dto.description.as_deref().unwrap_or_default(), MAX_DESCRIPTION, false);
        let brand = dto.brand.as_deref().map(|b| check.text("brand", b, 100, true));
        check.attributes("attributes", &dto.attributes);
        check.media("media", &dto.media);
        if dto.variants.is_empty() || dto.variants.len() > MAX_VARIANTS {
            check.fail("variants", format!("a product has 1 to {MAX_VARIANTS} variants"));
        }
        let mut seen = BTreeSet::new();
        let mut variants = Vec::with_capacity(dto.variants.len());
        for (i, v) in dto.variants.iter().enumerate() {
            if !seen.insert(v.sku.as_str()) {
                check.fail(format!("variants[{i}].sku"), "duplicates another variant's SKU");
            }
            if let Some(valid) = check.variant(&format!("variants[{i}]"), v) {
                variants.push(valid);
            }
        }
        let product = ValidProduct {
            slug,
            name,
            description,
            brand,
            category: dto.category.filter(|c| !c.trim().is_empty()),
            attributes: dto.attributes,
            media: dto.media,
            variants,
        };
        check.finish(product)
    }
}

impl TryFrom<ProductPatch> for ValidPatch {
    type Error = Vec<FieldError>;

    fn try_from(dto: ProductPatch) -> Result<Self, Self::Error> {
        let mut check = Check::new();
        let name = dto.name.as_deref().map(|n| check.text("name", n, MAX_NAME, true));
        let slug = dto.slug.as_deref().map(|s| check.slug("slug", Some(s), ""));
        let description = dto.description.as_deref().map(|d| check.text("description", d, MAX_DESCRIPTION, false));
        let brand = dto.brand.as_deref().map(|b| {
            let b = check.text("brand", b, 100, false);
            (!b.is_empty()).then_some(b)
        });
        if let Some(attributes) = &dto.attributes {
            check.attributes("attributes", attributes);
        }
        if let Some(media) = &dto.media {
            check.media("media", media);
        }
        let patch = ValidPatch {
            slug,
            name,
            description,
            brand,
            category: dto.category,
            attributes: dto.attributes,
            media: dto.media,
        };
        check.finish(patch)
    }
}

impl TryFrom<NewCategory> for ValidCategory {
    type Error = Vec<FieldError>;

    fn try_from(dto: NewCategory) -> Result<Self, Self::Error> {
        let mut check = Check::new();
        let name = check.text("name", &dto.name, 100, true);
        let slug = check.slug("slug", dto.slug.as_deref(), &name);
        check.finish(ValidCategory { slug, name, parent: dto.parent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(variants: Vec<NewVariant>) -> NewProduct {
        NewProduct {
            slug: None,
            name: "Organic Cotton Tee".into(),
            description: None,
            brand: None,
            category: None,
            attributes: BTreeMap::new(),
            media: vec![],
            variants,
        }
    }

    fn variant(sku: &str) -> NewVariant {
        NewVariant { sku: sku.into(), name: None, attributes: BTreeMap::from([("size".into(), "M".into())]) }
    }

    #[test]
    fn valid_product_gets_slug_and_variant_names() {
        let p = ValidProduct::try_from(product(vec![variant("TEE-M")])).expect("valid");
        assert_eq!(p.slug.as_str(), "organic-cotton-tee");
        assert_eq!(p.variants[0].name, "M");
    }

    #[test]
    fn every_invalid_field_is_named() {
        let mut dto = product(vec![variant("bad sku"), variant("TEE-M"), variant("TEE-M")]);
        dto.name = " ".into();
        dto.media = vec![Media { url: "javascript:alert(1)".into(), alt: String::new() }];
        let errors = ValidProduct::try_from(dto).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in ["name", "media[0].url", "media[0].alt", "variants[0].sku", "variants[2].sku"] {
            assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
        }
    }

    #[test]
    fn products_need_variants() {
        let errors = ValidProduct::try_from(product(vec![])).expect_err("invalid");
        assert_eq!(errors[0].field, "variants");
    }
}
