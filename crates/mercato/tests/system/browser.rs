//! The shop in a real browser: headless Chromium driven through Debian's `chromedriver`
//! (WebDriver), against a whole platform started with `mercato up`. Each test starts its own
//! chromedriver on a free port (killed with its browser when the test ends), waits for
//! elements with deadlines (never fixed sleeps), and saves screenshots of its key steps to
//! `target/browser-artifacts/<test>/<step>.png`.
//!
//! Without `/usr/bin/chromedriver` the tests fail, saying what to install: a skipped browser
//! test proves nothing.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

use crate::platform::{Platform, eventually};
use crate::shop::{APPROVED, Shop};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// How long an element may take to appear (a page that calls several services, on a busy CI
/// machine with two cores).
const ELEMENT_WAIT: Duration = Duration::from_secs(30);

/// A chromedriver process of this test, in its own process group so that the browsers it
/// starts go with it.
struct Chromedriver {
    child: std::process::Child,
    url: String,
}

impl Chromedriver {
    async fn start() -> Self {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "browser tests need {CHROMIUM} and {CHROMEDRIVER}: install Debian's `chromium chromium-driver` \
             (apt-get install chromium chromium-driver)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let child = {
            use std::os::unix::process::CommandExt as _;
            std::process::Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("chromedriver starts")
        };
        let driver = Chromedriver { child, url: format!("http://127.0.0.1:{port}") };
        let http = reqwest::Client::new();
        eventually("chromedriver to be ready", Duration::from_secs(30), || async {
            let status = http.get(format!("{}/status", driver.url)).send().await;
            match status {
                Ok(r) => r.json::<Value>().await.is_ok_and(|s| s["value"]["ready"] == true),
                Err(_) => false,
            }
        })
        .await;
        driver
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let group = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

/// A headless Chromium of one test.
struct Browser {
    driver: WebDriver,
    artifacts: PathBuf,
    _chromedriver: Chromedriver,
}

fn artifacts_dir(test: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("browser-artifacts").join(test);
    std::fs::create_dir_all(&dir).expect("artifact directory");
    dir
}

impl Browser {
    async fn start(test: &str) -> Self {
        let chromedriver = Chromedriver::start().await;
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).expect("binary");
        for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"] {
            caps.add_arg(arg).expect("arg");
        }
        let driver = WebDriver::new(&chromedriver.url, caps).await.expect("a Chromium session");
        Browser { driver, artifacts: artifacts_dir(test), _chromedriver: chromedriver }
    }

    async fn goto(&self, url: &str) {
        self.driver.goto(url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The first element matching `css`, waiting for it.
    async fn el(&self, css: &str) -> WebElement {
        match self.driver.query(By::Css(css)).wait(ELEMENT_WAIT, Duration::from_millis(100)).first().await {
            Ok(element) => element,
            Err(err) => {
                self.shot("failure").await;
                let url = self.driver.current_url().await.map(|u| u.to_string()).unwrap_or_default();
                panic!("no `{css}` on {url}: {err}");
            }
        }
    }

    /// Whether an element matching `css` is on the page now (no waiting).
    async fn has(&self, css: &str) -> bool {
        self.driver.query(By::Css(css)).nowait().exists().await.unwrap_or(false)
    }

    async fn text(&self, css: &str) -> String {
        self.el(css).await.text().await.unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    async fn click(&self, css: &str) {
        self.el(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    async fn fill(&self, css: &str, value: &str) {
        let field = self.el(css).await;
        field.clear().await.unwrap_or_else(|e| panic!("clear {css}: {e}"));
        field.send_keys(value).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    async fn path(&self) -> String {
        self.driver.current_url().await.map(|u| u.path().to_owned()).unwrap_or_default()
    }

    /// Waits until the browser shows a page whose path starts with `prefix`.
    async fn wait_for_path(&self, prefix: &str) {
        eventually(&format!("the browser at {prefix}"), ELEMENT_WAIT, || async {
            self.path().await.starts_with(prefix)
        })
        .await;
    }

    async fn shot(&self, step: &str) {
        let path = self.artifacts.join(format!("{step}.png"));
        if let Err(err) = self.driver.screenshot(&path).await {
            eprintln!("screenshot {step} not saved: {err}");
        }
    }

    async fn quit(self) {
        let Browser { driver, _chromedriver, .. } = self;
        let _ = driver.quit().await;
    }
}

/// A platform with the first `products` products of the demo catalog, fully loaded and indexed.
pub async fn demo_platform(products: usize) -> Platform {
    let p = Platform::start_seeding(&["--seed-products", &products.to_string()]).await;
    let marker = p.data_dir().join("seeded");
    eventually("the demo catalog to load", Duration::from_secs(300), || async { marker.exists() }).await;
    eventually("search to index the demo catalog", Duration::from_secs(60), || async {
        let r = p.get("/api/v1/search?limit=1").await;
        r.status() == StatusCode::OK
            && r.json::<Value>().await.is_ok_and(|v| v["total"].as_u64() == Some(products as u64))
    })
    .await;
    p
}

/// The slug of a product the demo catalog has in stock, with a price.
pub async fn product_in_stock(p: &Platform) -> String {
    let found = p.get_json("/api/v1/search?in_stock=true&sort=price_asc&limit=1").await;
    found["data"][0]["slug"].as_str().expect("a product in stock").to_owned()
}

/// From the product page the browser shows: add to cart, check out with the test card, and
/// return the order number the confirmation shows.
async fn buy_from_product_page(browser: &Browser, gateway: &str, email: Option<&str>) -> String {
    browser.el("#product-name").await;
    browser.shot("product").await;
    browser.click("#add").await;
    browser.wait_for_path("/cart").await;
    browser.el("#cart-lines").await;
    browser.shot("cart").await;
    browser.click("a#checkout").await;
    browser.wait_for_path("/checkout").await;
    browser.el("#place-order").await;
    if let Some(email) = email {
        browser.fill("#email", email).await;
    }
    browser.fill("#name", "Ada Lovelace").await;
    browser.fill("#line1", "Unter den Linden 1").await;
    browser.fill("#postal_code", "10117").await;
    browser.fill("#city", "Berlin").await;
    browser.fill("#card_number", APPROVED).await;
    browser.fill("#exp_month", "12").await;
    browser.fill("#exp_year", "2035").await;
    browser.fill("#cvc", "123").await;
    browser.shot("checkout").await;
    browser.click("#place").await;
    browser.wait_for_path("/confirmation/").await;
    let order = browser.text("#order-number").await;
    browser.shot("confirmation").await;
    assert!(order.starts_with("ord_"), "the confirmation shows the order number: {order:?} ({gateway})");
    order
}

async fn staff_order(p: &Platform, id: &str) -> Value {
    let r = p.http.get(format!("{}/api/v1/orders/{id}", p.gateway)).bearer_auth(&p.token).send().await.expect("sent");
    assert_eq!(r.status(), StatusCode::OK, "the order {id} exists");
    r.json().await.expect("json")
}

#[tokio::test]
async fn a_guest_goes_from_the_home_page_to_a_confirmed_order() {
    let p = demo_platform(40).await;
    let browser = Browser::start("guest_checkout").await;
    browser.goto(&format!("{}/", p.gateway)).await;
    browser.el("#categories").await;
    browser.shot("home").await;

    // A category with a product in stock: the first leaf category that has one.
    let leaves = browser.driver.find_all(By::Css("#categories ul a")).await.expect("category links");
    let mut hrefs = Vec::new();
    for leaf in leaves {
        if let Ok(Some(href)) = leaf.attr("href").await {
            hrefs.push(href);
        }
    }
    assert!(!hrefs.is_empty(), "the home page lists categories");
    let mut product = None;
    for href in &hrefs {
        browser.goto(&format!("{}{href}", p.gateway)).await;
        browser.el("#filters").await;
        for card in browser.driver.find_all(By::Css(".product-card")).await.unwrap_or_default() {
            if card.text().await.is_ok_and(|t| t.contains("In stock")) {
                product = card.find(By::Css("a")).await.ok();
                break;
            }
        }
        if product.is_some() {
            break;
        }
    }
    browser.shot("category").await;
    product.expect("a category with a product in stock").click().await.expect("open the product");
    browser.wait_for_path("/products/").await;

    let order = buy_from_product_page(&browser, &p.gateway, Some("guest@example.com")).await;
    let stored = staff_order(&p, &order).await;
    assert_eq!(stored["status"], "placed");
    assert_eq!(stored["email"], "guest@example.com");
    assert_eq!(stored["customer_id"], Value::Null, "a guest order");
    browser.quit().await;
}

#[tokio::test]
async fn a_customer_signs_up_buys_and_finds_the_order_in_the_account() {
    let p = demo_platform(20).await;
    let slug = product_in_stock(&p).await;
    let browser = Browser::start("customer_account").await;

    // As a guest first: the cart follows the shopper into the new account.
    browser.goto(&format!("{}/products/{slug}", p.gateway)).await;
    browser.click("#add").await;
    browser.wait_for_path("/cart").await;
    browser.el("#cart-lines").await;

    browser.goto(&format!("{}/account/signup?next=/cart", p.gateway)).await;
    browser.fill("#name", "Grace Hopper").await;
    browser.fill("#email", "grace@example.com").await;
    browser.fill("#password", "correct horse battery").await;
    browser.shot("signup").await;
    browser.click("#sign-up").await;
    browser.wait_for_path("/cart").await;
    browser.el("#cart-lines").await;
    assert!(browser.has("a#checkout").await, "the guest cart was merged into the customer's");
    assert!(browser.has("#log-out").await, "signed in");

    browser.goto(&format!("{}/products/{slug}", p.gateway)).await;
    // The e-mail comes from the account.
    let order = buy_from_product_page(&browser, &p.gateway, None).await;
    let stored = staff_order(&p, &order).await;
    assert_eq!(stored["email"], "grace@example.com");
    assert!(stored["customer_id"].as_str().is_some_and(|c| c.starts_with("cus_")), "a customer's order");
    assert_eq!(stored["lines"][0]["quantity"], 2, "one unit added as a guest, one as the customer");

    browser.goto(&format!("{}/account", p.gateway)).await;
    browser.el("#orders").await;
    browser.shot("order_history").await;
    browser.click(&format!("#orders a[href='/account/orders/{order}']")).await;
    assert_eq!(browser.text("#order-id").await, order);
    assert_eq!(browser.text("#order-status").await, "Placed");
    browser.shot("order_detail").await;
    browser.click("#cancel-order").await;
    eventually("the order shows as cancelled", ELEMENT_WAIT, || async {
        browser.has("#order-status").await && browser.text("#order-status").await == "Cancelled"
    })
    .await;
    browser.shot("order_cancelled").await;
    assert_eq!(staff_order(&p, &order).await["status"], "cancelled");
    browser.quit().await;
}

#[tokio::test]
async fn a_product_created_in_the_console_appears_in_the_shop() {
    let p = Platform::start(&[]).await;
    let category = p.post("/api/v1/categories", &json!({ "name": "Lamps", "slug": "lamps" })).await;
    assert_eq!(category.status(), StatusCode::CREATED);
    let staff = p
        .post(
            "/api/v1/staff-users",
            &json!({ "email": "clerk@example.com", "password": "correct horse battery", "name": "Clerk", "role": "admin" }),
        )
        .await;
    assert_eq!(staff.status(), StatusCode::CREATED, "{}", staff.text().await.unwrap_or_default());
    // Pricing needs a general price list to put the console's price in, as the seed makes.
    let list = p.post("/api/v1/price-lists", &json!({ "name": "Standard EUR", "currency": "EUR" })).await;
    assert_eq!(list.status(), StatusCode::CREATED);

    let browser = Browser::start("console_product").await;
    browser.goto(&format!("{}/admin/login", p.gateway)).await;
    browser.fill("#email", "clerk@example.com").await;
    browser.fill("#password", "correct horse battery").await;
    browser.click("#sign-in").await;
    eventually("signed in to the console", ELEMENT_WAIT, || async {
        !browser.path().await.starts_with("/admin/login")
    })
    .await;
    browser.goto(&format!("{}/admin/products/new", p.gateway)).await;
    browser.fill("#name", "Brass Desk Lamp").await;
    browser.fill("#slug", "brass-desk-lamp").await;
    browser.fill("#description", "A heavy brass lamp with a linen shade.").await;
    let mut chosen = false;
    for option in browser.el("#category").await.find_all(By::Css("option")).await.unwrap_or_default() {
        if option.text().await.is_ok_and(|t| t.contains("Lamps")) {
            option.click().await.expect("choose the category");
            chosen = true;
        }
    }
    assert!(chosen, "the console offers the category");
    browser.fill("#sku", "LAMP-BRASS").await;
    browser.fill("#price", "12.50").await;
    browser.shot("console_new_product").await;
    browser.click("#create-product").await;
    eventually("the console shows the new product", ELEMENT_WAIT, || async {
        let path = browser.path().await;
        path.starts_with("/admin/products/") && !path.ends_with("/new")
    })
    .await;
    browser.shot("console_product").await;

    // The shop finds it (search follows catalog and pricing events) and shows it priced.
    let search = format!("{}/search?q=brass+desk+lamp", p.gateway);
    eventually("the product in the shop's search", Duration::from_secs(30), || async {
        browser.goto(&search).await;
        browser.has("a[href='/products/brass-desk-lamp']").await
    })
    .await;
    browser.shot("shop_search").await;
    browser.click("a[href='/products/brass-desk-lamp']").await;
    assert_eq!(browser.text("#product-name").await, "Brass Desk Lamp");
    assert!(browser.text("#add-to-cart").await.contains("€12.50"), "priced from the console");
    browser.shot("shop_product").await;
    let html = browser.driver.source().await.unwrap_or_default();
    assert!(html.contains("href=\"/categories/lamps\""), "listed under its category");
    browser.quit().await;
}

pub async fn chaos(p: &Platform, args: &[&str]) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mercato"))
        .arg("chaos")
        .args(args)
        .arg("--data-dir")
        .arg(p.data_dir())
        .output()
        .await
        .expect("mercato chaos runs");
    assert!(out.status.success(), "mercato chaos {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn the_product_page_degrades_without_recommendations_and_with_inventory_hung() {
    let shop = Shop::open(&[], &["BR-1", "BR-2"], 2450, 9).await;
    let browser = Browser::start("product_degraded").await;
    let page = format!("{}/products/p-br-1", shop.p.gateway);

    chaos(&shop.p, &["kill", "recommendations", "--for", "60s"]).await;
    eventually("the page without recommendations", ELEMENT_WAIT, || async {
        browser.goto(&page).await;
        browser.has("main[data-degraded~='recommendations']").await
    })
    .await;
    browser.shot("without_recommendations").await;
    assert!(!browser.has("#recommendations").await, "no recommendations slot");
    assert_eq!(browser.text("#product-name").await, "Product p-br-1");
    let form = browser.text("#add-to-cart").await;
    assert!(form.contains("€24.50") && form.contains("In stock (9 available)"), "the rest is intact: {form}");
    assert!(browser.has("#availability td").await, "stock per location");

    chaos(&shop.p, &["hang", "inventory", "--for", "60s"]).await;
    // The gateway may answer the page it composed within the last second (a degraded page is
    // kept that long).
    eventually("the page without availability", ELEMENT_WAIT, || async {
        browser.goto(&page).await;
        browser.has("#availability-unknown").await
    })
    .await;
    assert!(browser.text("#availability-unknown").await.contains("Availability unknown"));
    assert!(browser.text("#add-to-cart").await.contains("€24.50"), "prices still shown");
    assert!(!browser.has("#availability td").await, "no stock table while inventory hangs");
    browser.shot("inventory_hung").await;
    chaos(&shop.p, &["heal", "inventory"]).await;
    browser.quit().await;
}
