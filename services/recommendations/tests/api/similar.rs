//! Content similarity answers for products nobody ordered yet; archived products vanish
//! from every answer; renamed products show their new name.

use serde_json::Value;

use crate::helpers::{archived, just_names, names, pair, spawn_with_catalog, updated};

fn data(answer: &Value) -> &Vec<Value> {
    answer["data"].as_array().expect("data")
}

#[tokio::test]
async fn a_product_nobody_ordered_gets_products_described_alike() {
    let (app, catalog) = spawn_with_catalog().await;
    let shorts = catalog.product("Linen Shorts");
    let similar = app.recommendations(&format!("product_id={}&kind=similar", shorts.id)).await;
    let names_found = just_names(&similar);
    assert_eq!(names_found[0], "Linen Trousers", "linen, washed, summer and trousers: {similar}");
    assert!(names_found[..3].contains(&"Linen Shirt".to_owned()), "{similar}");
    assert!(!names_found.contains(&"Linen Shorts".to_owned()), "never itself");
    assert!(!names_found.contains(&"Silk Scarf".to_owned()), "shares no word");

    // Without orders or views, the blend is the similar products.
    let blend = app.recommendations(&format!("product_id={}", shorts.id)).await;
    assert!(!data(&blend).is_empty());
    assert!(data(&blend).iter().all(|r| r["reason"] == "similar"), "{blend}");
    assert_eq!(just_names(&blend), names_found[..data(&blend).len()]);
    let one = app.recommendations(&format!("product_id={}&kind=similar&limit=1", shorts.id)).await;
    assert_eq!(just_names(&one), ["Linen Trousers"]);
}

#[tokio::test]
async fn archived_products_vanish_from_every_answer() {
    let (app, catalog) = spawn_with_catalog().await;
    app.apply(&[
        catalog.order(None, &["Linen Shirt", "Leather Belt"]),
        catalog.order(None, &["Linen Shirt", "Leather Belt"]),
    ])
    .await;
    let shirt = catalog.product("Linen Shirt");
    let boots = catalog.product("Leather Boots");
    app.eventually(&format!("product_id={}&kind=bought_together", shirt.id), |a| !data(a).is_empty()).await;
    let before = app.recommendations(&format!("product_id={}&kind=similar", boots.id)).await;
    assert!(just_names(&before).contains(&"Leather Belt".to_owned()), "leather, full-grain: {before}");

    let mut belt = catalog.product("Leather Belt").clone();
    belt.version = 2;
    app.apply(&[archived(&belt)]).await;
    app.eventually(&format!("product_id={}&kind=bought_together", shirt.id), |a| data(a).is_empty()).await;
    let gone = "Leather Belt".to_owned();
    for query in [
        format!("product_id={}", shirt.id),
        format!("product_id={}&kind=similar", boots.id),
        format!("product_id={}&limit=50", boots.id),
    ] {
        let answer = app.recommendations(&query).await;
        assert!(!just_names(&answer).contains(&gone), "{query}: {answer}");
    }
    let popular: Value = app.for_you_raw(None, "limit=50").await.json().await.expect("json");
    assert_eq!(names(&popular), [pair("Linen Shirt", "popular")]);
    // The archived product's own page still gets listed products.
    let own = app.recommendations(&format!("product_id={}&kind=bought_together", belt.id)).await;
    assert_eq!(just_names(&own), ["Linen Shirt"]);

    // An older snapshot cannot restore it; a newer active one does.
    app.apply(&[updated(catalog.product("Leather Belt"))]).await;
    let mut restored = belt.clone();
    restored.version = 3;
    restored.name = "Bridle Leather Belt".into();
    app.apply(&[updated(&restored)]).await;
    let answer =
        app.eventually(&format!("product_id={}&kind=bought_together", shirt.id), |a| !data(a).is_empty()).await;
    assert_eq!(names(&answer), [pair("Bridle Leather Belt", "bought_together")]);
}
