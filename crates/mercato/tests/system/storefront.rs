//! The storefront over plain HTTP, where a browser is not needed: every page stays small and
//! labels its inputs; checkout refuses bad input and declined cards next to the fields and
//! makes one order of a double submit; category and search pages fall back to catalog's
//! listing when search is gone, and the cart shows no prices (and no checkout) while pricing
//! fails.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use crate::browser::{demo_platform, product_in_stock};
use crate::platform::{Platform, eventually};
use crate::shop::{APPROVED, DECLINED};

/// A cookie-keeping shopper that follows redirects itself (reqwest here has no cookie store).
struct Visitor<'a> {
    p: &'a Platform,
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

impl<'a> Visitor<'a> {
    fn new(p: &'a Platform) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Self { p, http, cookies: BTreeMap::new() }
    }

    fn keep(&mut self, response: &reqwest::Response) {
        for cookie in response.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let pair = cookie.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if cookie.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    /// GET `path`, following redirects; the final status and HTML.
    async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let mut path = path.to_owned();
        for _ in 0..5 {
            let r = self
                .http
                .get(format!("{}{path}", self.p.gateway))
                .header(COOKIE, self.cookie_header())
                .send()
                .await
                .expect("sent");
            self.keep(&r);
            if r.status() == StatusCode::SEE_OTHER {
                path = r.headers()[LOCATION].to_str().expect("location").to_owned();
                continue;
            }
            let status = r.status();
            return (status, r.text().await.expect("html"));
        }
        panic!("too many redirects from {path}");
    }

    /// POSTs a form to `path`; the redirect target, or the re-rendered page's status and HTML.
    async fn post<V: AsRef<str>>(&mut self, path: &str, form: &[(&str, V)]) -> Result<String, (StatusCode, String)> {
        let body =
            form.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v.as_ref()))).collect::<Vec<_>>().join("&");
        let r = self
            .http
            .post(format!("{}{path}", self.p.gateway))
            .header(COOKIE, self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("sent");
        self.keep(&r);
        if r.status() == StatusCode::SEE_OTHER {
            Ok(r.headers()[LOCATION].to_str().expect("location").to_owned())
        } else {
            let status = r.status();
            Err((status, r.text().await.unwrap_or_default()))
        }
    }
}

/// `text` as a form value (`application/x-www-form-urlencoded`).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every input, select and textarea a person fills in has a label, and every image an alt.
fn assert_accessible(path: &str, html: &str) {
    for tag in html.split('<').skip(1) {
        let name = tag.split([' ', '>']).next().unwrap_or_default();
        let fillable = matches!(name, "input" | "select" | "textarea")
            && !["type=\"hidden\"", "type=\"checkbox\"", "type=\"radio\"", "type=\"submit\""]
                .iter()
                .any(|t| tag.contains(t));
        if fillable {
            let id = tag.split("id=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default();
            assert!(
                !id.is_empty() && html.contains(&format!("for=\"{id}\"")),
                "{path}: <{name}> without a label: <{tag}"
            );
        }
        if name == "img" {
            assert!(tag.contains("alt=\""), "{path}: an image without alt text: <{tag}");
        }
        if matches!(name, "input") && (tag.contains("type=\"checkbox\"") || tag.contains("type=\"radio\"")) {
            // Checkboxes and radios sit inside their label.
            let before = html.split(&format!("<{tag}")).next().unwrap_or_default();
            assert!(
                before.rfind("<label").unwrap_or(0) > before.rfind("</label>").unwrap_or(0),
                "{path}: a choice outside a label"
            );
        }
    }
}

#[tokio::test]
async fn shop_pages_stay_small_and_labelled_refuse_cleanly_and_degrade() {
    let p = demo_platform(20).await;
    let slug = product_in_stock(&p).await;
    let css = p.get("/assets/storefront.css?v=1").await;
    assert_eq!(css.status(), StatusCode::OK);
    let css_len = css.text().await.expect("css").len();

    let mut shopper = Visitor::new(&p);
    let category = {
        let categories = p.get_json("/api/v1/categories").await;
        let leaf = categories["data"].as_array().expect("categories").iter().find(|c| !c["parent"].is_null()).cloned();
        leaf.expect("a leaf category")["slug"].as_str().expect("slug").to_owned()
    };
    let added =
        shopper.post("/cart/lines", &[("sku", first_available_sku(&p, &slug).await.as_str()), ("quantity", "1")]).await;
    assert_eq!(added.as_deref(), Ok("/cart"));
    let pages = [
        "/".to_owned(),
        format!("/categories/{category}"),
        "/search?q=a".to_owned(),
        format!("/products/{slug}"),
        "/cart".to_owned(),
        "/checkout".to_owned(),
        "/account/login".to_owned(),
        "/account/signup".to_owned(),
    ];
    for path in &pages {
        let (status, html) = shopper.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        assert!(html.len() + css_len < 50 * 1024, "{path}: {} bytes of HTML and {css_len} of CSS", html.len());
        assert!(html.contains("<main id=\"main\""), "{path}");
        assert_accessible(path, &html);
    }
    let (_, product) = shopper.get(&format!("/products/{slug}")).await;
    assert!(product.contains("Availability by location") && product.contains("id=\"add\""), "{product}");
    let (_, checkout) = shopper.get("/checkout").await;
    assert!(checkout.contains("name=\"idempotency_key\"") && checkout.contains("name=\"quote_signature\""));
    assert!(checkout.contains("Standard"), "the shipping methods pricing offers: {checkout}");

    // A checkout with missing fields is refused next to the fields, the input kept.
    let refused = shopper.post("/checkout", &[("email", "not-an-address"), ("city", "Berlin")]).await;
    let (status, html) = refused.expect_err("refused");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Enter an e-mail address") && html.contains("value=\"Berlin\""), "{html}");

    // A declined card: said next to the card number, nothing ordered.
    let (status, html) = shopper.post("/checkout", &checkout_form(&checkout, DECLINED)).await.expect_err("declined");
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert!(html.contains("This card was declined"), "{html}");
    assert!(!html.contains(DECLINED), "a card number is never shown again");

    // A double submit of one rendered form makes one order: both answers lead to it.
    let (_, checkout) = shopper.get("/checkout").await;
    let form = checkout_form(&checkout, APPROVED);
    let mut twin = Visitor { p: &p, http: shopper.http.clone(), cookies: shopper.cookies.clone() };
    let (first, second) = tokio::join!(shopper.post("/checkout", &form), twin.post("/checkout", &form));
    let first = first.expect("placed");
    assert!(first.starts_with("/confirmation/ord_"), "{first}");
    assert_eq!(second.expect("placed"), first, "the same order");
    let orders = p
        .http
        .get(format!("{}/api/v1/orders?email=double%40example.com", p.gateway))
        .bearer_auth(&p.token)
        .send()
        .await
        .expect("sent");
    let orders: serde_json::Value = orders.json().await.expect("json");
    assert_eq!(orders["data"].as_array().map(Vec::len), Some(1), "{orders}");
    let (status, html) = shopper.get(&first).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(first.trim_start_matches("/confirmation/")), "the confirmation names the order");

    // Search gone: category and search pages list catalog's products, saying filters are off.
    crate::browser::chaos(&p, &["kill", "search", "--for", "60s"]).await;
    eventually("search is down", Duration::from_secs(20), || async {
        p.get("/api/v1/search?limit=1").await.status().is_server_error()
    })
    .await;
    let (status, html) = shopper.get(&format!("/categories/{category}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Filters unavailable") && html.contains("class=\"card product-card\""), "{html}");
    assert!(html.contains("data-degraded=\"search\""));
    let (status, html) = shopper.get("/search?q=anything").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Search and filters are unavailable right now"), "{html}");
    assert!(html.contains("/products/"), "the catalog instead: {html}");

    // Pricing failing: the cart keeps the shopper's line but shows no prices and no checkout.
    crate::browser::chaos(&p, &["fail", "pricing", "--for", "60s"]).await;
    let sku = first_available_sku(&p, &slug).await;
    let added = shopper.post("/cart/lines", &[("sku", sku.as_str()), ("quantity", "1")]).await;
    assert_eq!(added.as_deref(), Ok("/cart"), "a line is kept while pricing fails");
    let (status, html) = shopper.get("/cart").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"prices-unavailable\"") && html.contains(&sku), "{html}");
    assert!(html.contains("<button type=\"button\" disabled id=\"checkout\">"), "checkout is disabled: {html}");
    crate::browser::chaos(&p, &["heal", "pricing"]).await;
}

/// The value of the hidden field `name` of a rendered form.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let rest = html.split(&marker).nth(1).unwrap_or_else(|| panic!("no hidden {name}"));
    rest.split('"').next().unwrap_or_default().to_owned()
}

/// The checkout form as a shopper fills it in on the rendered page `html`, paying with `card`.
fn checkout_form(html: &str, card: &'static str) -> Vec<(&'static str, String)> {
    let mut form: Vec<(&'static str, String)> =
        ["idempotency_key", "quote_signature", "cart_id", "country", "shipping_method"]
            .into_iter()
            .map(|name| (name, hidden(html, name)))
            .collect();
    for (name, value) in [
        ("email", "double@example.com"),
        ("name", "Ada Lovelace"),
        ("line1", "Unter den Linden 1"),
        ("postal_code", "10117"),
        ("city", "Berlin"),
        ("card_number", card),
        ("exp_month", "12"),
        ("exp_year", "2035"),
        ("cvc", "123"),
    ] {
        form.push((name, value.to_owned()));
    }
    form
}

/// The SKU of `slug`'s first variant that is in stock somewhere.
async fn first_available_sku(p: &Platform, slug: &str) -> String {
    let page = p.get_json(&format!("/api/v1/product-pages/{slug}")).await;
    page["availability"]
        .as_array()
        .and_then(|a| a.iter().find(|v| v["available"].as_i64() > Some(0)))
        .and_then(|v| v["sku"].as_str())
        .expect("a variant in stock")
        .to_owned()
}
