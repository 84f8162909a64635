//! The home page: the category tree and a few products in stock.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::Layout;
use super::listing::{self, Item};
use crate::AppState;
use crate::api::encode;
use crate::session::Shopper;

/// A department and its categories.
#[derive(Debug)]
pub struct Department {
    /// Its page.
    pub href: String,
    /// Its name.
    pub name: String,
    /// Its categories (page, name).
    pub children: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    departments: Vec<Department>,
    items: Vec<Item>,
}

/// `GET /`.
pub async fn page(State(state): State<AppState>, shopper: Shopper) -> Response {
    let (categories, (items, fallback)) =
        futures::join!(listing::categories(&state), listing::featured(&state, &shopper));
    let mut layout = Layout::new("Welcome", &shopper);
    let departments = match categories {
        Ok(all) => all
            .iter()
            .filter(|c| c.parent.is_none())
            .map(|d| Department {
                href: format!("/categories/{}", encode(&d.slug)),
                name: d.name.clone(),
                children: all
                    .iter()
                    .filter(|c| c.parent.as_ref() == Some(&d.id))
                    .map(|c| (format!("/categories/{}", encode(&c.slug)), c.name.clone()))
                    .collect(),
            })
            .collect(),
        Err(err) => {
            tracing::warn!(error = %runtime::error_chain(&err), "home page without categories");
            layout.notice = Some("Categories are unavailable right now.".into());
            Vec::new()
        }
    };
    if fallback {
        layout.degraded = "search".into();
    }
    HomePage { layout, departments, items }.into_response()
}
