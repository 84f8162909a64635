//! The admin console through the gateway, as a browser uses it: plain form posts with the
//! session cookies, redirects after success, and what staff do there checked against the API.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::platform::{Platform, eventually};
use crate::shop::{APPROVED, Shop};

const STAFF_EMAIL: &str = "clerk@example.com";
const STAFF_PASSWORD: &str = "console password 1";

/// A browser without script: keeps cookies, never follows redirects, so tests see each step.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

/// One answer: status, `Location`, the `Set-Cookie` lines and the body.
struct Page {
    status: StatusCode,
    location: String,
    set_cookies: Vec<String>,
    body: String,
}

impl Browser {
    fn new(p: &Platform) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Self { http, base: p.gateway.clone(), cookies: HashMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        let status = response.status();
        let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let set_cookies: Vec<String> =
            response.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
        for line in &set_cookies {
            let pair = line.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || line.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        Page { status, location, set_cookies, body: response.text().await.unwrap_or_default() }
    }

    async fn get(&mut self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("sent");
        self.read(response).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        use console::api::encode;
        let body: Vec<String> = form.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.join("&"))
            .send()
            .await
            .expect("sent");
        self.read(response).await
    }

    async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        self.post("/admin/login", &[("email", email), ("password", password), ("next", "/admin/products")]).await
    }
}

/// The value of the hidden input `name` in `html`.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).map(|i| i + marker.len()).unwrap_or_else(|| panic!("no {name} in {html}"));
    html[start..].split('"').next().unwrap_or_default().to_owned()
}

async fn create_staff_user(p: &Platform) {
    let r = p
        .post(
            "/api/v1/staff-users",
            &json!({ "email": STAFF_EMAIL, "password": STAFF_PASSWORD, "name": "Clerk", "role": "staff" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap_or_default());
}

async fn order_json(shop: &Shop, id: &str) -> Value {
    shop.staff_get(&format!("/api/v1/orders/{id}")).await
}

/// Places an order of one `sku` through the API as a guest; returns its id.
async fn place_order(shop: &Shop, sku: &str, key: &str) -> String {
    let cart = shop.cart(None, &[(sku, 1)]).await;
    let r = shop.checkout(None, key, &Shop::checkout_body(&cart, APPROVED)).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap_or_default());
    let order: Value = r.json().await.expect("json");
    order["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn staff_run_the_shop_from_the_console() {
    let p = Platform::start(&[]).await;
    p.create_location("berlin").await;
    create_staff_user(&p).await;
    let mut browser = Browser::new(&p);

    // Nobody signed in: every page leads to the sign-in page, which returns afterwards.
    let page = browser.get("/admin/products").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location, "/admin/login?next=%2Fadmin%2Fproducts");
    let login = browser.get(&page.location).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("id=\"sign-in\""), "{}", login.body);

    // A wrong password is said so, the e-mail kept, no session given.
    let wrong = browser.sign_in(STAFF_EMAIL, "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong e-mail or password"), "{}", wrong.body);
    assert!(wrong.body.contains(&format!("value=\"{STAFF_EMAIL}\"")));
    assert!(browser.cookies.is_empty());

    let signed_in = browser.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    assert_eq!(signed_in.location, "/admin/products");
    assert_eq!(signed_in.set_cookies.len(), 2);
    assert!(signed_in.set_cookies.iter().all(|c| c.contains("HttpOnly") && c.contains("SameSite=Lax")));

    // A product created through the form, refused first for its price, keeping the input.
    let form = browser.get("/admin/products/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let key = hidden(&form.body, "key");
    let mut fields = vec![
        ("name", "Console Linen Shirt"),
        ("slug", "console-linen-shirt"),
        ("description", "Made in the console."),
        ("category", ""),
        ("sku", "CON-LIN-M"),
        ("price", "12.345"),
        ("key", key.as_str()),
    ];
    let refused = browser.post("/admin/products", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("has more than 2 decimals"), "{}", refused.body);
    assert!(refused.body.contains("value=\"Console Linen Shirt\""), "input kept");
    fields[5] = ("price", "12.50");
    let created = browser.post("/admin/products", &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let product_path = created.location.split('?').next().unwrap_or_default().to_owned();
    assert!(product_path.starts_with("/admin/products/prod_"), "{}", created.location);
    let product_id = product_path.trim_start_matches("/admin/products/").to_owned();

    // The API has it, and the general price list sells it.
    let product = p.get_json("/api/v1/products/console-linen-shirt").await;
    assert_eq!(product["id"], product_id.as_str());
    assert_eq!(product["variants"][0]["sku"], "CON-LIN-M");
    let prices = p.get_json("/api/v1/prices?sku=CON-LIN-M&currency=EUR").await;
    assert_eq!(prices["data"][0]["unit_price"], json!({ "amount": 1250, "currency": "EUR" }));
    let shown = browser.get(&created.location).await;
    assert!(shown.body.contains("Product created and priced"), "{}", shown.body);
    assert!(shown.body.contains("12.50 EUR"));

    // A slug another product has: the catalog's refusal shows next to the field.
    let form = browser.get("/admin/products/new").await;
    let key = hidden(&form.body, "key");
    let taken = browser
        .post(
            "/admin/products",
            &[("name", "Twin"), ("slug", "console-linen-shirt"), ("sku", "CON-TWIN"), ("price", "3"), ("key", &key)],
        )
        .await;
    assert!(taken.status.is_client_error(), "{}", taken.status);
    assert!(taken.body.contains("aria-invalid=\"true\""), "{}", taken.body);
    assert!(taken.body.contains("value=\"Twin\""));

    // Stock, once inventory has learnt the SKU from catalog's events.
    let stock_path = format!("{product_path}/stock");
    let mut stock_page = browser.get(&stock_path).await;
    let until = tokio::time::Instant::now() + Duration::from_secs(20);
    while stock_page.body.contains("does not know") {
        assert!(tokio::time::Instant::now() < until, "inventory never learnt the SKU");
        tokio::time::sleep(Duration::from_millis(100)).await;
        stock_page = browser.get(&stock_path).await;
    }
    assert_eq!(stock_page.status, StatusCode::OK);
    assert!(stock_page.body.contains("name=\"q_0_0\""), "{}", stock_page.body);
    let bad = browser.post(&stock_path, &[("q_0_0", "-3")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("value=\"-3\"") && bad.body.contains("must be a whole number"));
    let saved = browser.post(&stock_path, &[("q_0_0", "7")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location, format!("{stock_path}?notice=saved"));
    let availability = p.get_json("/api/v1/availability?sku=CON-LIN-M").await;
    assert_eq!(availability["data"][0]["available"], 7);

    // Orders placed through the API: one captured, one cancelled, the captured one refunded.
    let shop = Shop { p };
    let tax = shop.staff_put("/api/v1/tax-rules/DE", &json!({ "rate_bp": 1900, "inclusive": true })).await;
    assert!(tax.status().is_success());
    let rate = shop
        .staff_post(
            "/api/v1/shipping-rates",
            &json!({ "method": "standard", "countries": ["DE"], "amount": { "amount": 495, "currency": "EUR" } }),
        )
        .await;
    assert_eq!(rate.status(), StatusCode::CREATED);
    let kept = place_order(&shop, "CON-LIN-M", "console-order-1").await;
    let dropped = place_order(&shop, "CON-LIN-M", "console-order-2").await;

    let order_page = browser.get(&format!("/admin/orders/{kept}")).await;
    assert_eq!(order_page.status, StatusCode::OK);
    assert!(order_page.body.contains("id=\"capture\""), "{}", order_page.body);
    let captured = browser.post(&format!("/admin/orders/{kept}/capture"), &[]).await;
    assert_eq!(captured.status, StatusCode::SEE_OTHER, "{}", captured.body);
    assert_eq!(order_json(&shop, &kept).await["payment_status"], "captured");

    // Shipping: a bad tracking number is refused on the form, keeping what was typed.
    let page = browser.get(&format!("/admin/orders/{kept}")).await;
    assert!(page.body.contains("id=\"ship\""), "{}", page.body);
    let bad = browser
        .post(&format!("/admin/orders/{kept}/ship"), &[("carrier", "DHL"), ("tracking_number", "has spaces")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.body.contains("value=\"has spaces\"") && bad.body.contains("id=\"tracking_number-error\""),
        "{}",
        bad.body
    );
    let shipped = browser
        .post(&format!("/admin/orders/{kept}/ship"), &[("carrier", "DHL"), ("tracking_number", "JJD0001")])
        .await;
    assert_eq!(shipped.status, StatusCode::SEE_OTHER, "{}", shipped.body);
    let order = order_json(&shop, &kept).await;
    assert_eq!((&order["status"], &order["shipment"]["tracking_number"]), (&json!("shipped"), &json!("JJD0001")));
    let page = browser.get(&format!("/admin/orders/{kept}")).await;
    assert!(page.body.contains("id=\"order-shipment\"") && !page.body.contains("id=\"ship\""), "{}", page.body);

    // Cancelling asks first; only the confirmation's post cancels.
    let ask = browser.get(&format!("/admin/orders/{dropped}/cancel")).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.body.contains("id=\"confirm\""));
    assert_eq!(order_json(&shop, &dropped).await["status"], "placed", "asking changes nothing");
    let cancelled = browser.post(&format!("/admin/orders/{dropped}/cancel"), &[("confirm", "yes")]).await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER, "{}", cancelled.body);
    assert_eq!(order_json(&shop, &dropped).await["status"], "cancelled");
    // Cancelling again is refused with the API's reason on the confirmation page.
    let again = browser.post(&format!("/admin/orders/{dropped}/cancel"), &[("confirm", "yes")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    let list = browser.get("/admin/orders?status=cancelled").await;
    assert!(list.body.contains(&dropped) && !list.body.contains(&kept), "{}", list.body);

    let too_much = browser.post(&format!("/admin/orders/{kept}/refund"), &[("amount", "abc")]).await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_much.body.contains("value=\"abc\""));
    let refunded = browser.post(&format!("/admin/orders/{kept}/refund"), &[("amount", "1.00")]).await;
    assert_eq!(refunded.status, StatusCode::SEE_OTHER, "{}", refunded.body);
    let payment_id = order_json(&shop, &kept).await["payment_id"].as_str().expect("payment").to_owned();
    let payment = shop.staff_get(&format!("/api/v1/payments/{payment_id}")).await;
    assert_eq!(payment["refunded"]["amount"], 100);

    // A customer put in a group from the console.
    shop.signup("grouped@example.com").await;
    let customers = browser.get("/admin/customers?email=grouped%40example.com").await;
    assert!(customers.body.contains("grouped@example.com"), "{}", customers.body);
    let page = shop.staff_get("/api/v1/customers?email=grouped%40example.com").await;
    let customer_id = page["data"][0]["id"].as_str().expect("customer").to_owned();
    let set = browser
        .post(
            &format!("/admin/customers/{customer_id}"),
            &[("customer_group", "vip"), ("email", "grouped@example.com")],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let page = shop.staff_get("/api/v1/customers?email=grouped%40example.com").await;
    assert_eq!(page["data"][0]["customer_group"], "vip");
    let bad_group =
        browser.post(&format!("/admin/customers/{customer_id}"), &[("customer_group", "Not A Group")]).await;
    assert_eq!(bad_group.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_group.body.contains("lower-case"), "{}", bad_group.body);

    // The Platform page: every service the supervisor runs, with its instances ready.
    let running: Vec<String> = shop.p.status().await["services"]
        .as_array()
        .expect("services")
        .iter()
        .filter(|s| s["instances"].as_array().is_some_and(|i| !i.is_empty()))
        .map(|s| s["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(running.iter().any(|s| s == "console"));
    let platform = browser.get("/admin/platform").await;
    assert_eq!(platform.status, StatusCode::OK);
    for service in &running {
        assert!(platform.body.contains(&format!("<th scope=\"row\">{service}</th>")), "{service} missing");
    }
    eventually("every service ready with live request rates", Duration::from_secs(20), || {
        let http = browser.http.clone();
        let url = format!("{}/admin/platform.json", browser.base);
        let cookie = browser.cookie_header();
        let running = running.clone();
        async move {
            let Ok(response) = http.get(url).header(COOKIE, cookie).send().await else { return false };
            let Ok(view) = response.json::<Value>().await else { return false };
            let services = view["services"].as_array().cloned().unwrap_or_default();
            running.iter().all(|name| {
                services.iter().any(|s| {
                    s["name"] == name.as_str()
                        && s["instances"].as_array().is_some_and(|i| {
                            !i.is_empty() && i.iter().all(|i| i["health"] == "ready" && i["request_rate"].is_number())
                        })
                })
            })
        }
    })
    .await;

    // Without its access token the session renews itself from the refresh token.
    browser.cookies.remove("mercato_console_access");
    let renewed = browser.get("/admin/orders").await;
    assert_eq!(renewed.status, StatusCode::OK);
    assert!(renewed.set_cookies.iter().any(|c| c.starts_with("mercato_console_access=")));

    // Signing out ends the session: its refresh token no longer works either.
    let refresh = browser.cookies.get("mercato_console_refresh").cloned().expect("refresh cookie");
    let out = browser.post("/admin/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(browser.cookies.is_empty(), "cookies removed: {:?}", browser.cookies);
    browser.cookies.insert("mercato_console_refresh".into(), refresh);
    let after = browser.get("/admin/orders").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location.starts_with("/admin/login"));
}

#[tokio::test]
async fn a_customer_gets_no_console_access() {
    let p = Platform::start(&[]).await;
    let shop = Shop { p };
    let token = shop.signup("shopper@example.com").await;
    let mut browser = Browser::new(&shop.p);

    // A customer's credentials do not sign in to the console.
    let refused = browser.sign_in("shopper@example.com", "correct horse battery").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(browser.cookies.is_empty());

    // Nor does a customer's token put where the console's would be: no data, a 403 page.
    browser.cookies.insert("mercato_console_access".into(), token.clone());
    for path in ["/admin/products", "/admin/orders", "/admin/customers", "/admin/platform.json"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.body.contains("not a staff account"), "{path}: {}", page.body);
        assert!(!page.body.contains("shopper@example.com"), "{path} leaks data");
    }
    let post = browser.post("/admin/products", &[("name", "x"), ("sku", "X-1"), ("price", "1")]).await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    let products = shop.p.get_json("/api/v1/products").await;
    assert_eq!(products["data"].as_array().map(Vec::len), Some(0), "nothing was created");

    // A forged token is nobody: back to signing in.
    browser.cookies.insert("mercato_console_access".into(), format!("{token}x"));
    let page = browser.get("/admin/orders").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location.starts_with("/admin/login"));
}
