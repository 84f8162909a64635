//! The demo catalog `mercato up` seeds on first start: a category tree, stock locations and
//! a realistic product range of a European lifestyle shop, with variants and stock levels.
//!
//! It is pure data generation from fixed tables. Each product is drawn from its own PRNG,
//! seeded from its index, so the catalog is the same on every machine and every run,
//! `products(n)` is a prefix of `products(m)` for `n < m`, and a seed interrupted half-way can
//! be re-run and finds exactly the slugs and SKUs it created before. Stock levels come from a
//! hash of the SKU and location code for the same reason.

use std::collections::BTreeMap;

use contracts::catalog::{Media, NewCategory, NewProduct, NewVariant};
use contracts::inventory::{LocationKind, NewLocation};
use fastrand::Rng;

/// Categories, parents before children.
pub fn categories() -> Vec<NewCategory> {
    let mut out = Vec::new();
    for department in DEPARTMENTS {
        out.push(NewCategory {
            slug: Some(department.slug.to_owned()),
            name: department.name.to_owned(),
            parent: None,
        });
        for leaf in department.leaves {
            out.push(NewCategory {
                slug: Some(leaf.slug.to_owned()),
                name: leaf.name.to_owned(),
                parent: Some(department.slug.to_owned()),
            });
        }
    }
    out
}

/// The stock locations: two distribution centres shipping online orders and two stores.
pub fn locations() -> Vec<NewLocation> {
    LOCATIONS
        .iter()
        .map(|&(code, name, kind)| NewLocation { code: code.to_owned(), name: name.to_owned(), kind })
        .collect()
}

/// `count` products, the same ones every time for the same `count`; the first `n` of a larger
/// count are the products of `products(n)`.
pub fn products(count: usize) -> Vec<NewProduct> {
    let rotation = leaf_rotation();
    (0..count).map(|index| product(index, &rotation)).collect()
}

/// The on-hand quantity of `sku` at `location` (a code): deterministic, 0 to 150, and zero for
/// roughly one pair in eight so that some items are out of stock somewhere. Stores hold less
/// than distribution centres.
pub fn on_hand(sku: &str, location: &str) -> i64 {
    let hash = fmix64(fnv1a(sku, location));
    if hash % 100 < OUT_OF_STOCK_PERCENT {
        return 0;
    }
    let is_store = LOCATIONS.iter().any(|&(code, _, kind)| code == location && kind == LocationKind::Store);
    let most: u64 = if is_store { 40 } else { 150 };
    // The upper half of the hash, so the quantity is independent of the out-of-stock draw.
    1 + ((hash >> 32) % most) as i64
}

const SEED: u64 = 0x6d65_7263_6174_6f21;
const OUT_OF_STOCK_PERCENT: u64 = 12;

const LOCATIONS: &[(&str, &str, LocationKind)] = &[
    ("berlin-dc", "Berlin Distribution Centre", LocationKind::Warehouse),
    ("rotterdam-dc", "Rotterdam Distribution Centre", LocationKind::Warehouse),
    ("paris-marais", "Paris Le Marais", LocationKind::Store),
    ("milan-brera", "Milan Brera", LocationKind::Store),
];

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

/// The order products are assigned to leaf categories: one pass over every leaf, interleaving
/// departments, then extra passes for the departments that carry a bigger range.
fn leaf_rotation() -> Vec<(&'static Department, &'static Leaf)> {
    let passes = DEPARTMENTS.iter().map(|d| d.weight).max().unwrap_or(1);
    let widest = DEPARTMENTS.iter().map(|d| d.leaves.len()).max().unwrap_or(0);
    let mut rotation = Vec::new();
    for pass in 0..passes {
        for position in 0..widest {
            for department in DEPARTMENTS.iter().filter(|d| d.weight > pass) {
                if let Some(leaf) = department.leaves.get(position) {
                    rotation.push((department, leaf));
                }
            }
        }
    }
    rotation
}

fn product(index: usize, rotation: &[(&'static Department, &'static Leaf)]) -> NewProduct {
    let mut rng = product_rng(index);
    let number = index + 1;
    let (department, leaf) = rotation[index % rotation.len()];
    let kind = pick(&mut rng, leaf.kinds);
    let brand = pick(&mut rng, leaf.brands);
    let line = pick_text(&mut rng, brand.lines);
    let material = pick(&mut rng, kind.materials);

    let name = format!("{} {line} {} {}", brand.name, material.word, kind.noun);
    let slug = product_slug(&name, number);
    let chosen = choose_options(&mut rng, kind.axes);
    let variants = variants(&format!("{}-{}-{number:04}", brand.code, kind.code), &chosen);
    let attributes = attributes(&mut rng, department, leaf, material, line);

    let label = format!("{line} {}", kind.noun);
    let use_case = pick_text(&mut rng, leaf.uses);
    let mut vars: Vec<(&str, &str)> =
        vec![("brand", brand.name), ("product", &label), ("material", material.detail), ("use", use_case)];
    vars.extend(agreement(kind.plural));
    vars.extend(attributes.iter().map(|(key, value)| (key.as_str(), value.as_str())));
    let description = description(&mut rng, department, leaf, &vars);
    let media = media(&mut rng, department, &slug, &name, &chosen, &vars);

    NewProduct {
        slug: Some(slug),
        name,
        description: Some(description),
        brand: Some(brand.name.to_owned()),
        category: Some(leaf.slug.to_owned()),
        attributes,
        media,
        variants,
    }
}

/// One generator per product, so a product does not change when the count around it does.
fn product_rng(index: usize) -> Rng {
    Rng::with_seed(splitmix64(SEED ^ index as u64))
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

fn pick_text(rng: &mut Rng, items: &[&'static str]) -> &'static str {
    items[rng.usize(..items.len())]
}

type Chosen = Vec<(&'static Axis, Vec<&'static Opt>)>;

fn choose_options(rng: &mut Rng, axes: &'static [Axis]) -> Chosen {
    axes.iter()
        .map(|axis| {
            let count = rng.usize(axis.min..=axis.max).min(axis.options.len());
            let picked = match axis.pick {
                Pick::Run => {
                    let start = rng.usize(..=axis.options.len() - count);
                    axis.options[start..start + count].iter().collect()
                }
                Pick::Any => {
                    // Shuffled rather than sorted, so the colour pictured first varies.
                    let mut indices: Vec<usize> = (0..axis.options.len()).collect();
                    rng.shuffle(&mut indices);
                    indices.into_iter().take(count).map(|i| &axis.options[i]).collect()
                }
            };
            (axis, picked)
        })
        .collect()
}

/// Every combination of the chosen options; `prefix` (brand, type, product number) keeps the
/// SKUs unique across the catalog.
fn variants(prefix: &str, chosen: &Chosen) -> Vec<NewVariant> {
    let mut combos: Vec<Vec<(&'static Axis, &'static Opt)>> = vec![Vec::new()];
    for (axis, options) in chosen {
        combos = combos
            .iter()
            .flat_map(|combo| {
                options.iter().map(move |option| {
                    let mut next = combo.clone();
                    next.push((*axis, *option));
                    next
                })
            })
            .collect();
    }
    combos.iter().map(|combo| variant(prefix, combo)).collect()
}

fn variant(prefix: &str, combo: &[(&Axis, &Opt)]) -> NewVariant {
    let mut sku = prefix.to_owned();
    for (_, option) in combo {
        sku.push('-');
        sku.push_str(option.code);
    }
    let name = combo.iter().map(|(_, option)| option.label).collect::<Vec<_>>().join(" / ");
    let attributes = combo.iter().map(|(axis, option)| (axis.key.to_owned(), axis.value(option))).collect();
    NewVariant { sku, name: (!name.is_empty()).then_some(name), attributes }
}

fn attributes(
    rng: &mut Rng,
    department: &Department,
    leaf: &Leaf,
    material: &Material,
    line: &str,
) -> BTreeMap<String, String> {
    let mut attributes = BTreeMap::new();
    attributes.insert(leaf.material_key.to_owned(), material.detail.to_owned());
    attributes.insert("origin".to_owned(), pick_text(rng, department.origins).to_owned());
    attributes.insert("collection".to_owned(), line.to_owned());
    if !material.care.is_empty() {
        attributes.insert("care".to_owned(), material.care.to_owned());
    }
    for feature in leaf.features {
        attributes.insert(feature.key.to_owned(), pick_text(rng, feature.values).to_owned());
    }
    attributes
}

/// Two to four sentences: an opener, the material, and often a product note and a closing line.
fn description(rng: &mut Rng, department: &Department, leaf: &Leaf, vars: &[(&str, &str)]) -> String {
    let mut sentences =
        vec![fill(pick_text(rng, department.openers), vars), fill(pick_text(rng, department.material_lines), vars)];
    if rng.usize(..3) > 0 {
        sentences.push(fill(pick_text(rng, leaf.notes), vars));
    }
    if rng.bool() {
        sentences.push(fill(pick_text(rng, department.closings), vars));
    }
    sentences.join(" ")
}

fn media(
    rng: &mut Rng,
    department: &Department,
    slug: &str,
    name: &str,
    chosen: &Chosen,
    vars: &[(&str, &str)],
) -> Vec<Media> {
    let pictured = chosen.iter().find(|(axis, _)| axis.colour).and_then(|(_, options)| options.first());
    let hero = match pictured {
        Some(option) => format!("{name} in {}", option.label.to_lowercase()),
        None => format!("{name}, front view"),
    };
    let mut media = vec![Media { url: format!("/media/{slug}-1.jpg"), alt: hero }];
    if rng.bool() {
        media.push(Media { url: format!("/media/{slug}-2.jpg"), alt: fill(pick_text(rng, department.gallery), vars) });
    }
    media
}

/// The pronouns and verb endings the templates use, so that "the Chinos are" reads right.
fn agreement(plural: bool) -> [(&'static str, &'static str); 6] {
    if plural {
        [("It", "They"), ("it", "they"), ("them", "them"), ("its", "their"), ("is", "are"), ("s", "")]
    } else {
        [("It", "It"), ("it", "it"), ("them", "it"), ("its", "its"), ("is", "is"), ("s", "s")]
    }
}

/// Replaces each `{key}` in `template` with its value.
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in vars {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

/// The name as a slug plus the product number, which makes it unique.
fn product_slug(name: &str, number: usize) -> String {
    let suffix = format!("-{number:04}");
    let mut base = slugify(name);
    base.truncate(MAX_SLUG - suffix.len());
    let base = base.trim_end_matches('-');
    format!("{base}{suffix}")
}

const MAX_SLUG: usize = 100;

/// Lowercase ASCII words joined by single hyphens; `&` becomes `and`, other punctuation is
/// dropped so that `Kids'` reads `kids`.
fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c.to_ascii_lowercase());
        } else if c == '&' {
            if !out.is_empty() {
                out.push('-');
            }
            out.push_str("and");
            gap = true;
        } else if c.is_whitespace() || matches!(c, '-' | '/' | '_') {
            gap = true;
        }
    }
    out
}

/// The demo list price, in euro cents, of a product listed under `leaf_category`: a range
/// per department, the exact value from the product's slug, ending in ,95 or ,99 as shop
/// prices do. Every variant of a product costs the same.
pub fn unit_price(leaf_category: &str, product_slug: &str) -> i64 {
    let department =
        DEPARTMENTS.iter().find(|d| d.leaves.iter().any(|leaf| leaf.slug == leaf_category)).map_or("", |d| d.slug);
    let (low, high): (u64, u64) = match department {
        "apparel" => (19, 149),
        "footwear" => (49, 189),
        "home-and-kitchen" => (9, 249),
        "outdoor" => (15, 399),
        "electronics" => (29, 499),
        "beauty" => (6, 69),
        "sports-and-fitness" => (12, 249),
        "kids" => (7, 89),
        _ => (9, 99),
    };
    let hash = fmix64(fnv1a(product_slug, "price"));
    let euros = low + hash % (high - low + 1);
    (euros * 100) as i64 - if hash & 1 == 0 { 1 } else { 5 }
}

fn fnv1a(sku: &str, location: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    // The zero byte separates the two strings, which cannot contain one, so ("AB", "c") and
    // ("A", "Bc") hash differently.
    sku.bytes()
        .chain([0])
        .chain(location.bytes())
        .fold(OFFSET, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(PRIME))
}

/// MurmurHash3's finaliser: FNV-1a's low bits barely change between similar SKUs.
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

// ---------------------------------------------------------------------------------------------
// Table types
// ---------------------------------------------------------------------------------------------

struct Department {
    slug: &'static str,
    name: &'static str,
    /// How many passes of the rotation it takes part in: its share of the range.
    weight: usize,
    leaves: &'static [Leaf],
    origins: &'static [&'static str],
    openers: &'static [&'static str],
    material_lines: &'static [&'static str],
    closings: &'static [&'static str],
    /// Alternative texts of the second product image.
    gallery: &'static [&'static str],
}

struct Leaf {
    slug: &'static str,
    name: &'static str,
    brands: &'static [Brand],
    kinds: &'static [Kind],
    /// The attribute the material detail is stored under.
    material_key: &'static str,
    features: &'static [Feature],
    uses: &'static [&'static str],
    notes: &'static [&'static str],
}

#[derive(Clone, Copy)]
struct Brand {
    name: &'static str,
    code: &'static str,
    lines: &'static [&'static str],
}

struct Kind {
    noun: &'static str,
    code: &'static str,
    materials: &'static [Material],
    axes: &'static [Axis],
    /// Named in the plural (`Chinos`, `Earbuds`): the templates' pronouns and verbs agree.
    plural: bool,
}

struct Material {
    /// The word in the product name.
    word: &'static str,
    detail: &'static str,
    /// Empty when there is nothing to say (electronics, cosmetics).
    care: &'static str,
}

struct Feature {
    key: &'static str,
    values: &'static [&'static str],
}

struct Axis {
    key: &'static str,
    options: &'static [Opt],
    min: usize,
    max: usize,
    pick: Pick,
    /// Colours and finishes: pictured in the first image and stored lowercase.
    colour: bool,
}

impl Axis {
    fn value(&self, option: &Opt) -> String {
        if self.colour { option.label.to_lowercase() } else { option.label.to_owned() }
    }
}

enum Pick {
    /// Any options, like colours.
    Any,
    /// Neighbouring options, like a size run.
    Run,
}

struct Opt {
    label: &'static str,
    code: &'static str,
}

const fn opt(label: &'static str, code: &'static str) -> Opt {
    Opt { label, code }
}

const fn material(word: &'static str, detail: &'static str, care: &'static str) -> Material {
    Material { word, detail, care }
}

const fn feature(key: &'static str, values: &'static [&'static str]) -> Feature {
    Feature { key, values }
}

const fn kind(noun: &'static str, code: &'static str, materials: &'static [Material], axes: &'static [Axis]) -> Kind {
    Kind { noun, code, materials, axes, plural: false }
}

const fn kinds(noun: &'static str, code: &'static str, materials: &'static [Material], axes: &'static [Axis]) -> Kind {
    Kind { noun, code, materials, axes, plural: true }
}

const fn brand(name: &'static str, code: &'static str, lines: &'static [&'static str]) -> Brand {
    Brand { name, code, lines }
}

const fn colours(options: &'static [Opt], min: usize, max: usize) -> Axis {
    Axis { key: "color", options, min, max, pick: Pick::Any, colour: true }
}

const fn finishes(options: &'static [Opt], min: usize, max: usize) -> Axis {
    Axis { key: "finish", options, min, max, pick: Pick::Any, colour: true }
}

const fn run(key: &'static str, options: &'static [Opt], min: usize, max: usize) -> Axis {
    Axis { key, options, min, max, pick: Pick::Run, colour: false }
}

// ---------------------------------------------------------------------------------------------
// Brands
// ---------------------------------------------------------------------------------------------

const NORTHWIND: Brand = brand("Northwind", "NW", &["Compass", "Tidewater", "Meridian", "Beacon"]);
const FJORDLINE: Brand = brand("Fjordline", "FJ", &["Harbor", "Skerry", "Nordkap", "Fjell"]);
const ALDER_AND_OAK: Brand = brand("Alder & Oak", "AO", &["Hearth", "Grove", "Millbrook", "Larder"]);
const KESTREL: Brand = brand("Kestrel", "KS", &["Ridge", "Updraft", "Talon", "Glide"]);
const MAISON_LUNE: Brand = brand("Maison Lune", "ML", &["Clair", "Minuit", "Aube", "Soleil"]);
const VOLTAIC: Brand = brand("Voltaic", "VT", &["Pulse", "Arc", "Flux", "Ohm"]);
const COPPERFIELD: Brand = brand("Copperfield", "CF", &["Heritage", "Forge", "Workshop", "Bistro"]);
const STRIDER: Brand = brand("Strider", "SR", &["Metro", "Tempo", "Atlas", "Rove"]);
const COBBLE_AND_CRANE: Brand = brand("Cobble & Crane", "CC", &["Rambler", "Gentry", "Wharf", "Mayfair"]);
const LUMA: Brand = brand("Luma", "LU", &["Halo", "Orbit", "Prism", "Dusk"]);
const PINECREST: Brand = brand("Pinecrest", "PC", &["Summit", "Timberline", "Basecamp", "Cirque"]);
const TERN_AND_TIDE: Brand = brand("Tern & Tide", "TT", &["Puddle", "Sprout", "Pebble", "Rockpool"]);
const LITTLE_WREN: Brand = brand("Little Wren", "LW", &["Nest", "Meadow", "Acorn", "Dandelion"]);
const SOLACE: Brand = brand("Solace", "SL", &["Still", "Renew", "Dew", "Bloom"]);
const BOTANICA: Brand = brand("Botanica", "BO", &["Rosehip", "Verbena", "Camellia", "Juniper"]);
const IRONVALE: Brand = brand("Ironvale", "IV", &["Anvil", "Core", "Titan", "Granite"]);
const VELO_NORD: Brand = brand("Velo Nord", "VN", &["Gravel", "Sprint", "Audax", "Col"]);
const HALDEN: Brand = brand("Halden", "HD", &["Linnea", "Saga", "Tove", "Fjara"]);
const ARCWAVE: Brand = brand("Arcwave", "AW", &["Nova", "Echo", "Vector", "Quanta"]);
const TERRA_VERDE: Brand = brand("Terra Verde", "TV", &["Olivo", "Siena", "Umbria", "Liguria"]);
const BRAMBLE: Brand = brand("Bramble", "BR", &["Hedgerow", "Thistle", "Briar", "Sloe"]);
const QUILL_AND_EMBER: Brand = brand("Quill & Ember", "QE", &["Lantern", "Hollow", "Glow", "Vesper"]);

// ---------------------------------------------------------------------------------------------
// Variant options
// ---------------------------------------------------------------------------------------------

const APPAREL_COLOURS: &[Opt] = &[
    opt("Black", "BLK"),
    opt("Navy", "NVY"),
    opt("Heather Grey", "GRY"),
    opt("Off-White", "OWH"),
    opt("Olive", "OLV"),
    opt("Rust", "RST"),
    opt("Forest Green", "FGN"),
    opt("Sand", "SND"),
    opt("Burgundy", "BRG"),
    opt("Slate", "SLT"),
];
const APPAREL_SIZES: &[Opt] =
    &[opt("XS", "XS"), opt("S", "S"), opt("M", "M"), opt("L", "L"), opt("XL", "XL"), opt("XXL", "XXL")];
const WAIST_SIZES: &[Opt] =
    &[opt("W28", "W28"), opt("W30", "W30"), opt("W32", "W32"), opt("W34", "W34"), opt("W36", "W36"), opt("W38", "W38")];
const FOOTWEAR_COLOURS: &[Opt] = &[
    opt("Black", "BLK"),
    opt("Dark Brown", "DBR"),
    opt("Tan", "TAN"),
    opt("Navy", "NVY"),
    opt("Grey", "GRY"),
    opt("White", "WHT"),
    opt("Olive", "OLV"),
];
const DRESS_SHOE_COLOURS: &[Opt] =
    &[opt("Black", "BLK"), opt("Dark Brown", "DBR"), opt("Tan", "TAN"), opt("Oxblood", "OXB")];
const EU_SIZES: &[Opt] = &[
    opt("EU 36", "36"),
    opt("EU 37", "37"),
    opt("EU 38", "38"),
    opt("EU 39", "39"),
    opt("EU 40", "40"),
    opt("EU 41", "41"),
    opt("EU 42", "42"),
    opt("EU 43", "43"),
    opt("EU 44", "44"),
    opt("EU 45", "45"),
    opt("EU 46", "46"),
];
const HOME_COLOURS: &[Opt] = &[
    opt("Cream", "CRM"),
    opt("Sage", "SGE"),
    opt("Charcoal", "CHR"),
    opt("Terracotta", "TRC"),
    opt("Slate Blue", "SBL"),
    opt("Stone", "STN"),
    opt("White", "WHT"),
];
const PAN_DIAMETERS: &[Opt] =
    &[opt("16 cm", "16CM"), opt("20 cm", "20CM"), opt("24 cm", "24CM"), opt("28 cm", "28CM"), opt("32 cm", "32CM")];
const SET_SIZES: &[Opt] = &[opt("Set of 2", "2PK"), opt("Set of 4", "4PK"), opt("Set of 6", "6PK")];
const BED_SIZES: &[Opt] = &[opt("Single", "SGL"), opt("Double", "DBL"), opt("King", "KNG"), opt("Super King", "SKG")];
const LAMP_FINISHES: &[Opt] =
    &[opt("Brass", "BRS"), opt("Matte Black", "MBK"), opt("White", "WHT"), opt("Sage", "SGE"), opt("Chrome", "CRO")];
const OUTDOOR_COLOURS: &[Opt] = &[
    opt("Olive", "OLV"),
    opt("Sand", "SND"),
    opt("Orange", "ORG"),
    opt("Forest Green", "FGN"),
    opt("Slate", "SLT"),
    opt("Black", "BLK"),
];
const TENT_CAPACITIES: &[Opt] =
    &[opt("1-person", "1P"), opt("2-person", "2P"), opt("3-person", "3P"), opt("4-person", "4P")];
const PACK_VOLUMES: &[Opt] = &[opt("20 L", "20L"), opt("28 L", "28L"), opt("35 L", "35L"), opt("45 L", "45L")];
const BAG_LENGTHS: &[Opt] = &[opt("Regular", "REG"), opt("Long", "LNG")];
const TECH_COLOURS: &[Opt] = &[
    opt("Black", "BLK"),
    opt("White", "WHT"),
    opt("Midnight Blue", "MBL"),
    opt("Sage", "SGE"),
    opt("Sand", "SND"),
    opt("Silver", "SLV"),
];
const CHARGER_COLOURS: &[Opt] = &[opt("Black", "BLK"), opt("White", "WHT")];
const CHARGER_POWER: &[Opt] =
    &[opt("20 W", "20W"), opt("30 W", "30W"), opt("45 W", "45W"), opt("65 W", "65W"), opt("100 W", "100W")];
const DRIVE_COLOURS: &[Opt] = &[opt("Black", "BLK"), opt("Silver", "SLV"), opt("Blue", "BLU")];
const DRIVE_CAPACITIES: &[Opt] =
    &[opt("256 GB", "256GB"), opt("512 GB", "512GB"), opt("1 TB", "1TB"), opt("2 TB", "2TB"), opt("4 TB", "4TB")];
const SKINCARE_VOLUMES: &[Opt] =
    &[opt("15 ml", "15ML"), opt("30 ml", "30ML"), opt("50 ml", "50ML"), opt("100 ml", "100ML")];
const HAIRCARE_VOLUMES: &[Opt] =
    &[opt("50 ml", "50ML"), opt("100 ml", "100ML"), opt("250 ml", "250ML"), opt("500 ml", "500ML"), opt("1 L", "1L")];
const FRAGRANCE_VOLUMES: &[Opt] =
    &[opt("10 ml", "10ML"), opt("30 ml", "30ML"), opt("50 ml", "50ML"), opt("100 ml", "100ML")];
const BODY_VOLUMES: &[Opt] =
    &[opt("50 ml", "50ML"), opt("100 ml", "100ML"), opt("250 ml", "250ML"), opt("500 ml", "500ML")];
const YOGA_COLOURS: &[Opt] = &[
    opt("Sage", "SGE"),
    opt("Slate", "SLT"),
    opt("Sand", "SND"),
    opt("Terracotta", "TRC"),
    opt("Black", "BLK"),
    opt("Lilac", "LLC"),
    opt("Ocean", "OCN"),
];
const WEIGHTS: &[Opt] = &[
    opt("2 kg", "2KG"),
    opt("4 kg", "4KG"),
    opt("6 kg", "6KG"),
    opt("8 kg", "8KG"),
    opt("10 kg", "10KG"),
    opt("12 kg", "12KG"),
    opt("16 kg", "16KG"),
    opt("20 kg", "20KG"),
    opt("24 kg", "24KG"),
];
const SPORT_COLOURS: &[Opt] = &[
    opt("Black", "BLK"),
    opt("Navy", "NVY"),
    opt("Graphite", "GPH"),
    opt("Coral", "CRL"),
    opt("Neon Yellow", "NYL"),
    opt("Cobalt", "CBT"),
];
const KIDS_COLOURS: &[Opt] = &[
    opt("Mustard", "MST"),
    opt("Navy", "NVY"),
    opt("Red", "RED"),
    opt("Sage", "SGE"),
    opt("Pink", "PNK"),
    opt("Sky Blue", "SKY"),
    opt("Forest Green", "FGN"),
];
const KIDS_AGES: &[Opt] = &[
    opt("1-2 years", "1-2Y"),
    opt("2-3 years", "2-3Y"),
    opt("3-4 years", "3-4Y"),
    opt("4-5 years", "4-5Y"),
    opt("5-6 years", "5-6Y"),
    opt("7-8 years", "7-8Y"),
    opt("9-10 years", "9-10Y"),
];
const TOY_FINISHES: &[Opt] = &[opt("Natural", "NAT"), opt("Rainbow", "RBW"), opt("Pastel", "PST")];
const NURSERY_COLOURS: &[Opt] =
    &[opt("Oat", "OAT"), opt("Sage", "SGE"), opt("Blush", "BLS"), opt("Sky Blue", "SKY"), opt("Stone", "STN")];

const APPAREL_AXES: &[Axis] = &[colours(APPAREL_COLOURS, 2, 3), run("size", APPAREL_SIZES, 3, 4)];
const TROUSER_AXES: &[Axis] = &[colours(APPAREL_COLOURS, 2, 3), run("size", WAIST_SIZES, 3, 4)];
const FOOTWEAR_AXES: &[Axis] = &[colours(FOOTWEAR_COLOURS, 1, 2), run("size", EU_SIZES, 4, 5)];
const DRESS_SHOE_AXES: &[Axis] = &[colours(DRESS_SHOE_COLOURS, 1, 2), run("size", EU_SIZES, 4, 5)];
const COOKWARE_AXES: &[Axis] = &[run("diameter", PAN_DIAMETERS, 1, 3)];
const TABLEWARE_AXES: &[Axis] = &[colours(HOME_COLOURS, 1, 3), run("pack", SET_SIZES, 1, 1)];
const BEDDING_AXES: &[Axis] = &[colours(HOME_COLOURS, 1, 2), run("size", BED_SIZES, 2, 3)];
const LIGHTING_AXES: &[Axis] = &[finishes(LAMP_FINISHES, 1, 3)];
const TENT_AXES: &[Axis] = &[colours(OUTDOOR_COLOURS, 1, 2), run("capacity", TENT_CAPACITIES, 1, 2)];
const PACK_AXES: &[Axis] = &[colours(OUTDOOR_COLOURS, 1, 3), run("volume", PACK_VOLUMES, 1, 2)];
const SLEEPING_BAG_AXES: &[Axis] = &[colours(OUTDOOR_COLOURS, 1, 2), run("length", BAG_LENGTHS, 1, 2)];
const CAMP_KITCHEN_AXES: &[Axis] = &[colours(OUTDOOR_COLOURS, 1, 3)];
const AUDIO_AXES: &[Axis] = &[colours(TECH_COLOURS, 1, 2)];
const CHARGER_AXES: &[Axis] = &[colours(CHARGER_COLOURS, 1, 2), run("power", CHARGER_POWER, 1, 2)];
const DRIVE_AXES: &[Axis] = &[colours(DRIVE_COLOURS, 1, 2), run("capacity", DRIVE_CAPACITIES, 1, 2)];
const SKINCARE_AXES: &[Axis] = &[run("volume", SKINCARE_VOLUMES, 1, 2)];
const HAIRCARE_AXES: &[Axis] = &[run("volume", HAIRCARE_VOLUMES, 1, 2)];
const FRAGRANCE_AXES: &[Axis] = &[run("volume", FRAGRANCE_VOLUMES, 1, 2)];
const BODY_AXES: &[Axis] = &[run("volume", BODY_VOLUMES, 1, 2)];
const YOGA_AXES: &[Axis] = &[colours(YOGA_COLOURS, 1, 3)];
const WEIGHT_AXES: &[Axis] = &[run("weight", WEIGHTS, 3, 5)];
const SPORTSWEAR_AXES: &[Axis] = &[colours(SPORT_COLOURS, 2, 3), run("size", APPAREL_SIZES, 3, 4)];
const KIDSWEAR_AXES: &[Axis] = &[colours(KIDS_COLOURS, 1, 3), run("size", KIDS_AGES, 3, 4)];
const TOY_AXES: &[Axis] = &[finishes(TOY_FINISHES, 1, 2)];
const NURSERY_AXES: &[Axis] = &[colours(NURSERY_COLOURS, 1, 3)];
const SCHOOL_AXES: &[Axis] = &[colours(KIDS_COLOURS, 1, 3)];

// ---------------------------------------------------------------------------------------------
// Materials
// ---------------------------------------------------------------------------------------------

const TEE_MATERIALS: &[Material] = &[
    material("Organic Cotton", "100% organic cotton jersey", "machine wash at 30 °C and tumble dry low"),
    material("Pima", "long-staple Pima cotton", "machine wash at 30 °C inside out and line dry"),
    material("Slub", "slub-knit cotton", "machine wash at 30 °C and reshape while damp"),
    material("Linen Blend", "breathable linen-cotton jersey", "machine wash at 30 °C and line dry"),
    material("Heavyweight", "220 gsm heavyweight cotton", "machine wash at 40 °C and tumble dry low"),
];
const KNIT_MATERIALS: &[Material] = &[
    material("Merino", "extra-fine merino wool", "hand wash cold and dry flat"),
    material("Lambswool", "soft Scottish lambswool", "hand wash cold and dry flat, away from direct heat"),
    material("Cashmere Blend", "merino-cashmere yarn", "hand wash cold or dry clean, and store folded"),
    material("Cable-Knit Cotton", "organic cotton", "machine wash at 30 °C on a wool cycle and dry flat"),
    material("Alpaca", "baby alpaca and wool", "hand wash cold and dry flat"),
];
const JACKET_MATERIALS: &[Material] = &[
    material("Waxed Cotton", "waxed British cotton", "sponge clean with cold water and re-wax once a season"),
    material("Ripstop", "recycled nylon ripstop", "machine wash at 30 °C and line dry"),
    material("Boiled Wool", "boiled merino wool", "dry clean only"),
    material("Canvas", "heavy organic cotton canvas", "machine wash at 30 °C and line dry"),
    material("Corduroy", "8-wale cotton corduroy", "machine wash at 30 °C inside out and line dry"),
];
const TROUSER_MATERIALS: &[Material] = &[
    material("Twill", "organic cotton twill", "machine wash at 30 °C and line dry"),
    material("Stretch Twill", "cotton twill with 2% elastane", "machine wash at 30 °C inside out"),
    material("Linen", "washed European linen", "machine wash at 40 °C and line dry"),
    material("Flannel", "brushed wool flannel", "dry clean or hand wash cold"),
    material("Corduroy", "fine-wale cotton corduroy", "machine wash at 30 °C inside out"),
];
const SHIRT_MATERIALS: &[Material] = &[
    material("Brushed Cotton", "brushed cotton flannel", "machine wash at 40 °C and tumble dry low"),
    material("Linen", "washed French linen", "machine wash at 40 °C and hang to dry"),
    material("Chambray", "lightweight cotton chambray", "machine wash at 40 °C and iron while damp"),
    material("Poplin", "crisp cotton poplin", "machine wash at 40 °C and iron while damp"),
    material("Seersucker", "cotton seersucker", "machine wash at 30 °C; no ironing needed"),
];
const SNEAKER_MATERIALS: &[Material] = &[
    material("Leather", "full-grain leather upper", "wipe clean with a damp cloth and use shoe trees"),
    material("Suede", "suede upper", "brush when dry and treat with a suede protector"),
    material("Canvas", "organic cotton canvas upper", "spot clean with mild soap and water"),
    material("Knit", "recycled polyester knit upper", "hand wash cold and air dry"),
];
const BOOT_MATERIALS: &[Material] = &[
    material("Leather", "oiled full-grain leather upper", "condition with wax every few months"),
    material("Suede", "water-repellent suede upper", "brush when dry and re-proof each season"),
    material("Nubuck", "nubuck leather upper", "brush and treat with a nubuck protector"),
];
const SANDAL_MATERIALS: &[Material] = &[
    material("Leather", "vegetable-tanned leather straps", "wipe clean and keep away from direct heat"),
    material("Cork", "natural cork footbed with leather straps", "wipe clean and reseal the cork once a season"),
    material("Recycled", "recycled rubber and webbing straps", "rinse with fresh water and air dry"),
    material("Suede", "soft suede straps", "brush when dry"),
];
const DRESS_SHOE_MATERIALS: &[Material] = &[
    material("Calf", "box calf leather upper", "polish with cream and keep shoe trees in when not worn"),
    material("Suede", "calf suede upper", "brush with a suede brush"),
    material("Polished", "hand-polished calf leather upper", "polish regularly with a neutral cream"),
    material("Scotch Grain", "scotch grain leather upper", "polish with wax and use shoe trees"),
];
const COOKWARE_MATERIALS: &[Material] = &[
    material("Tri-Ply", "tri-ply stainless steel", "wash by hand or in the dishwasher and dry promptly"),
    material("Cast Iron", "enamelled cast iron", "hand wash with warm soapy water and dry thoroughly"),
    material("Carbon Steel", "pre-seasoned carbon steel", "hand wash, dry on the hob and wipe with a little oil"),
    material("Copper", "copper with a stainless steel lining", "hand wash and polish the outside now and then"),
    material(
        "Ceramic Non-Stick",
        "hard-anodised aluminium with a ceramic non-stick coating",
        "hand wash with a soft sponge",
    ),
];
const TABLEWARE_MATERIALS: &[Material] = &[
    material("Stoneware", "reactive-glaze stoneware", "dishwasher and microwave safe"),
    material("Porcelain", "fine white porcelain", "dishwasher and microwave safe"),
    material("Earthenware", "hand-thrown earthenware", "hand wash with warm soapy water"),
    material("Speckled", "speckled stoneware", "dishwasher safe"),
];
const BEDDING_MATERIALS: &[Material] = &[
    material("Percale", "organic cotton percale", "machine wash at 40 °C and line dry"),
    material("Sateen", "long-staple cotton sateen", "machine wash at 40 °C and tumble dry low"),
    material("Linen", "stone-washed French linen", "machine wash at 40 °C and tumble dry low"),
    material("Lyocell", "lyocell from eucalyptus", "machine wash at 30 °C and line dry"),
    material("Brushed Cotton", "brushed cotton flannel", "machine wash at 40 °C and tumble dry low"),
];
const LIGHTING_MATERIALS: &[Material] = &[
    material("Ceramic", "glazed ceramic", "dust with a soft, dry cloth"),
    material("Oak", "solid oiled oak", "dust with a soft, dry cloth and re-oil once a year"),
    material("Linen Shade", "linen over a steel frame", "dust the shade with a soft brush"),
    material("Opal Glass", "mouth-blown opal glass", "wipe with a damp cloth once switched off and cool"),
    material("Rattan", "hand-woven rattan", "dust with a soft brush"),
];
const TENT_MATERIALS: &[Material] = &[
    material("Ripstop", "silicone-coated ripstop nylon", "pitch it to dry fully before storing"),
    material("Recycled", "recycled polyester", "pitch it to dry fully and never store it wet"),
    material("Polycotton", "breathable polycotton canvas", "dry it fully before storing to prevent mildew"),
];
const PACK_MATERIALS: &[Material] = &[
    material("Recycled Nylon", "recycled 420D nylon", "spot clean with a damp cloth and air dry"),
    material("Waxed Canvas", "waxed cotton canvas", "sponge clean and re-wax when water stops beading"),
    material("Ripstop", "PU-coated ripstop nylon", "spot clean with a damp cloth"),
    material("Coated", "TPU-coated recycled polyester", "wipe clean with a damp cloth"),
];
const SLEEPING_BAG_MATERIALS: &[Material] = &[
    material(
        "Down",
        "responsibly sourced 700 fill-power down",
        "store it loose and wash with a down-specific detergent",
    ),
    material("Synthetic", "recycled synthetic insulation", "machine wash at 30 °C on a gentle cycle"),
    material(
        "Hydrophobic Down",
        "water-resistant treated down",
        "store it loose and wash with a down-specific detergent",
    ),
];
const STOVE_MATERIALS: &[Material] = &[
    material("Titanium", "lightweight titanium", "let it cool, wipe it clean and store it dry"),
    material("Stainless", "brushed stainless steel", "let it cool, wipe it clean and store it dry"),
    material("Anodised", "hard-anodised aluminium", "hand wash and dry it before packing"),
];
const BOTTLE_MATERIALS: &[Material] = &[
    material("Vacuum", "double-walled stainless steel", "hand wash with warm soapy water"),
    material("Powder-Coated", "powder-coated stainless steel", "hand wash with warm soapy water"),
];
const MUG_MATERIALS: &[Material] = &[
    material("Titanium", "lightweight titanium", "hand wash and dry it before packing"),
    material("Enamel", "enamelled steel", "hand wash and dry it before packing"),
];
const HEADPHONE_MATERIALS: &[Material] = &[
    material("Wireless", "recycled aluminium and protein leather", ""),
    material("Noise-Cancelling", "aluminium and recycled plastics", ""),
    material("Studio", "anodised aluminium and memory foam", ""),
];
const EARBUD_MATERIALS: &[Material] = &[
    material("Noise-Cancelling", "recycled polycarbonate", ""),
    material("Compact", "recycled polycarbonate", ""),
    material("Open-Fit", "liquid silicone and polycarbonate", ""),
];
const SPEAKER_MATERIALS: &[Material] = &[
    material("Rugged", "recycled rubber and acoustic fabric", ""),
    material("Hi-Fi", "wood veneer and acoustic fabric", ""),
    material("Compact", "recycled fabric and aluminium", ""),
    material("Wireless", "recycled plastics and acoustic fabric", ""),
];
const CHARGER_MATERIALS: &[Material] = &[
    material("GaN", "recycled polycarbonate", ""),
    material("Compact", "fire-retardant polycarbonate", ""),
    material("Travel", "aluminium and recycled plastics", ""),
    material("Slim", "anodised aluminium", ""),
];
const DRIVE_MATERIALS: &[Material] = &[
    material("Rugged", "rubberised aluminium", ""),
    material("Slim", "aluminium", ""),
    material("Pro", "machined aluminium", ""),
    material("Compact", "recycled plastics", ""),
];
const SKINCARE_ACTIVES: &[Material] = &[
    material("Hydrating", "hyaluronic acid and squalane", ""),
    material("Brightening", "vitamin C and liquorice root", ""),
    material("Calming", "centella and oat extract", ""),
    material("Barrier", "ceramides and niacinamide", ""),
    material("Overnight", "retinal and peptides", ""),
];
const HAIRCARE_ACTIVES: &[Material] = &[
    material("Repair", "argan oil and rice protein", ""),
    material("Volume", "rice protein and panthenol", ""),
    material("Moisture", "shea butter and aloe vera", ""),
    material("Scalp", "tea tree and salicylic acid", ""),
    material("Curl", "flaxseed and coconut oil", ""),
];
const SCENTS: &[Material] = &[
    material("Fig", "fig leaf, cedar and musk", ""),
    material("Vetiver", "vetiver, bergamot and pink pepper", ""),
    material("Neroli", "neroli, petitgrain and white musk", ""),
    material("Amber", "amber, vanilla and tonka bean", ""),
    material("Sea Salt", "sea salt, sage and driftwood", ""),
    material("Iris", "iris, violet leaf and suede", ""),
];
const BODY_ACTIVES: &[Material] = &[
    material("Oat", "colloidal oat and shea butter", ""),
    material("Almond", "sweet almond oil and vitamin E", ""),
    material("Citrus", "orange peel and grapefruit oil", ""),
    material("Lavender", "lavender and chamomile", ""),
    material("Cedar", "cedarwood and eucalyptus", ""),
];
const MAT_MATERIALS: &[Material] = &[
    material("Cork", "natural cork over natural rubber", "wipe with a damp cloth and air dry"),
    material("Natural Rubber", "natural tree rubber", "wipe with a damp cloth and air dry"),
    material("Grip", "PU-coated natural rubber", "wipe with a damp cloth and air dry"),
    material("Eco", "recycled TPE foam", "wipe with a damp cloth and air dry"),
];
const BLOCK_MATERIALS: &[Material] = &[
    material("Cork", "natural cork", "wipe with a damp cloth"),
    material("Eco", "recycled EVA foam", "wipe with a damp cloth"),
];
const BOLSTER_MATERIALS: &[Material] = &[
    material("Organic Cotton", "organic cotton with a buckwheat filling", "remove the cover and machine wash at 30 °C"),
    material("Linen", "washed linen with a buckwheat filling", "remove the cover and machine wash at 30 °C"),
];
const WEIGHT_MATERIALS: &[Material] = &[
    material("Cast Iron", "powder-coated cast iron", "wipe down after use and store somewhere dry"),
    material("Rubber-Coated", "steel with a rubber coating", "wipe down after use and store somewhere dry"),
    material("Urethane", "urethane-coated steel", "wipe down after use and store somewhere dry"),
];
const RUNNING_MATERIALS: &[Material] = &[
    material("Lightweight", "recycled polyester mesh", "machine wash at 30 °C and do not tumble dry"),
    material("Thermal", "brushed-back recycled polyester", "machine wash at 30 °C and do not tumble dry"),
    material("Merino", "merino and recycled polyester jersey", "machine wash at 30 °C on a wool cycle"),
    material("Seamless", "seamless-knit recycled nylon", "machine wash at 30 °C and do not tumble dry"),
];
const CYCLING_MATERIALS: &[Material] = &[
    material("Aero", "lightweight recycled polyester", "machine wash at 30 °C and line dry"),
    material("Thermal", "fleece-backed Roubaix-style fabric", "machine wash at 30 °C and line dry"),
    material("Merino", "merino wool jersey", "machine wash at 30 °C on a wool cycle"),
    material("Race", "compressive Italian knit", "machine wash at 30 °C and line dry"),
];
const KIDS_JERSEY: &[Material] = &[
    material("Organic", "GOTS-certified organic cotton", "machine wash at 40 °C and tumble dry low"),
    material("Recycled", "recycled cotton jersey", "machine wash at 40 °C and tumble dry low"),
];
const KIDS_SWEAT: &[Material] = &[
    material("Organic", "GOTS-certified organic cotton", "machine wash at 40 °C and tumble dry low"),
    material("Loopback", "loopback organic cotton", "machine wash at 40 °C and tumble dry low"),
    material("Brushed", "brushed cotton fleece", "machine wash at 30 °C and tumble dry low"),
];
const KIDS_WOVEN: &[Material] = &[
    material("Corduroy", "baby-wale corduroy", "machine wash at 40 °C inside out"),
    material("Denim", "soft organic denim", "machine wash at 30 °C inside out"),
    material("Twill", "brushed cotton twill", "machine wash at 40 °C and tumble dry low"),
];
const TOY_MATERIALS: &[Material] = &[
    material("Beech", "FSC-certified beechwood", "wipe clean with a damp cloth"),
    material("Maple", "solid maple", "wipe clean with a damp cloth"),
    material("Birch", "birch plywood", "wipe clean with a damp cloth"),
    material("Rubberwood", "plantation rubberwood", "wipe clean with a damp cloth"),
];
const NURSERY_MATERIALS: &[Material] = &[
    material("Muslin", "organic cotton muslin", "machine wash at 40 °C"),
    material("Waffle", "waffle-knit organic cotton", "machine wash at 40 °C"),
    material("Merino", "superfine merino wool", "machine wash at 30 °C on a wool cycle"),
    material("Bamboo", "bamboo viscose", "machine wash at 30 °C"),
];
const CHANGING_MAT_MATERIALS: &[Material] = &[
    material("Wipe-Clean", "PU-coated organic cotton", "wipe clean with a damp cloth"),
    material("Quilted", "quilted organic cotton", "machine wash at 40 °C"),
];
const SCHOOL_BAG_MATERIALS: &[Material] = &[
    material("Recycled", "recycled PET from plastic bottles", "spot clean with a damp cloth"),
    material("Canvas", "organic cotton canvas", "spot clean with a damp cloth"),
];
const LUNCH_MATERIALS: &[Material] = &[
    material("Stainless", "food-grade stainless steel", "hand wash with warm soapy water"),
    material("Insulated", "double-walled stainless steel", "hand wash with warm soapy water"),
];

// ---------------------------------------------------------------------------------------------
// Departments and their leaf categories
// ---------------------------------------------------------------------------------------------

const FIT: Feature = feature("fit", &["regular", "slim", "relaxed"]);
const VEGAN: Feature = feature("vegan", &["yes"]);
const SKIN_TYPE: Feature = feature("skin_type", &["all", "dry", "oily", "sensitive", "combination"]);
const OEKO_TEX: Feature = feature("certification", &["OEKO-TEX Standard 100"]);
const TECH_WARRANTY: Feature = feature("warranty_years", &["2", "3"]);

static DEPARTMENTS: &[Department] = &[APPAREL, FOOTWEAR, HOME, OUTDOOR, ELECTRONICS, BEAUTY, SPORTS, KIDS];

const APPAREL: Department = Department {
    slug: "apparel",
    name: "Apparel",
    weight: 3,
    origins: &["Portugal", "Italy", "Lithuania", "Turkey", "Romania"],
    openers: &[
        "The {product} {is} {brand}'s take on a wardrobe staple, made for {use}.",
        "Designed for {use}, the {product} pair{s} a clean, modern cut with honest materials.",
        "{brand} made the {product} to be the piece you reach for first, whether for {use} or everything in between.",
        "Simple, well made and easy to wear: the {product} {is} built for {use}.",
    ],
    material_lines: &[
        "{It} {is} made from {material}, which feels good from the first wear and gets better with time.",
        "We chose {material} for its comfort, its drape and the way it holds up to daily wear.",
        "The {material} comes from mills we know by name.",
    ],
    closings: &[
        "To keep {them} at {its} best, {care}.",
        "Care is simple: {care}.",
        "Made in {origin} in a family-run workshop {brand} has worked with for years.",
    ],
    gallery: &[
        "The {product} laid flat, showing the {material}",
        "Close-up of the fabric and stitching on the {product}",
        "The {product} worn by a model",
    ],
    leaves: &[
        Leaf {
            slug: "t-shirts",
            name: "T-Shirts",
            brands: &[NORTHWIND, FJORDLINE, MAISON_LUNE, BRAMBLE],
            kinds: &[
                kind("Crew Tee", "TEE", TEE_MATERIALS, APPAREL_AXES),
                kind("V-Neck Tee", "VNT", TEE_MATERIALS, APPAREL_AXES),
                kind("Pocket Tee", "PKT", TEE_MATERIALS, APPAREL_AXES),
                kind("Long Sleeve Tee", "LST", TEE_MATERIALS, APPAREL_AXES),
                kind("Henley", "HNL", TEE_MATERIALS, APPAREL_AXES),
            ],
            material_key: "material",
            features: &[feature("fit", &["regular", "slim", "relaxed", "boxy"])],
            uses: &["everyday wear", "warm afternoons in the city", "layering under a jacket", "lazy weekends"],
            notes: &[
                "A taped neckline and reinforced shoulder seams help it keep its shape.",
                "The fabric is pre-shrunk, so the fit you buy is the fit you keep.",
                "It has a {fit} fit that works on its own or under an overshirt.",
            ],
        },
        Leaf {
            slug: "knitwear",
            name: "Knitwear",
            brands: &[FJORDLINE, BRAMBLE, NORTHWIND, MAISON_LUNE],
            kinds: &[
                kind("Crew Sweater", "SWT", KNIT_MATERIALS, APPAREL_AXES),
                kind("Cardigan", "CDG", KNIT_MATERIALS, APPAREL_AXES),
                kind("Roll Neck", "RLN", KNIT_MATERIALS, APPAREL_AXES),
                kind("Quarter-Zip Sweater", "QZS", KNIT_MATERIALS, APPAREL_AXES),
                kind("Knitted Vest", "KVS", KNIT_MATERIALS, APPAREL_AXES),
            ],
            material_key: "material",
            features: &[
                feature("fit", &["regular", "relaxed", "oversized"]),
                feature("gauge", &["7 gauge", "12 gauge", "14 gauge"]),
            ],
            uses: &[
                "cold mornings",
                "layering through autumn and winter",
                "long walks on windy days",
                "evenings by the fire",
            ],
            notes: &[
                "Fully fashioned shoulders give a clean line without bulky seams.",
                "Ribbed cuffs and hem hold their shape through a long winter.",
                "Knitted at {gauge}, it is warm without feeling heavy.",
            ],
        },
        Leaf {
            slug: "jackets",
            name: "Jackets",
            brands: &[NORTHWIND, FJORDLINE, MAISON_LUNE],
            kinds: &[
                kind("Field Jacket", "FJK", JACKET_MATERIALS, APPAREL_AXES),
                kind("Chore Coat", "CHC", JACKET_MATERIALS, APPAREL_AXES),
                kind("Quilted Jacket", "QJK", JACKET_MATERIALS, APPAREL_AXES),
                kind("Bomber Jacket", "BMJ", JACKET_MATERIALS, APPAREL_AXES),
                kind("Parka", "PRK", JACKET_MATERIALS, APPAREL_AXES),
            ],
            material_key: "material",
            features: &[
                feature("fit", &["regular", "relaxed"]),
                feature("closure", &["two-way zip", "press studs", "horn buttons", "corozo buttons"]),
            ],
            uses: &["the daily commute", "changeable spring weather", "weekends in the countryside", "cool evenings"],
            notes: &[
                "Deep hand-warmer pockets sit high enough to stay usable with a bag strap.",
                "A generous cut through the shoulders leaves room for a knit underneath.",
                "The collar stands up against the wind and folds flat when you don't need it.",
            ],
        },
        Leaf {
            slug: "trousers",
            name: "Trousers",
            brands: &[NORTHWIND, MAISON_LUNE, FJORDLINE],
            kinds: &[
                kinds("Chinos", "CHN", TROUSER_MATERIALS, TROUSER_AXES),
                kinds("Carpenter Trousers", "CRP", TROUSER_MATERIALS, TROUSER_AXES),
                kinds("Pleated Trousers", "PLT", TROUSER_MATERIALS, TROUSER_AXES),
                kinds("Drawstring Trousers", "DRW", TROUSER_MATERIALS, TROUSER_AXES),
                kinds("Cargo Trousers", "CGO", TROUSER_MATERIALS, TROUSER_AXES),
            ],
            material_key: "material",
            features: &[
                feature("fit", &["slim", "straight", "tapered", "relaxed"]),
                feature("rise", &["mid", "high"]),
                feature("inseam_cm", &["76", "81", "86"]),
            ],
            uses: &["the office and the weekend", "long travel days", "everyday wear", "smart-casual dinners"],
            notes: &[
                "A gusseted crotch and a little room through the thigh make them easy to move in.",
                "Hems are left long enough to turn up or take in.",
                "Belt loops are bar-tacked, and the pocket bags are cut from sturdy cotton drill.",
            ],
        },
        Leaf {
            slug: "shirts",
            name: "Shirts",
            brands: &[NORTHWIND, FJORDLINE, MAISON_LUNE, BRAMBLE],
            kinds: &[
                kind("Button-Down Shirt", "BDS", SHIRT_MATERIALS, APPAREL_AXES),
                kind("Overshirt", "OVS", SHIRT_MATERIALS, APPAREL_AXES),
                kind("Camp Collar Shirt", "CCS", SHIRT_MATERIALS, APPAREL_AXES),
                kind("Band Collar Shirt", "BCS", SHIRT_MATERIALS, APPAREL_AXES),
                kind("Work Shirt", "WKS", SHIRT_MATERIALS, APPAREL_AXES),
            ],
            material_key: "material",
            features: &[FIT, feature("buttons", &["corozo", "mother-of-pearl", "horn"])],
            uses: &["the office", "summer holidays", "weekend layering", "smart-casual dinners"],
            notes: &[
                "Single-needle stitching and a split back yoke give it a neat, lasting finish.",
                "A curved hem lets you wear it tucked or untucked.",
                "Finished with {buttons} buttons, with a spare sewn inside the placket.",
            ],
        },
    ],
};

const FOOTWEAR: Department = Department {
    slug: "footwear",
    name: "Footwear",
    weight: 2,
    origins: &["Portugal", "Italy", "Spain", "Vietnam"],
    openers: &[
        "The {product} from {brand} {is} made for {use}.",
        "Built for {use}, the {product} balance{s} support with a clean silhouette.",
        "{brand} designed the {product} for {use}, with comfort that lasts from morning to night.",
    ],
    material_lines: &[
        "It pairs its {material} with a cushioned footbed for all-day comfort.",
        "Made in {origin}, with its {material} finished by hand.",
        "The {material} is chosen to wear in, not out.",
    ],
    closings: &[
        "To care for the pair, {care}.",
        "If you are between sizes, we recommend sizing up.",
        "Each pair comes with a cotton dust bag.",
    ],
    gallery: &["Side profile of the {product}", "The sole and heel of the {product}", "The {product} worn outdoors"],
    leaves: &[
        Leaf {
            slug: "sneakers",
            name: "Sneakers",
            brands: &[STRIDER, COBBLE_AND_CRANE],
            kinds: &[
                kind("Low-Top Sneaker", "LTS", SNEAKER_MATERIALS, FOOTWEAR_AXES),
                kind("High-Top Sneaker", "HTS", SNEAKER_MATERIALS, FOOTWEAR_AXES),
                kind("Court Sneaker", "CRT", SNEAKER_MATERIALS, FOOTWEAR_AXES),
                kind("Retro Runner", "RTR", SNEAKER_MATERIALS, FOOTWEAR_AXES),
                kind("Slip-On", "SLO", SNEAKER_MATERIALS, FOOTWEAR_AXES),
            ],
            material_key: "material",
            features: &[
                feature(
                    "sole",
                    &["natural rubber cupsole", "vulcanised rubber sole", "EVA foam midsole with rubber outsole"],
                ),
                feature("lining", &["leather", "recycled mesh", "organic cotton"]),
            ],
            uses: &["everyday wear", "city walking", "weekend errands", "travel days"],
            notes: &[
                "The removable cork footbed moulds to your foot over the first few weeks.",
                "A padded collar and tongue make it comfortable straight out of the box.",
                "The {sole} is stitched as well as glued, so it can be resoled.",
            ],
        },
        Leaf {
            slug: "boots",
            name: "Boots",
            brands: &[COBBLE_AND_CRANE, STRIDER, PINECREST],
            kinds: &[
                kind("Chelsea Boot", "CHB", BOOT_MATERIALS, FOOTWEAR_AXES),
                kind("Lace-Up Boot", "LUB", BOOT_MATERIALS, FOOTWEAR_AXES),
                kind("Hiking Boot", "HKB", BOOT_MATERIALS, FOOTWEAR_AXES),
                kind("Chukka Boot", "CKB", BOOT_MATERIALS, FOOTWEAR_AXES),
                kind("Work Boot", "WKB", BOOT_MATERIALS, FOOTWEAR_AXES),
            ],
            material_key: "material",
            features: &[
                feature("sole", &["commando rubber sole", "Goodyear-welted rubber sole", "crepe sole"]),
                feature("lining", &["leather", "shearling", "unlined"]),
            ],
            uses: &["wet winter commutes", "weekend hikes", "autumn in the city", "long days on your feet"],
            notes: &[
                "A stacked heel and steel shank give it structure for long days on your feet.",
                "Pull tabs front and back make it easy to get on and off.",
                "Expect a short break-in: the leather softens and shapes itself to you.",
            ],
        },
        Leaf {
            slug: "sandals",
            name: "Sandals",
            brands: &[STRIDER, COBBLE_AND_CRANE, MAISON_LUNE],
            kinds: &[
                kind("Slide Sandal", "SLD", SANDAL_MATERIALS, FOOTWEAR_AXES),
                kind("Strap Sandal", "STS", SANDAL_MATERIALS, FOOTWEAR_AXES),
                kind("Trail Sandal", "TRS", SANDAL_MATERIALS, FOOTWEAR_AXES),
                kind("Clog", "CLG", SANDAL_MATERIALS, FOOTWEAR_AXES),
            ],
            material_key: "material",
            features: &[feature("sole", &["EVA foam", "natural rubber", "cork on rubber"])],
            uses: &["summer holidays", "hot city days", "beach walks", "lazy weekends"],
            notes: &[
                "The contoured footbed supports the arch without feeling stiff.",
                "Adjustable buckles let you fine-tune the fit across the instep.",
                "A grippy outsole keeps you steady on wet stone and boat decks.",
            ],
        },
        Leaf {
            slug: "dress-shoes",
            name: "Dress Shoes",
            brands: &[COBBLE_AND_CRANE, MAISON_LUNE],
            kinds: &[
                kind("Derby Shoe", "DRB", DRESS_SHOE_MATERIALS, DRESS_SHOE_AXES),
                kind("Oxford Shoe", "OXS", DRESS_SHOE_MATERIALS, DRESS_SHOE_AXES),
                kind("Penny Loafer", "LOF", DRESS_SHOE_MATERIALS, DRESS_SHOE_AXES),
                kind("Double Monk Strap", "MNK", DRESS_SHOE_MATERIALS, DRESS_SHOE_AXES),
                kind("Brogue", "BRQ", DRESS_SHOE_MATERIALS, DRESS_SHOE_AXES),
            ],
            material_key: "material",
            features: &[
                feature("sole", &["leather sole", "leather sole with rubber inset", "rubber sole"]),
                feature("construction", &["Goodyear welted", "Blake stitched"]),
            ],
            uses: &["the office", "weddings and formal occasions", "smart-casual dinners", "everyday elegance"],
            notes: &[
                "Built on a classic last with a slightly rounded toe that works with suits and denim alike.",
                "{construction} construction means it can be resoled many times.",
                "A leather-lined interior keeps it comfortable from morning to night.",
            ],
        },
    ],
};

const HOME: Department = Department {
    slug: "home-and-kitchen",
    name: "Home & Kitchen",
    weight: 1,
    origins: &["Portugal", "Germany", "Poland", "France", "Japan"],
    openers: &[
        "The {product} from {brand} {is} made for {use}.",
        "Designed for {use}, the {product} {is} the kind of piece you keep for decades.",
        "{brand} makes the {product} in small batches, with {use} in mind.",
    ],
    material_lines: &[
        "{It} {is} made from {material} and finished by hand in {origin}.",
        "{brand} chose {material} for its durability and the way it ages.",
        "The {material} gives {them} a quiet, honest look that suits any home.",
    ],
    closings: &[
        "Looking after {them} is easy: {care}.",
        "{It} arrive{s} in plastic-free, recyclable packaging.",
        "Every {brand} piece is made in {origin}.",
    ],
    gallery: &[
        "The {product} at home",
        "Close-up of the {material} of the {product}",
        "The {product} photographed from above",
    ],
    leaves: &[
        Leaf {
            slug: "cookware",
            name: "Cookware",
            brands: &[COPPERFIELD, ALDER_AND_OAK, TERRA_VERDE],
            kinds: &[
                kind("Frying Pan", "FRY", COOKWARE_MATERIALS, COOKWARE_AXES),
                kind("Saute Pan", "SAU", COOKWARE_MATERIALS, COOKWARE_AXES),
                kind("Saucepan", "SCP", COOKWARE_MATERIALS, COOKWARE_AXES),
                kind("Casserole Dish", "CAS", COOKWARE_MATERIALS, COOKWARE_AXES),
                kind("Wok", "WOK", COOKWARE_MATERIALS, COOKWARE_AXES),
            ],
            material_key: "material",
            features: &[
                feature("induction_ready", &["yes"]),
                feature("oven_safe", &["up to 220 °C", "up to 260 °C"]),
                feature("warranty_years", &["10", "15", "25"]),
            ],
            uses: &["everyday cooking", "weekend feasts", "slow Sunday braises", "quick weeknight dinners"],
            notes: &[
                "The handle is riveted for life and stays cool on the hob.",
                "A flared rim pours without drips.",
                "It heats evenly from edge to edge, and {brand} guarantees it for {warranty_years} years.",
            ],
        },
        Leaf {
            slug: "tableware",
            name: "Tableware",
            brands: &[HALDEN, ALDER_AND_OAK, TERRA_VERDE],
            kinds: &[
                kind("Dinner Plate", "DNP", TABLEWARE_MATERIALS, TABLEWARE_AXES),
                kind("Side Plate", "SDP", TABLEWARE_MATERIALS, TABLEWARE_AXES),
                kind("Pasta Bowl", "PBW", TABLEWARE_MATERIALS, TABLEWARE_AXES),
                kind("Mug", "MUG", TABLEWARE_MATERIALS, TABLEWARE_AXES),
                kind("Serving Platter", "SPL", TABLEWARE_MATERIALS, TABLEWARE_AXES),
            ],
            material_key: "material",
            features: &[feature("finish", &["matte", "gloss", "satin"])],
            uses: &["everyday meals", "long dinners with friends", "slow weekend breakfasts", "family gatherings"],
            notes: &[
                "Each piece is glazed by hand, so no two are exactly alike.",
                "The pieces stack neatly to save cupboard space.",
                "Rolled, glazed rims resist chipping.",
            ],
        },
        Leaf {
            slug: "bedding",
            name: "Bedding",
            brands: &[HALDEN, MAISON_LUNE, ALDER_AND_OAK],
            kinds: &[
                kind("Duvet Cover", "DUV", BEDDING_MATERIALS, BEDDING_AXES),
                kind("Fitted Sheet", "FSH", BEDDING_MATERIALS, BEDDING_AXES),
                kind("Flat Sheet", "FLS", BEDDING_MATERIALS, BEDDING_AXES),
                kind("Bedding Set", "BST", BEDDING_MATERIALS, BEDDING_AXES),
                kind("Quilted Bedspread", "QBS", BEDDING_MATERIALS, BEDDING_AXES),
            ],
            material_key: "material",
            features: &[OEKO_TEX],
            uses: &["restful nights", "warm summer nights", "lazy Sunday mornings", "the guest room"],
            notes: &[
                "The fabric softens with every wash.",
                "It is cut generously, so it sits neatly on deep mattresses and full duvets.",
                "Breathable fibres keep you cool in summer and cosy in winter.",
            ],
        },
        Leaf {
            slug: "lighting",
            name: "Lighting",
            brands: &[LUMA, QUILL_AND_EMBER, ALDER_AND_OAK],
            kinds: &[
                kind("Table Lamp", "TLP", LIGHTING_MATERIALS, LIGHTING_AXES),
                kind("Floor Lamp", "FLP", LIGHTING_MATERIALS, LIGHTING_AXES),
                kind("Pendant Light", "PND", LIGHTING_MATERIALS, LIGHTING_AXES),
                kind("Wall Light", "WLL", LIGHTING_MATERIALS, LIGHTING_AXES),
                kind("Desk Lamp", "DSK", LIGHTING_MATERIALS, LIGHTING_AXES),
            ],
            material_key: "material",
            features: &[
                feature("bulb", &["E27, not included", "E14, not included", "integrated LED"]),
                feature("dimmable", &["yes", "no"]),
                feature("cable_length_m", &["1.8", "2.5", "3.0"]),
            ],
            uses: &["reading corners", "cosy evenings", "the dining table", "home offices"],
            notes: &[
                "An in-line switch sits within easy reach, so there is no fumbling under the shade.",
                "The warm, diffused light is easy on the eyes in the evening.",
                "It comes with a {cable_length_m} m braided fabric cable.",
            ],
        },
    ],
};

const OUTDOOR: Department = Department {
    slug: "outdoor",
    name: "Outdoor",
    weight: 1,
    origins: &["Vietnam", "Taiwan", "Sweden", "Lithuania"],
    openers: &[
        "The {product} from {brand} {is} built for {use}.",
        "Made for {use}, the {product} keep{s} weight down without cutting corners.",
        "{brand} field-tested the {product} on {use} before {it} went into production.",
    ],
    material_lines: &[
        "{It} {is} made from {material} for a good balance of weight and strength.",
        "The {material} was chosen to survive seasons of hard use.",
        "Built with {material}, {it} shrug{s} off wind, rain and rough handling.",
    ],
    closings: &[
        "After every trip, {care}.",
        "Every {brand} product is covered by a lifetime repair service.",
        "Made in {origin} to {brand}'s own environmental standard.",
    ],
    gallery: &[
        "The {product} in use on a mountain trail",
        "The {product} packed down next to a water bottle for scale",
        "Detail of the {product}",
    ],
    leaves: &[
        Leaf {
            slug: "tents",
            name: "Tents",
            brands: &[KESTREL, PINECREST, NORTHWIND],
            kinds: &[
                kind("Backpacking Tent", "BPT", TENT_MATERIALS, TENT_AXES),
                kind("Dome Tent", "DMT", TENT_MATERIALS, TENT_AXES),
                kind("Tunnel Tent", "TNT", TENT_MATERIALS, TENT_AXES),
                kind("Ultralight Tent", "ULT", TENT_MATERIALS, TENT_AXES),
            ],
            material_key: "material",
            features: &[
                feature("season", &["3-season", "4-season"]),
                feature("waterproof_rating_mm", &["3000", "4000", "5000"]),
                feature("weight_kg", &["1.2", "1.8", "2.4", "3.1"]),
            ],
            uses: &["backpacking trips", "weekend camping", "long-distance hikes", "festival season"],
            notes: &[
                "Colour-coded poles make pitching quick, even in fading light.",
                "Two doors and two porches mean nobody climbs over anyone at night.",
                "Its flysheet is rated to {waterproof_rating_mm} mm, enough for a proper downpour.",
            ],
        },
        Leaf {
            slug: "backpacks",
            name: "Backpacks",
            brands: &[KESTREL, PINECREST, NORTHWIND],
            kinds: &[
                kind("Daypack", "DPK", PACK_MATERIALS, PACK_AXES),
                kind("Hiking Pack", "HKP", PACK_MATERIALS, PACK_AXES),
                kind("Travel Pack", "TPK", PACK_MATERIALS, PACK_AXES),
                kind("Rolltop Pack", "RTP", PACK_MATERIALS, PACK_AXES),
            ],
            material_key: "material",
            features: &[
                feature("back_system", &["ventilated mesh", "padded foam"]),
                feature("hydration_compatible", &["yes", "no"]),
            ],
            uses: &["day hikes", "city commuting", "weekend trips", "hut-to-hut treks"],
            notes: &[
                "A padded hip belt carries the load on longer days.",
                "The side pockets swallow a one-litre bottle.",
                "Load-lifter straps pull the weight close to your back.",
            ],
        },
        Leaf {
            slug: "sleeping-bags",
            name: "Sleeping Bags",
            brands: &[PINECREST, KESTREL, FJORDLINE],
            kinds: &[
                kind("Mummy Sleeping Bag", "MSB", SLEEPING_BAG_MATERIALS, SLEEPING_BAG_AXES),
                kind("Rectangular Sleeping Bag", "RSB", SLEEPING_BAG_MATERIALS, SLEEPING_BAG_AXES),
                kind("Camping Quilt", "CQL", SLEEPING_BAG_MATERIALS, SLEEPING_BAG_AXES),
            ],
            material_key: "material",
            features: &[
                feature("comfort_rating_c", &["-5", "0", "5", "10"]),
                feature("weight_g", &["650", "850", "1100", "1450"]),
            ],
            uses: &["alpine nights", "summer camping", "bikepacking trips", "shoulder-season trips"],
            notes: &[
                "A shaped hood and draught collar trap warmth around your shoulders.",
                "It packs into the included compression sack.",
                "It is comfortable down to {comfort_rating_c} °C and weighs {weight_g} g.",
            ],
        },
        Leaf {
            slug: "camp-kitchen",
            name: "Camp Kitchen",
            brands: &[PINECREST, KESTREL, TERRA_VERDE],
            kinds: &[
                kind("Camping Stove", "STV", STOVE_MATERIALS, CAMP_KITCHEN_AXES),
                kind("Cook Set", "CKS", STOVE_MATERIALS, CAMP_KITCHEN_AXES),
                kind("Insulated Bottle", "IBT", BOTTLE_MATERIALS, CAMP_KITCHEN_AXES),
                kind("Camp Mug", "CMG", MUG_MATERIALS, CAMP_KITCHEN_AXES),
            ],
            material_key: "material",
            features: &[feature("weight_g", &["85", "160", "220", "340"])],
            uses: &["camp breakfasts", "lightweight backpacking", "van life", "hot drinks on cold summits"],
            notes: &[
                "Made to take knocks at camp and keep going for years.",
                "There are no plastic parts to crack or taint the taste.",
                "At just {weight_g} g, you will hardly notice {them} in your pack.",
            ],
        },
    ],
};

const ELECTRONICS: Department = Department {
    slug: "electronics",
    name: "Electronics",
    weight: 1,
    origins: &["Taiwan", "Germany", "China", "Malaysia", "Vietnam"],
    openers: &[
        "The {product} from {brand} {is} made for {use}.",
        "Designed for {use}, the {product} keep{s} things simple and just work{s}.",
        "{brand} built the {product} for {use}, with no subscription and no account required.",
    ],
    material_lines: &[
        "The housing is made from {material}, tough enough to travel.",
        "{brand} uses {material} to keep {them} light and durable.",
        "Made with {material}, {it} {is} designed to last and built to be repaired.",
    ],
    closings: &[
        "{It} come{s} with a {warranty_years}-year warranty.",
        "{brand} backs {them} with a {warranty_years}-year warranty and an out-of-warranty repair service.",
        "Assembled in {origin}.",
    ],
    gallery: &[
        "The {product} on a desk",
        "The {product} with {its} cable and packaging",
        "Close-up of the controls and finish of the {product}",
    ],
    leaves: &[
        Leaf {
            slug: "headphones",
            name: "Headphones",
            brands: &[VOLTAIC, ARCWAVE],
            kinds: &[
                kinds("Over-Ear Headphones", "OEH", HEADPHONE_MATERIALS, AUDIO_AXES),
                kinds("On-Ear Headphones", "ONH", HEADPHONE_MATERIALS, AUDIO_AXES),
                kinds("Wireless Earbuds", "TWE", EARBUD_MATERIALS, AUDIO_AXES),
                kinds("Sport Earbuds", "SPE", EARBUD_MATERIALS, AUDIO_AXES),
            ],
            material_key: "material",
            features: &[
                feature("battery_life_hours", &["8", "24", "30", "40", "50"]),
                feature("connectivity", &["Bluetooth 5.3", "Bluetooth 5.4"]),
                TECH_WARRANTY,
            ],
            uses: &["long flights", "the daily commute", "focused work", "workouts"],
            notes: &[
                "A ten-minute charge gives hours of playback, and a full charge lasts {battery_life_hours} hours.",
                "Multipoint pairing switches between your laptop and phone automatically.",
                "A replaceable battery keeps them going for years.",
            ],
        },
        Leaf {
            slug: "speakers",
            name: "Speakers",
            brands: &[VOLTAIC, ARCWAVE, LUMA],
            kinds: &[
                kind("Portable Speaker", "PSP", SPEAKER_MATERIALS, AUDIO_AXES),
                kinds("Bookshelf Speakers", "BSS", SPEAKER_MATERIALS, AUDIO_AXES),
                kind("Smart Speaker", "SSP", SPEAKER_MATERIALS, AUDIO_AXES),
                kind("Soundbar", "SBR", SPEAKER_MATERIALS, AUDIO_AXES),
            ],
            material_key: "material",
            features: &[
                feature("output_w", &["20", "40", "60", "120"]),
                feature("connectivity", &["Bluetooth 5.3", "Bluetooth 5.3 and Wi-Fi"]),
                TECH_WARRANTY,
            ],
            uses: &["kitchen playlists", "garden parties", "movie nights", "small living rooms"],
            notes: &[
                "Stereo pairing links two for room-filling sound.",
                "A room-calibration mode tunes the sound to your space.",
                "Physical buttons mean you never have to hunt for your phone to change the volume.",
            ],
        },
        Leaf {
            slug: "chargers-and-power",
            name: "Chargers & Power",
            brands: &[VOLTAIC, ARCWAVE],
            kinds: &[
                kind("Wall Charger", "WCH", CHARGER_MATERIALS, CHARGER_AXES),
                kind("Power Bank", "PBK", CHARGER_MATERIALS, CHARGER_AXES),
                kind("Wireless Charging Pad", "WCP", CHARGER_MATERIALS, CHARGER_AXES),
                kind("Charging Stand", "CST", CHARGER_MATERIALS, CHARGER_AXES),
            ],
            material_key: "material",
            features: &[feature("ports", &["1 x USB-C", "2 x USB-C", "2 x USB-C, 1 x USB-A"]), TECH_WARRANTY],
            uses: &["travel", "busy desks", "bedside charging", "long days away from a socket"],
            notes: &[
                "It negotiates the right power for each device, so one charger covers your phone and your laptop.",
                "Temperature monitoring throttles output before anything gets hot.",
                "A braided USB-C cable is included in the box.",
            ],
        },
        Leaf {
            slug: "storage-drives",
            name: "Storage Drives",
            brands: &[ARCWAVE, VOLTAIC],
            kinds: &[
                kind("Portable SSD", "PSD", DRIVE_MATERIALS, DRIVE_AXES),
                kind("Desktop Hard Drive", "DHD", DRIVE_MATERIALS, DRIVE_AXES),
                kind("USB Flash Drive", "UFD", DRIVE_MATERIALS, DRIVE_AXES),
            ],
            material_key: "material",
            features: &[
                feature("interface", &["USB-C 3.2 Gen 2", "USB-C 3.2 Gen 2x2", "USB4"]),
                feature("read_speed_mb_s", &["540", "1050", "2000"]),
                feature("warranty_years", &["3", "5"]),
            ],
            uses: &["photo and video libraries", "backups", "working on the go", "moving files between machines"],
            notes: &[
                "Hardware encryption protects your files if the drive goes missing.",
                "It works out of the box with macOS, Windows, Linux and most tablets.",
                "Reads reach {read_speed_mb_s} MB/s over {interface}.",
            ],
        },
    ],
};

const BEAUTY: Department = Department {
    slug: "beauty",
    name: "Beauty",
    weight: 1,
    origins: &["France", "Italy", "Germany", "Sweden"],
    openers: &[
        "The {product} from {brand} {is} made for {use}.",
        "Formulated for {use}, the {product} {is} gentle enough for every day.",
        "{brand} created the {product} for {use}.",
    ],
    material_lines: &[
        "At its heart: {material}.",
        "{It} {is} built around {material}.",
        "{brand} combines {material} in a vegan, cruelty-free formula.",
    ],
    closings: &[
        "Made in {origin} and never tested on animals.",
        "The packaging is recyclable, and refills are available.",
        "Store {them} away from direct sunlight.",
    ],
    gallery: &[
        "The {product} on a bathroom shelf",
        "The {product} next to {its} box",
        "The {product} among fresh botanicals",
    ],
    leaves: &[
        Leaf {
            slug: "skincare",
            name: "Skincare",
            brands: &[SOLACE, BOTANICA, MAISON_LUNE],
            kinds: &[
                kind("Face Cream", "FCR", SKINCARE_ACTIVES, SKINCARE_AXES),
                kind("Serum", "SRM", SKINCARE_ACTIVES, SKINCARE_AXES),
                kind("Cleanser", "CLN", SKINCARE_ACTIVES, SKINCARE_AXES),
                kind("Face Oil", "FOL", SKINCARE_ACTIVES, SKINCARE_AXES),
                kind("Eye Cream", "EYC", SKINCARE_ACTIVES, SKINCARE_AXES),
            ],
            material_key: "key_ingredients",
            features: &[SKIN_TYPE, VEGAN, feature("fragrance_free", &["yes", "no"])],
            uses: &[
                "daily hydration",
                "morning and evening routines",
                "sensitive skin",
                "city skin that needs a reset",
            ],
            notes: &[
                "Dermatologically tested and suitable for {skin_type} skin.",
                "The airless pump keeps the formula fresh to the last drop.",
                "Use it morning and evening on clean skin.",
            ],
        },
        Leaf {
            slug: "haircare",
            name: "Haircare",
            brands: &[BOTANICA, SOLACE],
            kinds: &[
                kind("Shampoo", "SHP", HAIRCARE_ACTIVES, HAIRCARE_AXES),
                kind("Conditioner", "CND", HAIRCARE_ACTIVES, HAIRCARE_AXES),
                kind("Hair Mask", "HMK", HAIRCARE_ACTIVES, HAIRCARE_AXES),
                kind("Hair Oil", "HOL", HAIRCARE_ACTIVES, HAIRCARE_AXES),
                kind("Styling Cream", "STC", HAIRCARE_ACTIVES, HAIRCARE_AXES),
            ],
            material_key: "key_ingredients",
            features: &[
                feature("hair_type", &["all", "fine", "curly", "dry", "coloured"]),
                feature("sulfate_free", &["yes"]),
                VEGAN,
            ],
            uses: &["everyday washing", "dry, tired hair", "after-swim care", "curls that need definition"],
            notes: &[
                "Sulfate- and silicone-free, so it is gentle on coloured hair.",
                "The bottle is made from recycled plastic.",
                "A little goes a long way: start with a small amount and build up.",
            ],
        },
        Leaf {
            slug: "fragrance",
            name: "Fragrance",
            brands: &[MAISON_LUNE, BOTANICA],
            kinds: &[
                kind("Eau de Parfum", "EDP", SCENTS, FRAGRANCE_AXES),
                kind("Eau de Toilette", "EDT", SCENTS, FRAGRANCE_AXES),
                kind("Body Mist", "BMS", SCENTS, FRAGRANCE_AXES),
                kind("Solid Perfume", "SLP", SCENTS, FRAGRANCE_AXES),
            ],
            material_key: "scent_notes",
            features: &[feature("gender", &["unisex"]), VEGAN],
            uses: &["everyday wear", "evenings out", "warm summer days", "the office"],
            notes: &[
                "The scent opens bright and settles into a warm, lasting base.",
                "It lasts for hours and stays close to the skin.",
                "The glass is recycled and the cap is made from FSC-certified wood.",
            ],
        },
        Leaf {
            slug: "body-care",
            name: "Body Care",
            brands: &[SOLACE, BOTANICA, MAISON_LUNE],
            kinds: &[
                kind("Body Lotion", "BLT", BODY_ACTIVES, BODY_AXES),
                kind("Body Wash", "BWS", BODY_ACTIVES, BODY_AXES),
                kind("Hand Cream", "HCR", BODY_ACTIVES, BODY_AXES),
                kind("Body Scrub", "BSC", BODY_ACTIVES, BODY_AXES),
                kind("Body Oil", "BOL", BODY_ACTIVES, BODY_AXES),
            ],
            material_key: "key_ingredients",
            features: &[SKIN_TYPE, VEGAN],
            uses: &["daily moisture", "dry winter skin", "post-workout showers", "slow evening routines"],
            notes: &[
                "It absorbs quickly and leaves no greasy film.",
                "Scented only with natural essential oils.",
                "Suitable for {skin_type} skin, and gentle enough for daily use.",
            ],
        },
    ],
};

const SPORTS: Department = Department {
    slug: "sports-and-fitness",
    name: "Sports & Fitness",
    weight: 1,
    origins: &["Taiwan", "Portugal", "Vietnam", "Germany"],
    openers: &[
        "The {product} from {brand} {is} made for {use}.",
        "Built for {use}, the {product} {is} tough enough for daily training.",
        "{brand} designed the {product} with coaches and athletes, for {use}.",
    ],
    material_lines: &[
        "{It} {is} made from {material} to handle sweat, strain and repetition.",
        "The {material} was chosen for durability session after session.",
        "{brand} uses {material} for a feel you notice from the first workout.",
    ],
    closings: &[
        "Afterwards, {care}.",
        "Made in {origin}.",
        "Every {brand} product comes with a 30-day trial: train with {them}, and return {them} if {it} {is} not right.",
    ],
    gallery: &["The {product} in action", "Detail of the {product}", "The {product} laid out with other training kit"],
    leaves: &[
        Leaf {
            slug: "yoga-and-pilates",
            name: "Yoga & Pilates",
            brands: &[IRONVALE, KESTREL, SOLACE],
            kinds: &[
                kind("Yoga Mat", "YMT", MAT_MATERIALS, YOGA_AXES),
                kind("Travel Yoga Mat", "TYM", MAT_MATERIALS, YOGA_AXES),
                kind("Yoga Block", "YBK", BLOCK_MATERIALS, YOGA_AXES),
                kind("Yoga Bolster", "YBL", BOLSTER_MATERIALS, YOGA_AXES),
            ],
            material_key: "material",
            features: &[feature("level", &["beginner", "all levels", "advanced"])],
            uses: &["daily practice", "hot yoga", "pilates classes", "restorative sessions"],
            notes: &[
                "The textured surface grips better as you warm up.",
                "Made without PVC or toxic glues.",
                "Light enough to carry to class.",
            ],
        },
        Leaf {
            slug: "strength-training",
            name: "Strength Training",
            brands: &[IRONVALE, KESTREL],
            kinds: &[
                kind("Dumbbell Pair", "DBP", WEIGHT_MATERIALS, WEIGHT_AXES),
                kind("Kettlebell", "KTB", WEIGHT_MATERIALS, WEIGHT_AXES),
                kind("Weight Plate", "WPL", WEIGHT_MATERIALS, WEIGHT_AXES),
            ],
            material_key: "material",
            features: &[feature("grip", &["knurled", "smooth"]), feature("warranty_years", &["5", "10"])],
            uses: &["home gyms", "strength sessions", "functional training", "progressive overload"],
            notes: &[
                "Weights are calibrated to within 2% of the stated figure.",
                "Colour-coded by weight, so you can grab the right one fast.",
                "The finish is kind to floors and quiet when set down.",
            ],
        },
        Leaf {
            slug: "running",
            name: "Running",
            brands: &[KESTREL, IRONVALE, NORTHWIND],
            kinds: &[
                kind("Running Tee", "RTE", RUNNING_MATERIALS, SPORTSWEAR_AXES),
                kinds("Running Tights", "RTT", RUNNING_MATERIALS, SPORTSWEAR_AXES),
                kinds("Running Shorts", "RSH", RUNNING_MATERIALS, SPORTSWEAR_AXES),
                kind("Running Jacket", "RJK", RUNNING_MATERIALS, SPORTSWEAR_AXES),
                kind("Running Vest", "RVT", RUNNING_MATERIALS, SPORTSWEAR_AXES),
            ],
            material_key: "material",
            features: &[feature("fit", &["slim", "regular"]), feature("reflective", &["yes"])],
            uses: &["early-morning runs", "race day", "interval sessions", "long weekend runs"],
            notes: &[
                "Reflective details catch headlights on early-morning runs.",
                "Flatlock seams won't rub, even on long runs.",
                "A zipped back pocket holds keys and a phone.",
            ],
        },
        Leaf {
            slug: "cycling",
            name: "Cycling",
            brands: &[VELO_NORD, KESTREL],
            kinds: &[
                kind("Cycling Jersey", "CJR", CYCLING_MATERIALS, SPORTSWEAR_AXES),
                kinds("Bib Shorts", "BIB", CYCLING_MATERIALS, SPORTSWEAR_AXES),
                kind("Cycling Gilet", "GLT", CYCLING_MATERIALS, SPORTSWEAR_AXES),
                kinds("Cycling Gloves", "CGL", CYCLING_MATERIALS, SPORTSWEAR_AXES),
            ],
            material_key: "material",
            features: &[feature("fit", &["race", "club"]), feature("reflective", &["yes", "no"])],
            uses: &["long days in the saddle", "gravel adventures", "club rides", "winter training"],
            notes: &[
                "Silicone grippers hold everything in place without pinching.",
                "Cut for the riding position: longer at the back, shorter at the front.",
                "The {fit} fit is close without restricting your breathing.",
            ],
        },
    ],
};

const KIDS: Department = Department {
    slug: "kids",
    name: "Kids",
    weight: 1,
    origins: &["Portugal", "Turkey", "Lithuania", "Germany"],
    openers: &[
        "The {product} from {brand} {is} made for {use}.",
        "Made for {use}, the {product} {is} as sturdy as {it} {is} sweet.",
        "{brand} designs for real childhoods: the {product} {is} built for {use}.",
    ],
    material_lines: &[
        "{It} {is} made from {material}, safety-tested for little ones.",
        "We use {material} because it is safe, durable and kind to the planet.",
        "The {material} is chosen to survive siblings and hand-me-downs.",
    ],
    closings: &[
        "To care for {them}, {care}.",
        "Made in {origin}.",
        "Every piece is tested to European safety standards.",
    ],
    gallery: &["The {product} in a child's bedroom", "Close-up of the {product}", "A child with the {product}"],
    leaves: &[
        Leaf {
            slug: "kids-clothing",
            name: "Kids' Clothing",
            brands: &[TERN_AND_TIDE, LITTLE_WREN, BRAMBLE],
            kinds: &[
                kind("Hoodie", "HOD", KIDS_SWEAT, KIDSWEAR_AXES),
                kinds("Joggers", "JOG", KIDS_SWEAT, KIDSWEAR_AXES),
                kind("Striped Tee", "STT", KIDS_JERSEY, KIDSWEAR_AXES),
                kinds("Dungarees", "DNG", KIDS_WOVEN, KIDSWEAR_AXES),
                kind("Pinafore Dress", "PNF", KIDS_WOVEN, KIDSWEAR_AXES),
            ],
            material_key: "material",
            features: &[OEKO_TEX, feature("fit", &["regular", "relaxed"])],
            uses: &["playground adventures", "nursery days", "muddy walks", "everyday play"],
            notes: &[
                "Reinforced stitching stands up to the playground.",
                "Nickel-free snaps and soft, tagless seams keep {them} comfortable on sensitive skin.",
                "Turn-up cuffs add a season of growing room.",
            ],
        },
        Leaf {
            slug: "toys",
            name: "Toys",
            brands: &[LITTLE_WREN, TERN_AND_TIDE],
            kinds: &[
                kind("Wooden Train Set", "WTS", TOY_MATERIALS, TOY_AXES),
                kind("Stacking Toy", "STK", TOY_MATERIALS, TOY_AXES),
                kinds("Building Blocks", "BBL", TOY_MATERIALS, TOY_AXES),
                kind("Pull-Along Toy", "PAT", TOY_MATERIALS, TOY_AXES),
                kind("Shape Sorter", "SHS", TOY_MATERIALS, TOY_AXES),
            ],
            material_key: "material",
            features: &[
                feature("age_range", &["12 months+", "18 months+", "3 years+"]),
                feature("safety", &["EN 71 tested"]),
            ],
            uses: &["imaginative play", "first birthdays", "rainy afternoons", "playroom shelves"],
            notes: &[
                "Finished with water-based, non-toxic paints and oils.",
                "Pieces are sized to be safe for small hands.",
                "Recommended for ages {age_range}, and designed to grow with your child.",
            ],
        },
        Leaf {
            slug: "nursery",
            name: "Nursery",
            brands: &[LITTLE_WREN, MAISON_LUNE],
            kinds: &[
                kind("Baby Blanket", "BBK", NURSERY_MATERIALS, NURSERY_AXES),
                kind("Swaddle Set", "SWD", NURSERY_MATERIALS, NURSERY_AXES),
                kind("Baby Sleeping Bag", "BSB", NURSERY_MATERIALS, NURSERY_AXES),
                kind("Cot Sheet", "CTS", NURSERY_MATERIALS, NURSERY_AXES),
                kind("Changing Mat", "CMT", CHANGING_MAT_MATERIALS, NURSERY_AXES),
            ],
            material_key: "material",
            features: &[OEKO_TEX],
            uses: &["newborns", "naps on the go", "cosy nurseries", "baby showers"],
            notes: &[
                "It softens beautifully with every wash.",
                "Breathable layers help keep baby at a comfortable temperature.",
                "It arrives gift-boxed, ready to give.",
            ],
        },
        Leaf {
            slug: "school-and-travel",
            name: "School & Travel",
            brands: &[TERN_AND_TIDE, LITTLE_WREN],
            kinds: &[
                kind("School Backpack", "SBP", SCHOOL_BAG_MATERIALS, SCHOOL_AXES),
                kind("Pencil Case", "PCS", SCHOOL_BAG_MATERIALS, SCHOOL_AXES),
                kind("Lunch Box", "LBX", LUNCH_MATERIALS, SCHOOL_AXES),
                kind("Water Bottle", "WBT", LUNCH_MATERIALS, SCHOOL_AXES),
            ],
            material_key: "material",
            features: &[feature("age_range", &["3 years+", "5 years+", "8 years+"])],
            uses: &["the school run", "day trips", "packed lunches", "first days at school"],
            notes: &[
                "A name label inside makes lost property easy to return.",
                "Built to survive years of school runs and playground drops.",
                "Every part is free from BPA and phthalates.",
            ],
        },
    ],
};

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap, HashSet};

    use super::*;

    fn valid_slug(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= 100
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--")
    }

    fn valid_sku(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= 64
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    }

    fn valid_text(s: &str, max: usize) -> bool {
        !s.trim().is_empty()
            && s.trim() == s
            && s.chars().count() <= max
            && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
    }

    fn valid_attributes(attributes: &BTreeMap<String, String>) -> bool {
        attributes.len() <= 50
            && attributes.iter().all(|(key, value)| {
                !key.is_empty()
                    && key.len() <= 40
                    && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    && valid_text(value, 200)
            })
    }

    fn valid_location_code(s: &str) -> bool {
        (2..=40).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    }

    fn leaf_slugs() -> HashSet<String> {
        let all = categories();
        let parents: HashSet<_> = all.iter().filter_map(|c| c.parent.clone()).collect();
        all.into_iter().filter_map(|c| c.slug).filter(|slug| !parents.contains(slug)).collect()
    }

    fn skus(products: &[NewProduct]) -> Vec<String> {
        products.iter().flat_map(|p| p.variants.iter().map(|v| v.sku.clone())).collect()
    }

    #[test]
    fn a_full_catalog_is_valid() {
        let catalog = products(1200);
        assert_eq!(catalog.len(), 1200);
        let leaves = leaf_slugs();
        let mut slugs = HashSet::new();
        let mut all_skus = HashSet::new();
        for p in &catalog {
            let slug = p.slug.as_deref().expect("slug set");
            assert!(valid_slug(slug), "{slug}");
            assert!(slugs.insert(slug.to_owned()), "duplicate slug {slug}");
            assert!(valid_text(&p.name, 200), "{}", p.name);
            let description = p.description.as_deref().expect("description set");
            assert!(description.chars().count() <= 5000 && !description.trim().is_empty());
            assert!(!description.contains('{') && !description.contains('}'), "unfilled template: {description}");
            let sentences = description.matches(". ").count() + 1;
            assert!((2..=4).contains(&sentences), "{description}");
            assert!(valid_text(p.brand.as_deref().expect("brand set"), 100));
            let category = p.category.as_deref().expect("category set");
            assert!(leaves.contains(category), "{category} is not a leaf category");
            assert!(valid_attributes(&p.attributes), "{:?}", p.attributes);
            assert!((1..=2).contains(&p.media.len()));
            for (n, m) in p.media.iter().enumerate() {
                assert_eq!(m.url, format!("/media/{slug}-{}.jpg", n + 1));
                assert!(valid_text(&m.alt, 200), "{}", m.alt);
                assert!(!m.alt.contains('{'), "{}", m.alt);
            }
            assert!((1..=100).contains(&p.variants.len()));
            for v in &p.variants {
                assert!(valid_sku(&v.sku), "{}", v.sku);
                assert!(all_skus.insert(v.sku.clone()), "duplicate SKU {}", v.sku);
                assert!(valid_text(v.name.as_deref().expect("variant name set"), 200));
                assert!(!v.attributes.is_empty() && valid_attributes(&v.attributes), "{:?}", v.attributes);
            }
        }
        let average = all_skus.len() as f64 / catalog.len() as f64;
        assert!((3.0..=8.0).contains(&average), "average of {average} variants per product");
    }

    #[test]
    fn every_leaf_category_is_stocked_early() {
        let stocked: HashSet<_> = products(leaf_slugs().len()).into_iter().filter_map(|p| p.category).collect();
        assert_eq!(stocked, leaf_slugs());
    }

    #[test]
    fn slugs_spell_out_names() {
        assert_eq!(slugify("Fjordline Harbor Merino Crew Sweater"), "fjordline-harbor-merino-crew-sweater");
        assert_eq!(slugify("Alder & Oak Hearth Cast Iron Wok"), "alder-and-oak-hearth-cast-iron-wok");
        assert_eq!(slugify("Kids' Clothing"), "kids-clothing");
        assert_eq!(slugify("Tern&Tide -- Hi-Fi"), "tern-and-tide-hi-fi");
        assert_eq!(
            product_slug("Fjordline Harbor Merino Crew Sweater", 42),
            "fjordline-harbor-merino-crew-sweater-0042"
        );
        let long = product_slug(&"Word ".repeat(40), 1200);
        assert!(valid_slug(&long) && long.ends_with("-1200"), "{long}");
    }

    #[test]
    fn products_are_deterministic_and_prefix_stable() {
        let small = serde_json::to_value(products(50)).expect("serializes");
        let large = serde_json::to_value(&products(200)[..50]).expect("serializes");
        assert_eq!(small, large);
        assert_eq!(small, serde_json::to_value(products(50)).expect("serializes"));
    }

    #[test]
    fn locations_are_valid_and_unique() {
        let all = locations();
        assert!(all.len() >= 3);
        let codes: HashSet<_> = all.iter().map(|l| l.code.as_str()).collect();
        assert_eq!(codes.len(), all.len());
        assert!(all.iter().all(|l| valid_location_code(&l.code) && valid_text(&l.name, 100)));
        assert!(all.iter().any(|l| l.kind == LocationKind::Warehouse));
        assert!(all.iter().any(|l| l.kind == LocationKind::Store));
    }

    #[test]
    fn stock_is_deterministic_bounded_and_sometimes_out() {
        let skus = skus(&products(300));
        let locations = locations();
        let mut zeros = 0;
        let mut total = 0;
        for sku in &skus {
            for location in &locations {
                let quantity = on_hand(sku, &location.code);
                assert_eq!(quantity, on_hand(sku, &location.code));
                assert!((0..=150).contains(&quantity), "{quantity}");
                zeros += usize::from(quantity == 0);
                total += 1;
            }
        }
        let share = zeros as f64 / total as f64;
        assert!((0.05..=0.25).contains(&share), "{share} out of stock");
        assert_ne!(on_hand("AB", "c"), on_hand("A", "Bc"));
    }

    #[test]
    fn categories_form_a_valid_tree() {
        let all = categories();
        let mut seen = BTreeSet::new();
        let mut children: HashMap<String, usize> = HashMap::new();
        for c in &all {
            let slug = c.slug.clone().expect("slug set");
            assert!(valid_slug(&slug), "{slug}");
            assert!(valid_text(&c.name, 100));
            if let Some(parent) = &c.parent {
                assert!(seen.contains(parent), "{slug} comes before its parent {parent}");
                *children.entry(parent.clone()).or_default() += 1;
            }
            assert!(seen.insert(slug.clone()), "duplicate category {slug}");
        }
        let top: Vec<_> = all.iter().filter(|c| c.parent.is_none()).collect();
        assert_eq!(top.len(), 8);
        assert!(children.values().all(|n| (3..=5).contains(n)));
    }

    #[test]
    fn prices_are_deterministic_plausible_and_shop_like() {
        for product in products(300) {
            let (leaf, slug) =
                (product.category.as_deref().unwrap_or_default(), product.slug.as_deref().unwrap_or_default());
            let price = unit_price(leaf, slug);
            assert_eq!(price, unit_price(leaf, slug));
            assert!((595..=49_999).contains(&price), "{slug}: {price}");
            assert!(price % 100 == 95 || price % 100 == 99, "{slug}: {price}");
        }
    }
}
