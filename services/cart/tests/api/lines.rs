//! Adding, setting and removing lines; their limits; concurrent additions.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{etag, fields, id, lines, ok, owned, problem, spawn_app};

#[tokio::test]
async fn lines_are_added_set_and_removed_in_first_added_order() {
    let app = spawn_app().await;
    let cart = app.guest_cart().await;
    ok(app.add(&cart, "TEE-M", 2, None).await, StatusCode::OK).await;
    ok(app.add(&cart, "MUG", 1, None).await, StatusCode::OK).await;
    let added = app.add(&cart, "TEE-M", 3, None).await;
    assert_eq!(etag(&added), "\"4\"");
    let added = ok(added, StatusCode::OK).await;
    assert_eq!(lines(&added), owned(&[("TEE-M", 5), ("MUG", 1)]));
    assert_eq!(added["version"], 4);

    let set = ok(app.set(&cart, "MUG", 4, None).await, StatusCode::OK).await;
    assert_eq!(lines(&set), owned(&[("TEE-M", 5), ("MUG", 4)]));
    // Setting a SKU without a line adds one at the end; 0 removes.
    let set = ok(app.set(&cart, "CAP", 2, None).await, StatusCode::OK).await;
    assert_eq!(lines(&set), owned(&[("TEE-M", 5), ("MUG", 4), ("CAP", 2)]));
    let set = ok(app.set(&cart, "TEE-M", 0, None).await, StatusCode::OK).await;
    assert_eq!(lines(&set), owned(&[("MUG", 4), ("CAP", 2)]));
    let removed = ok(app.remove(&cart, "MUG", None).await, StatusCode::OK).await;
    assert_eq!((lines(&removed), &removed["version"]), (owned(&[("CAP", 2)]), &json!(8)));
    // Removing again (a retry) answers with the cart, unchanged.
    let again = ok(app.remove(&cart, "MUG", None).await, StatusCode::OK).await;
    assert_eq!(again["version"], 8);
    assert_eq!(app.cart(&cart, None).await, removed);
}

#[tokio::test]
async fn line_errors_name_the_field() {
    let app = spawn_app().await;
    let cart = app.guest_cart().await;
    let invalid = |response| async move { fields(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await) };
    assert_eq!(invalid(app.add(&cart, "no spaces", 1, None).await).await, ["sku"]);
    assert_eq!(invalid(app.add(&cart, "TEE", 0, None).await).await, ["quantity"]);
    assert_eq!(invalid(app.add(&cart, "TEE", 1001, None).await).await, ["quantity"]);
    assert_eq!(invalid(app.add(&cart, "", -1, None).await).await, ["sku", "quantity"]);
    ok(app.add(&cart, "TEE", 600, None).await, StatusCode::OK).await;
    let over = problem(app.add(&cart, "TEE", 401, None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&over), ["quantity"]);
    assert!(over["errors"][0]["message"].as_str().is_some_and(|m| m.contains("1001")), "{over}");
    ok(app.add(&cart, "TEE", 400, None).await, StatusCode::OK).await;
    assert_eq!(invalid(app.set(&cart, "TEE", 1001, None).await).await, ["quantity"]);
    assert_eq!(invalid(app.set(&cart, "TEE", -1, None).await).await, ["quantity"]);
    assert_eq!(invalid(app.set(&cart, "bad%20sku", 1, None).await).await, ["sku"]);
    assert_eq!(invalid(app.remove(&cart, "bad%20sku", None).await).await, ["sku"]);
    let missing = app.send(Method::POST, &format!("/v1/carts/{cart}/lines"), None, Some(json!({ "sku": "TEE" }))).await;
    assert_eq!(fields(&problem(missing, StatusCode::BAD_REQUEST).await), ["quantity"]);
    let cart = app.cart(&cart, None).await;
    assert_eq!((lines(&cart), &cart["version"]), (owned(&[("TEE", 1000)]), &json!(3)));
}

#[tokio::test]
async fn a_cart_holds_at_most_a_hundred_lines() {
    let app = spawn_app().await;
    let hundred: Vec<_> = (0..100).map(|i| json!({ "sku": format!("SKU-{i}"), "quantity": 1 })).collect();
    let mut too_many = hundred.clone();
    too_many.push(json!({ "sku": "SKU-100", "quantity": 1 }));
    let response = app.send(Method::POST, "/v1/carts", None, Some(json!({ "lines": too_many }))).await;
    assert_eq!(fields(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), ["lines"]);

    let cart = id(&app.create(None, Some(json!({ "lines": hundred })), StatusCode::CREATED).await);
    let full = problem(app.add(&cart, "SKU-100", 1, None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&full), ["lines"]);
    assert_eq!(
        fields(&problem(app.set(&cart, "SKU-100", 1, None).await, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["lines"]
    );
    // Existing lines still change; a removed line makes room.
    ok(app.add(&cart, "SKU-0", 5, None).await, StatusCode::OK).await;
    ok(app.remove(&cart, "SKU-1", None).await, StatusCode::OK).await;
    let cart = ok(app.add(&cart, "SKU-100", 1, None).await, StatusCode::OK).await;
    let lines = lines(&cart);
    assert_eq!((lines.len(), &lines[0], &lines[99]), (100, &("SKU-0".to_owned(), 6), &("SKU-100".to_owned(), 1)));
}

#[tokio::test]
async fn concurrent_additions_of_one_sku_all_count() {
    let app = spawn_app().await;
    let cart = app.guest_cart().await;
    let adds = (0..20).map(|_| app.add(&cart, "TEE", 1, None));
    for response in futures::future::join_all(adds).await {
        assert_eq!(response.status(), StatusCode::OK);
    }
    let cart = app.cart(&cart, None).await;
    assert_eq!((lines(&cart), &cart["version"]), (owned(&[("TEE", 20)]), &json!(21)));
}

#[tokio::test]
async fn concurrent_additions_of_different_skus_all_land_once() {
    let app = spawn_app().await;
    let cart = app.guest_cart().await;
    let skus: Vec<String> = (0..12).map(|i| format!("SKU-{i}")).collect();
    // Each change is computed from a plain read; those that lose the race are decided again
    // from the cart as it then is, so none overwrites another's line.
    let adds = skus.iter().map(|sku| app.add(&cart, sku, 1, None));
    for response in futures::future::join_all(adds).await {
        assert_eq!(response.status(), StatusCode::OK);
    }
    let cart = app.cart(&cart, None).await;
    let mut landed = lines(&cart);
    landed.sort();
    let mut expected: Vec<(String, i64)> = skus.into_iter().map(|sku| (sku, 1)).collect();
    expected.sort();
    assert_eq!((landed, &cart["version"]), (expected, &json!(13)));
}

#[tokio::test]
async fn line_changes_honor_if_match() {
    let app = spawn_app().await;
    let cart = app.guest_cart().await;
    let path = format!("/v1/carts/{cart}/lines");
    let add = |tag: &'static str| {
        app.request(Method::POST, &path, None)
            .header("If-Match", tag)
            .json(&json!({ "sku": "TEE", "quantity": 1 }))
            .send()
    };
    ok(add("\"1\"").await.expect("sent"), StatusCode::OK).await;
    problem(add("\"1\"").await.expect("sent"), StatusCode::PRECONDITION_FAILED).await;
    let put = app
        .request(Method::PUT, &format!("{path}/TEE"), None)
        .header("If-Match", "\"1\"")
        .json(&json!({ "quantity": 3 }))
        .send()
        .await
        .expect("sent");
    problem(put, StatusCode::PRECONDITION_FAILED).await;
    let delete = app
        .request(Method::DELETE, &format!("{path}/TEE"), None)
        .header("If-Match", "W/\"2\"")
        .send()
        .await
        .expect("sent");
    assert_eq!(lines(&ok(delete, StatusCode::OK).await), owned(&[]));
}
