//! The storefront on its own: what it serves without the platform (assets, its error pages,
//! cookies and headers), and that it degrades to a clean 503 page when the API is gone.
//! Shopping through real services is covered by the browser and HTTP system tests in
//! `crates/mercato/tests/system/`.

use std::net::TcpListener;

use reqwest::StatusCode;
use runtime::testing::TestService;

/// An address nothing listens on.
fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

async fn storefront() -> TestService {
    let gateway = closed_port();
    runtime::testing::spawn(storefront::SERVICE, storefront::build, move |s| s.upstreams = format!("gateway={gateway}"))
        .await
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

#[tokio::test]
async fn assets_are_served_with_long_cache_headers_and_stay_small() {
    let shop = storefront().await;
    let css = shop.get("/assets/storefront.css?v=1").await;
    assert_eq!(css.status(), StatusCode::OK);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert!(css.headers()["cache-control"].to_str().is_ok_and(|c| c.contains("max-age=31536000")));
    let css = css.text().await.expect("text");
    assert!(css.contains("@media"), "one responsive stylesheet");
    assert!(css.len() < 10 * 1024, "the stylesheet is {} bytes", css.len());
    let js = shop.get("/assets/storefront.js").await;
    assert_eq!(js.headers()["content-type"], "text/javascript; charset=utf-8");
    let media = shop.get("/media/linen-shirt-1.jpg").await;
    assert_eq!(media.headers()["content-type"], "image/svg+xml");
    assert!(media.text().await.expect("text").starts_with("<svg"));
}

#[tokio::test]
async fn without_the_api_pages_are_a_clean_503_page_with_retry_after() {
    let shop = storefront().await;
    for path in ["/categories/shirts", "/products/linen-shirt", "/cart"] {
        // With a guest cart, so that the cart page has something to ask the API.
        let page = shop
            .http
            .get(format!("{}{path}", shop.base))
            .header("cookie", "mercato_cart=cart_0193a4c1e7d27c3a9b1f4e2d8c6a5b40")
            .send()
            .await
            .expect("sent");
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(page.headers()["retry-after"], "5", "{path}");
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        let html = page.text().await.expect("text");
        assert!(html.contains("Back in a moment"), "{path}: {html}");
        assert!(html.contains("<label for=\"q\""), "the search box is labelled on every page");
    }
    // The home page still renders, saying what is missing.
    let home = shop.get("/").await;
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.text().await.expect("text").contains("Categories are unavailable right now"));
}

#[tokio::test]
async fn unknown_pages_are_an_html_404_and_every_page_sets_a_visitor_cookie_and_safe_headers() {
    let shop = storefront().await;
    let page = shop.get("/no/such/page").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let headers = page.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "private, no-store");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"].to_str().is_ok_and(|c| c.contains("script-src 'self'")));
    let visitor = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("mercato_visitor="))
        .expect("a visitor cookie")
        .to_owned();
    assert!(
        visitor.contains("HttpOnly") && visitor.contains("SameSite=Lax") && visitor.contains("Path=/"),
        "{visitor}"
    );
    let html = page.text().await.expect("text");
    assert!(html.starts_with("<!doctype html>") && html.contains("<html lang=\"en\">"));

    // A returning visitor keeps their id.
    let again = shop
        .http
        .get(format!("{}/", shop.base))
        .header("cookie", visitor.split(';').next().unwrap_or_default())
        .send()
        .await
        .expect("sent");
    assert!(
        !again
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().is_ok_and(|c| c.starts_with("mercato_visitor=")))
    );
}

#[tokio::test]
async fn account_pages_ask_guests_to_sign_in_and_forms_report_missing_fields() {
    let shop = storefront().await;
    let http = no_redirects();
    let account = http.get(format!("{}/account", shop.base)).send().await.expect("sent");
    assert_eq!(account.status(), StatusCode::SEE_OTHER);
    assert_eq!(account.headers()["location"], "/account/login?next=%2Faccount");
    let login = shop.get("/account/login?next=https://evil.example").await;
    let html = login.text().await.expect("text");
    assert!(html.contains("name=\"next\" value=\"/account\""), "only local paths are followed after login");
    assert!(html.contains("<label for=\"email\">") && html.contains("<label for=\"password\">"));
    let refused = http
        .post(format!("{}/account/login", shop.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=&password=")
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.expect("text");
    assert!(html.contains("Enter your e-mail address.") && html.contains("Enter your password."), "{html}");
}
