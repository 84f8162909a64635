//! The cart's rules, without IO: validation of what callers send, the limits, who may reach
//! a cart, and the changes a cart goes through (lines added, set, removed, merged; the cart
//! merged or converted).

use contracts::cart::{CartId, CartLine, CartStatus, CartUpdate, NewCart, NewCartLine};
use contracts::ids::{CustomerId, Sku};
use contracts::money::Currency;
use contracts::pricing::{QuoteLineRequest, QuoteRequest};
use runtime::http::FieldError;

/// Most lines in a cart.
pub const MAX_LINES: usize = 100;
/// Most units on one line.
pub const MAX_QUANTITY: i64 = 1_000;
/// Most coupon codes on a cart.
pub const MAX_COUPONS: usize = 10;
/// Currency of a cart created without one.
pub const DEFAULT_CURRENCY: Currency = Currency::Eur;
/// Destination of a cart created without one.
pub const DEFAULT_COUNTRY: &str = "DE";

/// Who is asking, as far as cart ownership goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shopper {
    /// No token: reaches guest carts whose id it knows.
    Guest,
    /// A customer's token: reaches guest carts and its own.
    Customer(CustomerId),
}

/// Whether `shopper` may reach a cart owned by `owner`. A guest cart's id is its only key;
/// a customer's cart needs that customer's token. (Anyone else gets a 404, never a 403, so
/// that a cart's existence is not disclosed.)
pub fn may_reach(owner: Option<&CustomerId>, shopper: &Shopper) -> bool {
    match (owner, shopper) {
        (None, _) => true,
        (Some(owner), Shopper::Customer(customer)) => owner == customer,
        (Some(_), Shopper::Guest) => false,
    }
}

/// An ISO 3166-1 alpha-2 code: two upper-case letters.
pub fn valid_country(country: &str) -> bool {
    country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())
}

/// A shipping method name: 1 to 32 lower-case letters, digits, `-` or `_` (as pricing has them).
pub fn valid_method(method: &str) -> bool {
    !method.is_empty()
        && method.len() <= 32
        && method.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'))
}

fn check_coupons(codes: &[String], errors: &mut Vec<FieldError>) {
    if codes.len() > MAX_COUPONS {
        errors.push(FieldError::new("coupon_codes", format!("must have at most {MAX_COUPONS} codes")));
    }
    for (i, code) in codes.iter().enumerate() {
        if code.is_empty() || code.len() > 64 || !code.bytes().all(|b| b.is_ascii_graphic()) {
            errors.push(FieldError::new(format!("coupon_codes[{i}]"), "must be 1 to 64 visible characters"));
        }
    }
}

/// A SKU from a request, with the field to name when it is not one.
pub fn parse_sku(sku: &str, field: &str) -> Result<Sku, FieldError> {
    Sku::parse(sku).map_err(|e| FieldError::new(field, e.to_string()))
}

/// Units to add to a line: 1 to [`MAX_QUANTITY`].
pub fn check_added_quantity(quantity: i64, field: &str) -> Result<(), FieldError> {
    if (1..=MAX_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(FieldError::new(field, format!("must be between 1 and {MAX_QUANTITY}")))
    }
}

/// Units a line is set to: 0 (removes it) to [`MAX_QUANTITY`].
pub fn check_set_quantity(quantity: i64) -> Result<(), FieldError> {
    if (0..=MAX_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(FieldError::new("quantity", format!("must be between 0 and {MAX_QUANTITY} (0 removes the line)")))
    }
}

/// A validated `POST /v1/carts` body, defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidNewCart {
    /// Currency.
    pub currency: Currency,
    /// Destination country.
    pub country: String,
    /// Shipping method.
    pub shipping_method: Option<String>,
    /// Coupon codes as sent.
    pub coupon_codes: Vec<String>,
    /// Lines, one per SKU (repeated SKUs summed), in the order sent.
    pub lines: Vec<CartLine>,
    /// For each line, the index of the body's line that introduced its SKU (to name it).
    pub sources: Vec<usize>,
}

impl ValidNewCart {
    /// Validates a new cart: every invalid field is named.
    pub fn parse(dto: &NewCart) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let country = dto.country.clone().unwrap_or_else(|| DEFAULT_COUNTRY.to_owned());
        if !valid_country(&country) {
            errors.push(FieldError::new("country", "must be an ISO 3166-1 alpha-2 code in upper case (`DE`)"));
        }
        if dto.shipping_method.as_deref().is_some_and(|m| !valid_method(m)) {
            errors.push(FieldError::new("shipping_method", "must be 1 to 32 lower-case letters, digits, '-' or '_'"));
        }
        check_coupons(&dto.coupon_codes, &mut errors);
        let mut cart = Lines::default();
        if dto.lines.len() > MAX_LINES {
            errors.push(FieldError::new("lines", format!("must have at most {MAX_LINES} lines")));
        } else {
            for (i, NewCartLine { sku, quantity }) in dto.lines.iter().enumerate() {
                let sku = parse_sku(sku, &format!("lines[{i}].sku"));
                let quantity_ok = check_added_quantity(*quantity, &format!("lines[{i}].quantity"));
                match (sku, quantity_ok) {
                    (Ok(sku), Ok(())) => {
                        if let Err(mut e) = cart.add(sku, *quantity, i) {
                            e.field = format!("lines[{i}].quantity");
                            errors.push(e);
                        }
                    }
                    (sku, quantity) => errors.extend(sku.err().into_iter().chain(quantity.err())),
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            currency: dto.currency.unwrap_or(DEFAULT_CURRENCY),
            country,
            shipping_method: dto.shipping_method.clone(),
            coupon_codes: dto.coupon_codes.clone(),
            lines: cart.lines,
            sources: cart.sources,
        })
    }
}

/// Lines being collected from a body, with where each came from.
#[derive(Default)]
struct Lines {
    lines: Vec<CartLine>,
    sources: Vec<usize>,
}

impl Lines {
    fn add(&mut self, sku: Sku, quantity: i64, source: usize) -> Result<(), FieldError> {
        add_to(&mut self.lines, sku, quantity)?;
        if self.sources.len() < self.lines.len() {
            self.sources.push(source);
        }
        Ok(())
    }
}

/// A validated `PATCH /v1/carts/{id}` body: `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidUpdate {
    /// New destination.
    pub country: Option<String>,
    /// New shipping method; `Some(None)` removes it.
    pub shipping_method: Option<Option<String>>,
    /// New coupon codes.
    pub coupon_codes: Option<Vec<String>>,
}

impl ValidUpdate {
    /// Validates an update: every invalid field is named.
    pub fn parse(dto: &CartUpdate) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if dto.country.as_deref().is_some_and(|c| !valid_country(c)) {
            errors.push(FieldError::new("country", "must be an ISO 3166-1 alpha-2 code in upper case (`DE`)"));
        }
        let shipping_method = match dto.shipping_method.as_deref() {
            None => None,
            Some("") => Some(None),
            Some(method) if valid_method(method) => Some(Some(method.to_owned())),
            Some(_) => {
                errors.push(FieldError::new(
                    "shipping_method",
                    "must be 1 to 32 lower-case letters, digits, '-' or '_' (or \"\" to remove it)",
                ));
                None
            }
        };
        if let Some(codes) = &dto.coupon_codes {
            check_coupons(codes, &mut errors);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self { country: dto.country.clone(), shipping_method, coupon_codes: dto.coupon_codes.clone() })
    }
}

/// Adds `quantity` units of `sku` to `lines`: to its line if there is one (the total at most
/// [`MAX_QUANTITY`]), else as a new last line (at most [`MAX_LINES`] lines). Errors name
/// `quantity` or `lines`.
fn add_to(lines: &mut Vec<CartLine>, sku: Sku, quantity: i64) -> Result<(), FieldError> {
    if let Some(line) = lines.iter_mut().find(|l| l.sku == sku) {
        let total = line.quantity + quantity;
        if total > MAX_QUANTITY {
            return Err(FieldError::new(
                "quantity",
                format!("the line would hold {total} units; a line holds at most {MAX_QUANTITY}"),
            ));
        }
        line.quantity = total;
        return Ok(());
    }
    if lines.len() >= MAX_LINES {
        return Err(FieldError::new("lines", format!("a cart holds at most {MAX_LINES} lines")));
    }
    lines.push(CartLine { sku, quantity });
    Ok(())
}

/// A cart as the service keeps it (its prices are never stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CartState {
    /// Id.
    pub id: CartId,
    /// Owner; `None` for a guest cart.
    pub customer_id: Option<CustomerId>,
    /// Status.
    pub status: CartStatus,
    /// Currency.
    pub currency: Currency,
    /// Destination country.
    pub country: String,
    /// Shipping method.
    pub shipping_method: Option<String>,
    /// Coupon codes.
    pub coupon_codes: Vec<String>,
    /// Lines, in the order first added.
    pub lines: Vec<CartLine>,
    /// Increases with every change.
    pub version: i64,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// For a merged cart: the customer's cart it went into.
    pub merged_into: Option<CartId>,
    /// For a converted cart: the order placed from it.
    pub order_id: Option<String>,
}

/// A cart that can no longer change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the cart is {}", .0.as_str())]
pub struct NotActive(pub CartStatus);

impl CartState {
    /// A new, active cart (version 1).
    pub fn new(id: CartId, customer_id: Option<CustomerId>, valid: ValidNewCart, now: &str) -> Self {
        Self {
            id,
            customer_id,
            status: CartStatus::Active,
            currency: valid.currency,
            country: valid.country,
            shipping_method: valid.shipping_method,
            coupon_codes: valid.coupon_codes,
            lines: valid.lines,
            version: 1,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            merged_into: None,
            order_id: None,
        }
    }

    /// A new, empty cart for `customer` with the settings of `guest` (where a guest cart is
    /// merged when the customer has no active cart).
    pub fn for_customer_like(id: CartId, customer: CustomerId, guest: &CartState, now: &str) -> Self {
        let settings = ValidNewCart {
            currency: guest.currency,
            country: guest.country.clone(),
            shipping_method: guest.shipping_method.clone(),
            coupon_codes: guest.coupon_codes.clone(),
            lines: Vec::new(),
            sources: Vec::new(),
        };
        Self::new(id, Some(customer), settings, now)
    }

    /// Whether the cart can still change.
    pub fn ensure_active(&self) -> Result<(), NotActive> {
        if self.status == CartStatus::Active { Ok(()) } else { Err(NotActive(self.status)) }
    }

    /// The units of `sku` in the cart (0 when it has no line).
    pub fn quantity_of(&self, sku: &Sku) -> i64 {
        self.lines.iter().find(|l| l.sku == *sku).map_or(0, |l| l.quantity)
    }

    /// Adds units of a SKU (see [`add_to`]); errors name `quantity` or `lines`.
    pub fn add_line(&mut self, sku: Sku, quantity: i64) -> Result<(), FieldError> {
        add_to(&mut self.lines, sku, quantity)
    }

    /// Sets a line's units: 0 removes it, a SKU without a line gets a new last line (at most
    /// [`MAX_LINES`]; the error names `lines`).
    pub fn set_line(&mut self, sku: Sku, quantity: i64) -> Result<(), FieldError> {
        match self.lines.iter().position(|l| l.sku == sku) {
            Some(i) if quantity == 0 => {
                self.lines.remove(i);
            }
            Some(i) => self.lines[i].quantity = quantity,
            None if quantity == 0 => {}
            None => add_to(&mut self.lines, sku, quantity)?,
        }
        Ok(())
    }

    /// Removes a SKU's line, if it has one.
    pub fn remove_line(&mut self, sku: &Sku) {
        self.lines.retain(|l| l.sku != *sku);
    }

    /// Applies an update.
    pub fn apply(&mut self, update: &ValidUpdate) {
        if let Some(country) = &update.country {
            self.country.clone_from(country);
        }
        if let Some(method) = &update.shipping_method {
            self.shipping_method.clone_from(method);
        }
        if let Some(codes) = &update.coupon_codes {
            self.coupon_codes.clone_from(codes);
        }
    }

    /// Takes `guest`'s lines: quantities of a SKU on both add up (at most [`MAX_QUANTITY`]),
    /// the guest's other lines follow this cart's; coupon codes are joined (at most
    /// [`MAX_COUPONS`]). More than [`MAX_LINES`] lines is an error naming `lines`.
    pub fn merge_from(&mut self, guest: &CartState) -> Result<(), FieldError> {
        for line in &guest.lines {
            let count = self.lines.len();
            match self.lines.iter_mut().find(|l| l.sku == line.sku) {
                Some(mine) => mine.quantity = (mine.quantity + line.quantity).min(MAX_QUANTITY),
                None if count < MAX_LINES => self.lines.push(line.clone()),
                None => {
                    return Err(FieldError::new(
                        "lines",
                        format!("the merged cart would hold more than {MAX_LINES} lines"),
                    ));
                }
            }
        }
        for code in &guest.coupon_codes {
            if self.coupon_codes.len() < MAX_COUPONS && !self.coupon_codes.iter().any(|c| c.eq_ignore_ascii_case(code))
            {
                self.coupon_codes.push(code.clone());
            }
        }
        Ok(())
    }

    /// Marks a guest cart as merged into `target` (read-only from now on).
    pub fn mark_merged(&mut self, target: &CartId) {
        self.status = CartStatus::Merged;
        self.merged_into = Some(target.clone());
    }

    /// Marks the cart converted by `order_id` (read-only from now on).
    pub fn mark_converted(&mut self, order_id: &str) {
        self.status = CartStatus::Converted;
        self.order_id = Some(order_id.to_owned());
    }

    /// Records a change: the next version, changed now.
    pub fn touch(&mut self, now: &str) {
        self.version += 1;
        now.clone_into(&mut self.updated_at);
    }

    /// What pricing is asked for this cart, for a shopper in `customer_group`; `None` for an
    /// empty cart (nothing to price).
    pub fn quote_request(&self, customer_group: Option<&str>) -> Option<QuoteRequest> {
        if self.lines.is_empty() {
            return None;
        }
        Some(QuoteRequest {
            currency: self.currency,
            customer_group: customer_group.map(str::to_owned),
            country: self.country.clone(),
            shipping_method: self.shipping_method.clone(),
            coupon_codes: self.coupon_codes.clone(),
            lines: self
                .lines
                .iter()
                .map(|l| QuoteLineRequest { sku: l.sku.to_string(), quantity: l.quantity })
                .collect(),
        })
    }

    /// SKUs of this cart that `before` did not have.
    pub fn new_skus(&self, before: &CartState) -> Vec<&Sku> {
        self.lines.iter().map(|l| &l.sku).filter(|s| before.quantity_of(s) == 0).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku(s: &str) -> Sku {
        Sku::parse(s).expect("sku")
    }

    fn cart(lines: &[(&str, i64)]) -> CartState {
        let valid = ValidNewCart::parse(&NewCart {
            lines: lines.iter().map(|(s, q)| NewCartLine { sku: (*s).into(), quantity: *q }).collect(),
            ..NewCart::default()
        })
        .expect("valid");
        CartState::new(CartId::generate(), None, valid, "2025-01-01T00:00:00.000000Z")
    }

    fn quantities(cart: &CartState) -> Vec<(String, i64)> {
        cart.lines.iter().map(|l| (l.sku.to_string(), l.quantity)).collect()
    }

    #[test]
    fn new_carts_get_defaults_and_sum_repeated_skus() {
        let c = cart(&[("A", 2), ("B", 1), ("A", 3)]);
        assert_eq!((c.currency, c.country.as_str()), (Currency::Eur, "DE"));
        assert_eq!(quantities(&c), [("A".into(), 5), ("B".into(), 1)]);
        assert_eq!(c.version, 1);
    }

    #[test]
    fn new_cart_errors_name_each_field() {
        let dto = NewCart {
            country: Some("de".into()),
            shipping_method: Some("Express!".into()),
            coupon_codes: vec![String::new()],
            lines: vec![
                NewCartLine { sku: "bad sku".into(), quantity: 0 },
                NewCartLine { sku: "A".into(), quantity: 600 },
                NewCartLine { sku: "A".into(), quantity: 600 },
            ],
            ..NewCart::default()
        };
        let fields: Vec<String> =
            ValidNewCart::parse(&dto).expect_err("invalid").into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["country", "shipping_method", "coupon_codes[0]", "lines[0].sku", "lines[0].quantity", "lines[2].quantity"]
        );
    }

    #[test]
    fn adding_sums_within_the_line_limit() {
        let mut c = cart(&[("A", 999)]);
        c.add_line(sku("A"), 1).expect("fits");
        assert_eq!(c.add_line(sku("A"), 1).expect_err("too many").field, "quantity");
        assert_eq!(c.quantity_of(&sku("A")), 1000);
    }

    #[test]
    fn at_most_a_hundred_lines() {
        let mut c = cart(&[]);
        for i in 0..MAX_LINES {
            c.add_line(sku(&format!("S{i}")), 1).expect("fits");
        }
        assert_eq!(c.add_line(sku("ONE-MORE"), 1).expect_err("full").field, "lines");
        assert_eq!(c.set_line(sku("ONE-MORE"), 1).expect_err("full").field, "lines");
        c.add_line(sku("S0"), 1).expect("an existing line still grows");
        c.set_line(sku("S1"), 0).expect("removes");
        c.set_line(sku("ONE-MORE"), 4).expect("room again");
        assert_eq!(c.lines.last().map(|l| (l.sku.as_str(), l.quantity)), Some(("ONE-MORE", 4)));
    }

    #[test]
    fn setting_and_removing_keep_first_added_order() {
        let mut c = cart(&[("A", 1), ("B", 2), ("C", 3)]);
        c.set_line(sku("B"), 7).expect("set");
        c.remove_line(&sku("A"));
        c.set_line(sku("A"), 1).expect("re-added at the end");
        c.set_line(sku("Z"), 0).expect("nothing to remove");
        assert_eq!(quantities(&c), [("B".into(), 7), ("C".into(), 3), ("A".into(), 1)]);
    }

    #[test]
    fn merging_adds_up_caps_and_joins_coupons() {
        let mut mine = cart(&[("A", 1), ("B", 900)]);
        mine.coupon_codes = vec!["SAVE10".into()];
        let mut guest = cart(&[("B", 200), ("C", 2)]);
        guest.coupon_codes = vec!["save10".into(), "FREESHIP".into()];
        mine.merge_from(&guest).expect("merges");
        assert_eq!(quantities(&mine), [("A".into(), 1), ("B".into(), 1000), ("C".into(), 2)]);
        assert_eq!(mine.coupon_codes, ["SAVE10", "FREESHIP"]);
    }

    #[test]
    fn merging_past_the_line_limit_is_refused() {
        let mut mine = cart(&[]);
        for i in 0..MAX_LINES {
            mine.add_line(sku(&format!("M{i}")), 1).expect("fits");
        }
        let guest = cart(&[("G", 1)]);
        assert_eq!(mine.merge_from(&guest).expect_err("full").field, "lines");
    }

    #[test]
    fn guests_reach_guest_carts_customers_their_own() {
        let ada = CustomerId::generate();
        let bob = CustomerId::generate();
        assert!(may_reach(None, &Shopper::Guest));
        assert!(may_reach(None, &Shopper::Customer(ada.clone())));
        assert!(may_reach(Some(&ada), &Shopper::Customer(ada.clone())));
        assert!(!may_reach(Some(&ada), &Shopper::Customer(bob)));
        assert!(!may_reach(Some(&ada), &Shopper::Guest));
    }

    #[test]
    fn updates_change_only_what_is_present() {
        let mut c = cart(&[("A", 1)]);
        c.shipping_method = Some("standard".into());
        let update =
            ValidUpdate::parse(&CartUpdate { country: Some("FR".into()), ..CartUpdate::default() }).expect("valid");
        c.apply(&update);
        assert_eq!((c.country.as_str(), c.shipping_method.as_deref()), ("FR", Some("standard")));
        let remove = ValidUpdate::parse(&CartUpdate { shipping_method: Some(String::new()), ..CartUpdate::default() })
            .expect("valid");
        c.apply(&remove);
        assert_eq!(c.shipping_method, None);
        let bad = CartUpdate {
            country: Some("FRA".into()),
            coupon_codes: Some(vec!["x".repeat(65)]),
            ..CartUpdate::default()
        };
        let fields: Vec<String> = ValidUpdate::parse(&bad).expect_err("invalid").into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["country", "coupon_codes[0]"]);
    }

    #[test]
    fn empty_carts_are_not_priced() {
        assert!(cart(&[]).quote_request(None).is_none());
        let request = cart(&[("A", 2)]).quote_request(None).expect("priced");
        assert_eq!((request.lines.len(), request.lines[0].quantity, request.country.as_str()), (1, 2, "DE"));
    }
}
