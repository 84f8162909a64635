//! E-mail templates: the defaults every database is seeded with, validation of what staff
//! store, and rendering.
//!
//! Templates are minijinja (Jinja2 syntax) and are rendered with exactly one variable,
//! `order` — the order snapshot the event carries (`contracts::orders::Order` as JSON) — and
//! one filter, `money` (`{{ order.total | money }}` → `42.50 EUR`). Nothing else is
//! reachable from a template: no files, no other templates, no environment. Each render has
//! a fuel budget, which bounds both its time and the memory it may allocate, so a template
//! with a runaway loop fails instead of stalling the consumer. The `html` part is
//! HTML-escaped automatically; `subject` and `text` are not.

use contracts::money::{Currency, Money};
use contracts::notifications::{TemplateName, TemplateUpdate};
use contracts::orders::Order;
use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, ErrorKind};
use runtime::http::FieldError;
use serde::Serialize;

/// The largest template source, per part.
pub const MAX_TEMPLATE_BYTES: usize = 64 * 1024;
/// The longest subject, in characters, after rendering.
pub const MAX_SUBJECT_CHARS: usize = 255;
/// The largest rendered part.
pub const MAX_RENDERED_BYTES: usize = 1024 * 1024;
/// Fuel of one render: ample for an order of 100 lines, a few MB of allocation at most.
const FUEL: u64 = 200_000;

/// One part of a template, named as the field of the API body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The subject line.
    Subject,
    /// The plain-text body.
    Text,
    /// The HTML body (auto-escaped).
    Html,
}

impl Part {
    /// Every part, in body order.
    pub const ALL: [Part; 3] = [Part::Subject, Part::Text, Part::Html];

    /// The field's name (`subject`, `text`, `html`); also the template's name in errors.
    pub fn field(self) -> &'static str {
        match self {
            Part::Subject => "subject",
            Part::Text => "text",
            Part::Html => "html",
        }
    }
}

/// A template's three sources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateSource {
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML; empty for a plain-text e-mail.
    pub html: String,
}

impl TemplateSource {
    /// The source of `part`.
    pub fn part(&self, part: Part) -> &str {
        match part {
            Part::Subject => &self.subject,
            Part::Text => &self.text,
            Part::Html => &self.html,
        }
    }
}

/// What a template rendered to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// One line, at most [`MAX_SUBJECT_CHARS`].
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML (empty: none).
    pub html: String,
}

/// A template that could not be rendered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the `{field}` template failed: {message}")]
pub struct RenderError {
    /// Which part.
    pub field: &'static str,
    /// Why, for a person to read.
    pub message: String,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    env.set_auto_escape_callback(|name| if name == Part::Html.field() { AutoEscape::Html } else { AutoEscape::None });
    env.add_filter("money", money);
    env
}

/// `{{ amount | money }}`: a `Money` value (`{ amount, currency }`) as `12.34 EUR`.
fn money(value: Value) -> Result<String, minijinja::Error> {
    let invalid =
        || minijinja::Error::new(ErrorKind::InvalidOperation, "`money` needs a value with `amount` and `currency`");
    let amount = value.get_attr("amount").ok().and_then(|a| a.as_i64()).ok_or_else(invalid)?;
    let currency = value.get_attr("currency").ok().ok_or_else(invalid)?;
    let currency = currency.as_str().and_then(|c| Currency::parse(c).ok()).ok_or_else(invalid)?;
    Ok(Money::new(amount, currency).to_string())
}

fn describe(err: &minijinja::Error) -> String {
    let mut message = match err.kind() {
        ErrorKind::SyntaxError => "syntax error".to_owned(),
        ErrorKind::OutOfFuel => "the template does too much work (a runaway loop?)".to_owned(),
        kind => kind.to_string(),
    };
    if let Some(detail) = err.detail() {
        message.push_str(": ");
        message.push_str(detail);
    }
    if let Some(line) = err.line() {
        message.push_str(&format!(" (line {line})"));
    }
    message
}

#[derive(Serialize)]
struct Context<'a> {
    order: &'a Order,
}

fn render_part(env: &Environment<'static>, part: Part, source: &str, ctx: &Value) -> Result<String, RenderError> {
    let fail = |message: String| RenderError { field: part.field(), message };
    let template = env.template_from_named_str(part.field(), source).map_err(|e| fail(describe(&e)))?;
    let out = template.render(ctx.clone()).map_err(|e| fail(describe(&e)))?;
    if out.len() > MAX_RENDERED_BYTES {
        return Err(fail(format!("renders to {} bytes; at most {MAX_RENDERED_BYTES} are sent", out.len())));
    }
    Ok(out)
}

/// The subject as one line: control characters (line breaks) become spaces, runs of spaces
/// one, cut to [`MAX_SUBJECT_CHARS`] characters.
fn one_line(subject: &str) -> String {
    let spaced: String = subject.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let joined = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.chars().take(MAX_SUBJECT_CHARS).collect()
}

/// Renders `source` for `order`.
pub fn render(source: &TemplateSource, order: &Order) -> Result<Rendered, RenderError> {
    let env = environment();
    let ctx = Value::from(Serde(Context { order }));
    let subject = one_line(&render_part(&env, Part::Subject, &source.subject, &ctx)?);
    if subject.is_empty() {
        return Err(RenderError { field: Part::Subject.field(), message: "renders to an empty subject".into() });
    }
    let text = render_part(&env, Part::Text, &source.text, &ctx)?;
    let html =
        if source.html.trim().is_empty() { String::new() } else { render_part(&env, Part::Html, &source.html, &ctx)? };
    Ok(Rendered { subject, text, html })
}

/// Validates a template staff want to store: each part at most [`MAX_TEMPLATE_BYTES`],
/// `subject` and `text` not blank, every part compiles, and the whole renders for a sample
/// order (so that a wrong filter or a type error is found now, not when an order is placed).
/// Every invalid part is named.
pub fn validate(update: &TemplateUpdate) -> Result<TemplateSource, Vec<FieldError>> {
    let source =
        TemplateSource { subject: update.subject.clone(), text: update.text.clone(), html: update.html.clone() };
    let env = environment();
    let mut errors = Vec::new();
    for part in Part::ALL {
        let text = source.part(part);
        if text.len() > MAX_TEMPLATE_BYTES {
            errors.push(FieldError::new(
                part.field(),
                format!("is {} bytes; a template part holds at most {MAX_TEMPLATE_BYTES} bytes (64 KiB)", text.len()),
            ));
        } else if part != Part::Html && text.trim().is_empty() {
            errors.push(FieldError::new(part.field(), "must not be empty"));
        } else if let Err(err) = env.template_from_named_str(part.field(), text) {
            errors.push(FieldError::new(part.field(), format!("does not compile: {}", describe(&err))));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    render(&source, &sample_order()).map_err(|err| {
        vec![FieldError::new(err.field, format!("fails to render for a sample order: {}", err.message))]
    })?;
    Ok(source)
}

/// An order with every field filled, to try templates on.
pub fn sample_order() -> Order {
    use contracts::ids::{CartId, CheckoutId, OrderId, PaymentId, PromotionId, ReservationId, Sku};
    use contracts::orders::{Address, OrderHistoryEntry, OrderStatus};
    use contracts::payments::PaymentStatus;
    use contracts::pricing::{AppliedPromotion, QuoteLine, QuoteShipping};
    let eur = |amount| Money::new(amount, Currency::Eur);
    let id = |s: &str| format!("{s}_0193a4c1e7d27c3a9b1f4e2d8c6a5b40");
    let ids = (
        OrderId::parse(&id("ord")),
        CheckoutId::parse(&id("chk")),
        CartId::parse(&id("cart")),
        ReservationId::parse(&id("res")),
        PaymentId::parse(&id("pay")),
        PromotionId::parse(&id("promo")),
        Sku::parse("TEE-BLK-M"),
    );
    let (Ok(order_id), Ok(checkout_id), Ok(cart_id), Ok(reservation_id), Ok(payment_id), Ok(promo), Ok(sku)) = ids
    else {
        unreachable!("the sample ids are valid")
    };
    let at = "2025-01-01T12:00:00.000000Z".to_owned();
    Order {
        id: order_id,
        checkout_id,
        cart_id,
        customer_id: None,
        email: "ada@example.com".into(),
        status: OrderStatus::Placed,
        currency: Currency::Eur,
        lines: vec![QuoteLine {
            sku,
            quantity: 2,
            unit_price: eur(1999),
            subtotal: eur(3998),
            discount: eur(400),
            total: eur(3598),
            tax: eur(574),
        }],
        subtotal: eur(3998),
        discount_total: eur(400),
        shipping: Some(QuoteShipping { method: "standard".into(), amount: eur(495) }),
        tax_total: eur(653),
        total: eur(4093),
        tax_inclusive: true,
        applied_promotions: vec![AppliedPromotion { id: promo, name: "10 % off".into(), amount: eur(400) }],
        coupon_codes: vec!["SAVE10".into()],
        shipping_address: Address {
            name: "Ada Lovelace".into(),
            line1: "Main St 1".into(),
            line2: Some("2nd floor".into()),
            postal_code: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
        },
        reservation_id,
        payment_id,
        payment_status: PaymentStatus::Authorized,
        shipment: None,
        history: vec![OrderHistoryEntry { at: at.clone(), event: "placed".into(), note: "Placed.".into() }],
        created_at: at.clone(),
        updated_at: at,
        version: 1,
    }
}

/// The template every database starts with.
pub fn default_source(name: TemplateName) -> TemplateSource {
    let (subject, text, html) = match name {
        TemplateName::OrderPlaced => (PLACED_SUBJECT, PLACED_TEXT, PLACED_HTML),
        TemplateName::OrderCancelled => (CANCELLED_SUBJECT, CANCELLED_TEXT, CANCELLED_HTML),
        TemplateName::OrderShipped => (SHIPPED_SUBJECT, SHIPPED_TEXT, SHIPPED_HTML),
    };
    TemplateSource { subject: subject.to_owned(), text: text.to_owned(), html: html.to_owned() }
}

const PLACED_SUBJECT: &str = "Your order {{ order.id }} is confirmed";

const PLACED_TEXT: &str = "\
Hello {{ order.shipping_address.name }},

thank you for your order. We have received it and will let you know when it ships.

Order {{ order.id }}
{% for line in order.lines %}
  {{ line.quantity }} x {{ line.sku }}: {{ line.total | money }}
{%- endfor %}

Subtotal: {{ order.subtotal | money }}
{%- if order.discount_total.amount %}
Discount: -{{ order.discount_total | money }}
{%- endif %}
{%- if order.shipping %}
Shipping ({{ order.shipping.method }}): {{ order.shipping.amount | money }}
{%- endif %}
Tax{% if order.tax_inclusive %} (included){% endif %}: {{ order.tax_total | money }}
Total: {{ order.total | money }}

Shipping to:
{{ order.shipping_address.name }}
{{ order.shipping_address.line1 }}
{%- if order.shipping_address.line2 %}
{{ order.shipping_address.line2 }}
{%- endif %}
{{ order.shipping_address.postal_code }} {{ order.shipping_address.city }}
{{ order.shipping_address.country }}

Mercato
";

const PLACED_HTML: &str = r#"<!DOCTYPE html>
<html>
<body style="font-family: sans-serif; color: #222;">
<p>Hello {{ order.shipping_address.name }},</p>
<p>thank you for your order. We have received it and will let you know when it ships.</p>
<h2 style="font-size: 1.1em;">Order {{ order.id }}</h2>
<table style="border-collapse: collapse;">
{%- for line in order.lines %}
<tr><td style="padding: 2px 12px 2px 0;">{{ line.quantity }} &times; {{ line.sku }}</td><td style="text-align: right;">{{ line.total | money }}</td></tr>
{%- endfor %}
<tr><td style="padding: 2px 12px 2px 0;">Subtotal</td><td style="text-align: right;">{{ order.subtotal | money }}</td></tr>
{%- if order.discount_total.amount %}
<tr><td style="padding: 2px 12px 2px 0;">Discount</td><td style="text-align: right;">-{{ order.discount_total | money }}</td></tr>
{%- endif %}
{%- if order.shipping %}
<tr><td style="padding: 2px 12px 2px 0;">Shipping ({{ order.shipping.method }})</td><td style="text-align: right;">{{ order.shipping.amount | money }}</td></tr>
{%- endif %}
<tr><td style="padding: 2px 12px 2px 0;">Tax{% if order.tax_inclusive %} (included){% endif %}</td><td style="text-align: right;">{{ order.tax_total | money }}</td></tr>
<tr><td style="padding: 2px 12px 2px 0;"><strong>Total</strong></td><td style="text-align: right;"><strong>{{ order.total | money }}</strong></td></tr>
</table>
<p>Shipping to:<br>
{{ order.shipping_address.name }}<br>
{{ order.shipping_address.line1 }}<br>
{%- if order.shipping_address.line2 %}
{{ order.shipping_address.line2 }}<br>
{%- endif %}
{{ order.shipping_address.postal_code }} {{ order.shipping_address.city }}<br>
{{ order.shipping_address.country }}</p>
<p>Mercato</p>
</body>
</html>
"#;

const SHIPPED_SUBJECT: &str = "Your order {{ order.id }} is on its way";

const SHIPPED_TEXT: &str = "\
Hello {{ order.shipping_address.name }},

your order {{ order.id }} is on its way.
{%- if order.shipment %}
Carrier: {{ order.shipment.carrier }}
Tracking number: {{ order.shipment.tracking_number }}
{%- endif %}
{% for line in order.lines %}
  {{ line.quantity }} x {{ line.sku }}
{%- endfor %}

Total charged: {{ order.total | money }}

Going to:
{{ order.shipping_address.name }}
{{ order.shipping_address.line1 }}
{%- if order.shipping_address.line2 %}
{{ order.shipping_address.line2 }}
{%- endif %}
{{ order.shipping_address.postal_code }} {{ order.shipping_address.city }}
{{ order.shipping_address.country }}

Mercato
";

const SHIPPED_HTML: &str = r#"<!DOCTYPE html>
<html>
<body style="font-family: sans-serif; color: #222;">
<p>Hello {{ order.shipping_address.name }},</p>
<p>your order <strong>{{ order.id }}</strong> is on its way.</p>
{%- if order.shipment %}
<p>Carrier: {{ order.shipment.carrier }}<br>
Tracking number: <strong>{{ order.shipment.tracking_number }}</strong></p>
{%- endif %}
<ul>
{%- for line in order.lines %}
<li>{{ line.quantity }} &times; {{ line.sku }}</li>
{%- endfor %}
</ul>
<p>Total charged: <strong>{{ order.total | money }}</strong></p>
<p>Going to:<br>
{{ order.shipping_address.name }}<br>
{{ order.shipping_address.line1 }}<br>
{%- if order.shipping_address.line2 %}
{{ order.shipping_address.line2 }}<br>
{%- endif %}
{{ order.shipping_address.postal_code }} {{ order.shipping_address.city }}<br>
{{ order.shipping_address.country }}</p>
<p>Mercato</p>
</body>
</html>
"#;

const CANCELLED_SUBJECT: &str = "Your order {{ order.id }} was cancelled";

const CANCELLED_TEXT: &str = "\
Hello {{ order.shipping_address.name }},

your order {{ order.id }} of {{ order.created_at[:10] }} over {{ order.total | money }} was cancelled.
Nothing was charged: the payment was released{% if order.payment_status == \"refunded\" %}, and what was already taken has been refunded{% endif %}.

If you did not ask for this, just reply to this e-mail.

Mercato
";

const CANCELLED_HTML: &str = r#"<!DOCTYPE html>
<html>
<body style="font-family: sans-serif; color: #222;">
<p>Hello {{ order.shipping_address.name }},</p>
<p>your order <strong>{{ order.id }}</strong> of {{ order.created_at[:10] }} over <strong>{{ order.total | money }}</strong> was cancelled.
Nothing was charged: the payment was released{% if order.payment_status == "refunded" %}, and what was already taken has been refunded{% endif %}.</p>
<p>If you did not ask for this, just reply to this e-mail.</p>
<p>Mercato</p>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn update(subject: &str, text: &str, html: &str) -> TemplateUpdate {
        TemplateUpdate { subject: subject.into(), text: text.into(), html: html.into() }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn the_defaults_render_the_order() {
        let order = sample_order();
        for name in TemplateName::ALL {
            let source = default_source(name);
            validate(&update(&source.subject, &source.text, &source.html)).expect("defaults are valid");
            let out = render(&source, &order).expect("renders");
            assert!(out.subject.contains(order.id.as_str()), "{name:?}: {}", out.subject);
            assert!(out.text.contains("40.93 EUR"), "{name:?}: {}", out.text);
            assert!(out.html.contains("40.93 EUR"), "{name:?}: {}", out.html);
        }
        let placed = render(&default_source(TemplateName::OrderPlaced), &order).expect("renders");
        assert!(placed.text.contains("  2 x TEE-BLK-M: 35.98 EUR\n"), "{}", placed.text);
        assert!(placed.text.contains("\nDiscount: -4.00 EUR\nShipping (standard): 4.95 EUR\n"), "{}", placed.text);
        assert!(placed.text.contains("Main St 1\n2nd floor\n10115 Berlin\nDE\n"), "{}", placed.text);
    }

    #[test]
    fn the_shipment_notice_names_carrier_and_tracking_number() {
        let mut order = sample_order();
        order.status = contracts::orders::OrderStatus::Shipped;
        order.shipment = Some(contracts::orders::Shipment {
            carrier: "DHL".into(),
            tracking_number: "00340434161094042557".into(),
            shipped_at: "2026-01-02T10:00:00Z".into(),
        });
        let out = render(&default_source(TemplateName::OrderShipped), &order).expect("renders");
        assert!(out.subject.ends_with("is on its way"), "{}", out.subject);
        assert!(out.text.contains("Carrier: DHL\nTracking number: 00340434161094042557\n"), "{}", out.text);
        assert!(out.html.contains("<strong>00340434161094042557</strong>"), "{}", out.html);
    }

    #[test]
    fn optional_parts_of_the_order_may_be_missing() {
        let mut order = sample_order();
        order.shipping = None;
        order.shipping_address.line2 = None;
        order.discount_total = Money::new(0, Currency::Eur);
        let out = render(&default_source(TemplateName::OrderPlaced), &order).expect("renders");
        assert!(!out.text.contains("Shipping (") && !out.text.contains("Discount"), "{}", out.text);
        assert!(out.text.contains("Main St 1\n10115 Berlin"), "{}", out.text);
    }

    #[test]
    fn html_is_escaped_text_is_not_and_the_subject_is_one_line() {
        let mut order = sample_order();
        order.shipping_address.name = "<b>Ada</b> & co".into();
        let source = TemplateSource {
            subject: "Hi {{ order.shipping_address.name }}\r\nBcc: evil@example.com".into(),
            text: "{{ order.shipping_address.name }}".into(),
            html: "<p>{{ order.shipping_address.name }}</p>".into(),
        };
        let out = render(&source, &order).expect("renders");
        assert_eq!(out.subject, "Hi <b>Ada</b> & co Bcc: evil@example.com");
        assert_eq!(out.text, "<b>Ada</b> & co");
        assert_eq!(out.html, "<p>&lt;b&gt;Ada&lt;&#x2f;b&gt; &amp; co</p>");
    }

    #[test]
    fn invalid_templates_name_their_field() {
        let errors = validate(&update("{{ order.id", "ok", "{% for x in order.lines %}")).expect_err("invalid");
        assert_eq!(fields(&errors), ["subject", "html"]);
        assert!(errors[0].message.contains("syntax error"), "{}", errors[0].message);
        assert!(errors[1].message.contains("line 1"), "{}", errors[1].message);

        let errors = validate(&update("s", " ", "")).expect_err("blank text");
        assert_eq!(fields(&errors), ["text"]);

        let errors = validate(&update("s", &"x".repeat(MAX_TEMPLATE_BYTES + 1), "")).expect_err("too large");
        assert_eq!(fields(&errors), ["text"]);
        assert!(errors[0].message.contains("64 KiB"));

        let errors = validate(&update("s", "{{ order.total | nosuchfilter }}", "")).expect_err("unknown filter");
        assert_eq!(fields(&errors), ["text"]);
        let errors = validate(&update("s", "t", "{{ order.id | money }}")).expect_err("type error");
        assert_eq!(fields(&errors), ["html"]);
        assert!(errors[0].message.contains("money"), "{}", errors[0].message);
    }

    #[test]
    fn runaway_templates_run_out_of_fuel() {
        let source = TemplateSource {
            subject: "s".into(),
            text: "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}".into(),
            html: String::new(),
        };
        let err = render(&source, &sample_order()).expect_err("stopped");
        assert_eq!(err.field, "text");
        assert!(err.message.contains("too much work"), "{}", err.message);
    }
}
