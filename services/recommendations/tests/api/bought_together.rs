//! Co-purchase: products bought in the same orders are recommended together once the
//! pattern repeats, a popular product does not crowd out a true partner, and a new order
//! changes the answer without a restart.

use serde_json::Value;

use crate::helpers::{just_names, names, pair, spawn_with_catalog};

fn data(answer: &Value) -> &Vec<Value> {
    answer["data"].as_array().expect("data")
}

#[tokio::test]
async fn products_bought_together_are_recommended_together_once_the_pattern_repeats() {
    let (app, catalog) = spawn_with_catalog().await;
    let shirt = catalog.product("Linen Shirt");
    let query = format!("product_id={}&kind=bought_together", shirt.id);

    // One shared order is chance: not yet a recommendation.
    app.apply(&[catalog.order(None, &["Linen Shirt", "Leather Belt"])]).await;
    app.for_you_eventually(None, |answer| !data(answer).is_empty()).await;
    assert!(data(&app.recommendations(&query).await).is_empty());

    // The second makes it one, with the product's id and slug.
    app.apply(&[catalog.order(None, &["Linen Shirt", "Leather Belt", "Wool Socks"])]).await;
    let answer = app.eventually(&query, |answer| !data(answer).is_empty()).await;
    assert_eq!(names(&answer), [pair("Leather Belt", "bought_together")]);
    let belt = catalog.product("Leather Belt");
    assert_eq!(answer["data"][0]["product_id"], belt.id.as_str());
    assert_eq!(answer["data"][0]["slug"], "leather-belt");
    // Symmetric.
    let back = app.recommendations(&format!("product_id={}&kind=bought_together", belt.id)).await;
    assert_eq!(just_names(&back), ["Linen Shirt"]);

    // New orders change the answer without a restart: socks become the closer partner
    // (4 of the shirt's 5 orders, and every one of the socks').
    let socks = catalog.order(None, &["Linen Shirt", "Wool Socks"]);
    app.apply(std::slice::from_ref(&socks)).await;
    app.apply(&[catalog.order(None, &["Linen Shirt", "Wool Socks"])]).await;
    app.apply(&[catalog.order(None, &["Linen Shirt", "Wool Socks"])]).await;
    let answer = app.eventually(&query, |answer| data(answer).len() == 2).await;
    assert_eq!(names(&answer), [pair("Wool Socks", "bought_together"), pair("Leather Belt", "bought_together")]);

    // A redelivered order (same id) changes nothing.
    app.apply(&[socks]).await;
    app.apply(&[catalog.order(None, &["Silk Scarf", "Wool Socks"])]).await;
    app.for_you_eventually(None, |answer| just_names(answer).contains(&"Silk Scarf".to_owned())).await;
    assert_eq!(just_names(&app.recommendations(&query).await), ["Wool Socks", "Leather Belt"]);

    // The blend leads with them.
    let blend = app.recommendations(&format!("product_id={}&limit=3", shirt.id)).await;
    assert_eq!(&names(&blend)[..2], &[pair("Wool Socks", "bought_together"), pair("Leather Belt", "bought_together")]);
    assert_eq!(data(&blend).len(), 3);
}

#[tokio::test]
async fn a_product_in_every_basket_does_not_crowd_out_the_true_partner() {
    let (app, catalog) = spawn_with_catalog().await;
    let mut events = Vec::new();
    for _ in 0..10 {
        events.push(catalog.order(None, &["Wool Socks", "Chino Trousers"]));
    }
    for _ in 0..2 {
        events.push(catalog.order(None, &["Linen Shirt", "Wool Socks"]));
        events.push(catalog.order(None, &["Linen Shirt", "Linen Trousers"]));
    }
    app.apply(&events).await;
    let shirt = catalog.product("Linen Shirt");
    let answer = app
        .eventually(&format!("product_id={}&kind=bought_together", shirt.id), |answer| data(answer).len() == 2)
        .await;
    // Both were bought with the shirt twice; the socks are bought with everything.
    assert_eq!(just_names(&answer), ["Linen Trousers", "Wool Socks"]);
    // Popularity, on the other hand, puts the socks first.
    let popular = app.for_you_raw(None, "limit=2").await.json::<Value>().await.expect("json");
    assert_eq!(names(&popular), [pair("Wool Socks", "popular"), pair("Chino Trousers", "popular")]);
}
