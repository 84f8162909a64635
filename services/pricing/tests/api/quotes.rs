//! Prices, tiers, price-list resolution, tax, shipping and signatures.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{amount, eur, fields, lines, problem, spawn_app, tiers, usd};

#[tokio::test]
async fn the_volume_tier_with_the_largest_minimum_applies() {
    let app = spawn_app().await;
    let list = app.price_list(json!({ "name": "Retail", "currency": "EUR" })).await;
    app.set_price(&list, "TEE", tiers("EUR", &[(1, 2499), (10, 1999), (50, 1799)])).await;
    for (quantity, unit) in [(1, 2499), (9, 2499), (10, 1999), (49, 1999), (50, 1799), (1000, 1799)] {
        let q = app
            .quote(json!({ "currency": "EUR", "country": "FR", "lines": [{ "sku": "TEE", "quantity": quantity }] }))
            .await;
        assert_eq!(q["lines"][0]["unit_price"], eur(unit), "quantity {quantity}");
        assert_eq!(amount(&q, "subtotal"), unit * quantity);
        assert_eq!(amount(&q, "total"), unit * quantity);
        assert_eq!(q["tax_inclusive"], false);
        assert_eq!(amount(&q, "tax_total"), 0);
    }
}

#[tokio::test]
async fn a_group_list_beats_a_general_one_at_equal_priority_but_not_a_higher_one() {
    let app = spawn_app().await;
    let general = app.price_list(json!({ "name": "Retail", "currency": "EUR", "priority": 1 })).await;
    let vip = app.price_list(json!({ "name": "VIP", "currency": "EUR", "priority": 1, "customer_group": "vip" })).await;
    app.set_price(&general, "TEE", tiers("EUR", &[(1, 2499)])).await;
    app.set_price(&vip, "TEE", tiers("EUR", &[(1, 2199)])).await;
    app.set_price(&general, "MUG", tiers("EUR", &[(1, 1000)])).await;
    let cart = |group: Option<&str>| {
        json!({ "currency": "EUR", "customer_group": group, "country": "FR",
                "lines": [{ "sku": "TEE", "quantity": 1 }, { "sku": "MUG", "quantity": 1 }] })
    };
    let q = app.quote(cart(Some("vip"))).await;
    // the VIP list has no MUG: the general list prices it
    assert_eq!(lines(&q), [("TEE".into(), 2199, 0, 2199, 0), ("MUG".into(), 1000, 0, 1000, 0)]);
    let q = app.quote(cart(None)).await;
    assert_eq!(q["lines"][0]["unit_price"], eur(2499));
    let q = app.quote(cart(Some("wholesale"))).await;
    assert_eq!(q["lines"][0]["unit_price"], eur(2499));

    // A general list of higher priority wins over the group's.
    let sale = app.price_list(json!({ "name": "Sale", "currency": "EUR", "priority": 5 })).await;
    app.set_price(&sale, "TEE", tiers("EUR", &[(1, 1999)])).await;
    let q = app.quote(cart(Some("vip"))).await;
    assert_eq!(q["lines"][0]["unit_price"], eur(1999));
    // A list outside its validity window does not count.
    let past = app
        .price_list(json!({ "name": "Old", "currency": "EUR", "priority": 9,
                            "valid_from": "2020-01-01T00:00:00Z", "valid_to": "2021-01-01T00:00:00Z" }))
        .await;
    app.set_price(&past, "TEE", tiers("EUR", &[(1, 1)])).await;
    let q = app.quote(cart(None)).await;
    assert_eq!(q["lines"][0]["unit_price"], eur(1999));
}

#[tokio::test]
async fn a_sku_without_a_price_is_a_422_naming_the_line() {
    let app = spawn_app().await;
    app.eur_prices(&[("TEE", 2499)]).await;
    // A USD list does not price a EUR cart.
    let usd_list = app.price_list(json!({ "name": "US", "currency": "USD" })).await;
    app.set_price(&usd_list, "MUG", tiers("USD", &[(1, 1000)])).await;
    let response = app
        .quote_response(&json!({ "currency": "EUR", "country": "FR",
            "lines": [{ "sku": "TEE", "quantity": 1 }, { "sku": "MUG", "quantity": 1 }, { "sku": "GHOST", "quantity": 2 }] }))
        .await;
    let p = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&p), ["lines[1].sku", "lines[2].sku"]);
    assert_eq!(p["unpriced_skus"], json!(["MUG", "GHOST"]));
}

#[tokio::test]
async fn bad_quote_requests_name_their_fields() {
    let app = spawn_app().await;
    let response = app
        .quote_response(&json!({ "currency": "XYZ", "country": "FR", "lines": [{ "sku": "TEE", "quantity": 1 }] }))
        .await;
    let p = problem(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&p), ["currency"]);
    let response = app
        .quote_response(
            &json!({ "currency": "EUR", "country": "FR", "lines": [{ "sku": "TEE", "quantity": 1 }], "extra": 1 }),
        )
        .await;
    assert_eq!(fields(&problem(response, StatusCode::BAD_REQUEST).await), ["extra"]);
    let response = app
        .quote_response(&json!({ "currency": "EUR", "country": "france",
            "lines": [{ "sku": "TEE", "quantity": 0 }, { "sku": "TEE", "quantity": 1001 }, { "sku": "-x", "quantity": 1 }] }))
        .await;
    let p = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&p), ["country", "lines[0].quantity", "lines[1].quantity", "lines[1].sku", "lines[2].sku"]);
    let many: Vec<_> = (0..101).map(|i| json!({ "sku": format!("S{i}"), "quantity": 1 })).collect();
    let response = app.quote_response(&json!({ "currency": "EUR", "country": "FR", "lines": many })).await;
    assert_eq!(fields(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), ["lines"]);
}

#[tokio::test]
async fn inclusive_tax_de_19_percent_with_shipping() {
    let app = spawn_app().await;
    app.eur_prices(&[("TEE", 2499), ("MUG", 1190)]).await;
    app.tax_rule("DE", 1900, true).await;
    app.created(
        "/v1/shipping-rates",
        json!({ "method": "standard", "countries": ["DE", "AT"], "amount": eur(495), "free_over": eur(10000) }),
    )
    .await;
    let q = app
        .quote(json!({ "currency": "EUR", "country": "DE", "shipping_method": "standard",
            "lines": [{ "sku": "TEE", "quantity": 2 }, { "sku": "MUG", "quantity": 1 }] }))
        .await;
    // TEE 49.98 contains 49.98 − 49.98/1.19 = 49.98 − 42.00 = 7.98
    // MUG 11.90 contains 11.90 − 10.00 = 1.90
    // shipping 4.95 contains 4.95 − round(4.1596…) = 4.95 − 4.16 = 0.79
    assert_eq!(lines(&q), [("TEE".into(), 4998, 0, 4998, 798), ("MUG".into(), 1190, 0, 1190, 190)]);
    assert_eq!(q["shipping"], json!({ "method": "standard", "amount": eur(495) }));
    assert_eq!(amount(&q, "tax_total"), 798 + 190 + 79);
    assert_eq!(amount(&q, "total"), 4998 + 1190 + 495);
    assert_eq!(q["tax_inclusive"], true);
}

#[tokio::test]
async fn exclusive_tax_us_7_25_percent_is_added_on_top() {
    let app = spawn_app().await;
    let list = app.price_list(json!({ "name": "US", "currency": "USD" })).await;
    app.set_price(&list, "WIDGET", tiers("USD", &[(1, 1999)])).await;
    app.set_price(&list, "GADGET", tiers("USD", &[(1, 1250)])).await;
    app.tax_rule("US", 725, false).await;
    app.created("/v1/shipping-rates", json!({ "method": "standard", "countries": ["US"], "amount": usd(799) })).await;
    let q = app
        .quote(json!({ "currency": "USD", "country": "US", "shipping_method": "standard",
            "lines": [{ "sku": "WIDGET", "quantity": 3 }, { "sku": "GADGET", "quantity": 1 }] }))
        .await;
    // 59.97 × 7.25 % = 4.347825 → 4.35; 12.50 × 7.25 % = 0.90625 → 0.91; 7.99 × 7.25 % = 0.579275 → 0.58
    assert_eq!(lines(&q), [("WIDGET".into(), 5997, 0, 5997, 435), ("GADGET".into(), 1250, 0, 1250, 91)]);
    assert_eq!(amount(&q, "tax_total"), 435 + 91 + 58);
    assert_eq!(amount(&q, "total"), 5997 + 1250 + 799 + 584);
    assert_eq!(q["tax_inclusive"], false);
    assert_eq!(q["currency"], "USD");
}

#[tokio::test]
async fn shipping_is_free_from_the_threshold_and_an_unknown_method_is_a_422() {
    let app = spawn_app().await;
    app.eur_prices(&[("TEE", 2500)]).await;
    app.created(
        "/v1/shipping-rates",
        json!({ "method": "standard", "countries": ["FR"], "amount": eur(495), "free_over": eur(10000) }),
    )
    .await;
    let cart = |quantity: i64, method: &str| json!({ "currency": "EUR", "country": "FR", "shipping_method": method, "lines": [{ "sku": "TEE", "quantity": quantity }] });
    let q = app.quote(cart(3, "standard")).await;
    assert_eq!((amount(&q, "total"), q["shipping"]["amount"].clone()), (7500 + 495, eur(495)));
    let q = app.quote(cart(4, "standard")).await;
    assert_eq!((amount(&q, "total"), q["shipping"]["amount"].clone()), (10000, eur(0)));
    let response = app.quote_response(&cart(1, "express")).await;
    assert_eq!(fields(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), ["shipping_method"]);
    // no shipping method: no shipping in the quote
    let q = app.quote(json!({ "currency": "EUR", "country": "FR", "lines": [{ "sku": "TEE", "quantity": 1 }] })).await;
    assert!(q["shipping"].is_null());
}

#[tokio::test]
async fn the_signature_is_stable_and_changes_with_the_price() {
    let app = spawn_app().await;
    let list = app.eur_prices(&[("TEE", 2500)]).await;
    let cart = json!({ "currency": "EUR", "country": "FR", "lines": [{ "sku": "TEE", "quantity": 2 }] });
    let first = app.quote(cart.clone()).await;
    let second = app.quote(cart.clone()).await;
    let signature = first["signature"].as_str().expect("signature");
    assert_eq!(signature.len(), 64);
    assert!(signature.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(first, second);
    app.set_price(&list, "TEE", tiers("EUR", &[(1, 2600)])).await;
    let third = app.quote(cart).await;
    assert_ne!(third["signature"], first["signature"]);
    assert_eq!(amount(&third, "total"), 5200);
}

/// Each instance keeps the promotions, shipping rates and tax rules in memory: a change made
/// through one instance must apply to the very next quote of another on the same database.
#[tokio::test]
async fn rules_changed_through_one_instance_apply_at_once_in_another() {
    let app = spawn_app().await;
    app.eur_prices(&[("TEE", 10000)]).await;
    let replica = app.replica(pricing::SERVICE, pricing::build).await;
    let cart = json!({ "currency": "EUR", "country": "DE", "shipping_method": "standard",
                       "lines": [{ "sku": "TEE", "quantity": 1 }] });
    let quote = |cart: serde_json::Value| {
        let request = app.http.post(format!("{}/v1/quotes", replica.base)).json(&cart);
        async move { request.send().await.expect("request sent") }
    };

    // Both instances have read the rules: no rate ships to DE yet.
    let response = app.quote_response(&cart).await;
    assert_eq!(fields(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), ["shipping_method"]);
    let response = quote(cart.clone()).await;
    assert_eq!(fields(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), ["shipping_method"]);

    app.created("/v1/shipping-rates", json!({ "method": "standard", "countries": ["DE"], "amount": eur(500) })).await;
    let q: serde_json::Value = quote(cart.clone()).await.json().await.expect("json");
    assert_eq!((amount(&q, "total"), amount(&q, "tax_total")), (10500, 0), "{q}");

    app.tax_rule("DE", 2500, false).await;
    let q: serde_json::Value = quote(cart.clone()).await.json().await.expect("json");
    assert_eq!((amount(&q, "total"), amount(&q, "tax_total")), (13125, 2625), "{q}");

    app.promotion(json!({ "name": "10 % off", "kind": "order_percent", "value": 1000 })).await;
    let q: serde_json::Value = quote(cart.clone()).await.json().await.expect("json");
    // 9,000 + 500 shipping, plus 25 % tax
    assert_eq!((amount(&q, "discount_total"), amount(&q, "total")), (1000, 11875), "{q}");
    // And the instance the changes went through agrees, to the signature.
    let own = app.quote(cart).await;
    assert_eq!(own["signature"], q["signature"]);
}
