//! For you: a customer's purchases and views lead to their neighbours, never to what they
//! bought; guests (and staff) get popular products; a bad token is a 401.

use contracts::ids::CustomerId;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{just_names, names, pair, problem, spawn_with_catalog};

#[tokio::test]
async fn a_customer_gets_the_neighbours_of_what_they_bought() {
    let (app, catalog) = spawn_with_catalog().await;
    let ada = CustomerId::generate();
    app.apply(&[
        catalog.order(None, &["Linen Shirt", "Leather Belt"]),
        catalog.order(None, &["Linen Shirt", "Leather Belt"]),
        catalog.order(None, &["Silk Scarf"]),
        catalog.order(None, &["Silk Scarf"]),
        catalog.order(None, &["Silk Scarf"]),
        catalog.order(Some(&ada), &["Linen Shirt"]),
    ])
    .await;
    let token = app.identity.customer(&ada);
    let mine = app.for_you_eventually(Some(&token), |a| a["data"][0]["reason"] == "for_you").await;
    assert_eq!(names(&mine)[0], pair("Leather Belt", "for_you"), "{mine}");
    assert!(!just_names(&mine).contains(&"Linen Shirt".to_owned()), "never what was bought: {mine}");
    assert_eq!(mine["data"].as_array().expect("data").len(), 5);
    // Once personal answers run out, popular products fill the rest.
    let all: Value = app.for_you_raw(Some(&token), "limit=50").await.json().await.expect("json");
    let all = names(&all);
    let first_popular = all.iter().position(|(_, reason)| reason == "popular").expect("some popular");
    assert!(all[first_popular..].iter().all(|(_, reason)| reason == "popular"), "{all:?}");
    assert!(all.contains(&pair("Silk Scarf", "popular")), "{all:?}");
    assert!(!all.iter().any(|(name, _)| name == "Linen Shirt"), "{all:?}");

    // A guest, a customer without history and a staff user get popular products.
    let guest: Value = app.for_you_raw(None, "limit=2").await.json().await.expect("json");
    assert_eq!(names(&guest), [pair("Linen Shirt", "popular"), pair("Silk Scarf", "popular")]);
    let stranger = app.identity.customer(&CustomerId::generate());
    let theirs: Value = app.for_you_raw(Some(&stranger), "limit=2").await.json().await.expect("json");
    assert_eq!(theirs, guest);
    let staff: Value = app.for_you_raw(Some(&app.identity.staff()), "limit=2").await.json().await.expect("json");
    assert_eq!(staff, guest);

    // A token that is not valid is a 401, never silently a guest.
    problem(app.for_you_raw(Some(&app.identity.expired(&ada)), "").await, StatusCode::UNAUTHORIZED).await;
    problem(app.for_you_raw(Some("garbage"), "").await, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn what_a_signed_in_customer_views_personalises_their_answers() {
    let (app, catalog) = spawn_with_catalog().await;
    let bob = CustomerId::generate();
    let token = app.identity.customer(&bob);
    app.view("bob-laptop", catalog.product("Linen Shorts"), Some(&token)).await;
    let mine = app.for_you_eventually(Some(&token), |a| !a["data"].as_array().expect("data").is_empty()).await;
    assert_eq!(names(&mine)[0], pair("Linen Trousers", "for_you"), "similar to what bob viewed: {mine}");
    // A guest's view links to no customer.
    let guest: Value = app.for_you_raw(None, "").await.json().await.expect("json");
    assert!(guest["data"].as_array().expect("data").is_empty(), "nothing bought yet, nothing popular: {guest}");
}
