//! Categories.

use contracts::catalog::{Category, CategorySummary};
use contracts::ids::CategoryId;
use runtime::db::{DbError, Tx};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::domain::ValidCategory;

fn category(row: &AnyRow) -> Result<Category, DbError> {
    let id: String = row.try_get("id")?;
    let parent: Option<String> = row.try_get("parent_id")?;
    Ok(Category {
        id: CategoryId::parse(&id).map_err(DbError::decode)?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        parent: parent.and_then(|p| CategoryId::parse(&p).ok()),
    })
}

/// All categories, parents first (ids are creation-ordered and parents exist before children).
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<Category>, DbError> {
    let rows = sqlx::query("SELECT id, slug, name, parent_id FROM categories ORDER BY id").fetch_all(conn).await?;
    rows.iter().map(category).collect()
}

/// A category by slug or id.
pub async fn find(conn: &mut AnyConnection, reference: &str) -> Result<Option<Category>, DbError> {
    let row = sqlx::query("SELECT id, slug, name, parent_id FROM categories WHERE slug = $1 OR id = $1")
        .bind(reference)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(category).transpose()
}

/// Whether a slug is taken.
pub async fn slug_taken(tx: &mut Tx, slug: &str) -> Result<bool, DbError> {
    Ok(sqlx::query("SELECT 1 FROM categories WHERE slug = $1").bind(slug).fetch_optional(&mut **tx).await?.is_some())
}

/// Inserts a category.
pub async fn insert(tx: &mut Tx, category: &ValidCategory, parent: Option<&CategoryId>) -> Result<Category, DbError> {
    let id = CategoryId::generate();
    sqlx::query("INSERT INTO categories (id, slug, name, parent_id, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id.as_str())
        .bind(category.slug.as_str())
        .bind(&category.name)
        .bind(parent.map(|p| p.as_str().to_owned()))
        .bind(runtime::db::now())
        .execute(&mut **tx)
        .await?;
    Ok(Category { id, slug: category.slug.to_string(), name: category.name.clone(), parent: parent.cloned() })
}

/// The summary embedded in products.
pub fn summary(c: &Category) -> CategorySummary {
    CategorySummary { id: c.id.clone(), slug: c.slug.clone(), name: c.name.clone() }
}

/// `root` and every category below it.
pub fn subtree(all: &[Category], root: &CategoryId) -> Vec<CategoryId> {
    let mut ids = vec![root.clone()];
    let mut i = 0;
    while i < ids.len() {
        let current = ids[i].clone();
        ids.extend(all.iter().filter(|c| c.parent.as_ref() == Some(&current)).map(|c| c.id.clone()));
        i += 1;
    }
    ids
}
